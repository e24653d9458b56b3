"""Moderation in the JSON API: flags, thread actions, suspensions, the review queue and the log."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify, request

from forum.api import serialise
from forum.api.auth import register_token_auth, require_user
from forum.api.payloads import json_object
from forum.models.moderation import AuditEntry, Flag
from forum.models.users import User
from forum.moderation import audit, flags, holds, suspensions, threads
from forum.pagination import paginate

bp = Blueprint("moderation_api", __name__, url_prefix="/api/v1")
register_token_auth(bp)


def _body() -> dict[str, Any]:
    """The JSON object sent, or {} when the body is empty."""
    return json_object() if request.get_data(cache=True).strip() else {}


def flag_json(flag: Flag) -> dict[str, Any]:
    return {
        "id": flag.id,
        "post_id": flag.post_id,
        "reason": flag.reason,
        "text": flag.text,
        "duplicate_of": flag.duplicate_of_id,
        "status": flag.status,
        "outcome": flag.outcome,
        "created_at": serialise.timestamp(flag.created_at),
        "post_hidden": flag.post.is_hidden,
    }


def suspension_json(user: User) -> dict[str, Any]:
    suspended = user.is_suspended
    return {
        "user_id": user.id,
        "username": user.username,
        "suspended": suspended,
        "suspended_until": serialise.timestamp(user.suspended_until) if suspended else None,
        "reason": user.suspension_reason if suspended else None,
    }


def entry_json(entry: AuditEntry) -> dict[str, Any]:
    before, after = audit.changes(entry)
    return {
        "id": entry.id,
        "actor": serialise.author_json(entry.actor),
        "action": entry.action,
        "target_type": entry.target_type,
        "target_id": entry.target_id,
        "reason": entry.reason,
        "before": before,
        "after": after,
        "created_at": serialise.timestamp(entry.created_at),
    }


@bp.post("/posts/<int:post_id>/flags")
def flag(post_id: int):
    """Flag a post for the moderators (a duplicate names the original; "other" needs text)."""
    payload = json_object("reason", "text")
    new_flag = flags.flag(
        require_user(), post_id, payload.get("reason"), payload.get("text") or "", payload.get("duplicate_of")
    )
    return jsonify(flag_json(new_flag)), 201


@bp.post("/questions/<int:question_id>/close")
def close(question_id: int):
    """Close a question with a reason (a duplicate names the original); below moderator, a close vote."""
    payload = json_object("reason", "note")
    result = threads.close_or_vote(
        require_user(),
        question_id,
        payload.get("reason"),
        payload.get("duplicate_of"),
        payload.get("note") or "",
    )
    if not result.closed:
        return jsonify(close_votes=result.votes, needed=result.needed), 202
    return jsonify(serialise.question_json(result.question))


@bp.post("/questions/<int:question_id>/reopen")
def reopen(question_id: int):
    """Reopen a closed question."""
    return jsonify(serialise.question_json(threads.reopen(require_user(), question_id)))


@bp.post("/questions/<int:question_id>/lock")
def lock(question_id: int):
    """Lock a thread: no new answers, comments or votes."""
    note = _body().get("note")
    return jsonify(serialise.question_json(threads.lock(require_user(), question_id, note or "")))


@bp.post("/questions/<int:question_id>/unlock")
def unlock(question_id: int):
    """Unlock a thread."""
    return jsonify(serialise.question_json(threads.unlock(require_user(), question_id)))


@bp.post("/questions/<int:question_id>/pin")
def pin(question_id: int):
    """Pin a question to the top of its tags' lists."""
    return jsonify(serialise.question_json(threads.pin(require_user(), question_id, True)))


@bp.post("/questions/<int:question_id>/unpin")
def unpin(question_id: int):
    """Unpin a question."""
    return jsonify(serialise.question_json(threads.pin(require_user(), question_id, False)))


@bp.post("/tags/merge")
def merge_tags():
    """Merge one tag into another."""
    payload = json_object("source", "target")
    target = threads.merge_tags(require_user(), payload.get("source"), payload.get("target"))
    return jsonify({"tag": target.name, "question_count": target.question_count})


@bp.post("/users/<int:user_id>/suspend")
def suspend(user_id: int):
    """Suspend a member for `days` with a `reason` they will read."""
    payload = json_object("reason")
    suspension = suspensions.suspend(require_user(), user_id, payload.get("days"), payload.get("reason"))
    return jsonify(suspension_json(suspension.user))


@bp.post("/users/<int:user_id>/unsuspend")
def unsuspend(user_id: int):
    """Lift a suspension (admins)."""
    return jsonify(suspension_json(suspensions.lift(require_user(), user_id)))


@bp.get("/moderation/flags")
def flag_queue():
    """Posts with open flags, oldest first (moderators)."""
    queue = flags.queue(require_user())
    return jsonify(
        {
            "items": [
                {
                    "post_id": item.post.id,
                    "question_id": item.question.id,
                    "hidden": item.post.is_hidden,
                    "flags": [flag_json(each) for each in item.flags],
                }
                for item in queue.items
            ],
            "page": queue.page,
            "pages": queue.pages,
            "total": queue.total,
        }
    )


@bp.post("/moderation/posts/<int:post_id>")
def decide(post_id: int):
    """A moderator's decision on a flagged post; it resolves every open flag on it."""
    payload = json_object("action", "reason", "close_reason")
    user = require_user()
    post = flags.decide(
        user,
        post_id,
        payload.get("action"),
        payload.get("reason") or "",
        days=payload.get("days"),
        close_reason=payload.get("close_reason"),
        duplicate_of=payload.get("duplicate_of"),
    )
    return jsonify(serialise.post_json(post, user))


@bp.get("/moderation/log")
def log():
    """The audit log, newest first; the same filters as the page."""
    names = ("action", "actor", "target_type", "target_id", "since", "until")
    query = audit.entries(require_user(), **{name: request.args.get(name, "") for name in names})
    return jsonify(serialise.page_json(paginate(query), entry_json))


# Posts and comments held for personal data (forum/moderation/holds.py)


def held_json(held: holds.HeldItem) -> dict[str, Any]:
    item = held.item
    return {
        "target_type": held.target_type,
        "id": item.id,
        "question_id": held.question.id,
        "author": serialise.author_json(item.author),
        "held_at": serialise.timestamp(item.hidden_at),
        "fields": [
            {
                "field": part.name,
                "text": part.text,
                "personal_data": [match.as_json() for match in part.matches],
            }
            for part in held.fields
        ],
    }


@bp.get("/moderation/personal-data")
def held_queue():
    """Posts and comments held for personal data, oldest first, a page at a time, with what was found
    (moderators)."""
    return jsonify(serialise.page_json(holds.queue(require_user()), held_json))


def _reason() -> str:
    reason = _body().get("reason")
    return reason if isinstance(reason, str) else ""


@bp.post("/posts/<int:post_id>/release")
def release_post(post_id: int):
    """Publish a post held for personal data as it is."""
    user = require_user()
    return jsonify(serialise.post_json(holds.release(user, "post", post_id, _reason()), user))


@bp.post("/posts/<int:post_id>/redact")
def redact_post(post_id: int):
    """Remove the personal data from a post and every revision of it; a held post is published."""
    user = require_user()
    return jsonify(serialise.post_json(holds.redact(user, "post", post_id, _reason()), user))


@bp.post("/comments/<int:comment_id>/release")
def release_comment(comment_id: int):
    """Publish a comment held for personal data as it is."""
    return jsonify(serialise.comment_json(holds.release(require_user(), "comment", comment_id, _reason())))


@bp.post("/comments/<int:comment_id>/redact")
def redact_comment(comment_id: int):
    """Remove the personal data from a comment; a held comment is published."""
    return jsonify(serialise.comment_json(holds.redact(require_user(), "comment", comment_id, _reason())))
