"""The dashboard's figures: each a few SQL aggregates over indexed columns, never rows in Python.

The definitions the page writes out:

- A question counts when it was asked in the range (UTC days) and is not deleted; with a tag,
  only questions carrying it.
- A question is *answered* when it has a visible (not deleted) answer by someone other than
  its asker. *Accepted* when its accepted answer is visible and not the asker's own.
- Time to first answer runs from the moment the question was asked (later edits of the
  question or the answer change nothing) to its first visible answer by someone else; time to
  first expert answer, to the first such answer by a user whose role is expert.
- Percentiles are nearest-rank: among the n answered questions sorted by time, the value at
  rank ceil(p * n); the median is p = 0.5 (the lower middle value when n is even).
- Within target: answered within the response-time target; questions still younger than the
  target with no answer yet are left out until their time is up.

`Scope.expert_id` narrows everything to one expert's own work (see `response`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from forum.dashboard import statements
from forum.dashboard.params import Filters
from forum.dashboard.statements import BACKLOG_BUCKETS, RESPONSE_BUCKETS, parameters
from forum.extensions import db

NOT_ANSWERED = "not answered yet"
ROLE_GROUPS = ("expert", "member", "staff", "former")


@dataclass(frozen=True)
class Scope:
    """Whose figures: the whole community (expert_id None) or one expert's own."""

    expert_id: int | None = None


@dataclass(frozen=True)
class Timing:
    """Time to one kind of first answer over the questions of the range."""

    answered: int  # questions that got such an answer
    median_seconds: int | None
    p90_seconds: int | None
    within_target: int  # ... within the response-time target
    counted: int  # answered, or unanswered and older than the target: the base of the rate
    buckets: tuple[int, ...]  # answered questions per RESPONSE_BUCKETS entry

    @property
    def within_target_rate(self) -> float | None:
        """Share of the counted questions answered within the target."""
        return self.within_target / self.counted if self.counted else None


@dataclass(frozen=True)
class Response:
    """Questions of the range: how many were answered, accepted, and how fast."""

    asked: int
    answered: int
    accepted: int
    first_answer: Timing
    # first answer by an expert; in an expert's scope, by that expert
    responder_answer: Timing
    # in an expert's scope: questions where the expert's answer came first, and was accepted
    answered_first: int
    responder_accepted: int

    @property
    def answered_rate(self) -> float | None:
        return self.answered / self.asked if self.asked else None

    @property
    def accepted_rate(self) -> float | None:
        return self.accepted / self.asked if self.asked else None


@dataclass(frozen=True)
class Backlog:
    """Open questions of the range with no answer now, by how long they have waited."""

    buckets: tuple[int, ...]  # per BACKLOG_BUCKETS entry
    overdue: int  # older than the response-time target

    @property
    def total(self) -> int:
        return sum(self.buckets)


@dataclass(frozen=True)
class Day:
    """One day's volume."""

    day: date
    questions: int | None
    answers: int
    new_members: int | None


@dataclass(frozen=True)
class SimilarDeflection:
    """Ask-page sessions that opened a suggested similar question in the range, by outcome."""

    opened: int
    posted_anyway: int
    deflected: int  # opened a suggestion and did not post within the session's hour
    pending: int  # still within that hour

    @property
    def deflected_rate(self) -> float | None:
        """Deflected sessions among those settled."""
        settled = self.posted_anyway + self.deflected
        return self.deflected / settled if settled else None


@dataclass(frozen=True)
class SearchDeflection:
    """Searches made in the range, those that ended with opening a result, and those that deflected."""

    available: bool
    searches: int  # searches (a visitor's query) that opened a result
    deflected: int  # ... and no question posted within the hour after the last result opened
    made: int = 0  # every search made on the search page (page 1 with words)

    @property
    def deflected_rate(self) -> float | None:
        """Deflected among the searches that opened a result."""
        return self.deflected / self.searches if self.searches else None


@dataclass(frozen=True)
class FaqFigures:
    """FAQ views and helpful votes in the range."""

    available: bool
    views: int  # visitors a day on entry pages
    helpful_votes: int
    helpful_yes: int = 0
    helpful_no: int = 0


@dataclass(frozen=True)
class Contributor:
    """A community member's accepted answers and reputation earned in the range."""

    user_id: int
    username: str
    accepted_answers: int
    reputation: int


# Figures


def _timing(row: Any, name: str) -> Timing:
    return Timing(
        answered=row[f"{name}_answered"],
        median_seconds=row[f"{name}_p50"],
        p90_seconds=row[f"{name}_p90"],
        within_target=row[f"{name}_within"],
        counted=row[f"{name}_counted"],
        buckets=tuple(row[f"{name}_bucket{index}"] for index in range(len(RESPONSE_BUCKETS))),
    )


def response(filters: Filters, scope: Scope, target_hours: float, now: datetime) -> Response:
    """Answered and accepted counts, and time to first answer (one statement).

    In an expert's scope the questions are those of the range the expert answered, and the
    responder is the expert: their time to their own first answer, how often they answered
    first, how often their answer was accepted.
    """
    statement = statements.response(filters.tag_id is not None, scope.expert_id is not None)
    values = parameters(filters, scope.expert_id, target_hours, now)
    row = db.session.execute(statement, values).mappings().one()
    return Response(
        asked=row["asked"],
        answered=row["answered"],
        accepted=row["accepted"],
        first_answer=_timing(row, "first"),
        responder_answer=_timing(row, "responder"),
        answered_first=row["answered_first"],
        responder_accepted=row["responder_accepted"],
    )


def backlog(filters: Filters, scope: Scope, target_hours: float, now: datetime) -> Backlog:
    """Open questions asked in the range with no answer by anyone but the asker, by age now.

    In an expert's scope: those in the expert's topics (the questions of their queue).
    """
    statement = statements.backlog(filters.tag_id is not None, scope.expert_id is not None)
    values = parameters(filters, scope.expert_id, target_hours, now)
    row = db.session.execute(statement, values).mappings().one()
    return Backlog(
        buckets=tuple(row[f"bucket{index}"] for index in range(len(BACKLOG_BUCKETS))),
        overdue=row["overdue"],
    )


def _as_date(value: Any) -> date:
    """SQLite's date() gives text, PostgreSQL's a date."""
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def volume(filters: Filters, scope: Scope) -> list[Day]:
    """Questions, answers and new members per day of the range (one statement, zero days filled in).

    In an expert's scope: the expert's own answers per day only.
    """
    community = scope.expert_id is None
    statement = statements.volume(filters.tag_id is not None, not community)
    values = parameters(filters, scope.expert_id)
    counts = {(kind, _as_date(day)): number for kind, day, number in db.session.execute(statement, values)}
    result = []
    for offset in range(filters.days):
        day = filters.first_day + timedelta(days=offset)
        result.append(
            Day(
                day=day,
                questions=counts.get(("questions", day), 0) if community else None,
                answers=counts.get(("answers", day), 0),
                new_members=counts.get(("new_members", day), 0) if community else None,
            )
        )
    return result


def who_answers(filters: Filters) -> dict[str, int]:
    """The accepted answers of the questions of the range, by their author's role group.

    Groups: expert; member (the community); staff (moderators and admins); former (the
    account is gone, e.g. imported posts).
    """
    values = parameters(filters)
    counts = dict.fromkeys(ROLE_GROUPS, 0)
    counts.update(
        db.session.execute(statements.who_answers(filters.tag_id is not None), values).tuples().all()
    )
    return counts


def top_contributors(filters: Filters) -> list[Contributor]:
    """Community members (role member) by accepted answers, then reputation earned, in the range."""
    values = parameters(filters)
    rows = db.session.execute(statements.top_contributors(filters.tag_id is not None), values)
    return [Contributor(*row) for row in rows]


def similar_deflection(filters: Filters, now: datetime) -> SimilarDeflection:
    """Ask sessions that opened a suggested question in the range: posted, deflected or pending."""
    values = parameters(filters, now=now)
    opened, posted_anyway, deflected = db.session.execute(
        statements.similar_deflection(filters.tag_id is not None), values
    ).one()
    return SimilarDeflection(opened, posted_anyway, deflected, opened - posted_anyway - deflected)


def search_deflection(filters: Filters, now: datetime) -> SearchDeflection:
    """Searches that ended with the visitor opening a result and not posting (one statement).

    See statements.search_deflection: a visitor's clicks from one query are one search; it
    deflected when no question followed within the hour after the last click.
    """
    values = parameters(filters, now=now)
    made, searches, deflected = db.session.execute(
        statements.search_deflection(filters.tag_id is not None), values
    ).one()
    return SearchDeflection(available=True, searches=searches, deflected=deflected, made=made)


def faq_figures(filters: Filters) -> FaqFigures:
    """FAQ views (visitors a day) and helpful votes, yes and no, in the range (one statement)."""
    views, yes, no = db.session.execute(
        statements.faq_figures(filters.tag_id is not None), parameters(filters)
    ).one()
    return FaqFigures(available=True, views=views, helpful_votes=yes + no, helpful_yes=yes, helpful_no=no)
