"""Roles and expert topics in the JSON API (admins)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify

from forum.admin import service
from forum.admin.forms import RoleForm
from forum.api.auth import register_token_auth, require_user
from forum.api.payloads import json_object
from forum.errors import RuleViolation
from forum.experts import service as experts
from forum.models import User

bp = Blueprint("admin_api", __name__, url_prefix="/api/v1")
register_token_auth(bp)


def role_json(user: User) -> dict[str, Any]:
    """A user's role and (experts) topics."""
    return {"id": user.id, "username": user.username, "role": user.role, "topics": experts.topics(user)}


@bp.post("/users/<int:user_id>/role")
def set_role(user_id: int):
    """Give a user a role and, for an expert, topics (a list of tags, or one comma-separated string)."""
    payload = json_object("role")
    topics = payload.get("topics")
    if topics is not None and not (
        isinstance(topics, str) or (isinstance(topics, list) and all(isinstance(t, str) for t in topics))
    ):
        message = "Must be a list of tag names or one string of names separated by commas."
        raise RuleViolation(f"The topics are not valid. {message}", {"topics": [message]})
    form = RoleForm.from_json({"role": payload.get("role")})
    form.validate_or_raise()
    return jsonify(role_json(service.set_role(require_user(), user_id, form.role.data, topics)))
