"""Voting and accepting answers: the rules and their transactions, for the pages and the API alike.

The vote path is safe under concurrency: the vote row is created by an upsert and then locked,
the post row is locked before its score changes, the score changes by `score + delta` in SQL,
and the users whose reputation changes are locked (in id order) before the ledger is read. On
SQLite the whole transaction holds the write lock from its start (reputation.begin_write).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from flask import g
from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError, OperationalError

from forum import permissions, reputation
from forum.clock import utcnow
from forum.errors import NotFound, RuleViolation
from forum.extensions import db
from forum.models import Answer, Post, Question, User
from forum.models.reputation import Vote
from forum.notifications import service as notifications
from forum.questions import service as questions

VALUES = (1, -1, 0)
# PostgreSQL: deadlock detected, serialization failure; worth one more try
_RETRYABLE_STATES = {"40P01", "40001"}

T = TypeVar("T")


@dataclass
class VoteResult:
    """The post after a vote, its score and the voter's vote (1, -1 or 0)."""

    post: Post
    score: int
    user_vote: int


def _retrying(action: Callable[[], T]) -> T:
    """Run a use case; after a unique-key clash or a deadlock, roll back and run it once more."""
    for attempt in (1, 2):
        try:
            return action()
        except (IntegrityError, OperationalError) as error:
            db.session.rollback()
            retryable = isinstance(error, IntegrityError) or (
                getattr(error.orig, "sqlstate", None) in _RETRYABLE_STATES
            )
            if attempt == 2 or not retryable:
                raise
        except BaseException:
            db.session.rollback()
            raise
    raise AssertionError("unreachable")


def _check_value(value: Any) -> int:
    """1, -1 or 0, else a field error."""
    if type(value) is not int or value not in VALUES:  # not True, not 1.0
        message = "Must be 1 (vote up), -1 (vote down) or 0 (retract)."
        raise RuleViolation(f"The vote's value is not valid. {message}", {"value": [message]})
    return value


def _ensure_vote_row(user_id: int, post_id: int) -> None:
    """Create the (user, post) vote row with value 0 unless it exists; a race can't make two."""
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    now = utcnow()
    db.session.execute(
        insert(Vote.__table__)
        .values(user_id=user_id, post_id=post_id, value=0, created_at=now, updated_at=now)
        .on_conflict_do_nothing(index_elements=["user_id", "post_id"])
    )


def _fresh_question(post: Post) -> Question:
    """The post's question as committed now (status and deletion may have changed since loading)."""
    question_id = post.id if isinstance(post, Question) else post.question_id
    return db.session.scalars(
        select(Question).where(Question.id == question_id).execution_options(populate_existing=True)
    ).one()


def vote(actor: User | None, post_id: int, value: Any) -> VoteResult:
    """Cast (1, -1), change or retract (0) the actor's vote; the same vote again changes nothing."""
    actor = permissions.require_member(actor)
    value = _check_value(value)
    post = questions.get_post(post_id, actor)
    refusal = permissions.vote_refusal(actor, post, 0)
    if refusal is not None:
        raise refusal
    return _retrying(lambda: _apply_vote(actor, post_id, value))


def _apply_vote(actor: User, post_id: int, value: int) -> VoteResult:
    """The vote's transaction: lock, check again, change the vote, the score and the ledger."""
    reputation.begin_write()
    _ensure_vote_row(actor.id, post_id)
    post = reputation.lock_post(post_id)
    _fresh_question(post)
    current = db.session.scalars(
        select(Vote)
        .where(Vote.user_id == actor.id, Vote.post_id == post_id)
        .with_for_update(key_share=True)
        .execution_options(populate_existing=True)
    ).one()
    # the same vote again is no change, so it needs no privilege (but the thread must be open)
    refusal = permissions.vote_refusal(actor, post, 0 if value == current.value else value)
    if refusal is not None:
        raise refusal
    if value != current.value:
        post.score = Post.score + (value - current.value)  # in SQL: concurrent votes all count
        current.value = value
        current.updated_at = utcnow()
        reputation.vote_changed(current, post)
    db.session.commit()
    return VoteResult(post=post, score=post.score, user_vote=value)


def accept(actor: User | None, question_id: int, answer_id: Any) -> Question:
    """Accept an answer (None: unaccept); accepting another moves the acceptance and its points."""
    actor = permissions.require_member(actor)
    if answer_id is not None and type(answer_id) is not int:
        message = "Must be an answer's id, or null to unaccept."
        raise RuleViolation(f"The answer_id is not valid. {message}", {"answer_id": [message]})
    question = questions.get_question(question_id, actor)
    refusal = permissions.accept_refusal(actor, question)
    if refusal is not None:
        raise refusal
    return _retrying(lambda: _apply_accept(actor, question_id, answer_id))


def _apply_accept(actor: User, question_id: int, answer_id: int | None) -> Question:
    """The acceptance's transaction: lock the question, check again, move the acceptance."""
    reputation.begin_write()
    question = reputation.lock_post(question_id)
    answer = None
    if answer_id is not None:
        answer = db.session.scalars(
            select(Answer).where(Answer.id == answer_id).execution_options(populate_existing=True)
        ).one_or_none()
        if answer is None or not permissions.can_view(actor, answer):
            raise NotFound("That answer does not exist.", {"answer_id": ["No such answer."]})
    refusal = permissions.accept_refusal(actor, question, answer)
    if refusal is not None:
        raise refusal
    old_answer_id = question.accepted_answer_id
    if old_answer_id != answer_id:
        question.accepted_answer_id = answer_id
        reputation.acceptance_changed(question, old_answer_id, answer, actor)
        notifications.answer_accepted(question, answer, actor)
    db.session.commit()
    return question


def viewer_votes(viewer: User | None, post_ids: list[int]) -> dict[int, int]:
    """The viewer's votes on these posts, {post_id: 1 or -1}, in one query (cached per request)."""
    if not permissions.can_post(viewer) or not post_ids:
        return {}
    cache = g.setdefault("viewer_votes", {})
    key = (viewer.id, tuple(post_ids))
    if key not in cache:
        rows = db.session.execute(
            select(Vote.post_id, Vote.value).where(
                Vote.user_id == viewer.id, Vote.post_id.in_(post_ids), Vote.value != 0
            )
        )
        cache[key] = dict(rows.tuples().all())
    return cache[key]
