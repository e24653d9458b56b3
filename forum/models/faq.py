"""The crowdsourced FAQ: entries curated from popular threads, and what makes a thread popular.

Popularity signals (views, search and similar-question click-throughs) are counted in their own
tables so that a page view never writes to the question's row; `flask faq refresh` folds them
into `QuestionPopularity`, which the moderators' candidate queue reads.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from forum.clock import utcnow
from forum.extensions import db
from forum.models.posts import Answer, Question, Tag
from forum.models.users import User

FAQ_TITLE_MIN, FAQ_TITLE_MAX = 10, 200
FAQ_BODY_MIN, FAQ_BODY_MAX = 20, 30000
PRODUCT_AREA_MAX = 100
VISITOR_MAX = 64
# why an entry went back to the moderators' queue (a review that is merely due is computed)
STALE_REASONS = ("new_answer", "no_longer_works")
CANDIDATE_DECISIONS = ("approved", "dismissed", "merged")
VIEW_KINDS = ("question", "faq")
SEARCH_EVENT_KINDS = ("search", "click")


class FaqEntry(db.Model):
    """A curated question and answer, built from one or more source threads.

    `question_id` is the main source thread: search finds the entry through that thread's
    document (which carries the entry's title and answer), and its page shows a banner.
    """

    __tablename__ = "faq_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(FAQ_TITLE_MAX))
    body: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    # the category the public page groups entries by
    tag_id: Mapped[int | None] = mapped_column(ForeignKey("tags.id"), index=True)
    product_area: Mapped[str] = mapped_column(String(PRODUCT_AREA_MAX), default="")
    question_id: Mapped[int] = mapped_column(ForeignKey("posts.id"), unique=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    edited_at: Mapped[datetime | None]
    reviewed_at: Mapped[datetime] = mapped_column(default=utcnow)
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    stale_reason: Mapped[str | None] = mapped_column(String(20))
    stale_at: Mapped[datetime | None]
    view_count: Mapped[int] = mapped_column(default=0)
    helpful_yes: Mapped[int] = mapped_column(default=0)
    helpful_no: Mapped[int] = mapped_column(default=0)
    deleted_at: Mapped[datetime | None]
    deleted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    tag: Mapped[Tag | None] = relationship()
    question: Mapped[Question] = relationship(foreign_keys=[question_id])
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    reviewed_by: Mapped[User | None] = relationship(foreign_keys=[reviewed_by_id])
    sources: Mapped[list[FaqSource]] = relationship(back_populates="entry", order_by="FaqSource.question_id")
    credits: Mapped[list[FaqCredit]] = relationship(back_populates="entry", order_by="FaqCredit.answer_id")
    revisions: Mapped[list[FaqRevision]] = relationship(back_populates="entry", order_by="FaqRevision.number")

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None


class FaqSource(db.Model):
    """A thread an entry was curated from; a thread feeds at most one entry."""

    __tablename__ = "faq_sources"

    entry_id: Mapped[int] = mapped_column(ForeignKey("faq_entries.id"), primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("posts.id"), primary_key=True, unique=True)

    entry: Mapped[FaqEntry] = relationship(back_populates="sources")
    question: Mapped[Question] = relationship()


class FaqCredit(db.Model):
    """An answer the entry's text was drawn from: linked on the page, its author credited."""

    __tablename__ = "faq_credits"

    entry_id: Mapped[int] = mapped_column(ForeignKey("faq_entries.id"), primary_key=True)
    answer_id: Mapped[int] = mapped_column(ForeignKey("posts.id"), primary_key=True)

    entry: Mapped[FaqEntry] = relationship(back_populates="credits")
    answer: Mapped[Answer] = relationship()


class FaqRevision(db.Model):
    """One version of an entry; number 1 is the approved original."""

    __tablename__ = "faq_revisions"
    __table_args__ = (UniqueConstraint("entry_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("faq_entries.id"))
    number: Mapped[int]
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    title: Mapped[str] = mapped_column(String(FAQ_TITLE_MAX))
    body: Mapped[str] = mapped_column(Text)
    tag_name: Mapped[str | None] = mapped_column(String(40))
    product_area: Mapped[str] = mapped_column(String(PRODUCT_AREA_MAX), default="")
    summary: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    entry: Mapped[FaqEntry] = relationship(back_populates="revisions")
    author: Mapped[User | None] = relationship()


class FaqSuggestion(db.Model):
    """An edit to an entry proposed by a member, waiting for a moderator (see SuggestedEdit)."""

    __tablename__ = "faq_suggestions"
    __table_args__ = (Index("ix_faq_suggestions_status_created_at", "status", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("faq_entries.id"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    base_revision_id: Mapped[int] = mapped_column(ForeignKey("faq_revisions.id"))
    title: Mapped[str] = mapped_column(String(FAQ_TITLE_MAX))
    body: Mapped[str] = mapped_column(Text)
    summary: Mapped[str] = mapped_column(String(300), default="")
    status: Mapped[str] = mapped_column(String(10), default="pending")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    reviewer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reviewed_at: Mapped[datetime | None]
    review_note: Mapped[str] = mapped_column(String(300), default="")
    revision_id: Mapped[int | None] = mapped_column(ForeignKey("faq_revisions.id"))

    entry: Mapped[FaqEntry] = relationship()
    author: Mapped[User] = relationship(foreign_keys=[author_id])
    reviewer: Mapped[User | None] = relationship(foreign_keys=[reviewer_id])
    base_revision: Mapped[FaqRevision] = relationship(foreign_keys=[base_revision_id])


class FaqVote(db.Model):
    """ "Was this helpful?": one answer per visitor (a signed-in user, else a cookie) and entry."""

    __tablename__ = "faq_votes"

    entry_id: Mapped[int] = mapped_column(ForeignKey("faq_entries.id"), primary_key=True)
    visitor: Mapped[str] = mapped_column(String(VISITOR_MAX), primary_key=True)
    helpful: Mapped[bool]
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class FaqReport(db.Model):
    """A member says an entry no longer works; it goes back to the queue marked stale."""

    __tablename__ = "faq_reports"

    entry_id: Mapped[int] = mapped_column(ForeignKey("faq_entries.id"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    text: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class FaqNomination(db.Model):
    """A member with the flag privilege says a thread belongs in the FAQ."""

    __tablename__ = "faq_nominations"

    question_id: Mapped[int] = mapped_column(ForeignKey("posts.id"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class FaqDecision(db.Model):
    """What a moderator decided about a candidate thread: approved, dismissed or merged.

    A dismissed thread comes back only when its popularity grows well past `popularity`, the
    score it had when dismissed.
    """

    __tablename__ = "faq_decisions"

    question_id: Mapped[int] = mapped_column(ForeignKey("posts.id"), primary_key=True)
    decision: Mapped[str] = mapped_column(String(10))
    reason: Mapped[str] = mapped_column(String(300), default="")
    popularity: Mapped[float] = mapped_column(default=0.0)
    entry_id: Mapped[int | None] = mapped_column(ForeignKey("faq_entries.id"))
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime] = mapped_column(default=utcnow)

    decided_by: Mapped[User | None] = relationship()


class QuestionPopularity(db.Model):
    """A question's popularity score and the numbers it was computed from (forum.faq.popularity)."""

    __tablename__ = "question_popularity"

    question_id: Mapped[int] = mapped_column(ForeignKey("posts.id"), primary_key=True)
    score: Mapped[float] = mapped_column(default=0.0, index=True)
    views: Mapped[int] = mapped_column(default=0)
    followers: Mapped[int] = mapped_column(default=0)
    votes: Mapped[int] = mapped_column(default=0)
    answers: Mapped[int] = mapped_column(default=0)
    search_clicks: Mapped[int] = mapped_column(default=0)
    similar_clicks: Mapped[int] = mapped_column(default=0)
    computed_at: Mapped[datetime] = mapped_column(default=utcnow)


class PageView(db.Model):
    """One visitor's view of a question or FAQ entry on one day (UTC): the deduplicated view log.

    Views are buffered in each worker and written in batches; the primary key drops repeats.
    """

    __tablename__ = "page_views"
    __table_args__ = (Index("ix_page_views_day", "day"),)

    kind: Mapped[str] = mapped_column(String(10), primary_key=True)
    target_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    visitor: Mapped[str] = mapped_column(String(VISITOR_MAX), primary_key=True)


class SearchEvent(db.Model):
    """A search made (kind "search") or a result opened from it (kind "click")."""

    __tablename__ = "search_events"
    __table_args__ = (Index("ix_search_events_kind_created_at", "kind", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))
    visitor: Mapped[str] = mapped_column(String(VISITOR_MAX), index=True)
    query: Mapped[str] = mapped_column(String(200), default="")
    question_id: Mapped[int | None] = mapped_column(ForeignKey("posts.id", ondelete="SET NULL"), index=True)
    faq_entry_id: Mapped[int | None] = mapped_column(ForeignKey("faq_entries.id", ondelete="SET NULL"))
    position: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
