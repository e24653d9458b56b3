"""Looking up members for public pages."""

from forum.errors import NotFound
from forum.extensions import db
from forum.models import User


def get_user(user_id: int) -> User:
    """The user with this id, or NotFound."""
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound("No such user.")
    return user
