"""Following questions, the in-app inbox, and each member's email preference."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from forum.clock import utcnow
from forum.extensions import db
from forum.models.posts import Comment, Post, Question
from forum.models.users import User

# What a notification tells its recipient about
KINDS = ("answer", "comment", "accepted", "assigned", "flag", "warning", "suggestion")


class Follow(db.Model):
    """A member who said "I have this question too": they hear about its answers and comments.

    The asker follows their own question implicitly (no row), so the rows of a question are
    exactly the people who share the problem; Question.follower_count caches how many.
    """

    __tablename__ = "follows"
    __table_args__ = (Index("ix_follows_question_id", "question_id"),)

    # the primary key is the pair: nobody follows a question twice, even from two requests at once
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("posts.id"), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Notification(db.Model):
    """One item in a member's inbox: who did what (kind) on which post of which question."""

    __tablename__ = "notifications"
    __table_args__ = (
        # the header's unread count, and the inbox newest first
        Index("ix_notifications_recipient_id_read_at", "recipient_id", "read_at"),
        Index("ix_notifications_recipient_id_id", "recipient_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    recipient_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[str] = mapped_column(String(20))
    question_id: Mapped[int] = mapped_column(ForeignKey("posts.id"))
    # the answer (answer, accepted), the post commented on (comment), or the question (assigned)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id"))
    comment_id: Mapped[int | None] = mapped_column(ForeignKey("comments.id"))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    read_at: Mapped[datetime | None]
    # moderation's words to the recipient: a flag's outcome, a warning, a review's verdict
    note: Mapped[str | None] = mapped_column(String(500))

    recipient: Mapped[User] = relationship(foreign_keys=[recipient_id])
    actor: Mapped[User | None] = relationship(foreign_keys=[actor_id])
    question: Mapped[Question] = relationship(foreign_keys=[question_id])
    post: Mapped[Post] = relationship(foreign_keys=[post_id])
    comment: Mapped[Comment | None] = relationship()

    @property
    def is_read(self) -> bool:
        """Opened from the inbox, or marked read."""
        return self.read_at is not None


class NotificationSetting(db.Model):
    """A member's choice about email; no row means the default (email on)."""

    __tablename__ = "notification_settings"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True, autoincrement=False)
    email: Mapped[bool] = mapped_column(default=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
