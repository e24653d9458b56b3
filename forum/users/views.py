"""Public profile pages."""

from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user

from forum.errors import NotFound
from forum.extensions import db
from forum.models import User
from forum.questions import service as questions

bp = Blueprint("users", __name__, url_prefix="/users")


@bp.get("/<int:user_id>")
@bp.get("/<int:user_id>/<username>")
def show(user_id: int, username: str | None = None):
    """A member's profile: reputation, questions and answers."""
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound("No such user.")
    if username != user.username:
        return redirect(url_for("users.show", user_id=user.id, username=user.username), 301)
    asked, answered = questions.user_activity(user, current_user)
    return render_template("users/show.html", user=user, asked=asked, answered=answered)
