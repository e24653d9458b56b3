"""Search and similar questions in the JSON API (/api/v1/search, /api/v1/similar)."""

from __future__ import annotations

import re
from typing import Any

from flask import Blueprint, abort, jsonify, request, url_for

from forum.api.auth import register_token_auth
from forum.api.serialise import timestamp
from forum.pagination import page_number, per_page
from forum.search import service
from forum.search.backend import Hit, Page
from forum.search.views import search_sort

bp = Blueprint("search_api", __name__, url_prefix="/api/v1")
register_token_auth(bp)


def _url(hit: Hit) -> str:
    """The result's page: the FAQ entry's for an entry, else the question's."""
    if hit.faq_entry_id is not None:
        return url_for("faq.entry", entry_id=hit.faq_entry_id, _external=True)
    return url_for("questions.show", question_id=hit.question_id, slug=hit.slug, _external=True)


def hit_json(hit: Hit) -> dict[str, Any]:
    """One search result; the *_html fields are escaped text with matches in <mark>."""
    return {
        "kind": hit.kind,
        "faq_entry_id": hit.faq_entry_id,
        "question_id": hit.question_id,
        "title": hit.title,
        "excerpt_html": str(hit.excerpt_html),
        "url": _url(hit),
        "score": hit.score,
        "answered": hit.is_answered,
        "has_accepted": hit.has_accepted,
        "answered_by_staff": hit.has_staff_answer,
        "answer_status": hit.answer_status,
        "closed": hit.is_closed,
        "duplicate": hit.is_duplicate,
        "tags": list(hit.tags),
        "created_at": timestamp(hit.created_at),
    }


def results_json(page: Page[Hit]) -> dict[str, Any]:
    """A page of search results, with the notices and suggestion the search page shows."""
    return {
        "query": page.query.text,
        "sort": page.sort,
        "items": [hit_json(hit) for hit in page.items],
        "page": page.page,
        "per_page": page.per_page,
        "total": page.total,
        "total_capped": page.more,
        "pages": page.pages,
        "suggestion": page.suggestion,
        "notices": list(page.notices),
    }


def similar_json(hit: Hit) -> dict[str, Any]:
    """A prior question like the draft, or an FAQ entry curated from one."""
    return {
        "kind": hit.kind,
        "faq_entry_id": hit.faq_entry_id,
        "question_id": hit.question_id,
        "title": hit.title,
        "url": _url(hit),
        "answered": hit.is_answered,
        "has_accepted": hit.has_accepted,
        "score": hit.score,
    }


def _limit() -> int:
    raw = request.args.get("limit", "5")
    # ASCII digits only: str.isdigit() also accepts '²', which int() refuses
    if not re.fullmatch(r"[0-9]{1,3}", raw) or not 1 <= int(raw) <= service.SIMILAR_LIMIT_MAX:
        abort(400, f"'limit' must be a whole number from 1 to {service.SIMILAR_LIMIT_MAX}.")
    return int(raw)


@bp.get("/search")
def search():
    """The search page's results as JSON."""
    sort = search_sort()
    return jsonify(
        results_json(service.search_questions(request.args.get("q", ""), sort, page_number(), per_page()))
    )


@bp.get("/similar")
def similar():
    """Prior questions like a draft's title and body, most similar first."""
    title, body = request.args.get("title", ""), request.args.get("body", "")
    limit = _limit()
    if not (title.strip() or body.strip()):
        abort(400, "Give a 'title' or a 'body' to compare with.")
    return jsonify(items=[similar_json(hit) for hit in service.similar_questions(title, body, limit)])
