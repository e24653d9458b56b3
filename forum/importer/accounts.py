"""Accounts for imported authors: unique usernames, placeholder emails, no usable password."""

from __future__ import annotations

import secrets
import unicodedata
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import select

from forum.auth.service import username_key
from forum.clock import utcnow
from forum.extensions import db
from forum.importer.dump import moment, read_rows
from forum.importer.run import ImportRun, batched, insert_returning_ids, required
from forum.models import User
from forum.models.users import new_login_token

USERNAME_MAX = 40  # users.username and users.username_key are both String(40)


def _clean(display_name: str) -> str:
    """A display name fit for a URL segment: no control characters, no slashes, one space."""
    kept = "".join(
        "-" if character in "/\\" else character
        for character in display_name
        if not unicodedata.category(character).startswith("C")
    )
    name = " ".join(kept.split())
    return "" if set(name) <= {"."} else name


def _fit(base: str, suffix: str = "") -> str:
    """Shorten base so that the name and its case-folded key both fit the columns."""
    while base and len(username_key(base + suffix)) > USERNAME_MAX:
        base = base[:-1].rstrip()
    return (base + suffix).strip()


def username_candidates(display_name: str | None, original_id: int) -> Iterator[str]:
    """The display name, then 'Name-<id>', 'Name-<id>-2', ... until one is free."""
    base = _clean(display_name or "") or f"user{original_id}"
    yield _fit(base)
    yield _fit(base, f"-{original_id}")
    number = 2
    while True:
        yield _fit(base, f"-{original_id}-{number}")
        number += 1


def placeholder_email(site: str, original_id: int) -> str:
    """An address that can never receive mail (.invalid is reserved), unique per site and id."""
    return f"se-{site}-{original_id}@import.invalid".lower()


def unusable_password_hash() -> str:
    """A hash no password matches: argon2 refuses it as malformed, so sign-in always fails."""
    return "!" + secrets.token_hex(16)


class UsernameClaims:
    """Hands out usernames that are free both in the database and within this import."""

    def __init__(self) -> None:
        self.taken: set[str] = set()
        self.checked: set[str] = set()

    def prefetch(self, names: list[str]) -> None:
        """Learn in one query which of a batch's first choices the database already has."""
        keys = {username_key(name) for name in names}
        self.taken = set(db.session.scalars(select(User.username_key).where(User.username_key.in_(keys))))
        self.checked = keys

    def _is_free(self, key: str) -> bool:
        """Not in the database and not handed out yet."""
        if key in self.taken:
            return False
        if key in self.checked:
            return True
        # a second choice: rare (a few percent of names), so one query each is fine
        return db.session.scalar(select(User.id).where(User.username_key == key)) is None

    def claim(self, display_name: str | None, original_id: int) -> str:
        """The first free candidate name, reserved for this account."""
        for candidate in username_candidates(display_name, original_id):
            key = username_key(candidate)
            if self._is_free(key):
                self.taken.add(key)
                return candidate
        raise AssertionError("unreachable: candidates never run out")


def import_users(run: ImportRun, path: Path) -> None:
    """Every account in Users.xml not imported before, under a unique username."""
    for batch in batched(_new_users(run, path)):
        _insert_users(run, batch, path)


def _new_users(run: ImportRun, path: Path) -> Iterator[tuple[int, dict]]:
    """Users.xml rows not imported before; remembers every author's name for attribution."""
    for row in read_rows(path, run.progress):
        original = required(row, "Id", path)
        run.display_names[original] = " ".join((row.get("DisplayName") or "").split())[:100]
        if original in run.users:
            run.report.found("users")
        else:
            yield original, row


def _insert_users(run: ImportRun, batch: list[tuple[int, dict]], path: Path) -> None:
    """Create a batch of accounts; reputation stays at the default until the ledger says more."""
    claims = UsernameClaims()
    claims.prefetch([next(username_candidates(row.get("DisplayName"), original)) for original, row in batch])
    rows = []
    for original, row in batch:
        name = claims.claim(row.get("DisplayName"), original)
        rows.append(
            {
                "username": name,
                "username_key": username_key(name),
                "email": placeholder_email(run.site, original),
                "password_hash": unusable_password_hash(),
                "role": "member",
                "about": "",
                "login_token": new_login_token(),
                "created_at": moment(row, "CreationDate", path) or utcnow(),
            }
        )
    local_ids = insert_returning_ids(User.__table__, rows)
    originals = [original for original, _ in batch]
    run.remember("user", originals, local_ids)
    run.users.update(zip(originals, local_ids, strict=True))
    run.report.added("users", len(local_ids))
