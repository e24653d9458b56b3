"""Accounts and API tokens."""

from __future__ import annotations

import secrets
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from forum.clock import utcnow
from forum.extensions import db

# In order of power; a role includes everything the roles before it may do.
ROLES = ("member", "expert", "moderator", "admin")


def new_login_token() -> str:
    """A random value that, when changed, signs the user out everywhere."""
    return secrets.token_urlsafe(16)


class User(UserMixin, db.Model):
    """A person with an account: customer, staff expert, moderator or admin."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(40))
    # case-folded username: uniqueness ignores case ("Ann" and "ann" are one name)
    username_key: Mapped[str] = mapped_column(String(40), unique=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(20), default="member")
    reputation: Mapped[int] = mapped_column(default=1)
    # the sum of the user's ledger, kept with each event (reputation shows it, floored at 1)
    ledger_total: Mapped[int] = mapped_column(default=0, server_default="0")
    about: Mapped[str] = mapped_column(String(2000), default="")
    login_token: Mapped[str] = mapped_column(String(32), default=new_login_token)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # the suspension in force, cached from the suspensions table (None: not suspended)
    suspended_until: Mapped[datetime | None]
    suspension_reason: Mapped[str | None] = mapped_column(String(500))

    tokens: Mapped[list[ApiToken]] = relationship(back_populates="user")

    def get_id(self) -> str:
        """Session identity: id plus login token, so a password change ends old sessions."""
        return f"{self.id}:{self.login_token}"

    def has_role(self, role: str) -> bool:
        """True when the user's role is at least `role`."""
        return ROLES.index(self.role) >= ROLES.index(role)

    @property
    def is_staff(self) -> bool:
        """Experts, moderators and admins work for the company."""
        return self.has_role("expert")

    @property
    def is_suspended(self) -> bool:
        """A suspension is in force: the user reads but does not post."""
        return self.suspended_until is not None and self.suspended_until > utcnow()

    @property
    def is_moderator(self) -> bool:
        """Moderators and admins."""
        return self.has_role("moderator")

    def __repr__(self) -> str:
        return f"<User {self.username}>"


class ApiToken(db.Model):
    """A bearer token for the JSON API; only its SHA-256 digest is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None]

    user: Mapped[User] = relationship(back_populates="tokens")
