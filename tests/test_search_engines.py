"""Both engines answer the query language alike: operators, ranking, passages, permissions."""

import pytest

from forum.auth import service as accounts
from forum.clock import utcnow
from forum.extensions import db
from forum.models import Post
from forum.moderation import threads
from forum.questions import service
from forum.search import make_backend
from forum.search.query import parse_query
from tests.conftest import make_answer, make_question, make_user
from tests.test_search_support import ENGINES, titles, use_engine

CHARGED = "Why was I charged twice for my subscription?"
PAIRING = "How do I pair the thermostat with my wifi router?"
RESET = "How do I reset my thermostat password?"


@pytest.fixture(params=ENGINES)
def engine(app, request):
    yield from use_engine(app, request.param)


@pytest.fixture
def forum_content(engine):
    """Three questions: one with an accepted answer, one answered by staff, one unanswered."""
    ann, bob = make_user("ann"), make_user("bob")
    expert = make_user("erin", role="expert")
    charged = make_question(
        ann, CHARGED, "My card shows two charges for the same month of the premium plan.", "billing refunds"
    )
    pairing = make_question(bob, PAIRING, "The thermostat cannot find my network during setup.", "wifi setup")
    reset = make_question(
        ann, RESET, "I forgot it and the thermostat keeps asking for it.", "account password"
    )
    make_answer(
        expert, pairing, "Hold the dial for five seconds until the light blinks, then pick the network."
    )
    answer = make_answer(bob, charged, "Billing refunds the duplicate charge within a week.")
    charged.accepted_answer_id = answer.id
    charged.score = 7
    db.session.commit()
    return {"charged": charged, "pairing": pairing, "reset": reset}


def test_words_are_stemmed_and_all_required(engine, forum_content):
    assert titles(engine, "charges") == [CHARGED]
    assert titles(engine, "thermostats") == [PAIRING, RESET]
    assert titles(engine, "thermostat password") == [RESET]
    assert titles(engine, "thermostat kangaroo") == []


def test_answers_and_tags_are_searched(engine, forum_content):
    assert titles(engine, "dial blinks") == [PAIRING]
    assert titles(engine, "refunds") == [CHARGED]


def test_phrases(engine, forum_content):
    assert titles(engine, '"premium plan"') == [CHARGED]
    assert titles(engine, '"plan premium"') == []


def test_exclusions(engine, forum_content):
    assert titles(engine, "thermostat -password") == [PAIRING]
    assert titles(engine, 'thermostat -"pick the network"') == [RESET]
    assert set(titles(engine, "-thermostat")) == {CHARGED}


def test_tags_users_and_status_filters(engine, forum_content):
    assert titles(engine, "[wifi]") == [PAIRING]
    assert titles(engine, "tag:billing") == [CHARGED]
    assert titles(engine, "[wifi] [billing]") == []
    assert set(titles(engine, "user:ANN")) == {CHARGED, RESET}
    assert titles(engine, "user:nobody") == []
    assert set(titles(engine, "is:answered")) == {CHARGED, PAIRING}
    assert titles(engine, "is:unanswered") == [RESET]
    assert titles(engine, "has:accepted") == [CHARGED]
    assert titles(engine, "is:faq") == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("score:>=7", {CHARGED}),
        ("score:>7", set()),
        ("score:<7", {PAIRING, RESET}),
        ("score:=0", {PAIRING, RESET}),
    ],
)
def test_score_filter(engine, forum_content, text, expected):
    assert set(titles(engine, text)) == expected


def test_answer_quality_breaks_even_relevance(engine):
    """Same title and body: accepted answer first, then the staff answer, then unanswered."""
    asker, member, expert = make_user("ann"), make_user("bob"), make_user("erin", role="expert")
    title, body = (
        "Display flickers after the update",
        "Since yesterday the screen flickers every few minutes.",
    )
    plain = make_question(asker, title, body, "display")
    staff = make_question(asker, title, body, "display")
    accepted = make_question(asker, title, body, "display")
    make_answer(expert, staff, "Restart it from the settings menu please.")
    answer = make_answer(member, accepted, "Restart it from the settings menu please.")
    accepted.accepted_answer_id = answer.id
    db.session.commit()
    ids = [hit.question_id for hit in engine.search(parse_query("flickers")).items]
    assert ids == [accepted.id, staff.id, plain.id]
    statuses = [hit.answer_status for hit in engine.search(parse_query("flickers")).items]
    assert statuses == ["accepted", "staff", "unanswered"]


def test_search_prefers_the_original_over_a_duplicate_closed_against_it(engine):
    asker, mod = make_user("ann"), make_user("mod", role="moderator")
    title, body = (
        "Display flickers after the update",
        "Since yesterday the screen flickers every few minutes.",
    )
    original = make_question(asker, title, body, "display")
    duplicate = make_question(asker, title, body, "display")
    duplicate.score = 3  # better voted, so first while it is open
    db.session.commit()
    assert [hit.question_id for hit in engine.search(parse_query("flickers")).items] == [
        duplicate.id,
        original.id,
    ]
    threads.close(mod, duplicate.id, "duplicate", duplicate_of=original.id)
    assert [hit.question_id for hit in engine.search(parse_query("flickers")).items] == [
        original.id,
        duplicate.id,
    ]


def test_sorts_and_pages(engine):
    ann = make_user("ann")
    questions = [
        make_question(ann, f"Thermostat question number {index:02d}", tags="thermostat")
        for index in range(25)
    ]
    questions[3].score = 9
    db.session.commit()
    newest = engine.search(parse_query("thermostat"), sort="newest", per_page=10)
    assert newest.total == 25 and newest.pages == 3
    assert newest.items[0].question_id == questions[-1].id
    assert engine.search(parse_query("thermostat"), sort="votes").items[0].question_id == questions[3].id
    last = engine.search(parse_query("thermostat"), sort="newest", page=3, per_page=10)
    assert [hit.question_id for hit in last.items] == [question.id for question in questions[4::-1]]
    assert engine.search(parse_query("thermostat"), page=9).items == []


def test_passages_are_marked_and_escaped(engine):
    ann = make_user("ann")
    body = (
        "Typing `<b>bold</b>` or <script>alert(1)</script> in the name field breaks the thermostat. "
        "Also <mark>x</mark> and \ue000sneaky\ue001 characters."
    )
    make_question(ann, "Odd characters in the device name break it", body, "names")
    (hit,) = engine.search(parse_query("bold thermostat")).items
    html = str(hit.excerpt_html)
    assert "&lt;b&gt;<mark>bold</mark>&lt;/b&gt;" in html
    assert "<mark>thermostat</mark>" in html
    assert "<script" not in html and "<b>" not in html
    assert html.count("<mark>") == html.count("</mark>") == 2
    (hit,) = engine.search(parse_query("sneaky")).items
    assert "\ue000" not in str(hit.excerpt_html) and "<mark>sneaky</mark>" in str(hit.excerpt_html)
    (hit,) = engine.search(parse_query("[names]")).items
    assert str(hit.excerpt_html).startswith("Typing &lt;b&gt;bold")


def test_deleted_questions_are_never_found(engine, forum_content):
    moderator = make_user("mod", role="moderator")
    service.delete(moderator, forum_content["reset"].id)
    assert titles(engine, "password") == []
    assert RESET not in titles(engine, "thermostat")
    assert engine.check().is_clean
    service.undelete(moderator, forum_content["reset"].id)
    assert titles(engine, "password") == [RESET]


def test_a_question_deleted_before_its_index_entry_is_never_shown(engine, forum_content):
    """The engine returns ids, the database the rows: a question deleted while its entry waits
    to leave the index (here deleted in SQL, which queues nothing) is not among the results, nor
    among similar questions."""
    db.session.execute(
        Post.__table__.update().where(Post.id == forum_content["reset"].id).values(deleted_at=utcnow())
    )
    db.session.commit()
    assert titles(engine, "password") == []
    assert RESET not in titles(engine, "thermostat")
    assert RESET not in [hit.title for hit in engine.similar(RESET, "", limit=5)]
    assert forum_content["reset"].id in engine.indexed_fingerprints()


def test_deleted_answers_are_not_searched(engine, forum_content):
    expert = accounts.get_user("erin")
    answer = make_answer(expert, forum_content["reset"], "Try the zanzibar procedure from the manual.")
    assert titles(engine, "zanzibar") == [RESET]
    service.delete(expert, answer.id)
    assert titles(engine, "zanzibar") == []
    assert titles(engine, "is:unanswered") == [RESET]


def test_a_result_shows_its_best_answers_and_counts_them_all(engine):
    """A result reads the text of the answers starting within RESULT_ANSWERS_CHARS of HTML, best
    first: a long thread is found by its last answer, whose text the excerpt leaves out, and its
    status still counts that answer (here the only staff answer)."""
    asker, member, expert = make_user("ann"), make_user("bob"), make_user("erin", role="expert")
    question = make_question(asker, "The hub drops offline at night", "Every night around two.", "hub")
    long_answer = " ".join(["Check the router's lease time and the hub's power saving."] * 100)
    best = make_answer(member, question, long_answer)
    make_answer(expert, question, "Update the hub firmware to the zanzibar release.")
    best.score = 4
    db.session.commit()
    (hit,) = engine.search(parse_query("zanzibar")).items
    assert hit.answer_status == "staff"
    assert "zanzibar" not in str(hit.excerpt_html).lower()


def test_edits_and_role_changes_reach_the_index(engine, forum_content):
    ann = accounts.get_user("ann")
    service.edit(ann, forum_content["reset"].id, "The kiosk keeps asking for it.", title=RESET)
    assert titles(engine, "kiosk") == [RESET]
    member = accounts.get_user("bob")
    accounts.set_role(member, "expert")  # bob's answer on "charged" is now a staff answer
    assert engine.check().is_clean


def test_did_you_mean(engine, forum_content):
    page = engine.search(parse_query('thermostt pasword -"x y"'))
    assert page.total == 0
    assert page.suggestion == 'thermostat password -"x y"'
    assert engine.search(parse_query("thermostat")).suggestion is None


def test_common_words_only(engine, forum_content):
    page = engine.search(parse_query("the"))
    assert page.total == 0 and any("too common" in notice for notice in page.notices)


def test_malformed_queries_give_results_or_notices(engine, forum_content):
    for text in [
        '"thermostat',
        "thermostat -",
        "[wifi",
        "score:>=abc thermostat",
        "x" * 10_000,
        "☃\u0301" * 300,
    ]:
        page = engine.search(parse_query(text))
        assert page.total >= 0
    assert titles(engine, '"thermostat') == [PAIRING, RESET]


def test_similar_questions_include_unanswered_ones(engine, forum_content):
    ann = make_user("dan")
    make_question(
        ann, "Thermostat drops off the wifi every night", "It loses the network at midnight.", "wifi"
    )
    similar = engine.similar("My thermostat keeps dropping off wifi", "It loses the network every night.", 3)
    assert [hit.title for hit in similar][:2] == ["Thermostat drops off the wifi every night", PAIRING]
    assert not similar[0].is_answered
    assert engine.similar("", "", 5) == []
    assert engine.similar("!!!", "", 5) == []


def test_check_reports_drift_and_rebuild_repairs_it(engine, forum_content):
    assert engine.check().is_clean
    engine.remove([forum_content["reset"].id])
    engine.clear()
    report = engine.check()
    assert sorted(report.missing) == sorted(question.id for question in forum_content.values())
    assert engine.rebuild() == 3
    assert engine.check().is_clean


def test_the_engine_follows_the_database(app):
    def name(url: str, setting: str = "auto") -> str:
        return make_backend({**app.config, "SQLALCHEMY_DATABASE_URI": url, "SEARCH_BACKEND": setting}).name

    assert name("sqlite:///forum.db") == "whoosh"
    assert name("postgresql+psycopg://forum@db/forum") == "postgres"
    assert name("postgresql+psycopg://forum@db/forum", "whoosh") == "whoosh"
    with pytest.raises(ValueError, match="SEARCH_BACKEND"):
        name("sqlite://", "elasticsearch")


def test_an_index_with_other_fields_is_started_again(app, tmp_path, caplog):
    from whoosh import fields, index

    index.create_in(tmp_path, fields.Schema(question_id=fields.ID(stored=True), body=fields.TEXT()))
    backend = make_backend({**app.config, "SEARCH_INDEX_PATH": str(tmp_path)}, "whoosh")
    make_question(make_user("ann"), RESET)
    assert backend.search(parse_query("thermostat")).total == 0
    assert "run `flask search reindex`" in caplog.text
    assert backend.rebuild() == 1 and backend.search(parse_query("thermostat")).total == 1
