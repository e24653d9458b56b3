"""Helpers the search tests share (no tests here): the engines, and scripts in other processes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

from forum.search import make_backend
from forum.search.query import parse_query
from tests.conftest import IS_POSTGRES, TEST_SETTINGS

ROOT = Path(__file__).resolve().parent.parent
# PostgreSQL's engine needs PostgreSQL: the SQLite run tests Whoosh, the PostgreSQL run both
ENGINES = ["whoosh", "postgres"] if IS_POSTGRES else ["whoosh"]


def use_engine(app, name: str):
    """Make `name` the app's engine, empty, for one test (fixture body)."""
    previous = app.extensions["search"]
    backend = make_backend(app.config, name)
    backend.clear()
    app.extensions["search"] = backend
    yield backend
    backend.clear()
    backend.close()
    app.extensions["search"] = previous


def titles(backend, text: str, **options) -> list[str]:
    """Titles of the first page of results, in order."""
    return [hit.title for hit in backend.search(parse_query(text), **options).items]


def run_script(engine: str, code: str, *arguments: str, timeout: float = 120) -> subprocess.CompletedProcess:
    """Run Python in a new process with an app on the test database and index (a worker)."""
    settings = {**TEST_SETTINGS, "SEARCH_BACKEND": engine}
    prelude = textwrap.dedent(
        """
        import json, os, sys
        from forum import create_app
        from forum.extensions import db
        app = create_app(json.loads(os.environ["SEARCH_TEST_SETTINGS"]))
        """
    )
    environment = {**os.environ, "SEARCH_TEST_SETTINGS": json.dumps(settings)}
    return subprocess.run(
        [sys.executable, "-c", prelude + textwrap.dedent(code), *arguments],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
