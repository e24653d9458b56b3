"""Build a realistic community of N posts for benchmarks, from real Stack Exchange dumps.

    FORUM_INSTANCE_PATH=... DATABASE_URL=... .venv/bin/python bench/seed.py N [--data DIR] [--no-reindex]

Migrates the database when needed, then writes N posts (about one question in four, the rest
answers) with their comments, votes, reputation ledger, revisions, tags, follows and users, and
rebuilds the search index once with `flask search reindex`. The text comes from the dumps in
`../shared/data/` (every folder with a Posts.xml), or from the excerpt the tests ship
(`tests/data/stackexchange/`) when that folder is absent; questions are replicated with varied
titles and tags, and each distinct body is rendered once and reused by its replicas. Replicas
keep the credit of the post they copy (site, author, licence), as CC BY-SA asks.

The shape is heavy-tailed, as on a real site: answers per question, votes (so scores), views,
comments, followers and how much each user writes all follow power laws. Every cached column
the pages rely on is filled: Question.answer_count, accepted_answer_id, last_activity_at,
follower_count, Tag.question_count, Post.score (the sum of its vote rows), User.ledger_total (the
sum of the user's ledger events, one per vote and acceptance) and User.reputation (1 plus it, at
least 1). Every post gets its
revision 1. The first question written has exactly 10 answers and 20 comments (the page
benchmark reads it). One account can sign in: `bench` / `bench-password` (the most active
author, so it has the reputation to vote).

Rows are written in batches with executemany (SQLite) or COPY (PostgreSQL), with ids given
here; run it on an empty database (it adds to a non-empty one, but the page benchmark expects
the first question to be the one above). On PostgreSQL the tables are ANALYZEd at the end, as
autovacuum would do.
"""

from __future__ import annotations

import argparse
import bisect
import itertools
import random
import secrets
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from forum import markup  # noqa: E402
from forum.auth.service import username_key  # noqa: E402
from forum.clock import utcnow  # noqa: E402
from forum.importer.accounts import placeholder_email, unusable_password_hash, username_candidates  # noqa: E402
from forum.importer.dump import Progress, default_site, integer, moment, no_progress, read_rows  # noqa: E402
from forum.importer.dump import tag_names as dump_tag_names  # noqa: E402
from forum.importer.posts import licence_for, tag_name  # noqa: E402
from forum.importer.stackexchange import render_comment  # noqa: E402
from forum.models.posts import COMMENT_MAX, TAG_MAX_LENGTH, TAGS_MAX, TITLE_MAX  # noqa: E402
from forum.passwords import hash_password  # noqa: E402

DEFAULT_DATA = ROOT.parent / "shared" / "data"
EXCERPT = ROOT / "tests" / "data" / "stackexchange"
BENCH_USERNAME = "bench"
BENCH_PASSWORD = "bench-password"
SEED = 20261126
QUESTIONS_PER_BATCH = 1000
# the question the page benchmark shows: the first one written
SHOWCASE_ANSWERS, SHOWCASE_COMMENTS = 10, 20
MAX_ANSWERS = 60
MAX_SCORE = 300
COMMENT_POOL = 4000  # distinct comment texts rendered (the rest are reused)
TITLE_SUFFIXES = ("again", "after the update", "still", "on a new install", "follow-up", "second try")
POINTS = {"question": 5, "answer": 10}

COLUMNS = {
    "users": (
        "id",
        "username",
        "username_key",
        "email",
        "password_hash",
        "role",
        "reputation",
        "about",
        "login_token",
        "created_at",
    ),
    "tags": ("id", "name", "description", "question_count"),
    "posts": (
        "id",
        "type",
        "author_id",
        "body",
        "body_html",
        "score",
        "created_at",
        "origin_url",
        "origin_author",
        "origin_license",
        "title",
        "view_count",
        "answer_count",
        "accepted_answer_id",
        "status",
        "last_activity_at",
        "follower_count",
        "question_id",
    ),
    "question_tags": ("question_id", "tag_id"),
    "revisions": ("id", "post_id", "number", "author_id", "title", "body", "tags", "summary", "created_at"),
    "comments": ("id", "post_id", "author_id", "body", "body_html", "created_at"),
    "votes": ("id", "user_id", "post_id", "value", "created_at", "updated_at"),
    "reputation_events": (
        "id",
        "user_id",
        "post_id",
        "vote_id",
        "actor_id",
        "kind",
        "cause",
        "delta",
        "created_at",
    ),
    "follows": ("user_id", "question_id", "created_at"),
}
ID_TABLES = ("users", "tags", "posts", "revisions", "comments", "votes", "reputation_events")


# --- the source text -------------------------------------------------------------------------


@dataclass
class SourcePost:
    """A question or answer of a dump, its body rendered once."""

    body: str
    body_html: str
    origin_url: str
    origin_author: str | None
    origin_license: str


@dataclass
class SourceQuestion(SourcePost):
    title: str = ""
    tags: list[str] = field(default_factory=list)
    answers: list[SourcePost] = field(default_factory=list)


@dataclass
class Source:
    """Everything the seed copies: questions with their answers, comment texts, display names."""

    questions: list[SourceQuestion] = field(default_factory=list)
    answers: list[SourcePost] = field(default_factory=list)
    comments: list[tuple[str, str]] = field(default_factory=list)  # (text, html)
    names: list[str] = field(default_factory=list)


def dump_folders(data: Path | None = None) -> list[Path]:
    """The dumps to copy: those in `data` (default ../shared/data), else the tests' excerpt."""
    for folder in (data or DEFAULT_DATA, EXCERPT):
        if folder.is_dir():
            found = sorted(path.parent for path in folder.glob("*/Posts.xml"))
            if found:
                return found
    raise SystemExit(
        f"No Stack Exchange dump (a folder with Posts.xml) in {data or DEFAULT_DATA} or {EXCERPT}."
    )


def load_source(folders: Iterable[Path], progress: Progress = no_progress) -> Source:
    """Read the dumps' questions, answers, comments and names; render each body once."""
    source = Source()
    for folder in folders:
        site = default_site(folder)
        names: dict[int, str] = {}
        for row in read_rows(folder / "Users.xml", progress, f"{folder.name}/Users.xml"):
            name = " ".join((row.get("DisplayName") or "").split())[:100]
            names[integer(row, "Id", folder)] = name
            if name:
                source.names.append(name)
        questions: dict[int, SourceQuestion] = {}
        answers: list[tuple[int, SourcePost]] = []
        posts_xml = folder / "Posts.xml"
        for row in read_rows(posts_xml, progress, f"{folder.name}/Posts.xml"):
            kind = row.get("PostTypeId")
            if kind not in ("1", "2") or not row.get("Body"):
                continue
            original = integer(row, "Id", posts_xml)
            created = moment(row, "CreationDate", posts_xml) or utcnow()
            owner = integer(row, "OwnerUserId", posts_xml)
            common = {
                "body": row["Body"],
                "body_html": markup.sanitise(row["Body"]),
                "origin_url": f"https://{site}/{'q' if kind == '1' else 'a'}/{original}",
                "origin_author": names.get(owner) or (row.get("OwnerDisplayName") or "")[:100] or None,
                "origin_license": licence_for(row, created),
            }
            if kind == "1":
                tags = list(dict.fromkeys(filter(None, map(tag_name, dump_tag_names(row.get("Tags"))))))
                title = (row.get("Title") or f"Question {original}")[:TITLE_MAX]
                questions[original] = SourceQuestion(
                    **common, title=title, tags=tags[:TAGS_MAX] or ["general"]
                )
            else:
                answers.append((integer(row, "ParentId", posts_xml), SourcePost(**common)))
        for parent, answer in answers:
            if parent in questions:
                questions[parent].answers.append(answer)
            source.answers.append(answer)
        source.questions.extend(questions.values())
        comments_xml = folder / "Comments.xml"
        if comments_xml.is_file() and len(source.comments) < COMMENT_POOL:
            for row in read_rows(comments_xml, progress, f"{folder.name}/Comments.xml"):
                text = " ".join((row.get("Text") or "").split())
                if 2 <= len(text) <= COMMENT_MAX:
                    source.comments.append((text, render_comment(text)))
                if len(source.comments) >= COMMENT_POOL:
                    break
    if not source.questions or not source.answers:
        raise SystemExit("The dumps hold no questions with answers to copy.")
    if not source.comments:
        source.comments.append(("Thanks, that helped.", "Thanks, that helped."))
    source.names = source.names or ["member"]
    # the first question has real answers of its own: it is the page benchmark's thread
    source.questions.sort(key=lambda question: -min(len(question.answers), 3))
    return source


# --- the shape -------------------------------------------------------------------------------


def heavy_tail(rng: random.Random, alpha: float, cap: int) -> int:
    """0, 1, 2, ... with a power-law tail (most values small, a few large), at most `cap`."""
    return min(cap, int(rng.paretovariate(alpha)) - 1)


def answer_counts(rng: random.Random, questions: int, answers: int) -> list[int]:
    """Answers per question: about one question in ten unanswered, a heavy tail, `answers` in all."""
    weights = [0.0 if rng.random() < 0.1 else rng.paretovariate(1.6) for _ in range(questions)]
    scale = answers / (sum(weights) or 1.0)
    counts = [min(MAX_ANSWERS, int(weight * scale)) for weight in weights]
    if questions:
        counts[0] = SHOWCASE_ANSWERS
    missing = answers - sum(counts)
    answered = [index for index, weight in enumerate(weights) if weight and index] or list(range(questions))
    while missing != 0:
        index = rng.choice(answered)
        step = 1 if missing > 0 else -1
        if 0 <= counts[index] + step <= MAX_ANSWERS and index:
            counts[index] += step
            missing -= step
        elif len(answered) == 1:  # too few questions to spread over: the showcase takes the rest
            counts[0] += missing
            missing = 0
    return counts


class Authors:
    """Picks users with a Zipf law: a few people write most of the posts."""

    def __init__(self, user_ids: Sequence[int], rng: random.Random) -> None:
        self.ids = list(user_ids)
        self.rng = rng
        self.cumulative = list(
            itertools.accumulate(1.0 / (rank + 1) ** 1.05 for rank in range(len(self.ids)))
        )
        self.left_out: int | None = None  # nobody picks this user (while set)

    def pick(self, avoid: int | None = None) -> int:
        """A user id, never `avoid` (so nobody answers or votes on their own post)."""
        while True:
            position = self.rng.random() * self.cumulative[-1]
            user_id = self.ids[min(bisect.bisect(self.cumulative, position), len(self.ids) - 1)]
            if user_id not in (avoid, self.left_out) or len(self.ids) <= 2:
                return user_id

    def distinct(self, count: int, avoid: int | None) -> list[int]:
        """`count` different users (none of them `avoid`), evenly spread over everyone."""
        count = min(count, len(self.ids) - 2)
        if count <= 0:
            return []
        start = self.rng.randrange(len(self.ids))
        chosen = []
        for offset in range(len(self.ids)):
            user_id = self.ids[(start + offset) % len(self.ids)]
            if user_id not in (avoid, self.left_out):
                chosen.append(user_id)
                if len(chosen) == count:
                    break
        return chosen


# --- writing ---------------------------------------------------------------------------------


class Writer:
    """Bulk rows into tables: executemany on SQLite, COPY on PostgreSQL, on one connection."""

    def __init__(self, connection) -> None:
        self.connection = connection
        self.raw = connection.connection.dbapi_connection
        self.postgres = connection.dialect.name == "postgresql"
        self.rows = 0

    def stamp(self, moment_: datetime):
        """A datetime as the dialect stores it (SQLAlchemy's text form on SQLite)."""
        return moment_ if self.postgres else moment_.strftime("%Y-%m-%d %H:%M:%S.%f")

    def write(self, table: str, rows: list[tuple]) -> None:
        """Append rows (tuples in COLUMNS[table] order)."""
        if not rows:
            return
        columns = COLUMNS[table]
        names = ", ".join(f'"{name}"' for name in columns)
        if self.postgres:
            with self.raw.cursor() as cursor, cursor.copy(f'COPY "{table}" ({names}) FROM STDIN') as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join("?" for _ in columns)
            self.raw.executemany(f'INSERT INTO "{table}" ({names}) VALUES ({marks})', rows)
        self.rows += len(rows)

    def next_ids(self) -> dict[str, int]:
        """The first free id of each table."""
        return {
            table: (self.raw.execute(f'SELECT max(id) FROM "{table}"').fetchone()[0] or 0) + 1
            for table in ID_TABLES
        }

    def commit(self) -> None:
        self.raw.commit()

    def begin(self) -> None:
        """On SQLite: no foreign key checks (the ids are given here) and no fsync while seeding."""
        self.raw.commit()
        if self.postgres:
            # a superuser may skip the foreign key triggers; anyone else pays for the checks
            try:
                self.raw.execute("SET session_replication_role = replica")
            except Exception:  # noqa: BLE001 - not allowed: seed with the checks on
                self.raw.rollback()
            self.raw.commit()
        else:
            self.raw.execute("PRAGMA foreign_keys = OFF")
            self.raw.execute("PRAGMA synchronous = OFF")

    def end(self) -> None:
        """Sequences past the ids given (PostgreSQL), fresh planner statistics; settings back."""
        self.commit()
        if self.postgres:
            for table in ID_TABLES:
                self.raw.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f'(SELECT coalesce(max(id), 0) + 1 FROM "{table}"), false)'
                )
            self.raw.execute("RESET session_replication_role")
            self.commit()
            self.raw.autocommit = True
            self.raw.execute("ANALYZE")
            self.raw.autocommit = False
        else:
            self.raw.execute("PRAGMA foreign_keys = ON")
            self.raw.execute("PRAGMA synchronous = NORMAL")


@dataclass
class SeedReport:
    """What the seed wrote."""

    posts: int = 0
    questions: int = 0
    answers: int = 0
    comments: int = 0
    votes: int = 0
    users: int = 0
    tags: int = 0
    rows: int = 0
    showcase_question_id: int | None = None
    seconds: float = 0.0

    def lines(self) -> list[str]:
        return [
            f"Seeded {self.posts:,} posts ({self.questions:,} questions, {self.answers:,} answers),"
            f" {self.comments:,} comments, {self.votes:,} votes, {self.users:,} users, {self.tags:,} tags:"
            f" {self.rows:,} rows in {self.seconds:.1f} s"
            f" ({self.posts / max(self.seconds, 1e-6):,.0f} posts/s).",
            f"Question with {SHOWCASE_ANSWERS} answers and {SHOWCASE_COMMENTS} comments:"
            f" /questions/{self.showcase_question_id}",
            f"Sign in as {BENCH_USERNAME} / {BENCH_PASSWORD}.",
        ]


class Seeder:
    """Generates the community batch by batch and writes it through a Writer."""

    def __init__(self, writer: Writer, source: Source, total_posts: int, rng: random.Random) -> None:
        self.writer, self.source, self.rng = writer, source, rng
        self.now = utcnow().replace(microsecond=0) - timedelta(minutes=5)
        self.start = self.now - timedelta(days=730)
        self.ids = writer.next_ids()
        self.question_total = max(1, round(total_posts / 4)) if total_posts > SHOWCASE_ANSWERS else 1
        self.answer_total = max(total_posts - self.question_total, 0)
        if self.question_total == 1:
            self.answer_total = max(self.answer_total, SHOWCASE_ANSWERS)
        self.reputation: Counter = Counter()
        # tags already in the database are shared, not created again
        self.tag_ids: dict[str, int] = {
            name: tag_id for tag_id, name in writer.raw.execute("SELECT id, name FROM tags").fetchall()
        }
        self.new_tags: list[tuple] = []  # created since the last batch was written
        self.tag_counts: Counter = Counter()  # new questions per tag id
        self.report = SeedReport()

    def take_ids(self, table: str, count: int) -> range:
        first = self.ids[table]
        self.ids[table] += count
        return range(first, first + count)

    def later(self, moment_: datetime, mean_hours: float) -> datetime:
        """A moment an exponential time after `moment_`, never in the future."""
        return min(self.now, moment_ + timedelta(hours=self.rng.expovariate(1.0 / mean_hours)))

    # users

    def add_users(self, count: int) -> list[int]:
        """Accounts named after the dumps' authors; the first is the bench account (if free)."""
        taken = {key for (key,) in self.writer.raw.execute("SELECT username_key FROM users").fetchall()}
        ids = self.take_ids("users", count)
        rows = []
        for index, user_id in enumerate(ids):
            display = BENCH_USERNAME if index == 0 else self.source.names[index % len(self.source.names)]
            name = next(c for c in username_candidates(display, user_id) if username_key(c) not in taken)
            taken.add(username_key(name))
            is_bench = name == BENCH_USERNAME
            rows.append(
                (
                    user_id,
                    name,
                    username_key(name),
                    placeholder_email("bench.invalid", user_id),
                    hash_password(BENCH_PASSWORD) if is_bench else unusable_password_hash(),
                    "expert" if index % 97 == 96 else "member",
                    1,
                    "",
                    secrets.token_urlsafe(16),
                    self.writer.stamp(self.start - timedelta(days=self.rng.uniform(0, 400))),
                )
            )
        self.writer.write("users", rows)
        self.report.users = count
        # a score needs that many different voters (and one more for a downvote)
        self.score_cap = max(0, min(MAX_SCORE, count - 2))
        return list(ids)

    # tags

    def tags_for(self, question: SourceQuestion, replica: int) -> dict[str, int]:
        """The source's tags; replicas rename some, so bigger communities have more tags."""
        names = []
        for name in question.tags:
            if replica and self.rng.random() < 0.4:
                suffix = f"-{1 + replica % 12}"
                name = name[: TAG_MAX_LENGTH - len(suffix)].rstrip("-") + suffix
            names.append(name)
        for name in names:
            if name not in self.tag_ids:
                self.tag_ids[name] = self.take_ids("tags", 1)[0]
                self.new_tags.append((self.tag_ids[name], name, "", 0))
                self.report.tags += 1
        return {name: self.tag_ids[name] for name in sorted(set(names))}

    # votes and the ledger

    def votes_on(self, post_id: int, kind: str, author: int, score: int, created: datetime, batch) -> None:
        """Vote rows that add up to the score, and the ledger events they earn."""
        downs = -score if score < 0 else (1 if self.rng.random() < 0.08 else 0)
        ups = max(score, 0) + downs if score >= 0 else 0
        voters = batch.authors.distinct(ups + downs, author)
        for position, voter in enumerate(voters):
            value = 1 if position < ups else -1
            vote_id = self.take_ids("votes", 1)[0]
            at = self.writer.stamp(self.later(created, 24 * 5))
            batch.rows["votes"].append((vote_id, voter, post_id, value, at, at))
            if value == 1:
                delta, event_kind = POINTS[kind], f"{kind}_upvoted"
            else:
                delta, event_kind = -2, "post_downvoted"
            batch.event(author, post_id, vote_id, voter, event_kind, "vote", delta, at)
            if value == -1 and kind == "answer":
                batch.event(voter, post_id, vote_id, voter, "downvote_cast", "vote", -1, at)
        self.report.votes += len(voters)

    # questions and answers

    def question_batch(self, first_index: int, counts: list[int], authors: Authors) -> None:
        batch = Batch(self, authors)
        question_ids = self.take_ids("posts", len(counts))
        for offset, (question_id, answer_count) in enumerate(zip(question_ids, counts, strict=True)):
            index = first_index + offset
            source = self.source.questions[index % len(self.source.questions)]
            replica = index // len(self.source.questions)
            self.add_question(batch, question_id, index, source, replica, answer_count)
        batch.write()

    def add_question(self, batch, question_id, index, source, replica, answer_count) -> None:
        showcase = index == 0 and self.report.showcase_question_id is None
        # the bench account (the first user) takes no part in the showcase thread: its signed-in
        # page is then the one most members see, shared by everyone with the same privileges
        batch.authors.left_out = batch.authors.ids[0] if showcase else None
        try:
            self._add_question(batch, question_id, index, source, replica, answer_count, showcase)
        finally:
            batch.authors.left_out = None

    def _add_question(self, batch, question_id, index, source, replica, answer_count, showcase) -> None:
        rng, stamp = self.rng, self.writer.stamp
        span = (self.now - self.start).total_seconds()
        created = self.start + timedelta(
            seconds=span * (index + rng.random()) / (self.question_total + 1) * 0.98
        )
        asker = batch.authors.pick()
        title = source.title
        if replica:
            title = f"{source.title} ({rng.choice(TITLE_SUFFIXES)} {replica})"[: TITLE_MAX + 50]
        tags = self.tags_for(source, replica)
        self.tag_counts.update(tags.values())
        score = heavy_tail(rng, 1.4, self.score_cap) if rng.random() > 0.07 else -rng.randint(1, 2)
        # answers: the source's own first, then others of the site
        answers = []
        accepted_id = None
        last_activity = created
        answer_ids = self.take_ids("posts", answer_count)
        for position, answer_id in enumerate(answer_ids):
            text = (
                source.answers[position]
                if position < len(source.answers)
                else rng.choice(self.source.answers)
            )
            author = batch.authors.pick(avoid=asker)
            answered = self.later(created, 18)
            last_activity = max(last_activity, answered)
            answer_score = heavy_tail(rng, 1.3, self.score_cap) if rng.random() > 0.06 else -1
            answers.append((answer_id, text, author, answered, answer_score))
        if answers and rng.random() < 0.6:
            accepted_id, _, answerer, answered, _ = max(answers, key=lambda item: item[4])
            at = stamp(self.later(answered, 30))
            batch.event(answerer, accepted_id, None, asker, "answer_accepted", "accepted", 15, at)
            batch.event(asker, accepted_id, None, asker, "accepted_by_asker", "accepted", 2, at)
        followers = []
        if rng.random() < 0.12 or showcase:
            followers = batch.authors.distinct(1 + heavy_tail(rng, 1.8, 60), asker)
        batch.rows["posts"].append(
            (
                question_id,
                "question",
                asker,
                source.body,
                source.body_html,
                score,
                stamp(created),
                source.origin_url,
                source.origin_author,
                source.origin_license,
                title,
                heavy_tail(rng, 1.1, 200_000) * 10 + rng.randint(5, 60) + max(score, 0) * 30,
                len(answers),
                accepted_id,
                "open",
                stamp(last_activity),
                len(followers),
                None,
            )
        )
        batch.rows["question_tags"].extend((question_id, tag_id) for tag_id in tags.values())
        batch.revision(question_id, asker, title, source.body, " ".join(tags), created)
        batch.rows["follows"].extend(
            (user_id, question_id, stamp(self.later(created, 48))) for user_id in followers
        )
        self.votes_on(question_id, "question", asker, score, created, batch)
        for answer_id, text, author, answered, answer_score in answers:
            batch.rows["posts"].append(
                (
                    answer_id,
                    "answer",
                    author,
                    text.body,
                    text.body_html,
                    answer_score,
                    stamp(answered),
                    text.origin_url,
                    text.origin_author,
                    text.origin_license,
                    None,
                    None,
                    None,
                    None,
                    None,
                    stamp(answered),
                    None,
                    question_id,
                )
            )
            batch.revision(answer_id, author, None, text.body, None, answered)
            self.votes_on(answer_id, "answer", author, answer_score, answered, batch)
        # comments: a heavy tail on each post; the showcase thread gets exactly 20
        posts = [(question_id, created)] + [(item[0], item[3]) for item in answers]
        if showcase:
            self.report.showcase_question_id = question_id
            per_post = [SHOWCASE_COMMENTS // len(posts)] * len(posts)
            per_post[0] += SHOWCASE_COMMENTS - sum(per_post)
        else:
            per_post = [heavy_tail(rng, 1.8, 30) for _ in posts]
        for (post_id, posted), count in zip(posts, per_post, strict=True):
            for _ in range(count):
                text, html = rng.choice(self.source.comments)
                at = stamp(self.later(posted, 36))
                comment_id = self.take_ids("comments", 1)[0]
                batch.rows["comments"].append((comment_id, post_id, batch.authors.pick(), text, html, at))
        self.report.questions += 1
        self.report.answers += len(answers)

    def finish(self) -> None:
        """Add each tag's new questions to its count; add each author's new events to their running
        total and reputation."""
        mark = "%s" if self.writer.postgres else "?"
        cursor = self.writer.raw.cursor()
        cursor.executemany(
            f"UPDATE tags SET question_count = question_count + {mark} WHERE id = {mark}",
            [(count, tag_id) for tag_id, count in self.tag_counts.items()],
        )
        cursor.executemany(
            f"UPDATE users SET ledger_total = ledger_total + {mark}, "
            f"reputation = CASE WHEN ledger_total + {mark} < 0 THEN 1 ELSE 1 + ledger_total + {mark} END "
            f"WHERE id = {mark}",
            [(delta, delta, delta, user_id) for user_id, delta in self.reputation.items()],
        )
        cursor.close()
        self.writer.commit()


class Batch:
    """The rows of one batch of questions, written table by table in dependency order."""

    ORDER = ("posts", "question_tags", "revisions", "comments", "votes", "reputation_events", "follows")

    def __init__(self, seeder: Seeder, authors: Authors) -> None:
        self.seeder, self.authors = seeder, authors
        self.rows: dict[str, list[tuple]] = defaultdict(list)

    def event(self, user_id, post_id, vote_id, actor_id, kind, cause, delta, at) -> None:
        event_id = self.seeder.take_ids("reputation_events", 1)[0]
        self.rows["reputation_events"].append(
            (event_id, user_id, post_id, vote_id, actor_id, kind, cause, delta, at)
        )
        self.seeder.reputation[user_id] += delta

    def revision(self, post_id, author_id, title, body, tags, created) -> None:
        revision_id = self.seeder.take_ids("revisions", 1)[0]
        self.rows["revisions"].append(
            (revision_id, post_id, 1, author_id, title, body, tags, "", self.seeder.writer.stamp(created))
        )

    def write(self) -> None:
        self.seeder.writer.write("tags", self.seeder.new_tags)
        self.seeder.new_tags = []
        for table in self.ORDER:
            self.seeder.writer.write(table, self.rows[table])
        self.seeder.report.comments += len(self.rows["comments"])


def seed(
    total_posts: int, folders: Iterable[Path], progress: Progress = no_progress, rng_seed: int = SEED
) -> SeedReport:
    """Write a community of `total_posts` posts into the app's database (in an app context)."""
    from forum.extensions import db

    started = time.perf_counter()
    source = load_source(folders, progress)
    rng = random.Random(rng_seed)
    with db.engine.connect() as connection:
        writer = Writer(connection)
        writer.begin()
        try:
            seeder = Seeder(writer, source, total_posts, rng)
            authors = Authors(seeder.add_users(max(20, total_posts // 5)), rng)
            counts = answer_counts(rng, seeder.question_total, seeder.answer_total)
            posts = seeder.question_total + seeder.answer_total
            with progress(f"Writing {posts:,} posts", posts) as advance:
                for first in range(0, len(counts), QUESTIONS_PER_BATCH):
                    seeder.question_batch(first, counts[first : first + QUESTIONS_PER_BATCH], authors)
                    writer.commit()
                    done = seeder.report.questions + seeder.report.answers
                    advance(done, done)
            seeder.finish()
        except BaseException:
            writer.raw.rollback()
            raise
        finally:
            writer.end()
    report = seeder.report
    report.posts = report.questions + report.answers
    report.rows = writer.rows
    report.seconds = time.perf_counter() - started
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("posts", type=lambda text: int(text.replace("_", "").replace("k", "000")))
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="folder of dumps [../shared/data]")
    parser.add_argument("--no-reindex", action="store_true", help="leave the search index as it is")
    args = parser.parse_args(argv)

    from flask_migrate import upgrade

    from forum import create_app
    from forum.importer.cli import progress_bar

    app = create_app()
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"), revision="heads")
        report = seed(args.posts, dump_folders(args.data), progress_bar)
        for line in report.lines():
            print(line)
        if not args.no_reindex:
            from forum.search.cli import reindex

            started = time.perf_counter()
            reindex.main(args=[], prog_name="flask search reindex", standalone_mode=False)
            print(f"Seed and reindex: {report.seconds + time.perf_counter() - started:.1f} s in all.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
