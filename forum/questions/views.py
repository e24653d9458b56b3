"""Question lists, the question page, asking, answering, commenting, editing, history."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from forum import permissions
from forum.errors import RuleViolation
from forum.extensions import db
from forum.models import Answer, Question, Tag
from forum.models.suggestions import SuggestedEdit
from forum.pagination import paginate
from forum.questions import service
from forum.questions.forms import AnswerForm, AskForm, CommentForm, EditForm
from forum.search import deflection
from forum.search.service import similar_questions
from forum.suggestions import service as suggestions
from forum.textdiff import line_diff

bp = Blueprint("questions", __name__)
# how many similar questions the ask page shows
SIMILAR_SHOWN = 5


def _sort() -> str:
    """The `sort` query parameter, checked."""
    sort = request.args.get("sort", "active")
    if sort not in service.SORTS:
        abort(400, f"'sort' must be one of: {', '.join(service.SORTS)}.")
    return sort


def _question_url(question: Question, **kwargs) -> str:
    return url_for("questions.show", question_id=question.id, slug=question.slug, **kwargs)


@bp.get("/")
@bp.get("/questions")
def index():
    """The question list: recently active, newest, unanswered or top voted."""
    sort = _sort()
    page = paginate(service.question_list(sort))
    return render_template("questions/index.html", page=page, sort=sort, tag=None)


@bp.get("/questions/tagged/<tag_name>")
def tagged(tag_name: str):
    """Questions with one tag."""
    tag = service.get_tag(tag_name)
    if tag.merged_into_id is not None:  # a moderator merged it: its questions live under the other name
        merged = db.session.get(Tag, tag.merged_into_id)
        return redirect(url_for("questions.tagged", tag_name=merged.name, **request.args), 301)
    sort = _sort()
    page = paginate(service.question_list(sort, tag.name))
    return render_template("questions/index.html", page=page, sort=sort, tag=tag)


@bp.get("/tags")
def tags():
    """All tags in use, most used first."""
    order = request.args.get("sort", "popular")
    if order not in ("popular", "name"):
        abort(400, "'sort' must be one of: popular, name.")
    page = paginate(service.tag_list(order))
    return render_template("questions/tags.html", page=page, order=order)


def _similar_to_draft(title: str, body: str) -> list:
    """Prior questions like the draft; the check is advice, so a failing engine never stops an ask."""
    try:
        return similar_questions(title, body, SIMILAR_SHOWN)
    except Exception:  # noqa: BLE001 - any engine failure: post without the check
        db.session.rollback()
        current_app.logger.warning(
            "Similar questions not checked; the question posts without.", exc_info=True
        )
        return []


@bp.route("/questions/ask", methods=["GET", "POST"])
@login_required
def ask():
    """Ask a question.

    The first submit is a "check for similar questions" step: when prior questions look like
    the draft, the page comes back listing them, and the next submit posts anyway. ask.js shows
    them while the title is typed and marks the form checked, so one submit posts.
    """
    form = AskForm()
    if not deflection.valid_token(form.ask_token.data):
        form.ask_token.data = deflection.new_ask_token()
    similar = []
    if form.validate_on_submit():
        checked = form.checked_similar.data == "1"
        if not checked:
            similar = _similar_to_draft(form.title.data, form.body.data)
            form.checked_similar.data = "1"  # the next submit posts
        if not similar:
            try:
                question = service.ask(current_user, form.title.data, form.body.data, form.tags.data)
            except RuleViolation as error:
                form.add_errors(error.fields)
            else:
                if checked:  # the asker saw similar questions and posted anyway
                    deflection.record_posted(form.ask_token.data, question.id, current_user.id)
                flash("Your question is posted.", "success")
                return redirect(_question_url(question))
    status = 400 if form.is_submitted() and not similar else 200
    return render_template("questions/ask.html", form=form, similar=similar), status


@bp.get("/questions/similar/<int:question_id>/open")
def open_similar(question_id: int):
    """A similar question the ask page suggested: note that it was opened, then show it."""
    question = service.get_question(question_id, current_user)
    user_id = current_user.id if current_user.is_authenticated else None
    deflection.record_opened(request.args.get("ask"), question.id, user_id)
    return redirect(_question_url(question))


def _render_question(question_id: int, answer_form: AnswerForm | None = None, status: int = 200):
    """The question page, optionally with an answer form carrying errors."""
    thread = service.thread(question_id, current_user)
    return render_template(
        "questions/show.html",
        thread=thread,
        question=thread.question,
        answer_form=answer_form or AnswerForm(formdata=None),
        comment_form=CommentForm(formdata=None),
    ), status


@bp.get("/questions/<int:question_id>")
@bp.get("/questions/<int:question_id>/<slug>")
def show(question_id: int, slug: str | None = None):
    """The question page: the question, its answers and comments."""
    question = service.get_question(question_id, current_user)
    if slug != question.slug:
        return redirect(_question_url(question), 301)
    return _render_question(question_id)


@bp.get("/posts/<int:post_id>")
def post_link(post_id: int):
    """A permalink to any post: the question page, at the answer."""
    post = service.get_post(post_id, current_user)
    if isinstance(post, Answer):
        return redirect(_question_url(post.question, _anchor=f"a{post.id}"))
    return redirect(_question_url(post))


@bp.post("/questions/<int:question_id>/answers")
@login_required
def answer(question_id: int):
    """Post an answer to a question."""
    form = AnswerForm()
    if form.validate_on_submit():
        try:
            new_answer = service.answer(current_user, question_id, form.body.data)
        except RuleViolation as error:
            form.add_errors(error.fields or {"body": [error.message]})
        else:
            flash("Your answer is posted.", "success")
            return redirect(_question_url(new_answer.question, _anchor=f"a{new_answer.id}"))
    return _render_question(question_id, answer_form=form, status=400)


@bp.post("/posts/<int:post_id>/comments")
@login_required
def comment(post_id: int):
    """Comment on a question or an answer."""
    form = CommentForm()
    if not form.validate_on_submit():
        message = "; ".join(f"{name}: {', '.join(errors)}" for name, errors in form.field_errors().items())
        raise RuleViolation(f"The comment was not posted. {message}", form.field_errors())
    new_comment = service.comment(current_user, post_id, form.body.data)
    return redirect(url_for("questions.post_link", post_id=new_comment.post_id, _anchor=f"c{new_comment.id}"))


@bp.route("/posts/<int:post_id>/edit", methods=["GET", "POST"])
@login_required
def edit(post_id: int):
    """Edit a post, or suggest an edit for review; the previous version stays in its history."""
    post = suggestions.post_to_edit(current_user, post_id)
    is_question = isinstance(post, Question)
    form = EditForm(obj=None if request.method == "POST" else post)
    if request.method == "GET" and is_question:
        form.tags.data = post.tag_names
    if form.validate_on_submit():
        try:
            result = suggestions.submit(
                current_user,
                post_id,
                form.body.data,
                title=form.title.data if is_question else None,
                tags=form.tags.data if is_question else None,
                summary=form.summary.data or "",
            )
        except RuleViolation as error:
            form.add_errors(error.fields or {"body": [error.message]})
        else:
            if isinstance(result, SuggestedEdit):
                flash("Thanks! Your edit shows once a reviewer approves it.", "success")
            else:
                flash("Your edit is saved.", "success")
            return redirect(url_for("questions.post_link", post_id=post.id))
    status = 400 if form.is_submitted() else 200
    suggesting = not permissions.can_edit(current_user, post)
    return render_template(
        "questions/edit.html", form=form, post=post, is_question=is_question, suggesting=suggesting
    ), status


@bp.get("/posts/<int:post_id>/revisions")
def history(post_id: int):
    """Every version of a post, each with a diff against the one before."""
    post, revisions = service.revisions(post_id, current_user)
    changes = []
    previous = None
    for revision in revisions:
        changes.append(
            {
                "revision": revision,
                "title": line_diff(previous.title or "", revision.title or "")
                if previous and revision.title != previous.title
                else None,
                "tags": (previous.tags, revision.tags)
                if previous and revision.tags != previous.tags
                else None,
                "body": line_diff(previous.body if previous else "", revision.body),
            }
        )
        previous = revision
    changes.reverse()
    return render_template("questions/history.html", post=post, changes=changes)


@bp.post("/posts/<int:post_id>/delete")
@login_required
def delete(post_id: int):
    """Soft-delete a post."""
    post = service.delete(current_user, post_id)
    flash("The post is deleted. It can be restored.", "info")
    return redirect(url_for("questions.post_link", post_id=post.id))


@bp.post("/posts/<int:post_id>/undelete")
@login_required
def undelete(post_id: int):
    """Restore a soft-deleted post."""
    post = service.undelete(current_user, post_id)
    flash("The post is restored.", "success")
    return redirect(url_for("questions.post_link", post_id=post.id))


@bp.post("/comments/<int:comment_id>/delete")
@login_required
def delete_comment(comment_id: int):
    """Soft-delete a comment."""
    target = service.delete_comment(current_user, comment_id)
    flash("The comment is deleted.", "info")
    return redirect(url_for("questions.post_link", post_id=target.post_id))
