"""Suggested edits: members below the edit privilege propose, reviewers approve or reject.

`submit` is what the edit page and the API call: it edits directly when the actor may, and files a
suggestion when the actor may only suggest. A post has at most one suggestion waiting at a time.
An approval applies the suggestion as the post's next revision, credited to its author, and only
when the post has not changed since the suggestion was made.
"""

from __future__ import annotations

from sqlalchemy import Select, func, select
from sqlalchemy.orm import joinedload

from forum import permissions, personal_data
from forum.clock import utcnow
from forum.errors import NotFound, PermissionDenied, RuleViolation
from forum.extensions import db
from forum.models import Post, Question, Revision, User
from forum.models.suggestions import SuggestedEdit
from forum.moderation import audit
from forum.notifications import service as notifications
from forum.questions import service as questions
from forum.questions.tags import parse_tags, tag_errors

REASON_MAX = 300


def post_to_edit(actor: User | None, post_id: int) -> Post:
    """A post the actor may edit or suggest an edit to, or NotFound / PermissionDenied."""
    actor = permissions.require_member(actor)
    post = questions.get_post(post_id, actor)
    if not (permissions.can_edit(actor, post) or permissions.can_suggest_edit(actor, post)):
        raise PermissionDenied("This post cannot be edited.")
    return post


def submit(
    actor: User | None,
    post_id: int,
    body: str,
    title: str | None = None,
    tags: str | list[str] | None = None,
    summary: str = "",
    *,
    confirm_personal_data: bool = False,
) -> Post | SuggestedEdit:
    """Edit the post when the actor may; otherwise suggest the edit for review.

    An edit with personal data needs the editor's confirmation and is then held for a moderator;
    a suggestion may not add personal data to someone else's post at all.
    """
    post = post_to_edit(actor, post_id)
    if permissions.can_edit(actor, post):
        return questions.edit(
            actor,
            post_id,
            body,
            title=title,
            tags=tags,
            summary=summary,
            confirm_personal_data=confirm_personal_data,
        )
    return suggest(actor, post_id, body, title=title, tags=tags, summary=summary)


def _latest_revision_id(post_id: int) -> int:
    return db.session.scalar(
        select(Revision.id).where(Revision.post_id == post_id).order_by(Revision.number.desc()).limit(1)
    )


def suggest(
    actor: User | None,
    post_id: int,
    body: str,
    title: str | None = None,
    tags: str | list[str] | None = None,
    summary: str = "",
) -> SuggestedEdit:
    """File a suggested edit; fields left as None keep the post's current value."""
    actor = permissions.require_member(actor)
    post = questions.get_post(post_id, actor)
    if not permissions.can_suggest_edit(actor, post):
        raise PermissionDenied(
            "You can edit this post directly."
            if permissions.can_edit(actor, post)
            else "This post takes no suggested edits."
        )
    is_question = isinstance(post, Question)
    new_title = None if not is_question else post.title if title is None else title.strip()
    if is_question and not new_title:
        raise RuleViolation("A question needs a title.", {"title": ["This field is required."]})
    new_tags = [] if not is_question else post.tag_names if tags is None else parse_tags(tags)
    errors = tag_errors(new_tags) if is_question else []
    if errors:
        raise RuleViolation(errors[0], {"tags": errors})
    personal_data.check(
        {"title": title.strip() if is_question and title is not None else None, "body": body},
        confirmed=False,
        previous={"title": post.title if is_question else None, "body": post.body},
        can_confirm=False,
    )
    same_heading = not is_question or (new_title == post.title and sorted(new_tags) == post.tag_names)
    if body == post.body and same_heading:
        raise RuleViolation("The suggested edit changes nothing.", {"body": ["Change something first."]})
    waiting = db.session.scalar(
        select(SuggestedEdit.id).where(SuggestedEdit.post_id == post.id, SuggestedEdit.status == "pending")
    )
    if waiting is not None:
        raise RuleViolation(
            "This post already has a suggested edit waiting for review; try again once it is reviewed."
        )
    suggestion = SuggestedEdit(
        post=post,
        author=actor,
        base_revision_id=_latest_revision_id(post.id),
        title=new_title,
        body=body,
        tags=" ".join(sorted(new_tags)) if is_question else None,
        summary=summary.strip(),
    )
    db.session.add(suggestion)
    db.session.commit()
    return suggestion


def get(suggestion_id: int, viewer: User | None) -> SuggestedEdit:
    """A suggested edit its author or a reviewer may see, or NotFound."""
    suggestion = db.session.get(SuggestedEdit, suggestion_id)
    visible = suggestion is not None and (
        permissions.can_review_edits(viewer) or permissions.is_owner(viewer, suggestion)
    )
    if not visible or not permissions.can_view(viewer, suggestion.post):
        raise NotFound("That suggested edit does not exist.")
    return suggestion


def pending() -> Select:
    """Suggested edits waiting for review, oldest first, with what the page shows loaded."""
    return (
        select(SuggestedEdit)
        .where(SuggestedEdit.status == "pending")
        .options(joinedload(SuggestedEdit.author), joinedload(SuggestedEdit.post))
        .order_by(SuggestedEdit.created_at, SuggestedEdit.id)
    )


def pending_count() -> int:
    return db.session.scalar(select(func.count()).where(SuggestedEdit.status == "pending"))


def _locked(actor: User | None, suggestion_id: int) -> tuple[User, SuggestedEdit]:
    """The reviewer and the suggestion, locked against a second reviewer, after the review check."""
    actor = permissions.require_member(actor)
    suggestion = db.session.scalars(
        select(SuggestedEdit)
        .where(SuggestedEdit.id == suggestion_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one_or_none()
    if suggestion is None or not permissions.can_view(actor, suggestion.post):
        raise NotFound("That suggested edit does not exist.")
    refusal = permissions.review_refusal(actor, suggestion)
    if refusal is not None:
        raise refusal
    return actor, suggestion


def _close(suggestion: SuggestedEdit, reviewer: User, status: str, note: str) -> None:
    note = (note or "").strip()
    if len(note) > REASON_MAX:
        message = f"Keep the reason to {REASON_MAX} characters."
        raise RuleViolation(message, {"reason": [message]})
    suggestion.status = status
    suggestion.reviewer = reviewer
    suggestion.reviewed_at = utcnow()
    suggestion.review_note = note


def approve(actor: User | None, suggestion_id: int) -> SuggestedEdit:
    """Apply the suggestion as the post's next revision, credited to the member who suggested it."""
    reviewer, suggestion = _locked(actor, suggestion_id)
    post = suggestion.post
    if post.is_deleted:
        raise RuleViolation("The post was deleted; reject the suggestion instead.")
    if _latest_revision_id(post.id) != suggestion.base_revision_id:
        raise RuleViolation(
            "The post changed after this edit was suggested, so approving it would undo the newer "
            "version. Reject it; its author can suggest again on the current version."
        )
    summary = f"{suggestion.summary} (suggested edit, approved by {reviewer.username})".strip()
    revision = questions.apply_edit(
        post, suggestion.author, suggestion.body, suggestion.title, suggestion.tags, summary[-300:]
    )
    suggestion.revision = revision
    _close(suggestion, reviewer, "approved", "")
    if permissions.can_moderate(reviewer):
        audit.record(reviewer, "suggestion.approve", "suggestion", suggestion.id, after={"post_id": post.id})
    notifications.suggestion_reviewed(suggestion)
    db.session.commit()
    return suggestion


def reject(actor: User | None, suggestion_id: int, reason: str = "") -> SuggestedEdit:
    """Turn the suggestion down, with a reason its author can read."""
    reviewer, suggestion = _locked(actor, suggestion_id)
    _close(suggestion, reviewer, "rejected", reason)
    if permissions.can_moderate(reviewer):
        audit.record(reviewer, "suggestion.reject", "suggestion", suggestion.id, reason)
    notifications.suggestion_reviewed(suggestion)
    db.session.commit()
    return suggestion
