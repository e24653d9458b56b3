"""Votes and the reputation ledger."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from forum.clock import utcnow
from forum.extensions import db
from forum.models.posts import Post
from forum.models.users import User


class Vote(db.Model):
    """One user's vote on one post: 1 up, -1 down, 0 retracted (the row stays, so locks have a target)."""

    __tablename__ = "votes"
    __table_args__ = (
        UniqueConstraint("user_id", "post_id"),
        CheckConstraint("value IN (-1, 0, 1)", name="value"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id"), index=True)
    value: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class ReputationEvent(db.Model):
    """One change to a user's reputation; the ledger is append-only.

    A reversal is a new event whose `undoes_id` names the event it cancels (with the opposite
    delta); a restoration after undelete undoes the reversal in turn. `undoes_id` is unique, so
    nothing is ever cancelled twice, even by two requests at once.
    """

    __tablename__ = "reputation_events"
    __table_args__ = (Index("ix_reputation_events_user_id_created_at", "user_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    post_id: Mapped[int | None] = mapped_column(ForeignKey("posts.id"), index=True)
    vote_id: Mapped[int | None] = mapped_column(ForeignKey("votes.id"), index=True)
    # who caused it (voter, accepter); never shown to others: votes are anonymous
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[str] = mapped_column(String(30))
    cause: Mapped[str] = mapped_column(String(20))
    delta: Mapped[int]
    undoes_id: Mapped[int | None] = mapped_column(ForeignKey("reputation_events.id"), unique=True)
    # for FAQ credits: the entry whose approval credited the answer's author (once per entry)
    faq_entry_id: Mapped[int | None] = mapped_column(ForeignKey("faq_entries.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    post: Mapped[Post | None] = relationship()
