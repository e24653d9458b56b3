"""Public profile pages."""

from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user

from forum.questions import service as questions
from forum.users import service

bp = Blueprint("users", __name__, url_prefix="/users")


@bp.get("/<int:user_id>")
@bp.get("/<int:user_id>/<username>")
def show(user_id: int, username: str | None = None):
    """A member's profile: reputation, questions and answers."""
    user = service.get_user(user_id)
    if username != user.username:
        return redirect(url_for("users.show", user_id=user.id, username=user.username), 301)
    asked, answered = questions.user_activity(user, current_user)
    return render_template("users/show.html", user=user, asked=asked, answered=answered)
