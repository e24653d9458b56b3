"""Models to JSON for the API: the one place that decides what a client sees."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any

from flask import url_for
from flask_sqlalchemy.pagination import Pagination

from forum import permissions
from forum.experts.service import Claim, Queue
from forum.models import Answer, Comment, Post, Question, User
from forum.models.notifications import Notification
from forum.models.reputation import ReputationEvent
from forum.notifications.service import FollowState, headline_of
from forum.notifications.wording import anchor
from forum.questions.service import Thread
from forum.votes.ledger import shows_post
from forum.votes.service import VoteResult


def timestamp(value: datetime | None) -> str | None:
    """ISO 8601 in UTC with a trailing Z (the database stores naive UTC)."""
    if value is None:
        return None
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value.isoformat(timespec="seconds") + "Z"


def author_json(user: User | None) -> dict[str, Any] | None:
    """The small user object shown on posts and comments; never email or hashes."""
    if user is None:
        return None
    return {"id": user.id, "username": user.username, "role": user.role}


def user_json(user: User) -> dict[str, Any]:
    """A public profile."""
    return {**author_json(user), "reputation": user.reputation, "created_at": timestamp(user.created_at)}


def comment_json(comment: Comment) -> dict[str, Any]:
    """A comment under a post."""
    return {
        "id": comment.id,
        "post_id": comment.post_id,
        "body": comment.body,
        "body_html": comment.body_html,
        "author": author_json(comment.author),
        "created_at": timestamp(comment.created_at),
        "deleted": comment.is_deleted,
        "held": comment.is_hidden,
    }


def _page_url(question: Question, **kwargs: Any) -> str:
    """The absolute URL of the question's HTML page."""
    return url_for("questions.show", question_id=question.id, slug=question.slug, _external=True, **kwargs)


def question_json(question: Question) -> dict[str, Any]:
    """A question without its thread (lists, creation, edits)."""
    return {
        "id": question.id,
        "type": "question",
        "title": question.title,
        "body": question.body,
        "body_html": question.body_html,
        "tags": question.tag_names,
        "score": question.score,
        "answer_count": question.answer_count or 0,
        "view_count": question.view_count or 0,
        "status": question.status or "open",
        "closed_reason": question.closed_reason,
        "duplicate_of_id": question.duplicate_of_id,
        "pinned": question.pinned_at is not None,
        "accepted_answer_id": question.accepted_answer_id,
        "official_answer_id": question.official_answer_id,
        "follower_count": question.follower_count or 0,
        "author": author_json(question.author),
        "created_at": timestamp(question.created_at),
        "edited_at": timestamp(question.edited_at),
        "last_activity_at": timestamp(question.last_activity_at),
        "deleted": question.is_deleted,
        "held": question.is_hidden,
        "url": _page_url(question),
    }


def answer_json(answer: Answer, question: Question, comments: Iterable[Comment]) -> dict[str, Any]:
    """An answer to `question` with the comments under it."""
    return {
        "id": answer.id,
        "type": "answer",
        "question_id": answer.question_id,
        "body": answer.body,
        "body_html": answer.body_html,
        "score": answer.score,
        "author": author_json(answer.author),
        "created_at": timestamp(answer.created_at),
        "edited_at": timestamp(answer.edited_at),
        "deleted": answer.is_deleted,
        "held": answer.is_hidden,
        "is_accepted": answer.id == question.accepted_answer_id,
        "is_official": answer.id == question.official_answer_id,
        "url": _page_url(question, _anchor=f"a{answer.id}"),
        "comments": [comment_json(item) for item in comments],
    }


def thread_json(thread: Thread) -> dict[str, Any]:
    """A question with its answers in page order and the comments the viewer may see."""
    question = thread.question
    return {
        **question_json(question),
        "comments": [comment_json(item) for item in thread.comments_on(question)],
        "answers": [answer_json(item, question, thread.comments_on(item)) for item in thread.answers],
    }


def post_json(post: Post, viewer: User | None) -> dict[str, Any]:
    """A question or an answer after a change (an answer carries the comments the viewer may see)."""
    if isinstance(post, Question):
        return question_json(post)
    comments = [item for item in post.comments if not item.is_deleted or permissions.can_moderate(viewer)]
    return answer_json(post, post.question, comments)


def page_json(page: Pagination, serialise: Callable[[Any], dict[str, Any]]) -> dict[str, Any]:
    """One page of a list, with what a client needs to fetch the others."""
    return {
        "items": [serialise(item) for item in page.items],
        "page": page.page,
        "per_page": page.per_page,
        "total": page.total or 0,
        "pages": page.pages,
    }


def vote_json(result: VoteResult) -> dict[str, Any]:
    """A post's score after a vote, and the caller's vote on it."""
    return {"score": result.score, "user_vote": result.user_vote}


def reputation_event_json(event: ReputationEvent, viewer: User | None) -> dict[str, Any]:
    """One ledger event; never who caused it (votes are anonymous)."""
    return {
        "id": event.id,
        "kind": event.kind,
        "cause": event.cause,
        "delta": event.delta,
        "post_id": event.post_id if shows_post(event, viewer) else None,
        "undoes_id": event.undoes_id,
        "created_at": timestamp(event.created_at),
    }


def reputation_json(user: User, page: Pagination, viewer: User | None) -> dict[str, Any]:
    """One page of a user's ledger, newest first, with the user and their reputation."""
    return {
        "user": user_json(user),
        "reputation": user.reputation,
        **page_json(page, lambda event: reputation_event_json(event, viewer)),
    }


def claim_json(claim: Claim) -> dict[str, Any]:
    """Who is on a question: a claim lapses at expires_at; an assignment (assigned_by) does not."""
    return {
        "question_id": claim.question_id,
        "expert": author_json(claim.expert),
        "assigned_by": author_json(claim.assigned_by),
        "claimed_at": timestamp(claim.claimed_at),
        "expires_at": timestamp(claim.expires_at),
    }


def expert_queue_json(queue: Queue) -> dict[str, Any]:
    """One page of the expert queue in its order, with the counts over the whole queue."""
    return {
        "target_hours": queue.target_hours,
        "counts": {"open": queue.open, "claimed": queue.claimed, "overdue": queue.overdue},
        **page_json(
            queue.page,
            lambda item: {
                "question": question_json(item.question),
                "age_hours": item.age_hours,
                "overdue": item.overdue,
                "claim": claim_json(item.claim) if item.claim else None,
            },
        ),
    }


def follow_json(state: FollowState) -> dict[str, Any]:
    """Whether the caller follows a question (askers always do), and how many people have it too."""
    return {"following": state.following, "followers": state.followers}


def notification_json(notification: Notification) -> dict[str, Any]:
    """One inbox item: what happened, where, and who did it."""
    question = notification.question
    return {
        "id": notification.id,
        "kind": notification.kind,
        "text": headline_of(notification),
        "question": {"id": question.id, "title": question.title},
        "post_id": notification.post_id,
        "comment_id": notification.comment_id,
        "actor": author_json(notification.actor),
        "created_at": timestamp(notification.created_at),
        "read": notification.is_read,
        "read_at": timestamp(notification.read_at),
        "url": _page_url(question, _anchor=anchor(notification.post, notification.comment_id)),
    }


def notifications_json(page: Pagination, unread: int) -> dict[str, Any]:
    """One page of the inbox, newest first, with the unread count."""
    return {**page_json(page, notification_json), "unread": unread}
