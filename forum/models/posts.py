"""Questions and answers (one `posts` table), tags, comments and revisions."""

from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import Column, ForeignKey, Index, String, Table, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from forum.clock import utcnow
from forum.extensions import db
from forum.models.users import User

TITLE_MIN, TITLE_MAX = 15, 150
BODY_MIN, BODY_MAX = 20, 30000
COMMENT_MIN, COMMENT_MAX = 2, 600
TAGS_MIN, TAGS_MAX = 1, 5
TAG_MAX_LENGTH = 35

_SLUG_JUNK = re.compile(r"[^a-z0-9]+")

question_tags = Table(
    "question_tags",
    db.metadata,
    Column("question_id", ForeignKey("posts.id"), primary_key=True),
    Column("tag_id", ForeignKey("tags.id"), primary_key=True, index=True),
)


class Post(db.Model):
    """What questions and answers share; votes, comments and revisions point at a post."""

    __tablename__ = "posts"
    __table_args__ = (
        Index("ix_posts_type_created_at", "type", "created_at"),
        Index("ix_posts_author_id", "author_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    type: Mapped[str] = mapped_column(String(10))
    # nullable: imported posts may belong to accounts that no longer exist
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    body: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    score: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    edited_at: Mapped[datetime | None]
    edited_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    deleted_at: Mapped[datetime | None]
    deleted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # hidden pending a moderator's review (enough spam or abuse flags): a hidden post is also
    # soft-deleted (deleted_at set, deleted_by_id None), so every public list and search leaves
    # it out; a moderator releases it (undelete) or deletes it for good
    hidden_at: Mapped[datetime | None]
    # why it is held: "flags" (spam or abuse flags) or "personal_data" (its author posted personal
    # data anyway, forum/personal_data.py); a moderator releases or redacts it
    hold_reason: Mapped[str | None] = mapped_column(String(20), index=True)
    # Imported posts (CC BY-SA) must credit their author and source wherever they are shown;
    # the original author's name is kept as written, even when the account no longer exists.
    origin_url: Mapped[str | None] = mapped_column(String(300))
    origin_author: Mapped[str | None] = mapped_column(String(100))
    origin_license: Mapped[str | None] = mapped_column(String(40))

    author: Mapped[User | None] = relationship(foreign_keys=[author_id])
    editor: Mapped[User | None] = relationship(foreign_keys=[edited_by_id])
    comments: Mapped[list[Comment]] = relationship(
        back_populates="post", order_by="Comment.created_at, Comment.id"
    )
    revisions: Mapped[list[Revision]] = relationship(back_populates="post", order_by="Revision.number")

    __mapper_args__ = {"polymorphic_on": "type", "polymorphic_identity": "post"}

    @property
    def is_deleted(self) -> bool:
        """Soft-deleted posts stay in the database, hidden from the public."""
        return self.deleted_at is not None

    @property
    def is_hidden(self) -> bool:
        """Held for a moderator's review after enough spam or abuse flags (and deleted meanwhile)."""
        return self.hidden_at is not None and self.deleted_at is not None

    @property
    def is_held_for_personal_data(self) -> bool:
        """Hidden until a moderator releases or redacts the personal data its author posted."""
        return self.is_hidden and self.hold_reason == "personal_data"


class Question(Post):
    """A customer's question: title, tags and thread state."""

    title: Mapped[str | None] = mapped_column(String(TITLE_MAX + 50))
    view_count: Mapped[int | None] = mapped_column(default=0)
    # visible answers, kept by the service so lists need no count per row
    answer_count: Mapped[int | None] = mapped_column(default=0)
    accepted_answer_id: Mapped[int | None] = mapped_column(ForeignKey("posts.id"))
    # the answer an expert or moderator marked official (may be the accepted one too)
    official_answer_id: Mapped[int | None] = mapped_column(ForeignKey("posts.id"))
    status: Mapped[str | None] = mapped_column(String(10), default="open")
    closed_reason: Mapped[str | None] = mapped_column(String(40))
    duplicate_of_id: Mapped[int | None] = mapped_column(ForeignKey("posts.id"))
    last_activity_at: Mapped[datetime | None] = mapped_column(default=utcnow)
    # pinned to the top of its tags' lists by a moderator
    pinned_at: Mapped[datetime | None]
    # people who said "I have this question too" (the asker is not counted), kept by the service
    follower_count: Mapped[int | None] = mapped_column(default=0)

    tags: Mapped[list[Tag]] = relationship(
        secondary=question_tags, order_by="Tag.name", back_populates="questions"
    )
    answers: Mapped[list[Answer]] = relationship(
        back_populates="question",
        foreign_keys="Answer.question_id",
        primaryjoin="Question.id == Answer.question_id",
    )

    # inline: a post loaded as a Post comes with its subclass columns, in the same query
    __mapper_args__ = {"polymorphic_identity": "question", "polymorphic_load": "inline"}

    @property
    def is_answered(self) -> bool:
        """A question with at least one visible answer."""
        return bool(self.answer_count)

    @property
    def slug(self) -> str:
        """The title for URLs: 'Why was I charged twice?' -> 'why-was-i-charged-twice'."""
        return _SLUG_JUNK.sub("-", (self.title or "").lower()).strip("-")[:80].strip("-") or "question"

    @property
    def tag_names(self) -> list[str]:
        """Tag names, sorted."""
        return [tag.name for tag in self.tags]


class Answer(Post):
    """An answer to a question."""

    question_id: Mapped[int | None] = mapped_column(ForeignKey("posts.id"))

    question: Mapped[Question] = relationship(
        back_populates="answers",
        foreign_keys=[question_id],
        primaryjoin="Question.id == Answer.question_id",
        remote_side="Question.id",
    )

    # inline: a post loaded as a Post comes with its subclass columns, in the same query
    __mapper_args__ = {"polymorphic_identity": "answer", "polymorphic_load": "inline"}


# Indexes on columns that only the subclasses declare (all live in the `posts` table)
Index("ix_posts_type_last_activity_at", Post.type, Question.last_activity_at)
Index("ix_posts_question_id", Answer.question_id)
# the question lists by votes and unanswered (and their counts), checked by tests/test_explain.py
Index("ix_posts_type_score", Post.type, Post.score, Post.id)
Index("ix_posts_type_answer_count_created_at", Post.type, Question.answer_count, Post.created_at, Post.id)
# the expert queue's questions alone (the conditions of forum/experts/service.py _in_queue), oldest
# first, so its runs and counts are read from this index without the table
_EXPERT_QUEUE = (
    "type = 'question' AND accepted_answer_id IS NULL AND deleted_at IS NULL "
    "AND (status = 'open' OR status IS NULL)"
)
Index(
    "ix_posts_expert_queue",
    Post.created_at,
    Post.id,
    Question.answer_count,
    postgresql_where=text(_EXPERT_QUEUE),
    sqlite_where=text(_EXPERT_QUEUE),
)


class Tag(db.Model):
    """A topic label; lower-case words joined by hyphens."""

    __tablename__ = "tags"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(TAG_MAX_LENGTH), unique=True)
    description: Mapped[str] = mapped_column(String(500), default="")
    # visible questions with this tag, kept by the service for the tag list
    question_count: Mapped[int] = mapped_column(default=0)
    # a moderator merged this tag into another: new uses of the name get that one
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("tags.id"))

    questions: Mapped[list[Question]] = relationship(
        secondary=question_tags, back_populates="tags", viewonly=True
    )


class Comment(db.Model):
    """A short remark under a question or an answer."""

    __tablename__ = "comments"

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    body: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    deleted_at: Mapped[datetime | None]
    deleted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # held for a moderator, as posts are (deleted_at set too, deleted_by_id None): "personal_data"
    hidden_at: Mapped[datetime | None]
    hold_reason: Mapped[str | None] = mapped_column(String(20), index=True)

    post: Mapped[Post] = relationship(back_populates="comments")
    author: Mapped[User | None] = relationship(foreign_keys=[author_id])

    @property
    def is_deleted(self) -> bool:
        """Soft-deleted comments stay in the database, hidden from the public."""
        return self.deleted_at is not None

    @property
    def is_hidden(self) -> bool:
        """Held for a moderator (its author posted personal data anyway), deleted meanwhile."""
        return self.hidden_at is not None and self.deleted_at is not None


class Revision(db.Model):
    """One version of a post; number 1 is the original, every edit adds the next."""

    __tablename__ = "revisions"
    __table_args__ = (UniqueConstraint("post_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id"))
    number: Mapped[int]
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    title: Mapped[str | None] = mapped_column(String(TITLE_MAX + 50))
    body: Mapped[str] = mapped_column(Text)
    # space-separated tag names at this version (questions only)
    tags: Mapped[str | None] = mapped_column(String(300))
    summary: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    post: Mapped[Post] = relationship(back_populates="revisions")
    author: Mapped[User | None] = relationship()
