"""Account rules: registration, authentication, passwords, roles and API tokens."""

from __future__ import annotations

import hashlib
import secrets

from sqlalchemy import select

from forum.clock import utcnow
from forum.errors import NotFound, RuleViolation
from forum.extensions import db
from forum.models import ROLES, ApiToken, User
from forum.models.users import new_login_token
from forum.passwords import hash_password, needs_rehash, verify_password

TOKEN_PREFIX = "fq_"


def username_key(username: str) -> str:
    """The case-folded form under which usernames are unique."""
    return username.strip().casefold()


def normalise_email(email: str) -> str:
    """Emails are compared and stored in lower case."""
    return email.strip().lower()


def find_user(name_or_email: str) -> User | None:
    """Look a user up by username (any case) or email."""
    value = name_or_email.strip()
    if "@" in value:
        return db.session.scalar(select(User).where(User.email == normalise_email(value)))
    return db.session.scalar(select(User).where(User.username_key == username_key(value)))


def get_user(name: str) -> User:
    """The user with this username, or NotFound."""
    user = find_user(name)
    if user is None:
        raise NotFound(f"No user named {name!r}.")
    return user


def register(username: str, email: str, password: str, role: str = "member") -> User:
    """Create an account; usernames and emails are unique whatever their case."""
    if role not in ROLES:
        raise RuleViolation(f"Unknown role {role!r}.", {"role": [f"Choose one of {', '.join(ROLES)}."]})
    username = username.strip()
    fields: dict[str, list[str]] = {}
    if db.session.scalar(select(User.id).where(User.username_key == username_key(username))):
        fields["username"] = ["That username is taken."]
    if db.session.scalar(select(User.id).where(User.email == normalise_email(email))):
        fields["email"] = ["An account with that email already exists."]
    if fields:
        raise RuleViolation("Please choose another username or email.", fields)
    user = User(
        username=username,
        username_key=username_key(username),
        email=normalise_email(email),
        password_hash=hash_password(password),
        role=role,
    )
    db.session.add(user)
    db.session.commit()
    return user


def authenticate(name_or_email: str, password: str) -> User | None:
    """The user whose credentials these are, or None; upgrades an outdated hash."""
    user = find_user(name_or_email)
    if not verify_password(user.password_hash if user else None, password):
        return None
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
        db.session.commit()
    return user


def change_password(user: User, current_password: str, new_password: str) -> None:
    """Set a new password and sign the user out of every other session."""
    if not verify_password(user.password_hash, current_password):
        raise RuleViolation(
            "The current password is wrong.", {"current_password": ["That is not your password."]}
        )
    user.password_hash = hash_password(new_password)
    user.login_token = new_login_token()
    db.session.commit()


def set_role(user: User, role: str) -> User:
    """Give a user another role."""
    if role not in ROLES:
        raise RuleViolation(f"Unknown role {role!r}; choose one of {', '.join(ROLES)}.")
    user.role = role
    db.session.commit()
    return user


def _digest(token: str) -> str:
    """Tokens are stored as their SHA-256 digest only."""
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(user: User) -> str:
    """Create an API token for the user and return it; it is shown this once."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    db.session.add(ApiToken(user=user, token_hash=_digest(token)))
    db.session.commit()
    return token


def user_for_token(token: str) -> User | None:
    """The user a bearer token belongs to, or None."""
    api_token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == _digest(token)))
    if api_token is None:
        return None
    now = utcnow()
    # one write a minute at most: reads through the API must not all turn into writes
    if api_token.last_used_at is None or (now - api_token.last_used_at).total_seconds() > 60:
        api_token.last_used_at = now
        db.session.commit()
    return api_token.user


def session_user_id(session_id: str) -> int | None:
    """The user id a session's "id:login token" names, if it is one (the token is not checked)."""
    user_id, _, _ = session_id.partition(":")
    if not user_id.isascii() or not user_id.isdigit() or len(user_id) > 18:
        return None
    return int(user_id)


def load_session_user(session_id: str) -> User | None:
    """Flask-Login's user loader: the id must come with the user's current login token."""
    user_id, token = session_user_id(session_id), session_id.partition(":")[2]
    user = None if user_id is None else db.session.get(User, user_id)
    if user is None or not secrets.compare_digest(user.login_token, token):
        return None
    return user
