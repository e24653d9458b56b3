"""Who may do what: one function per action, asked by views, the API and templates alike."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from forum.models import Comment, Post, User


def _is_member(user: User | None) -> bool:
    """A signed-in account (anonymous visitors are None or Flask-Login's anonymous user)."""
    return user is not None and getattr(user, "is_authenticated", False)


def can_post(user: User | None) -> bool:
    """Ask, answer and comment."""
    return _is_member(user)


def is_owner(user: User | None, thing: Post | Comment) -> bool:
    """The signed-in user wrote it."""
    return _is_member(user) and thing.author_id == user.id


def can_moderate(user: User | None) -> bool:
    """Moderators and admins."""
    return _is_member(user) and user.is_moderator


def can_view(user: User | None, post: Post) -> bool:
    """Deleted posts stay visible to moderators and to their author (who may undelete)."""
    return not post.is_deleted or can_moderate(user) or is_owner(user, post)


def can_edit(user: User | None, post: Post) -> bool:
    """Authors edit their own posts; moderators and admins edit any."""
    return can_view(user, post) and (is_owner(user, post) or can_moderate(user))


def can_delete(user: User | None, post: Post) -> bool:
    """Authors and moderators soft-delete a post."""
    return not post.is_deleted and (is_owner(user, post) or can_moderate(user))


def can_undelete(user: User | None, post: Post) -> bool:
    """Moderators restore any deleted post; authors restore what they deleted themselves."""
    if not post.is_deleted:
        return False
    return can_moderate(user) or (is_owner(user, post) and post.deleted_by_id == user.id)


def can_delete_comment(user: User | None, comment: Comment) -> bool:
    """Authors and moderators soft-delete a comment."""
    return not comment.is_deleted and (is_owner(user, comment) or can_moderate(user))


def can_view_history(user: User | None, post: Post) -> bool:
    """Anyone who can see a post can see how it changed."""
    return can_view(user, post)
