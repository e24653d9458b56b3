"""The search outbox: changes are queued in the transaction that makes them, applied after commit.

No service has to remember search: session events notice new, changed and deleted questions
and answers (and renamed users and tags) at flush time and write outbox rows on the same
connection, so the rows commit or roll back with the change itself.
"""

from __future__ import annotations

import logging

from flask import Flask, Response, after_this_request, current_app, g, has_app_context, has_request_context
from sqlalchemy import case, delete, event, func, insert, inspect, literal, select
from sqlalchemy.orm import Session

from forum.clock import utcnow
from forum.extensions import db
from forum.models import Answer, Post, Question, Tag, User, question_tags
from forum.models.faq import FaqEntry
from forum.models.search import SearchOutbox
from forum.search import get_backend
from forum.search.backend import SearchBackend

log = logging.getLogger(__name__)

# Only changes that alter what is indexed: a view or a comment (last_activity_at) is not one
QUESTION_FIELDS = (
    "title",
    "body_html",
    "score",
    "status",
    "duplicate_of_id",
    "accepted_answer_id",
    "deleted_at",
    "answer_count",
    "author_id",
    "created_at",
    "tags",
)
# score: a question's document lists its answers best first, so a vote can reorder them
ANSWER_FIELDS = ("body_html", "deleted_at", "author_id", "question_id", "score")
USER_FIELDS = ("username_key", "role")
# an FAQ entry is indexed as part of its main thread's document
FAQ_FIELDS = ("title", "body_html", "deleted_at", "question_id")
QUEUED = "search_outbox_queued"
CHANGED = "search_outbox_changed"
DEFERRED = "search_outbox_deferred"
BATCH_SIZE = 500

_outbox = SearchOutbox.__table__
_posts = Post.__table__


class _RetryState:
    """Whether this process has changes left in the outbox by a failed drain."""

    needed = False


def listen() -> None:
    """Attach the session hooks (once per process, whatever the number of apps)."""
    if not event.contains(db.session, "after_flush", queue_changes):
        event.listen(db.session, "before_flush", note_changes)
        event.listen(db.session, "after_flush", queue_changes)
        event.listen(db.session, "after_commit", drain_after_commit)


def note_changes(session: Session, flush_context, instances) -> None:
    """Note which attributes of loaded objects change, before the flush runs.

    A value given as SQL (`post.score = Post.score + 1`, how votes count) is expired by the
    flush: after it, its attribute shows no change.
    """
    noted = session.info.setdefault(CHANGED, set())
    for obj in session.dirty:
        noted.update((id(obj), state.key) for state in inspect(obj).attrs if state.history.has_changes())


def _changed(obj, names, noted=frozenset()) -> bool:
    attributes = inspect(obj).attrs
    return any(attributes[name].history.has_changes() or (id(obj), name) in noted for name in names)


def queue_changes(session: Session, flush_context) -> None:
    """Write an outbox row for every question whose indexed content this flush changed."""
    # after_flush: ids are assigned, and new/dirty/deleted still describe what was flushed
    noted = session.info.pop(CHANGED, set())
    question_ids: set[int] = set()
    user_ids: set[int] = set()
    tag_ids: set[int] = set()
    for obj in [*session.new, *session.deleted]:
        if isinstance(obj, Question):
            question_ids.add(obj.id)
        elif isinstance(obj, (Answer, FaqEntry)):
            question_ids.add(obj.question_id)
    for obj in session.dirty:
        if isinstance(obj, Question) and _changed(obj, QUESTION_FIELDS, noted):
            question_ids.add(obj.id)
        elif isinstance(obj, Answer) and _changed(obj, ANSWER_FIELDS, noted):
            history = inspect(obj).attrs.question_id.history
            question_ids.update([obj.question_id, *history.deleted])
        elif isinstance(obj, User) and _changed(obj, USER_FIELDS, noted):
            user_ids.add(obj.id)
        elif isinstance(obj, Tag) and _changed(obj, ("name",), noted):
            tag_ids.add(obj.id)
        elif isinstance(obj, FaqEntry) and _changed(obj, FAQ_FIELDS, noted):
            history = inspect(obj).attrs.question_id.history
            question_ids.update([obj.question_id, *history.deleted])
    question_ids.discard(None)
    if not (question_ids or user_ids or tag_ids):
        return
    connection = session.connection()
    now = utcnow()
    if question_ids:
        rows = [{"question_id": question_id, "queued_at": now} for question_id in sorted(question_ids)]
        connection.execute(insert(_outbox), rows)
    if user_ids:
        connection.execute(_queue_posts_of(user_ids, now))
    if tag_ids:
        tagged = select(question_tags.c.question_id.distinct(), literal(now)).where(
            question_tags.c.tag_id.in_(tag_ids)
        )
        connection.execute(insert(_outbox).from_select(["question_id", "queued_at"], tagged))
    session.info[QUEUED] = True


def _queue_posts_of(user_ids: set[int], now):
    """Every question a user asked or answered: a renamed user or a new expert changes them."""
    question_id = case((_posts.c.type == "question", _posts.c.id), else_=_posts.c.question_id)
    threads = (
        select(question_id.label("question_id"), literal(now).label("queued_at"))
        .where(_posts.c.author_id.in_(user_ids), question_id.is_not(None))
        .distinct()
    )
    return insert(_outbox).from_select(["question_id", "queued_at"], threads)


def drain_after_commit(session: Session) -> None:
    """Apply the outbox once the change is committed; in a request, once its response is sent.

    after_commit, not after_flush: a rolled-back post must never appear in search. In a request
    the index is written after the response has gone (a Whoosh commit can take longer than the
    rest of the request), by the same worker before it takes its next request; changes queued
    by other workers meanwhile go into the same index write. A failure must not fail anything
    (the change is saved); the rows stay in the outbox and the next commit, or the next start,
    applies them. Releasing a savepoint fires after_commit too, with the outer transaction still
    open (and on SQLite its write lock held): wait for it.
    """
    if session.in_nested_transaction():
        return
    if not (session.info.pop(QUEUED, False) or _RetryState.needed):
        return
    _RetryState.needed = True  # until a drain succeeds
    if not has_app_context():
        return
    if not has_request_context():
        _drain_logged()
    elif not g.get(DEFERRED):
        g.setdefault(DEFERRED, True)
        app = current_app._get_current_object()

        @after_this_request
        def drain_once_sent(response: Response) -> Response:
            response.call_on_close(lambda: _drain_in(app))
            return response


def _drain_in(app: Flask) -> None:
    with app.app_context():
        _drain_logged()


def _drain_logged() -> None:
    try:
        drain()
    except Exception:
        current_app.logger.warning("Search index not updated; the outbox keeps the change.", exc_info=True)
    else:
        _RetryState.needed = False


def drain(backend: SearchBackend | None = None) -> int:
    """Index the questions queued in the outbox, then delete the rows applied; returns how many.

    Reads rows queued up to now in batches; a batch's rows are deleted only once the index has
    them, so a crash or a busy index leaves them for the next drain. Applying a row twice is
    harmless: the index always takes the question as the database has it when it is written.
    """
    backend = backend or get_backend()
    applied = 0
    last_id = 0
    with db.engine.connect() as connection:
        newest = connection.scalar(select(func.max(_outbox.c.id)))
    while newest is not None and last_id < newest:
        with db.engine.connect() as connection:
            rows = connection.execute(
                select(_outbox.c.id, _outbox.c.question_id)
                .where(_outbox.c.id > last_id, _outbox.c.id <= newest)
                .order_by(_outbox.c.id)
                .limit(BATCH_SIZE)
            ).all()
        if not rows:
            break
        question_ids = {row.question_id for row in rows}
        backend.index(question_ids)
        with db.engine.begin() as connection:
            connection.execute(delete(_outbox).where(_outbox.c.id.in_([row.id for row in rows])))
        applied += len(question_ids)
        last_id = rows[-1].id
    return applied


def drain_at_start(app) -> None:
    """Apply what a previous process queued but never indexed (it was killed, or the index was busy)."""
    with app.app_context():
        try:
            if not inspect(db.engine).has_table(SearchOutbox.__tablename__):
                return  # not migrated yet
            applied = drain()
        except Exception:
            app.logger.warning("Search outbox not drained at start; the next commit retries.", exc_info=True)
            _RetryState.needed = True
        else:
            if applied:
                log.info("Indexed %d questions left in the search outbox.", applied)
