"""Gunicorn workers killed (SIGKILL) in the middle of a burst of posts and votes lose nothing acknowledged.

The server runs with the production config (gunicorn.conf.py, 2 sync workers) from a fresh
instance folder, on SQLite or on a PostgreSQL database of its own. Client threads ask, answer
and vote through the API while two workers are killed as they serve; afterwards every post and
vote acknowledged (201/200) is in the database, and after the whole server restarts the search
index matches it (`flask search check` exits 0).
"""

from __future__ import annotations

import http.client
import json
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url

from forum.models import Post
from forum.models.reputation import Vote
from tests.conftest import IS_POSTGRES, TEST_DATABASE_URL
from tests.test_server import free_port

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
CLIENTS = 4
# acknowledged posts between the kills, and after the second
POSTS_BETWEEN_KILLS = 15
KILLS = 2
SETUP = """
import json
from flask_migrate import upgrade
from forum import create_app
from forum.auth.service import issue_token, register
from forum.questions.service import ask

app = create_app()
with app.app_context():
    upgrade(revision="heads")
    users = [register(f"user{n}", f"user{n}@example.com", "correct horse battery", role="expert")
             for n in range(%d)]
    question = ask(users[0], "How do I reset my thermostat password?",
                   "I forgot it and the app keeps asking me for it.", "account password")
    print(json.dumps({"tokens": [issue_token(user) for user in users], "question": question.id}))
"""


@contextmanager
def server_database():
    """The server's DATABASE_URL: a PostgreSQL database made for the test, or None (SQLite)."""
    if not IS_POSTGRES:
        yield None
        return
    url = make_url(TEST_DATABASE_URL)
    name = f"{url.database}_workers_{uuid.uuid4().hex[:8]}"
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


class Server:
    """gunicorn -c gunicorn.conf.py wsgi:app on a free port."""

    def __init__(self, env: dict[str, str]):
        self.port = free_port()
        self.env = {**env, "GUNICORN_BIND": f"127.0.0.1:{self.port}", "GUNICORN_WORKERS": "2"}
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [BIN / "gunicorn", "-c", "gunicorn.conf.py", "wsgi:app"],
            cwd=ROOT,
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(300):
            try:
                status, _ = self.request("GET", "/api/v1/questions")
                if status == 200 and len(self.workers()) == 2:
                    return
            except OSError:
                pass
            time.sleep(0.1)
        raise AssertionError("gunicorn did not start")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=30)

    def workers(self) -> list[int]:
        """The worker processes: the children of the gunicorn master."""
        children = []
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    stat = (entry / "stat").read_text()
                except OSError:
                    continue
                parent = int(stat.rsplit(")", 1)[1].split()[1])
                if parent == self.process.pid:
                    children.append(int(entry.name))
        return children

    def serving(self, client_ports: set[int]) -> int | None:
        """The worker holding the connection of one of these clients, nothing sent back yet, if any.

        Read from /proc: the server's end of each connection (its inode, then the worker holding
        it) and the client's (bytes received and not yet read).
        """
        server_ends, waiting = {}, set()
        for table in ("/proc/net/tcp", "/proc/net/tcp6"):
            for line in Path(table).read_text().splitlines()[1:]:
                fields = line.split()
                local = int(fields[1].rsplit(":", 1)[1], 16)
                remote = int(fields[2].rsplit(":", 1)[1], 16)
                if fields[3] != "01":  # established
                    continue
                if local == self.port and remote in client_ports:
                    server_ends[remote] = f"socket:[{fields[9]}]"
                elif local in client_ports and remote == self.port and int(fields[4].split(":")[1], 16) == 0:
                    waiting.add(local)
        inodes = {inode for port, inode in server_ends.items() if port in waiting}
        for worker in self.workers():
            try:
                descriptors = list(Path(f"/proc/{worker}/fd").iterdir())
            except OSError:
                continue
            for descriptor in descriptors:
                try:
                    if os.readlink(descriptor) in inodes:
                        return worker
                except OSError:
                    continue
        return None

    def request(
        self,
        method: str,
        path: str,
        body: dict | None = None,
        token: str | None = None,
        in_flight: set[int] | None = None,
    ):
        """One request on its own connection; until its answer begins, its local port is in `in_flight`."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        port = None
        try:
            if in_flight is not None:
                connection.connect()
                port = connection.sock.getsockname()[1]
                in_flight.add(port)
            headers = {"Content-Type": "application/json"}
            if token:
                headers["Authorization"] = f"Bearer {token}"
            connection.request(
                method, path, body=json.dumps(body) if body is not None else None, headers=headers
            )
            if in_flight is not None:
                connection.sock.recv(1, socket.MSG_PEEK)  # until the answer begins
                in_flight.discard(port)
            response = connection.getresponse()
            return response.status, response.read()
        finally:
            if in_flight is not None:
                in_flight.discard(port)
            connection.close()


class Burst:
    """Client threads asking, answering and voting; what the server acknowledged, and what broke."""

    def __init__(self, server: Server, tokens: list[str], question_id: int):
        self.server = server
        self.tokens = tokens
        self.questions = [question_id]
        self.answers: list[int] = []
        self.votes: set[tuple[int, int]] = set()  # (client, post)
        self.dropped = 0  # requests whose connection died with a worker
        self.in_flight: set[int] = set()  # client ports of requests not yet answered
        self.other: list[int] = []
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.threads = [
            threading.Thread(target=self._client, args=(n,), daemon=True) for n in range(len(tokens))
        ]

    @property
    def acknowledged_posts(self) -> int:
        return len(self.questions) + len(self.answers)

    def _client(self, number: int) -> None:
        chance = random.Random(number)
        token = self.tokens[number]
        step = 0
        while not self.stop.is_set():
            step += 1
            action = chance.choice(("ask", "answer", "answer", "vote", "vote"))
            with self.lock:
                question_id = chance.choice(self.questions)
                posts = self.questions + self.answers
            try:
                if action == "ask":
                    status, body = self.server.request(
                        "POST",
                        "/api/v1/questions",
                        {
                            "title": f"Thermostat question {number}-{step}: why does it blink?",
                            "body": "It blinks red after every firmware update; the manual says nothing.",
                            "tags": ["thermostat"],
                        },
                        token,
                        self.in_flight,
                    )
                    if status == 201:
                        with self.lock:
                            self.questions.append(json.loads(body)["id"])
                elif action == "answer":
                    status, body = self.server.request(
                        "POST",
                        f"/api/v1/questions/{question_id}/answers",
                        {"body": f"Hold the dial for ten seconds, then pair it again ({number}-{step})."},
                        token,
                        self.in_flight,
                    )
                    if status == 201:
                        with self.lock:
                            self.answers.append(json.loads(body)["id"])
                else:
                    post_id = chance.choice(posts)
                    status, _ = self.server.request(
                        "POST", f"/api/v1/posts/{post_id}/vote", {"value": 1}, token, self.in_flight
                    )
                    if status == 200:
                        with self.lock:
                            self.votes.add((number, post_id))
                if status >= 500 or status not in (200, 201, 403, 422):
                    with self.lock:
                        self.other.append(status)
            except (ConnectionError, http.client.HTTPException):
                with self.lock:
                    self.dropped += 1

    def kill_a_serving_worker(self) -> int:
        """SIGKILL a worker in the middle of a request: it holds a client's connection, unanswered.

        Not merely a busy worker: once it has answered, a worker may still be writing the search
        index, and killing it then cuts no request. The worker is stopped (SIGSTOP) while that is
        checked again, so it cannot answer between the check and the kill.
        """
        for _ in range(1000):
            victim = self.server.serving(self.in_flight.copy())
            if victim is not None:
                os.kill(victim, signal.SIGSTOP)
                if self.server.serving(self.in_flight.copy()) == victim:
                    os.kill(victim, signal.SIGKILL)
                    return victim
                os.kill(victim, signal.SIGCONT)
            time.sleep(0.005)
        raise AssertionError("no worker was serving a request")

    def wait_for_posts(self, count: int) -> None:
        for _ in range(3000):
            if self.acknowledged_posts >= count:
                return
            time.sleep(0.02)
        raise AssertionError(f"only {self.acknowledged_posts} posts acknowledged")


def test_killed_workers_lose_no_acknowledged_post(tmp_path):
    with server_database() as database_url:
        env = {
            **os.environ,
            "FORUM_INSTANCE_PATH": str(tmp_path),
            "FLASK_APP": "wsgi",
            "PASSWORD_HASH_TIME_COST": "1",
            "PASSWORD_HASH_MEMORY_KIB": "64",
            # the burst is far above the posting limits, which are not what this tests
            "RATELIMIT_ENABLED": "0",
        }
        env.pop("DATABASE_URL", None)
        if database_url:
            env["DATABASE_URL"] = database_url
        setup = subprocess.run(
            [sys.executable, "-c", SETUP % CLIENTS],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert setup.returncode == 0, setup.stderr
        seeded = json.loads(setup.stdout.strip().splitlines()[-1])

        server = Server(env)
        server.start()
        burst = Burst(server, seeded["tokens"], seeded["question"])
        killed = []
        try:
            for thread in burst.threads:
                thread.start()
            for _ in range(KILLS):
                burst.wait_for_posts(POSTS_BETWEEN_KILLS * (len(killed) + 1))
                killed.append(burst.kill_a_serving_worker())
                time.sleep(0.2)  # the client of a request cut short hears it at once
            burst.wait_for_posts(POSTS_BETWEEN_KILLS * (len(killed) + 1))
        finally:
            burst.stop.set()
            for thread in burst.threads:
                thread.join(timeout=60)
            server.stop()

        assert len(killed) == KILLS and not set(killed) & set(server.workers())
        assert burst.dropped >= KILLS, "a kill cut no request short"
        assert not burst.other, burst.other
        engine = create_engine(database_url or f"sqlite:///{tmp_path / 'forum.db'}")
        with engine.connect() as connection:
            stored = set(connection.scalars(select(Post.id)))
            voted = set(connection.execute(select(Vote.user_id, Vote.post_id)).tuples())
        engine.dispose()
        assert set(burst.questions) <= stored
        assert set(burst.answers) <= stored
        # users were created first: client n is user n + 1
        assert {(number + 1, post_id) for number, post_id in burst.votes} <= voted

        restarted = Server(env)
        restarted.start()
        try:
            check = subprocess.run(
                [BIN / "flask", "search", "check"],
                cwd=ROOT,
                env=env,
                capture_output=True,
                text=True,
                timeout=120,
            )
        finally:
            restarted.stop()
        assert check.returncode == 0, check.stdout + check.stderr
