"""Moderation: flags on posts, suspensions, and the append-only audit log."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from forum.clock import utcnow
from forum.extensions import db
from forum.models.posts import Post
from forum.models.users import User

# Why a post is flagged; spam and abuse flags from enough people hide a post pending review
FLAG_REASONS = ("spam", "rude", "off-topic", "needs-expert", "duplicate", "other")
HIDING_REASONS = frozenset({"spam", "rude"})
FLAG_STATUSES = ("open", "dismissed", "actioned")


class Flag(db.Model):
    """One member's report that a post needs a moderator's look; one per member and post."""

    __tablename__ = "flags"
    __table_args__ = (
        UniqueConstraint("post_id", "user_id"),
        Index("ix_flags_status_created_at", "status", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    reason: Mapped[str] = mapped_column(String(20))
    text: Mapped[str] = mapped_column(String(500), default="")
    # for "duplicate": the question this one repeats
    duplicate_of_id: Mapped[int | None] = mapped_column(ForeignKey("posts.id"))
    status: Mapped[str] = mapped_column(String(10), default="open")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    resolved_at: Mapped[datetime | None]
    # what the moderator did, in words the flagger is told
    outcome: Mapped[str] = mapped_column(String(300), default="")

    post: Mapped[Post] = relationship(foreign_keys=[post_id])
    user: Mapped[User] = relationship(foreign_keys=[user_id])
    resolved_by: Mapped[User | None] = relationship(foreign_keys=[resolved_by_id])
    duplicate_of: Mapped[Post | None] = relationship(foreign_keys=[duplicate_of_id])


class CloseVote(db.Model):
    """A member with the vote-to-close privilege asks for a question to be closed; enough votes
    (CLOSE_VOTES_NEEDED) close it. Votes are cleared when the question is reopened."""

    __tablename__ = "close_votes"

    question_id: Mapped[int] = mapped_column(ForeignKey("posts.id"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    reason: Mapped[str] = mapped_column(String(20))
    duplicate_of_id: Mapped[int | None] = mapped_column(ForeignKey("posts.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Suspension(db.Model):
    """A timed suspension: the user can read but not post until `ends_at` (or until lifted).

    The user row caches the one in force (User.suspended_until / suspension_reason) so every
    permission check reads it without a query; this table keeps the history.
    """

    __tablename__ = "suspensions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    reason: Mapped[str] = mapped_column(String(500))
    starts_at: Mapped[datetime] = mapped_column(default=utcnow)
    ends_at: Mapped[datetime]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    lifted_at: Mapped[datetime | None]
    lifted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    lifted_by: Mapped[User | None] = relationship(foreign_keys=[lifted_by_id])


class AuditEntry(db.Model):
    """One moderator or admin action: who, what, on what, why, and the content before and after.

    Append-only: nothing in the application updates or deletes an entry (an update raises).
    `before` and `after` hold JSON text where content changed; a redaction records that it
    happened, never what was removed.
    """

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_target", "target_type", "target_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # None: the command line (`flask users suspend`), which acts with the server's authority
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    action: Mapped[str] = mapped_column(String(40), index=True)
    target_type: Mapped[str] = mapped_column(String(20))
    target_id: Mapped[int]
    reason: Mapped[str] = mapped_column(String(500), default="")
    before: Mapped[str | None] = mapped_column(Text)
    after: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)

    actor: Mapped[User | None] = relationship()


@event.listens_for(AuditEntry, "before_update")
def _refuse_audit_changes(mapper, connection, target) -> None:
    raise RuntimeError("The audit log is append-only.")
