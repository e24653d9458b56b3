"""The search outbox, the documents and word list of the PostgreSQL engine, and similar-question events."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, text
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
    # Ids never reused (SQLite reuses the highest rowid once it is deleted): a drain deletes the
    # rows it read by id, and must never delete one queued since under a reused id.
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(primary_key=True)
    # No foreign key: a row must outlive a hard-deleted question to take it out of the index.
    question_id: Mapped[int] = mapped_column(index=True)
    queued_at: Mapped[datetime] = mapped_column(default=utcnow)


class SearchDocument(db.Model):
    """One visible question as the PostgreSQL engine searches it (weights: A title, B tags, C text)."""

    __tablename__ = "search_documents"
    __table_args__ = (
        # a small pending list (migration 0020): merging one into the index holds up a write
        Index(
            "ix_search_documents_document",
            "document",
            postgresql_using="gin",
            postgresql_with={"gin_pending_list_limit": 256},
        ),
        # the orders a search takes its candidates in (read backwards: best, newest, top voted)
        Index("ix_search_documents_quality", "quality", "created_at", "question_id"),
        Index("ix_search_documents_created_at", "created_at", "question_id"),
        Index("ix_search_documents_score", "score", "created_at", "question_id"),
        # the FAQ entries alone (a few), for the search that puts matching entries first
        Index(
            "ix_search_documents_faq",
            "quality",
            "created_at",
            "question_id",
            postgresql_where=text("is_faq"),
            sqlite_where=text("is_faq"),
        ),
    )

    # No foreign key: the drain deletes documents of questions that are gone or hidden.
    question_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    # kept in the row on PostgreSQL (STORAGE MAIN, migration 0021): a search reads thousands;
    # its statistics keep 10x the most common lexemes, similar()'s frequencies (migration 0022)
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


class SearchTerms(db.Model):
    """The lexemes of a search document's title and tags alone (no positions), for similar() on PostgreSQL.

    similar() finds candidates through GIN indexes, and a bitmap heap scan visits the row of
    every match: a row of search_documents is its whole document (7 kB on average at a million
    posts, kept in the row for search: migration 0021), one of these about 150 bytes, 50 a page,
    and a word is in far fewer titles than documents. Written with its document, in the same
    statement (migration 0023).
    """

    __tablename__ = "search_terms"
    __table_args__ = (
        Index(
            "ix_search_terms_lexemes",
            "lexemes",
            postgresql_using="gin",
            postgresql_with={"gin_pending_list_limit": 256},
        ),
    )

    question_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    lexemes: Mapped[str] = mapped_column(DOCUMENT_TYPE)


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


SIMILAR_EVENT_KINDS = ("suggestion_opened", "posted_anyway", "deflected")
ASK_TOKEN_MAX = 64


class SimilarEvent(db.Model):
    """What an asker did with the similar questions the ask page showed (see forum.search.deflection).

    Events of one visit to the ask page share its `ask_token`: a suggestion opened under a token
    that never posts is a deflection (the asker found the answer instead of asking again).
    """

    __tablename__ = "similar_events"
    __table_args__ = (Index("ix_similar_events_kind_created_at", "kind", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # suggestion_opened, posted_anyway or deflected
    kind: Mapped[str] = mapped_column(String(20))
    # the suggestion opened, or the question posted (None for deflected)
    question_id: Mapped[int | None] = mapped_column(ForeignKey("posts.id", ondelete="SET NULL"))
    ask_token: Mapped[str] = mapped_column(String(ASK_TOKEN_MAX), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
