"""The support dashboard: every figure on constructed data, worked out by hand; who sees what; bad input.

The clock is fixed at NOW (forum.clock.utcnow, which the dashboard reads through the module);
posts are made through the services and then moved to the times below.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import literal, select, update

from forum import clock
from forum.auth.service import issue_token
from forum.dashboard import charts, figures, params, service
from forum.dashboard.cache import TTLCache
from forum.dashboard.dialect import seconds_between
from forum.dashboard.params import BadParameter, Filters
from forum.experts import service as experts
from forum.extensions import db
from forum.models import Post, Question, Tag, User
from forum.models.faq import FaqEntry, FaqVote, PageView, SearchEvent
from forum.models.reputation import ReputationEvent
from forum.models.search import SimilarEvent
from forum.questions import service as questions
from forum.votes import service as votes
from tests.conftest import login, make_user
from tests.test_query_counts import counted_statements

NOW = datetime(2026, 3, 31, 12, 0, 0)
MARCH = {"from": "2026-03-01", "to": "2026-03-31"}
TARGET = 24.0


def at(day: int, hour: int = 0, minute: int = 0, month: int = 3) -> datetime:
    """A moment in 2026 (March unless told)."""
    return datetime(2026, month, day, hour, minute)


def move(post, when: datetime) -> None:
    """Set when a post was written."""
    db.session.execute(update(Post).where(Post.id == post.id).values(created_at=when))


def ask(author, title: str, tags: str, when: datetime):
    question = questions.ask(author, title, "Some details about the problem, long enough.", tags)
    move(question, when)
    return question


def answer(author, question, when: datetime):
    result = questions.answer(author, question.id, f"An answer from {author.username}, with enough text.")
    move(result, when)
    return result


@dataclass
class Community:
    """The ids of the constructed community (see the table in `community`)."""

    users: dict[str, User]
    questions: dict[str, int]
    answers: dict[str, int]


@pytest.fixture
def fixed_clock(monkeypatch):
    monkeypatch.setattr(clock, "utcnow", lambda: NOW)
    return NOW


@pytest.fixture
def fresh(app):
    """Figures computed on every request (no cache), as every test but the cache's needs."""
    before = app.config["DASHBOARD_CACHE_SECONDS"]
    app.config["DASHBOARD_CACHE_SECONDS"] = 0
    yield app
    app.config["DASHBOARD_CACHE_SECONDS"] = before
    service.clear_cache()


@pytest.fixture
def community(app, fresh, fixed_clock) -> Community:
    """Questions of March 2026, with NOW = 31 March 12:00 and a 24-hour target.

    question  asked          tag      answers (time after asking)                   accepted
    q1        2 Mar 10:00    billing  mia 30 min, erin 2 h                          erin
    q2        3 Mar 09:00    wifi     erin 10 h (q2 and the answer edited later)    -
    q3        5 Mar 08:00    billing  asker2 (own) 10 min, max 48 h                 max
    q4        10 Mar 00:00   wifi     mia 20 min (deleted), sam 30 h                -
    q5        12 Mar 12:00   billing  asker1 (own) 1 h, only                        asker1's own
    q6        31 Mar 06:00   wifi     none (6 h old: not due yet)                   -
    q7        20 Mar 12:00   wifi     none, closed                                  -
    q8        15 Mar 12:00   billing  mia, but q8 is deleted                        -
    q9        20 Feb 12:00   wifi     mia on 2 Mar 12:00 (asked before the range)   mia
    q10       25 Mar 12:00   billing  mo (moderator) 1 h                            mo
    """
    users = {
        name: make_user(name, role)
        for name, role in [
            ("asker1", "member"),
            ("asker2", "member"),
            ("erin", "expert"),
            ("sam", "expert"),
            ("mia", "member"),
            ("max", "member"),
            ("mo", "moderator"),
        ]
    }
    joined = {"asker1": at(1, month=2), "asker2": at(1, month=2), "erin": at(1, month=1)}
    joined |= {"sam": at(1, month=1), "mia": at(1, 9), "max": at(6, 15), "mo": datetime(2025, 12, 1)}
    for name, when in joined.items():
        db.session.execute(update(User).where(User.id == users[name].id).values(created_at=when))
    asker1, asker2, erin, sam, mia, max_, mo = users.values()
    q = {
        "q1": ask(asker1, "Why was I charged twice this month?", "billing", at(2, 10)),
        "q2": ask(asker1, "Thermostat will not join my wifi network", "wifi", at(3, 9)),
        "q3": ask(asker2, "How do I change the card on my account?", "billing", at(5, 8)),
        "q4": ask(asker2, "Wifi drops every night at midnight", "wifi", at(10)),
        "q5": ask(asker1, "Can I get a refund for the old plan?", "billing", at(12, 12)),
        "q6": ask(asker1, "Which wifi bands does the thermostat use?", "wifi", at(31, 6)),
        "q7": ask(asker2, "Wifi setup asks for a code I do not have", "wifi", at(20, 12)),
        "q8": ask(asker2, "Billing question posted by mistake here", "billing", at(15, 12)),
        "q9": ask(asker1, "Does the thermostat work with a mesh network?", "wifi", at(20, 12, month=2)),
        "q10": ask(asker2, "Where do I find my invoices for last year?", "billing", at(25, 12)),
    }
    a = {
        "q1_mia": answer(mia, q["q1"], at(2, 10, 30)),
        "q1_erin": answer(erin, q["q1"], at(2, 12)),
        "q2_erin": answer(erin, q["q2"], at(3, 19)),
        "q3_own": answer(asker2, q["q3"], at(5, 8, 10)),
        "q3_max": answer(max_, q["q3"], at(7, 8)),
        "q4_mia": answer(mia, q["q4"], at(10, 0, 20)),
        "q4_sam": answer(sam, q["q4"], at(11, 6)),
        "q5_own": answer(asker1, q["q5"], at(12, 13)),
        "q8_mia": answer(mia, q["q8"], at(15, 13)),
        "q9_mia": answer(mia, q["q9"], at(2, 12)),
        "q10_mo": answer(mo, q["q10"], at(25, 13)),
    }
    questions.delete(mia, a["q4_mia"].id)
    questions.delete(asker2, q["q8"].id)
    db.session.execute(update(Question).where(Question.id == q["q7"].id).values(status="closed"))
    db.session.commit()
    votes.accept(asker1, q["q1"].id, a["q1_erin"].id)
    votes.accept(asker2, q["q3"].id, a["q3_max"].id)
    votes.accept(asker1, q["q5"].id, a["q5_own"].id)
    votes.accept(asker1, q["q9"].id, a["q9_mia"].id)
    votes.accept(asker2, q["q10"].id, a["q10_mo"].id)
    votes.vote(erin, a["q1_mia"].id, 1)
    # every ledger event so far falls in March; one more upvote is dated before the range
    db.session.execute(update(ReputationEvent).values(created_at=at(15, 12)))
    votes.vote(mo, a["q3_max"].id, 1)
    db.session.execute(
        update(ReputationEvent)
        .where(ReputationEvent.kind == "answer_upvoted", ReputationEvent.user_id == max_.id)
        .values(created_at=at(15, month=2))
    )
    # edits after the first answers: the times still run from the moment each was written
    questions.edit(asker1, q["q2"].id, "The thermostat will not join my wifi network at all, edited.")
    questions.edit(erin, a["q2_erin"].id, "An answer from erin, edited later with more detail.")
    experts.set_topics(erin, ["billing"])
    db.session.commit()
    return Community(
        users=users,
        questions={name: question.id for name, question in q.items()},
        answers={name: item.id for name, item in a.items()},
    )


def march(tag: str | None = None) -> Filters:
    tag_id = None
    if tag:
        tag_id = params.parse({"tag": tag}, NOW.date(), 366).tag_id
    return Filters(date(2026, 3, 1), date(2026, 3, 31), tag, tag_id)


def compute(filters: Filters, expert: User | None = None) -> service.Dashboard:
    scope = figures.Scope(expert.id if expert else None)
    return service.compute(filters, scope, TARGET, NOW, expert.username if expert else None)


# The figures


def test_questions_answered_and_accepted(community):
    response = compute(march()).response
    # q8 is deleted and q9 was asked in February: eight questions; q5 (only its asker
    # answered), q6 and q7 have no answer by anyone else; q5's self-accept does not count
    assert (response.asked, response.answered, response.accepted) == (8, 5, 3)
    assert response.answered_rate == 5 / 8
    assert response.accepted_rate == 3 / 8


def test_time_to_first_answer(community):
    first = compute(march()).response.first_answer
    # q1 30 min, q10 1 h, q2 10 h, q4 30 h (mia's deleted 20 min answer does not count), q3 48 h
    # (its asker's own 10 min answer does not count); the edits of q2 change nothing
    assert first.answered == 5
    assert first.median_seconds == 10 * 3600  # rank ceil(0.5 * 5) = 3
    assert first.p90_seconds == 48 * 3600  # rank ceil(0.9 * 5) = 5
    # due: the five answered, q5 and q7 (unanswered, older than 24 h), not q6 (6 h old)
    assert (first.within_target, first.counted) == (3, 7)
    assert first.within_target_rate == 3 / 7
    assert first.buckets == (1, 1, 1, 2, 0, 0)


def test_time_to_first_expert_answer(community):
    expert = compute(march()).response.responder_answer
    # erin 2 h on q1 and 10 h on q2, sam 30 h on q4; max is a member and mo a moderator
    assert expert.answered == 3
    assert expert.median_seconds == 10 * 3600  # rank ceil(1.5) = 2
    assert expert.p90_seconds == 30 * 3600  # rank ceil(2.7) = 3
    # due: the three, and q3, q5, q7, q10 (no expert answer, older than 24 h)
    assert (expert.within_target, expert.counted) == (2, 7)
    assert expert.buckets == (0, 1, 1, 1, 0, 0)


def test_backlog_counts_open_unanswered_questions_by_age(community):
    backlog = compute(march()).backlog
    # q6 waits 6 h, q5 19 days (its asker's answer does not count); q7 is closed
    assert backlog.buckets == (1, 0, 0, 1, 0)
    assert (backlog.total, backlog.overdue) == (2, 1)


def test_volume_per_day(community):
    days = {day.day.day: day for day in compute(march()).volume}
    assert len(days) == 31
    assert sum(day.questions for day in days.values()) == 8
    assert [day for day, figures_ in days.items() if figures_.questions] == [2, 3, 5, 10, 12, 20, 25, 31]
    # answers: q1 mia and erin plus q9 mia on the 2nd; the askers' own answers are posts too,
    # and so is mia's answer on q8 (the question was deleted, not the answer); her deleted
    # answer on q4 is not
    answers = {day: figures_.answers for day, figures_ in days.items() if figures_.answers}
    assert answers == {2: 3, 3: 1, 5: 1, 7: 1, 11: 1, 12: 1, 15: 1, 25: 1}
    assert {day: figures_.new_members for day, figures_ in days.items() if figures_.new_members} == {
        1: 1,
        6: 1,
    }


def test_who_answers_and_top_contributors(community):
    dashboard = compute(march())
    # accepted answers of March's questions: erin (q1), max (q3), mo (q10); q5's is its
    # asker's own, and q9 (mia's) was asked in February
    assert dashboard.who_answers == {"expert": 1, "member": 1, "staff": 1, "former": 0}
    # mia: reputation dated March from q9's acceptance (+15) and erin's upvote (+10); max: +15
    # (mo's upvote is dated February); the askers +2 for each acceptance of another's answer
    assert [(c.username, c.accepted_answers, c.reputation) for c in dashboard.contributors] == [
        ("max", 1, 15),
        ("mia", 0, 25),
        ("asker1", 0, 4),
        ("asker2", 0, 4),
    ]


def test_a_tag_narrows_every_figure(community):
    dashboard = compute(march("billing"))
    response = dashboard.response
    # q1, q3, q5, q10 (q8 is deleted)
    assert (response.asked, response.answered, response.accepted) == (4, 3, 3)
    assert (response.first_answer.median_seconds, response.first_answer.p90_seconds) == (3600, 48 * 3600)
    assert dashboard.backlog.total == 1  # q5
    assert dashboard.who_answers == {"expert": 1, "member": 1, "staff": 1, "former": 0}
    assert [(c.username, c.accepted_answers, c.reputation) for c in dashboard.contributors] == [
        ("max", 1, 15),
        ("mia", 0, 10),
        ("asker2", 0, 4),
        ("asker1", 0, 2),
    ]
    assert sum(day.answers for day in dashboard.volume) == 7  # q1 two, q3 two, q5, q8, q10
    assert sum(day.questions for day in dashboard.volume) == 4


def test_an_experts_own_figures(community):
    erin = compute(march(), community.users["erin"])
    response = erin.response
    # erin answered q1 (after mia: not first) and q2 (first); q1's accepted answer is hers
    assert response.asked == 2
    assert (response.answered_first, response.responder_accepted) == (1, 1)
    mine = response.responder_answer
    assert (mine.median_seconds, mine.p90_seconds) == (2 * 3600, 10 * 3600)  # ranks 1 and 2 of 2
    assert (mine.within_target, mine.counted) == (2, 2)
    # the backlog of her topic (billing): q5
    assert (erin.backlog.total, erin.backlog.buckets) == (1, (0, 0, 0, 1, 0))
    assert {day.day.day: day.answers for day in erin.volume if day.answers} == {2: 1, 3: 1}
    assert all(day.questions is None and day.new_members is None for day in erin.volume)
    assert erin.similar is erin.who_answers is erin.contributors is erin.faq is None

    sam = compute(march(), community.users["sam"]).response
    # mia's deleted answer came earlier, so sam's is the first that counts
    assert (sam.asked, sam.answered_first, sam.responder_answer.median_seconds) == (1, 1, 30 * 3600)


def test_no_questions_and_no_answers(community):
    empty = compute(Filters(date(2026, 1, 10), date(2026, 1, 12))).response
    assert (empty.asked, empty.answered_rate, empty.accepted_rate) == (0, None, None)
    assert empty.first_answer.median_seconds is None
    assert empty.first_answer.within_target_rate is None
    unanswered = compute(Filters(date(2026, 3, 20), date(2026, 3, 20))).response  # q7 only
    assert (unanswered.asked, unanswered.answered, unanswered.answered_rate) == (1, 0, 0.0)
    assert (unanswered.first_answer.median_seconds, unanswered.first_answer.p90_seconds) == (None, None)
    assert (unanswered.first_answer.counted, unanswered.first_answer.within_target_rate) == (1, 0.0)


def test_deflection(community):
    q = community.questions

    def opened(token: str, question: str, when: datetime) -> None:
        db.session.add(
            SimilarEvent(
                kind="suggestion_opened", ask_token=token * 16, question_id=q[question], created_at=when
            )
        )

    opened("a", "q1", at(10, 10))  # never posted: deflected
    opened("b", "q3", at(11, 10))  # posted anyway, below
    db.session.add(
        SimilarEvent(kind="posted_anyway", ask_token="b" * 16, question_id=q["q6"], created_at=at(11, 10, 5))
    )
    opened("c", "q2", at(31, 11, 30))  # half an hour ago: pending
    opened("d", "q1", at(10, 10, month=2))  # before the range
    opened("e", "q1", at(12, 9))  # two suggestions in one visit: one session, deflected
    opened("e", "q5", at(12, 9, 5))
    db.session.commit()
    similar = compute(march()).similar
    assert (similar.opened, similar.posted_anyway, similar.deflected, similar.pending) == (4, 1, 2, 1)
    assert similar.deflected_rate == 2 / 3
    billing = compute(march("billing")).similar
    assert (billing.opened, billing.posted_anyway, billing.deflected, billing.pending) == (3, 1, 2, 0)


def search_events(community: Community) -> None:
    """Searches and results opened in March (NOW is 31 March 12:00), worked out in the tests below.

    visitor   query    results opened (tag)              then                      outcome
    asker1    refund   q1 (billing) 10 Mar 09:01         asks 10 Mar 09:30         posted
    a cookie  wifi     q2 (wifi) 12 Mar 10:00            (cannot be followed)      deflected
    mia       invoice  q10, q1 (billing) 10:00, 10:20    asks 20 Mar 11:10         posted (50 min after)
    asker2    plan     q5 (billing) 15 Mar 10:00         asks q8 at 12:00 (2 h)    deflected
    max       card     q3 (billing) 31 Mar 11:30         -                         pending (under an hour)
    asker1    old      q1 10 Feb                         -                         before the range
    Searches made in March: five (the cookie's twice; asker2's click came without one).
    """
    users, q = community.users, community.questions
    cookie = "c:" + "x" * 22

    def event(kind: str, user: str | None, query: str, when: datetime, question: str | None = None) -> None:
        visitor = f"u:{users[user].id}" if user else cookie
        db.session.add(
            SearchEvent(
                kind=kind,
                visitor=visitor,
                query=query,
                question_id=q[question] if question else None,
                position=1 if question else None,
                created_at=when,
            )
        )

    event("search", "asker1", "refund", at(10, 9))
    event("click", "asker1", "refund", at(10, 9, 1), "q1")
    event("search", None, "wifi", at(12, 9, 59))
    event("search", None, "wifi", at(12, 9, 59))
    event("click", None, "wifi", at(12, 10), "q2")
    event("search", "mia", "invoice", at(20, 9, 59))
    event("click", "mia", "invoice", at(20, 10), "q10")
    event("click", "mia", "invoice", at(20, 10, 20), "q1")
    event("click", "asker2", "plan", at(15, 10), "q5")
    event("search", "max", "card", at(31, 11, 29))
    event("click", "max", "card", at(31, 11, 30), "q3")
    event("search", "asker1", "old", at(10, month=2))
    event("click", "asker1", "old", at(10, 0, 1, month=2), "q1")
    ask(users["asker1"], "Was the refund for the old plan paid already?", "billing", at(10, 9, 30))
    ask(users["mia"], "Where is the invoice for my second thermostat?", "wifi", at(20, 11, 10))
    db.session.commit()


def test_search_deflection(community):
    search_events(community)
    search = compute(march()).search
    assert search.available
    assert (search.made, search.searches, search.deflected) == (5, 5, 2)
    assert search.deflected_rate == 2 / 5
    billing = compute(march("billing")).search
    # the cookie's wifi search opened a wifi question; searches made take no tag
    assert (billing.made, billing.searches, billing.deflected) == (5, 4, 1)
    settled_later = service.compute(march(), figures.Scope(), TARGET, NOW + timedelta(hours=1)).search
    assert settled_later.deflected == 3  # max's search is over its hour now


def faq_activity(community: Community) -> None:
    """Two entries: views and helpful votes in and out of March.

    entry    tag      views (visitors a day)                    votes
    billing  billing  3 on 5 Mar, 1 on 28 Feb, 1 on 1 Apr (!)   yes 5 Mar, no 6 Mar, yes 20 Feb
    wifi     wifi     2 on 31 Mar                                yes 31 Mar
    (the view on 1 April is after the range)
    """
    q = community.questions
    tags = {tag.name: tag.id for tag in db.session.scalars(select(Tag))}
    billing = FaqEntry(
        title="Why was I charged twice?", body="Body " * 5, body_html="<p>Body</p>", question_id=q["q1"]
    )
    billing.tag_id = tags["billing"]
    wifi = FaqEntry(
        title="Joining a wifi network", body="Body " * 5, body_html="<p>Body</p>", question_id=q["q2"]
    )
    wifi.tag_id = tags["wifi"]
    db.session.add_all([billing, wifi])
    db.session.flush()
    for entry, day, visitor in [
        (billing, date(2026, 3, 5), "u:1"),
        (billing, date(2026, 3, 5), "u:2"),
        (billing, date(2026, 3, 5), "c:" + "a" * 22),
        (billing, date(2026, 2, 28), "u:1"),
        (billing, date(2026, 4, 1), "u:1"),
        (wifi, date(2026, 3, 31), "u:1"),
        (wifi, date(2026, 3, 31), "u:3"),
    ]:
        db.session.add(PageView(kind="faq", target_id=entry.id, day=day, visitor=visitor))
    for entry, visitor, helpful, when in [
        (billing, "u:1", True, at(5, 10)),
        (billing, "u:2", False, at(6, 10)),
        (billing, "u:3", True, at(20, 10, month=2)),
        (wifi, "u:1", True, at(31, 9)),
    ]:
        db.session.add(FaqVote(entry_id=entry.id, visitor=visitor, helpful=helpful, created_at=when))
    db.session.commit()


def test_faq_views_and_helpful_votes(community):
    faq_activity(community)
    faq = compute(march()).faq
    assert (faq.available, faq.views, faq.helpful_votes, faq.helpful_yes, faq.helpful_no) == (
        True,
        5,
        3,
        2,
        1,
    )
    billing = compute(march("billing")).faq
    assert (billing.views, billing.helpful_votes, billing.helpful_yes, billing.helpful_no) == (3, 2, 1, 1)
    one_day = compute(Filters(date(2026, 3, 31), date(2026, 3, 31))).faq
    assert (one_day.views, one_day.helpful_yes, one_day.helpful_no) == (2, 1, 0)


def test_seconds_between_is_exact_on_this_database(app):
    start = datetime(2026, 3, 1, 23, 59, 59, 500000)
    for end, seconds in [
        (datetime(2026, 3, 2, 0, 0, 0, 400000), 1),
        (datetime(2026, 3, 1, 23, 59, 59, 500000), 0),
        (datetime(2027, 3, 1, 23, 59, 59, 500000), 365 * 86400),
        (datetime(2026, 3, 1, 22, 59, 59, 500000), -3600),
    ]:
        assert db.session.scalar(select(seconds_between(literal(start), literal(end)))) == seconds


# Parameters


TODAY = date(2026, 3, 31)


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ({}, (date(2026, 3, 4), TODAY)),
        ({"from": "2026-03-01"}, (date(2026, 3, 1), TODAY)),
        ({"to": "2026-02-28"}, (date(2026, 2, 1), date(2026, 2, 28))),
        ({"from": " 2026-03-30 ", "to": "2026-03-30"}, (date(2026, 3, 30), date(2026, 3, 30))),
        ({"from": "2025-04-01", "to": "2026-03-31"}, (date(2025, 4, 1), TODAY)),
        ({"to": "0001-01-05"}, (date(1, 1, 1), date(1, 1, 5))),
    ],
)
def test_dates_and_defaults(app, args, expected):
    filters = params.parse(args, TODAY, 366)
    assert (filters.first_day, filters.last_day) == expected
    assert filters.notes == ()


def test_a_range_ending_after_today_is_cut_to_today(app):
    filters = params.parse({"from": "2026-03-01", "to": "9999-12-31"}, TODAY, 366)
    assert (filters.first_day, filters.last_day) == (date(2026, 3, 1), TODAY)
    assert "ends today" in filters.notes[0]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({"from": "yesterday"}, "'from' must be a date written YYYY-MM-DD"),
        ({"to": "2026-3-1"}, "'to' must be a date written YYYY-MM-DD"),
        ({"from": "2026-02-30"}, "'from' is not a real date"),
        ({"from": "0000-01-01"}, "'from' is not a real date"),
        ({"from": "2026-03-20", "to": "2026-03-10"}, "is after 'to'"),
        ({"from": "2026-04-01"}, "is in the future"),
        ({"from": "2024-01-01", "to": "2026-03-31"}, "choose at most 366"),
        ({"tag": "no-such-tag"}, "There is no tag named 'no-such-tag'"),
        ({"tag": "x" * 500}, "There is no tag named"),
        ({"tag": "!!!"}, "There is no tag named '!!!'"),
    ],
)
def test_bad_parameters_are_400s_that_say_why(app, args, message):
    with pytest.raises(BadParameter) as caught:
        params.parse(args, TODAY, 366)
    assert caught.value.status == 400
    assert message in caught.value.message


def test_a_tag_is_read_as_tags_are_written(app):
    questions.ask(
        make_user("ann"), "A question about billing cycles", "A body long enough here.", "billing-cycle"
    )
    assert params.parse({"tag": "  Billing Cycle "}, TODAY, 366).tag == "billing-cycle"


# Pages, CSV and API


def test_who_may_see_the_dashboard(client, fresh):
    assert client.get("/dashboard").status_code == 302
    assert "/login" in client.get("/dashboard").headers["Location"]
    assert client.get("/dashboard/summary.csv").status_code == 302
    make_user("ann")
    login(client, "ann")
    assert client.get("/dashboard").status_code == 403
    assert client.get("/dashboard?from=nonsense").status_code == 403  # no hint from the parameters
    assert client.get("/dashboard/summary.csv").status_code == 403
    assert "Dashboard</a>" not in client.get("/").get_data(as_text=True)


def test_the_admins_page_shows_the_figures_and_their_definitions(client, community):
    make_user("boss", "admin")
    login(client, "boss")
    assert "Dashboard</a>" in client.get("/").get_data(as_text=True)
    page = client.get("/dashboard", query_string=MARCH)
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'id="tile-asked">8<' in html
    assert 'id="tile-answered-rate">62.5%<' in html
    assert 'id="tile-accepted-rate">37.5%<' in html
    assert 'id="tile-median">10.0 h<' in html
    assert 'id="tile-backlog">2<' in html
    assert html.count('<svg class="chart"') == 2
    for heading in ("Answered", "Median and 90th percentile", "Within target", "Deflection", "Who answers"):
        assert f"<dt>{heading}</dt>" in html
    assert "⌈p × n⌉" in html
    assert 'id="faq-not-available"' not in html and "not yet available" not in html
    for heading in ("Search deflection", "FAQ views and helpful votes"):
        assert f"<dt>{heading}</dt>" in html
    for name in ("summary", "volume", "response-times", "backlog", "deflection", "faq", "who-answers"):
        assert f"/dashboard/{name}.csv?from=2026-03-01&amp;to=2026-03-31" in html
    assert '<th scope="row">mia</th>' not in html  # rank is the row heading
    assert "<td>mia</td>" in html


def test_an_experts_page_shows_only_their_own_figures(client, community):
    login(client, "erin")
    html = client.get("/dashboard", query_string=MARCH).get_data(as_text=True)
    assert "Your own figures, erin" in html
    assert 'id="tile-asked">2<' in html
    assert 'id="tile-median">2.0 h<' in html
    assert "<dt>Your own figures</dt>" in html
    assert "Who answers" not in html and "deflection.csv" not in html
    assert client.get("/dashboard/who-answers.csv", query_string=MARCH).status_code == 404
    rows = list(
        csv.reader(
            io.StringIO(client.get("/dashboard/volume.csv", query_string=MARCH).get_data(as_text=True))
        )
    )
    assert rows[0] == ["Date", "Your answers"]
    assert ["2026-03-02", "1"] in rows and ["2026-03-03", "1"] in rows


@pytest.mark.parametrize(
    "query",
    [
        "from=2026-13-01",
        "from=2026-03-20&to=2026-03-01",
        "from=2020-01-01&to=2026-03-01",
        "tag=nothing-like-it",
        "from=%00",
        "to=99999-01-01",
        "from=nonsense&from=2026-03-01",
    ],
)
def test_bad_parameters_show_the_form_with_a_400(client, community, query):
    login(client, "mo")
    page = client.get(f"/dashboard?{query}")
    assert page.status_code == 400
    html = page.get_data(as_text=True)
    if "%00" not in query:  # NUL is refused before any view, with its own message
        assert 'id="filter-error"' in html and 'name="from"' in html
    assert client.get(f"/dashboard/summary.csv?{query}").status_code == 400
    api = client.get(f"/api/v1/dashboard?{query}", headers=bearer(community.users["mo"]))
    assert api.status_code == 400 and api.get_json()["error"]


def test_a_future_end_is_corrected_and_said(client, community):
    login(client, "mo")
    page = client.get("/dashboard?from=2026-03-01&to=2027-01-01")
    assert page.status_code == 200
    assert "The range ends today (2026-03-31)" in page.get_data(as_text=True)


def csv_rows(client, name: str, **query) -> list[list[str]]:
    response = client.get(f"/dashboard/{name}.csv", query_string={**MARCH, **query})
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    return list(csv.reader(io.StringIO(response.get_data(as_text=True))))


def test_csv_exports_hold_the_same_numbers(client, community):
    login(client, "mo")
    summary = dict(csv_rows(client, "summary")[1:])
    assert summary["Questions asked"] == "8"
    assert summary["Answered rate (%)"] == "62.5"
    assert summary["Time to first answer, median (hours)"] == "10.0"
    assert summary["Time to first answer, 90th percentile (hours)"] == "48.0"
    assert summary["Time to first answer within target (% of questions due)"] == "42.9"
    assert summary["Time to first expert answer, 90th percentile (hours)"] == "30.0"
    response_times = csv_rows(client, "response-times")
    assert response_times[0] == [
        "Time to answer",
        "Questions (first answer)",
        "Questions (first expert answer)",
    ]
    assert response_times[-1] == ["not answered yet", "3", "5"]
    volume = csv_rows(client, "volume")
    assert volume[0] == ["Date", "Questions", "Answers", "New members"]
    assert len(volume) == 32 and volume[2] == ["2026-03-02", "1", "3", "0"]
    assert csv_rows(client, "contributors")[1] == ["1", "max", "1", "15"]
    assert csv_rows(client, "who-answers")[1] == ["Staff experts", "1", "33.3"]
    assert dict(csv_rows(client, "faq")[1:]) == {
        "FAQ views": "0",
        "Helpful votes on FAQ entries": "0",
        "… helpful": "0",
        "… not helpful": "0",
    }
    deflection = dict(csv_rows(client, "deflection")[1:])
    assert deflection["Searches made (the tag does not apply)"] == "0"
    assert deflection["Deflected share of searches that opened an answer (%)"] == ""
    assert deflection["Questions posted"] == "8"
    assert deflection["Deflected share of settled sessions (%)"] == ""  # no sessions: no rate
    billing = dict(csv_rows(client, "summary", tag="billing")[1:])
    assert billing["Questions asked"] == "4"
    assert client.get("/dashboard/nothing.csv").status_code == 404


def test_search_and_faq_figures_on_the_page_in_csv_and_api(client, community):
    search_events(community)
    faq_activity(community)
    login(client, "mo")
    html = client.get("/dashboard", query_string=MARCH).get_data(as_text=True)
    assert "not yet available" not in html
    deflection = dict(csv_rows(client, "deflection")[1:])
    assert deflection["Searches made (the tag does not apply)"] == "5"
    assert deflection["Searches that ended with opening an answer"] == "5"
    assert deflection["… and no question posted (deflected)"] == "2"
    assert deflection["Deflected share of searches that opened an answer (%)"] == "40.0"
    assert dict(csv_rows(client, "faq")[1:]) == {
        "FAQ views": "5",
        "Helpful votes on FAQ entries": "3",
        "… helpful": "2",
        "… not helpful": "1",
    }
    body = client.get(
        "/api/v1/dashboard", query_string={**MARCH, "tag": "billing"}, headers=bearer(community.users["mo"])
    ).get_json()
    assert body["deflection"]["search"] == {
        "available": True,
        "made": 5,
        "searches": 4,
        "deflected": 1,
        "deflected_rate": 0.25,
    }
    assert body["faq"] == {
        "available": True,
        "views": 3,
        "helpful_votes": 2,
        "helpful_yes": 1,
        "helpful_no": 1,
    }


def test_csv_cells_never_start_a_formula(client, community):
    db.session.execute(update(User).where(User.username == "max").values(username="=cmd|calc"))
    db.session.commit()
    login(client, "mo")
    assert csv_rows(client, "contributors")[1][1] == "'=cmd|calc"


def bearer(user: User) -> dict[str, str]:
    return {"Authorization": f"Bearer {issue_token(user)}"}


def test_api_needs_a_staff_token(client, community):
    assert client.get("/api/v1/dashboard").status_code == 401
    assert client.get("/api/v1/dashboard", headers=bearer(community.users["mia"])).status_code == 403
    login(client, "mo")  # a session cookie is no API credential
    assert client.get("/api/v1/dashboard").status_code == 401


def test_api_figures(client, community):
    body = client.get(
        "/api/v1/dashboard", query_string=MARCH, headers=bearer(community.users["mo"])
    ).get_json()
    assert (body["from"], body["to"], body["days"], body["tag"], body["scope"]) == (
        "2026-03-01",
        "2026-03-31",
        31,
        None,
        "community",
    )
    assert body["questions"] == {
        "asked": 8,
        "answered": 5,
        "accepted": 3,
        "answered_rate": 0.625,
        "accepted_rate": 0.375,
        "answered_first": None,
        "expert_accepted": None,
    }
    assert body["first_answer"] == {
        "answered": 5,
        "median_seconds": 36000,
        "p90_seconds": 172800,
        "within_target": 3,
        "counted": 7,
        "within_target_rate": 3 / 7,
    }
    assert body["first_expert_answer"]["p90_seconds"] == 108000
    assert [bucket["first_answer"] for bucket in body["response_buckets"]] == [1, 1, 1, 2, 0, 0, 3]
    assert body["backlog"]["total"] == 2
    assert body["who_answers"] == {"expert": 1, "member": 1, "staff": 1, "former": 0}
    assert body["top_contributors"][1] == {
        "user_id": community.users["mia"].id,
        "username": "mia",
        "accepted_answers": 0,
        "reputation": 25,
    }
    assert body["faq"] == {
        "available": True,
        "views": 0,
        "helpful_votes": 0,
        "helpful_yes": 0,
        "helpful_no": 0,
    }
    assert body["deflection"]["search"] == {
        "available": True,
        "made": 0,
        "searches": 0,
        "deflected": 0,
        "deflected_rate": None,
    }
    assert len(body["volume"]) == 31

    mine = client.get(
        "/api/v1/dashboard", query_string=MARCH, headers=bearer(community.users["erin"])
    ).get_json()
    assert (mine["scope"], mine["expert"]["username"]) == ("expert", "erin")
    assert (mine["questions"]["answered_first"], mine["questions"]["expert_accepted"]) == (1, 1)
    assert mine["first_expert_answer"]["median_seconds"] == 7200
    assert mine["deflection"] is mine["faq"] is mine["who_answers"] is mine["top_contributors"] is None


def _keys_match(value, schema, spec, where="Dashboard"):
    """Every object in the response has exactly the properties its schema lists, all the way down."""
    while "$ref" in schema or "oneOf" in schema:
        if "$ref" in schema:
            schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
        else:
            schema = next(option for option in schema["oneOf"] if option.get("type") != "null")
    if value is None:
        return
    if isinstance(value, dict) and "properties" in schema:
        assert set(value) == set(schema["properties"]), where
        for key, item in value.items():
            _keys_match(item, schema["properties"][key], spec, f"{where}.{key}")
    elif isinstance(value, list) and "items" in schema:
        for item in value:
            _keys_match(item, schema["items"], spec, f"{where}[]")


def test_api_matches_its_openapi_schema(client, community):
    spec = client.get("/api/v1/openapi.json").get_json()
    schema = {"$ref": "#/components/schemas/Dashboard"}
    for user in ("mo", "erin"):
        body = client.get(
            "/api/v1/dashboard", query_string=MARCH, headers=bearer(community.users[user])
        ).get_json()
        _keys_match(body, schema, spec)
    operation = spec["paths"]["/dashboard"]["get"]
    assert {"200", "400", "401", "403"} <= set(operation["responses"])
    assert {parameter["name"] for parameter in operation["parameters"]} == {"from", "to", "tag"}


def test_the_page_runs_a_fixed_number_of_statements(client, community):
    login(client, "mo")
    client.get("/dashboard", query_string=MARCH)
    with counted_statements() as small:
        assert client.get("/dashboard", query_string=MARCH).status_code == 200
    asker = community.users["asker1"]
    helper = community.users["max"]
    for index in range(15):
        question = ask(asker, f"Another question number {index} about billing", "billing", at(20, 12))
        answer(helper, question, at(21, index))
    db.session.commit()
    with counted_statements() as large:
        assert client.get("/dashboard", query_string=MARCH).status_code == 200
    assert len(large) == len(small) <= 12


# Cache


def test_figures_are_cached_for_the_configured_seconds(app, client, community):
    app.config["DASHBOARD_CACHE_SECONDS"] = 60
    token = bearer(community.users["mo"])
    first = client.get("/api/v1/dashboard", query_string=MARCH, headers=token).get_json()
    ask(community.users["asker1"], "One more question about billing today", "billing", at(30, 12))
    db.session.commit()
    cached = client.get("/api/v1/dashboard", query_string=MARCH, headers=token).get_json()
    assert cached["questions"]["asked"] == first["questions"]["asked"] == 8
    other = client.get(
        "/api/v1/dashboard", query_string={**MARCH, "tag": "billing"}, headers=token
    ).get_json()
    assert other["questions"]["asked"] == 5  # other parameters, computed afresh
    service.clear_cache()
    assert (
        client.get("/api/v1/dashboard", query_string=MARCH, headers=token).get_json()["questions"]["asked"]
        == 9
    )


def test_ttl_cache_expires_and_stays_small():
    now = [0.0]
    cache = TTLCache(size=2, clock=lambda: now[0])
    calls = []

    def compute(value):
        def run():
            calls.append(value)
            return value

        return run

    assert cache.get_or_compute("a", 60, compute(1)) == 1
    assert cache.get_or_compute("a", 60, compute(2)) == 1
    now[0] = 60.0
    assert cache.get_or_compute("a", 60, compute(3)) == 3
    cache.get_or_compute("b", 60, compute(4))
    cache.get_or_compute("c", 60, compute(5))
    assert len(cache) == 2
    assert cache.get_or_compute("x", 0, compute(6)) == 6 and len(cache) == 2
    assert calls == [1, 3, 4, 5, 6]


# Charts


def test_nice_ceiling():
    assert [charts.nice_ceiling(value) for value in (0, 1, 2, 3, 7, 11, 99, 101, 4000)] == [
        1,
        1,
        2,
        5,
        10,
        20,
        100,
        200,
        5000,
    ]


def test_line_and_bar_geometry():
    days = [date(2026, 3, 1) + timedelta(days=index) for index in range(3)]
    line = charts.line_chart(days, [("Questions", [0, 5, 10])], "Questions per day")
    assert line.series[0].points == "44.0,204.0 336.0,109.0 628.0,14.0"
    assert [tick.label for tick in line.x_ticks] == ["1 Mar", "2 Mar", "3 Mar"]
    assert "15 in all, at most 10 a day" in line.summary
    single = charts.line_chart(days[:1], [("Questions", [0])], "Questions per day")
    assert single.series[0].dots == (((single.left + single.right) / 2, single.bottom),)
    bars = charts.bar_chart([("a", 0), ("b", 5), ("c", 10)], "Buckets")
    assert [bar.height for bar in bars.bars] == [0, (bars.bottom - bars.top) / 2, bars.bottom - bars.top]
    assert bars.summary == "Buckets. a: 0; b: 5; c: 10."
