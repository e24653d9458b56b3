"""PostgreSQL full-text search: a tsvector per question, GIN-indexed, in the forum's own database.

Weights: A title, B tags, C question body and visible answers. Matching uses tsqueries built
from the parsed query, ranking ts_rank_cd × answer quality, passages ts_headline, and "did you
mean" trigram similarity (pg_trgm) against the words of the questions.
"""

from __future__ import annotations

import re
import time
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from functools import reduce

from markupsafe import Markup
from sqlalchemy import (
    Connection,
    Integer,
    Text,
    bindparam,
    delete,
    exists,
    func,
    literal_column,
    select,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY

from forum.extensions import db
from forum.models import Post, Tag, User, question_tags
from forum.models.search import SearchDocument, SearchWord
from forum.search import ranking
from forum.search.backend import IndexBusy, Match, Progress, SearchBackend
from forum.search.documents import VOCABULARY_WORD, Document, load_documents, visible_question_ids
from forum.search.highlight import START, STOP, hide_markup, passage_window, sentinel_marks, with_ellipses
from forum.search.query import SearchQuery, words_of

_PLAIN_WORD = re.compile(r"[^\W_]+")
REGCONFIG = literal_column("'english'::regconfig")
# ts_rank weights in the order {D, C, B, A}: title 1.0, tags 0.4, body and answers 0.2
WEIGHTS = literal_column("'{0.1, 0.2, 0.4, 1.0}'::float4[]")
# normalisation 1: divide by 1 + log(length), so long threads do not win by length alone
LENGTH_NORMALISATION = 1
SIMILAR_LENGTH_DAMPING = 0.2
# pg_advisory_xact_lock key shared by every process that writes search documents
WRITER_LOCK = 0x5EA2C4
EXCERPT_OPTIONS = (
    f'MaxFragments=2, MaxWords=30, MinWords=12, FragmentDelimiter=" … ", StartSel={START}, StopSel={STOP}'
)

UPSERT = text(
    """
    INSERT INTO search_documents (question_id, document, is_answered, has_accepted, has_staff_answer,
        is_closed, is_duplicate, is_faq, score, created_at, quality, fingerprint)
    VALUES (:question_id,
        setweight(to_tsvector('english', :title), 'A')
        || setweight(to_tsvector('english', :tags), 'B')
        || setweight(to_tsvector('english', :content), 'C'),
        :is_answered, :has_accepted, :has_staff_answer, :is_closed, :is_duplicate, :is_faq,
        :score, :created_at, :quality, :fingerprint)
    ON CONFLICT (question_id) DO UPDATE SET document = EXCLUDED.document,
        is_answered = EXCLUDED.is_answered, has_accepted = EXCLUDED.has_accepted,
        has_staff_answer = EXCLUDED.has_staff_answer, is_closed = EXCLUDED.is_closed,
        is_duplicate = EXCLUDED.is_duplicate, is_faq = EXCLUDED.is_faq, score = EXCLUDED.score,
        created_at = EXCLUDED.created_at, quality = EXCLUDED.quality, fingerprint = EXCLUDED.fingerprint
    """
)
ADD_WORDS = text(
    "INSERT INTO search_words (word, frequency) VALUES (:word, :frequency) ON CONFLICT DO NOTHING"
)

_documents = SearchDocument.__table__
_words = SearchWord.__table__
_posts = Post.__table__


def _parameters(document: Document) -> dict:
    return {
        "question_id": document.question_id,
        "title": document.title,
        "tags": " ".join(document.tags),
        "content": document.content,
        "is_answered": document.is_answered,
        "has_accepted": document.has_accepted,
        "has_staff_answer": document.has_staff_answer,
        "is_closed": document.is_closed,
        "is_duplicate": document.is_duplicate,
        "is_faq": document.is_faq,
        "score": document.score,
        "created_at": document.created_at,
        "quality": document.quality,
        "fingerprint": document.fingerprint,
    }


def _all_of(parts: list):
    return reduce(func.tsquery_and, parts) if parts else None


class PostgresBackend(SearchBackend):
    """Search documents in PostgreSQL, written by one drain at a time (an advisory lock)."""

    name = "postgres"

    def __init__(self, config: dict):
        super().__init__(config)
        self.timeout = float(config["SEARCH_WRITER_TIMEOUT"])
        self.delay = float(config["SEARCH_WRITER_DELAY"])

    @contextmanager
    def _locked(self, timeout: float | None = None) -> Iterator[Connection]:
        """A transaction holding the writers' lock, so whoever writes last has read the newest commit."""
        deadline = time.monotonic() + (timeout or self.timeout)
        with db.engine.begin() as connection:
            while not connection.scalar(select(func.pg_try_advisory_xact_lock(WRITER_LOCK))):
                if time.monotonic() > deadline:
                    raise IndexBusy("another process is writing search documents")
                time.sleep(self.delay)
            yield connection

    def _store(self, connection: Connection, documents: Iterable[Document]) -> None:
        rows = [_parameters(document) for document in documents]
        if rows:
            connection.execute(UPSERT, rows)

    def _add_words(self, connection: Connection, frequencies: Counter) -> None:
        rows = [{"word": word, "frequency": count} for word, count in sorted(frequencies.items())]
        for start in range(0, len(rows), 5000):
            connection.execute(ADD_WORDS, rows[start : start + 5000])

    def index(self, question_ids) -> None:
        ids = sorted(set(question_ids))
        if not ids:
            return
        with self._locked() as connection:
            documents = load_documents(connection, ids)
            self._store(connection, documents.values())
            gone = [question_id for question_id in ids if question_id not in documents]
            if gone:
                connection.execute(delete(_documents).where(_documents.c.question_id.in_(gone)))
            self._add_words(
                connection, Counter(word for doc in documents.values() for word in doc.vocabulary())
            )

    def remove(self, question_ids) -> None:
        ids = sorted(set(question_ids))
        if ids:
            with self._locked() as connection:
                connection.execute(delete(_documents).where(_documents.c.question_id.in_(ids)))

    def rebuild(self, progress: Progress | None = None) -> int:
        count = 0
        frequencies: Counter = Counter()
        # one transaction: searches see the old documents until the new ones are all written
        with self._locked(timeout=max(self.timeout, 60.0)) as connection:
            connection.execute(delete(_documents))
            connection.execute(delete(_words))
            for batch in visible_question_ids(connection):
                documents = load_documents(connection, batch)
                self._store(connection, documents.values())
                for document in documents.values():
                    frequencies.update(document.vocabulary())
                count += len(batch)
                if progress:
                    progress(len(batch))
            self._add_words(connection, frequencies)
        return count

    def clear(self) -> None:
        with self._locked() as connection:
            connection.execute(delete(_documents))
            connection.execute(delete(_words))

    def indexed_fingerprints(self) -> dict[int, str]:
        with db.engine.connect() as connection:
            return dict(connection.execute(select(_documents.c.question_id, _documents.c.fingerprint)).all())

    # -- searching ----------------------------------------------------------------------------

    @staticmethod
    def _positive(query: SearchQuery):
        """Every word and phrase, stemmed: the part that ranks and highlights."""
        return _all_of(
            [func.plainto_tsquery(REGCONFIG, word) for word in query.words]
            + [func.phraseto_tsquery(REGCONFIG, phrase) for phrase in query.phrases]
        )

    @staticmethod
    def _negative(query: SearchQuery) -> list:
        return [func.tsquery_not(func.plainto_tsquery(REGCONFIG, word)) for word in query.excluded_words] + [
            func.tsquery_not(func.phraseto_tsquery(REGCONFIG, phrase)) for phrase in query.excluded_phrases
        ]

    def _match(self, query: SearchQuery, sort: str, page: int, per_page: int) -> Match:
        connection = self._read_connection()
        positive = self._positive(query)
        if positive is not None and not connection.scalar(select(func.numnode(positive))):
            return Match([], 0, only_common_words=True)
        full = _all_of([part for part in [positive, *self._negative(query)] if part is not None])
        statement = self._filtered(query, full)
        if sort == "newest":
            order = [_documents.c.created_at.desc()]
        elif sort == "votes":
            order = [_documents.c.score.desc(), _documents.c.created_at.desc()]
        elif positive is None:
            order = [_documents.c.quality.desc(), _documents.c.created_at.desc()]
        else:
            rank = func.ts_rank_cd(WEIGHTS, _documents.c.document, positive, LENGTH_NORMALISATION)
            order = [(rank * _documents.c.quality).desc()]
        rows = connection.execute(
            statement.add_columns(func.count().over().label("total"))
            .order_by(*order, _documents.c.question_id.desc())
            .limit(per_page)
            .offset((page - 1) * per_page)
        ).all()
        if rows:
            return Match([row.question_id for row in rows], rows[0].total)
        total = connection.scalar(select(func.count()).select_from(statement.subquery()))
        return Match([], total or 0)

    @staticmethod
    def _filtered(query: SearchQuery, tsquery):
        """Visible documents matching the text and every filter (tags and user from live tables)."""
        statement = (
            select(_documents.c.question_id)
            .join(_posts, _posts.c.id == _documents.c.question_id)
            .where(_posts.c.deleted_at.is_(None))
        )
        if tsquery is not None:
            statement = statement.where(_documents.c.document.op("@@")(tsquery))
        tags = Tag.__table__
        for tag in query.tags:
            statement = statement.where(
                exists()
                .where(question_tags.c.question_id == _documents.c.question_id)
                .where(
                    question_tags.c.tag_id == select(tags.c.id).where(tags.c.name == tag).scalar_subquery()
                )
            )
        if query.user:
            users = User.__table__
            author = select(users.c.id).where(users.c.username_key == query.user).scalar_subquery()
            statement = statement.where(_posts.c.author_id == author)
        for column, value in (
            (_documents.c.is_answered, query.is_answered),
            (_documents.c.has_accepted, query.has_accepted),
            (_documents.c.is_faq, query.is_faq),
        ):
            if value is not None:
                statement = statement.where(column.is_(value))
        for item in query.scores:
            statement = statement.where(_documents.c.score.op(item.operator)(item.value))
        return statement

    def _mark(self, query: SearchQuery, documents: list[Document]) -> dict[int, Markup]:
        positive = self._positive(query)
        if positive is None:
            return {}
        words = [*query.words, *" ".join(query.phrases).split()]
        windows = {document.question_id: passage_window(document.content, words) for document in documents}
        texts = {
            document.question_id: hide_markup(document.content[slice(*windows[document.question_id])])
            for document in documents
        }
        rows = (
            func.unnest(
                bindparam("ids", list(texts), type_=ARRAY(Integer)),
                bindparam("texts", list(texts.values()), type_=ARRAY(Text)),
            )
            .table_valued("id", "text")
            .render_derived(name="hits")
        )
        statement = select(
            rows.c.id, func.ts_headline(REGCONFIG, rows.c.text, positive, EXCERPT_OPTIONS).label("headline")
        )
        lengths = {document.question_id: len(document.content) for document in documents}
        marks = {}
        for question_id, headline in self._read_connection().execute(statement):
            if START in headline:
                (start, end), text = windows[question_id], texts[question_id]
                plain = headline.replace(START, "").replace(STOP, "")
                marks[question_id] = with_ellipses(
                    sentinel_marks(headline),
                    cut_before=start > 0 or not text.startswith(plain[:40]),
                    cut_after=end < lengths[question_id] or not text.endswith(plain[-40:]),
                )
        return marks

    def _corrections(self, words: list[str]) -> dict[str, str]:
        candidates = [word for word in words if VOCABULARY_WORD.fullmatch(word)]
        if not candidates:
            return {}
        connection = self._read_connection()
        known = set(connection.scalars(select(_words.c.word).where(_words.c.word.in_(candidates))))
        corrections = {}
        for word in candidates:
            if word in known:
                continue
            better = connection.scalar(
                select(_words.c.word)
                .where(_words.c.word.op("%")(word))
                .order_by(func.similarity(_words.c.word, word).desc(), _words.c.frequency.desc())
                .limit(1)
            )
            if better:
                corrections[word] = better
        return corrections

    def _similar_ids(self, title: str, body: str, limit: int) -> list[int]:
        """BM25-like: each word weighs its idf (title words ×2) times its ts_rank in the thread.

            similarity = Σ idf(w)·t(w)·ts_rank(w) / (1 + 0.2·ln(1 + lexemes))
            t(w) = SIMILAR_TITLE_WEIGHT for the draft's title words, 1 for its body's rarest words

        ts_rank knows no idf (a rare word counts as much as "beer"), so document frequencies come
        from search_words (exact after a rebuild, approximate between rebuilds). ts_rank over all
        the words, then answer status, only break ties.
        """
        connection = self._read_connection()
        title_words = list(dict.fromkeys(words_of(title)))[: ranking.SIMILAR_TITLE_TERMS]
        body_counts = Counter(word for word in words_of(body) if len(word) > 2 and word not in title_words)
        rows = connection.execute(
            select(_words.c.word, _words.c.frequency).where(
                _words.c.word.in_(sorted({*title_words, *body_counts}))
            )
        )
        frequency = {word: count for word, count in rows}
        total = connection.scalar(select(func.count()).select_from(_documents)) or 0
        weights = {
            # a title word the word list does not know (digits, two letters): weigh it as rare
            word: weight * ranking.SIMILAR_TITLE_WEIGHT
            for word, weight in ranking.distinctive_terms(
                Counter(title_words), {w: frequency.get(w) or 1 for w in title_words}, total, len(title_words)
            )
        }
        for word, weight in ranking.distinctive_terms(
            body_counts, frequency, total, ranking.SIMILAR_BODY_TERMS
        ):
            weights[word] = weight
        if not weights:
            return []
        queries = {word: func.plainto_tsquery(REGCONFIG, word) for word in weights}
        any_word = reduce(func.tsquery_or, list(queries.values()))
        if not connection.scalar(select(func.numnode(any_word))):
            return []
        document = _documents.c.document
        similarity = literal_column("0.0")
        for word, weight in weights.items():
            # ts_rank of one word: how often and where (title A 1.0, tags B 0.4, text C 0.2)
            similarity = similarity + weight * func.ts_rank(WEIGHTS, document, queries[word], 0)
        # long threads match more words by length alone (BM25's length normalisation, gently)
        similarity = similarity / (1 + SIMILAR_LENGTH_DAMPING * func.ln(1 + func.length(document)))
        rank = func.ts_rank(WEIGHTS, document, any_word, LENGTH_NORMALISATION)
        statement = (
            self._filtered(SearchQuery(), any_word)
            # relevance first; answer status only breaks ties
            .order_by(
                similarity.desc(),
                rank.desc(),
                _documents.c.has_accepted.desc(),
                _documents.c.is_answered.desc(),
            )
            .limit(limit)
        )
        return list(connection.scalars(statement))
