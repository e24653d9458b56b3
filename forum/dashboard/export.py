"""The dashboard as CSV files (one per table) and as the JSON of GET /api/v1/dashboard."""

from __future__ import annotations

import csv
import io
from typing import Any

from forum.dashboard import figures
from forum.dashboard.service import Dashboard
from forum.dashboard.tables import Cell, Table

# A spreadsheet runs a cell starting with one of these as a formula (usernames are user input)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _csv_cell(value: Cell) -> str | int | float:
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def csv_text(table: Table) -> str:
    """The table as CSV: a heading row, then its rows."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(table.columns)
    for row in table.rows:
        writer.writerow([_csv_cell(value) for value in row])
    return buffer.getvalue()


def _timing(timing: figures.Timing) -> dict[str, Any]:
    return {
        "answered": timing.answered,
        "median_seconds": timing.median_seconds,
        "p90_seconds": timing.p90_seconds,
        "within_target": timing.within_target,
        "counted": timing.counted,
        "within_target_rate": timing.within_target_rate,
    }


def _community(dashboard: Dashboard) -> dict[str, Any]:
    """The sections only moderators and admins get (None in an expert's dashboard)."""
    if not dashboard.is_community:
        return {"deflection": None, "faq": None, "who_answers": None, "top_contributors": None}
    similar, search, faq = dashboard.similar, dashboard.search, dashboard.faq
    return {
        "deflection": {
            "questions_posted": dashboard.response.asked,
            "similar_questions": {
                "opened": similar.opened,
                "deflected": similar.deflected,
                "posted_anyway": similar.posted_anyway,
                "pending": similar.pending,
                "deflected_rate": similar.deflected_rate,
            },
            "search": {
                "available": search.available,
                "made": search.made,
                "searches": search.searches,
                "deflected": search.deflected,
                "deflected_rate": search.deflected_rate,
            },
        },
        "faq": {
            "available": faq.available,
            "views": faq.views,
            "helpful_votes": faq.helpful_votes,
            "helpful_yes": faq.helpful_yes,
            "helpful_no": faq.helpful_no,
        },
        "who_answers": dict(dashboard.who_answers),
        "top_contributors": [
            {
                "user_id": person.user_id,
                "username": person.username,
                "accepted_answers": person.accepted_answers,
                "reputation": person.reputation,
            }
            for person in dashboard.contributors
        ],
    }


def payload(dashboard: Dashboard) -> dict[str, Any]:
    """Every figure, as the API sends it (times in whole seconds, rates as fractions or null)."""
    response, filters = dashboard.response, dashboard.filters
    expert = dashboard.scope.expert_id
    labels = [label for label, _, _ in figures.RESPONSE_BUCKETS]
    buckets = [
        {"bucket": label, "first_answer": first, "first_expert_answer": responder}
        for label, first, responder in zip(
            labels, response.first_answer.buckets, response.responder_answer.buckets, strict=True
        )
    ]
    buckets.append(
        {
            "bucket": figures.NOT_ANSWERED,
            "first_answer": response.asked - response.first_answer.answered,
            "first_expert_answer": response.asked - response.responder_answer.answered,
        }
    )
    return {
        "from": filters.first_day.isoformat(),
        "to": filters.last_day.isoformat(),
        "days": filters.days,
        "tag": filters.tag,
        "notes": list(filters.notes),
        "computed_at": dashboard.computed_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "scope": "community" if expert is None else "expert",
        "expert": None if expert is None else {"id": expert, "username": dashboard.expert_name},
        "target_hours": dashboard.target_hours,
        "questions": {
            "asked": response.asked,
            "answered": response.answered,
            "accepted": response.accepted,
            "answered_rate": response.answered_rate,
            "accepted_rate": response.accepted_rate,
            "answered_first": None if expert is None else response.answered_first,
            "expert_accepted": None if expert is None else response.responder_accepted,
        },
        "first_answer": _timing(response.first_answer),
        "first_expert_answer": _timing(response.responder_answer),
        "response_buckets": buckets,
        "backlog": {
            "total": dashboard.backlog.total,
            "overdue": dashboard.backlog.overdue,
            "buckets": [
                {"bucket": label, "questions": count}
                for (label, _, _), count in zip(
                    figures.BACKLOG_BUCKETS, dashboard.backlog.buckets, strict=True
                )
            ],
        },
        "volume": [
            {
                "date": day.day.isoformat(),
                "questions": day.questions,
                "answers": day.answers,
                "new_members": day.new_members,
            }
            for day in dashboard.volume
        ],
        **_community(dashboard),
    }
