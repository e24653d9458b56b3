"""PostgreSQL full-text search: a tsvector per question, GIN-indexed, in the forum's own database.

Weights: A title, B tags, C question body and visible answers. Matching uses tsqueries built
from the parsed query, ranking ts_rank_cd × answer quality (over at most SEARCH_MAX_RESULTS
candidates), passages ts_headline, and "did you mean" trigram similarity (pg_trgm) against the
words of the questions.
"""

from __future__ import annotations

import logging
import math
import re
import time
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache, reduce

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
from sqlalchemy.exc import DBAPIError

from forum.extensions import db
from forum.models import Post, Tag, User, question_tags
from forum.models.search import SearchDocument, SearchTerms, SearchWord
from forum.search import ranking
from forum.search.backend import IndexBusy, Match, Progress, SearchBackend
from forum.search.documents import VOCABULARY_WORD, Document, load_documents, visible_question_ids
from forum.search.highlight import START, STOP, hide_markup, passage_window, sentinel_marks, with_ellipses
from forum.search.query import SearchQuery

log = logging.getLogger(__name__)
_PLAIN_WORD = re.compile(r"[^\W_]+")
REGCONFIG = literal_column("'english'::regconfig")
# ts_rank weights in the order {D, C, B, A}: title 1.0, tags 0.4, body and answers 0.2
WEIGHTS = literal_column("'{0.1, 0.2, 0.4, 1.0}'::float4[]")
# similar(): a thread's title counts most, its tags and text about half as much (near what
# BM25F gives in Whoosh: ts_rank's default 1.0 / 0.2 made a title word worth five in the text)
SIMILAR_WEIGHTS = "CAST('{0.1, 0.5, 0.7, 1.0}' AS float4[])"
# normalisation 1: divide by 1 + log(length), so long threads do not win by length alone
LENGTH_NORMALISATION = 1
SIMILAR_LENGTH_DAMPING = 0.2
# similar()'s candidates: threads whose titles and tags share any of the draft's lexemes but the
# common ones, found in narrow rows (search_terms), up to this many matches by the lexemes'
# document frequencies (their titles' are fewer)...
SIMILAR_TITLE_BUDGET = 50_000
# ... and threads sharing the rarest lexemes anywhere, up to this many matches (a probe of
# search_documents reads a wide row a match); the best candidates by the idf they share are then
# ranked exactly. Against the ranking of 2,000 candidates with no budget, over bench/pages.py's
# 200 drafts, the top 5 agreed 99.5% at 10k posts (16 ms at the median) and 92.1% at 1M (19 ms;
# by the question a seeded copy is of): a budget of 20,000 matches in search_documents alone
# and 200 candidates gave 98.3% (17 ms) and 78.4% (87 ms)
SIMILAR_POSTINGS_BUDGET = 2_000
SIMILAR_CANDIDATES = 300
# when every lexeme is common, only this many threads of the most telling one, the best
# answered: read in the order of answer quality, the walk stops there, where the GIN index gives
# every thread of the lexeme first (at 1M posts, 27,000 to take 5,000 of them: 18 ms; the walk: 3 ms)
SIMILAR_FORCED_POSTINGS = 200
# lexemes in more than this share of the documents (and more than SIMILAR_COMMON_MIN) only rank
SIMILAR_COMMON_SHARE = 0.1
SIMILAR_COMMON_MIN = 1000
# lexeme frequencies: counted (up to a cap) when the statistics do not list them
SIMILAR_COUNT_MIN = 1000
SIMILAR_UNKNOWN_SHARE = 0.05
MAX_LEXEME_CHARS = 40
# pg_advisory_xact_lock key shared by every process that writes search documents
WRITER_LOCK = 0x5EA2C4
EXCERPT_OPTIONS = (
    f'MaxFragments=2, MaxWords=30, MinWords=12, FragmentDelimiter=" … ", StartSel={START}, StopSel={STOP}'
)

# the document, and its title's and tags' lexemes alone for similar()'s candidates (SearchTerms)
UPSERT = text(
    """
    WITH written AS (
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
    RETURNING question_id, document
    )
    INSERT INTO search_terms (question_id, lexemes)
    SELECT question_id, strip(ts_filter(document, '{a,b}')) FROM written
    ON CONFLICT (question_id) DO UPDATE SET lexemes = EXCLUDED.lexemes
    """
)
ADD_WORDS = text(
    "INSERT INTO search_words (word, frequency) VALUES (:word, :frequency) ON CONFLICT DO NOTHING"
)

# The lexemes of a draft (stemmed as the documents are) and how often each occurs in it; the
# number of documents (ANALYZE's estimate, or a count when there is none) and when ANALYZE last
# made the column's statistics (by hand or by autovacuum), so each process reads the lexeme
# shares of those statistics again only when they change (LEXEME_SHARES)
DRAFT_LEXEMES = text(
    """
    SELECT d.part, d.lexeme, d.tf, s.documents, s.analysed
    FROM (
        SELECT 'title' AS part, lexeme, coalesce(array_length(positions, 1), 1) AS tf
        FROM unnest(to_tsvector('english', :title))
        UNION ALL
        SELECT 'body', lexeme, coalesce(array_length(positions, 1), 1)
        FROM unnest(to_tsvector('english', :body))
    ) AS d CROSS JOIN (
        SELECT CASE WHEN c.reltuples > 0 THEN c.reltuples
                ELSE (SELECT count(*) FROM search_documents) END AS documents,
            concat(pg_stat_get_last_analyze_time(c.oid), ' ', pg_stat_get_last_autoanalyze_time(c.oid))
                AS analysed
        FROM pg_class AS c WHERE c.oid = CAST('search_documents' AS regclass)
    ) AS s
    """
)
# The share of the documents ANALYZE found each common lexeme in: pg_stats' most common elements
# of the column, about 10,000 at its statistics target of 1,000 (migration 0022); the shares end
# with the least and greatest of them and the share of NULLs. Reading them costs 8 ms (the
# statistics row is large and compressed), so a process keeps them (_LexemeShares).
LEXEME_SHARES = text(
    """
    SELECT CAST(CAST(s.most_common_elems AS text) AS text[]) AS lexemes, s.most_common_elem_freqs AS shares
    FROM pg_stats AS s
    WHERE s.schemaname = current_schema() AND s.tablename = 'search_documents' AND s.attname = 'document'
    """
)
# How many documents contain each of the draft's rarer lexemes (not among the common ones), counted
# through the GIN index up to :cap (a bitmap heap scan visits each match)
LEXEME_COUNTS = text(
    """
    SELECT u.lexeme, (
        SELECT count(*) FROM (
            SELECT 1 FROM search_documents AS x WHERE x.document @@ CAST(u.query AS tsquery) LIMIT :cap
        ) AS m
    ) AS matches
    FROM unnest(CAST(:lexemes AS text[]), CAST(:queries AS text[])) AS u(lexeme, query)
    """
)
# Set for the rest of the transaction (by their names in SET_PLANNER), returning the values before
PLANNER_SETTINGS = {
    "enable_seqscan": "off",
    "enable_hashjoin": "off",
    "enable_mergejoin": "off",
    "max_parallel_workers_per_gather": "0",
    "plan_cache_mode": "force_custom_plan",
}
SET_PLANNER = text(
    "WITH before AS MATERIALIZED (SELECT "
    + ", ".join(f"current_setting('{name}') AS {name}" for name in PLANNER_SETTINGS)
    + ") SELECT "
    + ", ".join(f"before.{name}, set_config('{name}', :{name}, true)" for name in PLANNER_SETTINGS)
    + " FROM before"
)

_documents = SearchDocument.__table__
_terms = SearchTerms.__table__
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


@dataclass(frozen=True)
class _Lexeme:
    """A lexeme of a draft, its weight in similar(), and how many documents contain it."""

    lexeme: str
    weight: float
    frequency: int


@dataclass(frozen=True)
class _LexemeShares:
    """LEXEME_SHARES as a process keeps them, with when ANALYZE made them (DRAFT_LEXEMES' analysed)."""

    analysed: str
    shares: dict[str, float]
    rarest: float | None  # the least share listed (None: the column was never analysed)

    def cap(self, documents: float) -> int:
        """How far to count a lexeme not listed: twice what the rarest one listed has."""
        share = SIMILAR_UNKNOWN_SHARE if self.rarest is None else self.rarest
        return max(SIMILAR_COUNT_MIN, math.ceil(2 * documents * share))


def _delete(connection: Connection, question_ids: list[int] | None = None) -> None:
    """Delete the questions' documents and lexemes (None: all of them)."""
    for table in (_documents, _terms):
        if question_ids is None:
            connection.execute(delete(table))
        elif question_ids:
            connection.execute(delete(table).where(table.c.question_id.in_(question_ids)))


def _all_of(parts: list):
    return reduce(func.tsquery_and, parts) if parts else None


class PostgresBackend(SearchBackend):
    """Search documents in PostgreSQL, written by one drain at a time (an advisory lock)."""

    name = "postgres"

    def __init__(self, config: dict):
        super().__init__(config)
        self.timeout = float(config["SEARCH_WRITER_TIMEOUT"])
        self.delay = float(config["SEARCH_WRITER_DELAY"])
        self._shares = _LexemeShares("", {}, None)

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
            _delete(connection, [question_id for question_id in ids if question_id not in documents])
            self._add_words(
                connection, Counter(word for doc in documents.values() for word in doc.vocabulary())
            )

    def remove(self, question_ids) -> None:
        ids = sorted(set(question_ids))
        if ids:
            with self._locked() as connection:
                _delete(connection, ids)

    def rebuild(self, progress: Progress | None = None) -> int:
        count = 0
        frequencies: Counter = Counter()
        # one transaction: searches see the old documents until the new ones are all written
        with self._locked(timeout=max(self.timeout, 60.0)) as connection:
            _delete(connection)
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
        self._tidy()
        return count

    @staticmethod
    def _tidy() -> None:
        """After a rebuild: VACUUM ANALYZE the search tables, ANALYZE the tables searches join.

        The GIN index takes a rebuild's documents into its pending list, which every search
        then reads through (slowly) and which makes the planner prefer reading every document;
        VACUUM moves them into the index. ANALYZE refreshes the lexeme statistics similar()
        weighs words by, and the planner's view of the posts a rebuild typically follows (an
        import): statistics of the documents alone, beside none for posts, make it pick
        nested loops that read every document. Not essential where autovacuum runs.
        """
        joined = ", ".join(table.name for table in (_posts, question_tags, Tag.__table__, User.__table__))
        try:
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
                connection.execute(text(f"VACUUM ANALYZE {_documents.name}, {_terms.name}, {_words.name}"))
                connection.execute(text(f"ANALYZE {joined}"))
        except DBAPIError as error:  # e.g. not the tables' owner
            log.warning("Could not VACUUM ANALYZE the search tables after the rebuild: %s", error)

    def clear(self) -> None:
        with self._locked() as connection:
            _delete(connection)
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

    def _match(self, query: SearchQuery, sort: str, page: int, per_page: int, cap: int) -> Match:
        with _index_lookups(self._read_connection()):
            return self._match_by_index(query, sort, page, per_page, cap)

    def _match_by_index(self, query: SearchQuery, sort: str, page: int, per_page: int, cap: int) -> Match:
        """One statement: the first cap + 1 matches in an indexed order, then the page among them.

            candidates = the first cap + 1 matches by (quality, created_at, question_id) desc
                         (sort=newest: created_at; sort=votes: score, created_at)
            relevance  = ts_rank_cd × quality, over the candidates only

        For a common word the planner reads the index on that order until cap + 1 documents
        match, for a rarer one the GIN index's matches (then sorted), so the cost no longer
        grows with the matches; a common word ranks the best-answered threads that mention it
        (a thread outside the candidates has no better answers than any inside). The planner
        does not count reading a tsvector, so a word in about a fifth of the documents may
        still read a few thousand. The candidates' count is the total ("1,000+" past the cap).
        A question deleted since it was indexed (its entry leaves the index after the commit) is
        left out when the page's rows are read, as with Whoosh, not looked up for every candidate.
        """
        connection = self._read_connection()
        positive = self._positive(query)
        full = _all_of([part for part in [positive, *self._negative(query)] if part is not None])
        documents = _documents.c
        statement = self._filtered(query, full).add_columns(
            documents.quality, documents.created_at, documents.score, _row_address(_documents).label("row")
        )
        ranks = sort == "relevance" and positive is not None
        if positive is not None:  # only common words: nothing to match (checked once, not per row)
            statement = statement.where(func.numnode(positive) > 0)
        candidates = (
            statement.order_by(*_order(sort, documents), documents.question_id.desc())
            .limit(cap + 1)
            .cte("candidates")
        )
        found = candidates.c
        total = select(func.count()).select_from(candidates).scalar_subquery()
        page_rows = select(found.question_id, total.label("total"))
        final = _order(sort, found)
        if ranks:
            # each candidate's document read again at its row address (the statement's snapshot
            # keeps it there): carried through the sorts above, a thousand documents spilled them
            # to disk, and a lookup by key descends the primary key's index for each
            ranked = _documents.alias("ranked")
            page_rows = page_rows.join(ranked, _row_address(ranked) == found.row)
            rank = func.ts_rank_cd(WEIGHTS, ranked.c.document, positive, LENGTH_NORMALISATION)
            final = [(rank * found.quality).desc()]
        offset = (page - 1) * per_page
        rows = connection.execute(
            page_rows.order_by(*final, found.question_id.desc())
            .limit(max(0, min(per_page, cap - offset)))
            .offset(offset)
        ).all()
        if rows:
            count = rows[0].total
        elif offset:
            count = connection.scalar(select(func.count()).select_from(candidates))
        else:
            count = 0
        if not count and positive is not None and not connection.scalar(select(func.numnode(positive))):
            return Match([], 0, only_common_words=True)
        return Match([row.question_id for row in rows], min(count, cap), more=count > cap)

    @staticmethod
    def _filtered(query: SearchQuery, tsquery):
        """Documents matching the text and every filter (tags and user from live tables)."""
        statement = select(_documents.c.question_id)
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
            statement = statement.where(
                _documents.c.question_id.in_(select(_posts.c.id).where(_posts.c.author_id == author))
            )
        for column, value in (
            (_documents.c.is_answered, query.is_answered),
            (_documents.c.has_accepted, query.has_accepted),
            (_documents.c.is_faq, query.is_faq),
        ):
            if value is not None:  # `is_faq`, not `is_faq IS true`: what the partial index is for
                statement = statement.where(column if value else ~column)
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
        """BM25-like: each lexeme weighs its idf (title lexemes ×2) times its ts_rank in the thread.

            similarity = Σ weight(l)·ts_rank(l) / (1 + 0.2·ln(1 + lexemes))
            weight(l) = SIMILAR_TITLE_WEIGHT·idf(l) for the draft's title lexemes,
                        idf(l) for its body's most distinctive ones (ranking.distinctive_terms)

        ts_rank knows no idf (a rare word counts as much as "beer"): document frequencies are
        the planner's own (pg_stats' most common lexemes of the column, kept by ANALYZE), and
        for the rarer lexemes a count through the GIN index. Two passes, so the cost does not
        grow with every thread a common word touches: GIN indexes find the threads whose titles
        and tags share the draft's lexemes and those sharing its rarest lexemes anywhere
        (_rank_similar), the best SIMILAR_CANDIDATES of them by the idf they share are ranked
        exactly. ts_rank over all the lexemes, then answer status, only break ties.
        """
        connection = self._read_connection()
        with _index_lookups(connection):
            lexemes, total = self._draft_lexemes(connection, title, body)
            if not lexemes:
                return []
            return self._rank_similar(connection, lexemes, total, limit)

    def _draft_lexemes(self, connection: Connection, title: str, body: str) -> tuple[list[_Lexeme], int]:
        """The draft's title lexemes and most distinctive body lexemes, weighted; how many documents.

        As in Whoosh: a title lexeme weighs SIMILAR_TITLE_WEIGHT × idf, a body lexeme its idf.
        """
        rows = [
            row
            for row in connection.execute(DRAFT_LEXEMES, {"title": title, "body": body})
            if 2 <= len(row.lexeme) <= MAX_LEXEME_CHARS
        ]
        if not rows:
            return [], 0
        documents = rows[0].documents
        known = self._lexeme_shares(connection, rows[0].analysed)
        frequency = {
            row.lexeme: max(1, round(known.shares[row.lexeme] * documents))
            for row in rows
            if row.lexeme in known.shares
        }
        rarer = sorted({row.lexeme for row in rows} - frequency.keys())
        counts = connection.execute(
            LEXEME_COUNTS,
            {"lexemes": rarer, "queries": [_quoted(lexeme) for lexeme in rarer], "cap": known.cap(documents)},
        )
        frequency.update((row.lexeme, int(row.matches)) for row in counts)
        total = round(documents)
        title_counts: Counter = Counter()
        body_counts: Counter = Counter()
        for row in rows:
            (title_counts if row.part == "title" else body_counts)[row.lexeme] += row.tf
        for lexeme in title_counts:
            body_counts.pop(lexeme, None)
        title_terms = ranking.distinctive_terms(
            Counter(dict.fromkeys(title_counts, 1)), frequency, total, ranking.SIMILAR_TITLE_TERMS
        )
        body_terms = ranking.distinctive_terms(body_counts, frequency, total, ranking.SIMILAR_BODY_TERMS)
        lexemes = [
            _Lexeme(
                lexeme,
                ranking.SIMILAR_TITLE_WEIGHT * ranking.idf(frequency[lexeme], total),
                frequency[lexeme],
            )
            for lexeme, _ in title_terms
        ]
        lexemes += [
            _Lexeme(lexeme, ranking.idf(frequency[lexeme], total), frequency[lexeme])
            for lexeme, _ in body_terms
        ]
        return lexemes, total

    def _lexeme_shares(self, connection: Connection, analysed: str) -> _LexemeShares:
        """The common lexemes' shares, read again when ANALYZE has made new statistics."""
        known = self._shares
        if known.analysed != analysed:
            row = connection.execute(LEXEME_SHARES).first()
            if row is None or row.lexemes is None:
                known = _LexemeShares(analysed, {}, None)
            else:
                listed = len(row.lexemes)
                shares = dict(zip(row.lexemes, row.shares[:listed], strict=True))
                known = _LexemeShares(analysed, shares, row.shares[listed])
            self._shares = known
        return known

    def _rank_similar(
        self, connection: Connection, lexemes: list[_Lexeme], total: int, limit: int
    ) -> list[int]:
        """The `limit` best threads: candidates from the rarer lexemes, then the exact similarity.

        Candidates are the threads whose titles and tags have any lexeme but the common ones
        (up to SIMILAR_TITLE_BUDGET documents: search_terms' rows are narrow) and those the
        rarest lexemes are in (up to SIMILAR_POSTINGS_BUDGET: a probe of search_documents reads
        a wide row a match).
        """
        common = max(SIMILAR_COMMON_MIN, SIMILAR_COMMON_SHARE * total)
        probed, budget, titled, titles_budget = [], SIMILAR_POSTINGS_BUDGET, [], SIMILAR_TITLE_BUDGET
        by_weight = sorted(range(len(lexemes)), key=lambda index: -lexemes[index].weight)
        for index in by_weight:
            postings = lexemes[index].frequency
            if postings <= min(common, titles_budget):
                titled.append(index)
                titles_budget -= postings
            if postings <= min(common, budget):
                probed.append(index)
                budget -= postings
        # only common lexemes: the most telling one is looked up all the same, a few of its threads
        forced = not (probed or titled)
        if forced:
            probed.append(by_weight[0])
        parameters: dict = {"candidates": SIMILAR_CANDIDATES, "limit": limit}
        parameters["forced"] = SIMILAR_FORCED_POSTINGS
        for index, item in enumerate(lexemes):
            parameters[f"q{index}"] = _quoted(item.lexeme)
            parameters[f"w{index}"] = item.weight
        parameters["any"] = " | ".join(parameters[f"q{index}"] for index in range(len(lexemes)))
        statement = _similar_statement(len(lexemes), tuple(probed), forced, tuple(titled))
        return list(connection.scalars(statement, parameters))


def _row_address(table):
    """The row's physical address (ctid): a join on it reads the row directly (a TID scan)."""
    return literal_column(f"{table.name}.ctid")


def _order(sort: str, columns) -> list:
    """The order a search takes its candidates in: best answered, newest or top voted first."""
    if sort == "newest":
        return [columns.created_at.desc()]
    if sort == "votes":
        return [columns.score.desc(), columns.created_at.desc()]
    return [columns.quality.desc(), columns.created_at.desc()]


@contextmanager
def _index_lookups(connection: Connection) -> Iterator[None]:
    """Plan the statements inside to find documents by the GIN index, in this process alone.

    The planner does not count reading a document's tsvector, so once ANALYZE has told it how
    common a lexeme is, for one in a few percent of the documents (or more) it reads them all,
    which costs far more than the index (10k questions, a word in a quarter of them: 73 ms
    against 47 ms); and a parallel plan's start-up costs more than these lookups. The statements
    join at most a few thousand candidates, by key: a hash or merge join read a whole table
    instead (at 10k, a search joined its 924 candidates to posts by walking 8,386 of them). Every
    statement is planned for its own words: the driver prepares a statement run often on a
    connection, and PostgreSQL's generic plan for it, made without knowing the words, read far
    more (at 1M posts, 33 ms of statements per search became 100 ms once the statement had run
    ten times). Set for the transaction, and back as it was after.
    """
    before = connection.execute(SET_PLANNER, PLANNER_SETTINGS).one()
    try:
        yield
    finally:
        connection.execute(SET_PLANNER, {name: getattr(before, name) for name in PLANNER_SETTINGS})


BEST_FORCED = " ORDER BY quality DESC, created_at DESC, question_id DESC LIMIT :forced"


@lru_cache(maxsize=256)
def _similar_statement(lexemes: int, probed: tuple[int, ...], forced: bool, titled: tuple[int, ...]):
    """similar()'s ranking for :q0… (tsquery text of one lexeme each) weighing :w0…, as SQL.

    Candidates: threads the GIN indexes find by the `probed` lexemes in their documents and by
    the `titled` ones in their titles and tags (search_terms), the :candidates best by the sum of
    the weights found (a lexeme in both counts twice); each one's document is then read once by
    its key (`|| ''`: a copy, so the ts_rank calls below do not each fetch one too long for its
    row from the TOAST table) and ranked as _similar_ids says. A question deleted since it was
    indexed is left out when the rows are read (as by search). A first probed lexeme that is
    `forced` (common) gives its :forced best-answered threads.
    """
    hits = "\n        UNION ALL ".join(
        [
            f"(SELECT question_id, CAST(:w{index} AS float8) AS weight FROM search_documents"
            f" WHERE document @@ CAST(:q{index} AS tsquery){BEST_FORCED if forced and not n else ''})"
            for n, index in enumerate(probed)
        ]
        + [
            f"(SELECT question_id, CAST(:w{index} AS float8) AS weight FROM search_terms"
            f" WHERE lexemes @@ CAST(:q{index} AS tsquery))"
            for index in titled
        ]
    )
    similarity = " + ".join(
        f"CAST(:w{index} AS float8) * ts_rank({SIMILAR_WEIGHTS}, f.document, CAST(:q{index} AS tsquery), 0)"
        for index in range(lexemes)
    )
    return text(
        f"""
        SELECT f.question_id FROM (
            SELECT d.question_id, d.has_accepted, d.is_answered,
                d.document || CAST('' AS tsvector) AS document
            FROM (
                SELECT hits.question_id FROM ({hits}) AS hits
                GROUP BY hits.question_id
                ORDER BY sum(hits.weight) DESC, hits.question_id
                LIMIT :candidates
            ) AS c
            JOIN search_documents AS d ON d.question_id = c.question_id
            OFFSET 0
        ) AS f
        ORDER BY ({similarity}) / (1 + {SIMILAR_LENGTH_DAMPING} * ln(1 + length(f.document))) DESC,
            ts_rank({SIMILAR_WEIGHTS}, f.document, CAST(:any AS tsquery), {LENGTH_NORMALISATION}) DESC,
            f.has_accepted DESC, f.is_answered DESC, f.question_id
        LIMIT :limit
        """
    )


def _quoted(lexeme: str) -> str:
    """A lexeme as tsquery input: quoted, so no character of it is an operator."""
    return "'" + lexeme.replace("\\", "\\\\").replace("'", "''") + "'"
