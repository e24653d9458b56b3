"""The dashboard's numbers as tables: the page shows them beside the charts, the CSV files export them.

One builder per table, so the page and its CSV can never disagree. Units are in the headings
(hours, %), and the cells hold plain numbers; a figure that does not exist yet says so.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from forum.dashboard import charts, figures
from forum.dashboard.service import Dashboard

NOT_AVAILABLE = "not yet available"
Cell = str | int | float | None


@dataclass(frozen=True)
class Table:
    """A titled table: column headings and rows of plain values (None: no value)."""

    name: str
    title: str
    columns: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]


def hours(seconds: int | None) -> float | None:
    """Seconds as hours, to two decimals."""
    return None if seconds is None else round(seconds / 3600, 2)


def percent(rate: float | None) -> float | None:
    """A share as a percentage, to one decimal."""
    return None if rate is None else round(rate * 100, 1)


def duration_text(seconds: int | None) -> str:
    """'45 min', '5.5 h', '3.2 days'; an em dash when there is nothing to measure."""
    if seconds is None:
        return "—"
    if seconds < 3600:
        return f"{max(seconds, 0) // 60} min"
    if seconds < 2 * 86400:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.1f} days"


def _target(dashboard: Dashboard) -> str:
    return f"{dashboard.target_hours:g}-hour"


def _timing_rows(name: str, timing: figures.Timing, dashboard: Dashboard) -> list[tuple[Cell, ...]]:
    return [
        (f"{name}, median (hours)", hours(timing.median_seconds)),
        (f"{name}, 90th percentile (hours)", hours(timing.p90_seconds)),
        (f"{name} within the {_target(dashboard)} target", timing.within_target),
        (f"{name} within target (% of questions due)", percent(timing.within_target_rate)),
    ]


def summary(dashboard: Dashboard) -> Table:
    """The headline figures."""
    response = dashboard.response
    if dashboard.is_community:
        rows: list[tuple[Cell, ...]] = [
            ("Questions asked", response.asked),
            ("Answered", response.answered),
            ("Answered rate (%)", percent(response.answered_rate)),
            ("Accepted", response.accepted),
            ("Accepted rate (%)", percent(response.accepted_rate)),
            *_timing_rows("Time to first answer", response.first_answer, dashboard),
            *_timing_rows("Time to first expert answer", response.responder_answer, dashboard),
        ]
    else:
        answered = response.asked
        rows = [
            ("Questions you answered", answered),
            ("Your answer was the first", response.answered_first),
            ("Your answer was accepted", response.responder_accepted),
            ("Your accepted rate (%)", percent(response.responder_accepted / answered if answered else None)),
            *_timing_rows("Time to your first answer", response.responder_answer, dashboard),
        ]
    rows += [
        ("Unanswered backlog", dashboard.backlog.total),
        (f"Unanswered for longer than the {_target(dashboard)} target", dashboard.backlog.overdue),
    ]
    return Table("summary", "Headline figures", ("Figure", "Value"), tuple(rows))


def volume(dashboard: Dashboard) -> Table:
    """Questions, answers and new members per day (an expert: their answers)."""
    if dashboard.is_community:
        return Table(
            "volume",
            "Volume per day",
            ("Date", "Questions", "Answers", "New members"),
            tuple(
                (day.day.isoformat(), day.questions, day.answers, day.new_members) for day in dashboard.volume
            ),
        )
    return Table(
        "volume",
        "Your answers per day",
        ("Date", "Your answers"),
        tuple((day.day.isoformat(), day.answers) for day in dashboard.volume),
    )


def response_times(dashboard: Dashboard) -> Table:
    """Questions by time to first answer (and first expert answer), with those not answered yet."""
    response = dashboard.response
    labels = [label for label, _, _ in figures.RESPONSE_BUCKETS]
    if dashboard.is_community:
        first, expert = response.first_answer, response.responder_answer
        rows = [
            (label, *counts) for label, *counts in zip(labels, first.buckets, expert.buckets, strict=True)
        ]
        rows.append((figures.NOT_ANSWERED, response.asked - first.answered, response.asked - expert.answered))
        columns = ("Time to answer", "Questions (first answer)", "Questions (first expert answer)")
        return Table("response-times", "Time to first answer", columns, tuple(rows))
    mine = response.responder_answer
    rows = list(zip(labels, mine.buckets, strict=True))
    return Table("response-times", "Time to your first answer", ("Time to answer", "Questions"), tuple(rows))


def backlog(dashboard: Dashboard) -> Table:
    """Unanswered open questions by how long they have waited."""
    rows: list[tuple[Cell, ...]] = [
        (label, count)
        for (label, _, _), count in zip(figures.BACKLOG_BUCKETS, dashboard.backlog.buckets, strict=True)
    ]
    rows.append(("Total", dashboard.backlog.total))
    title = "Unanswered backlog" if dashboard.is_community else "Unanswered in your topics"
    return Table("backlog", title, ("Waiting", "Questions"), tuple(rows))


def deflection(dashboard: Dashboard) -> Table:
    """Visitors who found an answer instead of asking, against questions posted."""
    similar, search, asked = dashboard.similar, dashboard.search, dashboard.response.asked
    per_hundred = round(similar.deflected * 100 / asked, 1) if asked else None
    rows: tuple[tuple[Cell, ...], ...] = (
        ("Ask sessions that opened a suggested similar question", similar.opened),
        ("… then did not post (deflected)", similar.deflected),
        ("… then posted anyway", similar.posted_anyway),
        ("… still within the hour, not settled yet", similar.pending),
        ("Deflected share of settled sessions (%)", percent(similar.deflected_rate)),
        ("Questions posted", asked),
        ("Deflected sessions per 100 questions posted", per_hundred),
        ("Searches made (the tag does not apply)", search.made if search.available else NOT_AVAILABLE),
        (
            "Searches that ended with opening an answer",
            search.searches if search.available else NOT_AVAILABLE,
        ),
        ("… and no question posted (deflected)", search.deflected if search.available else NOT_AVAILABLE),
        ("Deflected share of searches that opened an answer (%)", percent(search.deflected_rate)),
    )
    return Table("deflection", "Deflection", ("Figure", "Value"), rows)


def faq(dashboard: Dashboard) -> Table:
    """FAQ views and helpful votes."""
    figures_ = dashboard.faq
    rows: tuple[tuple[Cell, ...], ...] = (
        ("FAQ views", figures_.views if figures_.available else NOT_AVAILABLE),
        ("Helpful votes on FAQ entries", figures_.helpful_votes if figures_.available else NOT_AVAILABLE),
        ("… helpful", figures_.helpful_yes if figures_.available else NOT_AVAILABLE),
        ("… not helpful", figures_.helpful_no if figures_.available else NOT_AVAILABLE),
    )
    return Table("faq", "FAQ", ("Figure", "Value"), rows)


ROLE_LABELS = {
    "expert": "Staff experts",
    "member": "Community members",
    "staff": "Moderators and admins",
    "former": "Former members",
}


def who_answers(dashboard: Dashboard) -> Table:
    """Accepted answers by who wrote them."""
    counts = dashboard.who_answers
    total = sum(counts.values())
    rows = tuple(
        (ROLE_LABELS[group], counts[group], percent(counts[group] / total) if total else None)
        for group in figures.ROLE_GROUPS
    )
    return Table("who-answers", "Who answers", ("Answered by", "Accepted answers", "Share (%)"), rows)


def contributors(dashboard: Dashboard) -> Table:
    """The top community contributors of the range."""
    rows = tuple(
        (rank, person.username, person.accepted_answers, person.reputation)
        for rank, person in enumerate(dashboard.contributors, start=1)
    )
    columns = ("Rank", "Member", "Accepted answers", "Reputation earned")
    return Table("contributors", "Top community contributors", columns, rows)


BUILDERS: dict[str, Callable[[Dashboard], Table]] = {
    "summary": summary,
    "volume": volume,
    "response-times": response_times,
    "backlog": backlog,
    "deflection": deflection,
    "faq": faq,
    "who-answers": who_answers,
    "contributors": contributors,
}
COMMUNITY_ONLY = frozenset({"deflection", "faq", "who-answers", "contributors"})


def names(dashboard: Dashboard) -> list[str]:
    """The tables this dashboard has (an expert's has no community-wide ones)."""
    return [name for name in BUILDERS if dashboard.is_community or name not in COMMUNITY_ONLY]


def build(dashboard: Dashboard) -> dict[str, Table]:
    """Every table of this dashboard, by name."""
    return {name: BUILDERS[name](dashboard) for name in names(dashboard)}


def volume_chart(dashboard: Dashboard) -> charts.LineChart:
    """The daily volume as lines."""
    days = [day.day for day in dashboard.volume]
    if dashboard.is_community:
        series = [
            ("Questions", [day.questions or 0 for day in dashboard.volume]),
            ("Answers", [day.answers for day in dashboard.volume]),
            ("New members", [day.new_members or 0 for day in dashboard.volume]),
        ]
        return charts.line_chart(days, series, "Questions, answers and new members per day")
    return charts.line_chart(
        days, [("Your answers", [day.answers for day in dashboard.volume])], "Your answers per day"
    )


SHORT_BUCKETS = ("< 1 h", "1–4 h", "4–24 h", "1–3 d", "3–7 d", "> 7 d", "none yet")


def response_chart(dashboard: Dashboard) -> charts.BarChart:
    """Questions by time to first answer (an expert: to their own first answer)."""
    response = dashboard.response
    if dashboard.is_community:
        timing = response.first_answer
        values = [*timing.buckets, response.asked - timing.answered]
        return charts.bar_chart(
            list(zip(SHORT_BUCKETS, values, strict=True)), "Questions by time to first answer"
        )
    values = list(response.responder_answer.buckets)
    return charts.bar_chart(
        list(zip(SHORT_BUCKETS[: len(values)], values, strict=True)), "Questions by time to your first answer"
    )
