"""Staff experts: the topics (tags) each one answers, and who is on which question."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, ForeignKey, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship

from forum.clock import utcnow
from forum.extensions import db
from forum.models.users import User

# An expert's topics: the tags whose questions reach their queue
expert_topics = Table(
    "expert_topics",
    db.metadata,
    Column("user_id", ForeignKey("users.id"), primary_key=True),
    Column("tag_id", ForeignKey("tags.id"), primary_key=True, index=True),
)


class ExpertClaim(db.Model):
    """Who is on a question: an expert's own claim ("I'm on it") or a moderator's assignment.

    One row per question; a new claim or assignment replaces it. A claim lapses two hours after
    `claimed_at` unless the expert has answered; an assignment (assigned_by_id set) does not.
    """

    __tablename__ = "expert_claims"

    question_id: Mapped[int] = mapped_column(ForeignKey("posts.id"), primary_key=True, autoincrement=False)
    expert_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    assigned_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    claimed_at: Mapped[datetime] = mapped_column(default=utcnow)

    expert: Mapped[User] = relationship(foreign_keys=[expert_id])
    assigned_by: Mapped[User | None] = relationship(foreign_keys=[assigned_by_id])
