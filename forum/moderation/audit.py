"""The audit log: every moderator and admin action, append-only.

`record` adds an entry to the caller's transaction, so an action and its entry commit together
or not at all. Nothing here (nor anywhere else) edits or deletes an entry.
"""

from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import joinedload

from forum import permissions
from forum.errors import PermissionDenied, RuleViolation
from forum.extensions import db
from forum.models import User
from forum.models.moderation import AuditEntry

# What each action is called on the log page
ACTIONS: dict[str, str] = {
    "post.delete": "Deleted a post",
    "post.undelete": "Restored a post",
    "post.edit": "Edited a post",
    "post.hide": "Post hidden by flags",
    "post.unhide": "Released a hidden post",
    "post.release": "Released a post held for personal data",
    "post.redact": "Redacted personal data from a post",
    "comment.release": "Released a comment held for personal data",
    "comment.redact": "Redacted personal data from a comment",
    "question.close": "Closed a question",
    "question.reopen": "Reopened a question",
    "question.lock": "Locked a question",
    "question.unlock": "Unlocked a question",
    "question.pin": "Pinned a question",
    "question.unpin": "Unpinned a question",
    "tag.merge": "Merged tags",
    "flag.dismiss": "Dismissed flags",
    "flag.action": "Acted on flags",
    "user.warn": "Warned a user",
    "user.suspend": "Suspended a user",
    "user.unsuspend": "Lifted a suspension",
    "user.role": "Changed a role",
    "suggestion.approve": "Approved a suggested edit",
    "suggestion.reject": "Rejected a suggested edit",
    "faq.approve": "Approved a thread into the FAQ",
    "faq.merge": "Merged threads into an FAQ entry",
    "faq.dismiss": "Dismissed an FAQ candidate",
    "faq.edit": "Edited an FAQ entry",
    "faq.review": "Reviewed an FAQ entry",
    "faq.delete": "Retired an FAQ entry",
    "faq.undelete": "Restored an FAQ entry",
    "faq.suggestion_approve": "Approved a suggested FAQ edit",
    "faq.suggestion_reject": "Rejected a suggested FAQ edit",
}
TARGET_TYPES = ("post", "question", "tag", "user", "suggestion", "comment", "faq")


def record(
    actor: User | None,
    action: str,
    target_type: str,
    target_id: int,
    reason: str = "",
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditEntry:
    """Add an entry to the current transaction (the caller commits). `actor` None: the command line."""
    if action not in ACTIONS or target_type not in TARGET_TYPES:
        raise ValueError(f"Unknown audit action {action!r} on {target_type!r}")
    entry = AuditEntry(
        actor=permissions.plain(actor),
        action=action,
        target_type=target_type,
        target_id=target_id,
        reason=(reason or "").strip()[:500],
        before=json.dumps(before, ensure_ascii=False, sort_keys=True) if before is not None else None,
        after=json.dumps(after, ensure_ascii=False, sort_keys=True) if after is not None else None,
    )
    db.session.add(entry)
    return entry


def _day(raw: str, name: str) -> date | None:
    if not raw:
        return None
    message = "Use a date like 2026-01-31."
    try:
        day = date.fromisoformat(raw)
    except ValueError:
        raise RuleViolation(f"'{name}' is not a date. {message}", {name: [message]}) from None
    if not 1970 <= day.year <= 9998:
        raise RuleViolation(f"'{name}' is out of range. {message}", {name: [message]})
    return day


def entries(
    viewer: User | None,
    action: str = "",
    actor: str = "",
    target_type: str = "",
    target_id: str = "",
    since: str = "",
    until: str = "",
) -> Select:
    """The log, newest first, filtered by action, actor name, target and a date range (inclusive)."""
    if not permissions.can_moderate(viewer):
        raise PermissionDenied("Only moderators and admins read the audit log.")
    query = select(AuditEntry).options(joinedload(AuditEntry.actor)).order_by(AuditEntry.id.desc())
    if action:
        if action not in ACTIONS:
            raise RuleViolation(f"Unknown action {action[:40]!r}.", {"action": ["Pick one from the list."]})
        query = query.where(AuditEntry.action == action)
    if actor:
        query = query.join(User, User.id == AuditEntry.actor_id).where(
            User.username_key == actor.strip().lower()
        )
    if target_type:
        if target_type not in TARGET_TYPES:
            raise RuleViolation(f"Unknown target type {target_type[:20]!r}.", {"target_type": ["Pick one."]})
        query = query.where(AuditEntry.target_type == target_type)
    if target_id:
        if not target_id.isascii() or not target_id.isdigit() or len(target_id) > 10:
            raise RuleViolation("'target_id' must be a whole number.", {"target_id": ["A whole number."]})
        query = query.where(AuditEntry.target_id == int(target_id))
    start, end = _day(since, "since"), _day(until, "until")
    if start:
        query = query.where(AuditEntry.created_at >= datetime.combine(start, time()))
    if end:
        query = query.where(AuditEntry.created_at < datetime.combine(end + timedelta(days=1), time()))
    return query


def changes(entry: AuditEntry) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """The entry's before and after, parsed."""
    return (
        json.loads(entry.before) if entry.before is not None else None,
        json.loads(entry.after) if entry.after is not None else None,
    )
