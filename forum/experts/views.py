"""The expert queue page, and the official/claim/assign forms on the question page."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from forum import permissions
from forum.experts import service
from forum.forms import form_number
from forum.models import Question
from forum.questions import service as questions

bp = Blueprint("experts", __name__)


def _question_url(question: Question, anchor: str | None = None) -> str:
    return url_for("questions.show", question_id=question.id, slug=question.slug, _anchor=anchor)


def _back(question_id: int) -> str:
    """Where a form came from: the queue when it says so, else the question page."""
    if request.form.get("next") == "queue":
        return url_for("experts.queue")
    return _question_url(questions.get_question(question_id, current_user))


@bp.get("/experts/queue")
@login_required
def queue():
    """The questions waiting for an expert, overdue first, a page at a time."""
    return render_template("experts/queue.html", queue=service.queue(current_user))


@bp.post("/questions/<int:question_id>/official")
@login_required
def official(question_id: int):
    """Mark an answer official, or (with no answer_id) clear the mark."""
    question = service.mark_official(current_user, question_id, form_number(request.form.get("answer_id")))
    if question.official_answer_id is None:
        flash("The question no longer has an official answer.", "info")
        return redirect(_question_url(question))
    flash("Answer marked official.", "success")
    return redirect(_question_url(question, f"a{question.official_answer_id}"))


@bp.post("/questions/<int:question_id>/claim")
@login_required
def claim(question_id: int):
    """'I'm on it': other experts see the claim for two hours, or until the expert answers."""
    service.claim(current_user, question_id)
    flash("You are on it: other experts can see you claimed this question.", "success")
    return redirect(_back(question_id))


@bp.post("/questions/<int:question_id>/release")
@login_required
def release(question_id: int):
    """Give up a claim (its expert), or clear a claim or assignment (a moderator)."""
    service.release(current_user, question_id)
    flash("Released: every expert can take the question now.", "info")
    return redirect(_back(question_id))


@bp.post("/questions/<int:question_id>/assign")
@login_required
def assign(question_id: int):
    """A moderator hands a question to a named expert."""
    result = service.assign(current_user, question_id, request.form.get("expert"))
    flash(f"Assigned to {result.expert.username}.", "success")
    return redirect(_back(question_id))


@bp.app_template_global()
def expert_claim(question: Question) -> service.Claim | None:
    """The active claim on a question, for staff viewers only (one query; none for others)."""
    if not permissions.can_use_expert_queue(current_user):
        return None
    return service.claim_on(question)
