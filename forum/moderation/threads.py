"""Thread actions: close (with a reason, or as a duplicate) and reopen, lock and unlock, pin and
unpin, and merging one tag into another. Moderators only; every action is audited.

A question's `status` is open, closed or locked. Locking keeps `closed_reason`, so unlocking a
closed question that was locked returns it to closed.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from flask import current_app
from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError

from forum import permissions
from forum.clock import utcnow
from forum.errors import NotFound, PermissionDenied, RuleViolation
from forum.extensions import db
from forum.models import Question, Tag, User, question_tags
from forum.models.moderation import CloseVote
from forum.moderation import audit
from forum.questions import service as questions
from forum.questions.tags import normalise_tag

CLOSE_REASONS: dict[str, str] = {
    "duplicate": "Duplicate of another question",
    "off-topic": "Off-topic",
    "needs-details": "Needs details or clarity",
    "resolved-elsewhere": "Resolved elsewhere",
}
REASON_TEXT_MAX = 500


def _question(actor: User | None, question_id: int) -> Question:
    question = questions.get_question(question_id, actor)
    if not permissions.can_change_thread(actor, question):
        raise PermissionDenied("Only moderators close, reopen, lock and pin questions.")
    return question


def _state(question: Question) -> dict[str, Any]:
    return {
        "status": question.status,
        "closed_reason": question.closed_reason,
        "duplicate_of_id": question.duplicate_of_id,
        "pinned": question.pinned_at is not None,
    }


def _commit(actor: User, action: str, question: Question, before: dict[str, Any], note: str = "") -> Question:
    audit.record(actor, action, "question", question.id, note, before=before, after=_state(question))
    db.session.commit()
    return question


def close(
    actor: User | None, question_id: int, reason: Any, duplicate_of: Any = None, note: Any = ""
) -> Question:
    """Close an open question; as a duplicate it links the original (a live question, not itself)."""
    question = _question(actor, question_id)
    _check_reason(reason)
    if question.status != "open":
        raise RuleViolation(f"This question is already {question.status}.")
    note = note.strip() if isinstance(note, str) else ""
    if len(note) > REASON_TEXT_MAX:
        raise RuleViolation(f"Keep the note to {REASON_TEXT_MAX} characters.", {"note": ["Too long."]})
    original = None
    if reason == "duplicate":
        original = _original(actor, question, duplicate_of)
    elif duplicate_of is not None:
        raise RuleViolation(
            "Only a duplicate links another question.", {"duplicate_of": ["Only for duplicates."]}
        )
    before = _state(question)
    question.status, question.closed_reason = "closed", reason
    question.duplicate_of_id = original.id if original else None
    question.last_activity_at = utcnow()
    return _commit(actor, "question.close", question, before, note)


def _original(actor: User, question: Question, duplicate_of: Any) -> Question:
    """The question a duplicate repeats: an id or a question URL's id, visible and not the same one."""
    if isinstance(duplicate_of, str) and duplicate_of.strip():
        duplicate_of = _id_in(duplicate_of.strip())
    if type(duplicate_of) is not int:
        message = "The original question's id or address."
        raise RuleViolation(f"Say which question this duplicates. {message}", {"duplicate_of": [message]})
    if duplicate_of == question.id:
        raise RuleViolation("A question cannot duplicate itself.", {"duplicate_of": ["Not itself."]})
    try:
        original = questions.get_question(duplicate_of, actor)
    except NotFound:
        raise NotFound(
            "The original question does not exist.", {"duplicate_of": ["No such question."]}
        ) from None
    if original.is_deleted:
        raise RuleViolation("The original question is deleted.", {"duplicate_of": ["Deleted."]})
    if original.duplicate_of_id == question.id:
        raise RuleViolation("That question is already closed as a duplicate of this one.")
    return original


def _id_in(text: str) -> int | None:
    """'123', '/questions/123/slug' or a full question URL -> 123."""
    parts = [part for part in text.split("?")[0].split("/") if part]
    if parts and parts[0].isascii() and parts[0].isdigit() and len(parts) == 1:
        number = parts[0]
    elif "questions" in parts and parts.index("questions") + 1 < len(parts):
        number = parts[parts.index("questions") + 1]
    else:
        return None
    return int(number) if number.isascii() and number.isdigit() and len(number) <= 10 else None


@dataclass
class CloseVotes:
    """Where a question's close votes stand after a vote."""

    question: Question
    votes: int
    needed: int

    @property
    def closed(self) -> bool:
        return self.question.status == "closed"


def close_or_vote(
    actor: User | None, question_id: int, reason: Any, duplicate_of: Any = None, note: Any = ""
) -> CloseVotes:
    """A moderator closes the question; a member with the vote-to-close privilege casts a vote,
    and the CLOSE_VOTES_NEEDED-th vote closes it (for the reason most voters gave)."""
    question = questions.get_question(question_id, actor)
    needed = int(current_app.config.get("CLOSE_VOTES_NEEDED", 3))
    if permissions.can_change_thread(actor, question):
        return CloseVotes(close(actor, question_id, reason, duplicate_of, note), needed, needed)
    refusal = permissions.close_vote_refusal(actor, question)
    if refusal is not None:
        raise refusal
    actor = permissions.plain(actor)
    _check_reason(reason)
    original = _original(actor, question, duplicate_of) if reason == "duplicate" else None
    try:
        with db.session.begin_nested():
            db.session.add(
                CloseVote(
                    question_id=question.id,
                    user_id=actor.id,
                    reason=reason,
                    duplicate_of_id=original and original.id,
                )
            )
    except IntegrityError:
        raise AlreadyVoted("You already voted to close this question.") from None
    votes = list(
        db.session.scalars(
            select(CloseVote).where(CloseVote.question_id == question.id).order_by(CloseVote.created_at)
        )
    )
    if len(votes) >= needed:
        reasons = Counter(vote.reason for vote in votes)
        chosen = reasons.most_common(1)[0][0]  # on a tie, the reason cast first
        targets = Counter(
            vote.duplicate_of_id for vote in votes if vote.reason == chosen and vote.duplicate_of_id
        )
        before = _state(question)
        question.status, question.closed_reason = "closed", chosen
        question.duplicate_of_id = targets.most_common(1)[0][0] if targets else None
        question.last_activity_at = utcnow()
        audit.record(
            None,
            "question.close",
            "question",
            question.id,
            f"{len(votes)} close votes",
            before=before,
            after=_state(question),
        )
    db.session.commit()
    return CloseVotes(question, len(votes), needed)


def _check_reason(reason: Any) -> None:
    if reason not in CLOSE_REASONS:
        message = f"Choose one of: {', '.join(CLOSE_REASONS)}."
        raise RuleViolation(f"The reason is not valid. {message}", {"reason": [message]})


class AlreadyVoted(RuleViolation):
    """One close vote per member and question."""

    status = 409


def reopen(actor: User | None, question_id: int) -> Question:
    """Reopen a closed question (a duplicate loses its link)."""
    question = _question(actor, question_id)
    if question.status != "closed":
        raise RuleViolation("Only a closed question can be reopened." + _unlock_hint(question))
    before = _state(question)
    question.status, question.closed_reason, question.duplicate_of_id = "open", None, None
    db.session.execute(delete(CloseVote).where(CloseVote.question_id == question.id))  # a fresh start
    return _commit(actor, "question.reopen", question, before)


def _unlock_hint(question: Question) -> str:
    return " Unlock it first." if question.status == "locked" else ""


def lock(actor: User | None, question_id: int, note: Any = "") -> Question:
    """Lock a thread: no new answers, comments or votes."""
    question = _question(actor, question_id)
    if question.status == "locked":
        raise RuleViolation("This question is already locked.")
    before = _state(question)
    question.status = "locked"
    return _commit(actor, "question.lock", question, before, note if isinstance(note, str) else "")


def unlock(actor: User | None, question_id: int) -> Question:
    """Unlock a thread; it returns to closed if it was closed before."""
    question = _question(actor, question_id)
    if question.status != "locked":
        raise RuleViolation("This question is not locked.")
    before = _state(question)
    question.status = "closed" if question.closed_reason else "open"
    return _commit(actor, "question.unlock", question, before)


def pin(actor: User | None, question_id: int, pinned: bool = True) -> Question:
    """Pin a question to the top of its tags' lists, or unpin it."""
    question = _question(actor, question_id)
    if pinned == (question.pinned_at is not None):
        raise RuleViolation(f"This question is already {'pinned' if pinned else 'not pinned'}.")
    before = _state(question)
    question.pinned_at = utcnow() if pinned else None
    return _commit(actor, "question.pin" if pinned else "question.unpin", question, before)


def merge_tags(actor: User | None, source_name: Any, target_name: Any) -> Tag:
    """Move every question from one tag to another; new uses of the old name get the new tag."""
    if not permissions.can_merge_tags(actor):
        raise PermissionDenied("Only moderators merge tags.")
    names = [normalise_tag(name) if isinstance(name, str) else "" for name in (source_name, target_name)]
    source, target = (
        db.session.scalar(select(Tag).where(Tag.name == name)) if name else None for name in names
    )
    if source is None:
        raise NotFound("The tag to merge does not exist.", {"source": ["No such tag."]})
    if target is None:
        raise NotFound("The tag to merge into does not exist.", {"target": ["No such tag."]})
    if source.id == target.id:
        raise RuleViolation("A tag cannot merge into itself.", {"target": ["Pick another tag."]})
    if target.merged_into_id is not None:
        raise RuleViolation(f"{target.name} was itself merged away; merge into the tag it became.")
    moved = list(
        db.session.scalars(
            select(Question)
            .join(question_tags, question_tags.c.question_id == Question.id)
            .where(question_tags.c.tag_id == source.id)
        )
    )
    for question in moved:  # through the ORM, so the search outbox sees each question's new tags
        kept = [tag for tag in question.tags if tag.id not in (source.id, target.id)]
        question.tags = sorted([*kept, target], key=lambda tag: tag.name)
    db.session.execute(update(Tag).where(Tag.merged_into_id == source.id).values(merged_into_id=target.id))
    source.merged_into_id = target.id
    questions.refresh_tag_counts([source, target])
    audit.record(
        actor,
        "tag.merge",
        "tag",
        source.id,
        before={"tag": source.name, "questions": len(moved)},
        after={"merged_into": target.name},
    )
    db.session.commit()
    return target
