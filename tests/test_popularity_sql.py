"""`refresh()` computes `score` in SQL: for constructed signals, the scores it writes are the ones
`score()` gives, on the database the tests run on (SQLite or PostgreSQL)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest
from sqlalchemy import select, update

from forum.extensions import db
from forum.faq import popularity
from forum.faq.popularity import Signals, score
from forum.models import Question
from forum.models.faq import FaqEntry, PageView, QuestionPopularity, SearchEvent
from forum.models.search import SimilarEvent
from forum.questions import service as questions
from tests.conftest import make_question, make_user

NOW = datetime(2026, 3, 31, 12, 0)
TODAY = NOW.date()
SINCE = NOW - timedelta(days=popularity.WINDOW_DAYS)


def days_ago(days: int) -> date:
    return TODAY - timedelta(days=days)


# what each question's signals are (last_activity_at None: the question's creation counts)
CASES = {
    "busy": Signals(
        followers=3,
        votes=4,
        answers=7,  # counted up to ANSWERS_COUNTED
        last_activity_at=NOW - timedelta(days=1, hours=7, minutes=13),
        views={TODAY: 6, days_ago(1): 4, days_ago(13): 2, days_ago(popularity.WINDOW_DAYS): 1},
        search_clicks={TODAY: 2, days_ago(20): 1, days_ago(popularity.WINDOW_DAYS): 1},
        similar_clicks={days_ago(2): 3},
    ),
    "old": Signals(followers=10, votes=20, answers=2, last_activity_at=NOW - timedelta(days=400)),
    "disliked": Signals(votes=-10, last_activity_at=NOW - timedelta(days=3), views={days_ago(5): 2}),
    # a clock ahead of ours: a view of tomorrow and activity after NOW count fully
    "ahead": Signals(followers=1, last_activity_at=NOW + timedelta(hours=5), views={days_ago(-1): 3}),
    "never_active": Signals(votes=1, similar_clicks={days_ago(40): 1}),
    "nothing": Signals(last_activity_at=NOW - timedelta(days=10)),
}
CREATED = NOW - timedelta(days=35, hours=2)


def store(question_id: int, signals: Signals) -> None:
    """Write `signals` as the question's counts and events, and events outside the window."""
    db.session.execute(
        update(Question)
        .where(Question.id == question_id)
        .values(
            follower_count=signals.followers,
            score=signals.votes,
            answer_count=signals.answers,
            created_at=CREATED,
            last_activity_at=signals.last_activity_at,
        )
    )
    for day, count in signals.views.items():
        for visitor in range(count):
            db.session.add(PageView(kind="question", target_id=question_id, day=day, visitor=f"u:{visitor}"))
    db.session.add(  # a day before the window
        PageView(
            kind="question", target_id=question_id, day=days_ago(popularity.WINDOW_DAYS + 1), visitor="u:1"
        )
    )
    for day, count in signals.search_clicks.items():
        # the first day of the window starts at SINCE's time of day
        at = SINCE + timedelta(minutes=1) if day == SINCE.date() else datetime.combine(day, time(8, 30))
        for _ in range(count):
            db.session.add(
                SearchEvent(kind="click", visitor="u:1", query="q", question_id=question_id, created_at=at)
            )
    db.session.add(  # just before the window
        SearchEvent(
            kind="click",
            visitor="u:1",
            query="q",
            question_id=question_id,
            created_at=SINCE - timedelta(minutes=1),
        )
    )
    for day, count in signals.similar_clicks.items():
        for _ in range(count):
            db.session.add(
                SimilarEvent(
                    kind="suggestion_opened",
                    ask_token="a" * 22,
                    question_id=question_id,
                    created_at=datetime.combine(day, time(23, 59)),
                )
            )


@pytest.fixture
def forum(app):
    """A question for each of CASES, plus clicks that are not the threads' and a deleted question."""
    asker = make_user("asker")
    ids = {}
    for name, signals in CASES.items():
        question = make_question(asker, f"What happens to the thermostat in case {name}?")
        store(question.id, signals)
        ids[name] = question.id
    entry = FaqEntry(title="An entry", body="Body " * 5, body_html="<p>Body</p>", question_id=ids["old"])
    db.session.add(entry)
    db.session.flush()
    db.session.add(  # an FAQ entry opened from search: the entry's success, not the thread's
        SearchEvent(
            kind="click",
            visitor="u:2",
            query="q",
            question_id=ids["old"],
            faq_entry_id=entry.id,
            created_at=NOW,
        )
    )
    db.session.add(
        SearchEvent(kind="search", visitor="u:2", query="q", question_id=ids["nothing"], created_at=NOW)
    )
    gone = make_question(asker, "A question with views that its asker deleted")
    store(gone.id, CASES["busy"])
    db.session.commit()
    questions.delete(asker, gone.id)
    return ids


def test_refresh_writes_the_scores_that_score_gives(forum, monkeypatch):
    monkeypatch.setattr(popularity, "BATCH_SIZE", 4)  # batches that split the questions
    steps: list[int] = []
    assert popularity.refresh(progress=steps.append, now=NOW) == len(CASES)
    assert steps == [4, 2]
    rows = {row.question_id: row for row in db.session.scalars(select(QuestionPopularity))}
    assert set(rows) == set(forum.values())  # not the deleted question
    for name, signals in CASES.items():
        row = rows[forum[name]]
        expected = score(
            Signals(**{**vars(signals), "last_activity_at": signals.last_activity_at or CREATED}), NOW
        )
        assert row.score == pytest.approx(expected, abs=1e-4), name
        counted = (
            sum(signals.views.values()),
            signals.followers,
            signals.votes,
            signals.answers,
            sum(signals.search_clicks.values()),
            sum(signals.similar_clicks.values()),
        )
        assert (
            row.views,
            row.followers,
            row.votes,
            row.answers,
            row.search_clicks,
            row.similar_clicks,
        ) == counted
        assert row.computed_at == NOW
    assert rows[forum["disliked"]].score == 0
    assert rows[forum["busy"]].score > 40


def test_a_second_refresh_updates_the_rows(forum):
    popularity.refresh(now=NOW)
    later = NOW + timedelta(days=14)
    popularity.refresh(now=later)
    rows = {row.question_id: row for row in db.session.scalars(select(QuestionPopularity))}
    old = CASES["old"]
    assert rows[forum["old"]].score == pytest.approx(score(old, later), abs=1e-4)
    assert rows[forum["old"]].computed_at == later


def test_an_empty_forum_scores_nothing(app):
    steps: list[int] = []
    assert popularity.refresh(progress=steps.append, now=NOW) == 0
    assert steps == []
    assert db.session.scalars(select(QuestionPopularity)).all() == []
