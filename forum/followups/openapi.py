"""The OpenAPI description of private follow-ups, merged into the API's document."""

from __future__ import annotations

from typing import Any

from forum.api.openapi import _OPTIONAL_TIME, _TEXT, _TIME, _body, _id, _json, _object, _read, _ref, _write
from forum.models.followups import MESSAGE_MAX, MESSAGE_MIN
from forum.models.posts import BODY_MAX, BODY_MIN

_AUTHOR_OR_NULL = {"oneOf": [_ref("Author"), {"type": "null"}]}

SCHEMAS: dict[str, Any] = {
    "FollowupMessage": _object(
        {
            "id": {"type": "integer"},
            "followup_id": {"type": "integer"},
            "author": _AUTHOR_OR_NULL,
            "body": {"type": "string", "description": "Markdown source."},
            "body_html": {"type": "string", "description": "The sanitised HTML rendered from the body."},
            "created_at": _TIME,
        }
    ),
    "PrivateFollowup": _object(
        {
            "id": {"type": "integer"},
            "question": _object(
                {
                    "id": {"type": "integer"},
                    "title": _TEXT,
                    "url": {"type": "string", "format": "uri", "description": "The question's page."},
                }
            ),
            "expert": _ref("Author"),
            "asker": _ref("Author"),
            "open": {"type": "boolean", "description": "False once the resolution is posted."},
            "opened_at": _TIME,
            "closed_at": _OPTIONAL_TIME,
            "resolution_answer_id": {
                "type": ["integer", "null"],
                "description": "The public answer that resolved the follow-up.",
            },
            "messages": {"type": "array", "items": _ref("FollowupMessage"), "description": "Oldest first."},
            "url": {"type": "string", "format": "uri", "description": "The conversation's page."},
        }
    ),
}

_FOLLOWUP_ID = _id("followup_id", "private follow-up")
_HIDDEN = (
    "No such follow-up, or the caller is not its expert, its asker or a moderator (the same answer "
    "either way, so its existence never leaks)."
)
_MESSAGE_BODY = _body(
    {
        "type": "object",
        "required": ["body"],
        "properties": {
            "body": {
                "type": "string",
                "minLength": MESSAGE_MIN,
                "maxLength": MESSAGE_MAX,
                "description": "Markdown.",
            }
        },
    }
)

PATHS: dict[str, Any] = {
    "/questions/{question_id}/followups": {
        "parameters": [_id("question_id", "question")],
        "post": _write(
            "Open a private follow-up with the question's asker (staff experts); `body` is the first "
            "message. Only the expert, the asker and moderators can read it.",
            (
                201,
                {
                    **_json(_ref("PrivateFollowup"), "The new follow-up."),
                    "headers": {"Location": {"description": "The follow-up's API URL.", "schema": _TEXT}},
                },
            ),
            {
                "403": "Only staff experts open private follow-ups.",
                "404": "No such question.",
                "422": "Invalid body; the question is deleted or locked, is the caller's own, or its "
                "asker has no account; or the caller already has an open follow-up on it.",
            },
            requestBody=_MESSAGE_BODY,
        ),
    },
    "/followups/{followup_id}": {
        "parameters": [_FOLLOWUP_ID],
        "get": _read(
            "A private follow-up with its messages (its expert, its asker and moderators).",
            _json(_ref("PrivateFollowup"), "The follow-up."),
            {"404": _HIDDEN},
        ),
    },
    "/followups/{followup_id}/messages": {
        "parameters": [_FOLLOWUP_ID],
        "post": _write(
            "Write in a private follow-up (its expert and its asker; moderators only read).",
            (201, _json(_ref("FollowupMessage"), "The new message.")),
            {
                "403": "Moderators read private follow-ups but do not post in them.",
                "404": _HIDDEN,
                "422": "Invalid body, or the follow-up is closed or its question deleted.",
            },
            requestBody=_MESSAGE_BODY,
        ),
    },
    "/followups/{followup_id}/resolve": {
        "parameters": [_FOLLOWUP_ID],
        "post": _write(
            "Post the resolution as a public answer on the question and close the follow-up (its "
            "expert). `body` is the public answer: nothing from the private messages is copied.",
            (200, _json(_ref("PrivateFollowup"), "The closed follow-up, with resolution_answer_id.")),
            {
                "403": "Only the expert who opened the follow-up resolves it.",
                "404": _HIDDEN,
                "422": "Invalid body, the follow-up is already closed, or the question takes no new "
                "answers (closed, locked or deleted).",
            },
            requestBody=_body(
                {
                    "type": "object",
                    "required": ["body"],
                    "properties": {
                        "body": {
                            "type": "string",
                            "minLength": BODY_MIN,
                            "maxLength": BODY_MAX,
                            "description": "Markdown; the public answer.",
                        }
                    },
                }
            ),
        ),
    },
}
