"""The OpenAPI 3.1 description of API v1, written by hand; tests/test_openapi.py keeps it complete."""

from __future__ import annotations

from typing import Any

from forum.models.posts import BODY_MAX, BODY_MIN, COMMENT_MAX, COMMENT_MIN, TAGS_MAX, TITLE_MAX, TITLE_MIN
from forum.pagination import MAX_PAGE, MAX_PER_PAGE
from forum.questions.service import SORTS
from forum.reputation import CAUSES, POINTS


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _error(description: str) -> dict[str, Any]:
    return _json(_ref("Error"), description)


def _id(name: str, what: str) -> dict[str, Any]:
    return {
        "name": name,
        "in": "path",
        "required": True,
        "description": f"The {what}'s id.",
        "schema": {"type": "integer", "minimum": 0},
    }


def _body(schema: dict[str, Any]) -> dict[str, Any]:
    return {"required": True, "content": {"application/json": {"schema": schema}}}


def _write(summary: str, ok: tuple[int, dict[str, Any]], errors: dict[str, str], **extra: Any) -> dict:
    """An operation that needs a bearer token."""
    status, response = ok
    responses = {
        str(status): response,
        "400": _error("Invalid JSON, or a body that is not a JSON object."),
        "401": _error("No token, or a malformed or unknown one."),
        "415": _error("The body is not sent as application/json."),
        **{code: _error(text) for code, text in errors.items()},
    }
    return {"summary": summary, "security": [{"bearer": []}], "responses": responses, **extra}


def _read(summary: str, response: dict[str, Any], errors: dict[str, str], **extra: Any) -> dict:
    """An operation anyone may call; a token, if sent, must be valid."""
    responses = {
        "200": response,
        "401": _error("A malformed or unknown token was sent."),
        **{code: _error(text) for code, text in errors.items()},
    }
    return {"summary": summary, "security": [{}, {"bearer": []}], "responses": responses, **extra}


def _private_read(summary: str, response: dict[str, Any], errors: dict[str, str], **extra: Any) -> dict:
    """A read that needs a bearer token."""
    responses = {
        "200": response,
        "401": _error("No token, or a malformed or unknown one."),
        **{code: _error(text) for code, text in errors.items()},
    }
    return {"summary": summary, "security": [{"bearer": []}], "responses": responses, **extra}


_TEXT = {"type": "string"}
_TIME = {"type": "string", "format": "date-time", "description": "ISO 8601, UTC, ending in Z."}
_OPTIONAL_TIME = {"type": ["string", "null"], "format": "date-time"}
_TAGS_INPUT = {
    "description": f"1 to {TAGS_MAX} tags: a list (each item one tag) or one string separated by spaces.",
    "oneOf": [{"type": "array", "items": _TEXT}, _TEXT],
}
_COMMON_POST = {
    "id": {"type": "integer"},
    "body": {"type": "string", "description": "Markdown source."},
    "body_html": {"type": "string", "description": "The sanitised HTML rendered from the body."},
    "score": {"type": "integer"},
    "author": {"oneOf": [_ref("Author"), {"type": "null"}]},
    "created_at": _TIME,
    "edited_at": _OPTIONAL_TIME,
    "deleted": {"type": "boolean", "description": "Deleted posts are shown only to moderators and authors."},
    "held": {
        "type": "boolean",
        "description": "Held for a moderator (personal data its author confirmed, or spam and abuse flags): "
        "only its author and moderators see it until it is released or redacted.",
    },
}


def _object(properties: dict[str, Any]) -> dict[str, Any]:
    return {"type": "object", "properties": properties, "required": list(properties)}


def page_of(item: str, order: str, **extra: Any) -> dict[str, Any]:
    """One page of a list: its items (schema `item`, in `order`) and where the page sits."""
    return _object(
        {
            **extra,
            "items": {"type": "array", "items": _ref(item), "description": order},
            "page": {"type": "integer"},
            "per_page": {"type": "integer"},
            "total": {"type": "integer"},
            "pages": {"type": "integer"},
        }
    )


PAGING = [
    {
        "name": "page",
        "in": "query",
        "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE, "default": 1},
    },
    {"name": "per_page", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE}},
]


SCHEMAS: dict[str, Any] = {
    "Author": _object(
        {
            "id": {"type": "integer"},
            "username": _TEXT,
            "role": {"enum": ["member", "expert", "moderator", "admin"]},
        }
    ),
    "User": _object(
        {
            "id": {"type": "integer"},
            "username": _TEXT,
            "role": {"enum": ["member", "expert", "moderator", "admin"]},
            "reputation": {"type": "integer"},
            "created_at": _TIME,
        }
    ),
    "Comment": _object(
        {
            "id": {"type": "integer"},
            "post_id": {"type": "integer"},
            "body": _TEXT,
            "body_html": _TEXT,
            "author": {"oneOf": [_ref("Author"), {"type": "null"}]},
            "created_at": _TIME,
            "deleted": {"type": "boolean"},
            "held": {
                "type": "boolean",
                "description": "Held for a moderator: its author confirmed personal data in it.",
            },
        }
    ),
    "Question": _object(
        {
            **_COMMON_POST,
            "type": {"const": "question"},
            "title": _TEXT,
            "tags": {"type": "array", "items": _TEXT},
            "answer_count": {"type": "integer"},
            "view_count": {"type": "integer"},
            "status": {"enum": ["open", "closed", "locked"]},
            "closed_reason": {
                "type": ["string", "null"],
                "description": "Why it was closed (duplicate, off-topic, needs-details, resolved-elsewhere).",
            },
            "duplicate_of_id": {
                "type": ["integer", "null"],
                "description": "The original question, when closed as a duplicate.",
            },
            "pinned": {"type": "boolean", "description": "Pinned to the top of its tags' lists."},
            "accepted_answer_id": {"type": ["integer", "null"]},
            "official_answer_id": {
                "type": ["integer", "null"],
                "description": "The answer a staff expert or moderator marked official.",
            },
            "follower_count": {
                "type": "integer",
                "description": "People who said 'I have this question too' (the asker is not counted).",
            },
            "last_activity_at": _OPTIONAL_TIME,
            "url": {"type": "string", "format": "uri", "description": "The question's web page."},
        }
    ),
    "Answer": _object(
        {
            **_COMMON_POST,
            "type": {"const": "answer"},
            "question_id": {"type": "integer"},
            "is_accepted": {"type": "boolean"},
            "is_official": {"type": "boolean", "description": "Marked official by staff."},
            "url": {"type": "string", "format": "uri", "description": "The answer on the question's page."},
            "comments": {"type": "array", "items": _ref("Comment")},
        }
    ),
    "QuestionThread": {
        "allOf": [
            _ref("Question"),
            _object(
                {
                    "comments": {"type": "array", "items": _ref("Comment")},
                    "answers": {
                        "type": "array",
                        "items": _ref("Answer"),
                        "description": "In page order: accepted first, then official, then by score, "
                        "then oldest.",
                    },
                }
            ),
        ]
    },
    "Page": page_of("Question", "In the order asked for."),
    "Error": _object(
        {
            "error": {"type": "string", "description": "What went wrong, for people."},
            "fields": {
                "type": "object",
                "additionalProperties": {"type": "array", "items": _TEXT},
                "description": "Messages by field name; empty when no field is at fault.",
            },
        }
    ),
    "PersonalDataError": {
        "description": "An Error; when the refusal is personal data, `personal_data` says what and where.",
        "allOf": [
            _ref("Error"),
            {
                "type": "object",
                "properties": {
                    "personal_data": {
                        "type": "array",
                        "description": "What looks like personal data: its kind (email, phone, card, or "
                        "a kind from PERSONAL_DATA_PATTERNS such as order) and where, as offsets into "
                        "the field named (start inclusive, end exclusive, in characters; titles and "
                        "comments with surrounding white space trimmed).",
                        "items": _object(
                            {
                                "field": {"enum": ["title", "body"]},
                                "kind": _TEXT,
                                "start": {"type": "integer", "minimum": 0},
                                "end": {"type": "integer", "minimum": 0},
                            }
                        ),
                    }
                },
            },
        ],
    },
    "Token": _object(
        {"token": {"type": "string", "description": "Shown this once; send it as a bearer token."}}
    ),
    "VoteResult": _object(
        {
            "score": {"type": "integer", "description": "The post's score: the sum of its votes."},
            "user_vote": {"enum": [1, -1, 0], "description": "The caller's vote now; 0 for none."},
        }
    ),
    "ReputationEvent": _object(
        {
            "id": {"type": "integer"},
            "kind": {"enum": list(POINTS), "description": "The rule from the points table."},
            "cause": {
                "enum": list(CAUSES),
                "description": "vote or accepted: a grant; restored: given back on undelete; "
                "anything else says why a grant was reversed.",
            },
            "delta": {
                "type": "integer",
                "description": "The change actually made (an upvote may be cut by the daily cap).",
            },
            "post_id": {
                "type": ["integer", "null"],
                "description": "The post; null for downvotes cast, unless the caller cast them.",
            },
            "undoes_id": {
                "type": ["integer", "null"],
                "description": "The event this one reverses (or, when restored, the reversal it undoes).",
            },
            "created_at": _TIME,
        }
    ),
    "Claim": _object(
        {
            "question_id": {"type": "integer"},
            "expert": _ref("Author"),
            "assigned_by": {
                "oneOf": [_ref("Author"), {"type": "null"}],
                "description": "The moderator who assigned the question; null for an expert's own claim.",
            },
            "claimed_at": _TIME,
            "expires_at": {
                "type": ["string", "null"],
                "format": "date-time",
                "description": "When an unanswered claim lapses (2 hours); null for assignments and "
                "claims whose expert has answered.",
            },
        }
    ),
    "ExpertQueueItem": _object(
        {
            "question": _ref("Question"),
            "age_hours": {"type": "number"},
            "overdue": {"type": "boolean"},
            "claim": {"oneOf": [_ref("Claim"), {"type": "null"}]},
        }
    ),
    "ExpertQueue": page_of(
        "ExpertQueueItem",
        "Overdue first, then unanswered before answered, oldest first within each.",
        target_hours={"type": "number", "description": "EXPERT_RESPONSE_HOURS, the target."},
        counts=_object(
            {"open": {"type": "integer"}, "claimed": {"type": "integer"}, "overdue": {"type": "integer"}}
        ),
    ),
    "ReputationPage": page_of(
        "ReputationEvent",
        "Newest first.",
        user=_ref("User"),
        reputation={"type": "integer", "description": "Never below 1."},
    ),
}

_POST_ID = _id("post_id", "question's or answer's")
_CONFIRM = {
    "type": "boolean",
    "default": False,
    "description": "Publish despite the personal data found on a first try; the post is then held "
    "for a moderator (202) until they release or redact it.",
}
_PERSONAL_DATA_422 = _json(
    _ref("PersonalDataError"),
    "Invalid fields (`fields` says which), or personal data: `personal_data` lists it; send again "
    'with "confirm_personal_data": true to publish it held for a moderator, or remove it.',
)
_BODY = {"type": "string", "minLength": BODY_MIN, "maxLength": BODY_MAX, "description": "Markdown."}

# accept and official both take one answer id, or null to clear
ANSWER_ID_BODY = {
    "type": "object",
    "required": ["answer_id"],
    "properties": {"answer_id": {"type": ["integer", "null"]}},
}

PATHS: dict[str, Any] = {
    "/tokens": {
        "post": {
            "summary": "Exchange a username (or email) and password for a bearer token.",
            "security": [],
            "requestBody": _body(
                {
                    "type": "object",
                    "required": ["username", "password"],
                    "properties": {"username": _TEXT, "password": _TEXT},
                }
            ),
            "responses": {
                "201": _json(_ref("Token"), "The new token."),
                "400": _error("Invalid JSON, or a body that is not a JSON object."),
                "401": _error("Wrong username or password."),
                "415": _error("The body is not sent as application/json."),
                "422": _error("A field is missing or has the wrong type."),
                "429": _error("Too many attempts; wait a minute."),
            },
        }
    },
    "/questions": {
        "get": _read(
            "List visible questions.",
            _json(_ref("Page"), "One page of questions."),
            {"400": "A bad sort, page or per_page."},
            parameters=[
                {"name": "sort", "in": "query", "schema": {"enum": list(SORTS), "default": "active"}},
                {
                    "name": "tag",
                    "in": "query",
                    "schema": _TEXT,
                    "description": "Only questions with this tag.",
                },
                *PAGING,
            ],
        ),
        "post": _write(
            "Ask a question.",
            (
                201,
                {
                    **_json(_ref("Question"), "The new question."),
                    "headers": {"Location": {"description": "The question's API URL.", "schema": _TEXT}},
                },
            ),
            {"422": "Invalid fields; `fields` says which."},
            requestBody=_body(
                {
                    "type": "object",
                    "required": ["title", "body", "tags"],
                    "properties": {
                        "title": {"type": "string", "minLength": TITLE_MIN, "maxLength": TITLE_MAX},
                        "body": _BODY,
                        "tags": _TAGS_INPUT,
                    },
                }
            ),
        ),
    },
    "/questions/{question_id}": {
        "parameters": [_id("question_id", "question")],
        "get": _read(
            "A question with its answers and comments.",
            _json(_ref("QuestionThread"), "The question's thread."),
            {"404": "No such question, or it is deleted and the caller may not see it."},
        ),
    },
    "/questions/{question_id}/answers": {
        "parameters": [_id("question_id", "question")],
        "post": _write(
            "Answer a question.",
            (201, _json(_ref("Answer"), "The new answer.")),
            {
                "404": "No such question.",
                "422": "Invalid fields, or the question is closed, locked or deleted.",
            },
            requestBody=_body({"type": "object", "required": ["body"], "properties": {"body": _BODY}}),
        ),
    },
    "/posts/{post_id}": {
        "parameters": [_POST_ID],
        "patch": _write(
            "Edit a question or an answer; left-out fields keep their value and a revision is kept. "
            "Below the edit privilege, an edit of someone else's post is filed as a suggested edit (202).",
            (200, _json({"oneOf": [_ref("Question"), _ref("Answer")]}, "The post as edited.")),
            {
                "202": "Filed as a suggested edit for review: the body is the SuggestedEdit.",
                "403": "Deleted or locked posts take no suggested edits.",
                "404": "No such post.",
                "422": "Invalid fields; `fields` says which.",
            },
            requestBody=_body(
                {
                    "type": "object",
                    "properties": {
                        "body": _BODY,
                        "title": {
                            "type": "string",
                            "minLength": TITLE_MIN,
                            "maxLength": TITLE_MAX,
                            "description": "Questions only.",
                        },
                        "tags": {
                            **_TAGS_INPUT,
                            "description": "Questions only. " + _TAGS_INPUT["description"],
                        },
                        "summary": {"type": "string", "maxLength": 300, "description": "Why it was edited."},
                    },
                }
            ),
        ),
        "delete": _write(
            "Soft-delete a post (moderators and the author may restore it).",
            (200, _json({"oneOf": [_ref("Question"), _ref("Answer")]}, "The post, with deleted true.")),
            {"403": "Only the author and moderators may delete.", "404": "No such post."},
        ),
    },
    "/posts/{post_id}/undelete": {
        "parameters": [_POST_ID],
        "post": _write(
            "Restore a soft-deleted post.",
            (200, _json({"oneOf": [_ref("Question"), _ref("Answer")]}, "The post, restored.")),
            {"403": "The post is not deleted, or the caller may not restore it.", "404": "No such post."},
        ),
    },
    "/posts/{post_id}/comments": {
        "parameters": [_POST_ID],
        "post": _write(
            "Comment on a question or an answer.",
            (201, _json(_ref("Comment"), "The new comment.")),
            {"404": "No such post.", "422": "Invalid fields, or the thread is locked or deleted."},
            requestBody=_body(
                {
                    "type": "object",
                    "required": ["body"],
                    "properties": {
                        "body": {"type": "string", "minLength": COMMENT_MIN, "maxLength": COMMENT_MAX}
                    },
                }
            ),
        ),
    },
    "/users/{user_id}": {
        "parameters": [_id("user_id", "user")],
        "get": _read("A user's public profile.", _json(_ref("User"), "The user."), {"404": "No such user."}),
    },
    "/users/{user_id}/reputation": {
        "parameters": [_id("user_id", "user")],
        "get": _read(
            "A user's reputation ledger, newest first.",
            _json(_ref("ReputationPage"), "One page of the ledger."),
            {"400": "A bad page or per_page.", "404": "No such user."},
            parameters=[
                *PAGING,
            ],
        ),
    },
    "/posts/{post_id}/vote": {
        "parameters": [_POST_ID],
        "post": _write(
            "Vote a post up or down, or retract the vote; the same vote again changes nothing.",
            (200, _json(_ref("VoteResult"), "The score and the caller's vote.")),
            {
                "403": "Your own post, or the caller lacks the privilege (the message names the "
                "reputation needed).",
                "404": "No such post.",
                "422": "A bad value, or the post is deleted or its thread locked.",
            },
            requestBody=_body(
                {
                    "type": "object",
                    "required": ["value"],
                    "properties": {"value": {"enum": [1, -1, 0], "description": "Up, down, or retract."}},
                }
            ),
        ),
    },
    "/questions/{question_id}/accept": {
        "parameters": [_id("question_id", "question")],
        "post": _write(
            "Accept an answer (the asker, staff experts, moderators); another moves it, null unaccepts.",
            (200, _json(_ref("Question"), "The question with its accepted_answer_id.")),
            {
                "403": "Only the asker, staff experts and moderators may accept.",
                "404": "No such question or answer.",
                "422": "A bad answer_id, an answer of another question or deleted, or a locked thread.",
            },
            requestBody=_body(ANSWER_ID_BODY),
        ),
    },
    "/questions/{question_id}/official": {
        "parameters": [_id("question_id", "question")],
        "post": _write(
            "Mark an answer official (staff experts, moderators); null clears the mark.",
            (200, _json(_ref("Question"), "The question with its official_answer_id.")),
            {
                "403": "Only staff experts and moderators may mark an answer official.",
                "404": "No such question or answer.",
                "422": "A bad answer_id, an answer of another question or deleted, or a locked thread.",
            },
            requestBody=_body(ANSWER_ID_BODY),
        ),
    },
    "/experts/queue": {
        "get": {
            "summary": "The expert queue: questions without an accepted answer in the caller's topics "
            "(moderators: all), a page at a time, with counts of open, claimed and overdue questions "
            "over the whole queue.",
            "security": [{"bearer": []}],
            "parameters": PAGING,
            "responses": {
                "200": _json(_ref("ExpertQueue"), "One page of the queue in its order."),
                "400": _error("A bad page or per_page."),
                "401": _error("No token, or a malformed or unknown one."),
                "403": _error("Only staff experts and moderators have a queue."),
            },
        },
    },
    "/questions/{question_id}/claim": {
        "parameters": [_id("question_id", "question")],
        "post": _write(
            "Claim a question (I'm on it) for 2 hours, or until you answer; staff experts only.",
            (200, _json(_ref("Claim"), "The claim now holding.")),
            {
                "403": "Only staff experts and moderators claim questions.",
                "404": "No such question.",
                "409": "Another expert claimed the question or it is assigned to one.",
                "422": "The question is deleted, closed or already has an accepted answer.",
            },
        ),
        "delete": _write(
            "Release a claim: its own expert gives it up, or a moderator clears a claim or assignment.",
            (204, {"description": "Released; every expert can take the question."}),
            {
                "403": "Another expert's claim (only they or a moderator release it).",
                "404": "No such question.",
                "422": "Nobody is on this question.",
            },
        ),
    },
    "/questions/{question_id}/assign": {
        "parameters": [_id("question_id", "question")],
        "post": _write(
            "Assign a question to a named staff expert (moderators); it replaces any claim.",
            (200, _json(_ref("Claim"), "The assignment.")),
            {
                "403": "Only moderators assign questions.",
                "404": "No such question or user.",
                "422": "The user is not a staff expert, or the question needs no expert.",
            },
            requestBody=_body(
                {
                    "type": "object",
                    "required": ["expert"],
                    "properties": {"expert": {"type": "string", "description": "The expert's username."}},
                }
            ),
        ),
    },
    "/openapi.json": {
        "get": _read(
            "This document.",
            {
                "description": "The OpenAPI 3.1 document.",
                "content": {"application/json": {"schema": {"type": "object"}}},
            },
            {},
        ),
    },
}


def _guard_personal_data(path: str, method: str, held: dict[str, Any]) -> None:
    """Writes of post text: 422 with `personal_data` first, 202 (held) once confirmed."""
    operation = PATHS[path][method]
    operation["responses"]["202"] = held
    operation["responses"]["422"] = _PERSONAL_DATA_422
    operation["requestBody"]["content"]["application/json"]["schema"]["properties"][
        "confirm_personal_data"
    ] = _CONFIRM


_guard_personal_data(
    "/questions",
    "post",
    _json(_ref("Question"), "Posted with personal data: held (held true) for a moderator."),
)
_guard_personal_data(
    "/questions/{question_id}/answers",
    "post",
    _json(_ref("Answer"), "Posted with personal data: held (held true) for a moderator."),
)
_guard_personal_data(
    "/posts/{post_id}/comments",
    "post",
    _json(_ref("Comment"), "Posted with personal data: held (held true) for a moderator."),
)
_guard_personal_data(
    "/posts/{post_id}",
    "patch",
    _json(
        {"oneOf": [_ref("SuggestedEdit"), _ref("Question"), _ref("Answer")]},
        "Filed as a suggested edit for review (the SuggestedEdit; suggestions may not add personal "
        "data), or edited with personal data confirmed: the post, now held for a moderator.",
    ),
)


def document() -> dict[str, Any]:
    """The whole OpenAPI document."""
    from forum.admin import openapi as admin
    from forum.dashboard import openapi as dashboard
    from forum.faq import openapi as faq
    from forum.followups import openapi as followups
    from forum.moderation import openapi as moderation
    from forum.notifications import openapi as notifications
    from forum.search import openapi as search
    from forum.suggestions import openapi as suggestions

    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Forum API",
            "version": "1",
            "description": "Questions, answers, comments, votes and reputation of the community. "
            "Reads need no token; "
            "writes need `Authorization: Bearer <token>` from POST /tokens. Errors are "
            '`{"error": ..., "fields": {...}}`.',
        },
        "servers": [{"url": "/api/v1"}],
        "paths": {
            **PATHS,
            **search.PATHS,
            **notifications.PATHS,
            **dashboard.PATHS,
            **suggestions.PATHS,
            **followups.PATHS,
            **admin.PATHS,
            **moderation.PATHS,
            **faq.PATHS,
        },
        "components": {
            "schemas": {
                **SCHEMAS,
                **search.SCHEMAS,
                **notifications.SCHEMAS,
                **dashboard.SCHEMAS,
                **suggestions.SCHEMAS,
                **followups.SCHEMAS,
                **admin.SCHEMAS,
                **moderation.SCHEMAS,
                **faq.SCHEMAS,
            },
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer", "description": "A token from POST /tokens."}
            },
        },
    }
