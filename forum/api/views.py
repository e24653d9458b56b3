"""JSON API v1: the same service functions as the pages, with bearer tokens."""

from __future__ import annotations

from flask import Blueprint, abort, jsonify, request, url_for

from forum import reputation
from forum.api import serialise
from forum.api.auth import api_user, register_token_auth, require_user
from forum.api.openapi import document
from forum.api.payloads import json_object, register_input_checks, required_field, sort_order, tags_value
from forum.auth import service as accounts
from forum.auth.forms import TokenForm
from forum.errors import RuleViolation
from forum.experts import service as experts
from forum.extensions import limiter
from forum.models import Question
from forum.pagination import paginate
from forum.questions import service
from forum.questions.forms import AnswerForm, AskForm, CommentForm, EditForm
from forum.users import service as users
from forum.votes import service as votes

bp = Blueprint("api", __name__, url_prefix="/api/v1")
register_input_checks(bp)
register_token_auth(bp)


@bp.post("/tokens")
@limiter.limit("10 per minute", error_message="Too many attempts; wait a minute and try again.")
def create_token():
    """Exchange a username (or email) and password for a bearer token."""
    form = TokenForm.from_json(json_object("username", "password"))
    form.validate_or_raise()
    user = accounts.authenticate(form.username.data, form.password.data)
    if user is None:
        abort(401, "Wrong username or password.")
    return jsonify(token=accounts.issue_token(user)), 201


@bp.get("/questions")
def list_questions():
    """One page of visible questions, in the chosen order, optionally with one tag."""
    query = service.question_list(sort_order(), request.args.get("tag") or None)
    return jsonify(serialise.page_json(paginate(query), serialise.question_json))


@bp.post("/questions")
def ask():
    """Ask a question."""
    user = require_user()
    payload = json_object("title", "body", tags=True)
    form = AskForm.from_json(payload)
    form.validate_or_raise()
    question = service.ask(user, form.title.data, form.body.data, tags_value(payload, form.tags.data))
    response = jsonify(serialise.question_json(question))
    response.headers["Location"] = url_for("api.show_question", question_id=question.id, _external=True)
    return response, 201


@bp.get("/questions/<int:question_id>")
def show_question(question_id: int):
    """A question with its answers in page order and their comments."""
    return jsonify(serialise.thread_json(service.thread(question_id, api_user())))


@bp.post("/questions/<int:question_id>/answers")
def answer(question_id: int):
    """Answer a question."""
    user = require_user()
    form = AnswerForm.from_json(json_object("body"))
    form.validate_or_raise()
    new_answer = service.answer(user, question_id, form.body.data)
    return jsonify(serialise.post_json(new_answer, user)), 201


@bp.post("/posts/<int:post_id>/comments")
def comment(post_id: int):
    """Comment on a question or an answer."""
    user = require_user()
    form = CommentForm.from_json(json_object("body"))
    form.validate_or_raise()
    return jsonify(serialise.comment_json(service.comment(user, post_id, form.body.data))), 201


@bp.patch("/posts/<int:post_id>")
def edit(post_id: int):
    """Edit a post; fields left out keep their current value, and the edit keeps a revision."""
    user = require_user()
    payload = json_object("body", "title", "summary", tags=True)
    post = service.get_editable_post(user, post_id)
    is_question = isinstance(post, Question)
    _check_edit_fields(payload, is_question)
    form = EditForm.from_json({"body": post.body, **{k: v for k, v in payload.items() if v is not None}})
    form.validate_or_raise()
    edited = service.edit(
        user,
        post_id,
        form.body.data,
        title=form.title.data if is_question and payload.get("title") is not None else None,
        tags=tags_value(payload, form.tags.data) if is_question else None,
        summary=form.summary.data or "",
    )
    return jsonify(serialise.post_json(edited, user))


def _check_edit_fields(payload: dict, is_question: bool) -> None:
    """Titles and tags belong to questions."""
    if not is_question:
        extra = [name for name in ("title", "tags") if payload.get(name) is not None]
        if extra:
            raise RuleViolation(
                "Answers have no title or tags.", {name: ["Only questions have this."] for name in extra}
            )


@bp.delete("/posts/<int:post_id>")
def delete(post_id: int):
    """Soft-delete a post: hidden from the public, kept for moderators and its author."""
    user = require_user()
    return jsonify(serialise.post_json(service.delete(user, post_id), user))


@bp.post("/posts/<int:post_id>/undelete")
def undelete(post_id: int):
    """Restore a soft-deleted post."""
    user = require_user()
    return jsonify(serialise.post_json(service.undelete(user, post_id), user))


@bp.get("/users/<int:user_id>")
def show_user(user_id: int):
    """A public profile: no email, no hashes."""
    return jsonify(serialise.user_json(users.get_user(user_id)))


@bp.post("/posts/<int:post_id>/vote")
def vote(post_id: int):
    """Vote a post up (1) or down (-1), or retract (0); the same vote again changes nothing."""
    user = require_user()
    payload = json_object()
    return jsonify(serialise.vote_json(votes.vote(user, post_id, payload.get("value"))))


@bp.post("/questions/<int:question_id>/accept")
def accept(question_id: int):
    """Accept an answer to the question, move the acceptance, or unaccept with answer_id null."""
    user = require_user()
    answer_id = required_field(
        json_object(), "answer_id", "Give the accepted answer's id, or null to unaccept."
    )
    return jsonify(serialise.question_json(votes.accept(user, question_id, answer_id)))


@bp.post("/questions/<int:question_id>/official")
def official(question_id: int):
    """Mark an answer official (staff experts, moderators), or clear the mark with answer_id null."""
    user = require_user()
    answer_id = required_field(
        json_object(), "answer_id", "Give the official answer's id, or null to clear it."
    )
    return jsonify(serialise.question_json(experts.mark_official(user, question_id, answer_id)))


@bp.get("/experts/queue")
def expert_queue():
    """The questions waiting for an expert: overdue first, then unanswered, oldest first."""
    return jsonify(serialise.expert_queue_json(experts.queue(require_user())))


@bp.post("/questions/<int:question_id>/claim")
def claim(question_id: int):
    """An expert claims a question ("I'm on it") for two hours, or until they answer."""
    user = require_user()
    return jsonify(serialise.claim_json(experts.claim(user, question_id)))


@bp.post("/questions/<int:question_id>/assign")
def assign(question_id: int):
    """A moderator assigns a question to a named expert."""
    user = require_user()
    payload = json_object("expert")
    return jsonify(serialise.claim_json(experts.assign(user, question_id, payload.get("expert"))))


@bp.get("/users/<int:user_id>/reputation")
def user_reputation(user_id: int):
    """A user's reputation ledger, newest first, one page at a time."""
    user = users.get_user(user_id)
    page = paginate(reputation.ledger_query(user))
    return jsonify(serialise.reputation_json(user, page, api_user()))


@bp.get("/openapi.json")
def openapi():
    """The OpenAPI 3.1 description of this API."""
    return jsonify(document())
