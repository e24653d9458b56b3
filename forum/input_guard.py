"""Refuse text no page or database can hold: NUL and unpaired surrogate characters.

PostgreSQL rejects NUL in text and no encoder accepts a lone surrogate, so such input would
fail deep inside a write. It is refused here, once, for every request, with a clear 400.
"""

from __future__ import annotations

import re
from typing import Any

from flask import Flask, request

from forum.errors import error_response

_FORBIDDEN = re.compile("[\x00\ud800-\udfff]")
MESSAGE = "The request contains a NUL or an unpaired surrogate character, which text may not hold."


def has_forbidden_text(value: Any, depth: int = 0) -> bool:
    """True when any string inside `value` (searched through lists and dicts) is forbidden."""
    if isinstance(value, str):
        return _FORBIDDEN.search(value) is not None
    if depth > 32:
        return False
    if isinstance(value, dict):
        return any(
            has_forbidden_text(key, depth + 1) or has_forbidden_text(item, depth + 1)
            for key, item in value.items()
        )
    if isinstance(value, (list, tuple)):
        return any(has_forbidden_text(item, depth + 1) for item in value)
    return False


def register_input_guard(app: Flask) -> None:
    """Check the path, query, form and JSON body of every request before any view runs."""

    @app.before_request
    def refuse_forbidden_text():
        candidates: list[Any] = [request.path, list(request.args.items(multi=True))]
        if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
            candidates.append(list(request.form.items(multi=True)))
        if request.is_json:
            candidates.append(request.get_json(silent=True))
        if any(has_forbidden_text(candidate) for candidate in candidates):
            return error_response(400, MESSAGE)
        return None
