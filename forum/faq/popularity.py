"""How much customers need a thread: the popularity score the FAQ's candidate queue sorts by.

`score(signals, now)` is the formula; `refresh()` recomputes `QuestionPopularity` for every
visible question with the same formula in SQL, a batch of questions per statement;
`init_periodic_refresh` keeps it fresh in a running app without a scheduler (see `claim`).
"""

from __future__ import annotations

import fcntl
import math
import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from flask import Flask, current_app
from sqlalchemy import (
    Date,
    DateTime,
    Float,
    Numeric,
    and_,
    case,
    cast,
    delete,
    exists,
    extract,
    func,
    literal,
    select,
    text,
    union_all,
)
from sqlalchemy.dialects import postgresql, sqlite

from forum import clock
from forum.extensions import db
from forum.models import Post, Question
from forum.models.faq import PageView, QuestionPopularity, SearchEvent
from forum.models.search import SimilarEvent
from forum.search.deflection import SUGGESTION_OPENED

# What each signal is worth (see `score`)
VIEW_WEIGHT = 1.0  # a visitor on a day
SEARCH_CLICK_WEIGHT = 3.0  # someone opened the thread from search results
SIMILAR_CLICK_WEIGHT = 5.0  # an asker opened it from the ask page's similar questions
FOLLOWER_WEIGHT = 5.0  # "I have this question too"
VOTE_WEIGHT = 2.0  # per point of the question's score (negative scores count against)
ANSWER_WEIGHT = 1.0  # per visible answer, up to ANSWERS_COUNTED
ANSWERS_COUNTED = 5
# Half-lives: an event counts half after EVENT_HALF_LIFE_DAYS; followers, votes and answers
# count half once the thread has been quiet for STATIC_HALF_LIFE_DAYS
EVENT_HALF_LIFE_DAYS = 14.0
STATIC_HALF_LIFE_DAYS = 30.0
# events older than this are not read (they would count less than 1/80 of a fresh one)
WINDOW_DAYS = 90
BATCH_SIZE = 10_000  # post ids scored per statement and commit (a step of the progress bar)
Progress = Callable[[int], None]


@dataclass
class Signals:
    """What one question's score is computed from: events by day, and its counts now."""

    followers: int = 0
    votes: int = 0
    answers: int = 0
    last_activity_at: datetime | None = None
    views: dict[date, int] = field(default_factory=dict)  # visitor-days by day
    search_clicks: dict[date, int] = field(default_factory=dict)
    similar_clicks: dict[date, int] = field(default_factory=dict)


def _decay(age_days: float, half_life_days: float) -> float:
    return 0.5 ** (max(age_days, 0.0) / half_life_days)


def _decayed(by_day: dict[date, int], today: date) -> float:
    return sum(count * _decay((today - day).days, EVENT_HALF_LIFE_DAYS) for day, count in by_day.items())


def score(signals: Signals, now: datetime) -> float:
    """A question's popularity, never below 0.

        score = VIEW_WEIGHT          * sum over visitor-days       of 0.5 ^ (age_days / EVENT_HALF_LIFE_DAYS)
              + SEARCH_CLICK_WEIGHT  * sum over search clicks      of the same
              + SIMILAR_CLICK_WEIGHT * sum over similar clicks     of the same
              + (FOLLOWER_WEIGHT * followers + VOTE_WEIGHT * votes
                 + ANSWER_WEIGHT * min(answers, ANSWERS_COUNTED))
                * 0.5 ^ (days since the thread's last activity / STATIC_HALF_LIFE_DAYS)

    With the defaults (1, 3, 5; 5, 2, 1 up to 5 answers; half-lives 14 and 30 days): an event
    of today counts fully, one of two weeks ago half; views are distinct visitors per day
    (page_views), events are read back WINDOW_DAYS. So a thread 40 people looked at over the
    past week (about 35 after decay) with 3 followers and activity this week scores about 50,
    while an old thread nobody opens keeps only a fading share of its followers and votes.

    `refresh` computes the same in SQL (see `_contributions`); a test holds the two together.
    """
    today = now.date()
    events = (
        VIEW_WEIGHT * _decayed(signals.views, today)
        + SEARCH_CLICK_WEIGHT * _decayed(signals.search_clicks, today)
        + SIMILAR_CLICK_WEIGHT * _decayed(signals.similar_clicks, today)
    )
    standing = (
        FOLLOWER_WEIGHT * signals.followers
        + VOTE_WEIGHT * signals.votes
        + ANSWER_WEIGHT * min(signals.answers, ANSWERS_COUNTED)
    )
    quiet_days = (now - signals.last_activity_at).total_seconds() / 86400 if signals.last_activity_at else 0.0
    return max(0.0, events + standing * _decay(quiet_days, STATIC_HALF_LIFE_DAYS))


# `score` in SQL: one INSERT ... SELECT ... ON CONFLICT per batch of questions


def _days_before(now: datetime, moment):
    """SQL for the days (with their fraction) from `moment` to `now`, never below 0."""
    now_value = literal(now, DateTime)
    if db.session.get_bind().dialect.name == "postgresql":
        days = cast(extract("epoch", now_value - moment), Float) / 86400.0
    else:
        days = func.julianday(now_value) - func.julianday(moment)
    return _positive(days)


def _positive(value):
    """max(value, 0) in SQL."""
    return case((value > 0, value), else_=0.0)


def _decay_sql(age_days, half_life_days: float):
    """`_decay` in SQL."""
    return func.power(0.5, age_days / half_life_days)


# what each row of `_contributions` carries after its question id, summed by question
_CONTRIBUTED = (
    "question",
    "views",
    "search_clicks",
    "similar_clicks",
    "followers",
    "votes",
    "answers",
    "points",
)


def _contribution(question_id, **columns):
    """A select of `_contributions`' rows: the question id, then `_CONTRIBUTED` (0 unless given)."""
    return select(
        question_id.label("question_id"),
        *(columns.get(name, literal(0)).label(name) for name in _CONTRIBUTED),
    )


def _contributions(now: datetime, first_id: int, last_id: int):
    """What each source adds to the questions with ids first_id..last_id, a row each (UNION ALL).

    A visible question adds 1 to `question`, its counts, and its standing decayed by its quiet
    days as points; an event of the window adds 1 to its count and its weight decayed by its age
    in days. Summed by question, the points are `score` before its floor at 0 (see `_scores`).
    """
    today = datetime.combine(now.date(), datetime.min.time())
    since = now - timedelta(days=WINDOW_DAYS)

    def decayed_event(weight: float, day):
        return weight * _decay_sql(_days_before(today, day), EVENT_HALF_LIFE_DAYS)

    posts = Post.__table__
    followers = func.coalesce(posts.c.follower_count, 0)
    votes = func.coalesce(posts.c.score, 0)
    answers = func.coalesce(posts.c.answer_count, 0)
    standing = (
        FOLLOWER_WEIGHT * followers
        + VOTE_WEIGHT * votes
        + ANSWER_WEIGHT * case((answers > ANSWERS_COUNTED, ANSWERS_COUNTED), else_=answers)
    )
    quiet_days = _days_before(now, func.coalesce(posts.c.last_activity_at, posts.c.created_at))
    # every post of the range (the ids narrow the read, whatever the indexes on type); posts
    # other than visible questions add 0 to `question`, so their ids add up to no row
    visible_question = and_(posts.c.type == "question", posts.c.deleted_at.is_(None))
    questions = _contribution(
        posts.c.id,
        question=case((visible_question, 1), else_=0),
        followers=followers,
        votes=votes,
        answers=answers,
        points=standing * _decay_sql(quiet_days, STATIC_HALF_LIFE_DAYS),
    ).where(posts.c.id.between(first_id, last_id))
    views = _contribution(
        PageView.target_id, views=literal(1), points=decayed_event(VIEW_WEIGHT, PageView.day)
    ).where(
        PageView.kind == "question",
        PageView.target_id.between(first_id, last_id),
        PageView.day >= since.date(),
    )
    search_clicks = _contribution(
        SearchEvent.question_id,
        search_clicks=literal(1),
        points=decayed_event(SEARCH_CLICK_WEIGHT, func.date(SearchEvent.created_at, type_=Date)),
    ).where(
        SearchEvent.kind == "click",
        SearchEvent.question_id.between(first_id, last_id),
        # an FAQ entry opened is the entry's success, not a reason to curate its thread again
        SearchEvent.faq_entry_id.is_(None),
        SearchEvent.created_at >= since,
    )
    similar_clicks = _contribution(
        SimilarEvent.question_id,
        similar_clicks=literal(1),
        points=decayed_event(SIMILAR_CLICK_WEIGHT, func.date(SimilarEvent.created_at, type_=Date)),
    ).where(
        SimilarEvent.kind == SUGGESTION_OPENED,
        SimilarEvent.question_id.between(first_id, last_id),
        SimilarEvent.created_at >= since,
    )
    return union_all(questions, views, search_clicks, similar_clicks).subquery("contributions")


def _scores(now: datetime, first_id: int, last_id: int):
    """The `question_popularity` rows of the visible questions with ids first_id..last_id."""
    parts = _contributions(now, first_id, last_id)
    return (
        select(
            parts.c.question_id,
            func.round(cast(_positive(func.sum(parts.c.points)), Numeric), 4),
            func.sum(parts.c.views),
            func.sum(parts.c.followers),
            func.sum(parts.c.votes),
            func.sum(parts.c.answers),
            func.sum(parts.c.search_clicks),
            func.sum(parts.c.similar_clicks),
            literal(now, DateTime),
        )
        .group_by(parts.c.question_id)
        # ids of no visible question (answers, deleted questions and their events) make no row
        .having(func.sum(parts.c.question) > 0)
    )


def _lend_power(connection) -> None:
    """SQLite has power() only when built with its math functions: give it Python's, the same."""
    if connection.dialect.name == "sqlite":
        connection.connection.driver_connection.create_function("power", 2, math.pow, deterministic=True)


def _write_scores(now: datetime, first_id: int, last_id: int) -> int:
    """Score the visible questions with ids first_id..last_id; returns how many."""
    dialect = postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite
    columns = (
        "score",
        "views",
        "followers",
        "votes",
        "answers",
        "search_clicks",
        "similar_clicks",
        "computed_at",
    )
    statement = dialect.insert(QuestionPopularity).from_select(
        ("question_id", *columns), _scores(now, first_id, last_id)
    )
    statement = statement.on_conflict_do_update(
        index_elements=[QuestionPopularity.question_id],
        set_={name: statement.excluded[name] for name in columns},
    )
    connection = db.session.connection()
    _lend_power(connection)
    # (the rows inserted or updated: one per visible question of the range)
    return connection.execute(statement, execution_options={"preserve_rowcount": True}).rowcount


def refresh(progress: Progress | None = None, now: datetime | None = None) -> int:
    """Recompute the popularity of every visible question; returns how many.

    The database does the arithmetic, a batch of BATCH_SIZE post ids at a time: one
    INSERT ... SELECT ... ON CONFLICT DO UPDATE adds up what the questions of the range and
    their events of the window contribute (see `_contributions`) and writes the sums, then a
    commit. Rows of questions deleted since are removed at the end. `progress` is called with
    the number of questions each batch scored.
    """
    now = now or clock.utcnow()
    count = 0
    lowest, highest = db.session.execute(select(func.min(Post.id), func.max(Post.id))).one()
    for first_id in range(lowest, highest + 1, BATCH_SIZE) if lowest is not None else ():
        scored = _write_scores(now, first_id, first_id + BATCH_SIZE - 1)
        # a commit per batch: on SQLite the write lock is held for one batch, never the whole run
        db.session.commit()
        count += scored
        if progress:
            progress(scored)
    visible = select(Post.id).where(
        Post.id == QuestionPopularity.question_id, Post.type == "question", Post.deleted_at.is_(None)
    )
    db.session.execute(delete(QuestionPopularity).where(~exists(visible)))
    db.session.commit()
    return count


def visible_question_count() -> int:
    """How many questions `refresh` scores (for progress bars)."""
    return db.session.scalar(select(func.count()).select_from(Question).where(Question.deleted_at.is_(None)))


def candidate_min_score() -> float:
    """FAQ_CANDIDATE_MIN_SCORE: the score from which a thread shows in the candidate queue."""
    return float(current_app.config.get("FAQ_CANDIDATE_MIN_SCORE", 45))


# Refreshing in a running app: no scheduler, one worker at a time

# any constant 64-bit key shared by every worker: "faq popularity refresh"
_ADVISORY_KEY = 0x46415150_4F50
_STATE_KEY = "faq.popularity_refresh"
# how often each worker looks whether a refresh is due (at most)
CHECK_SECONDS = 300.0


@contextmanager
def _exclusive() -> Iterator[bool]:
    """Hold the refresh lock for the block if no other process does; yields whether it was got.

    PostgreSQL: a session advisory lock (every app server shares it). SQLite, which lives on
    one machine: an exclusive `flock` on a file in the instance folder.
    """
    if db.engine.dialect.name == "postgresql":
        with db.engine.connect() as connection:
            held = connection.scalar(text("SELECT pg_try_advisory_lock(:key)"), {"key": _ADVISORY_KEY})
            connection.commit()
            try:
                yield bool(held)
            finally:
                if held:
                    connection.scalar(text("SELECT pg_advisory_unlock(:key)"), {"key": _ADVISORY_KEY})
                    connection.commit()
        return
    path = os.path.join(current_app.config["FORUM_INSTANCE_PATH"], "faq-refresh.lock")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@contextmanager
def claim(stale_before: datetime) -> Iterator[bool]:
    """Claim the periodic refresh: yields True to exactly one caller while the scores are older
    than `stale_before` and no one else is refreshing; the claim lasts for the block.

    The age is read after the lock is taken, so a worker that waited for another's refresh
    sees the fresh scores and stands down.
    """
    with _exclusive() as held:
        if not held:
            yield False
            return
        last = db.session.scalar(select(func.max(QuestionPopularity.computed_at)))
        db.session.rollback()  # no snapshot held across the refresh
        yield last is None or last < stale_before


@dataclass
class _RefreshState:
    """A worker's view of the periodic refresh: when to look next, and its running thread."""

    next_check: float = 0.0
    thread: threading.Thread | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)


def _refresh_if_stale(app: Flask, minutes: float) -> None:
    """The background thread: claim, refresh, and never raise."""
    with app.app_context():
        try:
            with claim(clock.utcnow() - timedelta(minutes=minutes)) as claimed:
                if claimed:
                    count = refresh()
                    app.logger.info("Refreshed the popularity of %d questions.", count)
        except Exception:  # noqa: BLE001 - a failed refresh waits for the next check
            app.logger.exception("The popularity refresh failed; it is tried again later.")
        finally:
            db.session.remove()


def start_refresh_if_due(app: Flask) -> threading.Thread | None:
    """After a request: at most every CHECK_SECONDS, look in a background thread whether the
    scores are older than FAQ_REFRESH_MINUTES and refresh them if this worker gets the claim.

    Returns the thread started, if any (0 or less minutes: never).
    """
    minutes = float(app.config.get("FAQ_REFRESH_MINUTES", 60))
    if minutes <= 0:
        return None
    state: _RefreshState = app.extensions.setdefault(_STATE_KEY, _RefreshState())
    with state.lock:
        now = time.monotonic()
        if now < state.next_check or (state.thread is not None and state.thread.is_alive()):
            return None
        state.next_check = now + min(CHECK_SECONDS, minutes * 60)
        state.thread = threading.Thread(
            target=_refresh_if_stale, args=(app, minutes), name="faq-popularity-refresh", daemon=True
        )
        state.thread.start()
        return state.thread


def init_periodic_refresh(app: Flask) -> None:
    """Look for a due refresh after requests (see start_refresh_if_due)."""

    def after(response):
        start_refresh_if_due(app)
        return response

    app.after_request(after)
