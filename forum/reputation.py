"""The reputation ledger: one points table, awards, exact reversals, and the recompute.

Every change is a ReputationEvent (user, post, kind, delta, time). Rules:

- Points come from POINTS only. Reversals are events too: a reversal carries the opposite delta
  and names the event it undoes, so retracting or changing a vote, removing an acceptance or
  deleting a post takes back exactly what was awarded. Undeleting a post restores the reversals
  its deletion made, where what they stood for still holds (the vote unchanged, the answer still
  the accepted one).
- Daily cap: the net gain from upvotes is at most DAILY_VOTE_CAP per UTC calendar day. An award
  that would pass it is stored with the delta actually awarded (possibly 0), so its reversal is
  exact too. Acceptance is not capped, and restorations are never cut (they give back what was
  once awarded), though they count towards the day's total.
- Floor: the ledger keeps full deltas and the shown value stops at 1: User.reputation caches
  max(FLOOR, FLOOR + sum of deltas). A penalty below the floor is therefore owed, not forgiven
  (a user at 1 who is downvoted, -2, and then upvoted, +10, has 9). Clamping each event instead
  would make reputation depend on the order of events, and a clamped reversal could mint points
  (upvote, get downvoted to the floor, retract the upvote for nothing, retract the downvotes
  for a refund); this way reputation is a pure function of the ledger and recompute is exact.
- Running total: User.ledger_total is the sum of the user's ledger, added to by the same code
  that records each event (book), and User.reputation is set from it in the same UPDATE; no write
  sums a ledger, however long. `recompute` checks both against the ledger itself.
- Concurrency: writers lock the users they change before reading what the cap depends on
  (lock_users). On SQLite, begin_write takes the database's write lock up front instead.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from sqlalchemy import Select, case, exists, func, select, update
from sqlalchemy.orm import aliased

from forum.clock import utcnow
from forum.extensions import db
from forum.models import Answer, Post, Question, User
from forum.models.reputation import ReputationEvent, Vote

POINTS: dict[str, int] = {
    "question_upvoted": 5,
    "answer_upvoted": 10,
    "post_downvoted": -2,
    "downvote_cast": -1,  # to the voter: a downvote on an answer costs a little
    "answer_accepted": 15,
    "accepted_by_asker": 2,  # to the asker who accepts, once per question
    "faq_source": 20,  # to the author of an answer an approved FAQ entry draws on, once per entry
}
LABELS: dict[str, str] = {
    "question_upvoted": "Question upvoted",
    "answer_upvoted": "Answer upvoted",
    "post_downvoted": "Post downvoted",
    "downvote_cast": "Downvoted an answer",
    "answer_accepted": "Answer accepted",
    "accepted_by_asker": "Accepted an answer",
    "faq_source": "Answer used in the FAQ",
}
CAUSES: dict[str, str] = {
    "vote": "",
    "accepted": "",
    "restored": "post undeleted",
    "retracted": "vote retracted",
    "changed": "vote changed",
    "deleted": "post deleted",
    "unaccepted": "acceptance removed",
    "moved": "acceptance moved",
}
# Events with these causes grant points; the others reverse a grant
GRANTS = frozenset({"vote", "accepted", "restored"})
CAPPED_KINDS = ("question_upvoted", "answer_upvoted")
DAILY_VOTE_CAP = 200
FLOOR = 1


def begin_write() -> None:
    """On SQLite, take the write lock now, so what this transaction reads stays true until commit.

    pysqlite opens a transaction only at the first INSERT/UPDATE; reads before it see whatever was
    committed then. BEGIN IMMEDIATE waits (busy_timeout) for other writers and then serialises.
    PostgreSQL needs nothing here: its writers lock rows instead.
    """
    connection = db.session.connection()
    if connection.dialect.name != "sqlite":
        return
    if not connection.connection.dbapi_connection.in_transaction:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def lock_users(user_ids: Iterable[int | None]) -> list[int]:
    """Lock users' rows in id order (no deadlocks) before reading their ledger; returns the ids."""
    ids = sorted({user_id for user_id in user_ids if user_id is not None})
    if ids:
        # NO KEY UPDATE: inserting events still takes KEY SHARE on these rows for the foreign keys
        db.session.execute(
            select(User.id).where(User.id.in_(ids)).order_by(User.id).with_for_update(key_share=True)
        ).all()
    return ids


def lock_post(post_id: int) -> Post:
    """Lock a post's row and load its current state."""
    return db.session.scalars(
        select(Post)
        .where(Post.id == post_id)
        .with_for_update(key_share=True)
        .execution_options(populate_existing=True)
    ).one()


def active(*conditions) -> list[ReputationEvent]:
    """Grants (awards and restorations) matching the conditions that nothing has undone yet."""
    undoer = aliased(ReputationEvent)
    return list(
        db.session.scalars(
            select(ReputationEvent)
            .where(
                *conditions,
                ReputationEvent.cause.in_(GRANTS),
                ~exists().where(undoer.undoes_id == ReputationEvent.id),
            )
            .order_by(ReputationEvent.id)
        )
    )


def _day(moment: datetime) -> tuple[datetime, datetime]:
    """The UTC calendar day around a moment, as [start, end)."""
    start = datetime.combine(moment.date(), time.min)
    return start, start + timedelta(days=1)


def earned_today(user_id: int, now: datetime | None = None) -> int:
    """Net reputation from upvotes on the UTC day of `now` (what the daily cap looks at)."""
    start, end = _day(now or utcnow())
    return db.session.scalar(
        select(func.coalesce(func.sum(ReputationEvent.delta), 0)).where(
            ReputationEvent.user_id == user_id,
            ReputationEvent.kind.in_(CAPPED_KINDS),
            ReputationEvent.created_at >= start,
            ReputationEvent.created_at < end,
        )
    )


def award(
    user_id: int,
    kind: str,
    *,
    cause: str,
    post_id: int | None = None,
    vote_id: int | None = None,
    actor_id: int | None = None,
    faq_entry_id: int | None = None,
    now: datetime | None = None,
) -> ReputationEvent:
    """Record a grant from the points table, cut to what the daily cap leaves; lock the user first."""
    now = now or utcnow()
    points = POINTS[kind]
    if kind in CAPPED_KINDS and points > 0:
        points = max(0, min(points, DAILY_VOTE_CAP - earned_today(user_id, now)))
    event = ReputationEvent(
        user_id=user_id,
        kind=kind,
        cause=cause,
        delta=points,
        post_id=post_id,
        vote_id=vote_id,
        actor_id=actor_id,
        faq_entry_id=faq_entry_id,
        created_at=now,
    )
    db.session.add(event)
    db.session.flush()  # the next award's cap must see this one
    book(user_id, points)
    return event


def reverse(event: ReputationEvent, cause: str, now: datetime | None = None) -> ReputationEvent:
    """Record the exact opposite of an event (a reversal, or the restoration of one)."""
    opposite = ReputationEvent(
        user_id=event.user_id,
        kind=event.kind,
        cause=cause,
        delta=-event.delta,
        post_id=event.post_id,
        vote_id=event.vote_id,
        actor_id=event.actor_id,
        faq_entry_id=event.faq_entry_id,
        undoes_id=event.id,
        created_at=now or utcnow(),
    )
    db.session.add(opposite)
    db.session.flush()
    book(event.user_id, -event.delta)
    return opposite


def _reputation_for(total):
    """The reputation shown for a ledger sum (a SQL expression): never below the floor."""
    return case((total < 0, FLOOR), else_=FLOOR + total)


def book(user_id: int, delta: int) -> None:
    """Add an event's delta to the user's running total and shown reputation, in one UPDATE."""
    if delta:
        total = User.ledger_total + delta  # both SET clauses read the row as it was
        db.session.execute(
            update(User)
            .where(User.id == user_id)
            .values(ledger_total=total, reputation=_reputation_for(total))
            .execution_options(synchronize_session="fetch")
        )


def ledger_total(user_id_column=User.id):
    """The sum of a user's ledger, as a correlated scalar subquery."""
    return (
        select(func.coalesce(func.sum(ReputationEvent.delta), 0))
        .where(ReputationEvent.user_id == user_id_column)
        .scalar_subquery()
    )


def shown(total: int) -> int:
    """The reputation shown for a ledger sum: never below the floor."""
    return max(FLOOR, FLOOR + total)


def refresh(user_ids: Iterable[int]) -> None:
    """Set the running total and reputation from the ledger itself, in one UPDATE (the users are
    locked): for a repair, or events written by other means than award and reverse."""
    ids = sorted(set(user_ids))
    if not ids:
        return
    db.session.flush()
    total = ledger_total()
    db.session.execute(
        update(User)
        .where(User.id.in_(ids))
        .values(ledger_total=total, reputation=_reputation_for(total))
        .execution_options(synchronize_session="fetch")
    )


# Use cases: each expects its caller to have locked the post (and to commit)


def _vote_grants(vote: Vote, post: Post) -> list[tuple[int, str]]:
    """(recipient, kind) for what a vote's current value earns."""
    is_answer = isinstance(post, Answer)
    grants = []
    if vote.value == 1 and post.author_id is not None:
        grants.append((post.author_id, "answer_upvoted" if is_answer else "question_upvoted"))
    if vote.value == -1:
        if post.author_id is not None:
            grants.append((post.author_id, "post_downvoted"))
        if is_answer:
            grants.append((vote.user_id, "downvote_cast"))
    return grants


def vote_changed(vote: Vote, post: Post, now: datetime | None = None) -> None:
    """Reverse what the vote earned before and award what its new value earns."""
    now = now or utcnow()
    lock_users([vote.user_id, post.author_id])
    cause = "retracted" if vote.value == 0 else "changed"
    for event in active(ReputationEvent.vote_id == vote.id):
        reverse(event, cause, now)
    for recipient, kind in _vote_grants(vote, post):
        award(recipient, kind, cause="vote", post_id=post.id, vote_id=vote.id, actor_id=vote.user_id, now=now)


def acceptance_changed(
    question: Question, old_answer_id: int | None, new_answer: Answer | None, actor: User
) -> None:
    """Move the acceptance points from the old accepted answer (if any) to the new one (if any)."""
    now = utcnow()
    taken = (
        active(ReputationEvent.post_id == old_answer_id, ReputationEvent.kind == "answer_accepted")
        if old_answer_id is not None
        else []
    )
    asker_bonus = active(ReputationEvent.post_id == question.id, ReputationEvent.kind == "accepted_by_asker")
    new_author = new_answer.author_id if new_answer is not None else None
    # accepting your own answer earns nothing, as on Stack Exchange: no points for talking to yourself
    is_self_answer = new_author == question.author_id
    lock_users([question.author_id, new_author, *(event.user_id for event in taken)])
    for event in taken:
        reverse(event, "moved" if new_answer is not None else "unaccepted", now)
    if new_answer is None:
        for event in asker_bonus:
            reverse(event, "unaccepted", now)
        return
    grant = {"cause": "accepted", "actor_id": actor.id, "now": now}
    if new_author is not None and not is_self_answer:
        award(new_author, "answer_accepted", post_id=new_answer.id, **grant)
    if actor.id == question.author_id and not is_self_answer and not asker_bonus:
        award(actor.id, "accepted_by_asker", post_id=question.id, **grant)


def post_deleted(post: Post) -> None:
    """Reverse every grant on a post that has just been soft-deleted."""
    begin_write()
    lock_post(post.id)
    events = active(ReputationEvent.post_id == post.id)
    lock_users(event.user_id for event in events)
    now = max(utcnow(), post.deleted_at)
    for event in events:
        reverse(event, "deleted", now)


def _still_holds(event: ReputationEvent) -> bool:
    """Whether what a grant stood for is still so (checked before restoring it on undelete)."""
    if event.vote_id is not None:
        expected = 1 if event.kind in CAPPED_KINDS else -1
        return db.session.scalar(select(Vote.value).where(Vote.id == event.vote_id)) == expected
    post = db.session.get(Post, event.post_id)
    question = post if isinstance(post, Question) else post.question
    accepted = db.session.scalar(select(Question.accepted_answer_id).where(Question.id == question.id))
    return accepted is not None if event.kind == "accepted_by_asker" else accepted == event.post_id


def post_undeleted(post: Post) -> None:
    """Restore the reversals made when the post was deleted; call before deleted_at is cleared."""
    begin_write()
    lock_post(post.id)
    if isinstance(post, Answer):
        lock_post(post.question_id)  # the acceptance checked below must not move meanwhile
    undoer = aliased(ReputationEvent)
    reversals = db.session.scalars(
        select(ReputationEvent)
        .where(
            ReputationEvent.post_id == post.id,
            ReputationEvent.cause == "deleted",
            # only this deletion's: an earlier one's leftovers stood for what no longer holds
            ReputationEvent.created_at >= post.deleted_at,
            ~exists().where(undoer.undoes_id == ReputationEvent.id),
        )
        .order_by(ReputationEvent.id)
    ).all()
    restorable = [item for item in reversals if _still_holds(db.session.get(ReputationEvent, item.undoes_id))]
    lock_users(item.user_id for item in restorable)
    now = utcnow()
    for item in restorable:
        reverse(item, "restored", now)


@dataclass
class Difference:
    """A user whose cached reputation disagreed with the ledger."""

    user_id: int
    username: str
    cached: int
    ledger: int


def recompute(fix: bool = True) -> list[Difference]:
    """Compare every user's reputation and running total with the ledger; fix the ones that differ."""
    totals = (
        select(ReputationEvent.user_id, func.sum(ReputationEvent.delta).label("total"))
        .group_by(ReputationEvent.user_id)
        .subquery()
    )
    # one statement, so one consistent snapshot: event and cache are written in one transaction
    rows = db.session.execute(
        select(User.id, User.username, User.reputation, User.ledger_total, func.coalesce(totals.c.total, 0))
        .outerjoin(totals, totals.c.user_id == User.id)
        .order_by(User.id)
    ).all()
    differences = [
        Difference(user_id, username, cached, shown(total))
        for user_id, username, cached, running, total in rows
        if cached != shown(total) or running != total
    ]
    if fix and differences:
        begin_write()
        refresh(lock_users(item.user_id for item in differences))
        db.session.commit()
    return differences


def ledger_query(user: User) -> Select:
    """A user's ledger, newest first."""
    return (
        select(ReputationEvent)
        .where(ReputationEvent.user_id == user.id)
        .order_by(ReputationEvent.created_at.desc(), ReputationEvent.id.desc())
    )


def daily_totals(user: User) -> list[tuple[datetime, int]]:
    """(UTC day, net change) for every day the user's reputation changed, oldest first."""
    days: dict[datetime, int] = {}
    rows = db.session.execute(
        select(ReputationEvent.created_at, ReputationEvent.delta)
        .where(ReputationEvent.user_id == user.id)
        .order_by(ReputationEvent.created_at)
    )
    for moment, delta in rows:
        day = _day(moment)[0]
        days[day] = days.get(day, 0) + delta
    return list(days.items())
