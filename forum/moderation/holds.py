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

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import ColumnElement, Subquery, exists, func, literal, select, union_all
from sqlalchemy.orm import Bundle, joinedload

from forum import markup, permissions, personal_data
from forum.clock import utcnow
from forum.errors import NotFound, PermissionDenied, RuleViolation
from forum.extensions import db
from forum.faq import entries as faq_entries
from forum.models import Answer, Comment, Post, Question, Revision, User
from forum.models.notifications import Notification
from forum.moderation import audit
from forum.notifications import service as notifications
from forum.pagination import paginate
from forum.personal_data import Match
from forum.questions import service as questions

HELD = questions.HELD_FOR_PERSONAL_DATA
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


def _question_id(item: Post | Comment) -> int:
    """The id of the question a post or comment belongs to."""
    post = item.post if isinstance(item, Comment) else item
    return post.id if isinstance(post, Question) else post.question_id


def _held_item(target_type: TargetType, item: Post | Comment, question: Question) -> HeldItem:
    fields = [HeldField(name, text, personal_data.find(text)) for name, text in _texts(item).items()]
    return HeldItem(
        target_type, item, question, [part for part in fields if part.matches or part.name == "body"]
    )


def _held(model: type[Post] | type[Comment]) -> ColumnElement[bool]:
    """SQL: the post or comment is held for personal data (see _is_held)."""
    return (model.hold_reason == HELD) & model.hidden_at.is_not(None) & model.deleted_at.is_not(None)


def _held_rows() -> Subquery:
    """Every held post and comment as a (target_type, id, held_at) row."""
    return union_all(
        select(literal("post").label("target_type"), Post.id, Post.hidden_at.label("held_at")).where(
            _held(Post)
        ),
        select(literal("comment"), Comment.id, Comment.hidden_at).where(_held(Comment)),
    ).subquery()


def held_count(viewer: User | None) -> int:
    """How many posts and comments are held for personal data."""
    _moderator(viewer)
    return db.session.scalar(select(func.count()).select_from(_held_rows()))


def queue(viewer: User | None) -> Pagination:
    """One page of the posts and comments held for personal data, oldest first, as HeldItems with
    the matches to highlight: the page of (type, id) rows, then its posts, comments and questions."""
    _moderator(viewer)
    held = _held_rows()
    page = paginate(
        select(Bundle("held", held.c.target_type, held.c.id)).order_by(
            held.c.held_at, held.c.target_type, held.c.id
        )
    )
    ids = {kind: [row.id for row in page.items if row.target_type == kind] for kind in ("post", "comment")}
    posts = db.session.scalars(
        select(Post).where(Post.id.in_(ids["post"])).options(joinedload(Post.author))
    ).all()
    comments = db.session.scalars(
        select(Comment)
        .where(Comment.id.in_(ids["comment"]))
        .options(joinedload(Comment.author), joinedload(Comment.post))
    ).all()
    by_key = {("post", post.id): post for post in posts} | {("comment", item.id): item for item in comments}
    items = [by_key[row.target_type, row.id] for row in page.items]
    question_ids = {_question_id(item) for item in items}
    found = {
        question.id: question
        for question in db.session.scalars(select(Question).where(Question.id.in_(question_ids)))
    }
    page.items = [
        _held_item(row.target_type, item, found[_question_id(item)])
        for row, item in zip(page.items, items, strict=True)
    ]
    return page


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
