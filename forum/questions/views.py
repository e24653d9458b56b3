"""Question lists, the question page, asking, answering, commenting, editing, history."""

from __future__ import annotations

from dataclasses import dataclass

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required

from forum import caching, permissions
from forum.errors import RuleViolation
from forum.extensions import db
from forum.faq import tracking
from forum.models import Answer, Question, Tag
from forum.models.suggestions import SuggestedEdit
from forum.pagination import paginate
from forum.personal_data import PersonalDataFound
from forum.questions import service
from forum.questions.forms import AnswerForm, AskForm, CommentForm, EditForm
from forum.search import deflection
from forum.search.service import similar_questions
from forum.suggestions import service as suggestions
from forum.textdiff import line_diff

bp = Blueprint("questions", __name__)
# how many similar questions the ask page shows
SIMILAR_SHOWN = 5


HELD_MESSAGE = (
    "Your {what} is saved but held: it contains personal data, so only you and the moderators can "
    "see it until a moderator publishes it or removes the personal data."
)


@dataclass
class PersonalDataWarning:
    """What the personal data warning shows: kinds found, and the original text to post anyway."""

    labels: list[str]
    originals: list[tuple[str, str]]
    can_confirm: bool
    inline: bool = True


def _personal_data_warning(error: PersonalDataFound, form) -> PersonalDataWarning:
    """Put the redacted text in the form, and keep the submitted text for "post anyway"."""
    originals = [
        (name, "1" if name == "checked_similar" else value)
        for name, value in request.form.items(multi=True)
        if name not in ("csrf_token", "confirm_personal_data")
    ]
    for name in error.found:
        form[name].data = error.redacted(name)
    form.confirm_personal_data.data = False
    return PersonalDataWarning(error.labels, originals, error.can_confirm)


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

    def render() -> str:
        page = paginate(service.question_list(sort))
        return render_template("questions/index.html", page=page, sort=sort, tag=None)

    return caching.list_page(render) if caching.serves_anonymous(list_page=True) else render()


@bp.get("/questions/tagged/<tag_name>")
def tagged(tag_name: str):
    """Questions with one tag."""
    tag = service.get_tag(tag_name)
    if tag.merged_into_id is not None:  # a moderator merged it: its questions live under the other name
        merged = db.session.get(Tag, tag.merged_into_id)
        return redirect(url_for("questions.tagged", tag_name=merged.name, **request.args), 301)
    sort = _sort()

    def render() -> str:
        page = paginate(service.question_list(sort, tag.name))
        return render_template("questions/index.html", page=page, sort=sort, tag=tag)

    return caching.list_page(render) if caching.serves_anonymous(list_page=True) else render()


@bp.get("/tags")
def tags():
    """All tags in use, most used first."""
    order = request.args.get("sort", "popular")
    if order not in ("popular", "name"):
        abort(400, "'sort' must be one of: popular, name.")

    def render() -> str:
        page = paginate(service.tag_list(order))
        return render_template("questions/tags.html", page=page, order=order)

    return caching.list_page(render) if caching.serves_anonymous(list_page=True) else render()


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
                question = service.ask(
                    current_user,
                    form.title.data,
                    form.body.data,
                    form.tags.data,
                    confirm_personal_data=form.confirm_personal_data.data,
                )
            except PersonalDataFound as error:
                warning = _personal_data_warning(error, form)
                page = render_template("questions/ask.html", form=form, similar=[], personal_data=warning)
                return page, 422
            except RuleViolation as error:
                form.add_errors(error.fields)
            else:
                if checked:  # the asker saw similar questions and posted anyway
                    deflection.record_posted(form.ask_token.data, question.id, current_user.id)
                if question.is_hidden:
                    flash(HELD_MESSAGE.format(what="question"), "warning")
                else:
                    flash("Your question is posted.", "success")
                return redirect(_question_url(question))
    status = 400 if form.is_submitted() and not similar else 200
    return render_template("questions/ask.html", form=form, similar=similar), status


@bp.get("/questions/similar/<int:question_id>/open")
def open_similar(question_id: int):
    """A similar question the ask page suggested: note that it was opened, then show it.

    `?faq=<entry id>` when the suggestion was the FAQ entry curated from this question: the
    opening is recorded for the question, and the entry is shown.
    """
    question = service.get_question(question_id, current_user)
    entry = tracking.suggested_entry(question.id, request.args.get("faq"), current_user)
    user_id = current_user.id if current_user.is_authenticated else None
    deflection.record_opened(request.args.get("ask"), question.id, user_id)
    if entry is not None:
        return redirect(url_for("faq.entry", entry_id=entry.id))
    return redirect(_question_url(question))


def _render_question(
    question_id: int,
    answer_form: AnswerForm | None = None,
    status: int = 200,
    personal_data: PersonalDataWarning | None = None,
):
    """The question page, optionally with an answer form carrying errors or a personal data warning."""
    thread = service.thread(question_id, current_user)
    member = current_user.is_authenticated  # forms make CSRF tokens: none on an anonymous page
    return render_template(
        "questions/show.html",
        thread=thread,
        question=thread.question,
        answer_form=answer_form or (AnswerForm(formdata=None) if member else None),
        comment_form=CommentForm(formdata=None) if member else None,
        personal_data=personal_data,
    ), status


@bp.get("/questions/<int:question_id>")
@bp.get("/questions/<int:question_id>/<slug>")
def show(question_id: int, slug: str | None = None):
    """The question page: the question, its answers and comments (kept, except for a member who
    took part in the thread; a member's reload within a second is served as it was: caching.py)."""
    held = caching.held_page()
    if held is not None:
        return held
    kept = caching.serves_question_page()
    if kept and not current_user.is_authenticated:
        page = caching.visitor_question_page(question_id, slug)
        if page is not None:
            tracking.record_view("question", question_id)
            return page
    if kept:
        post, key_parts = caching.kept_question(question_id)
        question = service.visible_question(post, current_user)
    else:
        question = service.get_question(question_id, current_user)
    if slug != question.slug:
        return redirect(_question_url(question), 301)
    tracking.record_view("question", question.id)
    if kept and key_parts is not None:
        response = caching.question_page(question, key_parts, lambda: _render_question(question_id)[0])
    else:
        response = make_response(_render_question(question_id))
    return caching.hold_member_page(response)


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
            new_answer = service.answer(
                current_user,
                question_id,
                form.body.data,
                confirm_personal_data=form.confirm_personal_data.data,
            )
        except PersonalDataFound as error:
            warning = _personal_data_warning(error, form)
            return _render_question(question_id, answer_form=form, status=422, personal_data=warning)
        except RuleViolation as error:
            form.add_errors(error.fields or {"body": [error.message]})
        else:
            if new_answer.is_hidden:
                flash(HELD_MESSAGE.format(what="answer"), "warning")
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
    try:
        new_comment = service.comment(
            current_user, post_id, form.body.data, confirm_personal_data=form.confirm_personal_data.data
        )
    except PersonalDataFound as error:
        warning = _personal_data_warning(error, form)
        warning.inline = False
        post = service.get_post(post_id, current_user)
        page = render_template("questions/comment_check.html", form=form, post=post, personal_data=warning)
        return page, 422
    if new_comment.is_hidden:
        flash(HELD_MESSAGE.format(what="comment"), "warning")
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
    warning = None
    if form.validate_on_submit():
        was_held = post.is_held_for_personal_data
        try:
            result = suggestions.submit(
                current_user,
                post_id,
                form.body.data,
                title=form.title.data if is_question else None,
                tags=form.tags.data if is_question else None,
                summary=form.summary.data or "",
                confirm_personal_data=form.confirm_personal_data.data,
            )
        except PersonalDataFound as error:
            warning = _personal_data_warning(error, form)
        except RuleViolation as error:
            form.add_errors(error.fields or {"body": [error.message]})
        else:
            if isinstance(result, SuggestedEdit):
                flash("Thanks! Your edit shows once a reviewer approves it.", "success")
            elif result.is_held_for_personal_data and not was_held:
                flash(HELD_MESSAGE.format(what="post"), "warning")
            else:
                flash("Your edit is saved.", "success")
            return redirect(url_for("questions.post_link", post_id=post.id))
    status = 422 if warning else 400 if form.is_submitted() else 200
    suggesting = not permissions.can_edit(current_user, post)
    return render_template(
        "questions/edit.html",
        form=form,
        post=post,
        is_question=is_question,
        suggesting=suggesting,
        personal_data=warning,
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
