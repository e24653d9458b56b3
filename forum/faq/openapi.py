"""The OpenAPI description of the FAQ, merged into the API's document."""

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
    _read,
    _ref,
    _write,
    page_of,
)
from forum.faq.entries import STALE_LABELS
from forum.models.faq import FAQ_BODY_MAX, FAQ_TITLE_MAX, PRODUCT_AREA_MAX

_IDS = {"type": "array", "items": {"type": "integer", "minimum": 1}}


SCHEMAS: dict[str, Any] = {
    "FaqEntry": _object(
        {
            "id": {"type": "integer"},
            "kind": {"const": "faq"},
            "title": _TEXT,
            "body": {"type": "string", "description": "The curated answer, Markdown."},
            "body_html": {"type": "string", "description": "The answer rendered and sanitised."},
            "category": {"type": ["string", "null"], "description": "The tag the FAQ groups it under."},
            "product_area": _TEXT,
            "reviewed_at": {**_TIME, "description": "When a moderator last checked it."},
            "created_at": _TIME,
            "edited_at": _OPTIONAL_TIME,
            "question_ids": {**_IDS, "description": "The source threads, the main one first."},
            "contributors": {
                "type": "array",
                "items": _ref("Author"),
                "description": "Credited answer authors.",
            },
            "helpful": {
                "oneOf": [
                    _object({"yes": {"type": "integer"}, "no": {"type": "integer"}}),
                    {"type": "null"},
                ],
                "description": "Helpful votes (moderators only; null for others).",
            },
            "stale": {
                "oneOf": [{"enum": list(STALE_LABELS)}, {"type": "null"}],
                "description": "Why it waits for review (moderators only; null when fresh or for others).",
            },
            "url": {"type": "string", "format": "uri"},
        }
    ),
    "FaqPage": page_of("FaqEntry", "By category, then title."),
    "FaqCandidate": _object(
        {
            "question_id": {"type": "integer"},
            "title": _TEXT,
            "url": {"type": "string", "format": "uri"},
            "popularity": {"type": "number"},
            "views": {"type": "integer", "description": "Distinct visitor-days in the popularity window."},
            "followers": {"type": "integer"},
            "votes": {"type": "integer"},
            "answers": {"type": "integer"},
            "search_clicks": {"type": "integer"},
            "similar_clicks": {"type": "integer"},
            "nominations": {"type": "integer", "description": "Members who suggested it for the FAQ."},
            "reasons": {"type": "array", "items": {"enum": ["popular", "nominated", "grew since dismissed"]}},
        }
    ),
    "FaqCandidatePage": page_of("FaqCandidate", "Most popular first."),
    "FaqDecision": _object(
        {"question_id": {"type": "integer"}, "decision": {"const": "dismissed"}, "reason": _TEXT}
    ),
    "FaqVote": _object({"entry_id": {"type": "integer"}, "helpful": {"type": "boolean"}}),
}

_ENTRY = _json(_ref("FaqEntry"), "The entry.")
_ENTRY_ID = _id("entry_id", "FAQ entry")
_CURATORS = {"403": "Only moderators curate the FAQ."}

PATHS: dict[str, Any] = {
    "/faq": {
        "get": _read(
            "Live FAQ entries by category and title.",
            _json(_ref("FaqPage"), "One page of entries."),
            {"400": "A bad page number."},
            parameters=[*PAGING, {"name": "tag", "in": "query", "schema": {"type": "string"}}],
        )
    },
    "/faq/{entry_id}": {
        "parameters": [_ENTRY_ID],
        "get": _read("One FAQ entry.", _ENTRY, {"404": "No such entry, or it is retired."}),
    },
    "/faq/candidates": {
        "get": _private_read(
            "Threads waiting in the FAQ queue, with the numbers that put them there (moderators).",
            _json(_ref("FaqCandidatePage"), "One page of candidates."),
            {"400": "A bad page number.", **_CURATORS},
            parameters=PAGING,
        )
    },
    "/faq/candidates/approve": {
        "post": _write(
            "Approve one thread, or merge several duplicates, into a new entry; omitted fields come "
            "from the draft built from the threads' accepted, official and best-voted answers.",
            (201, _ENTRY),
            {
                **_CURATORS,
                "404": "A thread does not exist or is deleted.",
                "422": "A field is invalid, or a thread is already part of an entry.",
            },
            requestBody=_body(
                {
                    "type": "object",
                    "required": ["question_ids"],
                    "properties": {
                        "question_ids": {**_IDS, "minItems": 1, "description": "The main thread first."},
                        "title": {"type": "string", "maxLength": FAQ_TITLE_MAX},
                        "body": {"type": "string", "maxLength": FAQ_BODY_MAX},
                        "tag": {"type": "string"},
                        "product_area": {"type": "string", "maxLength": PRODUCT_AREA_MAX},
                        "credit_answer_ids": {
                            **_IDS,
                            "description": "Answers to credit (default: the draft's).",
                        },
                    },
                }
            ),
        )
    },
    "/faq/candidates/{question_id}/dismiss": {
        "parameters": [_id("question_id", "question")],
        "post": _write(
            "Dismiss a candidate with a reason; it returns only if its popularity grows a lot more.",
            (200, _json(_ref("FaqDecision"), "The decision.")),
            {**_CURATORS, "404": "No such question.", "422": "No reason, or it is already in the FAQ."},
            requestBody=_body(
                {"type": "object", "required": ["reason"], "properties": {"reason": {"type": "string"}}}
            ),
        ),
    },
    "/faq/{entry_id}/sources": {
        "parameters": [_ENTRY_ID],
        "post": _write(
            "Merge duplicate threads into an existing entry as further sources.",
            (200, _ENTRY),
            {**_CURATORS, "404": "No such entry or thread.", "422": "A thread is already part of an entry."},
            requestBody=_body(
                {"type": "object", "required": ["question_ids"], "properties": {"question_ids": _IDS}}
            ),
        ),
    },
    "/faq/{entry_id}/helpful": {
        "parameters": [_ENTRY_ID],
        "post": _write(
            "Was this helpful? One answer per member and entry; answering again changes it.",
            (200, _json(_ref("FaqVote"), "The answer recorded.")),
            {"404": "No such entry.", "422": "'helpful' is not a boolean, or the entry is retired."},
            requestBody=_body(
                {"type": "object", "required": ["helpful"], "properties": {"helpful": {"type": "boolean"}}}
            ),
        ),
    },
}
