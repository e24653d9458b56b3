"""What the engines index about a question, read from the database in a fixed number of queries.

Reads go through a Connection, not the ORM session: the outbox drain runs after a commit,
when the session may not be used, and it must see what was committed, not what is cached.
"""

from __future__ import annotations

import hashlib
import html
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass
from datetime import datetime

from sqlalchemy import Connection, case, func, select

from forum.models import Post, Tag, User, question_tags
from forum.models.faq import FaqEntry
from forum.search import ranking

STAFF_ROLES = ("expert", "moderator", "admin")
# Enough text to find a thread by; PostgreSQL drops positions past 16,383 anyway
MAX_BODY_CHARS = 30_000
MAX_ANSWERS_CHARS = 60_000
# Results show a passage of the question and its first answers (best first): only the answers
# that start within this many characters of HTML are read, not all of a long thread
RESULT_ANSWERS_CHARS = 5_000
VOCABULARY_WORD = re.compile(r"[^\W\d_]{3,30}")

_posts = Post.__table__
_users = User.__table__
_tags = Tag.__table__
_BLOCK_TAG = re.compile(r"</?(?:p|br|hr|h\d|li|ul|ol|pre|blockquote|tr|td|th|table|div)\b[^>]*>", re.I)
_TAG = re.compile(r"<[^>]*>")
# C0 controls, and the private-use characters the PostgreSQL engine highlights with
_UNWANTED = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ue000-\ue004]")


def plain_text(body_html: str | None, limit: int = MAX_BODY_CHARS) -> str:
    """Readable text of sanitised post HTML: tags dropped, entities decoded, spaces collapsed."""
    text = _TAG.sub("", _BLOCK_TAG.sub(" ", body_html or ""))
    return " ".join(_UNWANTED.sub(" ", html.unescape(text)).split())[:limit]


@dataclass(frozen=True)
class Document:
    """One visible question, flattened for indexing and for showing a result."""

    question_id: int
    title: str
    tags: tuple[str, ...]
    body: str
    answers: str
    author: str | None
    is_answered: bool
    has_accepted: bool
    has_staff_answer: bool
    is_closed: bool
    is_duplicate: bool
    is_faq: bool
    score: int
    created_at: datetime
    # the FAQ entry curated from this thread, found through it (title and answer are the entry's)
    faq_entry_id: int | None = None

    @property
    def quality(self) -> float:
        """The answer-quality factor of the ranking formula."""
        return ranking.quality(
            has_accepted=self.has_accepted,
            has_staff_answer=self.has_staff_answer,
            is_answered=self.is_answered,
            score=self.score,
            is_duplicate=self.is_duplicate,
        )

    @property
    def content(self) -> str:
        """Question body and answers: what the C-weight text and the excerpt come from."""
        return f"{self.body} {self.answers}".strip()

    @property
    def fingerprint(self) -> str:
        """Changes whenever anything indexed changes; stored with the entry to spot stale ones."""
        fields = asdict(self)
        if fields["faq_entry_id"] is None:  # as before FAQ entries existed: no needless reindex
            del fields["faq_entry_id"]
        data = json.dumps(fields, default=str, sort_keys=True, ensure_ascii=False)
        return hashlib.sha1(data.encode("utf-8", "surrogatepass")).hexdigest()

    def vocabulary(self) -> set[str]:
        """Distinct words of title and tags: the well-spelt words "did you mean" suggests."""
        text = f"{self.title} {' '.join(self.tags).replace('-', ' ')}".lower()
        return set(VOCABULARY_WORD.findall(text))


def load_documents(
    connection: Connection, question_ids: Iterable[int], answers_chars: int | None = None
) -> dict[int, Document]:
    """Documents of the visible questions among the ids (deleted or unknown ones are left out).

    With `answers_chars` (for showing results, not for indexing), the text of a thread's
    answers is that of those starting within the first `answers_chars` characters (bytes, on
    PostgreSQL) of their HTML, best first; the status fields still count every answer.
    """
    ids = sorted(set(question_ids))
    if not ids:
        return {}
    # the post type is checked here, not in SQL: given `type = 'question'`, SQLite without
    # statistics (a new database, before forum/database.py's PRAGMA optimize has run) walks
    # every question through the type index instead of the ids asked for
    questions = [
        row
        for row in connection.execute(
            select(
                _posts.c.id,
                _posts.c.title,
                _posts.c.body_html,
                _users.c.username_key.label("author"),
                _posts.c.score,
                _posts.c.status,
                _posts.c.duplicate_of_id,
                _posts.c.accepted_answer_id,
                _posts.c.created_at,
                _posts.c.type,
            )
            .outerjoin(_users, _users.c.id == _posts.c.author_id)
            .where(_posts.c.id.in_(ids), _posts.c.deleted_at.is_(None))
        )
        if row.type == "question"
    ]
    if not questions:
        return {}
    visible_ids = [row.id for row in questions]
    tags: dict[int, list[str]] = {}
    # a primary key lookup per tag, as for the answers' roles: PostgreSQL hashed every tag
    tag_name = select(_tags.c.name).where(_tags.c.id == question_tags.c.tag_id).scalar_subquery()
    for question_id, name in connection.execute(
        select(question_tags.c.question_id, tag_name).where(question_tags.c.question_id.in_(visible_ids))
    ):
        tags.setdefault(question_id, []).append(name)
    # the same for answers: given `type = 'answer'`, SQLite would walk every answer
    best_first = (_posts.c.score.desc(), _posts.c.id)
    body = _posts.c.body_html
    if answers_chars is not None:
        # PostgreSQL's octet_length reads a long body's stored size; length would decompress it
        size = func.octet_length if connection.dialect.name == "postgresql" else func.length
        before = func.sum(size(_posts.c.body_html)).over(
            partition_by=_posts.c.question_id, order_by=best_first, rows=(None, -1)
        )
        body = case((func.coalesce(before, 0) < answers_chars, body))
    # one primary key lookup per answer: a join may read every user (a hash join over all of them)
    role = select(_users.c.role).where(_users.c.id == _posts.c.author_id).scalar_subquery().label("role")
    answers = [
        row
        for row in connection.execute(
            select(_posts.c.id, _posts.c.question_id, body.label("body_html"), role, _posts.c.type)
            .where(_posts.c.question_id.in_(visible_ids), _posts.c.deleted_at.is_(None))
            .order_by(_posts.c.question_id, *best_first)
        )
        if row.type == "answer"
    ]
    by_question: dict[int, list] = {}
    for row in answers:
        by_question.setdefault(row.question_id, []).append(row)
    entries = _faq_entries(connection, visible_ids)
    return {
        row.id: _document(row, sorted(tags.get(row.id, [])), by_question.get(row.id, []), entries.get(row.id))
        for row in questions
    }


def _faq_entries(connection: Connection, question_ids: list[int]) -> dict:
    """The live FAQ entry of each thread that is an entry's main source."""
    entries = FaqEntry.__table__
    rows = connection.execute(
        select(entries.c.id, entries.c.question_id, entries.c.title, entries.c.body_html).where(
            entries.c.question_id.in_(question_ids), entries.c.deleted_at.is_(None)
        )
    )
    return {row.question_id: row for row in rows}


def _document(question, tags: list[str], answers: list, entry=None) -> Document:
    """Flatten one question row, its tags and visible answers (and the FAQ entry made from it).

    An FAQ entry takes its main thread's place: its title is the document's title, and its
    curated answer leads the text, ahead of the thread's own question.
    """
    answer_ids = {answer.id for answer in answers}
    answers_text: list[str] = []
    budget = MAX_ANSWERS_CHARS
    for answer in answers:
        if budget <= 0:
            break
        if answer.body_html is None:  # past the text wanted (answers_chars)
            continue
        text = plain_text(answer.body_html, budget)
        answers_text.append(text)
        budget -= len(text) + 1
    title = " ".join((question.title or "").split())
    body = plain_text(question.body_html)
    if entry is not None:
        body = f"{plain_text(entry.body_html)} {title} {body}"[:MAX_BODY_CHARS]
        title = " ".join(entry.title.split())
    return Document(
        question_id=question.id,
        title=title,
        tags=tuple(tags),
        body=body,
        answers=" ".join(answers_text),
        author=question.author,
        is_answered=bool(answers),
        has_accepted=question.accepted_answer_id in answer_ids,
        has_staff_answer=any(answer.role in STAFF_ROLES for answer in answers),
        is_closed=question.status == "closed",
        is_duplicate=question.duplicate_of_id is not None,
        is_faq=entry is not None,
        score=question.score or 0,
        created_at=question.created_at,
        faq_entry_id=entry.id if entry is not None else None,
    )


def visible_question_count(connection: Connection) -> int:
    """How many questions the public can find."""
    return connection.scalar(
        select(func.count()).where(_posts.c.type == "question", _posts.c.deleted_at.is_(None))
    )


def visible_question_ids(connection: Connection, batch_size: int = 500) -> Iterator[list[int]]:
    """Ids of all visible questions in ascending batches (keyset pagination: no OFFSET scans)."""
    last_id = 0
    while True:
        batch = connection.scalars(
            select(_posts.c.id)
            .where(_posts.c.type == "question", _posts.c.deleted_at.is_(None), _posts.c.id > last_id)
            .order_by(_posts.c.id)
            .limit(batch_size)
        ).all()
        if not batch:
            return
        yield list(batch)
        last_id = batch[-1]
