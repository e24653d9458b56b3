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
TOO_DEEP = "The request body is nested too deeply to read."


def has_forbidden_text(value: Any) -> bool:
    """True when any string inside `value`, at any depth of lists and dicts, is forbidden."""
    # a loop, not recursion: JSON nested a few hundred deep is still valid JSON
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            if _FORBIDDEN.search(item):
                return True
        elif isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, (list, tuple)):
            pending.extend(item)
    return False


def register_input_guard(app: Flask) -> None:
    """Check the path, query, form and JSON body of every request before any view runs."""

    @app.before_request
    def refuse_forbidden_text():
        candidates: list[Any] = [request.path]
        if request.query_string:
            candidates.append(list(request.args.items(multi=True)))
        if request.content_type:  # a body, perhaps a form or JSON (most requests have none)
            if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
                candidates.append(list(request.form.items(multi=True)))
            if request.is_json:
                try:
                    candidates.append(request.get_json(silent=True))
                except RecursionError:  # json.loads raises it, not ValueError, for "[" * 100_000
                    return error_response(400, TOO_DEEP)
        return error_response(400, MESSAGE) if has_forbidden_text(candidates) else None
