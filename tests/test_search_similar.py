"""similar()'s fast paths give what the plain way would: Whoosh's own BM25F, and drafts of any text."""

import pickle
import zlib
from array import array

import pytest
from sqlalchemy import text
from whoosh import query as wq
from whoosh import scoring, writing
from whoosh.codec.whoosh3 import W3Codec, W3PostingsWriter

from forum.extensions import db
from forum.search import postgres_backend, whoosh_backend
from tests.conftest import IS_POSTGRES, make_answer, make_question, make_user
from tests.test_search_support import ENGINES, use_engine

THREADS = [
    ("Thermostat drops off the wifi every night", "It loses the network at midnight.", "wifi"),
    ("How do I pair the thermostat with my wifi router?", "Setup cannot find my network.", "wifi setup"),
    ("Why was I charged twice for my subscription?", "Two charges for the same month.", "billing"),
    ("Thermostat display is blank after the update", "The screen stays dark since last night.", "display"),
    ("Can the thermostat follow a weekend schedule?", "Weekdays work, weekends do not.", "schedule"),
    ("Wifi password changed, thermostat offline", "New router password, and now it is offline.", "wifi"),
]


@pytest.fixture(params=ENGINES)
def engine(app, request):
    yield from use_engine(app, request.param)


@pytest.fixture
def threads(engine):
    author = make_user("quinn")
    return [make_question(author, title, body, tags) for title, body, tags in THREADS]


@pytest.fixture
def whoosh(app):
    yield from use_engine(app, "whoosh")


@pytest.fixture
def postgres(app):
    yield from use_engine(app, "postgres")


@pytest.mark.parametrize("budget", [whoosh_backend.SIMILAR_POSTINGS_BUDGET, 0])
def test_whoosh_similar_scores_are_bm25f_over_the_or_query(whoosh, monkeypatch, budget):
    """Reading only some clauses whole (MaxScore) changes which documents are scored, not how."""
    author = make_user("quinn")
    for title, body, tags in THREADS:
        make_question(author, title, body, tags)
    # budget 0: every clause but the rare ones is only added to the candidates found
    monkeypatch.setattr(whoosh_backend, "SIMILAR_POSTINGS_BUDGET", budget)
    monkeypatch.setattr(whoosh_backend, "CHEAP_POSTINGS", 1 if budget == 0 else whoosh_backend.CHEAP_POSTINGS)
    wanted = [("thermostat", 2.0), ("wifi", 2.0), ("night", 1.0), ("router", 1.0), ("offlin", 1.0)]
    searcher = whoosh._searcher()
    kept = whoosh_backend._Kept(searcher, 0)
    ours = whoosh_backend._similar_scores(kept, wanted, 3, whoosh_backend._PostingsCache(1000))
    expected = _bm25f(whoosh._open(), wanted)
    best = sorted(expected, key=lambda docnum: -expected[docnum])[:3]
    assert set(best) <= set(ours)
    for docnum, score in ours.items():
        assert score == pytest.approx(expected[docnum], rel=1e-9)


def _bm25f(index, wanted) -> dict[int, float]:
    """Whoosh's own BM25F scores for an OR of the terms over the text fields."""
    plain = wq.Or(
        [wq.Term(name, term, boost=boost) for term, boost in wanted for name in whoosh_backend.TEXT_FIELDS]
    )
    with index.searcher(weighting=scoring.BM25F()) as reference:
        return {hit.docnum: hit.score for hit in reference.search(plain, limit=None)}


@pytest.mark.parametrize("layout", ["two parts", "Whoosh's", "Whoosh's codec", "compound"])
def test_similar_rescoring_reads_kept_blocks_across_segments_deletions_and_eviction(
    tmp_path, monkeypatch, layout
):
    """Candidates rescored from the blocks kept (_PostingsCache) score as Whoosh does: terms of
    many blocks, a segment with deletions, newer segments, terms evicted; a warm call decodes
    nothing more. Blocks in Whoosh's own layout, segments of Whoosh's own codec, and compound
    segments (read from memory), as earlier releases wrote them, too."""
    if layout == "Whoosh's":
        monkeypatch.setattr(whoosh_backend._PostingsWriter, "_write_block", W3PostingsWriter._write_block)
    if layout == "Whoosh's codec":
        monkeypatch.setitem(whoosh_backend.WRITER_OPTIONS, "codec", W3Codec())
    monkeypatch.setitem(whoosh_backend.WRITER_OPTIONS, "compound", layout == "compound")
    monkeypatch.setattr(whoosh_backend, "SIMILAR_POSTINGS_BUDGET", 0)
    monkeypatch.setattr(whoosh_backend, "CHEAP_POSTINGS", 1)  # every clause is rescored
    config = {"SEARCH_INDEX_PATH": str(tmp_path), "SEARCH_WRITER_TIMEOUT": 5, "SEARCH_WRITER_DELAY": 0.01}
    backend = whoosh_backend.WhooshBackend(config)
    words = ["router", "wifi", "night", "reset", "offline"]

    def add(first: int, count: int) -> None:
        writer = backend._writer()
        for number in range(first, first + count):
            # "router" in every thread (several blocks of 128), the others thinning out
            text = " ".join(word for step, word in enumerate(words) if number % (step + 1) == 0)
            title, content = f"thread {number} {text}", f"{text} {text}"
            writer.add_document(question_id=str(number), title=title, content=content)
        writer.commit(mergetype=writing.NO_MERGE)

    add(0, 700)
    writer = backend._writer()
    for number in range(0, 700, 7):
        writer.delete_by_term("question_id", str(number))
    writer.commit(mergetype=writing.NO_MERGE)
    add(1020, 1)  # a segment with one document, among the best
    add(700, 300)
    wanted = [("router", 2.0), ("wifi", 2.0), ("night", 1.0), ("offlin", 1.0), ("reset", 1.0)]
    # rare terms (a thread's number) find the candidates
    wanted += [(str(number), 0.5) for number in range(0, 1030, 10)]
    kept = whoosh_backend._PostingsCache(1_000_000)
    tiny = whoosh_backend._PostingsCache(10)  # less than one term entry counts: all go after each call
    sizes = []
    for cache in (kept, kept, tiny, tiny):  # cold, then warm
        searcher = backend._searcher()
        segments = [segment for segment, _ in searcher.reader().leaf_readers()]
        assert len(segments) > 1
        assert all(segment._terms._postfile.is_real != (layout == "compound") for segment in segments)
        expected = _bm25f(backend._open(), wanted)
        ours = whoosh_backend._similar_scores(whoosh_backend._Kept(searcher, 0), wanted, 5, cache)
        cut = sorted(expected.values())[-5]
        best = {docnum for docnum, score in expected.items() if score >= cut * (1 - 1e-9)}
        assert len(best) > 5 and best <= set(ours)  # ties included: some in every segment
        for docnum, score in ours.items():
            assert score == pytest.approx(expected[docnum], rel=1e-9)
        sizes.append(cache._size)
    assert sizes[0] == sizes[1] > 700 // 128
    assert sizes[2] <= 10 and sizes[3] <= 10  # every term dropped after each call
    # one searcher again and again: rescored from the blocks pooled with it (_Span), same scores
    pooled = whoosh_backend._Kept(backend._searcher(), 0)
    scores = whoosh_backend._similar_scores(pooled, wanted, 5, kept)
    assert any(span.pooled for span in pooled.spans.values())
    assert whoosh_backend._similar_scores(pooled, wanted, 5, kept) == scores
    monkeypatch.setattr(whoosh_backend, "SIMILAR_POOLED_POSTINGS", 0)  # past it, pools start again
    bounded = whoosh_backend._Kept(backend._searcher(), 0)
    assert whoosh_backend._similar_scores(bounded, wanted, 5, kept) == scores
    assert len(bounded.spans) == 1
    # ... but not its block directory: a dropped term's headers are not read again
    directories = dict(tiny._directories)
    heads = {length for directory in directories.values() for length in directory.head_lengths}
    assert heads and (heads == {0} if layout.startswith("Whoosh's") else 0 not in heads)
    # each read in one piece, as Whoosh's matcher reads it header by header
    segments = {segment.segment().segment_id(): segment for segment, _ in searcher.reader().leaf_readers()}
    read = {key: directory for key, directory in directories.items() if directory.starts}
    assert len(read) > 10
    for (segment_id, fieldname, term), directory in read.items():
        assert _headers(segments[segment_id], fieldname, term) == directory
    searcher = backend._searcher()
    whoosh_backend._similar_scores(whoosh_backend._Kept(searcher, 0), wanted, 5, tiny)
    assert directories and all(tiny._directories[key] is directories[key] for key in directories)
    monkeypatch.setattr(whoosh_backend, "DIRECTORY_BLOCKS", 0)  # none kept
    none_kept = whoosh_backend._PostingsCache(10)
    whoosh_backend._similar_scores(whoosh_backend._Kept(searcher, 0), wanted, 5, none_kept)
    assert not none_kept._directories and none_kept._directory_blocks == 0
    backend.close()


def _headers(segment, fieldname: str, term: str) -> whoosh_backend._Directory:
    """A term's block directory as Whoosh's matcher walks it, block header by block header."""
    directory = whoosh_backend._Directory()
    matcher = whoosh_backend._leaf_matcher(segment, fieldname, term)
    start = matcher._baseoffset
    while start is not None:
        matcher._goto(start)
        directory.last_ids.append(matcher._maxid)
        directory.starts.append(start)
        directory.info_lengths.append(matcher._dataoffset - start - 4)
        directory.head_lengths.append(getattr(matcher, "_headlength", None) or 0)
        directory.max_weights.append(matcher._maxweight)
        start = None if matcher._lastblock else matcher._nextoffset
    return directory


def test_whoosh_postings_blocks_keep_positions_apart(whoosh, client, monkeypatch):
    """The index's postings blocks hold document numbers and weights, then positions, compressed,
    each part pickled with protocol 5 (_PostingsWriter): scoring reads the first part only,
    a phrase both. Blocks in Whoosh's own layout (an index written by an earlier release) read
    the same."""
    author = make_user("quinn")
    questions = [make_question(author, title, body, tags) for title, body, tags in THREADS]

    def postings(layout: str) -> dict:
        found = {}
        with whoosh._open().reader() as reader:
            for segment, base in reader.leaf_readers():
                for fieldname, term in (("title", "thermostat"), ("content", "router"), ("content", "night")):
                    matcher = whoosh_backend._leaf_matcher(segment, fieldname, term)
                    if matcher is None:
                        continue
                    assert isinstance(matcher, whoosh_backend._LeafMatcher)
                    matcher._read_weights()
                    if layout == "two parts":
                        assert matcher._data[2] is None  # the positions are not read to score
                        start, size, end = matcher._dataoffset, matcher._headlength, matcher._nextoffset
                        head = matcher._postfile.get(start, size)  # not compressed
                        positions = zlib.decompress(matcher._postfile.get(start + size, end - start - size))
                        protocols = {head[:2], positions[:2]}
                        assert protocols == {pickle.PROTO + bytes([whoosh_backend.PICKLE_PROTOCOL])}
                    else:
                        assert matcher._headlength is None
                    while matcher.is_active():
                        question_id = reader.stored_fields(base + matcher.id())["question_id"]
                        positions = matcher.value_as("positions")
                        found[fieldname, term, question_id] = matcher.weight(), positions
                        matcher.next()
        return found

    ours = postings("two parts")
    monkeypatch.setattr(whoosh_backend._PostingsWriter, "_write_block", W3PostingsWriter._write_block)
    whoosh.rebuild()
    assert postings("Whoosh's") == ours
    assert ours["title", "thermostat", str(questions[0].id)] == (5.0, [0])  # title ×5
    assert ours["content", "night", str(questions[3].id)] == (1.0, [6])  # "...since last night."
    page = client.get('/search?q="loses the network at midnight"').get_data(as_text=True)
    assert "Thermostat drops off the wifi every night" in page
    page = client.get('/search?q="the network loses at midnight"').get_data(as_text=True)
    assert "Thermostat drops off the wifi every night" not in page


def test_a_blocks_first_part_keeps_numbers_in_the_smallest_arrays():
    first, offsets, weights = whoosh_backend._head([7, 9, 300], (5.0, 10.0, 5.0))
    assert (first, offsets, weights) == (7, array("H", [0, 2, 293]), array("B", [5, 10, 5]))
    first, offsets, weights = whoosh_backend._head([3, 70_000], (1.5, 1.0))
    assert (first, offsets, weights) == (3, array("I", [0, 69_997]), array("f", [1.5, 1.0]))
    assert whoosh_backend._head([4], None) == (4, array("B", [0]), None)
    assert whoosh_backend._weights(None, 2) == array("f", [1.0, 1.0])
    assert whoosh_backend._weights(2.0, 2) == array("f", [2.0, 2.0])
    assert whoosh_backend._weights(array("B", [3, 1]), 2) == array("B", [3, 1])  # whole numbers stay so


def test_similar_ranks_the_closest_thread_first(engine, threads):
    hits = engine.similar("Thermostat loses wifi every night", "It drops off the network around midnight.", 3)
    assert hits[0].question_id == threads[0].id
    assert len(hits) == 3


@pytest.mark.skipif(not IS_POSTGRES, reason="PostgreSQL's similar(); set TEST_DATABASE_URL")
@pytest.mark.parametrize("forced", [postgres_backend.SIMILAR_FORCED_POSTINGS, 2])
def test_a_common_lexeme_gives_a_bounded_number_of_candidates(postgres, monkeypatch, forced):
    """When every lexeme of a draft is common, the most telling is still looked up, in at most
    SIMILAR_FORCED_POSTINGS threads: the cost stops growing with the forum."""
    author = make_user("quinn")
    for title, body, tags in THREADS:
        make_question(author, title, body, tags)
    monkeypatch.setattr(postgres_backend, "SIMILAR_COMMON_MIN", 0)
    monkeypatch.setattr(postgres_backend, "SIMILAR_COMMON_SHARE", 0)  # every lexeme is common
    monkeypatch.setattr(postgres_backend, "SIMILAR_FORCED_POSTINGS", forced)
    hits = postgres.similar("Thermostat", "", 5)
    assert len(hits) == min(forced, 5)  # five threads say "thermostat"


@pytest.mark.skipif(not IS_POSTGRES, reason="PostgreSQL's similar(); set TEST_DATABASE_URL")
def test_a_common_lexeme_gives_its_best_answered_threads(postgres, monkeypatch):
    """The threads a common lexeme gives are its best answered, not the first the index holds."""
    author, expert = make_user("quinn"), make_user("erin", role="expert")
    asked = [make_question(author, title, body, tags) for title, body, tags in THREADS]
    thermostat = [question for question in asked if "thermostat" in question.title.lower()]
    for question in thermostat[-2:]:  # the two asked last
        make_answer(expert, question)
    monkeypatch.setattr(postgres_backend, "SIMILAR_COMMON_MIN", 0)
    monkeypatch.setattr(postgres_backend, "SIMILAR_COMMON_SHARE", 0)
    monkeypatch.setattr(postgres_backend, "SIMILAR_FORCED_POSTINGS", 2)
    hits = postgres.similar("Thermostat", "", 5)
    assert {hit.question_id for hit in hits} == {question.id for question in thermostat[-2:]}


@pytest.mark.skipif(not IS_POSTGRES, reason="PostgreSQL's similar(); set TEST_DATABASE_URL")
def test_lexeme_statistics_are_read_once_for_each_analyze(postgres, statements):
    """The common lexemes' shares (a large row of pg_stats) are read by a process once after each
    ANALYZE, not by every similar(); with them or by a count, a lexeme's frequency is exact here
    (ANALYZE sees every document of a small table)."""
    author = make_user("quinn")
    for title, body, tags in THREADS:
        make_question(author, title, body, tags)
    def analyze() -> None:
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("ANALYZE search_documents"))

    def draft() -> dict[str, int]:
        connection = db.session.connection()
        lexemes, total = postgres._draft_lexemes(connection, "Thermostat wifi at night", "router offline")
        db.session.commit()  # a request's transaction ends: the next one sees a new ANALYZE
        assert total == len(THREADS)
        return {item.lexeme: item.frequency for item in lexemes}

    def shares_read() -> int:
        return sum(statement == postgres_backend.LEXEME_SHARES.text for statement in statements)

    analyze()
    first = draft()
    assert first == {"thermostat": 5, "wifi": 3, "night": 2, "router": 2, "offlin": 1}
    assert len(postgres._shares.shares) > 1 and shares_read() == 1
    assert draft() == first and shares_read() == 1
    analyze()
    assert draft() == first and shares_read() == 2


@pytest.mark.skipif(not IS_POSTGRES, reason="PostgreSQL's similar(); set TEST_DATABASE_URL")
def test_similar_finds_candidates_by_titles_and_by_rare_lexemes(postgres, monkeypatch):
    """search_terms holds each document's title and tag lexemes, written, rewritten and deleted
    with it; similar() takes candidates from there and from the documents' rarest lexemes."""
    author = make_user("quinn")
    asked = [make_question(author, title, body, tags) for title, body, tags in THREADS]

    def mirrored() -> bool:
        rows = "SELECT question_id, CAST({} AS text) FROM {} ORDER BY question_id"
        titles_and_tags = "strip(ts_filter(document, '{a,b}'))"
        with db.engine.connect() as connection:
            wanted = connection.execute(text(rows.format(titles_and_tags, "search_documents"))).all()
            terms = connection.execute(text(rows.format("lexemes", "search_terms"))).all()
        return wanted == terms and len(terms) == len(asked)

    assert mirrored()
    asked[0].title = "Thermostat forgets the wifi after a reboot"
    db.session.commit()
    postgres.index([asked[0].id])
    assert mirrored()
    removed = asked.pop(1)
    postgres.remove([removed.id])
    assert mirrored()

    def found(title: str) -> list[int]:
        return [hit.question_id for hit in postgres.similar(title, "", 5)]

    assert found("Forgets after reboot")[0] == asked[0].id
    assert found("midnight network") == [asked[0].id]  # in its body alone
    monkeypatch.setattr(postgres_backend, "SIMILAR_POSTINGS_BUDGET", 0)  # titles and tags alone
    assert found("Forgets after reboot")[0] == asked[0].id
    assert found("midnight network") == []


@pytest.mark.parametrize(
    "title, body",
    [
        ("What's O'Reilly's thermostat 'wifi'?", 'He said "it\'s fine" & left | !(night) <-> a:b'),
        ("C:\\Program Files\\thermostat\\", "back\\slash \\\\ and quotes '' \"\" then wifi"),
        ("thermostat:* & !wifi", "(router | night) <2> 'offline':A"),
        ("ünïcödé thermostat ☃", "日本語 wifi"),
    ],
)
def test_any_draft_text_is_only_words(engine, threads, title, body):
    """Quotes, backslashes and tsquery operators in a draft are matched as text, never parsed."""
    hits = engine.similar(title, body, 5)
    assert hits and all(hit.question_id in {thread.id for thread in threads} for hit in hits)


def test_similar_on_an_empty_index_and_unknown_words(engine):
    assert engine.similar("thermostat wifi", "router", 5) == []
    make_question(make_user("quinn"), *THREADS[0])
    assert engine.similar("zyxwv qwertz", "plover", 5) == []
