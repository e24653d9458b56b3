"""What the search page, the API and the ask page call: parse, then ask the engine."""

from __future__ import annotations

from forum.search import get_backend
from forum.search.backend import SIMILAR_LIMIT_MAX, SORTS, Hit, Page
from forum.search.query import parse_query

__all__ = ["SIMILAR_LIMIT_MAX", "SORTS", "search_questions", "similar_questions"]


def search_questions(
    text: str | None, sort: str = "relevance", page: int = 1, per_page: int = 20
) -> Page[Hit]:
    """One page of results for what a visitor typed; malformed input gives notices, not errors."""
    return get_backend().search(parse_query(text), sort=sort, page=page, per_page=per_page)


def similar_questions(title: str, body: str = "", limit: int = 5) -> list[Hit]:
    """Prior questions most like a draft, answered or not."""
    return get_backend().similar(title, body, limit)
