"""Password hashing with argon2id (memory-hard), cost from the app's config."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app

# A fixed hash to verify against when the account does not exist, so a wrong username takes
# as long as a wrong password and timing does not reveal which accounts exist.
_DUMMY_PASSWORD = "not-a-real-password"


def _hasher() -> PasswordHasher:
    """The hasher with the configured cost."""
    return PasswordHasher(
        time_cost=current_app.config["PASSWORD_HASH_TIME_COST"],
        memory_cost=current_app.config["PASSWORD_HASH_MEMORY_KIB"],
        parallelism=1,
    )


def hash_password(password: str) -> str:
    """Hash a password for storage."""
    return _hasher().hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """True when the password matches; a missing hash still costs one verification."""
    hasher = _hasher()
    try:
        return hasher.verify(password_hash or hasher.hash(_DUMMY_PASSWORD), password) and (
            password_hash is not None
        )
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """True when the stored hash was made with other parameters than the configured ones."""
    return _hasher().check_needs_rehash(password_hash)
