"""Faults the forum survives: the database away for a while, the search index deleted or its disk full.

Killing gunicorn workers in the middle of a burst of posts is in tests/test_fault_workers.py.
"""

from __future__ import annotations

import errno
import gc
import shutil
import socket
import sqlite3
import subprocess
import threading
from contextlib import contextmanager, suppress
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import make_url
from whoosh.filedb.filestore import FileStorage

from forum import create_app
from forum.auth.service import issue_token
from forum.extensions import db
from forum.faq.tracking import discard_views
from forum.models import Question
from forum.models.search import SearchOutbox
from forum.search import get_backend, make_backend, outbox
from tests.conftest import (
    IS_POSTGRES,
    TEST_DATABASE_URL,
    TEST_SETTINGS,
    Client,
    login,
    make_answer,
    make_question,
    make_user,
)
from tests.test_search_support import use_engine

API = "/api/v1"


class Proxy:
    """A TCP relay to the database that can be cut (every connection dropped, new ones closed at once)."""

    def __init__(self, host: str, port: int):
        self.target = (host, port)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.is_up = True
        self._open: list[socket.socket] = []
        self._lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return  # closed
            if not self.is_up:
                client.close()
                continue
            upstream = socket.create_connection(self.target)
            with self._lock:
                self._open += [client, upstream]
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    @staticmethod
    def _pump(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for end in (source, sink):
                with suppress(OSError):
                    end.shutdown(socket.SHUT_RDWR)

    def cut(self) -> None:
        """The database goes away: open connections break, new ones are refused."""
        self.is_up = False
        with self._lock:
            for end in self._open:
                with suppress(OSError):
                    end.shutdown(socket.SHUT_RDWR)
                end.close()
            self._open.clear()

    def restore(self) -> None:
        self.is_up = True

    def close(self) -> None:
        self.cut()
        self.listener.close()


class Outage:
    """Take the database of `app` away and bring it back, in the way its engine allows."""

    def __init__(self, tmp_path: Path):
        if IS_POSTGRES:
            url = make_url(TEST_DATABASE_URL)
            self.proxy = Proxy(url.host or "127.0.0.1", url.port or 5432)
            self.url = url.set(host="127.0.0.1", port=self.proxy.port).render_as_string(hide_password=False)
        else:
            # a copy of the test database in a folder of its own, which goes away and comes back
            self.folder = tmp_path / "database"
            self.folder.mkdir()
            source = make_url(TEST_DATABASE_URL).database
            with sqlite3.connect(source) as original, sqlite3.connect(self.folder / "forum.db") as copy:
                original.backup(copy)
            original.close()
            copy.close()
            self.url = f"sqlite:///{self.folder / 'forum.db'}"
        self.app = None

    def begin(self) -> None:
        if IS_POSTGRES:
            self.proxy.cut()
        else:
            self.folder.rename(self.folder.with_name("away"))
            # the storage went away: the file handles the pool held are gone with it
            with self.app.app_context():
                db.engine.pool.dispose()

    def end(self) -> None:
        if IS_POSTGRES:
            self.proxy.restore()
        else:
            self.folder.with_name("away").rename(self.folder)

    def close(self) -> None:
        if IS_POSTGRES:
            self.proxy.close()


@pytest.fixture
def outage(app, tmp_path):
    """A second app whose database can be taken away; the test's data is committed first."""
    member = make_user("ann")
    question = make_question(member)
    token = issue_token(member)
    db.session.commit()
    fault = Outage(tmp_path)
    fault.app = create_app(
        {**TEST_SETTINGS, "SQLALCHEMY_DATABASE_URI": fault.url, "SEARCH_INDEX_PATH": str(tmp_path / "search")}
    )
    fault.app.test_client_class = Client
    yield fault, question.id, token
    discard_views(fault.app)  # the page views it counted belong to a database about to go
    with fault.app.app_context():
        for engine in db.engines.values():
            engine.dispose()
    fault.close()


def test_database_away_answers_503_and_recovers_by_itself(outage):
    fault, question_id, token = outage
    visitor = fault.app.test_client()
    member = fault.app.test_client()
    login(member, "ann")
    bearer = {"Authorization": f"Bearer {token}"}
    assert visitor.get("/").status_code == 200
    assert member.get(f"/questions/{question_id}", follow_redirects=True).status_code == 200
    csrf_token = member.csrf_token()

    fault.begin()
    for client, path in ((visitor, "/"), (visitor, f"/questions/{question_id}"), (member, "/")):
        response = client.get(path)
        assert response.status_code == 503, response.get_data(as_text=True)
        assert response.headers["Retry-After"]
        assert "Back in a minute" in response.get_data(as_text=True)
    answer = {"csrf_token": csrf_token, "body": "Hold the dial for ten seconds."}
    response = member.post(f"/questions/{question_id}/answers", data=answer)
    assert response.status_code == 503
    for response in (
        visitor.get(f"{API}/questions"),
        visitor.post(
            f"{API}/questions/{question_id}/answers",
            json={"body": "Hold it for ten seconds."},
            headers=bearer,
        ),
    ):
        assert response.status_code == 503
        assert "unavailable" in response.get_json()["error"]

    fault.end()
    assert visitor.get("/").status_code == 200
    page = member.get(f"/questions/{question_id}", follow_redirects=True)
    assert page.status_code == 200 and "ann" in page.get_data(as_text=True)
    response = visitor.post(
        f"{API}/questions/{question_id}/answers",
        json={"body": "Hold the dial for ten seconds."},
        headers=bearer,
    )
    assert response.status_code == 201, response.get_data(as_text=True)


@pytest.mark.skipif(not IS_POSTGRES, reason="a database server's connections; set TEST_DATABASE_URL")
def test_a_pooled_connection_the_server_ended_is_replaced_without_an_error(app, client, monkeypatch):
    """Only a connection whose socket shows the server's goodbye is pinged (and then replaced)."""
    import psycopg

    sent = []
    execute = psycopg.Cursor.execute

    def recorded(cursor, query, *args, **kwargs):
        sent.append(query)
        return execute(cursor, query, *args, **kwargs)

    monkeypatch.setattr(psycopg.Cursor, "execute", recorded)
    db.session.remove()
    db.engine.dispose()  # no connection from an earlier test
    assert client.get("/").status_code == 200
    assert client.get("/").status_code == 200 and "SELECT 1" not in sent  # a live one is not pinged
    db.session.remove()  # every connection back in the pool, idle

    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"]).set(drivername="postgresql")
    with psycopg.connect(url.render_as_string(hide_password=False), autocommit=True) as server:
        others = "FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
        assert server.execute(f"SELECT pg_terminate_backend(pid) {others}").fetchall()
        for _ in range(100):  # the backends end a moment later
            if not server.execute(f"SELECT count(*) {others}").fetchone()[0]:
                break
            threading.Event().wait(0.05)
    sent.clear()
    assert client.get("/").status_code == 200
    assert "SELECT 1" in sent  # the ended one was pinged, failed, and a new one served the page
    sent.clear()
    assert client.get("/").status_code == 200 and "SELECT 1" not in sent


# The search index


@pytest.fixture
def whoosh(app):
    """The Whoosh engine, with an empty index of its own (on either database)."""
    yield from use_engine(app, "whoosh")
    outbox._RetryState.needed = False


def queued() -> int:
    """Rows waiting in the search outbox."""
    return db.session.scalar(select(func.count()).select_from(SearchOutbox))


def queued_questions() -> set[int]:
    """The questions whose index update waits in the outbox."""
    return set(db.session.scalars(select(SearchOutbox.question_id)))


def test_deleted_search_index_degrades_to_a_message_until_reindexed(app, client, runner, whoosh):
    make_user("ann")
    login(client, "ann")
    bearer = {"Authorization": f"Bearer {issue_token(make_user('bob'))}"}
    first = {
        "title": "Why does my thermostat blink red?",
        "body": "It started after the update.",
        "tags": "display",
    }
    assert client.submit("/questions/ask", {**first, "checked_similar": "1"}).status_code == 302
    assert "blink red" in client.get("/search?q=thermostat").get_data(as_text=True)

    shutil.rmtree(app.config["SEARCH_INDEX_PATH"])
    page = client.get("/search?q=thermostat")
    assert page.status_code == 503
    assert "Search is unavailable right now" in page.get_data(as_text=True)
    assert 'name="q" value="thermostat"' in page.get_data(as_text=True)
    for path in ("/search?q=thermostat", "/similar?title=My+thermostat+blinks"):
        response = client.get(API + path)
        assert response.status_code == 503
        assert "Search is unavailable" in response.get_json()["error"]

    # posting still works (the ask page posts without its similar questions); the index
    # updates wait in the outbox
    second = {
        "title": "Can the thermostat run on batteries?",
        "body": "We have power cuts every week.",
        "tags": "power",
    }
    assert client.submit("/questions/ask", second).status_code in (200, 302)
    response = client.submit("/questions/ask", {**second, "checked_similar": "1"})
    assert response.status_code == 302, response.get_data(as_text=True)
    third = {**second, "title": "Can the thermostat run on solar power?"}
    assert client.post(f"{API}/questions", json=third, headers=bearer).status_code == 201
    assert queued() >= 2

    result = runner.invoke(args=["search", "reindex"])
    assert result.exit_code == 0, result.output
    assert queued() == 0
    result = runner.invoke(args=["search", "check"])
    assert result.exit_code == 0, result.output
    found = client.get("/search?q=thermostat").get_data(as_text=True)
    assert all(title in found for title in ("blink red", "batteries", "solar power"))


@contextmanager
def small_disk(folder: Path, size_kib: int):
    """A tmpfs of `size_kib` at `folder`; yields False where mounting is not permitted."""
    folder.mkdir()
    mount = ["mount", "-t", "tmpfs", "-o", f"size={size_kib}k", "tmpfs", str(folder)]
    is_mounted = (
        shutil.which("mount") is not None and subprocess.run(mount, capture_output=True).returncode == 0
    )
    try:
        yield is_mounted
    finally:
        if is_mounted:
            subprocess.run(["umount", "-l", str(folder)], check=True)


@contextmanager
def disk_full(folder: Path, is_tmpfs: bool, monkeypatch):
    """Fill the tmpfs at `folder`, or else make every new index file fail with ENOSPC; then free it."""
    if is_tmpfs:
        filler = folder / "filler"
        with open(filler, "wb", buffering=0) as handle:
            with pytest.raises(OSError) as error:
                while True:
                    handle.write(b"\0" * 4096)
            assert error.value.errno == errno.ENOSPC
        yield
        filler.unlink()
    else:

        def no_space(*args, **kwargs):
            raise OSError(errno.ENOSPC, "No space left on device")

        with monkeypatch.context() as patch:
            patch.setattr(FileStorage, "create_file", no_space)
            yield


# A commit that fails half-way leaves Whoosh's open segment files to the garbage collector, which
# closes them (and says so in a ResourceWarning); the writer's lock is freed at once.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
@pytest.mark.filterwarnings("ignore::ResourceWarning")
def test_full_index_disk_keeps_posting_and_catches_up(app, client, runner, tmp_path, monkeypatch):
    with small_disk(tmp_path / "disk", 1024) as is_tmpfs:
        backend = make_backend(
            {**app.config, "SEARCH_INDEX_PATH": str(tmp_path / "disk" / "search")}, "whoosh"
        )
        monkeypatch.setitem(app.extensions, "search", backend)
        monkeypatch.setattr(outbox._RetryState, "needed", False)
        make_user("ann")
        login(client, "ann")
        bearer = {"Authorization": f"Bearer {issue_token(make_user('bob'))}"}
        ask = {
            "body": "It started after the firmware update last night.",
            "tags": "display",
            "checked_similar": "1",
        }
        response = client.submit("/questions/ask", {**ask, "title": "Why does my thermostat blink red?"})
        assert response.status_code == 302 and queued() == 0

        with disk_full(tmp_path / "disk", is_tmpfs, monkeypatch):
            for title in ("Can the thermostat run on batteries?", "Does the thermostat need a neutral wire?"):
                assert client.submit("/questions/ask", {**ask, "title": title}).status_code == 302
            first, second, third = db.session.scalars(select(Question.id).order_by(Question.id)).all()
            answer = {"body": "Yes, two AA batteries keep it running for a year."}
            response = client.post(f"{API}/questions/{second}/answers", json=answer, headers=bearer)
            assert response.status_code == 201
            assert queued_questions() == {second, third}  # kept for later, not lost
            # what the index had is still found
            assert "blink red" in client.get("/search?q=thermostat").get_data(as_text=True)

        # space is back: the next post applies everything that waited
        response = client.submit("/questions/ask", {**ask, "title": "Can the thermostat show Celsius?"})
        assert response.status_code == 302
        assert queued() == 0
        found = client.get("/search?q=thermostat").get_data(as_text=True)
        assert all(word in found for word in ("blink red", "batteries", "neutral wire", "Celsius"))
        result = runner.invoke(args=["search", "check"])
        assert result.exit_code == 0, result.output
        backend.close()  # its searchers' files live on the disk about to be unmounted
        gc.collect()
        if not is_tmpfs:
            pytest.skip("mount -t tmpfs is not permitted here: ENOSPC was injected instead (the test passed)")


def test_votes_reach_the_index(app, client):
    """A vote sets the score in SQL (concurrent votes all count); the index still hears of it."""
    from forum.votes import service as votes

    ann, bob, cy = make_user("ann"), make_user("bob", role="expert"), make_user("cy", role="expert")
    question = make_question(ann)
    votes.vote(bob, question.id, 1)
    assert get_backend().check().is_clean
    make_answer(bob, question, "Hold the dial for ten seconds, then pair it again.")
    second = make_answer(cy, question, "Reset it from the settings page of the app.")
    votes.vote(bob, second.id, 1)  # the answers of the question's document change order
    assert get_backend().check().is_clean
