"""Suggested edits in the JSON API: the review queue, one suggestion, approve and reject."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify, url_for

from forum import permissions
from forum.api.auth import register_token_auth, require_user
from forum.api.payloads import json_object
from forum.api.serialise import author_json, page_json, timestamp
from forum.errors import PermissionDenied
from forum.models.suggestions import SuggestedEdit
from forum.pagination import paginate
from forum.suggestions import service

bp = Blueprint("suggestions_api", __name__, url_prefix="/api/v1")
register_token_auth(bp)


def suggestion_json(suggestion: SuggestedEdit) -> dict[str, Any]:
    """A suggested edit: the proposed version and where its review stands."""
    return {
        "id": suggestion.id,
        "post_id": suggestion.post_id,
        "author": author_json(suggestion.author),
        "title": suggestion.title,
        "body": suggestion.body,
        "tags": suggestion.tags.split() if suggestion.tags is not None else None,
        "summary": suggestion.summary,
        "status": suggestion.status,
        "created_at": timestamp(suggestion.created_at),
        "reviewer": author_json(suggestion.reviewer),
        "reviewed_at": timestamp(suggestion.reviewed_at),
        "review_note": suggestion.review_note,
        "url": url_for("suggestions.show", suggestion_id=suggestion.id, _external=True),
    }


@bp.get("/suggested-edits")
def pending():
    """Suggested edits waiting for review, oldest first (reviewers only)."""
    user = require_user()
    if not permissions.can_review_edits(user):
        raise permissions.privileges.refusal(user, "edit_others") or PermissionDenied()
    return jsonify(page_json(paginate(service.pending()), suggestion_json))


@bp.get("/suggested-edits/<int:suggestion_id>")
def show(suggestion_id: int):
    """One suggested edit, for its author and reviewers."""
    return jsonify(suggestion_json(service.get(suggestion_id, require_user())))


@bp.post("/suggested-edits/<int:suggestion_id>/approve")
def approve(suggestion_id: int):
    """Apply a suggested edit as the post's next revision."""
    return jsonify(suggestion_json(service.approve(require_user(), suggestion_id)))


@bp.post("/suggested-edits/<int:suggestion_id>/reject")
def reject(suggestion_id: int):
    """Turn a suggested edit down; `reason` is optional."""
    reason = json_object("reason").get("reason") or ""
    return jsonify(suggestion_json(service.reject(require_user(), suggestion_id, reason)))
