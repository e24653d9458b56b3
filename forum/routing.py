"""URL ids: a number no row can have is a 404 before it reaches the database."""

from __future__ import annotations

from typing import Any

from flask import Flask, abort

# Ids are INTEGER columns: 32-bit on PostgreSQL, which refuses a larger number with an error.
MAX_ID = 2**31 - 1


def refuse_impossible_ids(endpoint: str | None, values: dict[str, Any] | None) -> None:
    """Answer 404 for an id in the URL beyond any row's.

    A preprocessor rather than the converter's `max`: werkzeug checks a rule's methods before
    its converters, so a bounded converter turns `DELETE /posts/<huge>` into a 405.
    """
    if any(isinstance(value, int) and value > MAX_ID for value in (values or {}).values()):
        abort(404, "There is nothing with that id.")


def register_routing(app: Flask) -> None:
    """Install the id check for every route."""
    app.url_value_preprocessor(refuse_impossible_ids)
