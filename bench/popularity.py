"""How long `flask faq refresh` and a batch of page views take as the forum grows.

    .venv/bin/python bench/popularity.py [--sizes 10000,100000] [--database-url URL]

For each size: a fresh SQLite instance in a temp dir (or the empty database at --database-url,
whose tables are emptied first), migrated, then filled by bulk inserts: that many questions
over the last two years, five visitor-days of page views per question over the last 90 days,
a search click on every second question and an opened similar suggestion on every tenth. Then
`popularity.refresh()` is timed (twice: the first writes every row, the second updates them),
and `tracking.write_views()` with VIEW_FLUSH_SIZE (500) new views, then the same 500 again
(all repeats). Progress goes to stderr, the table to stdout.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
CHUNK = 20_000
SEED = 20261126


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def fill(size: int) -> None:
    """Questions and their signals, by bulk inserts."""
    from sqlalchemy import insert

    from forum.extensions import db
    from forum.models import Post, User
    from forum.models.faq import PageView, SearchEvent
    from forum.models.search import SimilarEvent

    random.seed(SEED)
    now = datetime.now().replace(microsecond=0)
    db.session.execute(
        insert(User),
        [{"username": "bench", "username_key": "bench", "email": "bench@example.com", "password_hash": "x"}],
    )
    user_id = db.session.scalar(db.select(User.id))
    rows, views, clicks, similar = [], [], [], []
    for index in range(1, size + 1):
        created = now - timedelta(minutes=random.randrange(2 * 365 * 24 * 60))
        rows.append(
            {
                "id": index,
                "type": "question",
                "author_id": user_id,
                "title": f"Question number {index} about the thermostat",
                "body": "A question body.",
                "body_html": "<p>A question body.</p>",
                "score": random.randrange(-1, 8),
                "created_at": created,
                "last_activity_at": created,
                "follower_count": random.randrange(0, 4),
                "answer_count": random.randrange(0, 4),
            }
        )
        for visitor in range(5):
            day = (now - timedelta(days=random.randrange(90))).date()
            views.append(
                {"kind": "question", "target_id": index, "day": day, "visitor": f"c:{index}-{visitor}"}
            )
        if index % 2 == 0:
            clicks.append(
                {
                    "kind": "click",
                    "visitor": "u:1",
                    "query": "thermostat",
                    "question_id": index,
                    "created_at": now,
                }
            )
        if index % 10 == 0:
            similar.append(
                {"kind": "suggestion_opened", "ask_token": "a" * 22, "question_id": index, "created_at": now}
            )
    for model, data in ((Post, rows), (PageView, views), (SearchEvent, clicks), (SimilarEvent, similar)):
        for start in range(0, len(data), CHUNK):
            db.session.execute(insert(model.__table__), data[start : start + CHUNK])
    db.session.commit()


def timed(function) -> tuple[float, object]:
    started = time.perf_counter()
    result = function()
    return time.perf_counter() - started, result


def run(size: int, database_url: str | None) -> dict[str, float]:
    instance = Path(tempfile.mkdtemp(prefix="forum-popularity-bench-"))
    os.environ["FORUM_INSTANCE_PATH"] = str(instance)
    from flask_migrate import upgrade
    from sqlalchemy import text

    from forum import create_app
    from forum.extensions import db
    from forum.faq import popularity, tracking

    settings = {"SECRET_KEY": "bench", "FAQ_REFRESH_MINUTES": 0}
    if database_url:
        settings["SQLALCHEMY_DATABASE_URI"] = database_url
    app = create_app(settings)
    try:
        with app.app_context():
            if database_url:
                with db.engine.begin() as connection:
                    connection.execute(text("DROP SCHEMA public CASCADE"))
                    connection.execute(text("CREATE SCHEMA public"))
            upgrade(directory=str(ROOT / "migrations"))
            log(f"{size:,} questions: filling")
            fill(size)
            log("refreshing")
            first, count = timed(popularity.refresh)
            second, _ = timed(popularity.refresh)
            assert count == size
            today = datetime.now().date()
            batch = [("question", 1 + index % size, today, f"u:{index}") for index in range(500)]
            new_views, _ = timed(lambda: tracking.write_views(batch))
            repeats, _ = timed(lambda: tracking.write_views(batch))
            db.session.remove()
            return {"first": first, "second": second, "new_views": new_views, "repeats": repeats}
    finally:
        with app.app_context():
            for engine in db.engines.values():
                engine.dispose()
        shutil.rmtree(instance, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--database-url", default=None, help="an empty scratch database (emptied here)")
    arguments = parser.parse_args()
    database = "PostgreSQL" if arguments.database_url else "SQLite"
    print("| database | questions | refresh (first) | refresh (again) | 500 new views | 500 repeats |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for size in (int(value) for value in arguments.sizes.split(",")):
        result = run(size, arguments.database_url)
        print(
            f"| {database} | {size:,} | {result['first']:.2f} s | {result['second']:.2f} s "
            f"| {result['new_views'] * 1000:.0f} ms | {result['repeats'] * 1000:.0f} ms |",
            flush=True,
        )


if __name__ == "__main__":
    main()
