"""The current time, in one place: naive UTC everywhere in the database."""

from datetime import UTC, datetime


def utcnow() -> datetime:
    """Return the current UTC time without tzinfo (as stored in every DateTime column)."""
    return datetime.now(UTC).replace(tzinfo=None)
