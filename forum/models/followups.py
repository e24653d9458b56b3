"""Private follow-ups: a staff expert and a question's asker, in a conversation only they see."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from forum.clock import utcnow
from forum.extensions import db
from forum.models.posts import Answer, Question
from forum.models.users import User

# A message is short or long as the conversation needs ("Thanks!" to a pasted order summary)
MESSAGE_MIN, MESSAGE_MAX = 2, 10000


class PrivateFollowup(db.Model):
    """A private conversation between a staff expert and the asker of a public question.

    Visible to the two parties and to moderators; the public thread shows only that one
    happened. An expert has at most one open follow-up per question (the partial unique index);
    posting the resolution publicly closes it, and the expert may open a new one afterwards.
    """

    __tablename__ = "private_followups"
    __table_args__ = (
        Index(
            "uq_private_followups_open",
            "question_id",
            "expert_id",
            unique=True,
            sqlite_where=text("closed_at IS NULL"),
            postgresql_where=text("closed_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("posts.id"), index=True)
    expert_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    # the question's author when the follow-up was opened
    asker_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    opened_at: Mapped[datetime] = mapped_column(default=utcnow)
    closed_at: Mapped[datetime | None]
    # the public answer the expert posted to close the follow-up
    resolution_answer_id: Mapped[int | None] = mapped_column(ForeignKey("posts.id"))

    question: Mapped[Question] = relationship(foreign_keys=[question_id])
    expert: Mapped[User] = relationship(foreign_keys=[expert_id])
    asker: Mapped[User] = relationship(foreign_keys=[asker_id])
    resolution_answer: Mapped[Answer | None] = relationship(foreign_keys=[resolution_answer_id])
    messages: Mapped[list[FollowupMessage]] = relationship(
        back_populates="followup", order_by="FollowupMessage.created_at, FollowupMessage.id"
    )

    @property
    def is_open(self) -> bool:
        """Messages may still be posted; the resolution is not posted yet."""
        return self.closed_at is None

    @property
    def is_resolved(self) -> bool:
        """Closed by posting a public answer."""
        return self.resolution_answer_id is not None


class FollowupMessage(db.Model):
    """One message in a private follow-up, rendered once at write time like posts and comments."""

    __tablename__ = "followup_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    followup_id: Mapped[int] = mapped_column(ForeignKey("private_followups.id"), index=True)
    # nullable like posts' authors, so an account's removal never orphans the conversation
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    body: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    followup: Mapped[PrivateFollowup] = relationship(back_populates="messages")
    author: Mapped[User | None] = relationship()
