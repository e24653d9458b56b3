"""The search page."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request

from forum.pagination import page_number, per_page
from forum.search import service

bp = Blueprint("search", __name__)


def search_sort() -> str:
    """The `sort` query parameter of searches, checked."""
    sort = request.args.get("sort") or "relevance"
    if sort not in service.SORTS:
        abort(400, f"'sort' must be one of: {', '.join(service.SORTS)}.")
    return sort


@bp.get("/search")
def index():
    """Search questions and answers; the results show the matching passage."""
    sort = search_sort()
    page = service.search_questions(request.args.get("q", ""), sort, page_number(), per_page())
    return render_template("search/index.html", page=page, q=page.query.text, sort=sort)
