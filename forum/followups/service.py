"""Private follow-ups: opening one, writing in it, reading it, and resolving it with a public answer.

The rules:
- A staff expert (moderators and admins are staff too) opens a follow-up with the asker of a live
  question (not deleted, not locked) that someone else asked, from an account that exists here.
  An expert has at most one open follow-up per question; other experts may open their own.
- Only the expert and the asker write in it. Moderators read every follow-up but do not post:
  they oversee the conversation without becoming a third voice in it.
- Everyone else gets a 404 for it, so not even its existence leaks. The question page shows all
  visitors one neutral line ("A staff expert followed up with the asker privately"), no names,
  no times, no text.
- The expert resolves it by writing a normal public answer (questions.service.answer, so every
  rule about answers holds); nothing from the private messages is copied into it. That closes
  the follow-up and links the answer as its resolution.
- Nothing here touches search, notifications or the question's last activity: private messages
  are never indexed, never announced, and never move the question up the "active" list.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload

from forum import markup, permissions
from forum.clock import utcnow
from forum.errors import DomainError, NotFound, PermissionDenied, RuleViolation
from forum.extensions import db
from forum.models import Question, User
from forum.models.followups import MESSAGE_MAX, MESSAGE_MIN, FollowupMessage, PrivateFollowup
from forum.questions import service as questions

NOT_FOUND = "That private follow-up does not exist."


def _member(actor: User | None) -> User:
    """The signed-in user itself (not Flask-Login's proxy), or PermissionDenied."""
    if not permissions.can_post(actor):
        raise PermissionDenied("Sign in to take part.")
    return permissions.plain(actor)


def _message_fields(body: str) -> tuple[str, str]:
    """The message's trimmed source and its rendered HTML, or RuleViolation on the body field."""
    source = (body or "").strip()
    if not MESSAGE_MIN <= len(source) <= MESSAGE_MAX:
        message = f"A message is {MESSAGE_MIN} to {MESSAGE_MAX} characters long."
        raise RuleViolation(message, {"body": [message]})
    try:
        return source, markup.render(source)
    except markup.MarkupError as error:
        raise RuleViolation(str(error), {"body": [str(error)]}) from error


def question_to_follow_up(actor: User | None, question_id: int) -> Question:
    """A question the actor may open a follow-up on, or NotFound / PermissionDenied / RuleViolation."""
    actor = _member(actor)
    question = questions.get_question(question_id, actor)
    refusal = permissions.followup_open_refusal(actor, question)
    if refusal is not None:
        raise refusal
    return question


def _open_followup_id(question_id: int, expert_id: int) -> int | None:
    return db.session.scalar(
        select(PrivateFollowup.id).where(
            PrivateFollowup.question_id == question_id,
            PrivateFollowup.expert_id == expert_id,
            PrivateFollowup.closed_at.is_(None),
        )
    )


def _already_open(followup_id: int | None) -> RuleViolation:
    where = f" (follow-up {followup_id})" if followup_id else ""
    return RuleViolation(
        f"You already have an open private follow-up on this question{where}; continue it there."
    )


def open_followup(actor: User | None, question_id: int, body: str) -> PrivateFollowup:
    """Open a private follow-up with the question's asker, with its first message."""
    actor = _member(actor)
    question = question_to_follow_up(actor, question_id)
    existing = _open_followup_id(question.id, actor.id)
    if existing is not None:
        raise _already_open(existing)
    source, html = _message_fields(body)
    now = utcnow()
    followup = PrivateFollowup(question=question, expert=actor, asker_id=question.author_id, opened_at=now)
    try:
        # the partial unique index settles two opens racing each other
        with db.session.begin_nested():
            db.session.add(followup)
            db.session.add(
                FollowupMessage(followup=followup, author=actor, body=source, body_html=html, created_at=now)
            )
    except IntegrityError:
        raise _already_open(_open_followup_id(question.id, actor.id)) from None
    db.session.commit()
    return followup


def get_followup(followup_id: int, viewer: User | None, question_id: int | None = None) -> PrivateFollowup:
    """A follow-up the viewer may read, with its messages, or NotFound (also for the question's id
    in a page URL that does not match)."""
    followup = db.session.scalar(
        select(PrivateFollowup)
        .where(PrivateFollowup.id == followup_id)
        .options(
            joinedload(PrivateFollowup.question),
            joinedload(PrivateFollowup.expert),
            joinedload(PrivateFollowup.asker),
            selectinload(PrivateFollowup.messages).joinedload(FollowupMessage.author),
        )
    )
    if followup is None or not permissions.can_read_followup(viewer, followup):
        raise NotFound(NOT_FOUND)
    if question_id is not None and followup.question_id != question_id:
        raise NotFound(NOT_FOUND)
    return followup


def followup_to_write_in(
    actor: User | None, followup_id: int, question_id: int | None = None
) -> PrivateFollowup:
    """A follow-up the actor may post a message in, or NotFound / PermissionDenied / RuleViolation."""
    followup = get_followup(followup_id, actor, question_id)
    refusal = permissions.followup_message_refusal(actor, followup)
    if refusal is not None:
        raise refusal
    return followup


def post_message(
    actor: User | None, followup_id: int, body: str, question_id: int | None = None
) -> FollowupMessage:
    """Write in a follow-up as one of its two parties."""
    actor = _member(actor)
    followup = followup_to_write_in(actor, followup_id, question_id)
    source, html = _message_fields(body)
    message = FollowupMessage(followup=followup, author=actor, body=source, body_html=html)
    db.session.add(message)
    db.session.commit()
    return message


def followup_to_resolve(
    actor: User | None, followup_id: int, question_id: int | None = None
) -> PrivateFollowup:
    """A follow-up the actor may resolve, or NotFound / PermissionDenied / RuleViolation."""
    followup = get_followup(followup_id, actor, question_id)
    refusal = permissions.followup_resolve_refusal(actor, followup)
    if refusal is not None:
        raise refusal
    return followup


def resolve(
    actor: User | None, followup_id: int, body: str, question_id: int | None = None
) -> PrivateFollowup:
    """Post the expert's public answer on the question, link it as the resolution, and close.

    The answer goes through questions.service.answer, so a closed or locked question refuses it
    and the asker and followers hear about it like any answer. `body` is what the expert wrote
    for the public; nothing from the private messages is copied into it.
    """
    actor = _member(actor)
    followup_to_resolve(actor, followup_id, question_id)
    # lock the row: of two resolves at once, the second waits and then finds it closed
    followup = db.session.scalars(
        select(PrivateFollowup)
        .where(PrivateFollowup.id == followup_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()
    refusal = permissions.followup_resolve_refusal(actor, followup)
    if refusal is not None:
        raise refusal
    followup.closed_at = utcnow()
    try:
        # answer() commits: the answer and the closing are one transaction
        answer = questions.answer(actor, followup.question_id, body)
    except DomainError:
        db.session.rollback()
        raise
    followup.resolution_answer_id = answer.id
    db.session.commit()
    return followup


@dataclass
class QuestionFollowups:
    """What the question page shows of a question's follow-ups to one viewer."""

    # whether any follow-up happened: the one fact every visitor sees
    happened: bool = False
    # the follow-ups this viewer may open (parties and moderators)
    readable: list[PrivateFollowup] = field(default_factory=list)
    # public answers that resolved a follow-up
    resolution_ids: list[int] = field(default_factory=list)
    # the viewer's own open follow-up on the question, if they are an expert with one
    own_open: PrivateFollowup | None = None
    can_open: bool = False


def for_question(question: Question, viewer: User | None) -> QuestionFollowups:
    """The question page's view of its follow-ups, in one query whoever is looking."""
    followups = db.session.scalars(
        select(PrivateFollowup)
        .where(PrivateFollowup.question_id == question.id)
        .options(joinedload(PrivateFollowup.expert))
        .order_by(PrivateFollowup.opened_at, PrivateFollowup.id)
    ).all()
    viewer_id = viewer.id if permissions.can_post(viewer) else None
    own_open = next(
        (item for item in followups if item.expert_id == viewer_id and item.is_open),
        None,
    )
    return QuestionFollowups(
        happened=bool(followups),
        readable=[item for item in followups if permissions.can_read_followup(viewer, item)],
        resolution_ids=[item.resolution_answer_id for item in followups if item.resolution_answer_id],
        own_open=own_open,
        can_open=own_open is None and permissions.can_open_followup(viewer, question),
    )
