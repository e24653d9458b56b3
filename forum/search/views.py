"""The search page, and the link its results go through (which notes the result opened)."""

from __future__ import annotations

import re

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_login import current_user

from forum.faq import tracking
from forum.pagination import page_number, per_page
from forum.search import service
from forum.search.backend import Page, SearchUnavailable

bp = Blueprint("search", __name__)
RESULT_KINDS = ("question", "faq")
_POSITION = re.compile(r"[0-9]{1,7}")


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
    number = page_number()
    try:
        page = service.search_questions(request.args.get("q", ""), sort, number, per_page())
    except SearchUnavailable as error:
        # the page still works (the form, the tips) and says why there are no results
        text = request.args.get("q", "")
        page = Page([], number, per_page(), 0, sort=sort, notices=(error.message,))
        return render_template("search/index.html", page=page, q=text, sort=sort), error.status
    if number == 1 and not page.query.is_empty:
        tracking.record_search(page.query.text)
    return render_template("search/index.html", page=page, q=page.query.text, sort=sort)


def _position() -> int | None:
    """The `position` of the result opened: a whole number from 1, or absent."""
    raw = request.args.get("position")
    if raw is None:
        return None
    if not _POSITION.fullmatch(raw) or not 1 <= int(raw) <= tracking.POSITION_MAX:
        abort(400, f"'position' must be a whole number from 1 to {tracking.POSITION_MAX:,}.")
    return int(raw)


@bp.get("/search/open/<kind>/<int:target_id>")
def open_result(kind: str, target_id: int):
    """A search result opened: note it (with the query and its position), then show it."""
    if kind not in RESULT_KINDS:
        abort(404)
    opened = tracking.record_click(kind, target_id, request.args.get("q", ""), _position(), current_user)
    if opened.entry is not None:
        return redirect(url_for("faq.entry", entry_id=opened.entry.id), 303)
    question = opened.question
    return redirect(url_for("questions.show", question_id=question.id, slug=question.slug), 303)
