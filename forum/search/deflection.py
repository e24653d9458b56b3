"""Similar questions while asking: what askers did with the suggestions, as events.

Every visit to the ask page gets a short-lived *ask token* (`new_ask_token`). The suggestions
the page shows link through `/questions/similar/<id>/open?ask=<token>`, which records
`suggestion_opened`; posting the question with the same token records `posted_anyway` with
the new question's id. A token that opened a suggestion and never posted within
`ASK_SESSION_TTL` is a *deflection*: the asker found an answer instead of asking again.
Deflections are computed from the events (`deflected_tokens`, `outcomes`), so no scheduled
job is needed; `settle_deflections` may write them down as `deflected` events for dashboards.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Select, and_, exists, func, select
from sqlalchemy.orm import aliased

from forum.clock import utcnow
from forum.extensions import db
from forum.models.search import ASK_TOKEN_MAX, SimilarEvent

SUGGESTION_OPENED = "suggestion_opened"
POSTED_ANYWAY = "posted_anyway"
DEFLECTED = "deflected"
# how long after its last suggestion opened an ask token may still post before it counts as deflected
ASK_SESSION_TTL = timedelta(hours=1)
_TOKEN = re.compile(rf"[A-Za-z0-9_-]{{16,{ASK_TOKEN_MAX}}}")


@dataclass(frozen=True)
class Outcomes:
    """What ask sessions that opened a suggestion came to, over a period."""

    opened: int  # ask sessions that opened at least one suggestion
    posted_anyway: int  # ... and then posted
    deflected: int  # ... and did not post within ASK_SESSION_TTL
    pending: int  # ... still within ASK_SESSION_TTL, no post yet

    @property
    def deflection_rate(self) -> float | None:
        """Deflected sessions among those settled, or None when none are."""
        settled = self.posted_anyway + self.deflected
        return self.deflected / settled if settled else None


def new_ask_token() -> str:
    """A fresh token for one visit to the ask page."""
    return secrets.token_urlsafe(16)


def valid_token(token: str | None) -> str | None:
    """The token if it looks like one of ours, else None (never record junk)."""
    return token if token and _TOKEN.fullmatch(token) else None


def _record(
    kind: str, token: str | None, question_id: int | None, user_id: int | None
) -> SimilarEvent | None:
    token = valid_token(token)
    if token is None:
        return None
    event = SimilarEvent(kind=kind, ask_token=token, question_id=question_id, user_id=user_id)
    db.session.add(event)
    db.session.commit()
    return event


def record_opened(token: str | None, question_id: int, user_id: int | None = None) -> SimilarEvent | None:
    """The asker opened a suggested question; None when the token is missing or malformed."""
    return _record(SUGGESTION_OPENED, token, question_id, user_id)


def record_posted(token: str | None, question_id: int, user_id: int | None = None) -> SimilarEvent | None:
    """The asker saw suggestions and posted `question_id` anyway (once per token)."""
    token = valid_token(token)
    already = token and db.session.scalar(
        select(SimilarEvent.id).where(SimilarEvent.ask_token == token, SimilarEvent.kind == POSTED_ANYWAY)
    )
    if already:
        return None
    return _record(POSTED_ANYWAY, token, question_id, user_id)


def _opened_sessions(since: datetime | None, until: datetime | None) -> Select:
    """(ask_token, last opened at, user id) of sessions that opened a suggestion in [since, until)."""
    query = select(
        SimilarEvent.ask_token,
        func.max(SimilarEvent.created_at).label("last_opened"),
        func.max(SimilarEvent.user_id).label("user_id"),
    ).where(SimilarEvent.kind == SUGGESTION_OPENED)
    if since is not None:
        query = query.where(SimilarEvent.created_at >= since)
    if until is not None:
        query = query.where(SimilarEvent.created_at < until)
    return query.group_by(SimilarEvent.ask_token)


def _posted(token_column):
    """Whether the ask session of `token_column` (of an outer query) posted."""
    posted = aliased(SimilarEvent)
    return exists().where(and_(posted.ask_token == token_column, posted.kind == POSTED_ANYWAY))


def deflected_tokens(
    since: datetime | None = None, until: datetime | None = None, now: datetime | None = None
) -> list[str]:
    """Ask tokens that opened a suggestion (in [since, until)) and never posted, now settled."""
    sessions = _opened_sessions(since, until).subquery()
    cutoff = (now or utcnow()) - ASK_SESSION_TTL
    query = select(sessions.c.ask_token).where(
        sessions.c.last_opened < cutoff, ~_posted(sessions.c.ask_token)
    )
    return list(db.session.scalars(query.order_by(sessions.c.ask_token)))


def deflection_count(
    since: datetime | None = None, until: datetime | None = None, now: datetime | None = None
) -> int:
    """How many askers opened a suggestion and did not post: questions not asked again."""
    return len(deflected_tokens(since, until, now))


def outcomes(
    since: datetime | None = None, until: datetime | None = None, now: datetime | None = None
) -> Outcomes:
    """Sessions that opened a suggestion in [since, until), by what came of them."""
    sessions = _opened_sessions(since, until).subquery()
    cutoff = (now or utcnow()) - ASK_SESSION_TTL
    rows = db.session.execute(
        select(sessions.c.last_opened, _posted(sessions.c.ask_token).label("posted"))
    ).all()
    posted = sum(1 for row in rows if row.posted)
    deflected = sum(1 for row in rows if not row.posted and row.last_opened < cutoff)
    return Outcomes(
        opened=len(rows), posted_anyway=posted, deflected=deflected, pending=len(rows) - posted - deflected
    )


def settle_deflections(now: datetime | None = None) -> int:
    """Write a `deflected` event for each settled deflection not yet written; returns how many."""
    written = set(db.session.scalars(select(SimilarEvent.ask_token).where(SimilarEvent.kind == DEFLECTED)))
    sessions = {row.ask_token: row for row in db.session.execute(_opened_sessions(None, None)).all()}
    new = [token for token in deflected_tokens(now=now) if token not in written]
    for token in new:
        db.session.add(SimilarEvent(kind=DEFLECTED, ask_token=token, user_id=sessions[token].user_id))
    db.session.commit()
    return len(new)
