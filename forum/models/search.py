"""The search outbox, and the documents and word list of the PostgreSQL search engine."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, String, Text
from sqlalchemy.dialects.postgresql import TSVECTOR
from sqlalchemy.orm import Mapped, mapped_column

from forum.clock import utcnow
from forum.extensions import db

# tsvector on PostgreSQL; the tables exist (empty) on SQLite so one migration fits both
DOCUMENT_TYPE = Text().with_variant(TSVECTOR(), "postgresql")
WORD_MAX_LENGTH = 40


class SearchOutbox(db.Model):
    """A question whose search entry must be refreshed, written in the transaction that changed it."""

    __tablename__ = "search_outbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    # No foreign key: a row must outlive a hard-deleted question to take it out of the index.
    question_id: Mapped[int] = mapped_column(index=True)
    queued_at: Mapped[datetime] = mapped_column(default=utcnow)


class SearchDocument(db.Model):
    """One visible question as the PostgreSQL engine searches it (weights: A title, B tags, C text)."""

    __tablename__ = "search_documents"
    __table_args__ = (Index("ix_search_documents_document", "document", postgresql_using="gin"),)

    # No foreign key: the drain deletes documents of questions that are gone or hidden.
    question_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    document: Mapped[str] = mapped_column(DOCUMENT_TYPE)
    is_answered: Mapped[bool]
    has_accepted: Mapped[bool]
    has_staff_answer: Mapped[bool]
    is_closed: Mapped[bool]
    is_duplicate: Mapped[bool]
    is_faq: Mapped[bool]
    score: Mapped[int]
    created_at: Mapped[datetime]
    quality: Mapped[float]
    # what was indexed, so `flask search check` can tell a stale document from a current one
    fingerprint: Mapped[str] = mapped_column(String(40))


class SearchWord(db.Model):
    """A word of the questions, for "did you mean" on PostgreSQL (trigram similarity)."""

    __tablename__ = "search_words"
    __table_args__ = (
        Index(
            "ix_search_words_trigram",
            "word",
            postgresql_using="gin",
            postgresql_ops={"word": "gin_trgm_ops"},
        ),
    )

    word: Mapped[str] = mapped_column(String(WORD_MAX_LENGTH), primary_key=True)
    # questions using the word (exact after a rebuild, a lower bound in between)
    frequency: Mapped[int] = mapped_column(default=1)
