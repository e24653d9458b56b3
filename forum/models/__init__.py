"""SQLAlchemy models, one module per aggregate.

Every model module is imported here so the metadata (and so Alembic) sees all tables.
"""

from forum.models import (  # noqa: F401
    caching,
    experts,
    faq,
    followups,
    imports,
    moderation,
    notifications,
    reputation,
    search,
    suggestions,
)
from forum.models.posts import Answer, Comment, Post, Question, Revision, Tag, question_tags
from forum.models.users import ROLES, ApiToken, User

__all__ = [
    "ROLES",
    "Answer",
    "ApiToken",
    "Comment",
    "Post",
    "Question",
    "Revision",
    "Tag",
    "User",
    "question_tags",
]
