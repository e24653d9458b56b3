"""FAQ pages: the public FAQ and its entries, and the moderators' candidate queue and editing."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from forum import permissions
from forum.errors import RuleViolation
from forum.extensions import db
from forum.faq import candidates, entries, tracking
from forum.faq.forms import DismissForm, EntryForm, ReportForm, SuggestForm
from forum.models.faq import FaqEntry
from forum.search.service import search_questions
from forum.textdiff import line_diff

bp = Blueprint("faq", __name__)

QUERY_MAX = 200


def entry_url(entry: FaqEntry, **kwargs) -> str:
    return url_for("faq.entry", entry_id=entry.id, **kwargs)


def _require_curator() -> None:
    if not permissions.can_curate_faq(current_user):
        abort(403)


@bp.get("/faq")
def index():
    """Every entry by category; with `q`, the entries matching a search."""
    query = " ".join(request.args.get("q", "").split())[:QUERY_MAX]
    results = search_questions(f"is:faq {query}", per_page=50) if query else None
    return render_template("faq/index.html", groups=entries.by_category(), query=query, results=results)


@bp.get("/faq/<int:entry_id>")
@bp.get("/faq/<int:entry_id>/<slug>")
def entry(entry_id: int, slug: str | None = None):
    """One entry: the curated answer, its sources and contributors, and "Was this helpful?"."""
    item = entries.get_entry(entry_id, current_user)
    if not item.is_deleted:
        tracking.record_view("faq", item.id)
    return render_template(
        "faq/entry.html",
        entry=item,
        sources=entries.sources(item),
        credited=entries.credited_answers(item),
        stale=entries.stale_reason(item),
        stale_labels=entries.STALE_LABELS,
        my_vote=entries.votes_of(item.id, tracking.visitor_key()),
        report_form=ReportForm(formdata=None),
    )


@bp.post("/faq/<int:entry_id>/helpful")
def helpful(entry_id: int):
    """Was this helpful? One answer per visitor; answering again changes it."""
    answer = request.form.get("helpful")
    if answer not in ("yes", "no"):
        abort(400, "Answer yes or no.")
    visitor = tracking.visitor_key()
    if visitor is None:
        abort(400, "Votes need cookies or a signed-in account.")
    entries.vote(entry_id, visitor, answer == "yes", current_user)
    flash("Thanks for telling us.", "success")
    return redirect(url_for("faq.entry", entry_id=entry_id, _anchor="helpful"))


@bp.post("/faq/<int:entry_id>/report")
@login_required
def report(entry_id: int):
    """A member says the entry no longer works: it goes back to the moderators."""
    form = ReportForm()
    if not form.validate_on_submit():
        abort(400, "Keep the note under 500 characters.")
    if entries.report_broken(current_user, entry_id, form.text.data or ""):
        flash("Thanks: a moderator will check this entry.", "success")
    else:
        flash("You have already reported this entry.", "info")
    return redirect(url_for("faq.entry", entry_id=entry_id))


@bp.get("/faq/<int:entry_id>/revisions")
def history(entry_id: int):
    """How the entry changed, newest version first."""
    item = entries.get_entry(entry_id, current_user)
    versions = entries.revisions(item)
    diffs = {
        newer.id: line_diff(older.body, newer.body)
        for newer, older in zip(versions, versions[1:], strict=False)
    }
    return render_template("faq/history.html", entry=item, versions=versions, diffs=diffs)


@bp.route("/faq/<int:entry_id>/edit", methods=["GET", "POST"])
@login_required
def edit(entry_id: int):
    """A moderator edits an entry (and so reviews it)."""
    _require_curator()
    item = entries.get_entry(entry_id, current_user)
    form = EntryForm(obj=item if request.method == "GET" else None)
    if request.method == "GET":
        form.tag.data = item.tag.name if item.tag else ""
    if form.validate_on_submit():
        try:
            entries.edit(
                current_user,
                entry_id,
                form.title.data,
                form.body.data,
                form.tag.data,
                form.product_area.data,
                form.summary.data or "",
            )
        except RuleViolation as error:
            form.add_errors(error.fields or {"body": [str(error)]})
        else:
            flash("The entry is updated.", "success")
            return redirect(entry_url(item))
    status = 400 if form.is_submitted() else 200
    return render_template("faq/edit.html", entry=item, form=form), status


@bp.route("/faq/<int:entry_id>/suggest", methods=["GET", "POST"])
@login_required
def suggest(entry_id: int):
    """A member with enough reputation proposes an edit for the moderators."""
    item = entries.get_entry(entry_id, current_user)
    form = SuggestForm(obj=item if request.method == "GET" else None)
    if form.validate_on_submit():
        try:
            entries.suggest(current_user, entry_id, form.title.data, form.body.data, form.summary.data or "")
        except RuleViolation as error:
            form.add_errors(error.fields or {"body": [str(error)]})
            flash(str(error), "error")
        else:
            flash("Thanks: a moderator will review your edit.", "success")
            return redirect(entry_url(item))
    elif permissions.can_curate_faq(current_user):
        return redirect(url_for("faq.edit", entry_id=entry_id))
    elif not permissions.can_suggest_faq_edit(current_user):
        raise permissions.write_refusal(current_user) or permissions.privileges.refusal(
            current_user, "suggest_faq_edits"
        )
    status = 400 if form.is_submitted() else 200
    return render_template("faq/suggest.html", entry=item, form=form), status


@bp.post("/faq/suggestions/<int:suggestion_id>/<any(approve, reject):decision>")
@login_required
def review_suggestion(suggestion_id: int, decision: str):
    """Apply or turn down a suggested edit."""
    suggestion = entries.review_suggestion(
        current_user, suggestion_id, decision == "approve", request.form.get("note", "")
    )
    flash(f"Suggested edit {suggestion.status}.", "success")
    return redirect(url_for("faq.candidates_queue", _anchor="suggestions"))


@bp.post("/faq/<int:entry_id>/reviewed")
@login_required
def reviewed(entry_id: int):
    """A moderator checked the entry and it still holds."""
    entries.mark_reviewed(current_user, entry_id)
    flash("Marked as reviewed today.", "success")
    if request.form.get("next") == "queue":
        return redirect(url_for("faq.candidates_queue"))
    return redirect(url_for("faq.entry", entry_id=entry_id))


@bp.post("/faq/<int:entry_id>/<any(retire, restore):action>")
@login_required
def retire(entry_id: int, action: str):
    """Retire an entry (it stays in the database) or restore it."""
    entries.set_retired(current_user, entry_id, action == "retire")
    flash("The entry is retired." if action == "retire" else "The entry is restored.", "success")
    return redirect(url_for("faq.entry", entry_id=entry_id))


@bp.post("/questions/<int:question_id>/faq-nomination")
@login_required
def nominate(question_id: int):
    """A member says the thread belongs in the FAQ."""
    if candidates.nominate(current_user, question_id):
        flash("Thanks: moderators will consider this thread for the FAQ.", "success")
    else:
        flash("You have already suggested this thread for the FAQ.", "info")
    return redirect(url_for("questions.show", question_id=question_id))


# -- the moderators' queue ------------------------------------------------------------------


@bp.get("/faq/candidates")
@login_required
def candidates_queue():
    """Popular and nominated threads with their numbers; stale entries; suggested edits."""
    _require_curator()
    page = candidates.queue(current_user)
    stale = db.session.scalars(entries.stale_entries().limit(50)).all()
    suggestions = db.session.scalars(entries.pending_suggestions().limit(50)).all()
    return render_template(
        "faq/candidates.html",
        page=page,
        stale=stale,
        stale_reason=entries.stale_reason,
        stale_labels=entries.STALE_LABELS,
        suggestions=suggestions,
        suggestion_diff=lambda suggestion: line_diff(suggestion.base_revision.body, suggestion.body),
        min_score=candidates.min_score(),
        dismiss_form=DismissForm(formdata=None),
    )


def _question_ids() -> list[int]:
    raw = request.values.getlist("question")
    if (
        not raw
        or len(raw) > candidates.MERGE_MAX
        or not all(value.isdecimal() and len(value) < 10 for value in raw)
    ):
        abort(400, f"Choose one to {candidates.MERGE_MAX} threads.")
    return [int(value) for value in raw]


@bp.route("/faq/candidates/approve", methods=["GET", "POST"])
@login_required
def approve():
    """The approval form for one thread (or several duplicates to merge), pre-filled with a draft."""
    _require_curator()
    ids = _question_ids()
    draft = candidates.draft(ids)
    form = EntryForm()
    if request.method == "GET":
        form.title.data, form.body.data = draft.title, draft.body
        form.tag.data, form.product_area.data = draft.tag, draft.product_area
    if form.validate_on_submit():
        credit = [
            int(value) for value in request.form.getlist("credit") if value.isdecimal() and len(value) < 10
        ]
        try:
            item = candidates.approve(
                current_user,
                ids,
                form.title.data,
                form.body.data,
                form.tag.data,
                form.product_area.data,
                credit,
            )
        except RuleViolation as error:
            form.add_errors(error.fields or {"body": [str(error)]})
            flash(str(error), "error")
        else:
            flash("The FAQ entry is published.", "success")
            return redirect(entry_url(item))
    status = 400 if form.is_submitted() else 200
    return render_template("faq/approve.html", draft=draft, form=form), status


@bp.post("/faq/candidates/<int:question_id>/dismiss")
@login_required
def dismiss(question_id: int):
    """Take a thread out of the queue, with a reason."""
    _require_curator()
    form = DismissForm()
    if not form.validate_on_submit():
        flash("Say why you dismiss it (at most 300 characters).", "error")
        return redirect(url_for("faq.candidates_queue"))
    candidates.dismiss(current_user, question_id, form.reason.data)
    flash("Dismissed; it comes back only if it grows a lot more popular.", "success")
    return redirect(url_for("faq.candidates_queue"))
