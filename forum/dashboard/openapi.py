"""The OpenAPI description of GET /api/v1/dashboard, merged into the API's document."""

from __future__ import annotations

from typing import Any

from forum.api.openapi import _TEXT, _error, _json, _object, _ref
from forum.dashboard.figures import BACKLOG_BUCKETS, NOT_ANSWERED, RESPONSE_BUCKETS, ROLE_GROUPS
from forum.dashboard.params import DEFAULT_DAYS

_COUNT = {"type": "integer", "minimum": 0}
_RATE = {
    "type": ["number", "null"],
    "minimum": 0,
    "maximum": 1,
    "description": "A fraction; null when its base is 0.",
}
_SECONDS = {"type": ["integer", "null"], "description": "Whole seconds; null when no question qualifies."}
_DATE = {"type": "string", "format": "date"}


def _nullable(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"oneOf": [schema, {"type": "null"}], "description": description}


SCHEMAS: dict[str, Any] = {
    "DashboardTiming": _object(
        {
            "answered": {**_COUNT, "description": "Questions that got such an answer."},
            "median_seconds": {
                **_SECONDS,
                "description": "Nearest-rank median: the value at rank ceil(n/2).",
            },
            "p90_seconds": {**_SECONDS, "description": "Nearest-rank 90th percentile: rank ceil(0.9 n)."},
            "within_target": {**_COUNT, "description": "Answered within target_hours."},
            "counted": {
                **_COUNT,
                "description": "Questions that are due: answered, or unanswered and older than the target.",
            },
            "within_target_rate": {**_RATE, "description": "within_target / counted."},
        }
    ),
    "DashboardDeflection": _object(
        {
            "questions_posted": _COUNT,
            "similar_questions": _object(
                {
                    "opened": {**_COUNT, "description": "Ask sessions that opened a suggested question."},
                    "deflected": {**_COUNT, "description": "... and posted nothing within the hour."},
                    "posted_anyway": _COUNT,
                    "pending": {**_COUNT, "description": "... still within the hour."},
                    "deflected_rate": {**_RATE, "description": "deflected / (deflected + posted_anyway)."},
                }
            ),
            "search": _object(
                {
                    "available": {
                        "type": "boolean",
                        "description": "Always true (search records opened results).",
                    },
                    "made": {
                        **_COUNT,
                        "description": "Searches made on the search page (the tag does not apply).",
                    },
                    "searches": {
                        **_COUNT,
                        "description": "Searches (one visitor's query) that opened a result; with a tag, "
                        "a result carrying it.",
                    },
                    "deflected": {
                        **_COUNT,
                        "description": "... and no question posted within the hour after the last opened.",
                    },
                    "deflected_rate": {**_RATE, "description": "deflected / searches."},
                }
            ),
        }
    ),
    "Dashboard": _object(
        {
            "from": {**_DATE, "description": "First day of the range (UTC)."},
            "to": {
                **_DATE,
                "description": "Last day of the range, included (a later day is moved to today).",
            },
            "days": {"type": "integer", "minimum": 1},
            "tag": {"type": ["string", "null"]},
            "notes": {"type": "array", "items": _TEXT, "description": "Parameters that were corrected."},
            "computed_at": {"type": "string", "format": "date-time", "description": "At most a minute ago."},
            "scope": {
                "enum": ["community", "expert"],
                "description": "community for moderators and admins; expert: the caller's own figures, "
                "where the questions are those of the range the expert answered and "
                "first_expert_answer is the expert's own first answer on each.",
            },
            "expert": _nullable(
                _object({"id": {"type": "integer"}, "username": _TEXT}), "The expert, in an expert's scope."
            ),
            "target_hours": {
                "type": "number",
                "description": "The response-time target (EXPERT_RESPONSE_HOURS).",
            },
            "questions": _object(
                {
                    "asked": {
                        **_COUNT,
                        "description": "Visible questions asked in the range (with the tag).",
                    },
                    "answered": {**_COUNT, "description": "... with a visible answer by someone else."},
                    "accepted": {
                        **_COUNT,
                        "description": "... whose accepted answer is visible, not the asker's.",
                    },
                    "answered_rate": _RATE,
                    "accepted_rate": _RATE,
                    "answered_first": {
                        "type": ["integer", "null"],
                        "description": "Expert scope: questions where the expert's answer came first.",
                    },
                    "expert_accepted": {
                        "type": ["integer", "null"],
                        "description": "Expert scope: questions where the expert's answer is accepted.",
                    },
                }
            ),
            "first_answer": _ref("DashboardTiming"),
            "first_expert_answer": _ref("DashboardTiming"),
            "response_buckets": {
                "type": "array",
                "description": "Questions by time to first answer, then those not answered yet.",
                "items": _object(
                    {
                        "bucket": {"enum": [label for label, _, _ in RESPONSE_BUCKETS] + [NOT_ANSWERED]},
                        "first_answer": _COUNT,
                        "first_expert_answer": _COUNT,
                    }
                ),
            },
            "backlog": _object(
                {
                    "total": _COUNT,
                    "overdue": {**_COUNT, "description": "Older than the target."},
                    "buckets": {
                        "type": "array",
                        "items": _object(
                            {
                                "bucket": {"enum": [label for label, _, _ in BACKLOG_BUCKETS]},
                                "questions": _COUNT,
                            }
                        ),
                    },
                }
            ),
            "volume": {
                "type": "array",
                "description": "One entry per day of the range; an expert's has their answers only.",
                "items": _object(
                    {
                        "date": _DATE,
                        "questions": {"type": ["integer", "null"]},
                        "answers": _COUNT,
                        "new_members": {"type": ["integer", "null"]},
                    }
                ),
            },
            "deflection": _nullable(_ref("DashboardDeflection"), "Community scope only."),
            "faq": _nullable(
                _object(
                    {
                        "available": {"type": "boolean", "description": "Always true."},
                        "views": {
                            **_COUNT,
                            "description": "Visitors a day on FAQ entry pages, summed over the range.",
                        },
                        "helpful_votes": {
                            **_COUNT,
                            "description": "Was this helpful? answers given in the range.",
                        },
                        "helpful_yes": _COUNT,
                        "helpful_no": _COUNT,
                    }
                ),
                "Community scope only.",
            ),
            "who_answers": _nullable(
                {
                    "type": "object",
                    "properties": {group: _COUNT for group in ROLE_GROUPS},
                    "required": list(ROLE_GROUPS),
                    "description": "Accepted answers posted in the range by the author's role: expert, "
                    "member, staff (moderators and admins), former (no account).",
                },
                "Community scope only.",
            ),
            "top_contributors": _nullable(
                {
                    "type": "array",
                    "items": _object(
                        {
                            "user_id": {"type": "integer"},
                            "username": _TEXT,
                            "accepted_answers": _COUNT,
                            "reputation": {
                                "type": "integer",
                                "description": "Net reputation earned in the range.",
                            },
                        }
                    ),
                },
                "Community scope only.",
            ),
        }
    ),
}

_QUERY = [
    {
        "name": "from",
        "in": "query",
        "schema": _DATE,
        "description": f"First day (UTC), YYYY-MM-DD; default: {DEFAULT_DAYS - 1} days before `to`.",
    },
    {"name": "to", "in": "query", "schema": _DATE, "description": "Last day, included; default today."},
    {"name": "tag", "in": "query", "schema": _TEXT, "description": "Only questions with this tag."},
]

PATHS: dict[str, Any] = {
    "/dashboard": {
        "get": {
            "summary": "The support dashboard's figures: moderators and admins see the community, "
            "a staff expert their own.",
            "security": [{"bearer": []}],
            "parameters": _QUERY,
            "responses": {
                "200": _json(_ref("Dashboard"), "The figures, at most a minute old."),
                "400": _error("A bad date, from after to, a range too long, or an unknown tag."),
                "401": _error("No token, or a malformed or unknown one."),
                "403": _error("Only staff experts, moderators and admins have a dashboard."),
            },
        }
    }
}
