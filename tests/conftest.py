"""Fixtures: one app per test session on SQLite (default) or PostgreSQL (TEST_DATABASE_URL).

The schema is built by the migrations, as in production; every test starts with empty tables.
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

import pytest
from flask import has_app_context
from flask.testing import FlaskClient
from sqlalchemy import event, text

_INSTANCE = Path(tempfile.mkdtemp(prefix="forum-test-"))
os.environ["FORUM_INSTANCE_PATH"] = str(_INSTANCE)
os.environ.pop("DATABASE_URL", None)
os.environ.pop("REDIS_URL", None)

from forum import create_app  # noqa: E402
from forum.extensions import db  # noqa: E402

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL") or f"sqlite:///{_INSTANCE / 'test.db'}"
IS_POSTGRES = TEST_DATABASE_URL.startswith("postgresql")
PASSWORD = "correct horse battery"
_CSRF = re.compile(r'(?:name="csrf_token"[^>]*value|name="csrf-token" content)="([^"]+)"')

TEST_SETTINGS = {
    "TESTING": True,
    "SECRET_KEY": "test-secret",
    "SQLALCHEMY_DATABASE_URI": TEST_DATABASE_URL,
    "PASSWORD_HASH_TIME_COST": 1,
    "PASSWORD_HASH_MEMORY_KIB": 64,
    # the limiter runs (so its storage exists), with limits no ordinary test reaches;
    # tests/test_ratelimits.py puts the real numbers back
    "RATELIMIT_ENABLED": True,
    "LOGIN_LIMIT_PER_ACCOUNT": "100000 per minute",
    "LOGIN_LIMIT_PER_ADDRESS": "100000 per minute",
    "POST_LIMIT_NEW": "100000 per hour",
    "POST_LIMIT": "100000 per hour",
    # page views stay in the worker's buffer until a test writes them (tracking.flush_views),
    # so statement counts never depend on the time a test takes; no popularity refresh thread
    "VIEW_FLUSH_SECONDS": 3600,
    # visitors and members see every change at once (tests/test_caching.py checks the holding)
    "VISITOR_KEY_SECONDS": 0,
    "MEMBER_PAGE_SECONDS": 0,
    "FAQ_REFRESH_MINUTES": 0,
}


class Client(FlaskClient):
    """A test client that fills in the CSRF token of forms, as a browser would.

    Each request runs in its own application context (its own `g` and database session), as
    in production, even though the test itself holds one open for its factories.
    """

    def open(self, *args, **kwargs):
        kwargs.setdefault("buffered", True)  # closes the response, as a server does once it is sent
        with self.application.app_context():
            response = super().open(*args, **kwargs)
        if has_app_context():
            db.session.expire_all()  # what the test loaded before may have changed
        return response

    def csrf_token(self) -> str:
        """A valid token for this client's session, read from a page as a browser would."""
        page = self.get("/login", follow_redirects=True).get_data(as_text=True)
        match = _CSRF.search(page)
        assert match, "no CSRF token on the page"
        return match.group(1)

    def submit(self, url: str, data: dict | None = None, **kwargs):
        """POST a form with a valid CSRF token."""
        return self.post(url, data={"csrf_token": self.csrf_token(), **(data or {})}, **kwargs)


def _reset_schema(app) -> None:
    """Build the schema from the migrations on an empty database."""
    from flask_migrate import upgrade

    with app.app_context():
        if IS_POSTGRES:
            with db.engine.begin() as connection:
                connection.execute(text("DROP SCHEMA public CASCADE"))
                connection.execute(text("CREATE SCHEMA public"))
        upgrade(revision="heads")


@pytest.fixture(scope="session")
def _app():
    app = create_app(TEST_SETTINGS)
    app.test_client_class = Client
    _reset_schema(app)
    yield app
    with app.app_context():
        db.session.remove()
        for engine in db.engines.values():
            engine.dispose()


def _empty_tables() -> None:
    """Delete every row, children first, so the next test starts clean.

    DELETE, not TRUNCATE, on PostgreSQL too: a test leaves a few rows, and truncating 40 tables
    (new files for each) costs ten times as much as deleting them, on every test.
    """
    db.session.rollback()
    for table in reversed(db.metadata.sorted_tables):
        db.session.execute(table.delete())
    db.session.commit()
    from forum.caching import cache
    from forum.faq.tracking import discard_views

    discard_views()
    cache.clear()


@pytest.fixture
def app(_app):
    """The app with an application context and empty tables."""
    with _app.app_context():
        yield _app
        _empty_tables()
        db.session.remove()


@pytest.fixture
def client(app) -> Client:
    return app.test_client()


@pytest.fixture
def statements():
    """SQL statements sent while the test runs (from the moment it asks)."""
    sent: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        sent.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    yield sent
    event.remove(db.engine, "before_cursor_execute", record)


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


# Plain factories: build through the services, as the app does.


def make_user(username: str = "ann", role: str = "member", password: str = PASSWORD):
    """Create an account."""
    from forum.auth import service

    return service.register(username, f"{username}@example.com", password, role=role)


def make_question(
    author,
    title: str = "How do I reset my thermostat password?",
    body: str | None = None,
    tags: str = "account password",
):
    """Ask a question."""
    from forum.questions import service

    return service.ask(author, title, body or "I forgot it and the app keeps asking me for it.", tags)


def make_answer(author, question, body: str = "Hold the dial for ten seconds, then follow the app."):
    """Answer a question."""
    from forum.questions import service

    return service.answer(author, question.id, body)


def grant(user, points: int, days_ago: int = 1) -> None:
    """Give a user reputation through the ledger (dated earlier, so the daily cap ignores it)."""
    from datetime import timedelta

    from forum import reputation
    from forum.clock import utcnow
    from forum.models.reputation import ReputationEvent

    db.session.add(
        ReputationEvent(
            user_id=user.id,
            kind="answer_accepted",
            cause="accepted",
            delta=points,
            created_at=utcnow() - timedelta(days=days_ago),
        )
    )
    reputation.refresh([user.id])
    db.session.commit()


def login(client: Client, username: str, password: str = PASSWORD):
    """Sign in through the login form."""
    response = client.submit("/login", {"login": username, "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)
    return response
