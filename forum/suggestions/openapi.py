"""The OpenAPI description of suggested edits, merged into the API's document."""

from __future__ import annotations

from typing import Any

from forum.api.openapi import (
    _OPTIONAL_TIME,
    _TEXT,
    _TIME,
    PAGING,
    _body,
    _id,
    _json,
    _object,
    _private_read,
    _ref,
    _write,
    page_of,
)
from forum.models.suggestions import STATUSES
from forum.suggestions.service import REASON_MAX

_AUTHOR_OR_NULL = {"oneOf": [_ref("Author"), {"type": "null"}]}

SCHEMAS: dict[str, Any] = {
    "SuggestedEdit": _object(
        {
            "id": {"type": "integer"},
            "post_id": {"type": "integer"},
            "author": _ref("Author"),
            "title": {"type": ["string", "null"], "description": "The proposed title (questions only)."},
            "body": {"type": "string", "description": "The proposed Markdown source."},
            "tags": {
                "type": ["array", "null"],
                "items": _TEXT,
                "description": "The proposed tags (questions only).",
            },
            "summary": _TEXT,
            "status": {"enum": list(STATUSES)},
            "created_at": _TIME,
            "reviewer": _AUTHOR_OR_NULL,
            "reviewed_at": _OPTIONAL_TIME,
            "review_note": {"type": "string", "description": "The reviewer's reason, when rejected."},
            "url": {"type": "string", "format": "uri", "description": "The suggestion's review page."},
        }
    ),
    "SuggestedEditPage": page_of("SuggestedEdit", "Oldest first."),
}

_SUGGESTION_ID = _id("suggestion_id", "suggested edit")
_ONE = _json(_ref("SuggestedEdit"), "The suggested edit.")
_REVIEW_ERRORS = {
    "403": "Only moderators and members with the edit privilege review, and never their own suggestion.",
    "404": "No such suggested edit.",
    "422": "Already reviewed, or (approve) the post changed since the suggestion was made.",
}


PATHS: dict[str, Any] = {
    "/suggested-edits": {
        "get": _private_read(
            "Suggested edits waiting for review, oldest first (moderators and the edit privilege).",
            _json(_ref("SuggestedEditPage"), "One page of suggested edits."),
            {"400": "A bad page number.", "403": "The caller may not review edits."},
            parameters=[
                *PAGING,
            ],
        ),
    },
    "/suggested-edits/{suggestion_id}": {
        "parameters": [_SUGGESTION_ID],
        "get": _private_read(
            "One suggested edit, for its author and reviewers.", _ONE, {"404": "No such suggested edit."}
        ),
    },
    "/suggested-edits/{suggestion_id}/approve": {
        "parameters": [_SUGGESTION_ID],
        "post": _write(
            "Approve: the suggestion becomes the post's next revision, credited to its author.",
            (200, _ONE),
            _REVIEW_ERRORS,
        ),
    },
    "/suggested-edits/{suggestion_id}/reject": {
        "parameters": [_SUGGESTION_ID],
        "post": _write(
            "Reject, with an optional reason its author can read.",
            (200, _ONE),
            {**_REVIEW_ERRORS, "422": "Already reviewed, or the reason is too long."},
            requestBody=_body(
                {
                    "type": "object",
                    "properties": {"reason": {"type": "string", "maxLength": REASON_MAX}},
                }
            ),
        ),
    },
}
