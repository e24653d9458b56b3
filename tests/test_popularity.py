"""The popularity score: its formula on constructed signals, `refresh` over the event tables,
`flask faq refresh`, and the periodic refresh that one worker at a time claims."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import event, select, update

from forum import clock
from forum.extensions import db
from forum.faq import popularity
from forum.faq.popularity import Signals, score
from forum.models import Post, Question
from forum.models.faq import FaqEntry, PageView, QuestionPopularity, SearchEvent
from forum.models.search import SimilarEvent
from forum.notifications import service as notifications
from forum.questions import service as questions
from tests.conftest import make_question, make_user

NOW = datetime(2026, 3, 31, 12, 0)
TODAY = NOW.date()


def days_ago(days: int) -> date:
    return TODAY - timedelta(days=days)


def spread(visitors: int, days: int) -> dict[date, int]:
    """`visitors` visitor-days spread evenly over the last `days` days."""
    by_day: dict[date, int] = {}
    for index in range(visitors):
        day = days_ago(index % days)
        by_day[day] = by_day.get(day, 0) + 1
    return by_day


# The formula


def test_a_followed_viewed_recent_thread_beats_an_old_quiet_one():
    recent = Signals(followers=3, votes=1, answers=1, last_activity_at=NOW, views=spread(30, 3))
    old = Signals(followers=10, votes=20, answers=8, last_activity_at=NOW - timedelta(days=400))
    assert score(recent, NOW) > 40 > score(old, NOW)
    # the same standing, active today, would win: the age of its last activity is what fades it
    assert score(Signals(followers=10, votes=20, answers=8, last_activity_at=NOW), NOW) > score(recent, NOW)


def test_click_throughs_count_and_every_event_decays():
    base = Signals(last_activity_at=NOW, views={TODAY: 10})
    searched = Signals(last_activity_at=NOW, views={TODAY: 10}, search_clicks={TODAY: 2})
    suggested = Signals(last_activity_at=NOW, views={TODAY: 10}, similar_clicks={TODAY: 2})
    assert score(base, NOW) == 10
    assert score(searched, NOW) == 10 + 2 * popularity.SEARCH_CLICK_WEIGHT
    assert score(suggested, NOW) == 10 + 2 * popularity.SIMILAR_CLICK_WEIGHT
    two_weeks = Signals(last_activity_at=NOW, views={days_ago(14): 10})
    assert score(two_weeks, NOW) == pytest.approx(5)  # one half-life
    quiet = Signals(followers=2, last_activity_at=NOW - timedelta(days=popularity.STATIC_HALF_LIFE_DAYS))
    assert score(quiet, NOW) == pytest.approx(popularity.FOLLOWER_WEIGHT)  # 2 followers at half weight
    assert score(Signals(votes=-10, last_activity_at=NOW), NOW) == 0  # never below zero
    assert score(Signals(answers=50, last_activity_at=NOW), NOW) == popularity.ANSWERS_COUNTED


def test_what_it_takes_to_become_a_candidate(app):
    threshold = popularity.candidate_min_score()
    assert threshold == 45
    # the README's example: about 40 visitors over the past week plus 3 followers, active this week
    week = Signals(followers=3, last_activity_at=NOW - timedelta(days=2), views=spread(40, 7))
    assert threshold <= score(week, NOW) < 55
    assert score(Signals(followers=1, last_activity_at=NOW, views=spread(20, 7)), NOW) < threshold


# refresh() over the event tables


def followed_by(question, count: int) -> None:
    for index in range(count):
        notifications.follow(make_user(f"follower{question.id}x{index}"), question.id)


def set_times(question, created: datetime, last_activity: datetime | None = None) -> None:
    db.session.execute(
        update(Question)
        .where(Question.id == question.id)
        .values(created_at=created, last_activity_at=last_activity or created)
    )


@pytest.fixture
def fixed_clock(monkeypatch):
    monkeypatch.setattr(clock, "utcnow", lambda: NOW)


@pytest.fixture
def forum(app, fixed_clock):
    """recent: asked 3 days ago, 3 followers, 25 visitor-days this week, 2 search clicks, 1 suggestion
    opened; old: asked two years ago, score 12, 2 followers, one view 100 days ago (outside the window),
    an FAQ entry's click (not the thread's); gone: popular but deleted."""
    asker = make_user("asker")
    recent = make_question(asker, "The thermostat shows a steam icon and the boiler never fires")
    old = make_question(asker, "How do I set the clock on the first thermostat model?")
    gone = make_question(asker, "A popular question the asker deleted afterwards")
    set_times(recent, NOW - timedelta(days=3), NOW - timedelta(days=1))
    set_times(old, NOW - timedelta(days=730))
    db.session.execute(update(Post).where(Post.id == old.id).values(score=12))
    followed_by(recent, 3)
    followed_by(old, 2)
    for index in range(25):
        db.session.add(
            PageView(kind="question", target_id=recent.id, day=days_ago(index % 5), visitor=f"u:{index}")
        )
    db.session.add(PageView(kind="question", target_id=old.id, day=days_ago(100), visitor="u:1"))
    db.session.add(
        PageView(kind="faq", target_id=recent.id, day=TODAY, visitor="u:1")
    )  # an entry's, not a thread's
    db.session.add(PageView(kind="question", target_id=gone.id, day=TODAY, visitor="u:1"))
    for minutes in (1, 2):
        db.session.add(
            SearchEvent(
                kind="click",
                visitor="u:1",
                query="steam",
                question_id=recent.id,
                created_at=NOW - timedelta(minutes=minutes),
            )
        )
    db.session.add(SearchEvent(kind="search", visitor="u:1", query="steam", created_at=NOW))
    entry = FaqEntry(title="Setting the clock", body="Body " * 5, body_html="<p>Body</p>", question_id=old.id)
    db.session.add(entry)
    db.session.flush()
    db.session.add(
        SearchEvent(
            kind="click",
            visitor="u:1",
            query="clock",
            question_id=old.id,
            faq_entry_id=entry.id,
            created_at=NOW,
        )
    )
    db.session.add(
        SimilarEvent(
            kind="suggestion_opened",
            ask_token="a" * 22,
            question_id=recent.id,
            created_at=NOW - timedelta(days=1),
        )
    )
    db.session.commit()
    questions.delete(asker, gone.id)
    return {"recent": recent.id, "old": old.id, "gone": gone.id}


def rows() -> dict[int, QuestionPopularity]:
    return {row.question_id: row for row in db.session.scalars(select(QuestionPopularity))}


def test_refresh_scores_every_visible_question_from_its_signals(forum):
    db.session.add(
        QuestionPopularity(question_id=forum["gone"], score=500.0, computed_at=NOW - timedelta(days=1))
    )
    db.session.commit()
    assert popularity.refresh() == 2
    scored = rows()
    assert set(scored) == {forum["recent"], forum["old"]}  # the deleted question's row is gone
    recent, old = scored[forum["recent"]], scored[forum["old"]]
    assert (recent.views, recent.followers, recent.search_clicks, recent.similar_clicks) == (25, 3, 2, 1)
    assert (old.views, old.followers, old.votes, old.search_clicks) == (0, 2, 12, 0)
    assert recent.score > popularity.candidate_min_score() > old.score
    assert recent.computed_at == NOW
    # worked out by hand: 25 visitor-days over the last 5 days, 2 search clicks today, 1 suggestion
    # yesterday, 3 followers a day after the last activity
    expected = (
        sum(5 * 0.5 ** (age / 14) for age in range(5)) + 3 * 2 + 5 * 0.5 ** (1 / 14) + 5 * 3 * 0.5 ** (1 / 30)
    )
    assert recent.score == pytest.approx(expected, abs=1e-3)


def test_refresh_reads_with_a_few_aggregates_whatever_the_number_of_questions(forum):
    def statements_for_refresh() -> int:
        sent: list[str] = []

        def record(conn, cursor, statement, parameters, context, executemany):
            sent.append(statement)

        event.listen(db.engine, "before_cursor_execute", record)
        try:
            popularity.refresh()
        finally:
            event.remove(db.engine, "before_cursor_execute", record)
        return len(sent)

    few = statements_for_refresh()
    asker = make_user("many")
    for index in range(30):
        make_question(asker, f"Another question number {index} about the heating schedule")
    db.session.commit()
    assert statements_for_refresh() == few <= 8
    assert len(rows()) == 32


def test_flask_faq_refresh_prints_how_many(runner, forum):
    result = runner.invoke(args=["faq", "refresh"])
    assert result.exit_code == 0, result.output
    assert "Scored 2 questions" in result.output
    assert "1 at or above FAQ_CANDIDATE_MIN_SCORE (45)." in result.output
    assert len(rows()) == 2


# The periodic refresh


def test_only_one_claimant_at_a_time_and_none_while_fresh(app):
    make_question(make_user("asker"), "A question so that there is something to score")
    stale = clock.utcnow() + timedelta(minutes=1)
    with popularity.claim(stale) as first:
        assert first
        with popularity.claim(stale) as second:
            assert not second  # another worker, while the first refreshes
        popularity.refresh()
    with popularity.claim(clock.utcnow() - timedelta(minutes=60)) as after:
        assert not after  # the scores are fresh: nobody refreshes again
    with popularity.claim(stale) as later:
        assert later  # the lock was released


def test_a_request_starts_the_refresh_in_a_background_thread(app, client):
    make_question(make_user("asker"), "A question so that there is something to score")
    app.extensions.pop("faq.popularity_refresh", None)
    assert popularity.start_refresh_if_due(app) is None  # FAQ_REFRESH_MINUTES is 0 in tests
    app.config["FAQ_REFRESH_MINUTES"] = 60
    try:
        client.get("/")
        thread = app.extensions["faq.popularity_refresh"].thread
        assert thread is not None
        thread.join(timeout=60)
        assert not thread.is_alive()
        assert len(rows()) == 1
        client.get("/")
        assert app.extensions["faq.popularity_refresh"].thread is thread  # not again before CHECK_SECONDS
    finally:
        app.config["FAQ_REFRESH_MINUTES"] = 0
        app.extensions.pop("faq.popularity_refresh", None)
