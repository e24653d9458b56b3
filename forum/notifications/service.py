"""Following questions and the inbox: who hears about what, for the pages and the API alike.

Who is told:
- The asker follows their own question implicitly (no Follow row): they hear about every answer,
  comment and acceptance on it. So a question's Follow rows are exactly the people who said
  "I have this question too", and Question.follower_count is that number.
- Anyone else follows with "I have this question too" and unfollows the same way.
- An answer's author hears about comments on their answer and about its acceptance. Answering does
  not follow the whole thread (one click does, for those who want every reply).
- An expert hears about a question assigned to them.
- Nobody hears about their own action.

The hooks below (answer_posted, comment_posted, answer_accepted, expert_assigned) run inside the
caller's transaction, before its commit, so a notification exists exactly when its cause does.
Email copies are built then too, and sent after commit on background threads (mail.py).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Integer, Select, bindparam, delete, exists, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.selectable import ScalarSelect

from forum import permissions
from forum.clock import utcnow
from forum.errors import NotFound, PermissionDenied, RuleViolation
from forum.extensions import db
from forum.models import Answer, Comment, Post, Question, User
from forum.models.moderation import Flag
from forum.models.notifications import KINDS, Follow, Notification, NotificationSetting
from forum.models.suggestions import SuggestedEdit
from forum.notifications import mail
from forum.notifications.wording import headline
from forum.routing import MAX_ID

# mark_read takes at most this many ids at once
MAX_IDS = 100


@dataclass
class FollowState:
    """Whether a member hears about a question, and how many people have it too."""

    question: Question
    following: bool
    followers: int


def _member(actor: User | None, message: str) -> User:
    """The signed-in actor (a suspended member still reads and tidies their inbox), or PermissionDenied."""
    if not permissions.is_member(actor):
        raise PermissionDenied(message)
    return permissions.plain(actor)


def _is_member(user: User | None) -> bool:
    return permissions.is_member(user)


# Following


def _visible_question(viewer: User | None, question_id: int) -> Question:
    """A question the viewer may see, or NotFound."""
    post = db.session.get(Post, question_id)
    if not isinstance(post, Question) or not permissions.can_view(viewer, post):
        raise NotFound("That question does not exist or has been deleted.")
    return post


def _insert(table):
    """INSERT ... ON CONFLICT for the session's database."""
    dialect = db.session.get_bind().dialect.name
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)


def _change_follower_count(question: Question, delta: int) -> int:
    """Add delta to the cached count in SQL (concurrent follows all count); returns the new count."""
    posts = Post.__table__
    count = db.session.execute(
        update(posts)
        .where(posts.c.id == question.id)
        .values(follower_count=func.coalesce(posts.c.follower_count, 0) + delta)
        .returning(posts.c.follower_count)
    ).scalar_one()
    set_committed_value(question, "follower_count", count)
    return count


def _current_follower_count(question: Question) -> int:
    """The committed count, read afresh (another request may have changed it)."""
    count = db.session.scalar(select(Post.__table__.c.follower_count).where(Post.id == question.id)) or 0
    set_committed_value(question, "follower_count", count)
    return count


def follow(actor: User | None, question_id: int) -> FollowState:
    """Follow a question ("I have this question too") to hear about its answers, comments and acceptance.

    Following again changes nothing.
    """
    actor = _member(actor, "Sign in to follow questions.")
    refusal = permissions.suspension_refusal(actor)
    if refusal is not None:
        raise refusal
    question = _visible_question(actor, question_id)
    if question.author_id == actor.id:
        raise RuleViolation("You asked this question: you hear about its answers and comments already.")
    if question.is_deleted:
        raise RuleViolation("Deleted questions cannot be followed.")
    # RETURNING, not rowcount: psycopg reports -1 for an INSERT ... ON CONFLICT
    inserted = db.session.execute(
        _insert(Follow.__table__)
        .values(user_id=actor.id, question_id=question.id, created_at=utcnow())
        .on_conflict_do_nothing(index_elements=["user_id", "question_id"])
        .returning(Follow.__table__.c.user_id)
    ).first()
    count = _change_follower_count(question, 1) if inserted else _current_follower_count(question)
    db.session.commit()
    return FollowState(question=question, following=True, followers=count)


def unfollow(actor: User | None, question_id: int) -> FollowState:
    """Stop hearing about a question; unfollowing one you do not follow changes nothing."""
    actor = _member(actor, "Sign in to follow questions.")
    refusal = permissions.suspension_refusal(actor)
    if refusal is not None:
        raise refusal
    question = _visible_question(actor, question_id)
    if question.author_id == actor.id:
        raise RuleViolation("Askers always hear about their own question; it cannot be unfollowed.")
    removed = db.session.execute(
        delete(Follow.__table__)
        .where(Follow.user_id == actor.id, Follow.question_id == question.id)
        .returning(Follow.__table__.c.user_id)
    ).first()
    count = _change_follower_count(question, -1) if removed else _current_follower_count(question)
    db.session.commit()
    return FollowState(question=question, following=False, followers=count)


def is_following(user: User | None, question: Question) -> bool:
    """The asker always follows; others when they have a Follow row (one query)."""
    if not _is_member(user):
        return False
    if question.author_id == user.id:
        return True
    return bool(
        db.session.scalar(
            select(exists().where(Follow.user_id == user.id, Follow.question_id == question.id))
        )
    )


def follow_state(viewer: User | None, question_id: int) -> FollowState:
    """Whether the viewer follows a question they may see, and its follower count."""
    question = _visible_question(viewer, question_id)
    return FollowState(
        question=question, following=is_following(viewer, question), followers=question.follower_count or 0
    )


def followers(question_id: int) -> list[int]:
    """The ids of the people following a question (not its asker), in one query."""
    return list(db.session.scalars(select(Follow.user_id).where(Follow.question_id == question_id)))


# Notifying: called by the services of answers, comments, acceptance and assignment


def _question_of(post: Post) -> Question:
    return post if isinstance(post, Question) else post.question


def notify(
    kind: str,
    recipients: Iterable[int | None],
    *,
    question: Question,
    post: Post,
    actor: User | None,
    comment: Comment | None = None,
    note: str | None = None,
) -> list[int]:
    """Add one notification per recipient, except the actor, in the caller's transaction.

    Returns the recipients' ids. When mail is configured, their email copies are queued too.
    """
    if kind not in KINDS:
        raise ValueError(f"Unknown notification kind {kind!r}; expected one of {', '.join(KINDS)}.")
    actor_id = actor.id if actor is not None else None
    recipient_ids = sorted({user_id for user_id in recipients if user_id is not None} - {actor_id})
    if not recipient_ids:
        return []
    db.session.flush()  # the new answer or comment needs its id
    now = utcnow()
    db.session.execute(
        insert(Notification),
        [
            {
                "recipient_id": user_id,
                "kind": kind,
                "question_id": question.id,
                "post_id": post.id,
                "comment_id": comment.id if comment is not None else None,
                "actor_id": actor_id,
                "created_at": now,
                "note": note,
            }
            for user_id in recipient_ids
        ],
    )
    if mail.is_configured():
        mail.queue_copies(
            kind, recipient_ids, question=question, post=post, actor=actor, comment=comment, note=note
        )
    return recipient_ids


def answer_posted(answer: Answer) -> list[int]:
    """Tell the asker and the followers about a new answer."""
    question = answer.question
    audience = [question.author_id, *followers(question.id)]
    return notify("answer", audience, question=question, post=answer, actor=answer.author)


def comment_posted(comment: Comment) -> list[int]:
    """Tell the asker, the followers and the commented post's author about a new comment."""
    post = comment.post
    question = _question_of(post)
    audience = [question.author_id, post.author_id, *followers(question.id)]
    return notify("comment", audience, question=question, post=post, actor=comment.author, comment=comment)


def answer_accepted(question: Question, answer: Answer | None, actor: User) -> list[int]:
    """Tell the answer's author, the asker and the followers that an answer was accepted."""
    if answer is None:  # unaccepting tells nobody
        return []
    audience = [answer.author_id, question.author_id, *followers(question.id)]
    return notify("accepted", audience, question=question, post=answer, actor=actor)


def expert_assigned(question_id: int, expert: User, actor: User) -> list[int]:
    """Tell an expert that a moderator assigned them a question."""
    question = db.session.get(Question, question_id)
    return notify("assigned", [expert.id], question=question, post=question, actor=actor)


def flag_resolved(flag: Flag, outcome: str) -> list[int]:
    """Tell a flagger what the moderators did about their flag."""
    post = flag.post
    return notify("flag", [flag.user_id], question=_question_of(post), post=post, actor=None, note=outcome)


def warned(post: Post, reason: str) -> list[int]:
    """Give a post's author a moderator's warning about it."""
    return notify(
        "warning", [post.author_id], question=_question_of(post), post=post, actor=None, note=reason
    )


def suggestion_reviewed(suggestion: SuggestedEdit) -> list[int]:
    """Tell the member who suggested an edit whether it was approved (or why it was rejected)."""
    verdict = suggestion.status
    if verdict == "rejected" and suggestion.review_note:
        verdict = f"rejected ({suggestion.review_note})"
    post = suggestion.post
    return notify(
        "suggestion",
        [suggestion.author_id],
        question=_question_of(post),
        post=post,
        actor=suggestion.reviewer,
        note=verdict,
    )


# The inbox


def inbox(user: User) -> Select:
    """A member's notifications, newest first, with what the inbox shows of each (no N+1)."""
    return (
        select(Notification)
        .where(Notification.recipient_id == user.id)
        .options(
            joinedload(Notification.actor),
            joinedload(Notification.question),
            joinedload(Notification.post),
            joinedload(Notification.comment),
        )
        .order_by(Notification.id.desc())
    )


def headline_of(notification: Notification) -> str:
    """What a notification says, worded for its recipient ('erin answered your question')."""
    return headline(
        notification.kind,
        notification.recipient_id,
        question=notification.question,
        post=notification.post,
        actor=notification.actor,
        note=notification.note,
    )


def unread_column(user_id: ColumnElement[int]) -> ScalarSelect[int]:
    """The user's unread count as a column, for statements that ask it with other things."""
    return (
        select(func.count())
        .select_from(Notification)
        .where(Notification.recipient_id == user_id, Notification.read_at.is_(None))
        .scalar_subquery()
    )


@functools.cache
def _summary_statement(with_question: bool) -> Select:
    """The unread count and, with a question, whether the user follows it (built once: the header
    asks on every page)."""
    user_id = bindparam("user_id", type_=Integer)
    columns = [unread_column(user_id)]
    if with_question:
        columns.append(
            exists().where(Follow.user_id == user_id, Follow.question_id == bindparam("question_id"))
        )
    return select(*columns)


def unread_count(user: User | None) -> int:
    """How many notifications the member has not read (one indexed query; 0 for visitors)."""
    return viewer_summary(user)[0]


def viewer_summary(user: User | None, question_id: int | None = None) -> tuple[int, bool | None]:
    """The unread count and, given a question, whether the user follows it: one statement.

    The header needs the count on every page; the question page also needs the follow state.
    Asking both at once keeps the page at one extra query. None when no question was given.
    """
    if not _is_member(user):
        return 0, (False if question_id is not None else None)
    with_question = question_id is not None
    values = {"user_id": user.id, **({"question_id": question_id} if with_question else {})}
    row = db.session.execute(_summary_statement(with_question), values).one()
    return row[0] or 0, (bool(row[1]) if with_question else None)


def open_notification(user: User | None, notification_id: int) -> Notification:
    """One of the member's notifications, marked read (opening it is reading it)."""
    user = _member(user, "Sign in to see your notifications.")
    notification = db.session.scalar(
        select(Notification)
        .where(Notification.id == notification_id, Notification.recipient_id == user.id)
        .options(joinedload(Notification.question), joinedload(Notification.post))
    )
    if notification is None:
        raise NotFound("That notification is not in your inbox.")
    if notification.read_at is None:
        notification.read_at = utcnow()
        db.session.commit()
    return notification


def _check_ids(ids: Any) -> list[int]:
    """A list of notification ids from the API, checked."""
    message = f"Give a list of at most {MAX_IDS} notification ids, or leave ids out to mark all read."
    if not isinstance(ids, list) or len(ids) > MAX_IDS or any(type(item) is not int for item in ids):
        raise RuleViolation(f"The ids are not valid. {message}", {"ids": [message]})
    return sorted(set(ids))


def mark_read(user: User | None, ids: Any = None) -> int:
    """Mark the member's notifications read: all of them, or the ids given; returns how many changed.

    Ids that are already read change nothing; an id not in the member's inbox is a NotFound.
    """
    user = _member(user, "Sign in to see your notifications.")
    condition = [Notification.recipient_id == user.id, Notification.read_at.is_(None)]
    if ids is not None:
        wanted = _check_ids(ids)
        possible = [item for item in wanted if 0 < item <= MAX_ID]  # larger ids cannot exist
        mine = select(Notification.id).where(
            Notification.recipient_id == user.id, Notification.id.in_(possible)
        )
        found = set(db.session.scalars(mine))
        missing = [item for item in wanted if item not in found]
        if missing:
            shown = ", ".join(str(item) for item in missing[:5])
            raise NotFound(f"Not in your inbox: {shown}.", {"ids": [f"Not in your inbox: {shown}."]})
        condition.append(Notification.id.in_(wanted))
    changed = db.session.execute(update(Notification).where(*condition).values(read_at=utcnow())).rowcount
    db.session.commit()
    return changed


# Email preference


def email_enabled(user: User) -> bool:
    """Whether the member wants email copies (on unless they turned it off)."""
    setting = db.session.get(NotificationSetting, user.id)
    return True if setting is None else setting.email


def set_email(user: User | None, enabled: Any) -> bool:
    """Turn email copies on or off for the member; returns the new setting."""
    user = _member(user, "Sign in to change your notification settings.")
    if type(enabled) is not bool:
        message = "Must be true (email me) or false (inbox only)."
        raise RuleViolation(f"The email setting is not valid. {message}", {"email": [message]})
    now = utcnow()
    db.session.execute(
        _insert(NotificationSetting.__table__)
        .values(user_id=user.id, email=enabled, updated_at=now)
        .on_conflict_do_update(index_elements=["user_id"], set_={"email": enabled, "updated_at": now})
    )
    db.session.commit()
    return enabled
