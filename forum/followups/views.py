"""Private follow-up pages: opening one from the question page, the conversation, and resolving it."""

from __future__ import annotations

from flask import Blueprint, flash, make_response, redirect, render_template, url_for
from flask_login import current_user, login_required

from forum.errors import RuleViolation
from forum.followups import service
from forum.followups.forms import MessageForm, ResolutionForm
from forum.models import Question
from forum.models.followups import PrivateFollowup

bp = Blueprint("followups", __name__)


def private(response):
    """No shared cache may keep a private conversation."""
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _followup_url(followup: PrivateFollowup, **kwargs) -> str:
    return url_for("followups.show", question_id=followup.question_id, followup_id=followup.id, **kwargs)


def _render(
    followup: PrivateFollowup,
    message_form: MessageForm | None = None,
    resolution_form: ResolutionForm | None = None,
    status: int = 200,
):
    """The conversation page, optionally with a form carrying errors."""
    page = render_template(
        "followups/show.html",
        followup=followup,
        question=followup.question,
        message_form=message_form or MessageForm(formdata=None),
        resolution_form=resolution_form or ResolutionForm(formdata=None, prefix="resolution"),
    )
    return private(make_response(page, status))


def _keep_field_errors(form, error: RuleViolation) -> None:
    """Show a service's refusal at the form's field; refusals about the thread go to the error page."""
    if not error.fields:
        raise error
    form.add_errors(error.fields)


@bp.post("/questions/<int:question_id>/followups")
@login_required
def start(question_id: int):
    """Open a private follow-up with the asker, with its first message."""
    question = service.question_to_follow_up(current_user, question_id)
    form = MessageForm()
    if form.validate_on_submit():
        try:
            followup = service.open_followup(current_user, question_id, form.body.data)
        except RuleViolation as error:
            _keep_field_errors(form, error)
        else:
            flash("Private follow-up opened. Only you, the asker and moderators can read it.", "success")
            return redirect(_followup_url(followup))
    return private(make_response(render_template("followups/new.html", question=question, form=form), 400))


@bp.get("/questions/<int:question_id>/followups/<int:followup_id>")
def show(question_id: int, followup_id: int):
    """The conversation, for its two parties and moderators; a 404 for everyone else."""
    return _render(service.get_followup(followup_id, current_user, question_id))


@bp.post("/questions/<int:question_id>/followups/<int:followup_id>/messages")
@login_required
def message(question_id: int, followup_id: int):
    """Write in the conversation."""
    followup = service.followup_to_write_in(current_user, followup_id, question_id)
    form = MessageForm()
    if form.validate_on_submit():
        try:
            new_message = service.post_message(current_user, followup_id, form.body.data, question_id)
        except RuleViolation as error:
            _keep_field_errors(form, error)
        else:
            return redirect(_followup_url(followup, _anchor=f"m{new_message.id}"))
    return _render(
        service.get_followup(followup_id, current_user, question_id), message_form=form, status=400
    )


@bp.post("/questions/<int:question_id>/followups/<int:followup_id>/resolve")
@login_required
def resolve(question_id: int, followup_id: int):
    """Post the resolution as a public answer and close the follow-up."""
    service.followup_to_resolve(current_user, followup_id, question_id)
    form = ResolutionForm(prefix="resolution")
    if form.validate_on_submit():
        try:
            followup = service.resolve(current_user, followup_id, form.body.data, question_id)
        except RuleViolation as error:
            _keep_field_errors(form, error)
        else:
            flash("Your answer is posted publicly and the private follow-up is closed.", "success")
            question: Question = followup.question
            return redirect(
                url_for(
                    "questions.show",
                    question_id=question.id,
                    slug=question.slug,
                    _anchor=f"a{followup.resolution_answer_id}",
                )
            )
    followup = service.get_followup(followup_id, current_user, question_id)
    return _render(followup, resolution_form=form, status=400)


@bp.app_template_global()
def private_followups(question: Question) -> service.QuestionFollowups:
    """What the question page shows of its private follow-ups to the current viewer."""
    return service.for_question(question, current_user)
