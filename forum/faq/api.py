"""The FAQ in the JSON API: public entries, and the moderators' candidate queue."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, jsonify, request, url_for
from sqlalchemy import select

from forum import permissions
from forum.api.auth import api_user, register_token_auth, require_user
from forum.api.payloads import json_object
from forum.api.serialise import author_json, page_json, timestamp
from forum.errors import RuleViolation
from forum.faq import candidates, entries
from forum.models import Tag
from forum.models.faq import FaqEntry
from forum.pagination import paginate

bp = Blueprint("faq_api", __name__, url_prefix="/api/v1")
register_token_auth(bp)


def entry_json(entry: FaqEntry) -> dict[str, Any]:
    """An entry as the public sees it (helpful counts only for moderators)."""
    viewer = api_user()
    curator = permissions.can_curate_faq(viewer)
    return {
        "id": entry.id,
        "kind": "faq",
        "title": entry.title,
        "body": entry.body,
        "body_html": entry.body_html,
        "category": entry.tag.name if entry.tag else None,
        "product_area": entry.product_area,
        "reviewed_at": timestamp(entry.reviewed_at),
        "created_at": timestamp(entry.created_at),
        "edited_at": timestamp(entry.edited_at),
        "question_ids": [question.id for question in entries.sources(entry)],
        "contributors": [
            author_json(answer.author) for answer in entries.credited_answers(entry) if answer.author
        ],
        "helpful": {"yes": entry.helpful_yes, "no": entry.helpful_no} if curator else None,
        "stale": entries.stale_reason(entry) if curator else None,
        "url": url_for("faq.entry", entry_id=entry.id, _external=True),
    }


def candidate_json(candidate: candidates.Candidate) -> dict[str, Any]:
    """A thread in the FAQ queue with the numbers behind it."""
    question, numbers = candidate.question, candidate.popularity
    return {
        "question_id": question.id,
        "title": question.title,
        "url": url_for("questions.show", question_id=question.id, slug=question.slug, _external=True),
        "popularity": round(candidate.score, 3),
        "views": numbers.views if numbers else 0,
        "followers": numbers.followers if numbers else question.follower_count or 0,
        "votes": numbers.votes if numbers else question.score,
        "answers": numbers.answers if numbers else question.answer_count or 0,
        "search_clicks": numbers.search_clicks if numbers else 0,
        "similar_clicks": numbers.similar_clicks if numbers else 0,
        "nominations": candidate.nominations,
        "reasons": candidate.reasons,
    }


@bp.get("/faq")
def index():
    """Live entries by category and title; `tag` keeps one category."""
    statement = entries.published()
    tag = request.args.get("tag", "")
    if tag:
        statement = statement.where(
            FaqEntry.tag_id == select(Tag.id).where(Tag.name == tag[:35]).scalar_subquery()
        )
    return jsonify(page_json(paginate(statement), entry_json))


@bp.get("/faq/<int:entry_id>")
def show(entry_id: int):
    """One entry."""
    return jsonify(entry_json(entries.get_entry(entry_id, api_user())))


@bp.get("/faq/candidates")
def candidate_queue():
    """Candidate threads, most popular first (moderators)."""
    return jsonify(page_json(candidates.queue(require_user()), candidate_json))


def _ids(payload: dict[str, Any], name: str, required: bool = True) -> list[int] | None:
    value = payload.get(name)
    if value is None and not required:
        return None
    if not isinstance(value, list) or not all(
        isinstance(item, int) and not isinstance(item, bool) for item in value
    ):
        raise RuleViolation(f"'{name}' must be a list of ids.", {name: ["Must be a list of ids."]})
    if any(not 0 < item < 2**31 for item in value):
        raise RuleViolation(f"'{name}' has an id out of range.", {name: ["Ids are positive integers."]})
    return value


@bp.post("/faq/candidates/approve")
def approve():
    """Create an entry from one thread or several duplicates; fields left out come from the draft."""
    user = entries.curator(require_user())
    payload = json_object("title", "body", "tag", "product_area")
    question_ids = _ids(payload, "question_ids")
    draft = candidates.draft(question_ids)
    entry = candidates.approve(
        user,
        question_ids,
        payload.get("title") or draft.title,
        payload.get("body") or draft.body,
        payload.get("tag", draft.tag) or "",
        payload.get("product_area") or draft.product_area,
        _ids(payload, "credit_answer_ids", required=False),
    )
    return jsonify(entry_json(entry)), 201


@bp.post("/faq/candidates/<int:question_id>/dismiss")
def dismiss(question_id: int):
    """Take a thread out of the queue; `reason` is required."""
    payload = json_object("reason")
    decision = candidates.dismiss(require_user(), question_id, payload.get("reason") or "")
    return jsonify(
        {"question_id": decision.question_id, "decision": decision.decision, "reason": decision.reason}
    )


@bp.post("/faq/<int:entry_id>/sources")
def add_sources(entry_id: int):
    """Merge duplicate threads into an existing entry (moderators)."""
    payload = json_object()
    entry = candidates.merge(require_user(), entry_id, _ids(payload, "question_ids"))
    return jsonify(entry_json(entry))


@bp.post("/faq/<int:entry_id>/helpful")
def helpful(entry_id: int):
    """ "Was this helpful?" for the signed-in caller; answering again changes the answer."""
    user = require_user()
    value = json_object().get("helpful")
    if not isinstance(value, bool):
        abort(422, "'helpful' must be true or false.")
    entries.vote(entry_id, f"u:{user.id}", value, user)
    return jsonify({"entry_id": entry_id, "helpful": value})
