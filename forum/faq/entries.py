"""FAQ entries: reading, editing with revisions, suggested edits, freshness and helpful votes.

Freshness: an entry is *stale* when a moderator has not reviewed it for FAQ_REVIEW_DAYS, when
one of its source threads gets a new answer, or when a member reports that it no longer works.
Stale entries wait in the moderators' queue; editing or marking an entry reviewed makes it fresh
again. The public page always says when the entry was last checked.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from itertools import groupby

from flask import current_app
from sqlalchemy import Select, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from forum import markup, permissions
from forum.clock import utcnow
from forum.errors import NotFound, PermissionDenied, RuleViolation
from forum.extensions import db
from forum.models import Question, Tag, User
from forum.models.faq import (
    FAQ_BODY_MAX,
    FAQ_BODY_MIN,
    FAQ_TITLE_MAX,
    FAQ_TITLE_MIN,
    PRODUCT_AREA_MAX,
    FaqEntry,
    FaqReport,
    FaqRevision,
    FaqSource,
    FaqSuggestion,
    FaqVote,
)
from forum.moderation import audit

STALE_LABELS = {
    "review_due": "not reviewed for a while",
    "new_answer": "a source thread has a new answer",
    "no_longer_works": "reported as no longer working",
}
REPORT_MAX = 500
NOTE_MAX = 300


def curator(actor: User | None) -> User:
    """The moderator curating the FAQ, itself (not Flask-Login's proxy); else PermissionDenied."""
    actor = permissions.require_member(actor)
    if not permissions.can_curate_faq(actor):
        raise PermissionDenied("Only moderators curate the FAQ.")
    return actor


# -- reading --------------------------------------------------------------------------------


def get_entry(entry_id: int, viewer: User | None = None) -> FaqEntry:
    """An entry the viewer may see (retired ones only by moderators), or NotFound."""
    entry = db.session.get(FaqEntry, entry_id)
    if entry is None or (entry.is_deleted and not permissions.can_curate_faq(viewer)):
        raise NotFound("That FAQ entry does not exist or has been retired.")
    return entry


def published() -> Select:
    """Live entries, by category and title."""
    return (
        select(FaqEntry)
        .outerjoin(Tag, Tag.id == FaqEntry.tag_id)
        .where(FaqEntry.deleted_at.is_(None))
        .options(selectinload(FaqEntry.tag))
        .order_by(Tag.name.is_(None), Tag.name, FaqEntry.title, FaqEntry.id)
    )


def by_category() -> list[tuple[str, list[FaqEntry]]]:
    """Live entries grouped by category (entries without one last, under "General")."""
    items = db.session.scalars(published()).all()
    return [
        (name, list(group))
        for name, group in groupby(items, key=lambda entry: entry.tag.name if entry.tag else "General")
    ]


def sources(entry: FaqEntry) -> list[Question]:
    """The visible source threads, the main one first."""
    questions = [source.question for source in entry.sources if not source.question.is_deleted]
    return sorted(questions, key=lambda question: question.id != entry.question_id)


def credited_answers(entry: FaqEntry) -> list:
    """The visible answers the entry credits."""
    return [credit.answer for credit in entry.credits if not credit.answer.is_deleted]


def review_due_before() -> datetime:
    return utcnow() - timedelta(days=current_app.config["FAQ_REVIEW_DAYS"])


def stale_reason(entry: FaqEntry) -> str | None:
    """Why the entry needs a moderator's review, or None when it is fresh."""
    if entry.stale_reason:
        return entry.stale_reason
    return "review_due" if entry.reviewed_at < review_due_before() else None


def stale_entries() -> Select:
    """Live entries waiting for review, the longest waiting first."""
    return (
        select(FaqEntry)
        .where(
            FaqEntry.deleted_at.is_(None),
            or_(FaqEntry.stale_reason.is_not(None), FaqEntry.reviewed_at < review_due_before()),
        )
        .order_by(func.coalesce(FaqEntry.stale_at, FaqEntry.reviewed_at), FaqEntry.id)
    )


def revisions(entry: FaqEntry) -> list[FaqRevision]:
    """Every version, newest first."""
    return sorted(entry.revisions, key=lambda revision: -revision.number)


def votes_of(entry_id: int, visitor: str | None) -> bool | None:
    """This visitor's answer to "Was this helpful?" (None: not answered yet)."""
    if not visitor:
        return None
    vote = db.session.get(FaqVote, (entry_id, visitor))
    return vote.helpful if vote else None


# -- changing -------------------------------------------------------------------------------


def checked_fields(
    title: str, body: str, tag: str, product_area: str
) -> tuple[str, str, str, Tag | None, str]:
    """Validated entry fields: (title, body, body_html, tag, product area), or RuleViolation."""
    title, product_area, tag = (
        " ".join((title or "").split()),
        (product_area or "").strip(),
        (tag or "").strip(),
    )
    errors: dict[str, list[str]] = {}
    if not FAQ_TITLE_MIN <= len(title) <= FAQ_TITLE_MAX:
        errors["title"] = [f"A title has {FAQ_TITLE_MIN} to {FAQ_TITLE_MAX} characters."]
    if not FAQ_BODY_MIN <= len((body or "").strip()) <= FAQ_BODY_MAX:
        errors["body"] = [f"The answer has {FAQ_BODY_MIN} to {FAQ_BODY_MAX:,} characters."]
    if not product_area or len(product_area) > PRODUCT_AREA_MAX:
        errors["product_area"] = [
            f"Say which product area it covers (at most {PRODUCT_AREA_MAX} characters)."
        ]
    category = None
    if tag:
        category = db.session.scalar(select(Tag).where(Tag.name == tag.lower()))
        if category is None:
            errors["tag"] = [f"There is no tag named {tag!r}."]
    if errors:
        raise RuleViolation(next(iter(errors.values()))[0], errors)
    try:
        body_html = markup.render(body)
    except markup.MarkupError as error:
        raise RuleViolation(str(error), {"body": [str(error)]}) from error
    return title, body, body_html, category, product_area


def _mark_stale(entry_ids: list[int], reason: str) -> None:
    """Send entries back to the moderators' queue (the first reason is kept until reviewed)."""
    if entry_ids:
        db.session.execute(
            update(FaqEntry)
            .where(FaqEntry.id.in_(entry_ids), FaqEntry.stale_reason.is_(None))
            .values(stale_reason=reason, stale_at=utcnow())
            .execution_options(synchronize_session=False)
        )


def source_answered(question_id: int) -> None:
    """A source thread got a new answer: its entry may need updating (the caller commits)."""
    entry_ids = db.session.scalars(
        select(FaqSource.entry_id).where(FaqSource.question_id == question_id)
    ).all()
    _mark_stale(list(entry_ids), "new_answer")


def report_broken(actor: User | None, entry_id: int, text: str = "") -> bool:
    """A member says the entry no longer works; returns False when they had said so already."""
    if not permissions.can_report_faq(actor):
        raise permissions.write_refusal(actor) or PermissionDenied(
            "Reporting FAQ entries needs the flag privilege."
        )
    entry = get_entry(entry_id, actor)
    text = " ".join((text or "").split())
    if len(text) > REPORT_MAX:
        raise RuleViolation(f"Keep it under {REPORT_MAX} characters.", {"text": ["Too long."]})
    try:
        with db.session.begin_nested():
            db.session.add(FaqReport(entry_id=entry.id, user_id=actor.id, text=text))
    except IntegrityError:
        return False
    _mark_stale([entry.id], "no_longer_works")
    db.session.commit()
    return True


def _add_revision(entry: FaqEntry, author: User, summary: str) -> FaqRevision:
    number = 1 + (
        db.session.scalar(select(func.max(FaqRevision.number)).where(FaqRevision.entry_id == entry.id)) or 0
    )
    revision = FaqRevision(
        entry_id=entry.id,
        number=number,
        author=author,
        title=entry.title,
        body=entry.body,
        tag_name=entry.tag.name if entry.tag else None,
        product_area=entry.product_area,
        summary=summary,
    )
    db.session.add(revision)
    return revision


def _apply(entry: FaqEntry, author: User, fields: tuple, summary: str) -> FaqRevision:
    """Set checked fields on the entry and record them as its next revision."""
    title, body, body_html, category, product_area = fields
    entry.title, entry.body, entry.body_html = title, body, body_html
    entry.tag, entry.product_area, entry.edited_at = category, product_area, utcnow()
    return _add_revision(entry, author, summary)


def _content(entry: FaqEntry) -> dict:
    return {
        "title": entry.title,
        "body": entry.body,
        "tag": entry.tag.name if entry.tag else None,
        "product_area": entry.product_area,
    }


def _reviewed(entry: FaqEntry, actor: User) -> None:
    entry.reviewed_at, entry.reviewed_by_id = utcnow(), actor.id
    entry.stale_reason = entry.stale_at = None


def edit(
    actor: User | None, entry_id: int, title: str, body: str, tag: str, product_area: str, summary: str = ""
) -> FaqEntry:
    """A moderator's edit: the next revision; an edit is a review, so the entry is fresh again."""
    actor = curator(actor)
    entry = get_entry(entry_id, actor)
    fields = checked_fields(title, body, tag, product_area)
    before = _content(entry)
    if (fields[0], fields[1], fields[3], fields[4]) == (
        entry.title,
        entry.body,
        entry.tag,
        entry.product_area,
    ):
        raise RuleViolation("The edit changes nothing.", {"body": ["Change something first."]})
    _apply(entry, actor, fields, summary.strip()[:300])
    _reviewed(entry, actor)
    audit.record(actor, "faq.edit", "faq", entry.id, reason=summary, before=before, after=_content(entry))
    db.session.commit()
    return entry


def mark_reviewed(actor: User | None, entry_id: int) -> FaqEntry:
    """A moderator checked the entry and it still holds."""
    actor = curator(actor)
    entry = get_entry(entry_id, actor)
    reason = stale_reason(entry)
    _reviewed(entry, actor)
    audit.record(actor, "faq.review", "faq", entry.id, reason=STALE_LABELS.get(reason or "", ""))
    db.session.commit()
    return entry


def set_retired(actor: User | None, entry_id: int, retired: bool) -> FaqEntry:
    """Retire an entry (soft: it stays in the database) or restore it."""
    actor = curator(actor)
    entry = get_entry(entry_id, actor)
    if entry.is_deleted == retired:
        raise RuleViolation("This entry is already retired." if retired else "This entry is not retired.")
    entry.deleted_at, entry.deleted_by_id = (utcnow(), actor.id) if retired else (None, None)
    audit.record(actor, "faq.delete" if retired else "faq.undelete", "faq", entry.id)
    db.session.commit()
    return entry


def vote(entry_id: int, visitor: str, helpful: bool, viewer: User | None = None) -> FaqEntry:
    """Record "Was this helpful?": one answer per visitor and entry (answering again changes it)."""
    entry = get_entry(entry_id, viewer)
    if entry.is_deleted:
        raise RuleViolation("This entry is retired.")
    existing = db.session.get(FaqVote, (entry.id, visitor))
    if existing is None:
        try:
            with db.session.begin_nested():
                db.session.add(FaqVote(entry_id=entry.id, visitor=visitor, helpful=helpful))
        except IntegrityError:  # the same visitor voting twice at once: the other request won
            existing = db.session.get(FaqVote, (entry.id, visitor))
    if existing is not None:
        existing.helpful = helpful
    db.session.flush()
    counts = dict(
        db.session.execute(
            select(FaqVote.helpful, func.count())
            .where(FaqVote.entry_id == entry.id)
            .group_by(FaqVote.helpful)
        ).all()
    )
    entry.helpful_yes, entry.helpful_no = counts.get(True, 0), counts.get(False, 0)
    db.session.commit()
    return entry


# -- suggested edits ------------------------------------------------------------------------


def suggest(actor: User | None, entry_id: int, title: str, body: str, summary: str = "") -> FaqSuggestion:
    """A member with enough reputation proposes a new version; one waits per entry at a time."""
    refusal = permissions.write_refusal(actor)
    if refusal is not None:
        raise refusal
    if not permissions.can_suggest_faq_edit(actor):
        raise permissions.privileges.refusal(actor, "suggest_faq_edits") or PermissionDenied(
            "Moderators edit FAQ entries directly."
        )
    entry = get_entry(entry_id, actor)
    title, body, _, _, _ = checked_fields(
        title, body, entry.tag.name if entry.tag else "", entry.product_area
    )
    if (title, body) == (entry.title, entry.body):
        raise RuleViolation("The suggested edit changes nothing.", {"body": ["Change something first."]})
    waiting = db.session.scalar(
        select(FaqSuggestion.id).where(FaqSuggestion.entry_id == entry.id, FaqSuggestion.status == "pending")
    )
    if waiting is not None:
        raise RuleViolation("This entry already has a suggested edit waiting; try again once it is reviewed.")
    latest = db.session.scalar(
        select(FaqRevision.id)
        .where(FaqRevision.entry_id == entry.id)
        .order_by(FaqRevision.number.desc())
        .limit(1)
    )
    suggestion = FaqSuggestion(
        entry_id=entry.id,
        author=permissions.plain(actor),
        base_revision_id=latest,
        title=title,
        body=body,
        summary=(summary or "").strip()[:300],
    )
    db.session.add(suggestion)
    db.session.commit()
    return suggestion


def pending_suggestions() -> Select:
    return (
        select(FaqSuggestion)
        .where(FaqSuggestion.status == "pending")
        .order_by(FaqSuggestion.created_at, FaqSuggestion.id)
    )


def get_suggestion(suggestion_id: int, viewer: User | None) -> FaqSuggestion:
    suggestion = db.session.get(FaqSuggestion, suggestion_id)
    if suggestion is None or not (
        permissions.can_curate_faq(viewer)
        or (viewer is not None and getattr(viewer, "id", None) == suggestion.author_id)
    ):
        raise NotFound("No such suggested edit.")
    return suggestion


def review_suggestion(actor: User | None, suggestion_id: int, approve: bool, note: str = "") -> FaqSuggestion:
    """Apply a suggestion as the entry's next revision (credited to its author), or turn it down."""
    actor = curator(actor)
    suggestion = get_suggestion(suggestion_id, actor)
    if suggestion.status != "pending":
        raise RuleViolation(f"This suggested edit was already {suggestion.status}.")
    if suggestion.author_id == actor.id:
        raise PermissionDenied("Someone else reviews your own suggestion.")
    note = " ".join((note or "").split())[:NOTE_MAX]
    entry = suggestion.entry
    if approve:
        latest = max(entry.revisions, key=lambda revision: revision.number)
        if latest.id != suggestion.base_revision_id:
            raise RuleViolation("The entry changed since this edit was suggested; it cannot be applied.")
        before = _content(entry)
        fields = checked_fields(
            suggestion.title, suggestion.body, entry.tag.name if entry.tag else "", entry.product_area
        )
        revision = _apply(entry, suggestion.author, fields, suggestion.summary or "Suggested edit")
        db.session.flush()
        suggestion.revision_id = revision.id
        audit.record(
            actor,
            "faq.suggestion_approve",
            "faq",
            entry.id,
            reason=note,
            before=before,
            after=_content(entry),
        )
    else:
        audit.record(actor, "faq.suggestion_reject", "faq", entry.id, reason=note)
    suggestion.status = "approved" if approve else "rejected"
    suggestion.reviewer, suggestion.reviewed_at, suggestion.review_note = actor, utcnow(), note
    db.session.commit()
    return suggestion
