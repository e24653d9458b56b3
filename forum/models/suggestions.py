"""Suggested edits: an edit by someone without the edit privilege, waiting for a reviewer."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from forum.clock import utcnow
from forum.extensions import db
from forum.models.posts import TITLE_MAX, Post, Revision
from forum.models.users import User

STATUSES = ("pending", "approved", "rejected")


class SuggestedEdit(db.Model):
    """A proposed new version of a post, made against one revision (`base_revision`).

    Approving applies it as the post's next revision, credited to its author; a post that changed
    since the suggestion was made cannot take it (the reviewer would overwrite the newer version).
    """

    __tablename__ = "suggested_edits"
    __table_args__ = (Index("ix_suggested_edits_status_created_at", "status", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    base_revision_id: Mapped[int] = mapped_column(ForeignKey("revisions.id"))
    title: Mapped[str | None] = mapped_column(String(TITLE_MAX + 50))
    body: Mapped[str] = mapped_column(Text)
    # space-separated tag names (questions only)
    tags: Mapped[str | None] = mapped_column(String(300))
    summary: Mapped[str] = mapped_column(String(300), default="")
    status: Mapped[str] = mapped_column(String(10), default="pending")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    reviewer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reviewed_at: Mapped[datetime | None]
    review_note: Mapped[str] = mapped_column(String(300), default="")
    # the revision an approval created
    revision_id: Mapped[int | None] = mapped_column(ForeignKey("revisions.id"))

    post: Mapped[Post] = relationship()
    author: Mapped[User] = relationship(foreign_keys=[author_id])
    reviewer: Mapped[User | None] = relationship(foreign_keys=[reviewer_id])
    base_revision: Mapped[Revision] = relationship(foreign_keys=[base_revision_id])
    revision: Mapped[Revision | None] = relationship(foreign_keys=[revision_id])

    @property
    def is_pending(self) -> bool:
        return self.status == "pending"
