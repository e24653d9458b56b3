"""The OpenAPI description of following and notifications, merged into the API's document."""

from __future__ import annotations

from typing import Any

from forum.api.openapi import _TEXT, _TIME, PAGING, _body, _error, _id, _json, _object, _read, _ref, page_of
from forum.models.notifications import KINDS
from forum.notifications.service import MAX_IDS

SCHEMAS: dict[str, Any] = {
    "FollowState": _object(
        {
            "following": {
                "type": "boolean",
                "description": "The caller hears about the question's answers, comments and acceptance "
                "(always true for its asker).",
            },
            "followers": {
                "type": "integer",
                "description": "People who said 'I have this question too' (the asker is not counted).",
            },
        }
    ),
    "Notification": _object(
        {
            "id": {"type": "integer"},
            "kind": {
                "enum": list(KINDS),
                "description": "answer: a new answer; comment: a new comment; accepted: an answer was "
                "accepted; assigned: a moderator assigned the caller a question.",
            },
            "text": {"type": "string", "description": "What happened, worded for the caller."},
            "question": _object({"id": {"type": "integer"}, "title": _TEXT}),
            "post_id": {
                "type": "integer",
                "description": "The answer, the post commented on, or (assigned) the question.",
            },
            "comment_id": {"type": ["integer", "null"]},
            "actor": {"oneOf": [_ref("Author"), {"type": "null"}], "description": "Who did it."},
            "created_at": _TIME,
            "read": {"type": "boolean"},
            "read_at": {"type": ["string", "null"], "format": "date-time"},
            "url": {"type": "string", "format": "uri", "description": "The post on the question's page."},
        }
    ),
    "NotificationPage": page_of(
        "Notification",
        "Newest first.",
        unread={"type": "integer", "description": "All the caller's unread notifications."},
    ),
    "MarkedRead": _object(
        {
            "marked": {"type": "integer", "description": "Notifications that were unread and now are read."},
            "unread": {"type": "integer", "description": "Still unread."},
        }
    ),
    "NotificationSettings": _object(
        {
            "email": {
                "type": "boolean",
                "description": "Email a copy of each notification (when the site has a mail server and "
                "the account a deliverable address).",
            }
        }
    ),
}

_TOKEN = [{"bearer": []}]
_NO_TOKEN = "No token, or a malformed or unknown one."


def _signed_in(summary: str, ok: dict[str, Any], errors: dict[str, str], **extra: Any) -> dict[str, Any]:
    """An operation for the token's owner that takes no request body."""
    responses = {"200": ok, "401": _error(_NO_TOKEN), **{code: _error(text) for code, text in errors.items()}}
    return {"summary": summary, "security": _TOKEN, "responses": responses, **extra}


_FOLLOW = _json(_ref("FollowState"), "The caller's follow state and the question's follower count.")

PATHS: dict[str, Any] = {
    "/questions/{question_id}/follow": {
        "parameters": [_id("question_id", "question")],
        "get": _read(
            "Whether the caller follows a question, and how many people have it too.",
            _FOLLOW,
            {"404": "No such question, or it is deleted and the caller may not see it."},
        ),
        "post": _signed_in(
            "'I have this question too': follow a question to hear about its answers, comments and "
            "acceptance. Following again changes nothing.",
            _FOLLOW,
            {
                "400": "Invalid JSON was sent (no body is needed).",
                "404": "No such question.",
                "422": "The question is deleted, or the caller asked it (askers always follow).",
            },
        ),
        "delete": _signed_in(
            "Stop following a question; unfollowing one not followed changes nothing.",
            _FOLLOW,
            {
                "400": "Invalid JSON was sent (no body is needed).",
                "404": "No such question.",
                "422": "The caller asked the question (askers always follow).",
            },
        ),
    },
    "/notifications": {
        "get": _signed_in(
            "The caller's notifications, newest first, with the unread count.",
            _json(_ref("NotificationPage"), "One page of notifications."),
            {"400": "A bad page or per_page."},
            parameters=[
                *PAGING,
            ],
        ),
    },
    "/notifications/read": {
        "post": _signed_in(
            "Mark notifications read: all of the caller's, or those whose ids are given.",
            _json(_ref("MarkedRead"), "How many changed, and how many are still unread."),
            {
                "400": "Invalid JSON, or a body that is not a JSON object.",
                "404": "An id is not in the caller's inbox.",
                "415": "A body was sent but not as application/json.",
                "422": f"ids is not a list of at most {MAX_IDS} whole numbers.",
            },
            requestBody={
                "required": False,
                "content": {
                    "application/json": {
                        "schema": {
                            "type": "object",
                            "properties": {
                                "ids": {
                                    "type": "array",
                                    "items": {"type": "integer"},
                                    "maxItems": MAX_IDS,
                                    "description": "Leave out (or send no body) to mark all read.",
                                }
                            },
                        }
                    }
                },
            },
        ),
    },
    "/notifications/settings": {
        "get": _signed_in(
            "The caller's notification settings.",
            _json(_ref("NotificationSettings"), "The settings."),
            {},
        ),
        "put": _signed_in(
            "Turn email copies of notifications on or off.",
            _json(_ref("NotificationSettings"), "The settings now."),
            {
                "400": "Invalid JSON, or a body that is not a JSON object.",
                "415": "The body is not sent as application/json.",
                "422": "email is missing or not a boolean.",
            },
            requestBody=_body(
                {"type": "object", "required": ["email"], "properties": {"email": {"type": "boolean"}}}
            ),
        ),
    },
}
