"""SQLAlchemy models, one module per aggregate."""

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
