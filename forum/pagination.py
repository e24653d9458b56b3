"""Page numbers from the query string, bounded, and paginated selects."""

from __future__ import annotations

import re

from flask import abort, current_app, request
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import Select

from forum.extensions import db

MAX_PAGE = 100_000
MAX_PER_PAGE = 100

# ASCII digits only: str.isdigit() also accepts '²' (which int() refuses) and '１' or '١'
_WHOLE_NUMBER = re.compile(r"[0-9]{1,6}")


def _bounded_number(name: str, default: int, largest: int, message: str) -> int:
    """A whole-number query parameter from 1 to `largest`, else a 400 with the message."""
    raw = request.args.get(name, str(default))
    if not _WHOLE_NUMBER.fullmatch(raw) or not 1 <= int(raw) <= largest:
        abort(400, message)
    return int(raw)


def page_number() -> int:
    """The `page` query parameter: a whole number from 1 to MAX_PAGE, else a 400."""
    return _bounded_number("page", 1, MAX_PAGE, f"'page' must be a whole number from 1 to {MAX_PAGE:,}.")


def per_page() -> int:
    """The `per_page` query parameter, 1 to MAX_PER_PAGE, defaulting to the configured size."""
    default = current_app.config["QUESTIONS_PER_PAGE"]
    return _bounded_number(
        "per_page", default, MAX_PER_PAGE, f"'per_page' must be a whole number from 1 to {MAX_PER_PAGE}."
    )


def paginate(query: Select, total: int | None = None) -> Pagination:
    """One page of the query, by the request's `page` and `per_page`; a caller that has counted the
    rows already passes `total`, and the page does not count them again."""
    page = db.paginate(
        query,
        page=page_number(),
        per_page=per_page(),
        max_per_page=MAX_PER_PAGE,
        error_out=False,
        count=total is None,
    )
    if total is not None:
        page.total = total
    return page
