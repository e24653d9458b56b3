"""Dashboard latency at growing numbers of posts, on SQLite and PostgreSQL.

    .venv/bin/python bench/dashboard.py [--sizes 10000,1000000] [--databases sqlite,postgres]
        [--requests 20]

For each database and size: a fresh instance (SQLite in a temp dir; a scratch PostgreSQL
database, created and dropped here, on 127.0.0.1:5432 as postgres, override with
BENCH_PG_SERVER), migrated, then filled with plain rows by bulk inserts (executemany of
dictionaries, 20,000 rows a batch; bodies of 600 characters): a twentieth as many users as
posts, 30% questions over the last two years with 1-3 of 40 tags, 70% answers arriving an
exponentially distributed time after their question (mean 18 h), 3% of answers and 2% of
questions deleted, 40% of answered questions with an accepted answer, the reputation events
of those acceptances and of an upvote on half the answers, and ask-page sessions that opened
a similar question. Then an admin's GET /dashboard (the whole HTML page, cache off) is timed:
the default 28 days, 365 days, and 28 days with a tag. Each case: 2 untimed requests, then
--requests timed ones.
Progress goes to stderr, the table to stdout.
"""

from __future__ import annotations

import argparse
import math
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PG_SERVER = os.environ.get("BENCH_PG_SERVER", "postgresql+psycopg://postgres@127.0.0.1:5432")
PG_DATABASE = "forum_dashboard_bench"
CHUNK = 20_000
SEED = 20260328
TAGS = 40
DAYS = 730
# about the size of a real post (Stack Exchange bodies average around 1 kB), so rows weigh what they will
BODY = ("The thermostat loses its schedule after every firmware update and I have to set it again. " * 7)[
    :600
]
BODY_HTML = f"<p>{BODY}</p>" + "<p><code>settings &gt; schedule</code></p>" * 2


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# -- instances -----------------------------------------------------------------------------------


def _psql_args() -> list[str]:
    from sqlalchemy.engine import make_url

    url = make_url(PG_SERVER)
    return ["-h", url.host or "127.0.0.1", "-p", str(url.port or 5432), "-U", url.username or "postgres"]


def fresh_database(kind: str, instance: Path) -> str:
    """An empty database of the kind; returns its URL."""
    if kind == "sqlite":
        return f"sqlite:///{instance / 'forum.db'}"
    subprocess.run(["dropdb", *_psql_args(), "--if-exists", PG_DATABASE], check=True, capture_output=True)
    subprocess.run(["createdb", *_psql_args(), PG_DATABASE], check=True, capture_output=True)
    return f"{PG_SERVER}/{PG_DATABASE}"


def drop_database(kind: str) -> None:
    if kind == "postgres":
        command = ["dropdb", *_psql_args(), "--if-exists", PG_DATABASE]
        subprocess.run(command, check=False, capture_output=True)


def make_app(instance: Path, database_url: str):
    """The forum on a temp instance folder, schema migrated, dashboard cache off."""
    os.environ["FORUM_INSTANCE_PATH"] = str(instance)
    os.environ.pop("DATABASE_URL", None)
    os.environ.pop("REDIS_URL", None)
    from flask_migrate import upgrade

    from forum import create_app

    app = create_app(
        {
            "SECRET_KEY": "bench",
            "SQLALCHEMY_DATABASE_URI": database_url,
            "RATELIMIT_ENABLED": False,
            "DASHBOARD_CACHE_SECONDS": 0,
        }
    )
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"), revision="heads")
    return app


# -- data ----------------------------------------------------------------------------------------


def _insert(connection, table, rows: list[dict]) -> None:
    """Plain rows in batches: one executemany per CHUNK rows."""
    for start in range(0, len(rows), CHUNK):
        connection.execute(table.insert(), rows[start : start + CHUNK])


def fill(app, size: int, now: datetime) -> int:
    """Bulk-insert a community of `size` posts; returns the admin's id."""
    from sqlalchemy import bindparam, text

    from forum.extensions import db
    from forum.models import question_tags

    metadata = db.metadata
    users, tags, posts = metadata.tables["users"], metadata.tables["tags"], metadata.tables["posts"]
    events, similar = metadata.tables["reputation_events"], metadata.tables["similar_events"]
    rng = random.Random(SEED)
    span = DAYS * 86400

    def moment(seconds_ago: float) -> datetime:
        return now - timedelta(seconds=seconds_ago)

    with app.app_context(), db.engine.begin() as connection:
        user_count = max(60, size // 20)
        roles = ["admin"] + ["moderator"] * 4 + ["expert"] * 20
        _insert(
            connection,
            users,
            [
                {
                    "id": index,
                    "username": f"user{index}",
                    "username_key": f"user{index}",
                    "email": f"user{index}@example.com",
                    "password_hash": "not-a-hash",
                    "role": roles[index - 1] if index <= len(roles) else "member",
                    "reputation": 1,
                    "about": "",
                    "login_token": f"login{index}",
                    "created_at": moment(rng.uniform(0, span)),
                }
                for index in range(1, user_count + 1)
            ],
        )
        _insert(connection, tags, [{"id": index, "name": f"topic-{index}"} for index in range(1, TAGS + 1)])
        log(f"  {user_count:,} users, {TAGS} tags")

        question_count = int(size * 0.3)
        answer_count = size - question_count
        asked_ago = [rng.uniform(0, span) for _ in range(question_count)]
        askers = [rng.randint(1, user_count) for _ in range(question_count)]
        question_deleted = [rng.random() < 0.02 for _ in range(question_count)]
        for start in range(0, question_count, CHUNK * 5):
            rows, tag_rows = [], []
            for index in range(start, min(start + CHUNK * 5, question_count)):
                created = moment(asked_ago[index])
                rows.append(
                    {
                        "id": index + 1,
                        "type": "question",
                        "author_id": askers[index],
                        "title": f"Question number {index} about a thermostat",
                        "body": BODY,
                        "body_html": BODY_HTML,
                        "created_at": created,
                        "last_activity_at": created,
                        "status": "closed" if rng.random() < 0.05 else "open",
                        "deleted_at": created + timedelta(hours=1) if question_deleted[index] else None,
                    }
                )
                for tag_id in rng.sample(range(1, TAGS + 1), rng.randint(1, 3)):
                    tag_rows.append({"question_id": index + 1, "tag_id": tag_id})
            _insert(connection, posts, rows)
            _insert(connection, question_tags, tag_rows)
        log(f"  {question_count:,} questions")

        first_answer: dict[int, tuple[float, int, int]] = {}  # question -> (seconds ago, answer id, author)
        event_rows: list[dict] = []
        for start in range(0, answer_count, CHUNK * 5):
            rows = []
            for offset in range(start, min(start + CHUNK * 5, answer_count)):
                answer_id = question_count + offset + 1
                question = rng.randrange(question_count)
                ago = max(asked_ago[question] - rng.expovariate(1 / (18 * 3600)), 0.0)
                author = rng.randint(1, user_count)
                deleted = rng.random() < 0.03
                created = moment(ago)
                rows.append(
                    {
                        "id": answer_id,
                        "type": "answer",
                        "question_id": question + 1,
                        "author_id": author,
                        "body": BODY,
                        "body_html": BODY_HTML,
                        "created_at": created,
                        "deleted_at": moment(ago / 2) if deleted else None,
                    }
                )
                if not deleted and author != askers[question]:
                    best = first_answer.get(question)
                    if best is None or ago > best[0]:
                        first_answer[question] = (ago, answer_id, author)
                if not deleted and rng.random() < 0.5:
                    event_rows.append(
                        {
                            "user_id": author,
                            "post_id": answer_id,
                            "kind": "answer_upvoted",
                            "cause": "vote",
                            "delta": 10,
                            "created_at": moment(max(ago - 3600, 0)),
                        }
                    )
            _insert(connection, posts, rows)
            log(f"  {start + len(rows):,} answers")

        accepted = []
        for question, (ago, answer_id, author) in first_answer.items():
            if rng.random() < 0.4:
                accepted.append({"question": question + 1, "answer": answer_id})
                when = moment(max(ago - 7200, 0))
                event_rows.append(
                    {
                        "user_id": author,
                        "post_id": answer_id,
                        "kind": "answer_accepted",
                        "cause": "accepted",
                        "delta": 15,
                        "created_at": when,
                    }
                )
                event_rows.append(
                    {
                        "user_id": askers[question],
                        "post_id": question + 1,
                        "kind": "accepted_by_asker",
                        "cause": "accepted",
                        "delta": 2,
                        "created_at": when,
                    }
                )
        statement = (
            posts.update()
            .where(posts.c.id == bindparam("question"))
            .values(accepted_answer_id=bindparam("answer"))
        )
        for start in range(0, len(accepted), CHUNK):
            connection.execute(statement, accepted[start : start + CHUNK])
        _insert(connection, events, event_rows)
        log(f"  {len(accepted):,} accepted answers, {len(event_rows):,} reputation events")

        similar_rows = []
        for session in range(size // 40):
            ago = rng.uniform(0, span)
            token = f"bench-session-{session:012d}"
            similar_rows.append(
                {
                    "kind": "suggestion_opened",
                    "ask_token": token,
                    "question_id": rng.randint(1, question_count),
                    "created_at": moment(ago),
                }
            )
            if rng.random() < 0.3:
                similar_rows.append(
                    {
                        "kind": "posted_anyway",
                        "ask_token": token,
                        "question_id": rng.randint(1, question_count),
                        "created_at": moment(max(ago - 300, 0)),
                    }
                )
        _insert(connection, similar, similar_rows)
        log(f"  {len(similar_rows):,} similar-question events")
        if connection.dialect.name == "postgresql":
            for table in ("users", "tags", "posts", "reputation_events", "similar_events"):
                connection.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                        f"(SELECT coalesce(max(id), 1) FROM {table}))"
                    )
                )
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
                connection.execute(text("VACUUM ANALYZE"))  # what autovacuum would have done by now
    return 1


# -- timing --------------------------------------------------------------------------------------


def percentile(values: list[float], fraction: float) -> float:
    """Nearest rank, as the dashboard computes its own."""
    ordered = sorted(values)
    return ordered[max(math.ceil(fraction * len(ordered)), 1) - 1]


def time_requests(app, admin_id: int, query: str, requests: int) -> tuple[float, float, int]:
    """(p50 ms, p99 ms, SQL statements per request) of an admin's GET /dashboard?query."""
    from sqlalchemy import event

    from forum.extensions import db

    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = f"{admin_id}:login{admin_id}"
        session["_fresh"] = True
    statements: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    with app.app_context():
        engine = db.engine
    for _ in range(2):
        response = client.get(f"/dashboard?{query}")
        assert response.status_code == 200, response.get_data(as_text=True)[:500]
    timings = []
    event.listen(engine, "before_cursor_execute", record)
    try:
        for _ in range(requests):
            started = time.perf_counter()
            response = client.get(f"/dashboard?{query}")
            timings.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", record)
    return percentile(timings, 0.5), percentile(timings, 0.99), round(len(statements) / requests)


def run(kind: str, size: int, requests: int) -> list[tuple]:
    from forum.clock import utcnow

    instance = Path(tempfile.mkdtemp(prefix="forum-dashboard-bench-"))
    url = fresh_database(kind, instance)
    try:
        app = make_app(instance, url)
        now = utcnow()
        log(f"{kind}, {size:,} posts: filling")
        started = time.perf_counter()
        admin_id = fill(app, size, now)
        fill_seconds = time.perf_counter() - started
        log(f"  filled in {fill_seconds:.0f} s")
        today = now.date()
        cases = [
            ("28 days", ""),
            ("365 days", f"from={(today - timedelta(days=364)).isoformat()}&to={today.isoformat()}"),
            ("28 days, tag", "tag=topic-7"),
        ]
        rows = []
        for label, query in cases:
            p50, p99, statements = time_requests(app, admin_id, query, requests)
            log(f"  {label}: p50 {p50:.0f} ms, p99 {p99:.0f} ms, {statements} statements")
            rows.append((kind, size, label, p50, p99, statements, fill_seconds))
        with app.app_context():
            from forum.extensions import db

            db.session.remove()
            db.engine.dispose()
        return rows
    finally:
        drop_database(kind)
        shutil.rmtree(instance, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10000,1000000", help="posts, comma-separated")
    parser.add_argument("--databases", default="sqlite,postgres", help="sqlite, postgres or both")
    parser.add_argument("--requests", type=int, default=20, help="timed requests per case")
    options = parser.parse_args()
    sizes = [int(size) for size in options.sizes.split(",")]
    kinds = [kind.strip() for kind in options.databases.split(",")]
    rows = [row for kind in kinds for size in sizes for row in run(kind, size, options.requests)]
    print("| database | posts | range | p50 ms | p99 ms | SQL statements per request | fill s |")
    print("|----------|-------|-------|--------|--------|----------------------------|--------|")
    for kind, size, label, p50, p99, statements, fill_seconds in rows:
        print(f"| {kind} | {size:,} | {label} | {p50:.0f} | {p99:.0f} | {statements} | {fill_seconds:.0f} |")


if __name__ == "__main__":
    main()
