"""Moderation pages: the review queue, the audit log, and the forms for flags, thread actions,
tag merges and suspensions."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from forum.errors import RuleViolation
from forum.models import Question
from forum.models.moderation import FLAG_REASONS
from forum.moderation import audit, flags, holds, suspensions, threads
from forum.pagination import paginate
from forum.questions import service as questions
from forum.users import service as users

bp = Blueprint("moderation", __name__)


def _form(name: str) -> str:
    return request.form.get(name, "")


def _thread_url(question: Question) -> str:
    return url_for("questions.show", question_id=question.id, slug=question.slug)


@bp.get("/moderation")
@login_required
def queue():
    """Open flags grouped by post, oldest first, with each author's record."""
    return render_template(
        "moderation/queue.html",
        queue=flags.queue(current_user),
        held=holds.held_count(current_user),
        actions=flags.MODERATOR_ACTIONS,
        close_reasons=threads.CLOSE_REASONS,
        labels=flags.REASON_LABELS,
    )


@bp.post("/moderation/posts/<int:post_id>")
@login_required
def decide(post_id: int):
    """A moderator's decision on a flagged post."""
    action = _form("action")
    flags.decide(
        current_user,
        post_id,
        action,
        _form("reason"),
        days=_form("days"),
        close_reason=_form("close_reason"),
        duplicate_of=_form("duplicate_of") or None,
    )
    flash(f"Done: {action}. The flaggers have been told.", "success")
    return redirect(url_for("moderation.queue"))


@bp.get("/moderation/personal-data")
@login_required
def held():
    """Posts and comments held for personal data, oldest first, a page at a time."""
    return render_template("moderation/held.html", page=holds.queue(current_user))


@bp.post("/moderation/held/<any(post, comment):target_type>/<int:item_id>")
@login_required
def decide_held(target_type: str, item_id: int):
    """Release or redact a post or comment held for personal data."""
    action = _form("action")
    if action not in ("release", "redact"):
        raise RuleViolation("Choose release or redact.", {"action": ["Choose release or redact."]})
    getattr(holds, action)(current_user, target_type, item_id, _form("reason"))
    flash("Released as it was." if action == "release" else "Redacted and published.", "success")
    return redirect(url_for("moderation.held"))


@bp.get("/moderation/log")
@login_required
def log():
    """Every moderator and admin action, newest first, filterable."""
    filters = {name: request.args.get(name, "") for name in ("action", "actor", "target_type", "target_id")}
    filters.update(since=request.args.get("since", ""), until=request.args.get("until", ""))
    page = paginate(audit.entries(current_user, **filters))
    return render_template(
        "moderation/log.html",
        page=page,
        filters=filters,
        actions=audit.ACTIONS,
        target_types=audit.TARGET_TYPES,
        changes=audit.changes,
    )


@bp.post("/posts/<int:post_id>/flags")
@login_required
def flag(post_id: int):
    """Flag a post for the moderators."""
    flags.flag(current_user, post_id, _form("reason"), _form("text"), _form("duplicate_of") or None)
    flash("Thanks: a moderator will look at it.", "success")
    return redirect(url_for("questions.post_link", post_id=post_id))


@bp.post("/questions/<int:question_id>/moderate")
@login_required
def thread_action(question_id: int):
    """Close, reopen, lock, unlock, pin or unpin a question."""
    action = _form("action")
    if action == "close":
        result = threads.close_or_vote(
            current_user, question_id, _form("reason"), _form("duplicate_of") or None, _form("note")
        )
        question = result.question
        if not result.closed:
            flash(f"Your close vote is in: {result.votes} of the {result.needed} needed.", "success")
            return redirect(_thread_url(question))
    elif action in ("reopen", "unlock"):
        question = getattr(threads, action)(current_user, question_id)
    elif action == "lock":
        question = threads.lock(current_user, question_id, _form("note"))
    elif action in ("pin", "unpin"):
        question = threads.pin(current_user, question_id, action == "pin")
    else:
        questions.get_question(question_id, current_user)
        raise RuleViolation("Choose close, reopen, lock, unlock, pin or unpin.")
    flash(f"The question is {question.status}{', pinned' if question.pinned_at else ''}.", "success")
    return redirect(_thread_url(question))


@bp.post("/moderation/tags/merge")
@login_required
def merge_tags():
    """Merge one tag into another."""
    target = threads.merge_tags(current_user, _form("source"), _form("target"))
    flash(f"Merged into {target.name}.", "success")
    return redirect(url_for("questions.tagged", tag_name=target.name))


@bp.post("/users/<int:user_id>/suspend")
@login_required
def suspend(user_id: int):
    """Suspend a member for some days, with a reason they will read."""
    suspension = suspensions.suspend(current_user, user_id, _form("days"), _form("reason"))
    flash(f"{suspension.user.username} is suspended until {suspension.ends_at:%-d %b %Y}.", "success")
    return redirect(_profile(user_id))


@bp.post("/users/<int:user_id>/unsuspend")
@login_required
def unsuspend(user_id: int):
    """Lift a suspension early (admins)."""
    user = suspensions.lift(current_user, user_id)
    flash(f"{user.username} may post again.", "success")
    return redirect(_profile(user_id))


def _profile(user_id: int) -> str:
    user = users.get_user(user_id)
    return url_for("users.show", user_id=user.id, username=user.username)


@bp.app_template_global()
def flag_reasons() -> list[tuple[str, str]]:
    """The flag form's choices."""
    return [(reason, flags.REASON_LABELS[reason]) for reason in FLAG_REASONS]


@bp.app_template_global()
def close_reasons() -> dict[str, str]:
    return threads.CLOSE_REASONS


@bp.app_template_global()
def suspension_history(user):
    """A member's suspensions, for moderators on the profile page."""
    return suspensions.history(user)
