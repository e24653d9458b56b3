"""Abuse resistance: sign-in attempts, posting rates, and links from new accounts.

Every number is a setting (forum/config.py): LOGIN_LIMIT_PER_ACCOUNT and LOGIN_LIMIT_PER_ADDRESS
for sign-in and token requests; POST_LIMIT_NEW for posts and comments by new accounts (reputation
under NEW_ACCOUNT_REPUTATION) and POST_LIMIT for everyone else; NEW_ACCOUNT_MAX_LINKS links in one
post from a new account. Counts live in Flask-Limiter's storage: per worker in memory, shared
through Redis when REDIS_URL is set (production). Reading pages is never limited.
"""

from __future__ import annotations

import math
import re
import time
from collections.abc import Callable

from flask import current_app, request
from limits import parse

from forum.errors import DomainError, RuleViolation
from forum.extensions import limiter
from forum.models import User

_LINK = re.compile(r"<a\s", re.IGNORECASE)
TOO_MANY_ATTEMPTS = "Too many sign-in attempts; wait a minute and try again."


class RateLimited(DomainError):
    """Too many actions in the window; `retry_after` seconds until the next one is allowed."""

    status = 429

    def __init__(self, message: str, retry_after: int):
        super().__init__(message)
        self.retry_after = retry_after


def login_limit_per_address() -> str:
    return current_app.config["LOGIN_LIMIT_PER_ADDRESS"]


def login_limit_per_account() -> str:
    return current_app.config["LOGIN_LIMIT_PER_ACCOUNT"]


def login_account_key() -> str:
    """The account a sign-in or token request names (form or JSON), case-folded."""
    payload = request.get_json(silent=True) if request.is_json else None
    name = payload.get("username") if isinstance(payload, dict) else request.form.get("login")
    return "login:" + (name.strip().lower()[:254] if isinstance(name, str) else "")


def sign_in_limits(methods: list[str] | None = None) -> Callable[[Callable], Callable]:
    """Decorate a view that checks a password: the sign-in page and the API's token exchange
    share one count per account and one per address."""

    def decorate(view: Callable) -> Callable:
        per_address = limiter.shared_limit(
            login_limit_per_address, scope="sign-in-address", methods=methods, error_message=TOO_MANY_ATTEMPTS
        )
        per_account = limiter.shared_limit(
            login_limit_per_account,
            scope="sign-in-account",
            key_func=login_account_key,
            methods=methods,
            error_message=TOO_MANY_ATTEMPTS,
        )
        return per_address(per_account(view))

    return decorate


def is_new_account(user: User) -> bool:
    """Accounts below NEW_ACCOUNT_REPUTATION get the tighter limits."""
    return user.reputation < current_app.config["NEW_ACCOUNT_REPUTATION"]


def check_posting(user: User) -> None:
    """Count one post or comment by the user; RateLimited when the hourly allowance is spent."""
    if not limiter.enabled:
        return
    setting = "POST_LIMIT_NEW" if is_new_account(user) else "POST_LIMIT"
    item = parse(current_app.config[setting])
    if limiter.limiter.hit(item, "posts", str(user.id)):
        return
    reset_at = limiter.limiter.get_window_stats(item, "posts", str(user.id)).reset_time
    wait = max(1, math.ceil(reset_at - time.time()))
    raise RateLimited(
        f"You have posted {item.amount} times within {item.get_expiry() // 60} minutes, the most we allow; "
        f"try again in {_duration(wait)}.",
        wait,
    )


def _duration(seconds: int) -> str:
    minutes = math.ceil(seconds / 60)
    return f"{minutes} minute{'s' if minutes != 1 else ''}" if seconds >= 60 else f"{seconds} seconds"


def check_links(user: User, html: str, field: str = "body") -> None:
    """New accounts put at most NEW_ACCOUNT_MAX_LINKS links in one post or comment."""
    if not is_new_account(user):
        return
    allowed = current_app.config["NEW_ACCOUNT_MAX_LINKS"]
    found = len(_LINK.findall(html))
    if found > allowed:
        message = (
            f"New accounts may include at most {allowed} links in a post (this one has {found}); "
            "the limit lifts once you have some reputation."
        )
        raise RuleViolation(message, {field: [message]})
