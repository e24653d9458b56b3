"""What the search page, the API and the ask page call: parse, then ask the engine.

FAQ entries come first: an entry is found through the document of the thread it was curated
from (forum.search.documents), so the engines need nothing new. A relevance search shows the
best `FAQ_FIRST` matching entries above the questions on its first page (`is:faq` lists them
all), and similar() moves matching entries to the front of its suggestions.
"""

from __future__ import annotations

from sqlalchemy import exists, select

from forum.extensions import db
from forum.models.faq import FaqEntry
from forum.search import get_backend
from forum.search.backend import SIMILAR_LIMIT_MAX, SORTS, Hit, Page
from forum.search.query import parse_query

__all__ = ["FAQ_FIRST", "SIMILAR_LIMIT_MAX", "SORTS", "search_questions", "similar_questions"]

# matching FAQ entries shown above the questions on a relevance search's first page
FAQ_FIRST = 3
# how far down similar() looks for an FAQ entry to bring to the front
SIMILAR_FAQ_REACH = 5


def search_questions(
    text: str | None, sort: str = "relevance", page: int = 1, per_page: int = 20
) -> Page[Hit]:
    """One page of results for what a visitor typed; malformed input gives notices, not errors."""
    query = parse_query(text)
    faq_first = 0
    if query.is_faq is None and not query.is_empty and sort == "relevance" and _has_faq_entries():
        faq_first = FAQ_FIRST  # no second search while there is no FAQ to find
    return get_backend().search(query, sort=sort, page=page, per_page=per_page, faq_first=faq_first)


def _has_faq_entries() -> bool:
    return bool(db.session.scalar(select(exists().where(FaqEntry.deleted_at.is_(None)))))


def similar_questions(title: str, body: str = "", limit: int = 5) -> list[Hit]:
    """Prior questions most like a draft, answered or not; matching FAQ entries first."""
    limit = max(1, min(limit, SIMILAR_LIMIT_MAX))
    hits = get_backend().similar(title, body, min(limit + SIMILAR_FAQ_REACH, SIMILAR_LIMIT_MAX))
    entries = [hit for hit in hits if hit.kind == "faq"]
    return (entries + [hit for hit in hits if hit.kind == "question"])[:limit]
