"""Bearer tokens: who is calling the API.

Only the Authorization header counts. Session cookies never authenticate an API call: the
API is exempt from CSRF checks, so a cookie would let any other site write in a member's name.
"""

from __future__ import annotations

from flask import Blueprint, Response, abort, g, request

from forum import permissions
from forum.auth.service import user_for_token
from forum.models import User

# Tokens are "fq_" and 43 URL-safe characters; anything far longer is not one of ours.
MAX_TOKEN_LENGTH = 200
# Exchanging a password for a token needs no token (a stale one must not get in the way).
TOKEN_FREE_ENDPOINTS = {"api.create_token"}
# Writes a suspended member may still make: they are bookkeeping, not posting
OPEN_TO_SUSPENDED = {"api.mark_notifications_read", "api.change_notification_settings"}


def register_token_auth(bp: Blueprint) -> None:
    """Resolve the bearer token before every API view and answer 401s with a challenge."""
    bp.before_request(_authenticate)
    bp.after_request(_challenge)


def _authenticate() -> None:
    """Set g.api_user from the Authorization header; a malformed or unknown token is a 401."""
    g.api_user = None
    header = request.headers.get("Authorization")
    if header is None or request.endpoint in TOKEN_FREE_ENDPOINTS:
        return
    scheme, _, token = header.strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token or " " in token or len(token) > MAX_TOKEN_LENGTH:
        g.api_token_rejected = True
        abort(401, "The Authorization header must be 'Bearer <token>'.")
    user = user_for_token(token)
    if user is None:
        g.api_token_rejected = True
        abort(401, "The bearer token is not valid; get a new one from POST /api/v1/tokens.")
    g.api_user = user
    if request.method not in ("GET", "HEAD", "OPTIONS") and request.endpoint not in OPEN_TO_SUSPENDED:
        refusal = permissions.suspension_refusal(user)
        if refusal is not None:
            raise refusal


def _challenge(response: Response) -> Response:
    """Every 401 says how to authenticate (RFC 6750)."""
    if response.status_code == 401:
        challenge = 'Bearer realm="api"'
        if g.get("api_token_rejected"):
            challenge += ', error="invalid_token"'
        response.headers["WWW-Authenticate"] = challenge
    return response


def api_user() -> User | None:
    """The token's user, or None for an anonymous call."""
    return g.get("api_user")


def require_user() -> User:
    """The token's user; writes without a token are a 401."""
    user = api_user()
    if user is None:
        abort(401, "This needs 'Authorization: Bearer <token>'; get a token from POST /api/v1/tokens.")
    return user
