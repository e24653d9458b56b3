"""The dashboard's SQL: one statement per figure, built once and run with bound parameters.

Each statement is an aggregate over indexed columns (see indexes.py); no rows come back to
Python but the figures. Building a statement this size costs more than running it on a small
forum, so each is built once per shape (with or without a tag, community or one expert) and
cached; SQLAlchemy then also reuses its compiled SQL and cache key. The values of a request go
in through the bound parameters of `parameters()`.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import cache
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Date,
    DateTime,
    Integer,
    Select,
    Table,
    and_,
    bindparam,
    case,
    cast,
    exists,
    func,
    literal,
    literal_column,
    or_,
    select,
    true,
    union,
    union_all,
)
from sqlalchemy.orm import aliased

from forum.dashboard import indexes  # noqa: F401 - the indexes these statements read
from forum.dashboard.dialect import seconds_between
from forum.dashboard.params import Filters
from forum.models import Answer, Post, Question, User, question_tags
from forum.models.experts import expert_topics
from forum.models.faq import FaqEntry, FaqVote, PageView, SearchEvent
from forum.models.reputation import ReputationEvent
from forum.models.search import SimilarEvent
from forum.search.deflection import ASK_SESSION_TTL, POSTED_ANYWAY, SUGGESTION_OPENED

HOUR, DAY = 3600, 86400
# (label, from seconds, up to seconds): a time falls in the bucket whose bounds hold it
RESPONSE_BUCKETS: tuple[tuple[str, int | None, int | None], ...] = (
    ("under 1 hour", None, HOUR),
    ("1 to 4 hours", HOUR, 4 * HOUR),
    ("4 to 24 hours", 4 * HOUR, DAY),
    ("1 to 3 days", DAY, 3 * DAY),
    ("3 to 7 days", 3 * DAY, 7 * DAY),
    ("over 7 days", 7 * DAY, None),
)
BACKLOG_BUCKETS: tuple[tuple[str, int | None, int | None], ...] = (
    ("under 1 day", None, DAY),
    ("1 to 3 days", DAY, 3 * DAY),
    ("3 to 7 days", 3 * DAY, 7 * DAY),
    ("1 to 4 weeks", 7 * DAY, 28 * DAY),
    ("over 4 weeks", 28 * DAY, None),
)
TOP_CONTRIBUTORS = 10

START = bindparam("start", type_=DateTime())
END = bindparam("end", type_=DateTime())
TAG_ID = bindparam("tag_id", type_=Integer())
EXPERT_ID = bindparam("expert_id", type_=Integer())
NOW = bindparam("now", type_=DateTime())
DUE_BEFORE = bindparam("due_before", type_=DateTime())
TARGET_SECONDS = bindparam("target_seconds", type_=Integer())
SETTLED_BEFORE = bindparam("settled_before", type_=DateTime())
FIRST_DAY = bindparam("first_day", type_=Date())
LAST_DAY = bindparam("last_day", type_=Date())


def parameters(
    filters: Filters, expert_id: int | None = None, target_hours: float = 0.0, now: datetime | None = None
) -> dict[str, Any]:
    """The values of one request, for every statement here (each reads those it uses)."""
    now = now or filters.end
    return {
        "start": filters.start,
        "end": filters.end,
        "tag_id": filters.tag_id,
        "expert_id": expert_id,
        "now": now,
        "due_before": now - timedelta(hours=target_hours),
        "target_seconds": round(target_hours * HOUR),
        "settled_before": now - ASK_SESSION_TTL,
        "first_day": filters.first_day,
        "last_day": filters.last_day,
    }


# Building blocks


@cache
def _alias(entity: Any, name: str) -> Any:
    """An alias of a model or table, built once."""
    if isinstance(entity, Table):
        return entity.alias(name)
    return aliased(entity, name=name)


def _answers_of_a_question(name: str) -> Any:
    """The posts table, for answers reached through their question's id.

    Only answers have a question_id, so no type condition is needed; without one, SQLite (with
    no ANALYZE statistics) uses the question_id index rather than the (type, created_at) one.
    """
    return _alias(Post.__table__, name)


def _in_range(column: Any) -> ColumnElement[bool]:
    return and_(column >= START, column < END)


def _tagged(question_id: Any, tagged: bool) -> ColumnElement[bool]:
    """The question carries the tag (always true without one)."""
    if not tagged:
        return true()
    return question_id.in_(select(question_tags.c.question_id).where(question_tags.c.tag_id == TAG_ID))


def _asked(question: Any, tagged: bool) -> list[ColumnElement[bool]]:
    """Visible questions asked in the range, with the tag."""
    return [_in_range(question.created_at), question.deleted_at.is_(None), _tagged(question.id, tagged)]


def _by_someone_else(answer: Any, question: Any) -> ColumnElement[bool]:
    """A visible answer (a posts-table alias) to the question by someone other than its asker."""
    return and_(
        answer.c.question_id == question.id,
        answer.c.deleted_at.is_(None),
        answer.c.author_id.is_distinct_from(question.author_id),
    )


def _count_where(*conditions: Any) -> ColumnElement[int]:
    """How many rows meet every condition (0, not NULL, for none)."""
    return func.coalesce(func.sum(case((and_(*conditions), 1), else_=0)), 0)


def _bucket(column: Any, low: int | None, high: int | None) -> ColumnElement[int]:
    """How many durations lie in [low, high) (NULL durations in none)."""
    conditions = [column.is_not(None)]
    if low is not None:
        conditions.append(column >= low)
    if high is not None:
        conditions.append(column < high)
    return _count_where(*conditions)


def _percentiles(source: Any, column: Any, name: str) -> Any:
    """A one-row subquery with the nearest-rank median and 90th percentile of a column."""
    ranked = (
        select(
            column.label("d"),
            func.row_number().over(order_by=column).label("rank"),
            func.count().over().label("n"),
        )
        .select_from(source)
        .where(column.is_not(None))
        .subquery()
    )

    def at(percent: int) -> Any:
        # ceil(p * n) in integer arithmetic, the same on both databases
        rank = (ranked.c.n * percent + 99) // 100
        return func.max(case((ranked.c.rank == rank, ranked.c.d)))

    return select(at(50).label(f"{name}_p50"), at(90).label(f"{name}_p90")).subquery()


# Statements


@cache
def response(tagged: bool, expert: bool) -> Select:
    """Per question of the range its first answers, then counts, buckets and percentiles: one row.

    The responder is any staff expert, or (expert=True) the expert EXPERT_ID, whose questions
    are then only those they answered.
    """
    question = _alias(Question, "q")
    answer = _answers_of_a_question("a")
    if expert:
        is_responder = answer.c.author_id == EXPERT_ID
    else:
        is_responder = answer.c.author_id.in_(select(User.id).where(User.role == "expert"))
    responder_at = func.min(case((is_responder, answer.c.created_at)))
    # one pass over each question's answers finds both first answers
    per_question = (
        select(
            question.created_at.label("asked_at"),
            question.author_id.label("asker_id"),
            question.accepted_answer_id.label("accepted_answer_id"),
            func.min(answer.c.created_at).label("first_at"),
            responder_at.label("responder_at"),
        )
        .select_from(question)
        .outerjoin(answer, _by_someone_else(answer, question))
        .where(*_asked(question, tagged))
        # by the primary key alone: the other columns depend on it (PostgreSQL allows that, and
        # SQLite then reads the questions from the covering index, not the table)
        .group_by(question.id)
    )
    if expert:
        per_question = per_question.having(responder_at.is_not(None))
    # computed once, then read by the counts and by both percentile rankings
    per_question = per_question.cte("per_question").prefix_with("MATERIALIZED")
    accepted = _answers_of_a_question("accepted_answer")
    responder_accepted: Any = case((accepted.c.author_id == EXPERT_ID, 1), else_=0) if expert else literal(0)
    durations = (
        select(
            per_question.c.asked_at,
            per_question.c.first_at,
            per_question.c.responder_at,
            case((accepted.c.id.is_not(None), 1), else_=0).label("accepted"),
            responder_accepted.label("responder_accepted"),
            seconds_between(per_question.c.asked_at, per_question.c.first_at).label("first_seconds"),
            seconds_between(per_question.c.asked_at, per_question.c.responder_at).label("responder_seconds"),
        )
        .select_from(per_question)
        .outerjoin(
            accepted,
            and_(
                accepted.c.id == per_question.c.accepted_answer_id,
                accepted.c.deleted_at.is_(None),
                accepted.c.author_id.is_distinct_from(per_question.c.asker_id),
            ),
        )
        .subquery()
    )
    columns: list[Any] = [
        func.count().label("asked"),
        func.count(durations.c.first_at).label("answered"),
        func.coalesce(func.sum(durations.c.accepted), 0).label("accepted"),
        func.coalesce(func.sum(durations.c.responder_accepted), 0).label("responder_accepted"),
        _count_where(durations.c.responder_at == durations.c.first_at).label("answered_first"),
    ]
    for name in ("first", "responder"):
        seconds, answered_at = durations.c[f"{name}_seconds"], durations.c[f"{name}_at"]
        columns += [
            func.count(answered_at).label(f"{name}_answered"),
            _count_where(seconds.is_not(None), seconds <= TARGET_SECONDS).label(f"{name}_within"),
            _count_where(or_(answered_at.is_not(None), durations.c.asked_at <= DUE_BEFORE)).label(
                f"{name}_counted"
            ),
            *(
                _bucket(seconds, low, high).label(f"{name}_bucket{index}")
                for index, (_, low, high) in enumerate(RESPONSE_BUCKETS)
            ),
        ]
    counts = select(*columns).select_from(durations).subquery()
    first_percentiles = _percentiles(durations, durations.c.first_seconds, "first")
    responder_percentiles = _percentiles(durations, durations.c.responder_seconds, "responder")
    return select(counts, first_percentiles, responder_percentiles).select_from(
        counts.join(first_percentiles, true()).join(responder_percentiles, true())
    )


@cache
def backlog(tagged: bool, expert: bool) -> Select:
    """Open questions of the range with no answer by anyone but the asker, by age at NOW: one row.

    For an expert: those in the expert's topics (the questions of their queue).
    """
    question = _alias(Question, "q")
    other = _answers_of_a_question("other")
    conditions = [
        *_asked(question, tagged),
        or_(question.status == "open", question.status.is_(None)),
        ~select(other.c.id).where(_by_someone_else(other, question)).exists(),
    ]
    if expert:
        conditions.append(
            question.id.in_(
                select(question_tags.c.question_id)
                .join(expert_topics, expert_topics.c.tag_id == question_tags.c.tag_id)
                .where(expert_topics.c.user_id == EXPERT_ID)
            )
        )
    age = seconds_between(question.created_at, NOW)
    columns = [
        _bucket(age, low, high).label(f"bucket{index}")
        for index, (_, low, high) in enumerate(BACKLOG_BUCKETS)
    ]
    return select(*columns, _count_where(question.created_at <= DUE_BEFORE).label("overdue")).where(
        *conditions
    )


@cache
def volume(tagged: bool, expert: bool) -> Any:
    """(kind, day, count) rows: answers per day, and for the community questions and new members."""
    answer = _alias(Answer, "a")
    day = func.date(answer.created_at)
    answers = (
        select(literal_column("'answers'").label("kind"), day.label("day"), func.count().label("number"))
        .where(
            _in_range(answer.created_at),
            answer.deleted_at.is_(None),
            _tagged(answer.question_id, tagged),
            answer.author_id == EXPERT_ID if expert else true(),
        )
        .group_by(day)
    )
    if expert:
        return answers
    asked = _alias(Question, "asked")
    asked_day, joined_day = func.date(asked.created_at), func.date(User.created_at)
    return union_all(
        answers,
        select(literal_column("'questions'"), asked_day, func.count())
        .where(*_asked(asked, tagged))
        .group_by(asked_day),
        select(literal_column("'new_members'"), joined_day, func.count())
        .where(_in_range(User.created_at))
        .group_by(joined_day),
    )


def _accepted_answers(tagged: bool) -> Select:
    """Authors of the accepted answers of the questions of the range.

    The accepted answer must be visible and not the asker's own, as for the accepted rate.
    """
    question = _alias(Question, "q")
    accepted = _answers_of_a_question("accepted_answer")
    return (
        select(accepted.c.author_id.label("user_id"))
        .select_from(question)
        .join(accepted, accepted.c.id == question.accepted_answer_id)
        .where(
            *_asked(question, tagged),
            accepted.c.deleted_at.is_(None),
            accepted.c.author_id.is_distinct_from(question.author_id),
        )
    )


@cache
def who_answers(tagged: bool) -> Select:
    """(role group, accepted answers) rows: expert, member, staff or former (no account)."""
    accepted = _accepted_answers(tagged).subquery()
    group = case(
        (User.role == "expert", "expert"),
        (User.role == "member", "member"),
        (User.role.is_(None), "former"),
        else_="staff",
    )
    return (
        select(group.label("role_group"), func.count())
        .select_from(accepted)
        .outerjoin(User, User.id == accepted.c.user_id)
        .group_by(group)
    )


def _reputation_earned(tagged: bool) -> Select:
    """Net reputation per user from ledger events in the range (on posts with the tag, if any)."""
    query = (
        select(ReputationEvent.user_id.label("user_id"), func.sum(ReputationEvent.delta).label("earned"))
        .where(_in_range(ReputationEvent.created_at))
        .group_by(ReputationEvent.user_id)
    )
    if tagged:
        # the table, not the Post class: question_id is declared by the Answer subclass
        post = _alias(Post.__table__, "p")
        query = query.join(post, post.c.id == ReputationEvent.post_id).where(
            _tagged(func.coalesce(post.c.question_id, post.c.id), tagged)
        )
    return query


@cache
def top_contributors(tagged: bool) -> Select:
    """(id, username, accepted answers, reputation) of the top community members of the range."""
    accepted_rows = _accepted_answers(tagged).subquery()
    accepted = (
        select(accepted_rows.c.user_id, func.count().label("accepted"))
        .where(accepted_rows.c.user_id.is_not(None))
        .group_by(accepted_rows.c.user_id)
        .cte("accepted_by_user")
    )
    earned = _reputation_earned(tagged).cte("earned_by_user")
    candidates = union(select(accepted.c.user_id), select(earned.c.user_id)).subquery()
    accepted_count = func.coalesce(accepted.c.accepted, 0)
    earned_total = func.coalesce(earned.c.earned, 0)
    return (
        select(User.id, User.username, accepted_count, earned_total)
        .select_from(candidates)
        .join(User, User.id == candidates.c.user_id)
        .outerjoin(accepted, accepted.c.user_id == User.id)
        .outerjoin(earned, earned.c.user_id == User.id)
        .where(User.role == "member", or_(accepted_count > 0, earned_total > 0))
        .order_by(accepted_count.desc(), earned_total.desc(), User.username)
        .limit(TOP_CONTRIBUTORS)
    )


@cache
def similar_deflection(tagged: bool) -> Select:
    """(sessions, posted anyway, deflected) of ask sessions that opened a suggestion in the range.

    With a tag, sessions that opened a suggestion carrying it. The rules are those of
    forum.search.deflection: a session deflects when it posts nothing within ASK_SESSION_TTL of
    the last suggestion it opened.
    """
    opened_event = _alias(SimilarEvent, "opened")
    posted_event = _alias(SimilarEvent, "posted")
    sessions = (
        select(opened_event.ask_token, func.max(opened_event.created_at).label("last_opened"))
        .where(
            opened_event.kind == SUGGESTION_OPENED,
            _in_range(opened_event.created_at),
            _tagged(opened_event.question_id, tagged),
        )
        .group_by(opened_event.ask_token)
        .subquery()
    )
    # an outer join on the sessions' posts, not EXISTS per session: SQLite would answer each
    # EXISTS through the kind index, reading every post ever made for every session
    posted = (
        select(posted_event.ask_token)
        .where(
            posted_event.kind == POSTED_ANYWAY,
            posted_event.ask_token.in_(select(sessions.c.ask_token)),
        )
        .distinct()
        .subquery()
    )
    has_posted = posted.c.ask_token.is_not(None)
    return (
        select(
            func.count(),
            _count_where(has_posted),
            _count_where(~has_posted, sessions.c.last_opened < SETTLED_BEFORE),
        )
        .select_from(sessions)
        .outerjoin(posted, posted.c.ask_token == sessions.c.ask_token)
    )


@cache
def search_deflection(tagged: bool) -> Select:
    """(searches made, searches that opened a result, deflected) in the range.

    A search that opened a result is one visitor's clicks from one query (search_events of kind
    click, grouped by visitor and query); it deflected when the visitor posted no question
    within ASK_SESSION_TTL after the last of those clicks and that time is over. Only signed-in
    visitors (`u:<id>`) can be followed to a post, so a visitor who was not signed in counts as
    deflected. With a tag, clicks on results carrying it; searches made are all searches (a
    query has no tag).
    """
    search = _alias(SearchEvent, "search_made")
    click = _alias(SearchEvent, "click")
    asked = _alias(Post.__table__, "asked_after")
    made = (
        select(func.count())
        .select_from(search)
        .where(search.kind == "search", _in_range(search.created_at))
        .scalar_subquery()
    )
    sessions = (
        select(click.visitor, click.query, func.max(click.created_at).label("last_click"))
        .where(click.kind == "click", _in_range(click.created_at), _tagged(click.question_id, tagged))
        .group_by(click.visitor, click.query)
        .subquery()
    )
    user_id = case(
        (sessions.c.visitor.like("u:%"), cast(func.substr(sessions.c.visitor, 3), Integer)), else_=None
    )
    posted_after = exists().where(
        asked.c.type == "question",
        asked.c.author_id == user_id,
        asked.c.created_at >= sessions.c.last_click,
        seconds_between(sessions.c.last_click, asked.c.created_at) < int(ASK_SESSION_TTL.total_seconds()),
    )
    return select(
        made, func.count(), _count_where(sessions.c.last_click < SETTLED_BEFORE, ~posted_after)
    ).select_from(sessions)


@cache
def faq_figures(tagged: bool) -> Select:
    """(views, helpful yes, helpful no) of FAQ entries in the range.

    Views are page_views rows of kind faq dated in the range (one per visitor and day); votes
    are faq_votes cast in it. With a tag, entries filed under it.
    """

    def of_tag(entry_id: Any) -> ColumnElement[bool]:
        if not tagged:
            return true()
        return entry_id.in_(select(FaqEntry.id).where(FaqEntry.tag_id == TAG_ID))

    views = (
        select(func.count())
        .select_from(PageView)
        .where(
            PageView.kind == "faq",
            PageView.day >= FIRST_DAY,
            PageView.day <= LAST_DAY,
            of_tag(PageView.target_id),
        )
        .scalar_subquery()
    )
    return select(views, _count_where(FaqVote.helpful), _count_where(~FaqVote.helpful)).where(
        _in_range(FaqVote.created_at), of_tag(FaqVote.entry_id)
    )
