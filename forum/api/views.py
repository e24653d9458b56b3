"""JSON API v1: the same service functions as the pages, with bearer tokens."""

from __future__ import annotations

from flask import Blueprint, abort, jsonify, request, url_for

from forum import ratelimits, reputation
from forum.api import serialise
from forum.api.auth import api_user, register_token_auth, require_user
from forum.api.openapi import document
from forum.api.payloads import json_object, register_input_checks, required_field, sort_order, tags_value
from forum.auth import service as accounts
from forum.auth.forms import TokenForm
from forum.dashboard import export as dashboard_export
from forum.dashboard import service as dashboards
from forum.errors import RuleViolation
from forum.experts import service as experts
from forum.models import Question
from forum.models.suggestions import SuggestedEdit
from forum.notifications import service as notifications
from forum.pagination import paginate
from forum.questions import service
from forum.questions.forms import AnswerForm, AskForm, CommentForm, EditForm
from forum.suggestions import service as suggestions
from forum.suggestions.api import suggestion_json
from forum.users import service as users
from forum.votes import service as votes

bp = Blueprint("api", __name__, url_prefix="/api/v1")
register_input_checks(bp)
register_token_auth(bp)


@bp.post("/tokens")
@ratelimits.sign_in_limits()
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
    question = service.ask(
        user,
        form.title.data,
        form.body.data,
        tags_value(payload, form.tags.data),
        confirm_personal_data=form.confirm_personal_data.data,
    )
    response = jsonify(serialise.question_json(question))
    response.headers["Location"] = url_for("api.show_question", question_id=question.id, _external=True)
    return response, 202 if question.is_hidden else 201


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
    new_answer = service.answer(
        user, question_id, form.body.data, confirm_personal_data=form.confirm_personal_data.data
    )
    return jsonify(serialise.post_json(new_answer, user)), 202 if new_answer.is_hidden else 201


@bp.post("/posts/<int:post_id>/comments")
def comment(post_id: int):
    """Comment on a question or an answer."""
    user = require_user()
    form = CommentForm.from_json(json_object("body"))
    form.validate_or_raise()
    new_comment = service.comment(
        user, post_id, form.body.data, confirm_personal_data=form.confirm_personal_data.data
    )
    return jsonify(serialise.comment_json(new_comment)), 202 if new_comment.is_hidden else 201


@bp.patch("/posts/<int:post_id>")
def edit(post_id: int):
    """Edit a post (or, below the edit privilege, suggest the edit); left-out fields keep their value."""
    user = require_user()
    payload = json_object("body", "title", "summary", tags=True)
    post = suggestions.post_to_edit(user, post_id)
    is_question = isinstance(post, Question)
    _check_edit_fields(payload, is_question)
    form = EditForm.from_json({"body": post.body, **{k: v for k, v in payload.items() if v is not None}})
    form.validate_or_raise()
    was_held = post.is_held_for_personal_data
    result = suggestions.submit(
        user,
        post_id,
        form.body.data,
        title=form.title.data if is_question and payload.get("title") is not None else None,
        tags=tags_value(payload, form.tags.data) if is_question else None,
        summary=form.summary.data or "",
        confirm_personal_data=form.confirm_personal_data.data,
    )
    if isinstance(result, SuggestedEdit):
        return jsonify(suggestion_json(result)), 202
    # 202: this edit put personal data in the post, which is now held for a moderator
    held = result.is_held_for_personal_data and not was_held
    return jsonify(serialise.post_json(result, user)), 202 if held else 200


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
    """One page of the questions waiting for an expert (overdue first, then unanswered, oldest first),
    with the counts over the whole queue."""
    return jsonify(serialise.expert_queue_json(experts.queue(require_user())))


@bp.post("/questions/<int:question_id>/claim")
def claim(question_id: int):
    """An expert claims a question ("I'm on it") for two hours, or until they answer."""
    user = require_user()
    return jsonify(serialise.claim_json(experts.claim(user, question_id)))


@bp.delete("/questions/<int:question_id>/claim")
def release_claim(question_id: int):
    """Give up a claim (its expert), or clear a claim or assignment (a moderator)."""
    experts.release(require_user(), question_id)
    return "", 204


@bp.post("/questions/<int:question_id>/assign")
def assign(question_id: int):
    """A moderator assigns a question to a named expert."""
    user = require_user()
    payload = json_object("expert")
    return jsonify(serialise.claim_json(experts.assign(user, question_id, payload.get("expert"))))


@bp.get("/questions/<int:question_id>/follow")
def follow_state(question_id: int):
    """Whether the caller follows a question, and how many people have it too."""
    return jsonify(serialise.follow_json(notifications.follow_state(api_user(), question_id)))


@bp.post("/questions/<int:question_id>/follow")
def follow(question_id: int):
    """Follow a question ("I have this question too") to hear about its answers, comments and acceptance."""
    user = require_user()
    return jsonify(serialise.follow_json(notifications.follow(user, question_id)))


@bp.delete("/questions/<int:question_id>/follow")
def unfollow(question_id: int):
    """Stop following a question."""
    user = require_user()
    return jsonify(serialise.follow_json(notifications.unfollow(user, question_id)))


@bp.get("/notifications")
def list_notifications():
    """The caller's notifications, newest first, with how many are unread."""
    user = require_user()
    page = paginate(notifications.inbox(user))
    return jsonify(serialise.notifications_json(page, notifications.unread_count(user)))


@bp.post("/notifications/read")
def mark_notifications_read():
    """Mark the caller's notifications read: all of them, or those whose ids are given."""
    user = require_user()
    payload = json_object() if request.get_data(cache=True).strip() else {}
    marked = notifications.mark_read(user, payload.get("ids"))
    return jsonify(marked=marked, unread=notifications.unread_count(user))


@bp.get("/notifications/settings")
def notification_settings():
    """Whether the caller gets email copies of notifications."""
    user = require_user()
    return jsonify(email=notifications.email_enabled(user))


@bp.put("/notifications/settings")
def change_notification_settings():
    """Turn email copies of notifications on or off."""
    user = require_user()
    email = required_field(json_object(), "email", "Give true (email me) or false (inbox only).")
    return jsonify(email=notifications.set_email(user, email))


@bp.get("/users/<int:user_id>/reputation")
def user_reputation(user_id: int):
    """A user's reputation ledger, newest first, one page at a time."""
    user = users.get_user(user_id)
    page = paginate(reputation.ledger_query(user))
    return jsonify(serialise.reputation_json(user, page, api_user()))


@bp.get("/dashboard")
def dashboard():
    """The support dashboard's figures: an expert's own, or (moderators, admins) the community's."""
    return jsonify(dashboard_export.payload(dashboards.for_request(require_user(), request.args)))


@bp.get("/openapi.json")
def openapi():
    """The OpenAPI 3.1 description of this API."""
    return jsonify(document())
