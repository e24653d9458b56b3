"""The OpenAPI description of roles and topics, merged into the API's document."""

from __future__ import annotations

from typing import Any

from forum.api.openapi import _TEXT, _body, _id, _json, _object, _ref, _write
from forum.models import ROLES

SCHEMAS: dict[str, Any] = {
    "Role": _object(
        {
            "id": {"type": "integer"},
            "username": _TEXT,
            "role": {"enum": list(ROLES)},
            "topics": {
                "type": "array",
                "items": _TEXT,
                "description": "An expert's topics: the tags whose questions reach their queue.",
            },
        }
    ),
}

PATHS: dict[str, Any] = {
    "/users/{user_id}/role": {
        "parameters": [_id("user_id", "user")],
        "post": _write(
            "Give a user a role and, for an expert, topics (admins only).",
            (200, _json(_ref("Role"), "The user's role and topics now.")),
            {
                "403": "The caller is not an admin.",
                "404": "No such user.",
                "422": "An unknown role, topics for a non-expert, or an admin demoting themselves.",
            },
            requestBody=_body(
                {
                    "type": "object",
                    "required": ["role"],
                    "properties": {
                        "role": {"enum": list(ROLES)},
                        "topics": {
                            "description": "Experts only: tag names as a list, or one string separated by "
                            "commas. Left out, an expert keeps their topics.",
                            "oneOf": [{"type": "array", "items": _TEXT}, _TEXT],
                        },
                    },
                }
            ),
        ),
    },
}
