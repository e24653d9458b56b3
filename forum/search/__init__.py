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

    # the index follows the instance folder unless a setting names another place
    app.config.setdefault("SEARCH_INDEX_PATH", os.path.join(app.config["FORUM_INSTANCE_PATH"], "search"))
    app.extensions["search"] = make_backend(app.config)
    outbox.listen()
    outbox.drain_at_start(app)


def get_backend() -> SearchBackend:
    """The app's search engine."""
    return current_app.extensions["search"]
