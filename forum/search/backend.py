"""The one interface every search engine offers, and what both engines share.

    index(question_ids)  remove(question_ids)  rebuild(progress)  check() -> DriftReport
    search(SearchQuery) -> Page[Hit]            similar(title, body, limit) -> [Hit]

"The engine returns ids, SQL returns the rows in that order": engines match and rank, then
results are built from the database, so a result never shows a deleted or stale question.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Generic, TypeVar

from markupsafe import Markup, escape
from sqlalchemy import Connection, func, select

from forum.errors import DomainError
from forum.extensions import db
from forum.models import Question
from forum.models.search import SearchOutbox
from forum.search.documents import RESULT_ANSWERS_CHARS, Document, load_documents, visible_question_ids
from forum.search.query import SearchQuery, replace_words, words_of

SORTS = ("relevance", "newest", "votes")
# A search counts, ranks and pages through at most this many matches (SEARCH_MAX_RESULTS):
# past it the page says "1,000+ results", so its cost does not grow with a common word's matches
MAX_RESULTS = 1000
# "Did you mean" is worth its cost only when the search found (almost) nothing
SUGGEST_BELOW = 3
EXCERPT_CHARS = 240
SIMILAR_LIMIT_MAX = 20
# What similar() reads of a draft: its title and the start of its body say what it is about
SIMILAR_TITLE_CHARS = 300
SIMILAR_BODY_CHARS = 5000
Progress = Callable[[int], None]
UNAVAILABLE = "Search is unavailable right now; please try again later. Browsing by tag still works."
T = TypeVar("T")


class IndexBusy(Exception):
    """Another process held the index's write lock for longer than we wait; retry later."""


class SearchUnavailable(DomainError):
    """The engine cannot be read (its index is missing or broken); pages say so and carry on."""

    status = 503

    def __init__(self, message: str = UNAVAILABLE):
        super().__init__(message)


@dataclass(frozen=True)
class Match:
    """What an engine found: one page of ranked ids and how many matched in all."""

    question_ids: list[int]
    # how many matched, counted up to the cap (SEARCH_MAX_RESULTS)
    total: int
    # the words asked for were all too common to index ("the", "how to")
    only_common_words: bool = False
    # more than `total` matched: only the first `total` are ranked and paged through
    more: bool = False


@dataclass
class Hit:
    """One result: the question as the database has it now, with the matching passage marked."""

    question_id: int
    title: str
    excerpt_html: Markup
    tags: tuple[str, ...]
    score: int
    author: str | None
    is_answered: bool
    has_accepted: bool
    has_staff_answer: bool
    is_closed: bool
    is_duplicate: bool
    created_at: datetime
    # set for an FAQ entry: `title` is the entry's, `question_id` the thread it was curated from
    faq_entry_id: int | None = None

    @property
    def kind(self) -> str:
        """What the result is: "faq" (an FAQ entry) or "question"."""
        return "faq" if self.faq_entry_id is not None else "question"

    @property
    def slug(self) -> str:
        """The title for URLs, by the same rule as the question page."""
        # a transient Question, never added to a session: the model owns the slug rule
        return Question(title=self.title).slug

    @property
    def answer_status(self) -> str:
        """accepted, staff (answered by a staff expert), answered or unanswered."""
        if self.has_accepted:
            return "accepted"
        if self.has_staff_answer:
            return "staff"
        return "answered" if self.is_answered else "unanswered"


@dataclass
class Page(Generic[T]):
    """One page of results, with what the pager and "did you mean" need."""

    items: list[T]
    page: int
    per_page: int
    total: int
    query: SearchQuery = field(default_factory=SearchQuery)
    sort: str = "relevance"
    suggestion: str | None = None
    notices: tuple[str, ...] = ()
    # FAQ entries shown first on page 1, counted in `total` but not in the pages of questions
    faq_total: int = 0
    # more matched than `total` (the cap): "1,000+ results", and pages only as far as the cap
    more: bool = False

    @property
    def pages(self) -> int:
        return max(1, math.ceil((self.total - self.faq_total) / self.per_page)) if self.total else 0

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def prev_num(self) -> int | None:
        return self.page - 1 if self.has_prev else None

    @property
    def next_num(self) -> int | None:
        return self.page + 1 if self.has_next else None

    def iter_pages(self, left_edge=2, left_current=2, right_current=4, right_edge=2) -> Iterator[int | None]:
        """Page numbers for a pager, with None for the gaps (as Flask-SQLAlchemy's pages do)."""
        previous = 0
        for number in range(1, self.pages + 1):
            near_edge = number <= left_edge or number > self.pages - right_edge
            near_current = self.page - left_current <= number < self.page + right_current
            if near_edge or near_current:
                if number != previous + 1:
                    yield None
                yield number
                previous = number


@dataclass
class DriftReport:
    """How the index differs from the database."""

    expected: int = 0
    indexed: int = 0
    missing: list[int] = field(default_factory=list)
    stale: list[int] = field(default_factory=list)
    extra: list[int] = field(default_factory=list)
    pending: int = 0

    @property
    def is_clean(self) -> bool:
        """True when every visible question is indexed as it is now, and nothing else is."""
        return not (self.missing or self.stale or self.extra)


def plain_excerpt(document: Document) -> Markup:
    """The start of the question, escaped, for results whose text did not match."""
    text = document.body or document.answers
    if len(text) > EXCERPT_CHARS:
        text = text[:EXCERPT_CHARS].rsplit(" ", 1)[0] + " …"
    return escape(text)


class SearchBackend:
    """The shared half of every engine; subclasses match, rank, mark and store."""

    name = "base"

    def __init__(self, config: dict):
        self.config = config

    # -- what each engine implements -------------------------------------------------------

    def index(self, question_ids) -> None:
        """Bring the entries of these questions up to date (and drop hidden or deleted ones)."""
        raise NotImplementedError

    def remove(self, question_ids) -> None:
        """Take these questions out of the index."""
        raise NotImplementedError

    def rebuild(self, progress: Progress | None = None) -> int:
        """Index every visible question from scratch; returns how many."""
        raise NotImplementedError

    def clear(self) -> None:
        """Empty the index."""
        raise NotImplementedError

    def indexed_fingerprints(self) -> dict[int, str]:
        """The fingerprint stored with every entry."""
        raise NotImplementedError

    def close(self) -> None:
        """Let go of what the engine holds open between calls (it stays usable)."""

    def _match(self, query: SearchQuery, sort: str, page: int, per_page: int, cap: int) -> Match:
        """The page's ids, best first, among the first `cap` matches; their count up to `cap`."""
        raise NotImplementedError

    def _mark(self, query: SearchQuery, documents: list[Document]) -> dict[int, Markup]:
        """The best passage of each document as HTML, matching words in <mark> (None: no match)."""
        raise NotImplementedError

    def _corrections(self, words: list[str]) -> dict[str, str]:
        """Likely intended spellings of the words the index does not know."""
        raise NotImplementedError

    def _similar_ids(self, title: str, body: str, limit: int) -> list[int]:
        raise NotImplementedError

    # -- shared ----------------------------------------------------------------------------

    @property
    def max_results(self) -> int:
        """How many matches a search counts, ranks and pages through at most (SEARCH_MAX_RESULTS)."""
        return max(1, int(self.config.get("SEARCH_MAX_RESULTS", MAX_RESULTS)))

    def search(
        self,
        query: SearchQuery,
        sort: str = "relevance",
        page: int = 1,
        per_page: int = 20,
        faq_first: int = 0,
    ) -> Page:
        """One page of the questions matching the query, best first (or newest, or top voted).

        With `faq_first`, the best `faq_first` matching FAQ entries come above the questions on
        page 1 (counted in the total, not in the pages of questions); the page's threads are then
        read and marked up together.
        """
        sort = sort if sort in SORTS else "relevance"
        notices = query.notices
        if query.is_empty:
            return Page([], page, per_page, 0, query, sort, notices=notices)
        cap = self.max_results
        entries = Match([], 0)
        if faq_first and query.is_faq is None:
            entries = self._match(replace(query, is_faq=True), sort, 1, faq_first, cap)
            match = self._match(replace(query, is_faq=False), sort, page, per_page, cap)
        else:
            match = self._match(query, sort, page, per_page, cap)
        documents = self._documents((entries.question_ids if page == 1 else []) + match.question_ids)
        marks = self._mark(query, documents) if documents else {}
        hits = [self._hit(document, marks.get(document.question_id)) for document in documents]
        total = match.total + entries.total
        suggestion = None
        if total < SUGGEST_BELOW and query.words:
            suggestion = self._suggestion(query)
        if match.only_common_words:
            notices += ("Those words are too common to search for; add more specific ones.",)
        return Page(
            hits,
            page,
            per_page,
            total,
            query,
            sort,
            suggestion,
            notices,
            faq_total=entries.total,
            more=match.more or entries.more,
        )

    def similar(self, title: str, body: str = "", limit: int = 5) -> list[Hit]:
        """Questions like a new one, most similar first; answer status only breaks ties."""
        limit = max(1, min(limit, SIMILAR_LIMIT_MAX))
        if not words_of(f"{title} {body}"):
            return []
        title, body = title[:SIMILAR_TITLE_CHARS], body[:SIMILAR_BODY_CHARS]
        documents = self._documents(self._similar_ids(title, body, limit))
        return [self._hit(document) for document in documents]

    def check(self) -> DriftReport:
        """Compare the index with the database: missing, stale and extra entries."""
        indexed = self.indexed_fingerprints()
        report = DriftReport(indexed=len(indexed))
        seen: set[int] = set()
        with db.engine.connect() as connection:
            for batch in visible_question_ids(connection):
                for question_id, document in load_documents(connection, batch).items():
                    seen.add(question_id)
                    stored = indexed.get(question_id)
                    if stored is None:
                        report.missing.append(question_id)
                    elif stored != document.fingerprint:
                        report.stale.append(question_id)
            report.pending = connection.scalar(select(func.count()).select_from(SearchOutbox))
        report.expected = len(seen)
        report.missing.sort()
        report.stale.sort()
        report.extra = sorted(set(indexed) - seen)
        return report

    def _documents(self, question_ids: list[int]) -> list[Document]:
        """Documents for the ids, in the engine's order, skipping any no longer visible."""
        if not question_ids:
            return []
        documents = load_documents(self._read_connection(), question_ids, RESULT_ANSWERS_CHARS)
        return [documents[question_id] for question_id in question_ids if question_id in documents]

    def _read_connection(self) -> Connection:
        """The request's own connection: reads in a request share its transaction."""
        return db.session.connection()

    def _hit(self, document: Document, excerpt_html: Markup | None = None) -> Hit:
        return Hit(
            question_id=document.question_id,
            title=document.title,
            excerpt_html=excerpt_html or plain_excerpt(document),
            tags=document.tags,
            score=document.score,
            author=document.author,
            is_answered=document.is_answered,
            has_accepted=document.has_accepted,
            has_staff_answer=document.has_staff_answer,
            is_closed=document.is_closed,
            is_duplicate=document.is_duplicate,
            created_at=document.created_at,
            faq_entry_id=document.faq_entry_id,
        )

    def _suggestion(self, query: SearchQuery) -> str | None:
        """The query with misspelt words corrected, or None when nothing looks misspelt."""
        corrections = self._corrections(list(query.words))
        corrections = {word: better for word, better in corrections.items() if better and better != word}
        return replace_words(query.text, corrections) if corrections else None
