"""Who may do what: one function per action, asked by views, the API and templates alike."""

from __future__ import annotations

from typing import TYPE_CHECKING

from forum import privileges
from forum.errors import DomainError, PermissionDenied, RuleViolation

if TYPE_CHECKING:
    from forum.models import Answer, Comment, Post, Question, User


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
    """Authors edit their own posts; moderators, admins and users with the privilege edit any."""
    return can_view(user, post) and (
        is_owner(user, post) or can_moderate(user) or privileges.has_privilege(user, "edit_others")
    )


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


def has_privilege(user: User | None, name: str) -> bool:
    """Whether reputation or role grants a privilege from the table in forum/privileges.py."""
    return privileges.has_privilege(user, name)


def privilege_table(user: User | None) -> list[tuple[str, str, int, bool]]:
    """Every privilege with its threshold and whether the user holds it."""
    return privileges.table(user)


def _question_of(post: Post) -> Question:
    """The question a post belongs to (itself, for a question)."""
    return post.question if post.type == "answer" else post


def vote_refusal(user: User | None, post: Post, value: int) -> DomainError | None:
    """Why the user may not cast (1 up, -1 down) or retract (0) a vote on the post; None if they may."""
    if not _is_member(user):
        return PermissionDenied("Sign in to vote.")
    if is_owner(user, post):
        return PermissionDenied("You cannot vote on your own post.")
    question = _question_of(post)
    if post.is_deleted or question.is_deleted:
        return RuleViolation("Deleted posts take no votes.")
    if question.status == "locked":
        return RuleViolation("This thread is locked; it takes no votes.")
    if value:
        return privileges.refusal(user, "vote_up" if value > 0 else "vote_down")
    return None


def can_vote(user: User | None, post: Post, value: int = 1) -> bool:
    """Cast (1 up, -1 down) or retract (0) a vote: not on your own, deleted or locked posts."""
    return vote_refusal(user, post, value) is None


def accept_refusal(user: User | None, question: Question, answer: Answer | None = None) -> DomainError | None:
    """Why the user may not accept `answer` (None: unaccept) on the question; None if they may."""
    if not _is_member(user):
        return PermissionDenied("Sign in to accept an answer.")
    if not (is_owner(user, question) or user.is_staff):
        return PermissionDenied("Only the asker, a staff expert or a moderator can accept an answer.")
    if question.is_deleted:
        return RuleViolation("A deleted question takes no accepted answer.")
    if question.status == "locked":
        return RuleViolation("This thread is locked; its accepted answer cannot change.")
    if answer is not None and answer.question_id != question.id:
        return RuleViolation("That answer belongs to another question.", {"answer_id": ["Not here."]})
    if answer is not None and answer.is_deleted:
        return RuleViolation("A deleted answer cannot be accepted.", {"answer_id": ["Deleted."]})
    return None


def can_accept(user: User | None, question: Question, answer: Answer | None = None) -> bool:
    """The asker, staff experts and moderators choose the accepted answer of an open thread."""
    return accept_refusal(user, question, answer) is None


def comment_refusal(user: User | None, post: Post) -> DomainError | None:
    """Why the user may not comment on the post; None if they may.

    Everyone comments on their own posts and on answers to their own questions; commenting on
    other people's posts needs the comment-everywhere privilege.
    """
    if not _is_member(user):
        return PermissionDenied("Sign in to comment.")
    question = _question_of(post)
    if post.is_deleted or question.is_deleted:
        return RuleViolation("Deleted posts take no new comments.")
    if question.status == "locked":
        return RuleViolation("This thread is locked; it takes no new comments.")
    if is_owner(user, post) or is_owner(user, question):
        return None
    return privileges.refusal(user, "comment_everywhere")


def can_comment(user: User | None, post: Post) -> bool:
    """Comment: on your own posts and answers to your questions, elsewhere with the privilege."""
    return comment_refusal(user, post) is None


def can_mark_official(user: User | None, question: Question) -> bool:
    """Staff experts and moderators mark one answer of a live thread as the official one."""
    return _is_member(user) and user.is_staff and not question.is_deleted and question.status != "locked"


def can_use_expert_queue(user: User | None) -> bool:
    """The expert queue, claims: staff experts, moderators and admins."""
    return _is_member(user) and user.is_staff


def can_assign_expert(user: User | None) -> bool:
    """Moderators and admins hand a question to a named expert."""
    return can_moderate(user)


def can_view_dashboard(user: User | None) -> bool:
    """The support dashboard: staff experts see their own figures, moderators and admins all."""
    return _is_member(user) and user.is_staff
