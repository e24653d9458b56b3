"""Who is looking, and at what: visitors, page views, searches and the results they open.

**Visitors.** A signed-in member is `u:<user id>`; anyone else carries a long-lived random
cookie (`visitor`, HttpOnly, SameSite=Lax, Secure when the request came over HTTPS or
SESSION_COOKIE_SECURE is on) and is `c:<token>`. The cookie is set on the first page that
records something. Crawlers that say so in their User-Agent (bot, crawler, spider, slurp) are
not counted at all. A request without the cookie is a new visitor, whose view counts unless
the worker has already counted a view of that page that day for a request without the cookie
from the same address and browser: a client that never keeps cookies (a script, a monitor)
counts once a day per worker, not once a request, and two new visitors sharing an address and
a browser build count once on their first day. A member who signs in during the day is one
visitor before and another after.

**Views.** `record_view(kind, id)` puts (kind, id, day, visitor) in the worker's in-memory
buffer (a set: repeats within a worker cost nothing) and never touches the question's row.
The buffer is written at the end of a request once `VIEW_FLUSH_SECONDS` have passed since the
last write or it holds `VIEW_FLUSH_SIZE` views: one `INSERT ... ON CONFLICT DO NOTHING` per
`VIEW_FLUSH_SIZE` rows into `page_views` (whose primary key keeps one view per visitor, page
and UTC day), then one UPDATE per page adding the rows actually inserted to
`Question.view_count` or `FaqEntry.view_count`. A worker that is killed loses the views it had
not written yet (at most `VIEW_FLUSH_SECONDS` of its traffic); a worker that exits normally
writes them first. A write that fails is logged and the views go back to the buffer for the
next attempt (dropped once the buffer holds ten batches), so a database hiccup never breaks
a page.

**Searches.** The search page records each search (page 1, words given) and its results link
through `/search/open/...`, which records the result opened (`record_click`).
"""

from __future__ import annotations

import atexit
import functools
import hashlib
import re
import secrets
import threading
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from flask import Flask, current_app, g, request
from flask_login import current_user
from sqlalchemy import bindparam, func, update
from sqlalchemy.dialects import postgresql, sqlite

from forum import clock
from forum.errors import NotFound
from forum.extensions import db
from forum.faq import entries
from forum.models import Question, User
from forum.models.faq import VIEW_KINDS, FaqEntry, PageView, SearchEvent
from forum.questions import service as questions

VISITOR_COOKIE = "visitor"
VISITOR_COOKIE_MAX_AGE = 2 * 365 * 24 * 3600
QUERY_MAX = 200
# result positions beyond this are not ours (MAX_PAGE x MAX_PER_PAGE is far below it)
POSITION_MAX = 1_000_000
_TOKEN = re.compile(r"[A-Za-z0-9_-]{16,43}")
_CRAWLER = re.compile(r"bot|crawl|spider|slurp", re.IGNORECASE)
_BUFFER_KEY = "faq.page_views"
# on a failed write the views wait for the next attempt, up to this many batches
_RETRY_BATCHES = 10
# views counted for requests without the cookie, remembered by address and browser: at most
# this many (about 15 MB), then forgotten at once
COOKIELESS_KEPT = 100_000

ViewKey = tuple[str, int, date, str]


# Visitors


def _is_crawler() -> bool:
    return bool(_CRAWLER.search(request.headers.get("User-Agent", "")))


def visitor_key() -> str | None:
    """The current visitor: `u:<id>` when signed in, else `c:<cookie token>`; None for crawlers.

    A visitor without a valid cookie gets a new token, sent back as a cookie with the response.
    """
    if current_user.is_authenticated:
        return f"u:{current_user.id}"
    if _is_crawler():
        return None
    token = request.cookies.get(VISITOR_COOKIE, "")
    if not _TOKEN.fullmatch(token):
        token = g.get("new_visitor_token") or secrets.token_urlsafe(16)
        g.new_visitor_token = token
    return f"c:{token}"


def _set_visitor_cookie(response):
    """Send the cookie of a visitor seen for the first time."""
    token = g.get("new_visitor_token")
    if token:
        response.set_cookie(
            VISITOR_COOKIE,
            token,
            max_age=VISITOR_COOKIE_MAX_AGE,
            httponly=True,
            samesite="Lax",
            secure=request.is_secure or bool(current_app.config.get("SESSION_COOKIE_SECURE")),
        )
    return response


# Views


class ViewBuffer:
    """The views a worker has seen and not yet written (shared by its threads)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._views: set[ViewKey] = set()
        self._last_write = time.monotonic()
        self._cookieless: set[tuple[str, int, date, bytes]] = set()

    def __len__(self) -> int:
        return len(self._views)

    def add(self, view: ViewKey, cookieless: bytes | None = None) -> None:
        """Buffer a view; one made without the visitor cookie by the client digested as
        `cookieless` only if no such view of the page that day is remembered."""
        with self._lock:
            if cookieless is not None:
                seen = (*view[:3], cookieless)
                if seen in self._cookieless:
                    return
                if len(self._cookieless) >= COOKIELESS_KEPT:
                    self._cookieless.clear()
                self._cookieless.add(seen)
            self._views.add(view)

    def is_due(self, seconds: float, size: int) -> bool:
        """Whether the buffer should be written now."""
        with self._lock:
            if not self._views:
                return False
            return len(self._views) >= size or time.monotonic() - self._last_write >= seconds

    def take(self) -> list[ViewKey]:
        """Empty the buffer, returning what it held."""
        with self._lock:
            views, self._views = self._views, set()
            self._last_write = time.monotonic()
        return sorted(views)

    def put_back(self, views: Iterable[ViewKey], limit: int) -> bool:
        """Return views whose write failed, unless the buffer already holds `limit`; True if kept."""
        with self._lock:
            if len(self._views) >= limit:
                return False
            self._views.update(views)
            return True


def _buffer(app: Flask | None = None) -> ViewBuffer:
    app = app or current_app
    return app.extensions.setdefault(_BUFFER_KEY, ViewBuffer())


def record_view(kind: str, target_id: int) -> None:
    """Count a view of a question or FAQ entry by the current visitor (once a day; buffered)."""
    if kind not in VIEW_KINDS:
        raise ValueError(f"kind must be one of {VIEW_KINDS}, not {kind!r}")
    visitor = visitor_key()
    if visitor is None:
        return
    _buffer().add((kind, target_id, clock.utcnow().date(), visitor), _cookieless_client())


def _cookieless_client() -> bytes | None:
    """For a request that brought no visitor cookie: its address and browser, digested."""
    if not g.get("new_visitor_token"):
        return None
    client = f"{request.remote_addr}\n{request.headers.get('User-Agent', '')}"
    return hashlib.blake2b(client.encode("utf-8", "surrogatepass"), digest_size=16).digest()


@functools.cache
def _insert_ignoring_repeats(dialect_name: str):
    """Built once: executed with many rows, it is compiled once too (a VALUES list of literal rows
    was compiled afresh for every write, 30-60 ms for 500 views)."""
    dialect = postgresql if dialect_name == "postgresql" else sqlite
    return dialect.insert(PageView).on_conflict_do_nothing().returning(PageView.kind, PageView.target_id)


def write_views(views: list[ViewKey], batch_size: int = 500) -> int:
    """Write views to page_views and add the new ones to the pages' view counts; returns how many were new."""
    if not views:
        return 0
    inserted: Counter[tuple[str, int]] = Counter()
    with db.engine.begin() as connection:
        insert = _insert_ignoring_repeats(connection.dialect.name)
        for start in range(0, len(views), batch_size):
            rows = [
                {"kind": kind, "target_id": target, "day": day, "visitor": visitor}
                for kind, target, day, visitor in views[start : start + batch_size]
            ]
            inserted.update(tuple(row) for row in connection.execute(insert, rows))
        for kind, table in (("question", Question.__table__), ("faq", FaqEntry.__table__)):
            counts = [
                {"target": target, "added": n} for (of, target), n in sorted(inserted.items()) if of == kind
            ]
            if counts:
                # one UPDATE per page (executemany), whatever the number of views
                connection.execute(
                    update(table)
                    .where(table.c.id == bindparam("target"))
                    .values(view_count=func.coalesce(table.c.view_count, 0) + bindparam("added")),
                    counts,
                )
    return sum(inserted.values())


def flush_views(app: Flask | None = None) -> int:
    """Write this worker's buffered views now; returns how many were new (errors are logged)."""
    app = app or current_app._get_current_object()
    buffer = _buffer(app)
    views = buffer.take()
    if not views:
        return 0
    size = app.config.get("VIEW_FLUSH_SIZE", 500)
    try:
        return write_views(views, size)
    except Exception:  # noqa: BLE001 - counting views must never break a page
        kept = buffer.put_back(views, size * _RETRY_BATCHES)
        app.logger.warning(
            "Could not write %d page views; %s.",
            len(views),
            "kept for the next attempt" if kept else "dropped",
            exc_info=True,
        )
        return 0


def discard_views(app: Flask | None = None) -> None:
    """Forget this worker's buffered and remembered views (tests start each case with none)."""
    (app or current_app).extensions[_BUFFER_KEY] = ViewBuffer()


def _flush_when_due(response):
    app = current_app._get_current_object()
    seconds = float(app.config.get("VIEW_FLUSH_SECONDS", 30))
    if _buffer(app).is_due(seconds, int(app.config.get("VIEW_FLUSH_SIZE", 500))):
        flush_views(app)
    return response


def _flush_at_exit(app: Flask) -> None:
    """A worker shutting down writes what it holds."""
    if len(_buffer(app)):
        with app.app_context():
            flush_views(app)


# Searches and the results opened


@dataclass(frozen=True)
class Opened:
    """A search result someone opened: the question, and the FAQ entry when the result was one."""

    question: Question
    entry: FaqEntry | None = None


def record_search(query: str) -> None:
    """Note a search made on the search page (nothing for empty queries or crawlers)."""
    query = query.strip()[:QUERY_MAX]
    visitor = visitor_key()
    if not query or visitor is None:
        return
    db.session.add(SearchEvent(kind="search", visitor=visitor, query=query))
    db.session.commit()


def record_click(kind: str, target_id: int, query: str, position: int | None, viewer: User | None) -> Opened:
    """Note that a search result was opened; NotFound for a result the viewer may not see."""
    if kind == "faq":
        entry = entries.get_entry(target_id, viewer)
        opened = Opened(questions.get_question(entry.question_id, viewer), entry)
    elif kind == "question":
        opened = Opened(questions.get_question(target_id, viewer))
    else:
        raise NotFound("There is no such kind of search result.")
    if position is not None and not 1 <= position <= POSITION_MAX:
        position = None
    visitor = visitor_key()
    if visitor is not None:
        db.session.add(
            SearchEvent(
                kind="click",
                visitor=visitor,
                query=query.strip()[:QUERY_MAX],
                question_id=opened.question.id,
                faq_entry_id=opened.entry.id if opened.entry else None,
                position=position,
            )
        )
        db.session.commit()
    return opened


def suggested_entry(question_id: int, raw_entry_id: str | None, viewer: User | None) -> FaqEntry | None:
    """The FAQ entry a similar-question suggestion stood for (`?faq=`), or None when there is none.

    The entry must be one the viewer may see, curated from `question_id` (its main thread), or NotFound.
    """
    if raw_entry_id is None:
        return None
    if not re.fullmatch(r"[0-9]{1,18}", raw_entry_id):
        raise NotFound("That FAQ entry does not exist.")
    entry = entries.get_entry(int(raw_entry_id), viewer)
    if entry.question_id != question_id:
        raise NotFound("That FAQ entry does not exist.")
    return entry


def init_tracking(app: Flask) -> None:
    """Set visitor cookies, write buffered views when due, and start the periodic popularity refresh."""
    from forum.faq import popularity

    app.after_request(_set_visitor_cookie)
    app.after_request(_flush_when_due)
    popularity.init_periodic_refresh(app)
    atexit.register(_flush_at_exit, app)
