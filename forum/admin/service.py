"""What admins change: people's roles and each expert's topics.

The same function serves the admin pages and the API; `flask users set-role` is the shell's way
to the same rules (it runs with the server's own authority, so it needs no acting admin).
"""

from __future__ import annotations

from sqlalchemy import Select, case, or_, select

from forum import permissions
from forum.auth import service as accounts
from forum.errors import PermissionDenied, RuleViolation
from forum.experts import service as experts
from forum.extensions import db
from forum.models import ROLES, User
from forum.moderation import audit
from forum.users import service as users

SEARCH_MAX = 100


def _require_admin(actor: User | None) -> User:
    if not permissions.can_manage_roles(actor):
        raise PermissionDenied("Only admins manage roles and topics.")
    return permissions.plain(actor)


def people(actor: User | None, search: str = "", role: str = "") -> Select:
    """Accounts for the admin list: staff first, then by name; optionally one role or a name search."""
    _require_admin(actor)
    if role and role not in ROLES:
        raise RuleViolation(f"Unknown role {role!r}; choose one of {', '.join(ROLES)}.")
    if len(search) > SEARCH_MAX:
        raise RuleViolation(f"Search for at most {SEARCH_MAX} characters.")
    query = select(User)
    if role:
        query = query.where(User.role == role)
    term = search.strip().lower()
    if term:
        query = query.where(
            or_(User.username_key.contains(term, autoescape=True), User.email.contains(term, autoescape=True))
        )
    staff_first = case({name: rank for rank, name in enumerate(reversed(ROLES))}, value=User.role)
    return query.order_by(staff_first, User.username_key)


def set_role(actor: User | None, user_id: int, role: str, topics: str | list[str] | None = None) -> User:
    """Give a user a role and, for an expert, their topics; other roles have none.

    `topics` None keeps an expert's topics as they are. Admins cannot take away their own admin
    role, so a community always keeps one.
    """
    actor = _require_admin(actor)
    user = users.get_user(user_id)
    if role not in ROLES:
        message = f"Choose one of {', '.join(ROLES)}."
        raise RuleViolation(f"Unknown role {role!r}. {message}", {"role": [message]})
    if user.id == actor.id and role != "admin":
        message = "You cannot take away your own admin role; ask another admin."
        raise RuleViolation(message, {"role": [message]})
    if topics is not None and role != "expert" and (topics if isinstance(topics, list) else topics.strip()):
        raise RuleViolation("Only experts have topics.", {"topics": ["Only experts have topics."]})
    raw = ",".join(topics) if isinstance(topics, list) else topics
    names = experts.parse_topics(raw) if raw is not None else None
    before = {"role": user.role, "topics": experts.topics(user)}
    accounts.set_role(user, role)
    if role != "expert":
        experts.set_topics(user, [])
    elif names is not None:
        experts.set_topics(user, names)
    after = {"role": user.role, "topics": experts.topics(user)}
    if after != before:
        audit.record(actor, "user.role", "user", user.id, before=before, after=after)
        db.session.commit()
    return user
