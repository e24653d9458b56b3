"""Posts and comments held for personal data: the moderators' queue, release and redaction.

An author who publishes personal data anyway (forum/personal_data.py) has their post or comment
held: soft-deleted with no deleting user, as flags hide a post, so nothing public shows it.
A moderator then either releases it as it is, or redacts it: the personal data is replaced in
the current text and in every revision that holds it, so the history no longer has it either.
Both are audited; a redaction's entry says which revisions changed and how many of each kind
were removed, never what was removed. Followers hear of a held answer or comment on its release.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from sqlalchemy import exists, select
from sqlalchemy.orm import joinedload

from forum import markup, permissions, personal_data
from forum.clock import utcnow
from forum.errors import NotFound, PermissionDenied, RuleViolation
from forum.extensions import db
from forum.faq import entries as faq_entries
from forum.models import Answer, Comment, Post, Question, Revision, User
from forum.models.notifications import Notification
from forum.moderation import audit
from forum.notifications import service as notifications
from forum.personal_data import Match
from forum.questions import service as questions

HELD = questions.HELD_FOR_PERSONAL_DATA
# the queue shows this many of each (oldest first); the rest follow as these are decided
QUEUE_LIMIT = 50
TargetType = Literal["post", "comment"]


@dataclass
class HeldField:
    """One field of a held item with the personal data in it, for highlighting."""

    name: str
    text: str
    matches: list[Match]

    @property
    def pieces(self) -> list[tuple[str, str | None]]:
        """The text cut into (piece, kind): kind is None between matches."""
        pieces: list[tuple[str, str | None]] = []
        position = 0
        for match in self.matches:
            pieces.append((self.text[position : match.start], None))
            pieces.append((self.text[match.start : match.end], match.kind))
            position = match.end
        pieces.append((self.text[position:], None))
        return [(piece, kind) for piece, kind in pieces if piece]


@dataclass
class HeldItem:
    """A post or comment held for personal data, with what the detector finds in it now."""

    target_type: TargetType
    item: Post | Comment
    question: Question
    fields: list[HeldField] = field(default_factory=list)

    @property
    def id(self) -> int:
        return self.item.id

    @property
    def kinds(self) -> dict[str, int]:
        return personal_data.kinds_count(match for part in self.fields for match in part.matches)


def _moderator(actor: User | None) -> User:
    if not permissions.can_review_personal_data(actor):
        raise PermissionDenied("Only moderators and admins review personal data.")
    return permissions.plain(actor)


def _texts(item: Post | Comment) -> dict[str, str]:
    texts = {"body": item.body}
    if isinstance(item, Question):
        texts = {"title": item.title or "", **texts}
    return texts


def _held_item(target_type: TargetType, item: Post | Comment) -> HeldItem:
    post = item.post if isinstance(item, Comment) else item
    question = post if isinstance(post, Question) else post.question
    fields = [HeldField(name, text, personal_data.find(text)) for name, text in _texts(item).items()]
    return HeldItem(
        target_type, item, question, [part for part in fields if part.matches or part.name == "body"]
    )


def queue(viewer: User | None) -> list[HeldItem]:
    """Posts and comments held for personal data, oldest first, with the matches to highlight."""
    _moderator(viewer)
    posts = db.session.scalars(
        select(Post)
        .where(Post.hold_reason == HELD, Post.hidden_at.is_not(None), Post.deleted_at.is_not(None))
        .options(joinedload(Post.author))
        .order_by(Post.hidden_at, Post.id)
        .limit(QUEUE_LIMIT)
    ).all()
    comments = db.session.scalars(
        select(Comment)
        .where(Comment.hold_reason == HELD, Comment.hidden_at.is_not(None), Comment.deleted_at.is_not(None))
        .options(joinedload(Comment.author), joinedload(Comment.post))
        .order_by(Comment.hidden_at, Comment.id)
        .limit(QUEUE_LIMIT)
    ).all()
    items = [_held_item("post", post) for post in posts] + [_held_item("comment", item) for item in comments]
    return sorted(items, key=lambda held: (held.item.hidden_at, held.target_type, held.id))


def _target(target_type: TargetType, target_id: int) -> Post | Comment:
    model = Post if target_type == "post" else Comment
    item = db.session.get(model, target_id)
    if item is None:
        raise NotFound(f"That {target_type} does not exist.")
    return item


def _is_held(item: Post | Comment) -> bool:
    return item.hold_reason == HELD and item.hidden_at is not None and item.deleted_at is not None


def _publish(item: Post | Comment) -> None:
    """Lift the hold, and tell followers about an answer or comment as if it were new."""
    now = utcnow()
    if isinstance(item, Comment):
        item.deleted_at = item.hidden_at = item.hold_reason = None
        question = item.post if isinstance(item.post, Question) else item.post.question
        question.last_activity_at = now
        notifications.comment_posted(item)
        return
    questions.set_deleted(item, None, False)
    if isinstance(item, Answer):
        item.question.last_activity_at = now
        told = db.session.scalar(
            select(exists().where(Notification.post_id == item.id, Notification.kind == "answer"))
        )
        if not told:  # held when posted; an answer held after an edit was announced already
            notifications.answer_posted(item)
            faq_entries.source_answered(item.question_id)


def release(actor: User | None, target_type: TargetType, target_id: int, reason: str = "") -> Post | Comment:
    """Publish a held post or comment as it is."""
    actor = _moderator(actor)
    item = _target(target_type, target_id)
    if not _is_held(item):
        raise RuleViolation(f"This {target_type} is not held for personal data.")
    found = personal_data.kinds_count(
        match for text in _texts(item).values() for match in personal_data.find(text)
    )
    _publish(item)
    audit.record(actor, f"{target_type}.release", target_type, item.id, reason, after={"matches": found})
    db.session.commit()
    return item


def _redacted(text: str | None) -> tuple[str | None, list[Match]]:
    if not text:
        return text, []
    matches = personal_data.find(text)
    return (personal_data.redact(text, matches) if matches else text), matches


def redact(actor: User | None, target_type: TargetType, target_id: int, reason: str = "") -> Post | Comment:
    """Remove the personal data from a post (its current text and every revision) or a comment,
    and publish it if it was held for it."""
    actor = _moderator(actor)
    item = _target(target_type, target_id)
    removed: list[Match] = []
    changed_revisions: list[int] = []
    new_body, matches = _redacted(item.body)
    removed += matches
    if matches:
        item.body = new_body
        item.body_html = (
            markup.render_comment(new_body) if target_type == "comment" else markup.render(new_body)
        )
    if isinstance(item, Question):
        item.title, matches = _redacted(item.title)
        removed += matches
    if isinstance(item, Post):
        for revision in db.session.scalars(select(Revision).where(Revision.post_id == item.id)):
            revision.body, body_matches = _redacted(revision.body)
            revision.title, title_matches = _redacted(revision.title)
            if body_matches or title_matches:
                removed += body_matches + title_matches
                changed_revisions.append(revision.number)
    if not removed:
        raise RuleViolation(f"No personal data was found in this {target_type}; release it instead.")
    was_held = _is_held(item)
    if was_held:
        _publish(item)
    audit.record(
        actor,
        f"{target_type}.redact",
        target_type,
        item.id,
        reason,
        after={
            "matches": personal_data.kinds_count(removed),
            "revisions": sorted(changed_revisions),
            "released": was_held,
        },
    )
    db.session.commit()
    return item
