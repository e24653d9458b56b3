"""Voting and accepting from the question page: plain form posts, or fetch() from votes.js."""

from __future__ import annotations

from flask import Blueprint, flash, jsonify, redirect, request, url_for
from flask_login import current_user, login_required

from forum import reputation
from forum.errors import DomainError
from forum.extensions import db
from forum.forms import form_number
from forum.models import Answer, Post, Question, User
from forum.pagination import paginate
from forum.questions.service import Thread
from forum.votes import ledger, service

bp = Blueprint("votes", __name__)


def _wants_json() -> bool:
    """votes.js asks for JSON; a browser posting the form asks for HTML."""
    best = request.accept_mimetypes.best_match(("text/html", "application/json"))
    return best == "application/json"


def _post_url(post: Post) -> str:
    """The question page, at the post."""
    question = post if isinstance(post, Question) else post.question
    anchor = f"a{post.id}" if isinstance(post, Answer) else f"q{post.id}"
    return url_for("questions.show", question_id=question.id, slug=question.slug, _anchor=anchor)


@bp.post("/posts/<int:post_id>/vote")
@login_required
def vote(post_id: int):
    """Cast, change or retract a vote; JSON for votes.js, else back to the post."""
    try:
        result = service.vote(current_user, post_id, form_number(request.form.get("value")))
    except DomainError as error:
        if _wants_json():
            return jsonify(error=error.message, fields=error.fields), error.status
        raise
    if _wants_json():
        return jsonify(score=result.score, user_vote=result.user_vote)
    return redirect(_post_url(result.post))


@bp.post("/questions/<int:question_id>/accept")
@login_required
def accept(question_id: int):
    """Accept an answer, move the acceptance, or (with no answer_id) unaccept."""
    answer_id = form_number(request.form.get("answer_id"))
    question = service.accept(current_user, question_id, answer_id)
    if question.accepted_answer_id is None:
        flash("The answer is no longer marked accepted.", "info")
        return redirect(_post_url(question))
    flash("Answer accepted. Thank you for letting others know what worked.", "success")
    return redirect(_post_url(db.session.get(Post, question.accepted_answer_id)))


# What templates may call: the viewer's votes on a thread, and a profile's ledger and chart


@bp.app_template_global()
def viewer_votes(thread: Thread) -> dict[int, int]:
    """The signed-in viewer's votes on a question page's posts, in one query for the page."""
    post_ids = [thread.question.id, *(answer.id for answer in thread.answers)]
    return service.viewer_votes(current_user, post_ids)


@bp.app_template_global()
def reputation_ledger(user: User):
    """One page of a user's ledger, newest first, and its rows as the viewer may see them."""
    page = paginate(reputation.ledger_query(user))
    return page, ledger.rows(list(page.items), current_user)


@bp.app_template_global()
def reputation_chart(user: User) -> ledger.Chart:
    """The user's reputation over time, drawn as SVG by the profile template."""
    return ledger.chart(user)
