"""Suspensions: a user reads but cannot post until the end date; admins lift them early.

The suspension in force is cached on the user row (suspended_until, suspension_reason), so the
permission checks on every page and API call need no query; the suspensions table keeps history.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from forum import permissions
from forum.clock import utcnow
from forum.errors import PermissionDenied, RuleViolation
from forum.extensions import db
from forum.models import User
from forum.models.moderation import Suspension
from forum.moderation import audit
from forum.users import service as users

MAX_DAYS = 3650
REASON_MAX = 500


def check_days(raw: object) -> int:
    """A whole number of days from 1 to MAX_DAYS, else RuleViolation naming the field."""
    if isinstance(raw, str) and raw.strip().isascii() and raw.strip().isdigit() and len(raw.strip()) < 6:
        raw = int(raw.strip())
    if type(raw) is not int or not 1 <= raw <= MAX_DAYS:
        message = f"A whole number of days from 1 to {MAX_DAYS:,}."
        raise RuleViolation(f"The days are not valid. {message}", {"days": [message]})
    return raw


def _check_reason(reason: object) -> str:
    text = reason.strip() if isinstance(reason, str) else ""
    if not text:
        message = "Say why: the user reads it."
        raise RuleViolation(f"A suspension needs a reason. {message}", {"reason": [message]})
    if len(text) > REASON_MAX:
        message = f"At most {REASON_MAX} characters."
        raise RuleViolation(f"The reason is too long. {message}", {"reason": [message]})
    return text


def suspend(
    actor: User | None, user_id: int, days: object, reason: object, *, by_cli: bool = False
) -> Suspension:
    """Suspend a user for `days` from now; a new suspension replaces the one in force."""
    if not by_cli and not permissions.can_suspend(actor):
        raise PermissionDenied("Only moderators and admins suspend accounts.")
    days, reason = check_days(days), _check_reason(reason)
    user = users.get_user(user_id)
    if user.is_moderator:
        raise RuleViolation("Moderators and admins cannot be suspended; change their role first.")
    if not by_cli and user.id == actor.id:
        raise RuleViolation("You cannot suspend yourself.")
    now = utcnow()
    suspension = Suspension(
        user=user,
        reason=reason,
        starts_at=now,
        ends_at=now + timedelta(days=days),
        created_by=permissions.plain(actor),
    )
    db.session.add(suspension)
    before = {"suspended_until": _iso(user.suspended_until)} if user.is_suspended else None
    user.suspended_until, user.suspension_reason = suspension.ends_at, reason
    db.session.flush()
    audit.record(
        None if by_cli else actor,
        "user.suspend",
        "user",
        user.id,
        reason,
        before=before,
        after={"suspended_until": _iso(suspension.ends_at), "days": days},
    )
    db.session.commit()
    return suspension


def lift(actor: User | None, user_id: int, *, by_cli: bool = False) -> User:
    """End the suspension in force now (admins)."""
    if not by_cli and not permissions.can_lift_suspension(actor):
        raise PermissionDenied("Only admins lift suspensions.")
    user = users.get_user(user_id)
    if not user.is_suspended:
        raise RuleViolation(f"{user.username} is not suspended.")
    now = utcnow()
    for suspension in db.session.scalars(
        select(Suspension).where(
            Suspension.user_id == user.id, Suspension.lifted_at.is_(None), Suspension.ends_at > now
        )
    ):
        suspension.lifted_at, suspension.lifted_by = now, None if by_cli else permissions.plain(actor)
    before = {"suspended_until": _iso(user.suspended_until)}
    user.suspended_until, user.suspension_reason = None, None
    audit.record(None if by_cli else actor, "user.unsuspend", "user", user.id, before=before, after={})
    db.session.commit()
    return user


def history(user: User) -> list[Suspension]:
    """A user's suspensions, newest first."""
    return list(
        db.session.scalars(
            select(Suspension).where(Suspension.user_id == user.id).order_by(Suspension.id.desc())
        )
    )


def _iso(moment) -> str | None:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ") if moment else None
