"""Indexes the dashboard's aggregates read (migration 0011_dashboard creates them).

They belong with their tables' models; they are declared here, next to the queries that need
them, so the dashboard could land without touching model modules being edited at the same
time. Importing this module (forum.dashboard.figures does) adds them to the metadata, so
Alembic and tests/test_migrations.py see them whenever the app is built.
"""

from sqlalchemy import Index

from forum.models import Post, User
from forum.models.reputation import ReputationEvent

# Posts of a date range with what the figures read of them, so a range is read from the index
# alone (SQLite would otherwise fetch every row, bodies and all, one page at a time; with id,
# PostgreSQL can too, as SQLite does through its rowid)
POSTS_BY_TIME = Index(
    "ix_posts_type_created_at_deleted_at",
    *(
        Post.__table__.c[name]
        for name in (
            "type",
            "created_at",
            "deleted_at",
            "author_id",
            "question_id",
            "accepted_answer_id",
            "status",
            "id",
        )
    ),
)
# A question's visible answers, their times and authors from the index alone: first answers,
# the backlog's "no answer by anyone else", an expert's own answers
ANSWERS_BY_QUESTION = Index(
    "ix_posts_question_id_deleted_at_created_at",
    *(Post.__table__.c[name] for name in ("question_id", "deleted_at", "created_at", "author_id")),
)
# reputation earned in a date range, for every user at once (post_id for the tag)
REPUTATION_BY_TIME = Index(
    "ix_reputation_events_created_at",
    *(ReputationEvent.__table__.c[name] for name in ("created_at", "user_id", "delta", "post_id")),
)
# new members per day
USERS_BY_JOINING = Index("ix_users_created_at", User.__table__.c.created_at)
