"""Private follow-ups in the JSON API: open one, read it, write in it, resolve it publicly."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify, url_for

from forum.api.auth import api_user, register_token_auth, require_user
from forum.api.payloads import json_object
from forum.api.serialise import author_json, timestamp
from forum.followups import service
from forum.followups.forms import MessageForm, ResolutionForm
from forum.followups.views import private
from forum.models.followups import FollowupMessage, PrivateFollowup

bp = Blueprint("followups_api", __name__, url_prefix="/api/v1")
register_token_auth(bp)


def message_json(message: FollowupMessage) -> dict[str, Any]:
    """One message of a private follow-up."""
    return {
        "id": message.id,
        "followup_id": message.followup_id,
        "author": author_json(message.author),
        "body": message.body,
        "body_html": message.body_html,
        "created_at": timestamp(message.created_at),
    }


def followup_json(followup: PrivateFollowup) -> dict[str, Any]:
    """A private follow-up with its messages, oldest first."""
    question = followup.question
    return {
        "id": followup.id,
        "question": {
            "id": question.id,
            "title": question.title,
            "url": url_for("questions.show", question_id=question.id, slug=question.slug, _external=True),
        },
        "expert": author_json(followup.expert),
        "asker": author_json(followup.asker),
        "open": followup.is_open,
        "opened_at": timestamp(followup.opened_at),
        "closed_at": timestamp(followup.closed_at),
        "resolution_answer_id": followup.resolution_answer_id,
        "messages": [message_json(item) for item in followup.messages],
        "url": url_for("followups.show", question_id=question.id, followup_id=followup.id, _external=True),
    }


def _created(body: dict[str, Any], location: str):
    response = private(jsonify(body))
    response.headers["Location"] = location
    return response, 201


@bp.post("/questions/<int:question_id>/followups")
def open_followup(question_id: int):
    """A staff expert opens a private follow-up with the asker; `body` is the first message."""
    user = require_user()
    service.question_to_follow_up(user, question_id)
    form = MessageForm.from_json(json_object("body"))
    form.validate_or_raise()
    followup = service.open_followup(user, question_id, form.body.data)
    location = url_for("followups_api.show", followup_id=followup.id, _external=True)
    return _created(followup_json(service.get_followup(followup.id, user)), location)


@bp.get("/followups/<int:followup_id>")
def show(followup_id: int):
    """A follow-up with its messages, for its two parties and moderators; 404 for anyone else."""
    return private(jsonify(followup_json(service.get_followup(followup_id, api_user()))))


@bp.post("/followups/<int:followup_id>/messages")
def post_message(followup_id: int):
    """Write in a follow-up (its expert and its asker)."""
    user = require_user()
    service.followup_to_write_in(user, followup_id)
    form = MessageForm.from_json(json_object("body"))
    form.validate_or_raise()
    message = service.post_message(user, followup_id, form.body.data)
    return _created(
        message_json(message), url_for("followups_api.show", followup_id=followup_id, _external=True)
    )


@bp.post("/followups/<int:followup_id>/resolve")
def resolve(followup_id: int):
    """Post the expert's public answer, link it as the resolution, and close the follow-up."""
    user = require_user()
    service.followup_to_resolve(user, followup_id)
    form = ResolutionForm.from_json(json_object("body"))
    form.validate_or_raise()
    followup = service.resolve(user, followup_id, form.body.data)
    return private(jsonify(followup_json(service.get_followup(followup.id, user))))
