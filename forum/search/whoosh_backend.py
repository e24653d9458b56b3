"""The embedded engine: a Whoosh index in the instance folder. All Whoosh code lives here."""

from __future__ import annotations

import heapq
import io
import logging
import math
import os
import pickle
import threading
import weakref
import zlib
from array import array
from calendar import timegm
from collections import Counter, OrderedDict
from contextlib import suppress
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
from markupsafe import Markup, escape
from whoosh import highlight, scoring, writing
from whoosh import index as whoosh_index
from whoosh import query as wq
from whoosh.analysis import LowercaseFilter, RegexTokenizer, StemmingAnalyzer
from whoosh.codec.whoosh3 import (
    LENGTHS_COLUMN,
    WHOOSH3_HEADER_MAGIC,
    W3Codec,
    W3LeafMatcher,
    W3PostingsWriter,
    _lenfield,
)
from whoosh.columns import NumericColumn
from whoosh.fields import BOOLEAN, COLUMN, ID, KEYWORD, NUMERIC, STORED, TEXT, Schema
from whoosh.filedb.filestore import FileStorage
from whoosh.reading import TermNotFound
from whoosh.searching import Searcher
from whoosh.system import _INT_SIZE
from whoosh.system import _int_struct as _INT
from whoosh.util.numeric import byte_to_length, length_to_byte

from forum.extensions import db
from forum.search import ranking
from forum.search.backend import IndexBusy, Match, Progress, SearchBackend, SearchUnavailable
from forum.search.documents import VOCABULARY_WORD, Document, load_documents, visible_question_ids
from forum.search.highlight import passage_window, with_ellipses
from forum.search.query import SearchQuery

log = logging.getLogger(__name__)
STEMMING = StemmingAnalyzer()
TEXT_FIELDS = ("title", "tagtext", "content")
MERGE_AFTER_SEGMENTS = 12
# processes that analyse and write documents during a rebuild (at most one per core)
REBUILD_PROCESSES = 2
# similar(): BM25F as Whoosh's scoring.BM25F() defaults compute it
BM25_K1 = 1.2
BM25_B = 0.75
# similar() reads every posting of a common term only while that can still change the top
# results, and this many postings in all; the common terms left only rescore the best
# SIMILAR_CANDIDATES documents found, so a draft full of common words stays fast on a large
# index (see _similar_scores). Against the exact ranking of two samples of 150 titles at a
# million posts, their top 10 agreed 98.9% and 99.5%, as with 20,000 and 200 (11 ms at the
# median against these 8.5)
SIMILAR_POSTINGS_BUDGET = 10_000
SIMILAR_CANDIDATES = 400
# a term in this many documents or fewer is always read whole
CHEAP_POSTINGS = 1000
# scores this close are ties (_similar_ids rounds them to 6 places)
TIE = 1e-6
# the postings blocks similar() has decoded, kept by segment across searchers, counted in
# postings (2 to 8 bytes each: mostly 2) with what each term's entry and block costs besides:
# at most about 60 MiB a worker when full (10 million took 38 MiB). At a million posts the
# blocks 200 drafts rescore from count 10 million, and decoding them again was a third of a
# draft's time (see _PostingsCache)
SIMILAR_CACHED_POSTINGS = 16_000_000
TERM_OVERHEAD = 128
BLOCK_OVERHEAD = 16
# ... and their block directories, kept apart (19 bytes a block: about 19 MiB a worker when full)
DIRECTORY_BLOCKS = 1_000_000
# the pickle protocol postings blocks are written with (_PostingsWriter)
PICKLE_PROTOCOL = 5
# the term statistics similar() keeps with a searcher, at most (a searcher lives until a write)
KEPT_TERMS = 50_000
# the postings similar() pools with a searcher for rescoring (see _Span), at most: past it the
# pools start again. 8 bytes each (12 in an index of many millions of documents), so about
# 80-120 MiB a thread when full; at a million posts the 200 drafts of the page benchmark pool
# 8.9 million
SIMILAR_POOLED_POSTINGS = 10_000_000


class _PostingsWriter(W3PostingsWriter):
    """Whoosh's postings writer, each block in two parts pickled with protocol 5: document
    numbers and weights (_head), then values (a posting's positions), compressed.

    Whoosh pickles the three together with protocol 2, which writes every bytes object as a call
    of _codecs.encode on a string: a content block of 128 postings took about 370 µs to
    decompress, unpickle and delta-decode, nearly all of it positions. Scoring needs only the
    first part (_head; similar() decodes hundreds of blocks a draft at a million posts), a
    phrase reads the second too. The first part is not compressed: in the smallest arrays, zlib
    saved a sixth of it and took longer than the rest of its decoding. The block's info gains a
    seventh item, the first part's length (_LeafMatcher reads both layouts); vector postings
    (byte ids) keep Whoosh's one-part layout, compressed whole.
    """

    def _write_block(self, last=False):
        if not self._blockcount:
            self._postfile.write(WHOOSH3_HEADER_MAGIC)
        self._terminfo.add_block(self)
        ids, lengths = self._ids, (length_to_byte(self._minlength), length_to_byte(self._maxlength))
        if self._byteids:
            parts = [(self._mini_ids(), self._mini_weights(), self._mini_values())]
        else:
            parts = [_head(ids, self._mini_weights()), self._mini_values()]
        parts = [pickle.dumps(part, PICKLE_PROTOCOL) for part in parts]
        if self._compression:  # the last part: the positions, or the whole block
            parts[-1] = zlib.compress(parts[-1], self._compression)
        extra = (len(parts[0]),) if len(parts) > 1 else ()
        info = pickle.dumps((len(ids), ids[-1], self._maxweight, self._compression, *lengths, *extra), 2)
        size = len(info) + sum(len(part) for part in parts)
        self._postfile.write_int(-size if last else size)  # negative: the term's last block
        self._postfile.write(info)
        for part in parts:
            self._postfile.write(part)
        self._blockcount += 1
        self._new_block()


def _head(ids: list[int], weights: tuple | float | None) -> tuple:
    """A block's first part: its first document, every document's distance from it, and the
    weights (None: all 1.0; a float: all that), each in the smallest array that holds them
    (mostly bytes): nothing to delta-decode or decompress, and little to unpickle."""
    first = ids[0]
    if isinstance(weights, tuple):
        whole = all(weight.is_integer() for weight in weights)
        weights = _compact([int(weight) for weight in weights]) if whole else array("f", weights)
    return first, _compact([docnum - first for docnum in ids]), weights


def _compact(values: list[int]) -> array:
    """The numbers (whole, none negative) in an array of the smallest item that holds them all."""
    top = max(values, default=0)
    return array(next(code for code in "BHIQ" if top < 1 << 8 * array(code).itemsize), values)


def _weights(weights, count: int) -> array:
    """A block's weights as an array, from any form _head or Whoosh stores them in (whole
    numbers stay whole: converting them costs more than decoding the block)."""
    if weights is None or isinstance(weights, float):
        return array("f", [1.0 if weights is None else weights]) * count
    return weights if isinstance(weights, array) else array("f", weights)


class _LeafMatcher(W3LeafMatcher):
    """Whoosh's matcher of a term's postings, reading _PostingsWriter's two-part blocks as well
    as Whoosh's own (segments written before stay readable): the values only when asked."""

    _headlength: int | None = None  # the first part's length; None: Whoosh's layout

    def _goto(self, position):
        # Whoosh's _goto, keeping the seventh item of the block's info
        self._data = self._ids = self._weights = self._values = None
        self._i = 0
        postfile = self._postfile
        postfile.seek(position)
        length = postfile.read_int()
        if length < 0:  # the term's last block
            self._lastblock = True
            length = -length
        self._nextoffset = position + _INT_SIZE + length
        info = postfile.read_pickle()
        self._dataoffset = postfile.tell()
        self._blocklength, self._maxid, self._maxweight, self._compression, shortest, longest = info[:6]
        self._headlength = info[6] if len(info) > 6 else None
        self._minlength, self._maxlength = byte_to_length(shortest), byte_to_length(longest)

    def _part(self, offset: int, length: int, compressed: bool):
        data = self._postfile.get(offset, length)
        return pickle.loads(zlib.decompress(data) if compressed else data)

    def _read_data(self):
        if self._headlength is None:
            super()._read_data()
        else:
            first, offsets, weights = self._part(self._dataoffset, self._headlength, False)
            self._data = [first + offset for offset in offsets], weights, None

    def _read_ids(self):
        if self._headlength is None:
            super()._read_ids()
        else:
            if self._data is None:
                self._read_data()
            self._ids = self._data[0]

    def _read_weights(self):
        if self._data is None:
            self._read_data()
        weights = _weights(self._data[1], self._blocklength)
        self._weights = weights if weights.typecode == "f" else array("f", weights)  # as Whoosh's

    def _read_values(self):
        if self._headlength is not None:
            if self._data is None:
                self._read_data()
            if self._data[2] is None:
                start = self._dataoffset + self._headlength
                self._data = (*self._data[:2], self._part(start, self._nextoffset - start, self._compression))
        super()._read_values()


class _Codec(W3Codec):
    """Whoosh's default codec with _PostingsWriter and _LeafMatcher (segments record their codec:
    the index's older segments are read with this one too)."""

    def postings_writer(self, dbfile, byteids=False):
        return _PostingsWriter(
            dbfile,
            blocklimit=self._blocklimit,
            byteids=byteids,
            compression=self._compression,
            inlinelimit=self._inlinelimit,
        )

    def postings_reader(self, dbfile, terminfo, format_, term=None, scorer=None):
        if terminfo.is_inlined():
            return super().postings_reader(dbfile, terminfo, format_, term=term, scorer=scorer)
        offset, length = terminfo.extent()
        return _LeafMatcher(dbfile, offset, length, format_, term=term, scorer=scorer)


# Segments are written as separate files. Whoosh reads a file inside a compound segment by
# copying it whole into memory, and every write opens every segment (to delete the old
# document): at 250,000 threads that copied a gigabyte and took half a second a write.
WRITER_OPTIONS = {"compound": False, "codec": _Codec()}


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


@dataclass
class _Kept:
    """A thread's open searcher, and what similar() has read through it: by field, every
    document's length byte (see _length_bytes); by field and term its document frequency,
    greatest weight and least length (None: no such term) and the blocks pooled for rescoring
    (_Span); which documents are deleted; and the array similar() adds scores up in."""

    searcher: Searcher
    generation: int
    lengths: dict[str, bytes] = field(default_factory=dict)
    terms: dict[tuple[str, str], tuple[int, float, float] | None] = field(default_factory=dict)
    spans: dict[tuple[str, str], _Span] = field(default_factory=dict)

    @cached_property
    def totals(self) -> np.ndarray:
        """A score for every document: all 0.0 between calls of similar()."""
        return np.zeros(self.searcher.doc_count_all())

    @cached_property
    def deleted(self) -> np.ndarray | None:
        """Whether each document is deleted, as this searcher sees them (None: none is)."""
        leaves = list(self.searcher.reader().leaf_readers())
        if not any(segment.has_deletions() for segment, _ in leaves):
            return None
        deleted = np.zeros(self.searcher.doc_count_all(), bool)
        for segment, base in leaves:
            if segment.has_deletions():
                deleted[np.fromiter(segment.deleted_docs_set, np.int64) + base] = True
        return deleted

    def lengths_of(self, fieldname: str, leaves: list[tuple]) -> bytes:
        """Every document's length byte in the field, read once (see _length_bytes)."""
        known = self.lengths.get(fieldname)
        if known is None:
            known = self.lengths[fieldname] = _length_bytes(leaves, fieldname)
        return known

    def span(self, clause: _Clause, leaves: list[tuple], postings: _PostingsCache) -> _Span:
        """The clause's term over this searcher's segments, with what is pooled of it."""
        key = (clause.fieldname, clause.term)
        span = self.spans.get(key)
        if span is None:
            if sum(pooled.used for pooled in self.spans.values()) > SIMILAR_POOLED_POSTINGS:
                self.spans.clear()
            directories = [
                postings.term(segment, segment_id, *key).directory for segment, _, segment_id in leaves
            ]
            count = self.searcher.doc_count_all()
            span = self.spans[key] = _Span(directories, [base for _, base, _ in leaves], count)
        return span


class _Span:
    """A term's blocks over all the segments of a searcher, for rescoring (_rescore): each
    block's last document (by document number in the searcher), its segment (by position in
    the leaves), its index there and its greatest weight; and the blocks rescoring has needed,
    pooled: each block's postings as keys `row × shift + document` (rows in the order pooled,
    so the keys stay sorted and one searchsorted finds any posting of any block) and weights.
    Rebuilt from _PostingsCache's blocks for each searcher (a searcher lives until a write)."""

    def __init__(self, directories: list[_Directory], bases: list[int], count: int):
        sizes = [len(directory.last_ids) for directory in directories]
        self.last = np.zeros(sum(sizes), np.int64)
        self.max_weights = np.zeros(sum(sizes))
        at = 0
        for directory, base, size in zip(directories, bases, sizes, strict=True):
            self.last[at : at + size] = np.frombuffer(directory.last_ids, np.uint32) + base
            self.max_weights[at : at + size] = np.frombuffer(directory.max_weights, np.float32)
            at += size
        self.leaf = np.repeat(np.arange(len(sizes)), sizes)
        self.index = np.arange(sum(sizes)) - np.repeat(np.cumsum(sizes) - sizes, sizes)
        self.rows = np.full(len(self.last), -1, np.int64)  # where a block is pooled (-1: not yet)
        self.shift = 1 << max(count, 1).bit_length()
        small = len(self.last) * self.shift < 1 << 32  # keys in 4 bytes when they fit
        self.keys = np.empty(1024, np.uint32 if small else np.int64)
        self.weights = np.empty(1024, np.float32)
        self.used = 0  # postings pooled
        self.pooled = 0  # blocks pooled

    def add(self, position: int, base: int, block: Block) -> None:
        """Pool the block at `position`, decoded, of the segment starting at document `base`."""
        first, offsets, weights = block
        end = self.used + len(offsets)
        if end > len(self.keys):
            size = max(end, len(self.keys) * 3 // 2)
            self.keys = np.resize(self.keys, size)
            self.weights = np.resize(self.weights, size)
        row = self.pooled
        documents = np.frombuffer(offsets, _ITEMS[offsets.typecode]).astype(np.int64)
        self.keys[self.used : end] = documents + (row * self.shift + base + first)
        self.weights[self.used : end] = np.frombuffer(weights, _ITEMS[weights.typecode])
        self.rows[position] = row
        self.used, self.pooled = end, row + 1


# numpy's item type of each array type code blocks use
_ITEMS = {"B": np.uint8, "H": np.uint16, "I": np.uint32, "Q": np.uint64, "f": np.float32}


def _close_all(kept: dict[int, _Kept]) -> None:
    for thread in list(kept):
        item = kept.pop(thread, None)
        if item is not None:
            item.searcher.close()


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
        # one searcher per thread (by thread id), kept between calls: opening one costs more than
        # most searches. Each is closed when its thread opens a newer one, when its thread has
        # ended, or when the backend goes (a searcher left to the garbage collector leaves its
        # files open until then).
        self._kept: dict[int, _Kept] = {}
        # raised when the index is started again: every kept searcher is of the old one
        self._generation = 0
        self._postings = _PostingsCache(SIMILAR_CACHED_POSTINGS)
        weakref.finalize(self, _close_all, self._kept)

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

    def _searcher(self):
        """This thread's searcher (see _kept_searcher)."""
        return self._kept_searcher().searcher

    def _kept_searcher(self) -> _Kept:
        """This thread's searcher, kept between calls and opened again after every commit.

        Opening one costs more than most searches. Not Whoosh's refresh(): it reuses the
        segments it thinks unchanged, missing deletions in them (and fails on an empty index).
        Never used in a `with` block: it stays open for the next call. Ranking is
        QualityWeighting's; similar() scores on its own (see _similar_scores).
        """
        thread = threading.get_ident()
        kept = self._kept.get(thread)
        try:
            index = self._open()
            if kept is not None and kept.generation == self._generation and kept.searcher.up_to_date():
                return kept
            searcher = index.searcher(weighting=QualityWeighting())
        except (OSError, whoosh_index.IndexError) as error:
            # the folder deleted, or its files: say so until `flask search reindex` builds it again,
            # and keep no searcher (the new index may reach the old one's generation number)
            self._generation += 1
            self._release(thread)
            log.error("The search index at %s cannot be read: %s", self.path, error)
            raise SearchUnavailable() from error
        self._release(thread)
        running = {item.ident for item in threading.enumerate()}
        for ended in [ident for ident in self._kept if ident not in running]:
            self._release(ended)
        kept = self._kept[thread] = _Kept(searcher, self._generation)
        return kept

    def _release(self, thread: int) -> None:
        kept = self._kept.pop(thread, None)
        if kept is not None:
            kept.searcher.close()

    def close(self) -> None:
        """Close the searchers kept (the backend stays usable: the next search opens one)."""
        _close_all(self._kept)

    def _writer(self) -> writing.SegmentWriter:
        """A writer, after waiting up to SEARCH_WRITER_TIMEOUT for another process's to finish.

        Whoosh's default writer() gives up at once when the lock is taken, and AsyncWriter
        loses the change if its thread dies with the worker: waiting here, and leaving the
        outbox row when even that fails, is what keeps every change.
        """
        try:
            return self._open().writer(timeout=self.timeout, delay=self.delay, **WRITER_OPTIONS)
        except whoosh_index.LockError as error:
            raise IndexBusy(f"the search index at {self.path} is locked by another writer") from error

    def _write(self, writer, question_ids, documents: dict[int, Document]) -> None:
        for question_id in question_ids:
            document = documents.get(question_id)
            if document is None:
                writer.delete_by_term("question_id", str(question_id))
            else:
                writer.update_document(**document_fields(document))

    @staticmethod
    def _commit(writer, **options) -> None:
        """Commit; when that fails (a full disk), give the writer up so the next one gets the lock.

        A failed commit leaves Whoosh's writer open and its lock held: every later write in
        this process would wait SEARCH_WRITER_TIMEOUT and give up, and the outbox never drain.
        """
        try:
            writer.commit(**options)
        except BaseException:
            _abandon(writer)
            raise

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
        self._commit(writer, mergetype=merge_when_many)

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
        self._commit(writer)

    def _forget_if_deleted(self) -> None:
        """Start the index again where its folder was deleted (only a rebuild or a clear may)."""
        if self._index is not None and not whoosh_index.exists_in(self.path):
            self._index = None
            self._generation += 1  # the searchers kept are of the deleted index

    def rebuild(self, progress: Progress | None = None) -> int:
        self._forget_if_deleted()
        # analysing and writing the documents in a process per core (a segment each) while this
        # one reads them from the database: about 1.8 times the questions per second on 2 cores
        procs = min(REBUILD_PROCESSES, os.cpu_count() or 1)
        options = {"procs": procs, "multisegment": True} if procs > 1 else {}
        timeout = max(self.timeout, 60.0)
        writer = self._open().writer(
            timeout=timeout, delay=self.delay, limitmb=128, **WRITER_OPTIONS, **options
        )
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
        self._commit(writer, mergetype=writing.CLEAR)
        return count

    def clear(self) -> None:
        self._forget_if_deleted()
        writer = self._writer()
        self._commit(writer, mergetype=writing.CLEAR)

    def indexed_fingerprints(self) -> dict[int, str]:
        return {
            int(fields["question_id"]): fields.get("fingerprint", "")
            for fields in self._searcher().all_stored_fields()
        }

    # -- searching ----------------------------------------------------------------------------

    def _match(self, query: SearchQuery, sort: str, page: int, per_page: int, cap: int) -> Match:
        """One page of the first `cap` results; the total up to `cap`.

        Whoosh still scores every match (in Python: a common word costs more than a rare one);
        the cap bounds the results kept, the pages and the total shown.
        """
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
        end = min(offset + per_page, cap)
        results = self._searcher().search(
            whoosh_query, limit=end, sortedby=sortedby, reverse=sortedby is not None
        )
        ids = [int(hit["question_id"]) for hit in results[offset:end]]
        return Match(ids, min(len(results), cap), more=len(results) > cap)

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
        searcher = self._searcher()
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
        kept = self._kept_searcher()
        searcher = kept.searcher
        reader = searcher.reader()
        body_counts = Counter(term for term in analysed(body) if term not in title_terms)
        frequency = {term: (_term_stats(kept, "content", term) or (0,))[0] for term in body_counts}
        body_terms = ranking.distinctive_terms(body_counts, frequency, reader.doc_count())
        wanted = [(term, ranking.SIMILAR_TITLE_WEIGHT) for term in title_terms]
        wanted += [(term, 1.0) for term, _ in body_terms]
        scores = _similar_scores(kept, wanted, limit, self._postings)
        if not scores:
            return []
        # relevance first; answer status only breaks (near) ties, so keep every tie of the last
        cut = round(heapq.nlargest(limit, scores.values())[-1], 6)
        hits = []
        for docnum, score in scores.items():
            if round(score, 6) >= cut:
                fields = reader.stored_fields(docnum)
                key = (-round(score, 6), not fields["accepted"], not fields["answered"], docnum)
                hits.append((key, int(fields["question_id"])))
        hits.sort()
        return [question_id for _, question_id in hits[:limit]]


@dataclass
class _Clause:
    """One term in one field of similar()'s OR query, scored as Whoosh's BM25F scores it.

        score = boost × idf × w (K1 + 1) / (w + K1 (1 − B + B · length / average length))
        idf = ln(N / (df + 1)) + 1

    `w` is the posting's weight (occurrences × the field's boost), `length` the document's
    field length; `bound` is the most any document can get from the clause.
    """

    fieldname: str
    term: str
    frequency: int
    scale: float
    base: float
    per_length: float
    bound: float = 0.0

    def score(self, weight: float, length: float) -> float:
        return self.scale * weight / (weight + self.base + self.per_length * length)


@dataclass
class _Directory:
    """A term's blocks in one segment, from their headers: each block's last document, where it
    starts in the postings file, the length of its info and of its first part (0: Whoosh's
    one-part layout), and its greatest weight (what bounds a clause's score for the block's
    documents)."""

    last_ids: array = field(default_factory=lambda: array("I"))
    starts: array = field(default_factory=lambda: array("Q"))
    info_lengths: array = field(default_factory=lambda: array("B"))
    head_lengths: array = field(default_factory=lambda: array("H"))
    max_weights: array = field(default_factory=lambda: array("f"))


# a decoded block: its first document, each document's distance from it, and the weights
Block = tuple[int, array, array]


@dataclass
class _TermBlocks:
    """One term's postings in one segment: its directory and the blocks decoded so far."""

    key: tuple[str, str, str]  # segment, field, term
    directory: _Directory
    decoded: dict[int, Block] = field(default_factory=dict)


class _PostingsCache:
    """The postings blocks similar() has decoded, kept across searchers.

    Whoosh stores a term's postings in blocks of up to 128, with no skip list: rescoring a
    candidate on a common term with a matcher's skip_to() unpickles the header of every block
    on the way and decodes the block the document is in, and reading a term whole steps through
    three matcher wrappers a posting. At a million posts a draft's candidates fall in a
    thousand blocks of its common terms, and every call decoded them all again. Here each
    (segment, field, term) has its block directory read once and each block decoded at most
    once while kept, straight from the postings file (_PostingsWriter's first part: no header
    to read again, nothing to delta-decode), into compact arrays read directly. A segment's
    postings never change once written (deletions are kept apart and checked by the reader),
    so nothing is invalidated; the least recently used terms go first once what is kept counts
    more than `capacity` postings (_count).

    This reads Whoosh's postings format (whoosh.codec.whoosh3 of Whoosh-Reloaded, pinned) and
    _PostingsWriter's: tests/test_search_similar.py checks the scores against Whoosh's BM25F.
    """

    def __init__(self, capacity: int):
        self.capacity = capacity
        self._terms: OrderedDict[tuple[str, str, str], _TermBlocks] = OrderedDict()
        self._size = 0
        self._directories: OrderedDict[tuple[str, str, str], _Directory] = OrderedDict()
        self._directory_blocks = 0
        # one thread at a time changes what is kept: a block is decoded once, and counted once
        self._lock = threading.Lock()

    def term(self, segment, segment_id: str, fieldname: str, term: str) -> _TermBlocks:
        """The term's blocks in the segment, its directory read on first use."""
        key = (segment_id, fieldname, term)
        with self._lock:
            blocks = self._terms.get(key)
            if blocks is None:
                blocks = self._terms[key] = _TermBlocks(key, self._directory(key, segment))
                self._size += self._count(blocks)
            else:
                self._terms.move_to_end(key)
            return blocks

    def block(self, blocks: _TermBlocks, index: int, segment) -> Block:
        """The term's block `index` in the segment, decoded on first use."""
        block = blocks.decoded.get(index)
        if block is None:
            self._decode(blocks, [index], segment)
            block = blocks.decoded[index]
        return block

    def blocks(self, blocks: _TermBlocks, segment) -> list[Block]:
        """All the term's blocks in the segment, decoded on first use (deleted documents included)."""
        decoded, count = blocks.decoded, len(blocks.directory.starts)
        if len(decoded) < count:
            self._decode(blocks, [index for index in range(count) if index not in decoded], segment)
        return [decoded[index] for index in range(count)]

    def trim(self) -> None:
        """Drop the least recently used terms until at most `capacity` postings are kept."""
        with self._lock:
            while self._size > self.capacity and self._terms:
                _, blocks = self._terms.popitem(last=False)
                self._size -= self._count(blocks)

    def _decode(self, blocks: _TermBlocks, indexes: list[int], segment) -> None:
        """Decode blocks and keep them: mostly 2 to 5 bytes a posting."""
        directory, matcher = blocks.directory, None
        postfile = segment._terms._postfile
        # one system call a block (Whoosh's own reads seek, then fill an 8 kB buffer); None: a
        # compound segment's file, in memory
        fileno = postfile.fileno() if postfile.is_real else None
        with self._lock:
            kept = self._terms.get(blocks.key) is blocks  # not dropped by trim() meanwhile
            for index in indexes:
                if index not in blocks.decoded:
                    start, head = directory.starts[index], directory.head_lengths[index]
                    if head:  # _PostingsWriter's layout: read the first part only
                        at = start + _INT_SIZE + directory.info_lengths[index]
                        data = postfile.get(at, head) if fileno is None else os.pread(fileno, head, at)
                        first, offsets, weights = pickle.loads(data)
                    else:  # Whoosh's: through its matcher
                        matcher = matcher or _leaf_matcher(segment, *blocks.key[1:])
                        matcher._goto(start)
                        matcher._read_ids()
                        matcher._read_weights()
                        first, offsets, weights = 0, array("I", matcher._ids), matcher._weights
                    blocks.decoded[index] = first, offsets, _weights(weights, len(offsets))
                    self._size += len(offsets) + BLOCK_OVERHEAD if kept else 0

    @staticmethod
    def _count(blocks: _TermBlocks) -> int:
        """What a term's entry counts for, in postings: each decoded one, and the memory of the
        entry, its directory and its blocks (a term a segment lacks still has an entry)."""
        decoded = blocks.decoded.values()
        blocks_count = len(blocks.directory.starts)
        return TERM_OVERHEAD + blocks_count + sum(len(offsets) + BLOCK_OVERHEAD for _, offsets, _ in decoded)

    def _directory(self, key: tuple[str, str, str], segment) -> _Directory:
        """The term's block directory, read once: kept apart from the blocks, so a term dropped by
        trim() is not read block header by block header again (at 1M posts, 110 headers a
        common term, a fifth of a draft's time)."""
        directories = self._directories
        directory = directories.get(key)
        if directory is not None:
            directories.move_to_end(key)
            return directory
        matcher = _leaf_matcher(segment, *key[1:])
        directory = directories[key] = _read_directory(matcher) if matcher is not None else _Directory()
        self._directory_blocks += len(directory.starts) + 1
        while self._directory_blocks > DIRECTORY_BLOCKS:
            _, dropped = directories.popitem(last=False)
            self._directory_blocks -= len(dropped.starts) + 1
        return directory


def _read_directory(matcher: W3LeafMatcher) -> _Directory:
    """The block directory of the matcher's term, from its postings read in one piece: block
    after block, its length (negative: the term's last block), its info (pickled: length, last
    document, greatest weight, ... and in _PostingsWriter's layout its first part's length),
    its data. Whoosh's matcher reads a header at a time, a seek and two reads each."""
    directory = _Directory()
    postfile, base = matcher._postfile, matcher._baseoffset
    length = matcher._length  # the postings' length: Whoosh reads it from the term info as a 1-tuple
    size = matcher._startoffset + (length[0] if isinstance(length, tuple) else length) - base
    data = os.pread(postfile.fileno(), size, base) if postfile.is_real else bytes(postfile.get(base, size))
    infos = io.BytesIO(data)
    at = 0
    while at < len(data):
        (length,) = _INT.unpack_from(data, at)
        infos.seek(at + _INT_SIZE)
        info = pickle.load(infos)
        directory.last_ids.append(info[1])
        directory.starts.append(base + at)
        directory.info_lengths.append(infos.tell() - at - _INT_SIZE)
        directory.head_lengths.append(info[6] if len(info) > 6 else 0)
        directory.max_weights.append(info[2])
        if length < 0:
            break
        at += _INT_SIZE + length
    return directory


# a document's field length by its length byte, as Whoosh's doc_field_length() reads it (no
# length: 1, as BM25F takes it)
LENGTHS = np.array([float(byte_to_length(byte)) or 1.0 for byte in range(256)])


def _length_bytes(leaves: list[tuple], fieldname: str) -> bytes:
    """Every document's length byte in the field (Whoosh's length_to_byte), by document number
    across the segments: each segment's column read whole, at one byte a document, not document
    by document (a common term's postings reach a fair part of a large index)."""
    lengths = bytearray()
    for segment, _, _ in leaves:  # one after another: a segment's base is the count before it
        count = segment.doc_count_all()
        column = segment._perdoc._cached_reader(_lenfield(fieldname), LENGTHS_COLUMN)
        part = column._dbfile.get(column._basepos, min(column._count, count)) if column is not None else b""
        lengths += part
        lengths += bytes(count - len(part))
    return bytes(lengths)


def _leaf_matcher(segment, fieldname: str, term: str) -> W3LeafMatcher | None:
    """The segment's own matcher of the term's postings, deleted documents included; None if the
    segment has no such term."""
    try:
        matcher = segment.postings(fieldname, term)
    except TermNotFound:
        return None
    matcher = getattr(matcher, "child", matcher)  # a FilterMatcher leaves deleted documents out
    if not isinstance(matcher, W3LeafMatcher):
        # the index is written with Whoosh's default codec, whose inline limit (1) never keeps
        # a term's postings in its term info: anything else is a codec _PostingsCache cannot read
        raise TypeError(f"Postings of {type(matcher).__name__}: _PostingsCache reads W3LeafMatcher only.")
    return matcher


def _term_stats(kept: _Kept, fieldname: str, term: str) -> tuple[int, float, float] | None:
    """The term's document frequency, greatest weight and least length in the field (None: no
    such term), read once through the kept searcher."""
    key = (fieldname, term)
    if key not in kept.terms:
        if len(kept.terms) >= KEPT_TERMS:  # every word of every draft: start again now and then
            kept.terms.clear()
        try:
            info = kept.searcher.reader().term_info(fieldname, term)
        except TermNotFound:
            kept.terms[key] = None
        else:
            kept.terms[key] = (info.doc_frequency(), info.max_weight(), info.min_length() or 1)
    return kept.terms[key]


def _clauses(kept: _Kept, wanted: list[tuple[str, float]]) -> list[_Clause]:
    searcher = kept.searcher
    count = searcher.doc_count_all()
    clauses = []
    for term, boost in wanted:
        for fieldname in TEXT_FIELDS:
            stats = _term_stats(kept, fieldname, term)
            if stats is None or stats[0] <= 0:
                continue
            frequency, max_weight, min_length = stats
            idf = math.log(count / (frequency + 1)) + 1
            average = searcher.avg_field_length(fieldname) or 1
            clause = _Clause(
                fieldname,
                term,
                frequency,
                scale=boost * idf * (BM25_K1 + 1),
                base=BM25_K1 * (1 - BM25_B),
                per_length=BM25_K1 * BM25_B / average,
            )
            clause.bound = clause.score(max_weight, min_length)
            clauses.append(clause)
    return clauses


def _similar_scores(
    kept: _Kept, wanted: list[tuple[str, float]], limit: int, postings: _PostingsCache
) -> dict[int, float]:
    """BM25F scores of the documents that can be among the `limit` best for an OR of the terms.

    The same scores as searching `Or(Term(field, term, boost))` over the text fields, without
    reading every document a common word touches (after MaxScore):

    1. Clauses are read whole, most telling first: every rare one (CHEAP_POSTINGS or fewer),
       and a common one only while the clauses not read yet could still lift a document none
       has found into the top `limit`, and SIMILAR_POSTINGS_BUDGET postings allow. Their scores
       add up in numpy arrays, clause by clause (the same floats as Whoosh's).
    2. The common clauses left only add to the SIMILAR_CANDIDATES documents found with the best
       scores so far, most telling clause first, each clause for all the candidates still in
       the running at once (_rescore); a block is decoded only when the most its clause gives
       any of its documents (the greatest weight in its header) could still lift one of them.

    Both read postings through `postings` (_PostingsCache): each block is decoded once and kept;
    step 2 also pools the blocks it needs with the searcher (_Span).

    So a result is missed only when a document shares none of the rarer words, or ranks below
    SIMILAR_CANDIDATES others on them and still wins on common ones. Documents that cannot
    make it are left out of the scores returned.
    """
    reader = kept.searcher.reader()
    clauses = sorted(_clauses(kept, wanted), key=lambda clause: -clause.bound)
    leaves = [  # an empty index has a reader of no segment
        (segment, base, segment.segment().segment_id())
        for segment, base in reader.leaf_readers()
        if segment.segment() is not None
    ]
    totals, found = kept.totals, [np.empty(0, np.int64)]  # and the documents each clause scored
    unread = sum(clause.bound for clause in clauses)  # the most a document found by none can have
    threshold = 0.0  # the `limit`-th best score so far: at most the final one
    read = read_at_threshold = 0
    deferred: list[_Clause] = []
    try:
        for clause in clauses:
            if clause.frequency > CHEAP_POSTINGS:
                if read + clause.frequency > SIMILAR_POSTINGS_BUDGET:
                    deferred.append(clause)
                    continue
                if unread >= threshold and read > read_at_threshold:
                    threshold, read_at_threshold = _nth_best(totals[_distinct(found)], limit), read
                if unread < threshold:
                    deferred.append(clause)
                    continue
            documents, weights = _read_whole(kept, clause, leaves, postings)
            found.append(documents)
            lengths = np.frombuffer(kept.lengths_of(clause.fieldname, leaves), np.uint8)
            totals[documents] += clause.score(weights, LENGTHS[lengths[documents]])
            read += clause.frequency
            unread -= clause.bound
    finally:  # every score back to 0.0 for the next call
        documents = _distinct(found)
        scores = totals[documents]
        totals[documents] = 0.0
    if deferred and len(documents) > SIMILAR_CANDIDATES:
        best = _best(scores, SIMILAR_CANDIDATES)
        documents, scores = documents[best], scores[best]
    if deferred and len(documents):
        documents, scores = _rescore(kept, deferred, leaves, documents, scores, limit, postings)
    postings.trim()
    return dict(zip(documents.tolist(), scores.tolist(), strict=True))


def _read_whole(
    kept: _Kept, clause: _Clause, leaves: list[tuple], postings: _PostingsCache
) -> tuple[np.ndarray, np.ndarray]:
    """The clause's postings in every segment, by document number in the searcher (deleted
    documents left out), and their weights: the same few numpy operations however many
    segments the index has."""
    blocks: list[Block] = []
    firsts: list[int] = []  # each block's first document in the searcher
    for segment, base, segment_id in leaves:
        term = postings.term(segment, segment_id, clause.fieldname, clause.term)
        for block in postings.blocks(term, segment):
            blocks.append(block)
            firsts.append(base + block[0])
    if not blocks:
        return np.empty(0, np.int64), np.empty(0)
    documents = np.concatenate([offsets for _, offsets, _ in blocks], dtype=np.int64, casting="unsafe")
    documents += np.repeat(firsts, [len(offsets) for _, offsets, _ in blocks])
    weights = np.concatenate([weights for _, _, weights in blocks], dtype=np.float64, casting="unsafe")
    deleted = kept.deleted
    if deleted is None:
        return documents, weights
    alive = ~deleted[documents]
    return documents[alive], weights[alive]


def _rescore(
    kept: _Kept,
    deferred: list[_Clause],
    leaves: list[tuple],
    documents: np.ndarray,
    scores: np.ndarray,
    limit: int,
    postings: _PostingsCache,
) -> tuple[np.ndarray, np.ndarray]:
    """The candidates with the deferred clauses added, clause by clause: those that can still
    make the `limit` best (see _similar_scores, step 2).

    Before each clause, candidates that cannot reach the `limit`-th best score so far (their
    scores only grow, so it bounds the final one from below) with every clause left go; a
    block not pooled yet is decoded only for candidates its greatest weight could still lift
    (the others go too). A clause's lookups for all candidates are then one searchsorted in the
    term's pool (_Span), whatever the segments."""
    bases = np.array([base for _, base, _ in leaves], np.int64)
    after = [sum(clause.bound for clause in deferred[index:]) for index in range(len(deferred) + 1)]
    threshold = _nth_best(scores, limit) - TIE
    for index, clause in enumerate(deferred):
        keep = scores + after[index] >= threshold
        documents, scores = documents[keep], scores[keep]
        if not len(documents):
            break
        span = kept.span(clause, leaves, postings)
        if not len(span.last):
            continue
        known = np.frombuffer(kept.lengths_of(clause.fieldname, leaves), np.uint8)
        sizes = LENGTHS[known[documents]]
        # the block each candidate would be in: none past the term's last one in its segment
        at = np.searchsorted(span.last, documents)
        block = np.minimum(at, len(span.last) - 1)
        inside = (at < len(span.last)) & (span.leaf[block] == np.searchsorted(bases, documents, "right") - 1)
        missing = inside & (span.rows[block] < 0)
        if missing.any():
            bound = scores + clause.score(span.max_weights[block], sizes) + after[index + 1]
            lifted = missing & (bound >= threshold)
            for position in _distinct([block[lifted]]).tolist():
                segment, base, segment_id = leaves[span.leaf[position]]
                term = postings.term(segment, segment_id, clause.fieldname, clause.term)
                span.add(position, base, postings.block(term, int(span.index[position]), segment))
            keep = ~(missing & ~lifted)
            documents, scores, sizes, block = documents[keep], scores[keep], sizes[keep], block[keep]
            inside = inside[keep]
        looked = np.flatnonzero(inside)
        held = span.keys[: span.used]
        wanted = (span.rows[block[looked]] * span.shift + documents[looked]).astype(held.dtype)
        found = np.minimum(np.searchsorted(held, wanted), len(held) - 1)
        hit = held[found] == wanted
        scored = looked[hit]
        scores[scored] += clause.score(span.weights[found[hit]].astype(np.float64), sizes[scored])
        if len(scores) >= limit:
            threshold = max(threshold, _nth_best(scores, limit) - TIE)
    keep = scores >= threshold
    return documents[keep], scores[keep]


def _distinct(documents: list[np.ndarray]) -> np.ndarray:
    """The documents in order, each once (numpy's unique() takes 20 times as long here)."""
    ordered = np.sort(np.concatenate(documents))
    first = np.empty(len(ordered), bool)
    first[:1] = True
    np.not_equal(ordered[1:], ordered[:-1], out=first[1:])
    return ordered[first]


def _best(scores: np.ndarray, n: int) -> np.ndarray:
    """Where the `n` best scores are (of equal ones at the last place, the first ones)."""
    last = np.partition(scores, len(scores) - n)[len(scores) - n]
    above = np.flatnonzero(scores > last)
    return np.concatenate([above, np.flatnonzero(scores == last)[: n - len(above)]])


def _nth_best(scores: np.ndarray, n: int) -> float:
    """The `n`-th best of the scores (0.0 when there are fewer)."""
    if len(scores) < n:
        return 0.0
    return float(np.partition(scores, len(scores) - n)[len(scores) - n])


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


def _abandon(writer: writing.SegmentWriter) -> None:
    """Close what a writer whose commit failed holds, and free its lock.

    Whoosh's cancel() stops at the first step that fails, and on a full disk closing a file
    fails too: each step here is tried on its own.
    """
    if writer.is_closed:
        return
    searcher = writer._searcher  # the one it opened to delete old documents
    steps = (
        searcher._orig_close if searcher is not None else lambda: None,
        writer.perdocwriter.close,
        writer.fieldwriter.close,
        writer.pool.cleanup,
        writer._tempstorage.destroy,
        writer.writelock.release,
    )
    for step in steps:
        with suppress(Exception):
            step()
    writer.is_closed = True


def merge_when_many(writer, segments):
    """Merge small segments only once there are many: every commit merging is most of its cost."""
    if len(segments) < MERGE_AFTER_SEGMENTS:
        return segments
    return writing.MERGE_SMALL(writer, segments)


def _score_range(operator: str, value: int) -> wq.Query:
    """score:>=N and friends as a numeric range."""
    if operator == "=":
        return wq.NumericRange("score", value, value)
    if operator in (">=", ">"):
        return wq.NumericRange("score", value, None, startexcl=operator == ">")
    return wq.NumericRange("score", None, value, endexcl=operator == "<")
