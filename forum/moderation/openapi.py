"""The OpenAPI description of moderation, merged into the API's document."""

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
from forum.models.moderation import FLAG_REASONS, FLAG_STATUSES
from forum.moderation.audit import ACTIONS, TARGET_TYPES
from forum.moderation.flags import MODERATOR_ACTIONS, TEXT_MAX
from forum.moderation.suspensions import MAX_DAYS, REASON_MAX
from forum.moderation.threads import CLOSE_REASONS, REASON_TEXT_MAX

_ORIGINAL = {
    "description": "The original question: its id, or its page's address.",
    "oneOf": [{"type": "integer"}, {"type": "string"}],
}
_NOTE = {"type": "string", "maxLength": REASON_TEXT_MAX, "description": "Why, for the audit log."}
_FREE_JSON = {"type": ["object", "null"], "description": "The fields that changed; null when nothing did."}

SCHEMAS: dict[str, Any] = {
    "Flag": _object(
        {
            "id": {"type": "integer"},
            "post_id": {"type": "integer"},
            "reason": {"enum": list(FLAG_REASONS)},
            "text": _TEXT,
            "duplicate_of": {"type": ["integer", "null"]},
            "status": {"enum": list(FLAG_STATUSES)},
            "outcome": {"type": "string", "description": "What the moderator did, once resolved."},
            "created_at": _TIME,
            "post_hidden": {"type": "boolean", "description": "Enough spam or abuse flags hid the post."},
        }
    ),
    "FlagQueue": _object(
        {
            "items": {
                "type": "array",
                "description": "Flagged posts, oldest flag first.",
                "items": _object(
                    {
                        "post_id": {"type": "integer"},
                        "question_id": {"type": "integer"},
                        "hidden": {"type": "boolean"},
                        "flags": {"type": "array", "items": _ref("Flag")},
                    }
                ),
            },
            "page": {"type": "integer"},
            "pages": {"type": "integer"},
            "total": {"type": "integer"},
        }
    ),
    "Suspension": _object(
        {
            "user_id": {"type": "integer"},
            "username": _TEXT,
            "suspended": {"type": "boolean"},
            "suspended_until": _OPTIONAL_TIME,
            "reason": {"type": ["string", "null"]},
        }
    ),
    "AuditEntry": _object(
        {
            "id": {"type": "integer"},
            "actor": {
                "oneOf": [_ref("Author"), {"type": "null"}],
                "description": "Null: the system or the CLI.",
            },
            "action": {"enum": list(ACTIONS)},
            "target_type": {"enum": list(TARGET_TYPES)},
            "target_id": {"type": "integer"},
            "reason": _TEXT,
            "before": _FREE_JSON,
            "after": _FREE_JSON,
            "created_at": _TIME,
        }
    ),
    "AuditPage": page_of("AuditEntry", "Newest first."),
    "MergedTag": _object({"tag": _TEXT, "question_count": {"type": "integer"}}),
}

_QUESTION = _json(_ref("Question"), "The question as it is now.")
_THREAD_ERRORS = {
    "403": "Only moderators and admins change threads.",
    "404": "No such question.",
    "422": "The question is not in a state that allows this.",
}
_QUESTION_ID = _id("question_id", "question")
_USER_ID = _id("user_id", "user")


def _thread(summary: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
    extra = {"requestBody": _body(body)} if body else {}
    return {"parameters": [_QUESTION_ID], "post": _write(summary, (200, _QUESTION), _THREAD_ERRORS, **extra)}


def _optional_body(schema: dict[str, Any]) -> dict[str, Any]:
    return {"required": False, "content": {"application/json": {"schema": schema}}}


PATHS: dict[str, Any] = {
    "/posts/{post_id}/flags": {
        "parameters": [_id("post_id", "post")],
        "post": _write(
            "Flag a post for the moderators (the flag privilege; one flag per member and post).",
            (201, _json(_ref("Flag"), "The flag.")),
            {
                "403": "Your own post, or the flag privilege is missing.",
                "404": "No such post.",
                "409": "You already flagged this post.",
                "422": "A bad reason, missing text for 'other' or a missing original for 'duplicate'.",
            },
            requestBody=_body(
                {
                    "type": "object",
                    "required": ["reason"],
                    "properties": {
                        "reason": {"enum": list(FLAG_REASONS)},
                        "text": {"type": "string", "maxLength": TEXT_MAX},
                        "duplicate_of": _ORIGINAL,
                    },
                }
            ),
        ),
    },
    "/questions/{question_id}/close": {
        "parameters": [_QUESTION_ID],
        "post": _write(
            "Close a question with a reason (a duplicate names the original). Members with the "
            "vote-to-close privilege cast a close vote instead; the last vote needed closes it.",
            (200, _QUESTION),
            {
                **_THREAD_ERRORS,
                "202": "A close vote was counted; the question is still open.",
                "403": "Neither a moderator nor holding the vote-to-close privilege.",
                "409": "You already voted to close this question.",
            },
            requestBody=_body(
                {
                    "type": "object",
                    "required": ["reason"],
                    "properties": {
                        "reason": {"enum": list(CLOSE_REASONS)},
                        "duplicate_of": _ORIGINAL,
                        "note": _NOTE,
                    },
                }
            ),
        ),
    },
    "/questions/{question_id}/reopen": _thread("Reopen a closed question."),
    "/questions/{question_id}/lock": {
        "parameters": [_QUESTION_ID],
        "post": _write(
            "Lock a thread: no new answers, comments or votes.",
            (200, _QUESTION),
            _THREAD_ERRORS,
            requestBody=_optional_body({"type": "object", "properties": {"note": _NOTE}}),
        ),
    },
    "/questions/{question_id}/unlock": _thread("Unlock a thread (a closed one stays closed)."),
    "/questions/{question_id}/pin": _thread("Pin a question to the top of its tags' lists."),
    "/questions/{question_id}/unpin": _thread("Unpin a question."),
    "/tags/merge": {
        "post": _write(
            "Merge one tag into another (moderators): its questions move, and its name maps to the other.",
            (200, _json(_ref("MergedTag"), "The tag merged into.")),
            {"403": "Not a moderator.", "404": "No such tag.", "422": "A tag cannot merge into itself."},
            requestBody=_body(
                {
                    "type": "object",
                    "required": ["source", "target"],
                    "properties": {"source": _TEXT, "target": _TEXT},
                }
            ),
        ),
    },
    "/users/{user_id}/suspend": {
        "parameters": [_USER_ID],
        "post": _write(
            "Suspend a member: they read but cannot post until the end; they see the reason.",
            (200, _json(_ref("Suspension"), "The suspension in force.")),
            {
                "403": "Not a moderator.",
                "404": "No such user.",
                "422": "Bad days or reason, or the user is a moderator or the caller.",
            },
            requestBody=_body(
                {
                    "type": "object",
                    "required": ["days", "reason"],
                    "properties": {
                        "days": {"type": "integer", "minimum": 1, "maximum": MAX_DAYS},
                        "reason": {"type": "string", "maxLength": REASON_MAX},
                    },
                }
            ),
        ),
    },
    "/users/{user_id}/unsuspend": {
        "parameters": [_USER_ID],
        "post": _write(
            "Lift a suspension early (admins).",
            (200, _json(_ref("Suspension"), "Not suspended any more.")),
            {"403": "Not an admin.", "404": "No such user.", "422": "The user is not suspended."},
        ),
    },
    "/moderation/flags": {
        "get": _private_read(
            "Posts with open flags, oldest flag first (moderators).",
            _json(_ref("FlagQueue"), "One page of flagged posts."),
            {"400": "A bad page number.", "403": "Not a moderator."},
            parameters=PAGING[:1],
        ),
    },
    "/moderation/posts/{post_id}": {
        "parameters": [_id("post_id", "post")],
        "post": _write(
            "Decide on a flagged post; every open flag on it is resolved and its flagger told.",
            (200, _json({"oneOf": [_ref("Question"), _ref("Answer")]}, "The post after the decision.")),
            {"403": "Not a moderator.", "404": "No such post.", "422": "A bad action or detail."},
            requestBody=_body(
                {
                    "type": "object",
                    "required": ["action"],
                    "properties": {
                        "action": {"enum": list(MODERATOR_ACTIONS)},
                        "reason": {"type": "string", "maxLength": REASON_MAX},
                        "close_reason": {"enum": list(CLOSE_REASONS)},
                        "duplicate_of": _ORIGINAL,
                        "days": {"type": "integer", "minimum": 1, "maximum": MAX_DAYS},
                    },
                }
            ),
        ),
    },
    "/moderation/log": {
        "get": _private_read(
            "The audit log, newest first (moderators).",
            _json(_ref("AuditPage"), "One page of entries."),
            {"400": "A bad page number.", "403": "Not a moderator.", "422": "A bad filter."},
            parameters=[
                *PAGING,
                {"name": "action", "in": "query", "schema": {"enum": list(ACTIONS)}},
                {"name": "actor", "in": "query", "schema": _TEXT},
                {"name": "target_type", "in": "query", "schema": {"enum": list(TARGET_TYPES)}},
                {"name": "target_id", "in": "query", "schema": {"type": "integer"}},
                {"name": "since", "in": "query", "schema": {"type": "string", "format": "date"}},
                {"name": "until", "in": "query", "schema": {"type": "string", "format": "date"}},
            ],
        ),
    },
}

# Posts and comments held for personal data
SCHEMAS["HeldItem"] = _object(
    {
        "target_type": {"enum": ["post", "comment"]},
        "id": {"type": "integer"},
        "question_id": {"type": "integer"},
        "author": {"oneOf": [_ref("Author"), {"type": "null"}]},
        "held_at": _TIME,
        "fields": {
            "type": "array",
            "items": _object(
                {
                    "field": {"enum": ["title", "body"]},
                    "text": _TEXT,
                    "personal_data": {
                        "type": "array",
                        "items": _object(
                            {
                                "kind": _TEXT,
                                "start": {"type": "integer"},
                                "end": {"type": "integer"},
                            }
                        ),
                    },
                }
            ),
        },
    }
)
SCHEMAS["HeldQueue"] = page_of("HeldItem", "Held posts and comments, oldest first.")
_REASON_BODY = _optional_body(
    {
        "type": "object",
        "properties": {"reason": {"type": "string", "maxLength": 500, "description": "For the audit log."}},
    }
)
_POST_RESULT = _json({"oneOf": [_ref("Question"), _ref("Answer")]}, "The post as it is now.")
_COMMENT_RESULT = _json(_ref("Comment"), "The comment as it is now.")


def _held_action(summary: str, result: dict[str, Any], not_found: str, refused: str) -> dict[str, Any]:
    return _write(
        summary,
        (200, result),
        {"403": "Not a moderator.", "404": not_found, "422": refused},
        requestBody=_REASON_BODY,
    )


PATHS.update(
    {
        "/moderation/personal-data": {
            "get": _private_read(
                "Posts and comments held for personal data, oldest first, a page at a time, with what was "
                "found where (moderators).",
                _json(_ref("HeldQueue"), "One page of the held items."),
                {"400": "A bad page or per_page.", "403": "Not a moderator."},
                parameters=PAGING,
            ),
        },
        "/posts/{post_id}/release": {
            "parameters": [_id("post_id", "post")],
            "post": _held_action(
                "Publish a post held for personal data as it is (audited).",
                _POST_RESULT,
                "No such post.",
                "The post is not held for personal data.",
            ),
        },
        "/posts/{post_id}/redact": {
            "parameters": [_id("post_id", "post")],
            "post": _held_action(
                "Replace the personal data in a post and in every revision that holds it (audited: "
                "which revisions and how many of each kind, never the values); a held post is published.",
                _POST_RESULT,
                "No such post.",
                "No personal data was found in the post.",
            ),
        },
        "/comments/{comment_id}/release": {
            "parameters": [_id("comment_id", "comment")],
            "post": _held_action(
                "Publish a comment held for personal data as it is (audited).",
                _COMMENT_RESULT,
                "No such comment.",
                "The comment is not held for personal data.",
            ),
        },
        "/comments/{comment_id}/redact": {
            "parameters": [_id("comment_id", "comment")],
            "post": _held_action(
                "Replace the personal data in a comment (audited); a held comment is published.",
                _COMMENT_RESULT,
                "No such comment.",
                "No personal data was found in the comment.",
            ),
        },
    }
)
