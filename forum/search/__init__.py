"""Full-text search behind one interface: Whoosh by default, PostgreSQL's own when it is the database."""

from __future__ import annotations

import os

from flask import Flask, current_app
from sqlalchemy.engine import make_url

from forum.search.backend import SearchBackend

BACKENDS = ("whoosh", "postgres")


def make_backend(config, name: str | None = None) -> SearchBackend:
    """The engine named, or by SEARCH_BACKEND ("auto": PostgreSQL's when the database is PostgreSQL)."""
    name = name or config["SEARCH_BACKEND"]
    if name == "auto":
        is_postgres = make_url(config["SQLALCHEMY_DATABASE_URI"]).get_backend_name() == "postgresql"
        name = "postgres" if is_postgres else "whoosh"
    if name == "postgres":
        from forum.search.postgres_backend import PostgresBackend

        return PostgresBackend(config)
    if name == "whoosh":
        from forum.search.whoosh_backend import WhooshBackend

        return WhooshBackend(config)
    raise ValueError(f"SEARCH_BACKEND must be one of auto, {', '.join(BACKENDS)}; not {name!r}.")


def init_search(app: Flask) -> None:
    """Pick the engine, hook the outbox to the session, and apply what a previous run left queued."""
    from forum.search import outbox

    app.config.setdefault("SEARCH_BACKEND", "auto")
    app.config.setdefault("SEARCH_INDEX_PATH", os.path.join(app.config["FORUM_INSTANCE_PATH"], "search"))
    # Workers take turns at the index's write lock, a turn taking tens of milliseconds; while
    # `flask search reindex` holds it, a write waits this long, then leaves its change queued
    app.config.setdefault("SEARCH_WRITER_TIMEOUT", 5.0)
    app.config.setdefault("SEARCH_WRITER_DELAY", 0.05)
    app.extensions["search"] = make_backend(app.config)
    outbox.listen()
    outbox.drain_at_start(app)


def get_backend() -> SearchBackend:
    """The app's search engine."""
    return current_app.extensions["search"]
