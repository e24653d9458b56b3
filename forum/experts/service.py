"""Staff experts: their topics, official answers, the expert queue, claims and assignments.

The rules live here, for the pages, the API and the CLI alike. A claim ("I'm on it") lapses
CLAIM_HOURS after it was made unless its expert has answered; nothing runs on a timer, the
lapse is worked out whenever a claim is read. A moderator's assignment does not lapse.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import (
    ColumnElement,
    delete,
    exists,
    func,
    insert,
    literal_column,
    or_,
    select,
    union_all,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased, joinedload, selectinload

from forum import permissions
from forum.clock import utcnow
from forum.errors import DomainError, NotFound, PermissionDenied, RuleViolation
from forum.extensions import db
from forum.models import Answer, Question, Tag, User, question_tags
from forum.models.experts import ExpertClaim, expert_topics
from forum.models.posts import TAG_MAX_LENGTH
from forum.notifications import service as notifications
from forum.pagination import page_number, paginate, per_page
from forum.questions import service as questions
from forum.questions.tags import normalise_tag

CLAIM_HOURS = 2


class Conflict(DomainError):
    """Someone else got there first."""

    status = 409


def response_hours() -> float:
    """The response-time target: a question older than this, with no accepted answer, is overdue."""
    return float(current_app.config.get("EXPERT_RESPONSE_HOURS", 24))


# Topics


def parse_topics(raw: str) -> list[str]:
    """'Billing, Accounts' -> ['billing', 'accounts']: distinct normalised tag names, in order."""
    names: list[str] = []
    for piece in raw.split(","):
        name = normalise_tag(piece)
        if name and name not in names:
            names.append(name)
    too_long = [name for name in names if len(name) > TAG_MAX_LENGTH]
    if too_long:
        raise RuleViolation(f"Topics are tags of at most {TAG_MAX_LENGTH} characters: {too_long[0][:40]}")
    return names


def _tag(name: str) -> Tag:
    """The tag with this name, created when no question has used it yet."""
    tag = db.session.scalar(select(Tag).where(Tag.name == name))
    if tag is None:
        try:
            with db.session.begin_nested():
                tag = Tag(name=name)
                db.session.add(tag)
        except IntegrityError:
            tag = db.session.scalars(select(Tag).where(Tag.name == name)).one()
    return tag


def set_topics(user: User, names: list[str]) -> list[str]:
    """Replace an expert's topics with these tag names (an empty list clears them)."""
    if user.role != "expert" and names:
        raise RuleViolation(f"Only experts have topics; {user.username} is a {user.role}.")
    tags = [_tag(name) for name in names]
    db.session.execute(delete(expert_topics).where(expert_topics.c.user_id == user.id))
    if tags:
        db.session.execute(insert(expert_topics), [{"user_id": user.id, "tag_id": tag.id} for tag in tags])
    db.session.commit()
    return topics(user)


def topics(user: User) -> list[str]:
    """An expert's topics, sorted."""
    return list(
        db.session.scalars(
            select(Tag.name)
            .join(expert_topics, expert_topics.c.tag_id == Tag.id)
            .where(expert_topics.c.user_id == user.id)
            .order_by(Tag.name)
        )
    )


# Official answers


def mark_official(actor: User | None, question_id: int, answer_id: Any) -> Question:
    """Mark one answer of the question official (None clears it); staff experts and moderators."""
    if not permissions.can_post(actor):
        raise PermissionDenied("Sign in to mark an answer official.")
    if answer_id is not None and type(answer_id) is not int:
        message = "Must be an answer's id, or null to clear the official answer."
        raise RuleViolation(f"The answer_id is not valid. {message}", {"answer_id": [message]})
    question = questions.get_question(question_id, actor)
    if not permissions.can_mark_official(actor, question):
        if not actor.is_staff:
            raise PermissionDenied("Only staff experts and moderators can mark an answer official.")
        raise RuleViolation("This thread is locked or deleted; its official answer cannot change.")
    if answer_id is not None:
        answer = db.session.get(Answer, answer_id)
        if answer is None or not permissions.can_view(actor, answer):
            raise NotFound("That answer does not exist.", {"answer_id": ["No such answer."]})
        if answer.question_id != question.id:
            raise RuleViolation("That answer belongs to another question.", {"answer_id": ["Not here."]})
        if answer.is_deleted:
            raise RuleViolation("A deleted answer cannot be official.", {"answer_id": ["Deleted."]})
    question.official_answer_id = answer_id
    db.session.commit()
    return question


# Claims and assignments


@dataclass
class Claim:
    """Who is on a question now: by their own claim, or assigned by a moderator."""

    question_id: int
    expert: User
    claimed_at: datetime
    assigned_by: User | None
    answered: bool

    @property
    def expires_at(self) -> datetime | None:
        """When an unanswered claim lapses; None for assignments and answered claims."""
        if self.assigned_by is not None or self.answered:
            return None
        return self.claimed_at + timedelta(hours=CLAIM_HOURS)


def _expert_answered() -> ColumnElement[bool]:
    """SQL: the claim's expert has a visible answer on its question."""
    answer = aliased(Answer)  # its own name: the queue's count joins the posts table too
    return exists().where(
        answer.question_id == ExpertClaim.question_id,
        answer.author_id == ExpertClaim.expert_id,
        answer.deleted_at.is_(None),
    )


def _holds(now: datetime) -> ColumnElement[bool]:
    """SQL: the claim is active (Claim.expires_at in SQL): an assignment, a claim whose expert has
    answered, or one made less than CLAIM_HOURS ago."""
    return or_(
        ExpertClaim.assigned_by_id.is_not(None),
        ExpertClaim.claimed_at > now - timedelta(hours=CLAIM_HOURS),
        _expert_answered(),
    )


def _claims(question_ids: list[int]) -> dict[int, Claim]:
    """The active claims on these questions, in one query."""
    if not question_ids:
        return {}
    rows = db.session.execute(
        select(ExpertClaim, _expert_answered().label("answered"))
        .where(ExpertClaim.question_id.in_(question_ids), _holds(utcnow()))
        .options(joinedload(ExpertClaim.expert), joinedload(ExpertClaim.assigned_by))
    )
    return {
        row.question_id: Claim(row.question_id, row.expert, row.claimed_at, row.assigned_by, bool(answered))
        for row, answered in rows.tuples()
    }


def claim_on(question: Question) -> Claim | None:
    """The active claim on one question, or None."""
    return _claims([question.id]).get(question.id)


def _open_question(actor: User, question_id: int) -> Question:
    """A question the queue works on: visible, not locked or closed, no accepted answer."""
    question = questions.get_question(question_id, actor)
    if question.is_deleted:
        raise RuleViolation("A deleted question needs no expert.")
    if (question.status or "open") != "open":
        raise RuleViolation("This question is closed; it needs no expert.")
    if question.accepted_answer_id is not None:
        raise RuleViolation("This question already has an accepted answer.")
    return question


def _put_claim(question_id: int, expert: User, assigned_by: User | None) -> None:
    """Replace the question's claim row (commit follows)."""
    db.session.execute(delete(ExpertClaim).where(ExpertClaim.question_id == question_id))
    db.session.add(
        ExpertClaim(
            question_id=question_id,
            expert_id=expert.id,
            assigned_by_id=assigned_by.id if assigned_by else None,
            claimed_at=utcnow(),
        )
    )


def claim(actor: User | None, question_id: int) -> Claim:
    """An expert says "I'm on it"; refused while another expert's claim or assignment holds."""
    if not permissions.can_use_expert_queue(actor):
        raise PermissionDenied("Only staff experts and moderators claim questions.")
    actor = permissions.plain(actor)
    _open_question(actor, question_id)
    current = _claims([question_id]).get(question_id)
    if current is not None and current.expert.id != actor.id:
        how = "assigned to" if current.assigned_by else "claimed by"
        raise Conflict(f"This question is already {how} {current.expert.username}.")
    if current is None or current.assigned_by is None:  # an assignment stays an assignment
        _put_claim(question_id, actor, None)
        try:
            db.session.commit()
        except IntegrityError:
            db.session.rollback()
            raise Conflict("Another expert claimed this question a moment ago.") from None
    return _claims([question_id])[question_id]


def release(actor: User | None, question_id: int) -> None:
    """Give up a claim: its own expert does ("I'm not on it after all"), or a moderator clears a
    claim or an assignment, so the question is open to every expert again."""
    if not permissions.can_use_expert_queue(actor):
        raise PermissionDenied("Only staff experts and moderators release claims.")
    actor = permissions.plain(actor)
    questions.get_question(question_id, actor)
    current = _claims([question_id]).get(question_id)
    if current is None:
        raise RuleViolation("Nobody is on this question.")
    if current.expert.id != actor.id and not permissions.can_assign_expert(actor):
        raise PermissionDenied(f"Only {current.expert.username} or a moderator can release this claim.")
    db.session.execute(delete(ExpertClaim).where(ExpertClaim.question_id == question_id))
    db.session.commit()


def assign(actor: User | None, question_id: int, expert_name: Any) -> Claim:
    """A moderator hands a question to a named expert; it replaces any claim."""
    if not permissions.can_assign_expert(actor):
        raise PermissionDenied("Only moderators assign questions to experts.")
    actor = permissions.plain(actor)
    if not isinstance(expert_name, str) or not expert_name.strip():
        message = "Give the username of a staff expert."
        raise RuleViolation(f"The expert is missing. {message}", {"expert": [message]})
    _open_question(actor, question_id)
    from forum.auth.service import find_user

    expert = find_user(expert_name.strip())
    if expert is None:
        raise NotFound(f"No user named {expert_name.strip()!r}.", {"expert": ["No such user."]})
    if not expert.is_staff:
        message = f"{expert.username} is not a staff expert."
        raise RuleViolation(message, {"expert": [message]})
    _put_claim(question_id, expert, actor)
    notifications.expert_assigned(question_id, expert, actor)
    db.session.commit()
    return _claims([question_id])[question_id]


# The queue


@dataclass
class QueueItem:
    """One question in the queue, with its age against the response-time target."""

    question: Question
    age: timedelta
    overdue: bool
    claim: Claim | None

    @property
    def age_hours(self) -> float:
        return round(self.age.total_seconds() / 3600, 1)


@dataclass
class Queue:
    """One page of the queue (its items are QueueItems) and the counts over the whole queue."""

    page: Pagination
    target_hours: float
    open: int
    claimed: int
    overdue: int


def _in_queue(viewer: User) -> list[ColumnElement[bool]]:
    """SQL: a question is in the viewer's queue (open, visible, no accepted answer; an expert's topics).
    One statement for an expert (their topics' tag ids), none for a moderator."""
    conditions = [
        Question.deleted_at.is_(None),
        Question.accepted_answer_id.is_(None),
        or_(Question.status == "open", Question.status.is_(None)),
    ]
    if not viewer.is_moderator:
        # the tag ids as values, not a subquery: the planner then knows how many questions each has
        tag_ids = db.session.scalars(
            select(expert_topics.c.tag_id).where(expert_topics.c.user_id == viewer.id)
        ).all()
        in_topics = select(question_tags.c.question_id).where(question_tags.c.tag_id.in_(tag_ids))
        conditions.append(Question.id.in_(in_topics))
    return conditions


def queue(viewer: User | None) -> Queue:
    """One page of the questions without an accepted answer in the expert's topics (moderators: all),
    and the counts of open, claimed and overdue questions over the whole queue.

    Overdue first, then unanswered before answered, oldest first within each. Being overdue depends
    on the time, so no index holds that order; it is four runs that one index does hold
    (ix_posts_expert_queue: the queue's questions by created_at, with their answer counts):
    overdue unanswered, overdue answered, fresh unanswered, fresh answered, each oldest first.
    Each run is read from the index only up to the end of the requested page (page x per_page
    rows), the runs are joined with UNION ALL and numbered, and those rows are ordered by
    (run, created_at, id) and paged; only the page's questions are read from the table. The
    counts are one aggregate over the same index.
    """
    if not permissions.can_use_expert_queue(viewer):
        raise PermissionDenied("The expert queue is for staff experts and moderators.")
    now = utcnow()
    target = response_hours()
    cutoff = now - timedelta(hours=target)
    in_queue = _in_queue(viewer)

    counts = select(
        func.count(Question.id), func.count(Question.id).filter(Question.created_at <= cutoff)
    ).where(*in_queue)
    claimed = (
        select(func.count(ExpertClaim.question_id))
        .join(Question, Question.id == ExpertClaim.question_id)
        .where(*in_queue, _holds(now))
    )
    open_count, overdue, claimed_count = db.session.execute(
        select(counts.subquery(), claimed.scalar_subquery())
    ).one()

    reach = page_number() * per_page()
    answers = func.coalesce(Question.answer_count, 0)  # as Question.is_answered reads it
    runs = [
        (Question.created_at <= cutoff, answers == 0),
        (Question.created_at <= cutoff, answers > 0),
        (Question.created_at > cutoff, answers == 0),
        (Question.created_at > cutoff, answers > 0),
    ]
    ordered = union_all(
        *(
            select(
                select(literal_column(str(number)).label("run"), Question.id, Question.created_at)
                .where(*in_queue, *run)
                .order_by(Question.created_at, Question.id)
                .limit(reach)
                .subquery()
            )
            for number, run in enumerate(runs)
        )
    ).subquery()
    page = paginate(
        select(Question)
        .join(ordered, ordered.c.id == Question.id)
        .order_by(ordered.c.run, ordered.c.created_at, ordered.c.id)
        .options(joinedload(Question.author), selectinload(Question.tags)),
        total=open_count,
    )
    claims = _claims([item.id for item in page.items])
    page.items = [
        QueueItem(
            question=item,
            age=now - item.created_at,
            overdue=item.created_at <= cutoff,
            claim=claims.get(item.id),
        )
        for item in page.items
    ]
    return Queue(page, target, open=open_count, claimed=claimed_count, overdue=overdue)
