"""What reputation unlocks: one table of thresholds, overridable in config for a small community.

`app.config["PRIVILEGES"] = {"vote_down": 50}` changes one threshold and keeps the others.
Thresholds are "at least": a user with exactly 15 reputation may vote up. Moderators and admins
hold every privilege; staff experts hold the voting and commenting ones whatever their reputation.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

from flask import current_app

from forum.errors import PermissionDenied

if TYPE_CHECKING:
    from forum.models import User

DEFAULT_THRESHOLDS: dict[str, int] = {
    "vote_up": 15,
    "flag": 15,
    "comment_everywhere": 50,
    "vote_down": 125,
    "suggest_faq_edits": 200,
    "edit_others": 1000,
    "vote_to_close": 1500,
}

# What each privilege lets you do, as refusals and the help page say it
DESCRIPTIONS: dict[str, str] = {
    "vote_up": "Voting up",
    "flag": "Flagging posts",
    "comment_everywhere": "Commenting on other people's posts",
    "vote_down": "Voting down",
    "suggest_faq_edits": "Suggesting edits to FAQ entries",
    "edit_others": "Editing other people's posts",
    "vote_to_close": "Voting to close questions",
}

# Experts are trained staff: their votes and comments need no reputation
EXPERT_PRIVILEGES = frozenset({"vote_up", "vote_down", "comment_everywhere"})


def thresholds() -> dict[str, int]:
    """The thresholds in force: the defaults, with the app's PRIVILEGES setting on top."""
    overrides = current_app.config.get("PRIVILEGES") or {}
    return dict(_merged(tuple(sorted(overrides.items()))))


@functools.lru_cache(maxsize=16)
def _merged(overrides: tuple[tuple[str, int], ...]) -> dict[str, int]:
    """The defaults with these overrides (every page asks: merged once per setting)."""
    unknown = {name for name, _ in overrides} - set(DEFAULT_THRESHOLDS)
    if unknown:
        raise KeyError(f"PRIVILEGES names unknown privileges: {', '.join(sorted(unknown))}")
    return {**DEFAULT_THRESHOLDS, **dict(overrides)}


def threshold(name: str) -> int:
    """The reputation a privilege needs."""
    return thresholds()[name]


def _is_member(user: User | None) -> bool:
    """A signed-in account (anonymous visitors are None or Flask-Login's anonymous user)."""
    return user is not None and getattr(user, "is_authenticated", False)


def has_privilege(user: User | None, name: str) -> bool:
    """True when the user's role or reputation grants the privilege."""
    needed = threshold(name)  # also rejects unknown names for everyone, staff included
    if not _is_member(user):
        return False
    if user.has_role("moderator") or (name in EXPERT_PRIVILEGES and user.has_role("expert")):
        return True
    return user.reputation >= needed


def refusal(user: User | None, name: str) -> PermissionDenied | None:
    """Why the user lacks the privilege, naming the threshold; None when they have it."""
    if has_privilege(user, name):
        return None
    if not _is_member(user):
        return PermissionDenied(f"{DESCRIPTIONS[name]} needs an account: sign in first.")
    return PermissionDenied(
        f"{DESCRIPTIONS[name]} needs {threshold(name):,} reputation; you have {user.reputation:,}."
    )


def require(user: User | None, name: str) -> None:
    """Raise PermissionDenied, naming the threshold, unless the user has the privilege."""
    error = refusal(user, name)
    if error is not None:
        raise error


def table(user: User | None = None) -> list[tuple[str, str, int, bool]]:
    """(name, description, threshold, held) rows, lowest threshold first, for help and profiles."""
    rows = [
        (name, DESCRIPTIONS[name], needed, has_privilege(user, name)) for name, needed in thresholds().items()
    ]
    return sorted(rows, key=lambda row: (row[2], row[0]))
