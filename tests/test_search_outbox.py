"""The outbox: queued with the change, applied after commit, never lost to a crash or a busy index."""

import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

import pytest
from sqlalchemy import delete, func, select, text

from forum.auth import service as accounts
from forum.extensions import db
from forum.models import Question, Tag
from forum.models.search import SearchOutbox
from forum.questions import service
from forum.search import outbox
from forum.search.backend import IndexBusy
from forum.search.postgres_backend import WRITER_LOCK
from forum.search.query import parse_query
from tests.conftest import login, make_question, make_user
from tests.test_search_support import ENGINES, run_script, titles, use_engine


@pytest.fixture(params=ENGINES)
def engine(app, request):
    yield from use_engine(app, request.param)
    outbox._RetryState.needed = False


def queued() -> int:
    """Rows in the outbox, as the test's own transaction sees them."""
    return db.session.scalar(select(func.count()).select_from(SearchOutbox))


@contextmanager
def writer_lock_held(engine):
    """Another process's writer holding the index (Whoosh's lock, or PostgreSQL's advisory lock)."""
    if engine.name == "whoosh":
        from whoosh import index

        writer = index.open_dir(engine.path).writer()
        try:
            yield
        finally:
            writer.cancel()
    else:
        with db.engine.connect() as connection:
            connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": WRITER_LOCK})
            try:
                yield
            finally:
                connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": WRITER_LOCK})
                connection.commit()


def test_rows_are_written_in_the_transaction_and_vanish_with_a_rollback(engine):
    ann = make_user("ann")
    question = Question(
        author=ann, title="A boiler question that is rolled back", body="x", body_html="<p>x</p>"
    )
    db.session.add(question)
    db.session.flush()
    assert queued() == 1
    db.session.rollback()
    assert queued() == 0
    assert titles(engine, "boiler") == []


def test_committed_changes_are_indexed_and_the_outbox_emptied(engine):
    question = make_question(make_user("ann"), "Boiler makes a knocking noise at night", tags="boiler")
    assert queued() == 0
    assert titles(engine, "knocking") == [question.title]


def test_a_request_indexes_its_change_once_its_response_is_sent(app, engine):
    ann = make_user("ann")
    question = make_question(ann, "Boiler makes a knocking noise at night", tags="boiler")
    client = app.test_client()
    login(client, "ann")
    form = {"csrf_token": client.csrf_token(), "body": "Bleed the radiators, then top up the pressure."}
    response = client.post(f"/questions/{question.id}/answers", data=form, buffered=False)
    assert response.status_code == 302
    db.session.rollback()
    assert queued() and titles(engine, "radiators") == []  # answered before the index write
    response.close()  # the server has sent it
    db.session.rollback()
    assert queued() == 0 and titles(engine, "radiators") == [question.title]


def test_views_and_comments_queue_nothing(engine):
    ann = make_user("ann")
    question = make_question(ann, "Boiler makes a knocking noise at night", tags="boiler")
    question.view_count += 1
    db.session.flush()
    assert queued() == 0
    db.session.commit()
    service.comment(ann, question.id, "Still knocking today.")
    assert queued() == 0


def test_a_failed_drain_keeps_the_change_for_the_next_commit(engine, monkeypatch):
    ann = make_user("ann")

    def busy(question_ids):
        raise IndexBusy("held by a test")

    monkeypatch.setattr(engine, "index", busy)
    question = make_question(ann, "Boiler pressure drops every morning", tags="boiler")
    monkeypatch.undo()
    assert queued() == 1 and titles(engine, "pressure") == []
    report = engine.check()
    assert report.missing == [question.id] and report.pending == 1 and not report.is_clean
    service.comment(ann, question.id, "A comment queues nothing, yet its commit retries the outbox.")
    assert queued() == 0 and titles(engine, "pressure") == [question.title]
    assert engine.check().is_clean


def test_a_busy_index_is_waited_for_then_left_to_the_outbox(app, engine):
    ann = make_user("ann")
    engine.timeout = 0.3
    started = time.monotonic()
    with writer_lock_held(engine):
        question = make_question(ann, "Boiler display shows error E7", tags="boiler")
    assert time.monotonic() - started >= 0.3
    assert queued() == 1 and engine.check().missing == [question.id]
    outbox.drain_at_start(app)  # what the next start of a worker does
    assert queued() == 0 and engine.check().is_clean


def _killed_then_restarted(engine, code: str, exit_code: int) -> None:
    """Run `code` in a worker that dies with `exit_code`, then check the drift and the next start."""
    make_user("ann")
    died = run_script(engine.name, code)
    assert died.returncode == exit_code, died.stderr
    db.session.commit()  # see what the worker committed
    question = db.session.scalar(select(Question).where(Question.title.contains("worker died")))
    assert question is not None
    assert engine.check().missing == [question.id]
    assert titles(engine, "died") == []
    restarted = run_script(engine.name, "")
    assert restarted.returncode == 0, restarted.stderr
    db.session.commit()
    assert queued() == 0 and engine.check().is_clean
    assert titles(engine, "died") == [question.title]


ASK = """
from forum.auth import service as accounts
from forum.questions import service
with app.app_context():
    ann = accounts.get_user("ann")
    service.ask(ann, "The worker died right after this commit", "Nothing reached the index.", "crash")
"""


def test_a_worker_killed_between_commit_and_index(engine):
    kill = "from forum.search import outbox\noutbox.drain = lambda *args, **kwargs: os._exit(17)\n"
    _killed_then_restarted(engine, kill + ASK, 17)


def test_a_worker_killed_while_writing_the_index(engine):
    kill = """
from forum.search.postgres_backend import PostgresBackend
from forum.search.whoosh_backend import WhooshBackend
for cls, name in ((WhooshBackend, "_write"), (PostgresBackend, "_store")):
    def dying(self, *args, _original=getattr(cls, name)):
        _original(self, *args)
        os._exit(18)  # the writer holds the lock and has written, but not committed
    setattr(cls, name, dying)
"""
    _killed_then_restarted(engine, kill + ASK, 18)


WORKER = """
import time
from forum.auth import service as accounts
from forum.questions import service
worker, start_at = sys.argv[1], float(sys.argv[2])
with app.app_context():
    user = accounts.get_user(worker)
    time.sleep(max(0.0, start_at - time.time()))
    for number in range(6):
        question = service.ask(user, f"Concurrent question {number} from {worker}", "Posted at once by many.",
                               "concurrency")
        service.answer(user, question.id, f"An answer from {worker} to question number {number}.")
"""


def test_concurrent_writers_lose_nothing(engine):
    workers = [f"worker{index}" for index in range(4)]
    for name in workers:
        make_user(name)
    db.session.add(Tag(name="concurrency"))  # two askers creating one new tag is another race
    db.session.commit()
    start_at = str(time.time() + 4)
    with ThreadPoolExecutor(len(workers)) as pool:
        results = list(pool.map(lambda name: run_script(engine.name, WORKER, name, start_at), workers))
    assert [result.returncode for result in results] == [0] * len(workers), [r.stderr for r in results]
    db.session.commit()
    report = engine.check()
    assert report.expected == 24 and report.is_clean and report.pending == 0, report
    assert engine.search(parse_query("[concurrency] is:answered"), per_page=50).total == 24


def test_renamed_tags_and_promoted_users_are_reindexed(engine):
    ann, bob = make_user("ann"), make_user("bob")
    question = make_question(ann, "Boiler knocks after the service visit", tags="boiler")
    service.answer(bob, question.id, "Bleed the radiators and it stops.")
    accounts.set_role(bob, "expert")
    assert engine.check().is_clean
    question.tags[0].name = "heating"
    db.session.commit()
    assert titles(engine, "[heating]") == [question.title] and engine.check().is_clean


def test_outbox_ids_are_never_reused(app):
    """A drain deletes the batch it read by id: a row queued after the outbox emptied needs an id of its own.

    SQLite gives a new row the highest rowid plus one unless the table says AUTOINCREMENT, so
    without it a slower drain would delete, unindexed, a row that took an id it still held.
    """
    first = SearchOutbox(question_id=1)
    db.session.add(first)
    db.session.commit()
    taken = first.id
    db.session.execute(delete(SearchOutbox))
    db.session.commit()
    second = SearchOutbox(question_id=2)
    db.session.add(second)
    db.session.commit()
    assert second.id > taken
