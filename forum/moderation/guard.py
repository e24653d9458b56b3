"""Suspended members read but do not write: every page's form posts are refused with the reason.

The rule itself is permissions.suspension_refusal; this applies it to the web pages (the API
applies it to bearer tokens in forum/api/auth.py). Signing in and out, changing one's password and
marking one's notifications read are not posting, so they stay open.
"""

from __future__ import annotations

from flask import Flask, request
from flask_login import current_user

from forum import permissions

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
OPEN_TO_SUSPENDED = frozenset(
    {
        "auth.login",
        "auth.register",
        "auth.logout",
        "auth.change_password",
        "notifications.mark_read",
        "notifications.settings",
    }
)


def refuse_suspended_writes() -> None:
    """Before any page view: a suspended member's POST is a 403 naming the reason and end date."""
    if request.method in SAFE_METHODS or request.endpoint in OPEN_TO_SUSPENDED:
        return
    if request.blueprint and request.blueprint.endswith("api"):
        return  # bearer tokens, not the session, decide who calls the API
    refusal = permissions.suspension_refusal(current_user)
    if refusal is not None:
        raise refusal


def register_suspension_guard(app: Flask) -> None:
    app.before_request(refuse_suspended_writes)
