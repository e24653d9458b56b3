"""The embedded engine: a Whoosh index in the instance folder. All Whoosh code lives here."""

from __future__ import annotations

import logging
import os
import weakref
from calendar import timegm
from collections import Counter

from markupsafe import Markup, escape
from whoosh import highlight, scoring, writing
from whoosh import index as whoosh_index
from whoosh import query as wq
from whoosh.analysis import LowercaseFilter, RegexTokenizer, StemmingAnalyzer
from whoosh.columns import NumericColumn
from whoosh.fields import BOOLEAN, COLUMN, ID, KEYWORD, NUMERIC, STORED, TEXT, Schema
from whoosh.filedb.filestore import FileStorage

from forum.extensions import db
from forum.search import ranking
from forum.search.backend import IndexBusy, Match, Progress, SearchBackend
from forum.search.documents import VOCABULARY_WORD, Document, load_documents, visible_question_ids
from forum.search.highlight import passage_window, with_ellipses
from forum.search.query import SearchQuery

log = logging.getLogger(__name__)
STEMMING = StemmingAnalyzer()
TEXT_FIELDS = ("title", "tagtext", "content")
MERGE_AFTER_SEGMENTS = 12


def make_schema() -> Schema:
    """Title ×5, tags ×2, question body and visible answers ×1; status, score and dates as columns."""
    return Schema(
        question_id=ID(stored=True, unique=True),
        title=TEXT(analyzer=STEMMING, field_boost=5.0),
        tagtext=TEXT(analyzer=STEMMING, field_boost=2.0),
        content=TEXT(analyzer=STEMMING),
        tags=KEYWORD(lowercase=True),
        author=ID(),
        answered=BOOLEAN(stored=True),
        accepted=BOOLEAN(stored=True),
        staff=BOOLEAN(),
        closed=BOOLEAN(),
        duplicate=BOOLEAN(),
        faq=BOOLEAN(),
        # Every indexed term costs a Whoosh commit about 0.2 ms: score is searched by range (few
        # trie levels), date and quality are only sorted on (columns, no terms)
        score=NUMERIC(int, bits=32, signed=True, sortable=True, shift_step=8),
        created=COLUMN(NumericColumn("q", default=0)),  # microseconds since 1970
        number=COLUMN(NumericColumn("q", default=0)),  # the question id, breaking ties as SQL does
        quality=COLUMN(NumericColumn("d", default=1.0)),
        fingerprint=STORED(),
        # unstemmed words, only for "did you mean"
        spelling=TEXT(analyzer=RegexTokenizer(VOCABULARY_WORD.pattern) | LowercaseFilter(), phrase=False),
    )


def document_fields(document: Document) -> dict:
    """A Document as Whoosh fields."""
    return {
        "question_id": str(document.question_id),
        "title": document.title,
        "tagtext": " ".join(tag.replace("-", " ") for tag in document.tags),
        "content": document.content,
        "tags": " ".join(document.tags),
        "author": document.author or "",
        "answered": document.is_answered,
        "accepted": document.has_accepted,
        "staff": document.has_staff_answer,
        "closed": document.is_closed,
        "duplicate": document.is_duplicate,
        "faq": document.is_faq,
        "score": document.score,
        "created": timegm(document.created_at.timetuple()) * 1_000_000 + document.created_at.microsecond,
        "number": document.question_id,
        "quality": document.quality,
        "fingerprint": document.fingerprint,
        "spelling": " ".join(sorted(document.vocabulary())),
    }


class QualityWeighting(scoring.BM25F):
    """BM25F text relevance multiplied by the document's answer quality (see ranking.quality)."""

    use_final = True

    def __init__(self) -> None:
        super().__init__()
        self._columns: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()

    def final(self, searcher, docnum, score):
        column = self._columns.get(searcher)
        if column is None:
            column = self._columns[searcher] = searcher.reader().column_reader("quality")
        return score * column[docnum]


def schema_signature(schema: Schema) -> list[tuple[str, str, str]]:
    """Field names and kinds: what must match for an index on disk to be usable."""
    return sorted(
        (name, type(field).__name__, type(getattr(field, "column_type", None)).__name__)
        for name, field in schema.items()
    )


def analysed(text: str) -> list[str]:
    """The index terms of a piece of text (lower-cased, stemmed, stop words dropped)."""
    return [token.text for token in STEMMING(text)]


class WhooshBackend(SearchBackend):
    """Whoosh with one writer at a time: writers wait for the lock, never lose a change silently."""

    name = "whoosh"

    def __init__(self, config: dict):
        super().__init__(config)
        self.path = config["SEARCH_INDEX_PATH"]
        self.timeout = float(config["SEARCH_WRITER_TIMEOUT"])
        self.delay = float(config["SEARCH_WRITER_DELAY"])
        self.schema = make_schema()
        self._index: whoosh_index.Index | None = None

    # -- storage ----------------------------------------------------------------------------

    def _open(self) -> whoosh_index.Index:
        """The index, created on first use (one process creates it, the others wait and open it).

        An index written with other fields (by an older release) is started again, empty, so
        searches keep working; `flask search reindex` then fills it.
        """
        if self._index is not None:
            return self._index
        os.makedirs(self.path, exist_ok=True)
        lock = FileStorage(self.path).lock("CREATE_LOCK")
        lock.acquire(blocking=True)
        try:
            index = whoosh_index.open_dir(self.path) if whoosh_index.exists_in(self.path) else None
            if index is not None and schema_signature(index.schema) != schema_signature(self.schema):
                log.warning(
                    "The search index at %s has other fields; it is emptied: run `flask search reindex`.",
                    self.path,
                )
                index = None
            self._index = index or whoosh_index.create_in(self.path, self.schema)
        finally:
            lock.release()
        return self._index

    def _writer(self) -> writing.SegmentWriter:
        """A writer, after waiting up to SEARCH_WRITER_TIMEOUT for another process's to finish.

        Whoosh's default writer() gives up at once when the lock is taken, and AsyncWriter
        loses the change if its thread dies with the worker: waiting here, and leaving the
        outbox row when even that fails, is what keeps every change.
        """
        try:
            return self._open().writer(timeout=self.timeout, delay=self.delay)
        except whoosh_index.LockError as error:
            raise IndexBusy(f"the search index at {self.path} is locked by another writer") from error

    def _write(self, writer, question_ids, documents: dict[int, Document]) -> None:
        for question_id in question_ids:
            document = documents.get(question_id)
            if document is None:
                writer.delete_by_term("question_id", str(question_id))
            else:
                writer.update_document(**document_fields(document))

    # -- the interface ----------------------------------------------------------------------

    def index(self, question_ids) -> None:
        ids = sorted(set(question_ids))
        if not ids:
            return
        writer = self._writer()
        try:
            # read after taking the lock: whoever writes last has read the newest commit
            with db.engine.connect() as connection:
                documents = load_documents(connection, ids)
            self._write(writer, ids, documents)
        except BaseException:
            writer.cancel()
            raise
        writer.commit(mergetype=merge_when_many)

    def remove(self, question_ids) -> None:
        ids = sorted(set(question_ids))
        if not ids:
            return
        writer = self._writer()
        try:
            self._write(writer, ids, {})
        except BaseException:
            writer.cancel()
            raise
        writer.commit()

    def rebuild(self, progress: Progress | None = None) -> int:
        writer = self._open().writer(timeout=max(self.timeout, 60.0), delay=self.delay, limitmb=128)
        count = 0
        try:
            with db.engine.connect() as connection:
                for batch in visible_question_ids(connection):
                    for document in load_documents(connection, batch).values():
                        writer.add_document(**document_fields(document))
                    count += len(batch)
                    if progress:
                        progress(len(batch))
        except BaseException:
            writer.cancel()
            raise
        writer.commit(mergetype=writing.CLEAR)
        return count

    def clear(self) -> None:
        writer = self._writer()
        writer.commit(mergetype=writing.CLEAR)

    def indexed_fingerprints(self) -> dict[int, str]:
        with self._open().searcher() as searcher:
            return {
                int(fields["question_id"]): fields.get("fingerprint", "")
                for fields in searcher.all_stored_fields()
            }

    # -- searching ----------------------------------------------------------------------------

    def _match(self, query: SearchQuery, sort: str, page: int, per_page: int) -> Match:
        text_query, only_common = self._text_query(query)
        if only_common:
            return Match([], 0, only_common_words=True)
        conditions = [text_query or wq.Every(), *self._filters(query)]
        whoosh_query = wq.And(conditions) if len(conditions) > 1 else conditions[0]
        if sort == "newest":
            sortedby = ["created", "number"]
        elif sort == "votes":
            sortedby = ["score", "created", "number"]
        elif text_query is None:
            sortedby = ["quality", "created", "number"]
        else:
            sortedby = None
        offset = (page - 1) * per_page
        with self._open().searcher(weighting=QualityWeighting()) as searcher:
            results = searcher.search(
                whoosh_query, limit=offset + per_page, sortedby=sortedby, reverse=sortedby is not None
            )
            ids = [int(hit["question_id"]) for hit in results[offset : offset + per_page]]
            return Match(ids, len(results))

    def _text_query(self, query: SearchQuery) -> tuple[wq.Query | None, bool]:
        """Words and phrases must all match, in any text field; excluded ones must not."""
        required = []
        for word in query.words:
            terms = analysed(word)
            if terms:
                required.append(wq.And([self._anywhere(term) for term in terms]))
        for phrase in query.phrases:
            terms = analysed(phrase)
            if len(terms) > 1:
                required.append(wq.Or([wq.Phrase(name, terms) for name in TEXT_FIELDS]))
            elif terms:
                required.append(self._anywhere(terms[0]))
        excluded = [self._anywhere(term) for word in query.excluded_words for term in analysed(word)]
        excluded += [
            wq.Or([wq.Phrase(name, terms) for name in TEXT_FIELDS])
            for phrase in query.excluded_phrases
            if len(terms := analysed(phrase)) > 1
        ]
        if query.has_text and not required:
            return None, True
        parts = required + [wq.Not(item) for item in excluded]
        if not parts:
            return None, False
        if not required:
            parts.insert(0, wq.Every())
        return (wq.And(parts) if len(parts) > 1 else parts[0]), False

    @staticmethod
    def _anywhere(term: str) -> wq.Query:
        return wq.Or([wq.Term(name, term) for name in TEXT_FIELDS])

    @staticmethod
    def _filters(query: SearchQuery) -> list[wq.Query]:
        filters: list[wq.Query] = [wq.Term("tags", tag) for tag in query.tags]
        if query.user:
            filters.append(wq.Term("author", query.user))
        flags = {"answered": query.is_answered, "accepted": query.has_accepted, "faq": query.is_faq}
        for name, value in flags.items():
            if value is not None:
                filters.append(wq.Term(name, value))
        for item in query.scores:
            filters.append(_score_range(item.operator, item.value))
        return filters

    def _mark(self, query: SearchQuery, documents: list[Document]) -> dict[int, Markup]:
        terms = frozenset(term for text in (*query.words, *query.phrases) for term in analysed(text))
        words = [*query.words, *" ".join(query.phrases).split()]
        marks = {}
        for document in documents:
            passage = _passage(document.content, terms, words) if terms else None
            if passage is not None:
                marks[document.question_id] = passage
        return marks

    def _corrections(self, words: list[str]) -> dict[str, str]:
        corrections: dict[str, str] = {}
        with self._open().searcher() as searcher:
            reader = searcher.reader()
            corrector = searcher.corrector("spelling")
            for word in words:
                if not VOCABULARY_WORD.fullmatch(word) or reader.doc_frequency("spelling", word):
                    continue
                # nearest first: Whoosh ranks all words within maxdist by frequency alone
                for distance in (1, 2) if len(word) > 4 else (1,):
                    suggestions = corrector.suggest(word, limit=1, maxdist=distance)
                    if suggestions:
                        corrections[word] = suggestions[0]
                        break
        return corrections

    def _similar_ids(self, title: str, body: str, limit: int) -> list[int]:
        """Title terms (weighted) or'ed with the body's rarest terms; answer status breaks ties."""
        title_terms = list(dict.fromkeys(analysed(title)))[: ranking.SIMILAR_TITLE_TERMS]
        with self._open().searcher(weighting=scoring.BM25F()) as searcher:
            body_counts = Counter(term for term in analysed(body) if term not in title_terms)
            frequency = {term: searcher.doc_frequency("content", term) for term in body_counts}
            body_terms = ranking.distinctive_terms(body_counts, frequency, searcher.doc_count())
            clauses = [_boosted(term, ranking.SIMILAR_TITLE_WEIGHT) for term in title_terms]
            clauses += [_boosted(term, 1.0) for term, _ in body_terms]
            if not clauses:
                return []
            results = searcher.search(wq.Or(clauses), limit=limit * 3)
            ranked = sorted(
                results,
                # relevance first; answer status only breaks (near) ties
                key=lambda hit: (-round(hit.score, 6), not hit["accepted"], not hit["answered"], hit.docnum),
            )
            return [int(hit["question_id"]) for hit in ranked[:limit]]


class MarkFormatter(highlight.Formatter):
    """Escaped text, matched words wrapped in <mark>: user text can never become markup."""

    between = " … "

    def _text(self, text: str) -> str:
        return str(escape(text))

    def format_token(self, text: str, token, replace: bool = False) -> str:
        return f"<mark>{escape(highlight.get_text(text, token, replace))}</mark>"


def _passage(content: str, terms: frozenset[str], words: list[str]) -> Markup | None:
    """The best two passages with the analysed terms marked, or None when nothing matches."""
    start, end = passage_window(content, words)
    text = content[start:end]
    tokens = highlight.set_matched_filter(STEMMING(text, chars=True, mode="query", removestops=False), terms)
    fragmenter = highlight.ContextFragmenter(maxchars=160, surround=50)
    fragments = highlight.top_fragments(
        fragmenter.fragment_tokens(text, tokens), 2, highlight.BasicFragmentScorer(), highlight.FIRST
    )
    if not fragments:
        return None
    return with_ellipses(
        MarkFormatter().format(fragments),
        cut_before=start + fragments[0].startchar > 0,
        cut_after=start + fragments[-1].endchar < len(content),
    )


def merge_when_many(writer, segments):
    """Merge small segments only once there are many: every commit merging is most of its cost."""
    if len(segments) < MERGE_AFTER_SEGMENTS:
        return segments
    return writing.MERGE_SMALL(writer, segments)


def _boosted(term: str, boost: float) -> wq.Query:
    return wq.Or([wq.Term(name, term, boost=boost) for name in TEXT_FIELDS])


def _score_range(operator: str, value: int) -> wq.Query:
    """score:>=N and friends as a numeric range."""
    if operator == "=":
        return wq.NumericRange("score", value, value)
    if operator in (">=", ">"):
        return wq.NumericRange("score", value, None, startexcl=operator == ">")
    return wq.NumericRange("score", None, value, endexcl=operator == "<")
