"""Who may do what: one function per action, asked by views, the API and templates alike."""

from __future__ import annotations

from typing import TYPE_CHECKING

from forum import privileges
from forum.errors import DomainError, PermissionDenied, RuleViolation

if TYPE_CHECKING:
    from forum.models import Answer, Comment, Post, Question, User
    from forum.models.suggestions import SuggestedEdit


def _is_member(user: User | None) -> bool:
    """A signed-in account (anonymous visitors are None or Flask-Login's anonymous user)."""
    return user is not None and getattr(user, "is_authenticated", False)


def is_member(user: User | None) -> bool:
    """Signed in: reading one's own inbox, ledger and settings needs no more, even when suspended."""
    return _is_member(user)


def can_post(user: User | None) -> bool:
    """Ask, answer, comment, vote, flag, edit: members who are not suspended."""
    return _is_member(user) and not user.is_suspended


def write_refusal(user: User | None) -> PermissionDenied | None:
    """Why the user may not ask, answer, comment, vote, flag or edit at all; None if they may."""
    if not _is_member(user):
        return PermissionDenied("Sign in to take part.")
    return suspension_refusal(user)


def plain(user: User | None) -> User | None:
    """The user itself, not Flask-Login's proxy: safe to add to the session or to store on a row."""
    return user._get_current_object() if hasattr(user, "_get_current_object") else user


def require_member(actor: User | None) -> User:
    """The member who may write, itself (not Flask-Login's proxy); else the refusal is raised."""
    refusal = write_refusal(actor)
    if refusal is not None:
        raise refusal
    return plain(actor)


def suspension_refusal(user: User | None) -> PermissionDenied | None:
    """Why a suspended member may not write, with the reason and the end date; None otherwise."""
    if not _is_member(user) or not user.is_suspended:
        return None
    until = user.suspended_until.strftime("%-d %b %Y, %H:%M UTC")
    return PermissionDenied(f"Your account is suspended until {until}: {user.suspension_reason}")


def is_owner(user: User | None, thing: Post | Comment) -> bool:
    """The signed-in user wrote it."""
    return _is_member(user) and thing.author_id == user.id


def can_moderate(user: User | None) -> bool:
    """Moderators and admins."""
    return _is_member(user) and user.is_moderator


def can_manage_roles(user: User | None) -> bool:
    """Admins grant roles and experts' topics."""
    return _is_member(user) and user.has_role("admin")


def can_view(user: User | None, post: Post) -> bool:
    """Deleted posts (hidden ones too) stay visible to moderators and to their author."""
    return not post.is_deleted or can_moderate(user) or is_owner(user, post)


# Moderation


def can_suspend(user: User | None) -> bool:
    """Moderators and admins suspend members."""
    return can_moderate(user)


def can_lift_suspension(user: User | None) -> bool:
    """Admins lift a suspension early."""
    return _is_member(user) and user.has_role("admin")


def can_change_thread(user: User | None, question: Question) -> bool:
    """Close, reopen, lock, unlock, pin and unpin a question: moderators, on live questions."""
    return can_moderate(user) and not question.is_deleted


def close_vote_refusal(user: User | None, question: Question) -> DomainError | None:
    """Why the user may not vote to close the question; None if they may (moderators close outright)."""
    if not _is_member(user):
        return PermissionDenied("Sign in to vote to close.")
    if question.is_deleted:
        return RuleViolation("A deleted question cannot be closed.")
    if (question.status or "open") != "open":
        return RuleViolation(f"This question is already {question.status}.")
    return privileges.refusal(user, "vote_to_close")


def can_vote_to_close(user: User | None, question: Question) -> bool:
    """Members with the vote-to-close privilege, on open questions."""
    return close_vote_refusal(user, question) is None


def can_merge_tags(user: User | None) -> bool:
    """Moderators merge one tag into another."""
    return can_moderate(user)


def flag_refusal(user: User | None, post: Post) -> DomainError | None:
    """Why the user may not flag the post; None if they may."""
    if not _is_member(user):
        return PermissionDenied("Sign in to flag posts.")
    if is_owner(user, post):
        return PermissionDenied("You cannot flag your own post.")
    if post.is_deleted:
        return RuleViolation("Deleted posts take no flags.")
    return privileges.refusal(user, "flag")


def can_flag(user: User | None, post: Post) -> bool:
    """Members with the flag privilege flag other people's live posts."""
    return flag_refusal(user, post) is None


def can_review_personal_data(user: User | None) -> bool:
    """Release or redact posts and comments held for personal data: moderators and admins."""
    return can_moderate(user)


def can_review_flags(user: User | None) -> bool:
    """The moderation queue and the audit log: moderators and admins."""
    return can_moderate(user)


def can_edit(user: User | None, post: Post) -> bool:
    """Authors edit their own posts; moderators, admins and users with the privilege edit any."""
    return can_view(user, post) and (
        is_owner(user, post) or can_moderate(user) or privileges.has_privilege(user, "edit_others")
    )


def can_suggest_edit(user: User | None, post: Post) -> bool:
    """Members who may not edit a live post directly suggest an edit for review instead."""
    return (
        _is_member(user)
        and not post.is_deleted
        and not _question_of(post).is_deleted
        and _question_of(post).status != "locked"
        and not can_edit(user, post)
    )


def can_review_edits(user: User | None) -> bool:
    """Moderators and users with the edit privilege approve or reject suggested edits."""
    return can_moderate(user) or privileges.has_privilege(user, "edit_others")


def review_refusal(user: User | None, suggestion: SuggestedEdit) -> DomainError | None:
    """Why the user may not review the suggested edit; None if they may."""
    if not can_review_edits(user):
        return privileges.refusal(user, "edit_others") or PermissionDenied("Only reviewers review edits.")
    if suggestion.author_id == user.id:
        return PermissionDenied("You cannot review your own suggested edit.")
    if not suggestion.is_pending:
        return RuleViolation(f"This suggested edit was already {suggestion.status}.")
    return None


def can_delete(user: User | None, post: Post) -> bool:
    """Authors and moderators soft-delete a post."""
    return not post.is_deleted and (is_owner(user, post) or can_moderate(user))


def can_undelete(user: User | None, post: Post) -> bool:
    """Moderators restore any deleted post; authors restore what they deleted themselves."""
    if not post.is_deleted or post.is_held_for_personal_data:  # released or redacted, not undeleted
        return False
    return can_moderate(user) or (is_owner(user, post) and post.deleted_by_id == user.id)


def can_delete_comment(user: User | None, comment: Comment) -> bool:
    """Authors and moderators soft-delete a comment."""
    return not comment.is_deleted and (is_owner(user, comment) or can_moderate(user))


def can_view_history(user: User | None, post: Post) -> bool:
    """Anyone who can see a post can see how it changed."""
    return can_view(user, post)


# The FAQ


def can_curate_faq(user: User | None) -> bool:
    """The FAQ candidate queue: approve, dismiss, merge; edit, review and retire entries."""
    return can_moderate(user)


def faq_nomination_refusal(user: User | None, question: Question) -> DomainError | None:
    """Why the user may not say a thread belongs in the FAQ (the flag privilege), or None."""
    refusal = write_refusal(user) or privileges.refusal(user, "flag")
    if refusal is not None:
        return refusal
    if question.is_deleted:
        return RuleViolation("This question has been deleted.")
    return None


def can_nominate_faq(user: User | None, question: Question) -> bool:
    return faq_nomination_refusal(user, question) is None


def can_report_faq(user: User | None) -> bool:
    """Say an FAQ entry no longer works: members with the flag privilege."""
    return write_refusal(user) is None and privileges.has_privilege(user, "flag")


def can_suggest_faq_edit(user: User | None) -> bool:
    """Members with enough reputation propose edits to FAQ entries; moderators edit directly."""
    return (
        write_refusal(user) is None
        and not can_curate_faq(user)
        and privileges.has_privilege(user, "suggest_faq_edits")
    )


def has_privilege(user: User | None, name: str) -> bool:
    """Whether reputation or role grants a privilege from the table in forum/privileges.py."""
    return privileges.has_privilege(user, name)


def threshold(name: str) -> int:
    """The reputation a privilege needs, for pages that explain it."""
    return privileges.threshold(name)


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


# Private follow-ups (forum/followups): a staff expert and a question's asker talk privately;
# moderators read along without posting. Anyone else may not even learn which ones exist.

if TYPE_CHECKING:
    from forum.models.followups import PrivateFollowup


def followup_open_refusal(user: User | None, question: Question) -> DomainError | None:
    """Why the user may not open a private follow-up with the question's asker; None if they may."""
    if not _is_member(user):
        return PermissionDenied("Sign in to follow up with an asker.")
    if not user.is_staff:
        return PermissionDenied("Only staff experts follow up privately with askers.")
    if question.is_deleted:
        return RuleViolation("This question has been deleted; it takes no private follow-up.")
    if question.status == "locked":
        return RuleViolation("This thread is locked; it takes no private follow-up.")
    if question.author_id is None:
        return RuleViolation(
            "This question's asker has no account here (it was imported), "
            "so there is nobody to follow up with."
        )
    if question.author_id == user.id:
        return RuleViolation(
            "You asked this question yourself; follow up privately on other members' questions."
        )
    return None


def can_open_followup(user: User | None, question: Question) -> bool:
    """Staff experts open a private follow-up with the asker of a live question (not their own)."""
    return followup_open_refusal(user, question) is None


def is_followup_party(user: User | None, followup: PrivateFollowup) -> bool:
    """The asker, or the expert who opened it (while they are still staff)."""
    return _is_member(user) and (
        user.id == followup.asker_id or (user.id == followup.expert_id and user.is_staff)
    )


def can_read_followup(user: User | None, followup: PrivateFollowup) -> bool:
    """The two parties and moderators, as long as they can see the question."""
    return (is_followup_party(user, followup) or can_moderate(user)) and can_view(user, followup.question)


def followup_message_refusal(user: User | None, followup: PrivateFollowup) -> DomainError | None:
    """Why the user may not write in a follow-up they can read; None if they may."""
    if not can_post(user):
        return PermissionDenied("Sign in to take part.")
    if not is_followup_party(user, followup):
        return PermissionDenied("Moderators read private follow-ups but do not post in them.")
    if not followup.is_open:
        return RuleViolation("This follow-up is closed; it takes no new messages.")
    if followup.question.is_deleted:
        return RuleViolation("The question has been deleted; its follow-up takes no new messages.")
    return None


def can_post_followup_message(user: User | None, followup: PrivateFollowup) -> bool:
    """The two parties write while the follow-up is open and the question is not deleted."""
    return followup_message_refusal(user, followup) is None


def followup_resolve_refusal(user: User | None, followup: PrivateFollowup) -> DomainError | None:
    """Why the user may not post the follow-up's resolution publicly; None if they may."""
    if not (is_followup_party(user, followup) and user.id == followup.expert_id):
        return PermissionDenied("Only the expert who opened this follow-up posts its resolution.")
    if not followup.is_open:
        return RuleViolation("This follow-up is closed; its resolution was posted already.")
    return None


def can_resolve_followup(user: User | None, followup: PrivateFollowup) -> bool:
    """The expert who opened an open follow-up posts the public answer that closes it."""
    return followup_resolve_refusal(user, followup) is None
