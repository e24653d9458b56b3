"""Page numbers from the query string, bounded, and paginated selects."""

from __future__ import annotations

from flask import abort, current_app, request
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import Select

from forum.extensions import db

MAX_PAGE = 100_000
MAX_PER_PAGE = 100


def page_number() -> int:
    """The `page` query parameter: a whole number from 1 to MAX_PAGE, else a 400."""
    raw = request.args.get("page", "1")
    if not raw.isdigit() or len(raw) > 6 or not 1 <= int(raw) <= MAX_PAGE:
        abort(400, f"'page' must be a whole number from 1 to {MAX_PAGE:,}.")
    return int(raw)


def per_page() -> int:
    """The `per_page` query parameter, 1 to MAX_PER_PAGE, defaulting to the configured size."""
    default = current_app.config["QUESTIONS_PER_PAGE"]
    raw = request.args.get("per_page", str(default))
    if not raw.isdigit() or len(raw) > 4 or not 1 <= int(raw) <= MAX_PER_PAGE:
        abort(400, f"'per_page' must be a whole number from 1 to {MAX_PER_PAGE}.")
    return int(raw)


def paginate(query: Select) -> Pagination:
    """One page of the query, by the request's `page` and `per_page`."""
    return db.paginate(
        query, page=page_number(), per_page=per_page(), max_per_page=MAX_PER_PAGE, error_out=False
    )
