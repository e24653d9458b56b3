"""The review queue for suggested edits, one suggestion's page, and approve/reject."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from forum import permissions
from forum.errors import PermissionDenied
from forum.models import Question
from forum.models.suggestions import SuggestedEdit
from forum.pagination import paginate
from forum.suggestions import service
from forum.textdiff import line_diff

bp = Blueprint("suggestions", __name__)


def changes(suggestion: SuggestedEdit) -> dict:
    """What the suggestion changes against the version it was made on."""
    base = suggestion.base_revision
    is_question = isinstance(suggestion.post, Question)
    return {
        "title": line_diff(base.title or "", suggestion.title or "")
        if is_question and base.title != suggestion.title
        else None,
        "tags": (base.tags, suggestion.tags) if is_question and base.tags != suggestion.tags else None,
        "body": line_diff(base.body, suggestion.body),
    }


@bp.get("/review/edits")
@login_required
def queue():
    """Suggested edits waiting for review, oldest first."""
    if not permissions.can_review_edits(current_user):
        raise permissions.privileges.refusal(current_user, "edit_others") or PermissionDenied()
    page = paginate(service.pending())
    return render_template("suggestions/queue.html", page=page, changes=changes)


@bp.get("/review/edits/<int:suggestion_id>")
@login_required
def show(suggestion_id: int):
    """One suggested edit with its diff, for reviewers and its author."""
    suggestion = service.get(suggestion_id, current_user)
    return render_template("suggestions/show.html", suggestion=suggestion, change=changes(suggestion))


@bp.post("/review/edits/<int:suggestion_id>/approve")
@login_required
def approve(suggestion_id: int):
    """Apply a suggested edit."""
    suggestion = service.approve(current_user, suggestion_id)
    flash(f"Approved: {suggestion.author.username}'s edit is now the current version.", "success")
    return redirect(url_for("suggestions.queue"))


@bp.post("/review/edits/<int:suggestion_id>/reject")
@login_required
def reject(suggestion_id: int):
    """Turn a suggested edit down, with a reason."""
    suggestion = service.reject(current_user, suggestion_id, request.form.get("reason", ""))
    flash(f"Rejected {suggestion.author.username}'s edit.", "info")
    return redirect(url_for("suggestions.queue"))
