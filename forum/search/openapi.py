"""The OpenAPI description of /search and /similar, merged into the API's document."""

from __future__ import annotations

from typing import Any

from forum.api.openapi import _TEXT, _TIME, PAGING, _json, _object, _read, _ref, page_of
from forum.search.backend import SIMILAR_LIMIT_MAX, SORTS
from forum.search.query import MAX_QUERY_LENGTH

_HTML = {
    "type": "string",
    "description": "The best matching passage: escaped text; only <mark> elements (the matches) are markup.",
}
_URL = {
    "type": "string",
    "format": "uri",
    "description": "The result's web page: the FAQ entry's (/faq/<id>) for kind faq, else the question's.",
}
_KIND = {
    "enum": ["question", "faq"],
    "description": "faq: an FAQ entry curated from the thread question_id (title is the entry's); "
    "question: the thread itself.",
}
_FAQ_ENTRY_ID = {"type": ["integer", "null"], "description": "The FAQ entry, for kind faq; else null."}

SCHEMAS: dict[str, Any] = {
    "SearchHit": _object(
        {
            "kind": _KIND,
            "faq_entry_id": _FAQ_ENTRY_ID,
            "question_id": {
                "type": "integer",
                "description": "The thread (for an FAQ entry, its main source).",
            },
            "title": _TEXT,
            "excerpt_html": _HTML,
            "url": _URL,
            "score": {"type": "integer"},
            "answered": {"type": "boolean", "description": "Has a visible answer."},
            "has_accepted": {"type": "boolean"},
            "answered_by_staff": {
                "type": "boolean",
                "description": "An expert, moderator or admin answered.",
            },
            "answer_status": {"enum": ["accepted", "staff", "answered", "unanswered"]},
            "closed": {"type": "boolean"},
            "duplicate": {"type": "boolean"},
            "tags": {"type": "array", "items": _TEXT},
            "created_at": _TIME,
        }
    ),
    "SearchResults": page_of(
        "SearchHit",
        "Best first unless sorted otherwise.",
        query={"type": "string", "description": "The query as searched (spaces collapsed, cut to size)."},
        sort={"enum": list(SORTS)},
        total_capped={
            "type": "boolean",
            "description": "More matched than `total`, which stops at the cap (1,000 by default): "
            "only the first `total` are ranked and paged through.",
        },
        suggestion={"type": ["string", "null"], "description": "'Did you mean': the query respelt."},
        notices={
            "type": "array",
            "items": _TEXT,
            "description": "What in the query was ignored or changed, for people.",
        },
    ),
    "SimilarQuestion": _object(
        {
            "kind": _KIND,
            "faq_entry_id": _FAQ_ENTRY_ID,
            "question_id": {
                "type": "integer",
                "description": "The thread (for an FAQ entry, its main source).",
            },
            "title": _TEXT,
            "url": _URL,
            "answered": {"type": "boolean"},
            "has_accepted": {"type": "boolean"},
            "score": {"type": "integer"},
        }
    ),
}

PATHS: dict[str, Any] = {
    "/search": {
        "get": _read(
            "Search questions and answers (the search page's results).",
            _json(_ref("SearchResults"), "One page of results, best first unless sorted otherwise."),
            {"400": "A bad sort, page or per_page. A malformed query is not an error: see notices."},
            parameters=[
                {
                    "name": "q",
                    "in": "query",
                    "schema": {"type": "string"},
                    "description": 'Words, "phrases", -excluded, [tag] or tag:name, user:name, is:answered, '
                    "is:unanswered, has:accepted, is:faq, score:>=N. "
                    f"Read up to {MAX_QUERY_LENGTH} characters.",
                },
                {"name": "sort", "in": "query", "schema": {"enum": list(SORTS), "default": "relevance"}},
                *PAGING,
            ],
        ),
    },
    "/similar": {
        "get": _read(
            "Prior questions like a draft, answered or not (for the ask page); matching FAQ entries "
            "(kind faq, url their /faq/<id> page) first.",
            _json(
                _object({"items": {"type": "array", "items": _ref("SimilarQuestion")}}),
                "Most similar first; answer status only breaks ties.",
            ),
            {"400": "Neither title nor body, or a bad limit."},
            parameters=[
                {"name": "title", "in": "query", "schema": {"type": "string"}},
                {"name": "body", "in": "query", "schema": {"type": "string"}},
                {
                    "name": "limit",
                    "in": "query",
                    "schema": {"type": "integer", "minimum": 1, "maximum": SIMILAR_LIMIT_MAX, "default": 5},
                },
            ],
        ),
    },
}
