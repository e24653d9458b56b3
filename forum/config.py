"""Settings from environment variables, with embedded defaults.

This is the only module that reads the environment.
"""

from __future__ import annotations

import json
import os
import re
import secrets
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def _flag(name: str, default: bool) -> bool:
    """Read a boolean environment variable ("1", "true", "yes", "on" are true)."""
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _secret_key(instance_path: Path) -> str:
    """Return SECRET_KEY, or generate one once and keep it in the instance folder."""
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    key_file = instance_path / "secret_key"
    if not key_file.exists():
        instance_path.mkdir(parents=True, exist_ok=True)
        # O_EXCL: when two workers start at once, exactly one writes the key
        try:
            descriptor = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(descriptor, "w") as handle:
                handle.write(secrets.token_hex(32))
    return key_file.read_text().strip()


# Halcyon's order numbers; PERSONAL_DATA_PATTERNS replaces this
DEFAULT_PERSONAL_DATA_PATTERNS = {"order": r"\bHAL-\d{8}\b"}


def _patterns(raw: str | None) -> dict[str, str]:
    """PERSONAL_DATA_PATTERNS: a JSON object of kind -> regular expression, each checked now."""
    patterns = json.loads(raw) if raw else dict(DEFAULT_PERSONAL_DATA_PATTERNS)
    if not isinstance(patterns, dict) or not all(
        isinstance(kind, str) and isinstance(pattern, str) for kind, pattern in patterns.items()
    ):
        raise ValueError('PERSONAL_DATA_PATTERNS must be a JSON object like {"order": "HAL-\\d{8}"}.')
    for kind, pattern in patterns.items():
        try:
            re.compile(pattern)
        except re.error as error:
            message = f"PERSONAL_DATA_PATTERNS[{kind!r}] is not a regular expression: {error}"
            raise ValueError(message) from None
    return patterns


def _page_cache(redis_url: str | None, seconds: float) -> dict[str, Any]:
    """Flask-Caching's settings for the kept pages (forum/caching.py)."""
    if seconds <= 0:
        return {"CACHE_TYPE": "NullCache", "CACHE_DEFAULT_TIMEOUT": 0, "CACHE_NO_NULL_WARNING": True}
    settings = {"CACHE_TYPE": "SimpleCache", "CACHE_DEFAULT_TIMEOUT": int(seconds), "CACHE_THRESHOLD": 500}
    if redis_url:
        settings.update(CACHE_TYPE="RedisCache", CACHE_REDIS_URL=redis_url, CACHE_KEY_PREFIX="forum:")
    return settings


def instance_path() -> Path:
    """The folder for the SQLite file, the search index and the generated secret key."""
    return Path(os.environ.get("FORUM_INSTANCE_PATH", ROOT / "instance")).resolve()


def from_env() -> dict[str, Any]:
    """Build the configuration mapping from the environment."""
    instance = instance_path()
    database_url = os.environ.get("DATABASE_URL") or f"sqlite:///{instance / 'forum.db'}"
    if database_url.startswith("postgres://"):
        database_url = "postgresql+psycopg://" + database_url.removeprefix("postgres://")
    elif database_url.startswith("postgresql://"):
        database_url = "postgresql+psycopg://" + database_url.removeprefix("postgresql://")
    redis_url = os.environ.get("REDIS_URL") or None
    return {
        "FORUM_INSTANCE_PATH": str(instance),
        "SECRET_KEY": _secret_key(instance),
        "SQLALCHEMY_DATABASE_URI": database_url,
        "REDIS_URL": redis_url,
        # Request bodies above this answer 413; a question is at most 30,000 characters.
        "MAX_CONTENT_LENGTH": int(os.environ.get("MAX_CONTENT_LENGTH", 1024 * 1024)),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": _flag("SESSION_COOKIE_SECURE", False),
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": _flag("SESSION_COOKIE_SECURE", False),
        "WTF_CSRF_TIME_LIMIT": None,
        # reverse proxies (a load balancer, nginx) in front of the app: the client's address,
        # scheme and host come from the X-Forwarded-* headers the last this many of them set;
        # 0 (served directly) trusts none, since a client can send those headers itself
        "PROXY_COUNT": int(os.environ.get("PROXY_COUNT", 0)),
        "RATELIMIT_ENABLED": _flag("RATELIMIT_ENABLED", True),
        "RATELIMIT_STORAGE_URI": redis_url or "memory://",
        # kept pages (forum/caching.py: lists for visitors, question pages for everyone): in each
        # worker's memory, or in Redis shared by all workers; PAGE_CACHE_SECONDS is how old one may
        # get (0: none kept)
        **_page_cache(redis_url, float(os.environ.get("PAGE_CACHE_SECONDS", 60))),
        # a worker asks the database whether a visitor's kept question page is current at most
        # once in this many seconds per question: a spike on one thread costs no queries, and a
        # change reaches visitors that much later at most (0: ask on every request)
        "VISITOR_KEY_SECONDS": float(os.environ.get("VISITOR_KEY_SECONDS", 1)),
        # a worker serves a member the question page it gave the same session cookie at the same
        # address less than this many seconds ago, with no query (a reload, a burst of requests);
        # anything the member does changes their cookie, so their own changes show at once, and
        # others' changes reach them that much later at most, as they reach visitors (0: never)
        "MEMBER_PAGE_SECONDS": float(os.environ.get("MEMBER_PAGE_SECONDS", 1)),
        # argon2id cost: OWASP's 19 MiB, 2 passes, 1 lane (about 30 ms a hash); tests lower it
        "PASSWORD_HASH_TIME_COST": int(os.environ.get("PASSWORD_HASH_TIME_COST", 2)),
        "PASSWORD_HASH_MEMORY_KIB": int(os.environ.get("PASSWORD_HASH_MEMORY_KIB", 19456)),
        "QUESTIONS_PER_PAGE": int(os.environ.get("QUESTIONS_PER_PAGE", 20)),
        "MAIL_SERVER": os.environ.get("MAIL_SERVER") or None,
        "MAIL_PORT": int(os.environ.get("MAIL_PORT", 25)),
        "MAIL_USERNAME": os.environ.get("MAIL_USERNAME") or None,
        "MAIL_PASSWORD": os.environ.get("MAIL_PASSWORD") or None,
        "MAIL_USE_TLS": _flag("MAIL_USE_TLS", False),
        "MAIL_FROM": os.environ.get("MAIL_FROM", "forum@localhost"),
        "SITE_NAME": os.environ.get("SITE_NAME", "Halcyon Community"),
        # "auto": PostgreSQL full-text search on PostgreSQL, Whoosh otherwise
        "SEARCH_BACKEND": os.environ.get("SEARCH_BACKEND", "auto"),
        # Workers take turns at Whoosh's write lock, a turn taking tens of milliseconds; while
        # `flask search reindex` holds it, a write waits this long, then leaves its change queued
        "SEARCH_WRITER_TIMEOUT": float(os.environ.get("SEARCH_WRITER_TIMEOUT", 5.0)),
        "SEARCH_WRITER_DELAY": 0.05,
        # a search counts, ranks and pages through at most this many matches ("1,000+ results")
        "SEARCH_MAX_RESULTS": int(os.environ.get("SEARCH_MAX_RESULTS", 1000)),
        # hours an expert has to answer a question in their topics before it shows as overdue
        "EXPERT_RESPONSE_HOURS": float(os.environ.get("EXPERT_RESPONSE_HOURS", 24)),
        # seconds the dashboard's figures may be reused (0: computed on every request)
        "DASHBOARD_CACHE_SECONDS": float(os.environ.get("DASHBOARD_CACHE_SECONDS", 60)),
        # the longest date range the dashboard computes, in days
        "DASHBOARD_MAX_DAYS": int(os.environ.get("DASHBOARD_MAX_DAYS", 366)),
        # abuse resistance (forum/ratelimits.py); limits in Flask-Limiter's notation
        "RATELIMIT_HEADERS_ENABLED": True,
        "LOGIN_LIMIT_PER_ACCOUNT": os.environ.get("LOGIN_LIMIT_PER_ACCOUNT", "5 per minute"),
        "LOGIN_LIMIT_PER_ADDRESS": os.environ.get("LOGIN_LIMIT_PER_ADDRESS", "20 per minute"),
        "POST_LIMIT_NEW": os.environ.get("POST_LIMIT_NEW", "20 per hour"),
        "POST_LIMIT": os.environ.get("POST_LIMIT", "120 per hour"),
        "NEW_ACCOUNT_REPUTATION": int(os.environ.get("NEW_ACCOUNT_REPUTATION", 10)),
        "NEW_ACCOUNT_MAX_LINKS": int(os.environ.get("NEW_ACCOUNT_MAX_LINKS", 2)),
        # close votes from members with the vote-to-close privilege that close a question
        "CLOSE_VOTES_NEEDED": int(os.environ.get("CLOSE_VOTES_NEEDED", 3)),
        # spam or abuse flags from this many different members hide a post pending review
        "FLAG_HIDE_COUNT": int(os.environ.get("FLAG_HIDE_COUNT", 6)),
        # an FAQ entry not reviewed for this many days goes back to the moderators' queue
        "FAQ_REVIEW_DAYS": int(os.environ.get("FAQ_REVIEW_DAYS", 180)),
        # privilege thresholds that differ from the defaults, e.g. {"vote_down": 50}
        "PRIVILEGES": json.loads(os.environ.get("PRIVILEGES") or "{}"),
        # page views wait in each worker's memory and are written every this many seconds or
        # views, whichever comes first (forum/faq/tracking.py); 0 writes at the end of each request
        "VIEW_FLUSH_SECONDS": float(os.environ.get("VIEW_FLUSH_SECONDS", 30)),
        "VIEW_FLUSH_SIZE": int(os.environ.get("VIEW_FLUSH_SIZE", 500)),
        # minutes between popularity refreshes in the running app (0: only `flask faq refresh`)
        "FAQ_REFRESH_MINUTES": float(os.environ.get("FAQ_REFRESH_MINUTES", 60)),
        # popularity from which a thread is an FAQ candidate (forum/faq/popularity.py): 45 is
        # about 40 visitors over the past week plus 3 followers on a thread active this week
        "FAQ_CANDIDATE_MIN_SCORE": float(os.environ.get("FAQ_CANDIDATE_MIN_SCORE", 45)),
        # personal data held back from posts (forum/personal_data.py): {kind: regular expression}
        # for account or order numbers, besides emails, phone and card numbers; and the countries
        # whose national phone formats are recognised (international +NN numbers always are)
        "PERSONAL_DATA_PATTERNS": _patterns(os.environ.get("PERSONAL_DATA_PATTERNS")),
        "PERSONAL_DATA_PHONE_REGIONS": [
            region.strip().upper()
            for region in os.environ.get("PERSONAL_DATA_PHONE_REGIONS", "US,GB").split(",")
            if region.strip()
        ],
    }
