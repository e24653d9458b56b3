"""A user's reputation ledger and its chart, as the profile page and the API show them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import url_for
from sqlalchemy import select

from forum import permissions, reputation
from forum.clock import utcnow
from forum.extensions import db
from forum.models import Answer, Post, Question, User
from forum.models.reputation import ReputationEvent


def shows_post(event: ReputationEvent, viewer: User | None) -> bool:
    """Whom a downvote was cast on is private to the voter (and moderators): votes are anonymous."""
    if event.kind != "downvote_cast":
        return True
    return permissions.can_moderate(viewer) or (permissions.can_post(viewer) and viewer.id == event.user_id)


@dataclass
class LedgerRow:
    """One ledger event with what the page shows about it."""

    event: ReputationEvent
    label: str
    note: str
    title: str | None
    url: str | None


def rows(events: list[ReputationEvent], viewer: User | None) -> list[LedgerRow]:
    """Ledger events with the titles and links of the posts the viewer may see (three queries)."""
    post_ids = {event.post_id for event in events if event.post_id is not None}
    posts = {post.id: post for post in db.session.scalars(select(Post).where(Post.id.in_(post_ids)))}
    question_ids = {post.question_id for post in posts.values() if isinstance(post, Answer)}
    # loaded into the session, so answer.question below needs no query per row
    db.session.scalars(select(Question).where(Question.id.in_(question_ids))).all()
    result = []
    for event in events:
        post = posts.get(event.post_id)
        title = url = None
        if post is not None and shows_post(event, viewer):
            question = post.question if isinstance(post, Answer) else post
            if permissions.can_view(viewer, post) and permissions.can_view(viewer, question):
                title = question.title
                anchor = f"a{post.id}" if isinstance(post, Answer) else None
                url = url_for("questions.show", question_id=question.id, slug=question.slug, _anchor=anchor)
        label = reputation.LABELS.get(event.kind, event.kind)
        result.append(LedgerRow(event, label, reputation.CAUSES.get(event.cause, event.cause), title, url))
    return result


@dataclass
class Chart:
    """A step line of reputation over time, in SVG user units."""

    width: int
    height: int
    points: str
    low: int
    high: int
    start: datetime
    end: datetime
    summary: str
    left: int = 0
    right: int = 0
    top: int = 0
    bottom: int = 0


PAD_X, PAD_TOP, PAD_BOTTOM = 44, 12, 24


def chart(user: User, now: datetime | None = None, width: int = 640, height: int = 180) -> Chart:
    """Reputation from the day the user joined until now, stepping at each day it changed (UTC)."""
    now = now or utcnow()
    days = reputation.daily_totals(user)
    start = min([user.created_at, *(day for day, _ in days)])
    end = max(now, start + timedelta(days=1))
    running, series = 0, [(start, reputation.FLOOR)]
    for day, delta in days:
        running += delta
        series.append((max(day, start), reputation.shown(running)))
    values = [value for _, value in series]
    low, high = min(values), max(values)
    span = (end - start).total_seconds()

    def x(moment: datetime) -> float:
        return PAD_X + (moment - start).total_seconds() / span * (width - 8 - PAD_X)

    def y(value: int) -> float:
        share = (value - low) / (high - low) if high > low else 0.5
        return PAD_TOP + (1 - share) * (height - PAD_TOP - PAD_BOTTOM)

    points, previous = [], None
    for moment, value in series:
        if previous is not None:
            points.append((x(moment), y(previous)))  # hold the old value until the change
        points.append((x(moment), y(value)))
        previous = value
    points.append((x(end), y(previous)))
    summary = (
        f"Reputation over time: {reputation.FLOOR} on {start:%-d %b %Y}, "
        f"{values[-1]} now; lowest {low}, highest {high}."
    )
    return Chart(
        width=width,
        height=height,
        points=" ".join(f"{px:.1f},{py:.1f}" for px, py in points),
        low=low,
        high=high,
        start=start,
        end=end,
        summary=summary,
        left=PAD_X,
        right=width - 8,
        top=PAD_TOP,
        bottom=height - PAD_BOTTOM,
    )
