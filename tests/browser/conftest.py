"""Browser tests: the real app on a real server on a free port, driven by headless Chromium.

Debian's chromium (/usr/bin/chromium, installed by `make setup`) is driven by Playwright;
Playwright's own browser downloads are never used. The server is a second app built like the
production one (its own temporary instance folder) on the test database, so what a test makes
with the factories, inside the `app` fixture's context, the browser sees once committed.

Fixtures for later browser tests: `live_server` (its base URL), `page` (a fresh browser tab),
`sign_in(page, username)`, `screenshot(page, name)` which saves a PNG under
tests/artifacts/screenshots/<database>/ (git-ignored; the two suites of `make test` run at
once), `reindex()` which brings the live server's search index up to date with what the
factories made (on SQLite it has its own Whoosh index), `index_settled()` which waits until it
has indexed what its own requests changed, and `axe(page)` which runs axe-core
(tests/browser/node_modules, installed by `make axe`) in the page.
"""

from __future__ import annotations

import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from forum import create_app
from forum.extensions import db
from tests.conftest import IS_POSTGRES, PASSWORD, TEST_SETTINGS

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
DATABASE = "postgresql" if IS_POSTGRES else "sqlite"
SCREENSHOTS = Path(__file__).resolve().parent.parent / "artifacts" / "screenshots" / DATABASE
AXE = Path(__file__).resolve().parent / "node_modules" / "axe-core" / "axe.min.js"
TIMEOUT_MS = 15_000


@pytest.fixture(scope="session")
def live_app(_app):
    """The app the live server runs (its own instance folder). `_app` has built the schema."""
    instance = tempfile.mkdtemp(prefix="forum-browser-")
    return create_app(
        {
            **TEST_SETTINGS,
            "FORUM_INSTANCE_PATH": instance,
            # every page computed afresh: tests change the data between requests
            "DASHBOARD_CACHE_SECONDS": 0,
        }
    )


def _closing(app):
    """The app, each response's iterable closed once sent even when the browser drops the
    connection: werkzeug's server then reads what is left of the request, and when that read
    fails it never closes the iterable (a static file warns it was left open)."""

    def wsgi(environ, start_response):
        iterable = app(environ, start_response)
        try:
            yield from iterable
        finally:
            if hasattr(iterable, "close"):
                iterable.close()

    return wsgi


@pytest.fixture(scope="session")
def live_server(live_app) -> Iterator[str]:
    """The forum served by werkzeug in a thread; yields its base URL."""
    server_app = live_app
    server = make_server("127.0.0.1", 0, _closing(server_app), threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        with server_app.app_context():
            db.session.remove()
            for engine in db.engines.values():
                engine.dispose()


@pytest.fixture(scope="session")
def browser():
    """Headless Chromium for the whole session."""
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: `make setup` installs Debian's chromium package.")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def page(browser, live_server, app):
    """A fresh tab (own cookies) whose relative URLs go to the live server; test data via `app`."""
    context = browser.new_context(
        base_url=live_server, accept_downloads=True, viewport={"width": 1280, "height": 900}
    )
    context.set_default_timeout(TIMEOUT_MS)
    tab = context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda error: errors.append(str(error)))
    yield tab
    context.close()
    assert errors == [], f"JavaScript errors on the page: {errors}"


@pytest.fixture
def sign_in() -> Callable:
    """Sign a user in through the login form, as a person would."""

    def sign_in(page, username: str, password: str = PASSWORD) -> None:
        page.goto("/login")
        page.fill("#login", username)
        page.fill("#password", password)
        page.click("form.stacked-form button[type=submit]")
        page.wait_for_selector(f".user-link:has-text('{username}')")

    return sign_in


@pytest.fixture
def screenshot() -> Callable:
    """Save a full-page PNG of the tab under tests/artifacts/screenshots/<database>/; returns its path."""

    def screenshot(page, name: str) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return screenshot


@pytest.fixture
def reindex(live_app) -> Callable[[], None]:
    """Rebuild the live server's search index from the database, after the test's commits."""
    from forum.search import get_backend

    def reindex() -> None:
        db.session.commit()
        with live_app.app_context():
            get_backend().rebuild()
            db.session.remove()

    return reindex


@pytest.fixture
def index_settled() -> Callable[[], None]:
    """Wait until the live server has indexed what it queued: it writes the index after answering."""
    from sqlalchemy import func, select

    from forum.models.search import SearchOutbox

    def index_settled() -> None:
        deadline = time.monotonic() + TIMEOUT_MS / 1000
        while db.session.scalar(select(func.count()).select_from(SearchOutbox)):
            db.session.rollback()  # a fresh look next time, and no lock held meanwhile
            assert time.monotonic() < deadline, "the live server left its search outbox undrained"
            time.sleep(0.05)
        db.session.rollback()

    return index_settled


@pytest.fixture(scope="session")
def axe_source() -> str:
    """axe-core's script, from the version pinned in tests/browser/package-lock.json."""
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: `make axe` installs it (npm ci in tests/browser).")
    return AXE.read_text(encoding="utf-8")


@pytest.fixture
def axe(axe_source) -> Callable:
    """Run axe-core on the page as it is; returns its violations ({id, impact, help, nodes})."""

    def axe(page) -> list[dict]:
        if not page.evaluate("() => typeof window.axe === 'object'"):
            page.add_script_tag(content=axe_source)
        return page.evaluate(
            """async () => {
                const results = await window.axe.run(document, {resultTypes: ["violations"]});
                return results.violations.map((violation) => ({
                    id: violation.id, impact: violation.impact, help: violation.help,
                    nodes: violation.nodes.map((node) => ({target: node.target, html: node.html})),
                }));
            }"""
        )

    return axe
