"""Search latency (search() and similar(), p50/p95) and reindex throughput, on both engines.

    .venv/bin/python bench/search_speed.py [--engine whoosh|postgres|both] [--sizes 10000,100000]
        [--data ../shared/data]

For each engine and size: a fresh temporary instance (SQLite in a temp dir for Whoosh, a
scratch PostgreSQL database, created and dropped here, for the PostgreSQL engine), migrated,
every dump in --data imported with the project's importer, then replicated up to the size with
bulk inserts of varied copies (each copy of a question and its answers gets its title's words
shuffled or a suffix added, its body's sentences rotated, so the index holds distinct
documents). Then `rebuild()` (reindex throughput, questions a second) and a mix of 200 real
queries drawn from the dumps: 100 whole titles, 50 title fragments (2-4 consecutive words), 50
tag and operator queries ([tag], tag:, is:answered, has:accepted, score:>=, -word); similar()
is asked with 200 real titles and bodies. Each call is timed alone, warm (after 10 untimed
calls), in one process.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from search_relevance import (  # noqa: E402
    DEFAULT_DATA,
    PG_PREFIX,
    create_database,
    drop_database,
    dumps_in,
    make_app,
)

SEED = 20260525


def replicate(app, target: int, rng: random.Random) -> tuple[int, float]:
    """Bulk-insert varied copies of the imported questions (with answers and tags) up to `target`."""
    from sqlalchemy import bindparam, func, insert, select, update

    from forum.extensions import db
    from forum.importer.run import insert_returning_ids
    from forum.models import Post, question_tags

    posts = Post.__table__
    started = time.perf_counter()
    with app.app_context():
        session = db.session
        count = session.scalar(
            select(func.count()).where(posts.c.type == "question", posts.c.deleted_at.is_(None))
        )
        originals = [
            dict(row._mapping) for row in session.execute(select(posts).where(posts.c.type == "question"))
        ]
        answers: dict[int, list[dict]] = {}
        for row in session.execute(select(posts).where(posts.c.type == "answer")):
            answers.setdefault(row.question_id, []).append(dict(row._mapping))
        tags: dict[int, list[int]] = {}
        for question_id, tag_id in session.execute(select(question_tags)):
            tags.setdefault(question_id, []).append(tag_id)
        copy_number = 0
        while count < target:
            copy_number += 1
            batch = originals[: max(0, target - count)]
            for start in range(0, len(batch), 500):
                chunk = batch[start : start + 500]
                rows = []
                for original in chunk:
                    row = {k: v for k, v in original.items() if k != "id"}
                    row["title"] = _vary_title(original["title"] or "", copy_number, rng)
                    row["body"] = _vary_text(original["body"], rng)
                    row["body_html"] = _vary_html(original["body_html"], rng)
                    row["accepted_answer_id"] = row["official_answer_id"] = row["duplicate_of_id"] = None
                    rows.append(row)
                new_ids = insert_returning_ids(posts, rows)
                answer_rows, answer_owner = [], []
                for original, new_id in zip(chunk, new_ids, strict=True):
                    for answer in answers.get(original["id"], []):
                        row = {k: v for k, v in answer.items() if k != "id"}
                        row["question_id"] = new_id
                        answer_rows.append(row)
                        answer_owner.append((original, new_id, answer["id"]))
                new_answer_ids = insert_returning_ids(posts, answer_rows)
                accepted = [
                    {"qid": new_qid, "aid": new_aid}
                    for (original, new_qid, old_aid), new_aid in zip(
                        answer_owner, new_answer_ids, strict=True
                    )
                    if original["accepted_answer_id"] == old_aid
                ]
                if accepted:
                    session.execute(
                        update(posts)
                        .where(posts.c.id == bindparam("qid"))
                        .values(accepted_answer_id=bindparam("aid")),
                        accepted,
                        execution_options={"synchronize_session": False},
                    )
                tag_rows = [
                    {"question_id": new_id, "tag_id": tag_id}
                    for original, new_id in zip(chunk, new_ids, strict=True)
                    for tag_id in tags.get(original["id"], [])
                ]
                if tag_rows:
                    session.execute(insert(question_tags), tag_rows)
                count += len(chunk)
            session.commit()
        total = session.scalar(select(func.count()).where(posts.c.type == "question"))
    return total, time.perf_counter() - started


def _vary_title(title: str, copy_number: int, rng: random.Random) -> str:
    words = title.split()
    if rng.random() < 0.5 and len(words) > 2:
        rng.shuffle(words)
        return " ".join(words)
    suffix = rng.choice(["again", "update", "follow-up", "part", "variant", "edition"])
    return f"{title} ({suffix} {copy_number})"


def _vary_text(text: str, rng: random.Random) -> str:
    parts = text.split("\n\n")
    if len(parts) > 1:
        shift = rng.randrange(len(parts))
        parts = parts[shift:] + parts[:shift]
    return "\n\n".join(parts)


def _vary_html(html: str, rng: random.Random) -> str:
    parts = html.split("</p>")
    if len(parts) > 2:
        shift = rng.randrange(len(parts) - 1)
        body = parts[:-1]
        parts = body[shift:] + body[:shift] + parts[-1:]
    return "</p>".join(parts)


def real_queries(documents: list, rng: random.Random, n: int = 200) -> list[str]:
    """100 titles, 50 title fragments, 50 tag/operator queries, from the imported questions."""
    titled = [d for d in documents if d.title]
    tagged = [d for d in titled if d.tags]
    queries = [d.title for d in rng.sample(titled, n // 2)]
    for d in rng.sample(titled, n // 4):
        words = d.title.split()
        size = min(len(words), rng.randint(2, 4))
        start = rng.randrange(len(words) - size + 1)
        queries.append(" ".join(words[start : start + size]))
    templates = [
        lambda d, w: f"[{d.tags[0]}]",
        lambda d, w: f"[{d.tags[0]}] {w}",
        lambda d, w: f"tag:{d.tags[-1]} {w}",
        lambda d, w: f"{w} is:answered",
        lambda d, w: f"{w} has:accepted",
        lambda d, w: f"{w} score:>=2",
        lambda d, w: f"{w} is:unanswered",
        lambda d, w: f'"{w}" -{d.tags[0].split("-")[0]}',
    ]
    for i, d in enumerate(rng.sample(tagged, n - len(queries))):
        words = [w.strip("?,.!:;()\"'").lower() for w in d.title.split()]
        words = [w for w in words if len(w) > 3] or [d.tags[0]]
        queries.append(templates[i % len(templates)](d, rng.choice(words)))
    return queries


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    cut = statistics.quantiles(ordered, n=100, method="inclusive")
    return 1000 * statistics.median(ordered), 1000 * cut[94]


def measure(app, rng: random.Random) -> dict:
    from forum.extensions import db
    from forum.search import get_backend
    from forum.search.documents import load_documents, visible_question_ids
    from forum.search.service import search_questions, similar_questions

    with app.app_context():
        started = time.perf_counter()
        indexed = get_backend().rebuild()
        reindex = time.perf_counter() - started
        with db.engine.connect() as connection:
            ids = [i for batch in visible_question_ids(connection) for i in batch]
            sample = rng.sample(ids, min(len(ids), 3000))
            documents = list(load_documents(connection, sample).values())
        queries = real_queries(documents, rng)
        drafts = [(d.title, d.body) for d in rng.sample(documents, 200)]
        for text in queries[:10]:  # warm caches, open the index
            search_questions(text)
            db.session.rollback()
        search_times, similar_times = [], []
        for text in queries:
            started = time.perf_counter()
            search_questions(text)
            search_times.append(time.perf_counter() - started)
            db.session.rollback()
        for title, body in drafts[:10]:
            similar_questions(title, body, 5)
            db.session.rollback()
        for title, body in drafts:
            started = time.perf_counter()
            similar_questions(title, body, 5)
            similar_times.append(time.perf_counter() - started)
            db.session.rollback()
        db.session.remove()
        db.engine.dispose()
    return {
        "questions": indexed,
        "reindex_s": reindex,
        "rate": indexed / reindex,
        "search": percentiles(search_times),
        "similar": percentiles(similar_times),
    }


def main(argv: list[str] | None = None) -> int:
    from forum.importer.stackexchange import import_dump

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engine", choices=("whoosh", "postgres", "both"), default="both")
    parser.add_argument(
        "--sizes", default="10000,100000", help="questions, comma-separated [default: 10000,100000]"
    )
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    args = parser.parse_args(argv)
    dumps = dumps_in(args.data) if args.data.is_dir() else []
    if not dumps:
        print(f"No Stack Exchange dumps in {args.data}: nothing to measure (skipped).")
        return 0
    sizes = [int(s.replace("_", "").replace("k", "000")) for s in args.sizes.split(",")]
    engines = ["whoosh", "postgres"] if args.engine == "both" else [args.engine]
    rows = []
    for size in sizes:
        for engine in engines:
            rng = random.Random(SEED)
            with tempfile.TemporaryDirectory(prefix=f"bench-speed-{engine}-") as tmp:
                database = f"{PG_PREFIX}_speed_{size}" if engine == "postgres" else None
                url = create_database(database) if database else None
                try:
                    app = make_app(Path(tmp), engine, url)
                    started = time.perf_counter()
                    with app.app_context():
                        for dump in dumps:
                            import_dump(dump)
                    imported = time.perf_counter() - started
                    total, replicated = replicate(app, size, rng)
                    print(
                        f"{engine} {size:,}: import {imported:.1f} s,"
                        f" replicate to {total:,} questions {replicated:.1f} s",
                        file=sys.stderr,
                    )
                    result = measure(app, rng)
                    print(f"  {result}", file=sys.stderr)
                    rows.append((engine, result))
                finally:
                    if database:
                        drop_database(database)
    header = [
        "engine",
        "questions",
        "search p50 ms",
        "search p95 ms",
        "similar p50 ms",
        "similar p95 ms",
        "reindex q/s",
    ]
    table = [
        [
            engine,
            f"{r['questions']:,}",
            f"{r['search'][0]:.1f}",
            f"{r['search'][1]:.1f}",
            f"{r['similar'][0]:.1f}",
            f"{r['similar'][1]:.1f}",
            f"{r['rate']:,.0f} ({r['reindex_s']:.0f} s)",
        ]
        for engine, r in rows
    ]
    widths = [max(len(x[i]) for x in [header, *table]) for i in range(len(header))]
    print("| " + " | ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)) + " |")
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for row in table:
        print("| " + " | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
