"""Flags and the review queue.

Members with the flag privilege flag a post once each. FLAG_HIDE_COUNT spam or abuse flags from
different members hide it (soft-deleted, with no deleting user) until a moderator looks. The queue
shows open flags grouped by post, oldest first; a moderator's decision resolves every open flag
on the post at once, and each flagger is told the outcome.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from forum import permissions
from forum.clock import utcnow
from forum.errors import PermissionDenied, RuleViolation
from forum.extensions import db
from forum.models import Post, Question, User
from forum.models.moderation import FLAG_REASONS, HIDING_REASONS, Flag, Suspension
from forum.moderation import audit
from forum.moderation.threads import CLOSE_REASONS, _id_in
from forum.notifications import service as notifications
from forum.pagination import page_number
from forum.questions import service as questions

TEXT_MAX = 500
REASON_LABELS: dict[str, str] = {
    "spam": "Spam",
    "rude": "Rude or abusive",
    "off-topic": "Off-topic",
    "needs-expert": "Needs an expert",
    "duplicate": "Duplicate of another question",
    "other": "Something else",
}
QUEUE_PAGE_SIZE = 20


class AlreadyFlagged(RuleViolation):
    """One flag per member and post."""

    status = 409


def flag(actor: User | None, post_id: int, reason: Any, text: Any = "", duplicate_of: Any = None) -> Flag:
    """Flag a post for the moderators; spam and abuse flags may hide it."""
    post = questions.get_post(post_id, actor)
    refusal = permissions.flag_refusal(actor, post)
    if refusal is not None:
        raise refusal
    actor = permissions.plain(actor)
    if reason not in FLAG_REASONS:
        message = f"Choose one of: {', '.join(FLAG_REASONS)}."
        raise RuleViolation(f"The reason is not valid. {message}", {"reason": [message]})
    text = text.strip() if isinstance(text, str) else ""
    if len(text) > TEXT_MAX:
        raise RuleViolation(
            f"Keep it to {TEXT_MAX} characters.", {"text": [f"At most {TEXT_MAX} characters."]}
        )
    if reason == "other" and not text:
        raise RuleViolation("Say what is wrong.", {"text": ["Say what is wrong."]})
    original = _duplicate_target(actor, post, duplicate_of) if reason == "duplicate" else None
    new_flag = Flag(post=post, user=actor, reason=reason, text=text, duplicate_of=original)
    try:
        with db.session.begin_nested():
            db.session.add(new_flag)
    except IntegrityError:
        raise AlreadyFlagged("You already flagged this post; a moderator will look at it.") from None
    if reason in HIDING_REASONS and not post.is_deleted and _hiding_flags(post.id) >= hide_count():
        questions.set_deleted(post, None, True, hide=True)
        audit.record(None, "post.hide", "post", post.id, f"{hide_count()} spam or abuse flags")
    db.session.commit()
    return new_flag


def hide_count() -> int:
    return int(current_app.config.get("FLAG_HIDE_COUNT", 6))


def _hiding_flags(post_id: int) -> int:
    return db.session.scalar(
        select(func.count(Flag.user_id.distinct())).where(
            Flag.post_id == post_id, Flag.status == "open", Flag.reason.in_(HIDING_REASONS)
        )
    )


def _duplicate_target(actor: User, post: Post, duplicate_of: Any) -> Question:
    if not isinstance(post, Question):
        raise RuleViolation("Only questions are duplicates; flag an answer for another reason.")
    if isinstance(duplicate_of, str):
        duplicate_of = _id_in(duplicate_of.strip())
    message = "The original question's id or address."
    if type(duplicate_of) is not int or duplicate_of == post.id:
        raise RuleViolation(f"Say which question this duplicates. {message}", {"duplicate_of": [message]})
    return questions.get_question(duplicate_of, actor)


@dataclass
class QueueItem:
    """One flagged post with its open flags and its author's record."""

    post: Post
    flags: list[Flag]
    author_posts: int
    author_deleted_posts: int
    author_flags_upheld: int
    author_suspensions: int

    @property
    def question(self) -> Question:
        return self.post if isinstance(self.post, Question) else self.post.question


@dataclass
class Queue:
    items: list[QueueItem]
    page: int
    pages: int
    total: int


def queue(viewer: User | None) -> Queue:
    """Posts with open flags, oldest flag first, a page at a time."""
    if not permissions.can_review_flags(viewer):
        raise PermissionDenied("Only moderators and admins review flags.")
    page = page_number()
    oldest = func.min(Flag.created_at)
    posts = (
        select(Flag.post_id, oldest.label("oldest"))
        .where(Flag.status == "open")
        .group_by(Flag.post_id)
        .order_by(oldest, Flag.post_id)
    )
    total = db.session.scalar(select(func.count()).select_from(posts.subquery()))
    post_ids = list(db.session.scalars(posts.limit(QUEUE_PAGE_SIZE).offset((page - 1) * QUEUE_PAGE_SIZE)))
    by_post: dict[int, list[Flag]] = {post_id: [] for post_id in post_ids}
    for open_flag in db.session.scalars(
        select(Flag)
        .where(Flag.post_id.in_(post_ids), Flag.status == "open")
        .options(joinedload(Flag.user), joinedload(Flag.post))
        .order_by(Flag.created_at, Flag.id)
    ):
        by_post[open_flag.post_id].append(open_flag)
    authors = {flags[0].post.author_id for flags in by_post.values() if flags and flags[0].post.author_id}
    records = _author_records(authors)
    items = [
        QueueItem(flags[0].post, flags, *records.get(flags[0].post.author_id, (0, 0, 0, 0)))
        for flags in by_post.values()
        if flags
    ]
    return Queue(items=items, page=page, pages=max(1, -(-total // QUEUE_PAGE_SIZE)), total=total)


def _pairs(query) -> dict[int, int]:
    """{key: count} from a two-column aggregate."""
    return {key: count for key, count in db.session.execute(query)}


def _author_records(author_ids: set[int]) -> dict[int, tuple[int, int, int, int]]:
    """Per author: posts, deleted posts, upheld flags against them, suspensions (four queries)."""
    if not author_ids:
        return {}
    ids = list(author_ids)
    posts = _pairs(
        select(Post.author_id, func.count()).where(Post.author_id.in_(ids)).group_by(Post.author_id)
    )
    deleted = _pairs(
        select(Post.author_id, func.count())
        .where(Post.author_id.in_(ids), Post.deleted_at.is_not(None))
        .group_by(Post.author_id)
    )
    upheld = _pairs(
        select(Post.author_id, func.count(Flag.id))
        .join(Flag, Flag.post_id == Post.id)
        .where(Post.author_id.in_(ids), Flag.status == "actioned")
        .group_by(Post.author_id)
    )
    suspended = _pairs(
        select(Suspension.user_id, func.count())
        .where(Suspension.user_id.in_(ids))
        .group_by(Suspension.user_id)
    )
    return {
        author: (
            posts.get(author, 0),
            deleted.get(author, 0),
            upheld.get(author, 0),
            suspended.get(author, 0),
        )
        for author in ids
    }


def open_flags(post_id: int) -> list[Flag]:
    return list(db.session.scalars(select(Flag).where(Flag.post_id == post_id, Flag.status == "open")))


def resolve(actor: User, post_id: int, status: str, outcome: str) -> list[Flag]:
    """Close every open flag on the post as dismissed or actioned; the caller commits.

    Each flagger hears the outcome in their inbox.
    """
    flags = open_flags(post_id)
    now = utcnow()
    for open_flag in flags:
        open_flag.status, open_flag.resolved_by, open_flag.resolved_at = status, actor, now
        open_flag.outcome = outcome[:300]
    if flags:
        audit.record(
            actor,
            "flag.dismiss" if status == "dismissed" else "flag.action",
            "post",
            post_id,
            outcome,
            after={"flags": len(flags), "reasons": sorted({f.reason for f in flags})},
        )
        _tell_flaggers(flags, outcome)
    return flags


def _tell_flaggers(flags: list[Flag], outcome: str) -> None:
    """Each flagger learns in their inbox what became of their flag."""
    for resolved in flags:
        notifications.flag_resolved(resolved, outcome)


MODERATOR_ACTIONS = ("dismiss", "release", "delete", "close", "duplicate", "lock", "warn", "suspend")


def decide(actor: User | None, post_id: int, action: Any, reason: Any = "", **details: Any) -> Post:
    """A moderator's decision on a flagged post, from the review queue (or the API)."""
    if not permissions.can_review_flags(actor):
        raise PermissionDenied("Only moderators and admins review flags.")
    actor = permissions.plain(actor)
    post = questions.get_post(post_id, actor)
    reason = reason.strip() if isinstance(reason, str) else ""
    question = post if isinstance(post, Question) else post.question
    if post.is_held_for_personal_data and action in ("dismiss", "release"):
        # releasing it here would publish the personal data; the personal data queue decides
        raise RuleViolation("This post is held for personal data: release or redact it from its queue.")
    if action == "dismiss":
        if post.is_hidden:
            questions.set_deleted(post, None, False)
            audit.record(actor, "post.unhide", "post", post.id, reason)
        resolve(actor, post.id, "dismissed", reason or "A moderator looked and left the post as it is.")
    elif action == "release":
        if not post.is_hidden:
            raise RuleViolation("This post is not hidden.")
        questions.set_deleted(post, None, False)
        audit.record(actor, "post.unhide", "post", post.id, reason)
        resolve(actor, post.id, "dismissed", reason or "A moderator released the post.")
    elif action == "delete":
        was_hidden = post.is_hidden
        if was_hidden:
            post.hidden_at, post.hold_reason, post.deleted_by_id = None, None, actor.id
        else:
            questions.set_deleted(post, actor, True)
        audit.record(actor, "post.delete", "post", post.id, reason)
        resolve(actor, post.id, "actioned", "A moderator deleted the post.")
    elif action in ("close", "duplicate", "lock"):
        from forum.moderation import threads

        if action == "lock":
            threads.lock(actor, question.id, reason)
        else:
            close_reason = "duplicate" if action == "duplicate" else details.get("close_reason")
            if close_reason not in CLOSE_REASONS:
                close_reason = "off-topic"
            threads.close(actor, question.id, close_reason, details.get("duplicate_of"), reason)
        resolve(
            actor,
            post.id,
            "actioned",
            f"A moderator {'locked' if action == 'lock' else 'closed'} the thread.",
        )
    elif action in ("warn", "suspend"):
        if post.author is None:
            raise RuleViolation("This post has no author account to warn or suspend.")
        if action == "suspend":
            from forum.moderation import suspensions

            suspensions.suspend(actor, post.author_id, details.get("days"), reason)
        else:
            if not reason:
                raise RuleViolation("Say what the warning is about.", {"reason": ["The author reads it."]})
            audit.record(actor, "user.warn", "user", post.author_id, reason, after={"post_id": post.id})
            notifications.warned(post, reason)
        resolve(actor, post.id, "actioned", "A moderator contacted the author.")
    else:
        message = f"Choose one of: {', '.join(MODERATOR_ACTIONS)}."
        raise RuleViolation(f"Unknown action. {message}", {"action": [message]})
    db.session.commit()
    return post


def flag_counts(post_ids: list[int]) -> dict[int, int]:
    """Open flags per post, for moderators' view of a thread (one query)."""
    if not post_ids:
        return {}
    return _pairs(
        select(Flag.post_id, func.count())
        .where(Flag.post_id.in_(post_ids), Flag.status == "open")
        .group_by(Flag.post_id)
    )
