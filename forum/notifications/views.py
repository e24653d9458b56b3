"""The inbox page, and the follow buttons on the question page: plain forms, no JavaScript needed."""

from __future__ import annotations

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from forum import permissions
from forum.errors import RuleViolation
from forum.models import Question
from forum.notifications import mail, service
from forum.notifications.wording import anchor
from forum.pagination import paginate
from forum.routing import MAX_ID

bp = Blueprint("notifications", __name__)


def _question_url(question: Question, anchor: str | None = None) -> str:
    return url_for("questions.show", question_id=question.id, slug=question.slug, _anchor=anchor)


@bp.get("/notifications")
@login_required
def inbox():
    """The member's notifications, newest first."""
    page = paginate(service.inbox(current_user))
    return render_template(
        "notifications/inbox.html",
        page=page,
        email=service.email_enabled(current_user),
        email_configured=mail.is_configured(),
        email_deliverable=mail.can_receive(current_user.email),
    )


@bp.get("/notifications/<int:notification_id>")
@login_required
def show(notification_id: int):
    """Follow a notification to its post, marking it read on the way."""
    notification = service.open_notification(current_user, notification_id)
    question, post = notification.question, notification.post
    if not (permissions.can_view(current_user, question) and permissions.can_view(current_user, post)):
        flash("That post has since been deleted.", "info")
        return redirect(url_for("notifications.inbox"))
    return redirect(_question_url(question, anchor(post, notification.comment_id)))


@bp.post("/notifications/read")
@login_required
def mark_read():
    """Mark every notification read."""
    changed = service.mark_read(current_user)
    flash("All notifications are marked read." if changed else "Nothing was unread.", "info")
    return redirect(url_for("notifications.inbox"))


@bp.post("/notifications/settings")
@login_required
def settings():
    """Turn email copies on or off."""
    choice = request.form.get("email")
    if choice not in ("on", "off"):
        raise RuleViolation("Choose whether to get email: 'on' or 'off'.", {"email": ["Choose on or off."]})
    enabled = service.set_email(current_user, choice == "on")
    flash(
        "Notifications will also come by email." if enabled else "Notifications stay in your inbox only.",
        "success",
    )
    return redirect(url_for("notifications.inbox"))


def _sign_in_first(question_id: int):
    """Visitors are sent to sign in, and come back to the question afterwards."""
    flash("Sign in to follow this question.", "info")
    return redirect(url_for("auth.login", next=url_for("questions.show", question_id=question_id)))


@bp.post("/questions/<int:question_id>/follow")
def follow(question_id: int):
    """'I have this question too': hear about its answers, comments and acceptance."""
    if not current_user.is_authenticated:
        return _sign_in_first(question_id)
    state = service.follow(current_user, question_id)
    flash("You're following this question: answers and comments will show in your inbox.", "success")
    return redirect(_question_url(state.question))


@bp.post("/questions/<int:question_id>/unfollow")
def unfollow(question_id: int):
    """Stop hearing about a question."""
    if not current_user.is_authenticated:
        return _sign_in_first(question_id)
    state = service.unfollow(current_user, question_id)
    flash("You no longer follow this question.", "info")
    return redirect(_question_url(state.question))


# What templates may call: the header's unread count and the question page's follow state


def _viewer_summary() -> tuple[int, int | None, bool | None]:
    """(unread, question id, follows it) for this request, in at most one query.

    On a question's page the header's query also answers whether the viewer follows it.
    """
    if "notification_summary" not in g:
        question_id = None
        if request.endpoint == "questions.show" and current_user.is_authenticated:
            question_id = (request.view_args or {}).get("question_id")
            if not isinstance(question_id, int) or not 0 < question_id <= MAX_ID:
                question_id = None  # the error page for an id no row can have
        unread, following = service.viewer_summary(current_user, question_id)
        g.notification_summary = (unread, question_id, following)
    return g.notification_summary


def known_summary(unread: int, question_id: int, following: bool) -> None:
    """What another statement of this request already read: the header asks no more."""
    g.notification_summary = (unread, question_id, following)


@bp.app_template_global()
def unread_notifications() -> int:
    """The signed-in viewer's unread count for the header (none for visitors, no query)."""
    if not current_user.is_authenticated:
        return 0
    return _viewer_summary()[0]


@bp.app_template_global()
def follows_question(question: Question) -> bool:
    """Whether the viewer follows the question (the asker always does)."""
    if not current_user.is_authenticated:
        return False
    if question.author_id == current_user.id:
        return True
    _unread, question_id, following = _viewer_summary()
    if question_id == question.id and following is not None:
        return following
    return service.is_following(current_user, question)


@bp.app_template_global()
def notification_headline(notification) -> str:
    """What a notification says, worded for its recipient."""
    return service.headline_of(notification)
