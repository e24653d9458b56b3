"""How well similar() finds the question a duplicate was closed against, beside plain BM25.

    .venv/bin/python bench/search_relevance.py [--engine whoosh|postgres|both] [--data ../shared/data]

For every dump folder in --data (beer, quantumcomputing, ...): a fresh temporary instance
(SQLite in a temp dir; for the postgres engine a scratch PostgreSQL database created and
dropped here), migrated, the dump imported with the project's importer, search rebuilt. Then
for every question moderators closed as a duplicate (PostLinks LinkTypeId 3, both ends
imported) similar(title, body, limit=10) is asked with the duplicate's title and body, the
duplicate itself left out of the results, and the rank of the original is recorded:
recall@1, @5, @10 and MRR (reciprocal rank within the top 10, 0 beyond). The same for the
"linked" pairs (LinkTypeId 1): a larger, weaker signal.

BASELINE, measured in the same run on the same documents: a separate Whoosh index in a temp
dir, fields title and body (question body only), StandardAnalyzer (lower-case, stop words,
no stemming), BM25F defaults, no boosts, no quality signal; the query is an OR of every
distinct term of the duplicate's title and body, over both fields.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DEFAULT_DATA = ROOT.parent / "shared" / "data"
PG_SERVER = os.environ.get("BENCH_PG_SERVER", "postgresql+psycopg://postgres@127.0.0.1:5432")
# scratch databases are named <prefix>_rel_<dump> and <prefix>_speed_<size>, dropped after use
PG_PREFIX = os.environ.get("BENCH_PG_PREFIX", "forum_bench")
KS = (1, 5, 10)


# -- instances ---------------------------------------------------------------------------------


def _psql_args() -> list[str]:
    from sqlalchemy.engine import make_url

    url = make_url(PG_SERVER)
    return ["-h", url.host or "127.0.0.1", "-p", str(url.port or 5432), "-U", url.username or "postgres"]


def create_database(name: str) -> str:
    """A fresh, empty scratch database; returns its URL."""
    subprocess.run(["dropdb", *_psql_args(), "--if-exists", name], check=True, capture_output=True)
    subprocess.run(["createdb", *_psql_args(), name], check=True, capture_output=True)
    return f"{PG_SERVER}/{name}"


def drop_database(name: str) -> None:
    subprocess.run(["dropdb", *_psql_args(), "--if-exists", name], check=False, capture_output=True)


def make_app(instance: Path, engine: str, database_url: str | None = None):
    """A forum app on a temp instance folder, schema migrated; SQLite unless a URL is given."""
    os.environ["FORUM_INSTANCE_PATH"] = str(instance)
    os.environ.pop("DATABASE_URL", None)
    os.environ.pop("REDIS_URL", None)
    from flask_migrate import upgrade

    from forum import create_app

    app = create_app(
        {
            "SECRET_KEY": "bench",
            "SQLALCHEMY_DATABASE_URI": database_url or f"sqlite:///{instance / 'forum.db'}",
            "SEARCH_BACKEND": engine,
            "RATELIMIT_ENABLED": False,
        }
    )
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"), revision="heads")
    return app


def import_and_index(app, dump: Path) -> dict:
    """Import the dump with the project's importer, then rebuild search; returns timings."""
    from forum.extensions import db
    from forum.importer.stackexchange import import_dump
    from forum.search import get_backend

    with app.app_context():
        started = time.perf_counter()
        import_dump(dump)
        db.session.remove()
        imported = time.perf_counter() - started
        started = time.perf_counter()
        count = get_backend().rebuild()
        indexed = time.perf_counter() - started
    return {"import_s": imported, "reindex_s": indexed, "questions": count}


# -- pairs ---------------------------------------------------------------------------------------


def link_pairs(dump: Path, link_type: int) -> list[tuple[int, int]]:
    """(PostId, RelatedPostId) original ids of the links of this type, in file order, no repeats."""
    pairs: dict[tuple[int, int], None] = {}
    for _, element in ET.iterparse(dump / "PostLinks.xml"):
        if element.tag == "row" and element.get("LinkTypeId") == str(link_type):
            pair = (int(element.get("PostId")), int(element.get("RelatedPostId")))
            if pair[0] != pair[1]:
                pairs[pair] = None
        element.clear()
    return list(pairs)


def local_pairs(app, dump: Path, pairs: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The pairs whose both ends were imported as visible questions, as local ids."""
    from sqlalchemy import select

    from forum.extensions import db
    from forum.importer.dump import default_site
    from forum.importer.run import mappings

    with app.app_context():
        rows = db.session.execute(
            select(mappings.c.original_id, mappings.c.local_id).where(
                mappings.c.site == default_site(dump), mappings.c.kind == "question"
            )
        )
        local = dict(rows.tuples().all())
    return [(local[a], local[b]) for a, b in pairs if a in local and b in local]


def all_documents(app) -> dict:
    from forum.extensions import db
    from forum.search.documents import load_documents, visible_question_ids

    documents = {}
    with app.app_context(), db.engine.connect() as connection:
        for batch in visible_question_ids(connection):
            documents.update(load_documents(connection, batch))
    return documents


# -- scoring -------------------------------------------------------------------------------------


@dataclass
class Scores:
    ranks: list[int | None] = field(default_factory=list)  # 1-based rank of the target, None: not in top 10

    def add(self, rank: int | None) -> None:
        self.ranks.append(rank)

    def extend(self, other: Scores) -> None:
        self.ranks.extend(other.ranks)

    def recall(self, k: int) -> float:
        return sum(1 for r in self.ranks if r is not None and r <= k) / len(self.ranks) if self.ranks else 0.0

    def mrr(self) -> float:
        return sum(1 / r for r in self.ranks if r is not None) / len(self.ranks) if self.ranks else 0.0

    def row(self) -> list[str]:
        return [str(len(self.ranks)), *(f"{100 * self.recall(k):5.1f}" for k in KS), f"{self.mrr():.3f}"]


def rank_of(target: int, ids: list[int], exclude: int, depth: int = 10) -> int | None:
    ranked = [i for i in ids if i != exclude][:depth]
    return ranked.index(target) + 1 if target in ranked else None


def evaluate_similar(app, documents: dict, pairs: list[tuple[int, int]]) -> Scores:
    from forum.extensions import db
    from forum.search.service import similar_questions

    scores = Scores()
    with app.app_context():
        for query_id, target in pairs:
            document = documents[query_id]
            hits = similar_questions(document.title, document.body, limit=11)
            scores.add(rank_of(target, [hit.question_id for hit in hits], query_id))
            db.session.rollback()
    return scores


class Baseline:
    """Plain BM25F over title + body: no boosts, no stemming, no answers, no quality."""

    def __init__(self, documents: dict, directory: Path) -> None:
        from whoosh import index
        from whoosh.analysis import StandardAnalyzer
        from whoosh.fields import ID, TEXT, Schema

        self.analyzer = StandardAnalyzer()
        schema = Schema(
            question_id=ID(stored=True, unique=True),
            title=TEXT(analyzer=self.analyzer),
            body=TEXT(analyzer=self.analyzer),
        )
        self.index = index.create_in(str(directory), schema)
        writer = self.index.writer(limitmb=128)
        for document in documents.values():
            writer.add_document(
                question_id=str(document.question_id), title=document.title, body=document.body
            )
        writer.commit()

    def ids(self, title: str, body: str, limit: int = 11) -> list[int]:
        from whoosh import query as wq
        from whoosh import scoring

        terms = list(dict.fromkeys(token.text for token in self.analyzer(f"{title} {body}")))
        if not terms:
            return []
        clauses = [wq.Term(name, term) for term in terms for name in ("title", "body")]
        with self.index.searcher(weighting=scoring.BM25F()) as searcher:
            results = searcher.search(wq.Or(clauses), limit=limit)
            return [int(hit["question_id"]) for hit in results]

    def evaluate(self, documents: dict, pairs: list[tuple[int, int]]) -> Scores:
        scores = Scores()
        for query_id, target in pairs:
            document = documents[query_id]
            scores.add(rank_of(target, self.ids(document.title, document.body), query_id))
        return scores


# -- the run -------------------------------------------------------------------------------------


def dumps_in(data: Path) -> list[Path]:
    return sorted(p for p in data.iterdir() if p.is_dir() and (p / "Posts.xml").exists())


def run_dump(dump: Path, engines: list[str], results: dict) -> None:
    duplicate_links = link_pairs(dump, 3)
    linked_links = [pair for pair in link_pairs(dump, 1) if pair not in set(duplicate_links)]
    baseline_done = False
    for engine in engines:
        with tempfile.TemporaryDirectory(prefix=f"bench-rel-{dump.name}-") as tmp:
            instance = Path(tmp)
            database = None
            if engine == "postgres":
                database = f"{PG_PREFIX}_rel_{dump.name}".replace("-", "_")
                url = create_database(database)
            try:
                app = make_app(instance, engine, url if database else None)
                timing = import_and_index(app, dump)
                documents = all_documents(app)
                dups = local_pairs(app, dump, duplicate_links)
                linked = local_pairs(app, dump, linked_links)
                print(
                    f"{dump.name:<18} {engine:<8} {timing['questions']:,} questions;"
                    f" import {timing['import_s']:.1f} s, reindex {timing['reindex_s']:.1f} s;"
                    f" {len(dups)} duplicate pairs, {len(linked)} linked pairs",
                    file=sys.stderr,
                )
                started = time.perf_counter()
                results[(dump.name, engine, "duplicate")] = evaluate_similar(app, documents, dups)
                results[(dump.name, engine, "linked")] = evaluate_similar(app, documents, linked)
                print(
                    f"  similar() x {len(dups) + len(linked)} in {time.perf_counter() - started:.1f} s",
                    file=sys.stderr,
                )
                if not baseline_done:
                    base_dir = instance / "baseline"
                    base_dir.mkdir()
                    baseline = Baseline(documents, base_dir)
                    results[(dump.name, "baseline", "duplicate")] = baseline.evaluate(documents, dups)
                    results[(dump.name, "baseline", "linked")] = baseline.evaluate(documents, linked)
                    baseline_done = True
                from forum.extensions import db

                with app.app_context():
                    db.session.remove()
                    db.engine.dispose()
            finally:
                if database:
                    drop_database(database)


def print_table(results: dict, dump_names: list[str], engines: list[str]) -> None:
    systems = ["baseline", *engines]
    header = ["pairs", "dump", "system", "n", "R@1", "R@5", "R@10", "MRR"]
    rows = []
    for kind in ("duplicate", "linked"):
        for name in [*dump_names, "ALL"]:
            for system in systems:
                if name == "ALL":
                    scores = Scores()
                    for dump_name in dump_names:
                        scores.extend(results.get((dump_name, system, kind), Scores()))
                else:
                    scores = results.get((name, system, kind), Scores())
                label = system if system == "baseline" else f"similar/{system}"
                rows.append([kind, name, label, *scores.row()])
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    line = "| " + " | ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)) + " |"
    print(line)
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for row in rows:
        print("| " + " | ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)) + " |")
    print()
    for engine in engines:
        ours, base = Scores(), Scores()
        for dump_name in dump_names:
            ours.extend(results.get((dump_name, engine, "duplicate"), Scores()))
            base.extend(results.get((dump_name, "baseline", "duplicate"), Scores()))
        delta = 100 * (ours.recall(5) - base.recall(5))
        verdict = "PASS" if delta >= 5 else "FAIL"
        print(
            f"duplicates, all dumps, {engine}: recall@5 {100 * ours.recall(5):.1f} vs baseline "
            f"{100 * base.recall(5):.1f} ({delta:+.1f} points; needs +5.0): {verdict}"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engine", choices=("whoosh", "postgres", "both"), default="both")
    parser.add_argument(
        "--data", type=Path, default=DEFAULT_DATA, help=f"dump folders [default: {DEFAULT_DATA}]"
    )
    parser.add_argument("--dump", action="append", help="only these dump folders (by name)")
    args = parser.parse_args(argv)
    if not args.data.is_dir():
        print(f"No data folder at {args.data}: nothing to measure (skipped).")
        return 0
    dumps = dumps_in(args.data)
    if args.dump:
        dumps = [d for d in dumps if d.name in args.dump]
    if not dumps:
        print(
            f"No Stack Exchange dumps (folders with Posts.xml) in {args.data}: nothing to measure (skipped)."
        )
        return 0
    engines = ["whoosh", "postgres"] if args.engine == "both" else [args.engine]
    results: dict = {}
    for dump in dumps:
        run_dump(dump, engines, results)
    print_table(results, [d.name for d in dumps], engines)
    return 0


if __name__ == "__main__":
    sys.exit(main())
