"""The moderators' FAQ queue: which threads are candidates, and approving, dismissing or merging them.

A visible thread is a candidate when its popularity (forum.faq.popularity) is at least
FAQ_CANDIDATE_MIN_SCORE, or when a member with the flag privilege nominated it, and no entry
draws on it yet. A dismissed thread stays out of the queue until its popularity reaches
REGROWTH times what it was when dismissed (and the threshold).

Approving one thread or several (duplicates merged into one entry) creates an FaqEntry whose
first thread is its main source. The draft answer is pre-filled from the threads' accepted,
official and best-voted answers, each followed by a link crediting its author; the authors of
the answers an approved entry credits earn FAQ points once per entry (forum.reputation).
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app, url_for
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import and_, exists, func, or_, select, union

from forum import permissions, reputation
from forum.clock import utcnow
from forum.errors import NotFound, RuleViolation
from forum.extensions import db
from forum.faq import entries
from forum.models import Answer, Question, User
from forum.models.faq import (
    FAQ_TITLE_MAX,
    FaqCredit,
    FaqDecision,
    FaqEntry,
    FaqNomination,
    FaqRevision,
    FaqSource,
    QuestionPopularity,
)
from forum.moderation import audit
from forum.pagination import paginate

REGROWTH = 2.0
REASON_MAX = 300
# how many answers a draft draws on, per thread and in all
DRAFT_ANSWERS_PER_THREAD = 3
DRAFT_ANSWERS_MAX = 6
MERGE_MAX = 10


@dataclass
class Candidate:
    """A thread in the queue with the numbers that put it there."""

    question: Question
    popularity: QuestionPopularity | None
    nominations: int
    dismissed: FaqDecision | None

    @property
    def score(self) -> float:
        return self.popularity.score if self.popularity else 0.0

    @property
    def reasons(self) -> list[str]:
        """Why it is in the queue, in words."""
        reasons = []
        if self.score >= min_score():
            reasons.append("popular")
        if self.nominations:
            reasons.append("nominated")
        if self.dismissed is not None:
            reasons.append("grew since dismissed")
        return reasons


@dataclass
class Draft:
    """What the approval form starts from."""

    question_ids: list[int]
    title: str
    body: str
    tag: str
    product_area: str
    answers: list[Answer]


def min_score() -> float:
    return float(current_app.config["FAQ_CANDIDATE_MIN_SCORE"])


def _queue_statement():
    """Candidate questions, most popular first; driven by the few popular or nominated ids."""
    threshold = min_score()
    nominated = (
        select(FaqNomination.question_id, func.count().label("count"))
        .group_by(FaqNomination.question_id)
        .subquery()
    )
    candidate_ids = union(
        select(QuestionPopularity.question_id).where(QuestionPopularity.score >= threshold),
        select(FaqNomination.question_id),
    ).subquery()
    score = func.coalesce(QuestionPopularity.score, 0.0)
    return (
        select(Question)
        .join(candidate_ids, candidate_ids.c.question_id == Question.id)
        .outerjoin(QuestionPopularity, QuestionPopularity.question_id == Question.id)
        .outerjoin(nominated, nominated.c.question_id == Question.id)
        .outerjoin(FaqDecision, FaqDecision.question_id == Question.id)
        .where(
            Question.deleted_at.is_(None),
            ~exists().where(FaqSource.question_id == Question.id),
            or_(
                FaqDecision.question_id.is_(None),
                and_(
                    FaqDecision.decision == "dismissed",
                    score >= threshold,
                    score >= FaqDecision.popularity * REGROWTH,
                ),
            ),
        )
        .order_by(score.desc(), func.coalesce(nominated.c.count, 0).desc(), Question.id)
    )


def queue(viewer: User | None) -> Pagination:
    """One page of candidates (moderators only), each with its numbers."""
    entries.curator(viewer)
    page = paginate(_queue_statement())
    ids = [question.id for question in page.items]
    popularity = {
        row.question_id: row
        for row in db.session.scalars(
            select(QuestionPopularity).where(QuestionPopularity.question_id.in_(ids))
        )
    }
    nominations = dict(
        db.session.execute(
            select(FaqNomination.question_id, func.count())
            .where(FaqNomination.question_id.in_(ids))
            .group_by(FaqNomination.question_id)
        ).all()
    )
    decisions = {
        row.question_id: row
        for row in db.session.scalars(select(FaqDecision).where(FaqDecision.question_id.in_(ids)))
    }
    page.items = [
        Candidate(
            question, popularity.get(question.id), nominations.get(question.id, 0), decisions.get(question.id)
        )
        for question in page.items
    ]
    return page


def nominate(actor: User | None, question_id: int) -> bool:
    """A member says the thread belongs in the FAQ; returns False when they already had."""
    question = db.session.get(Question, question_id)
    if question is None or question.is_deleted:
        raise NotFound("That question does not exist or has been deleted.")
    refusal = permissions.faq_nomination_refusal(actor, question)
    if refusal is not None:
        raise refusal
    exists_already = db.session.get(FaqNomination, (question_id, actor.id))
    if exists_already is not None:
        return False
    db.session.add(FaqNomination(question_id=question_id, user_id=actor.id))
    db.session.commit()
    return True


def _sources(question_ids: list[int]) -> list[Question]:
    """The visible threads, in the order given (duplicates dropped), none already in the FAQ."""
    ids = list(dict.fromkeys(question_ids))
    if not ids:
        raise RuleViolation("Choose at least one thread.", {"question_ids": ["Choose at least one thread."]})
    if len(ids) > MERGE_MAX:
        raise RuleViolation(f"An entry draws on at most {MERGE_MAX} threads.")
    found = {
        question.id: question
        for question in db.session.scalars(
            select(Question).where(Question.id.in_(ids), Question.deleted_at.is_(None))
        )
    }
    missing = [question_id for question_id in ids if question_id not in found]
    if missing:
        raise NotFound(f"No visible question {missing[0]}.")
    taken = db.session.scalars(select(FaqSource.question_id).where(FaqSource.question_id.in_(ids))).all()
    if taken:
        raise RuleViolation(f"Question {taken[0]} is already part of an FAQ entry.")
    return [found[question_id] for question_id in ids]


def _draft_answers(question: Question) -> list[Answer]:
    """The accepted answer, the official one, then the best-voted (score above zero)."""
    answers = db.session.scalars(
        select(Answer)
        .where(Answer.question_id == question.id, Answer.deleted_at.is_(None))
        .order_by(Answer.score.desc(), Answer.id)
    ).all()
    first = [question.accepted_answer_id, question.official_answer_id]
    chosen = [answer for key in first for answer in answers if answer.id == key]
    chosen += [answer for answer in answers if answer.score > 0]
    return list(dict.fromkeys(chosen))[:DRAFT_ANSWERS_PER_THREAD]


def attribution(answer: Answer) -> str:
    """The Markdown line that credits an answer's author and links the answer."""
    question = answer.question
    url = url_for("questions.show", question_id=question.id, slug=question.slug, _anchor=f"a{answer.id}")
    name = answer.author.username if answer.author else (answer.origin_author or "a former member")
    return f"*From [the answer by {markup_escape(name)}]({url}) to “{markup_escape(question.title)}”.*"


def markup_escape(text: str) -> str:
    """Text safe to put inside Markdown link text."""
    return "".join(f"\\{char}" if char in "\\`*_{}[]()#+-.!<>|~" else char for char in text or "")


def draft(question_ids: list[int]) -> Draft:
    """The approval form's starting point for one thread, or several to merge."""
    sources = _sources(question_ids)
    answers: list[Answer] = []
    for question in sources:
        answers += _draft_answers(question)
    answers = answers[:DRAFT_ANSWERS_MAX]
    parts = [f"{answer.body.strip()}\n\n{attribution(answer)}" for answer in answers]
    main = sources[0]
    return Draft(
        question_ids=[question.id for question in sources],
        title=(main.title or "")[:FAQ_TITLE_MAX],
        body="\n\n---\n\n".join(parts),
        tag=main.tags[0].name if main.tags else "",
        product_area=main.tags[0].name.replace("-", " ") if main.tags else "",
        answers=answers,
    )


def _decide(
    question_id: int, decision: str, actor: User, reason: str = "", entry_id: int | None = None
) -> None:
    """Record (or replace) the decision about a thread."""
    popularity = db.session.get(QuestionPopularity, question_id)
    row = db.session.get(FaqDecision, question_id) or FaqDecision(question_id=question_id)
    row.decision, row.reason, row.entry_id = decision, reason, entry_id
    row.popularity = popularity.score if popularity else 0.0
    row.decided_by, row.decided_at = actor, utcnow()
    db.session.add(row)


def approve(
    actor: User | None,
    question_ids: list[int],
    title: str,
    body: str,
    tag: str,
    product_area: str,
    credit_answer_ids: list[int] | None = None,
) -> FaqEntry:
    """Create an entry from one thread (or several duplicates merged: the first is the main one)."""
    actor = entries.curator(actor)
    sources = _sources(question_ids)
    title, body, body_html, category, product_area = entries.checked_fields(title, body, tag, product_area)
    if credit_answer_ids is None:
        credited = draft([question.id for question in sources]).answers
    else:
        credited = _credited_answers(sources, credit_answer_ids)
    now = utcnow()
    entry = FaqEntry(
        title=title,
        body=body,
        body_html=body_html,
        tag=category,
        product_area=product_area,
        question_id=sources[0].id,
        created_by=actor,
        created_at=now,
        reviewed_at=now,
        reviewed_by_id=actor.id,
    )
    db.session.add(entry)
    db.session.flush()
    db.session.add_all(FaqSource(entry_id=entry.id, question_id=question.id) for question in sources)
    db.session.add_all(FaqCredit(entry_id=entry.id, answer_id=answer.id) for answer in credited)
    db.session.add(
        FaqRevision(
            entry_id=entry.id,
            number=1,
            author=actor,
            title=title,
            body=body,
            tag_name=category.name if category else None,
            product_area=product_area,
            summary="Approved into the FAQ",
            created_at=now,
        )
    )
    for index, question in enumerate(sources):
        _decide(question.id, "approved" if index == 0 else "merged", actor, entry_id=entry.id)
    _credit_authors(entry, credited)
    audit.record(
        actor,
        "faq.merge" if len(sources) > 1 else "faq.approve",
        "faq",
        entry.id,
        after={"title": title, "questions": [question.id for question in sources]},
    )
    db.session.commit()
    return entry


def _credited_answers(sources: list[Question], answer_ids: list[int]) -> list[Answer]:
    """The visible answers of the source threads among the ids, or RuleViolation."""
    ids = list(dict.fromkeys(answer_ids))
    source_ids = {question.id for question in sources}
    answers = {
        answer.id: answer
        for answer in db.session.scalars(
            select(Answer).where(Answer.id.in_(ids), Answer.deleted_at.is_(None))
        )
    }
    wrong = [
        answer_id
        for answer_id in ids
        if answers.get(answer_id) is None or answers[answer_id].question_id not in source_ids
    ]
    if wrong:
        message = f"Answer {wrong[0]} is not a visible answer in the chosen threads."
        raise RuleViolation(message, {"credit_answer_ids": [message]})
    return [answers[answer_id] for answer_id in ids]


def _credit_authors(entry: FaqEntry, answers: list[Answer]) -> None:
    """FAQ points to each credited author, once per entry (their own entry's credit is not doubled)."""
    authors = sorted({answer.author_id: answer for answer in answers if answer.author_id is not None}.items())
    if not authors:
        return
    reputation.lock_users([user_id for user_id, _ in authors])
    already = set(
        db.session.scalars(
            select(reputation.ReputationEvent.user_id).where(
                reputation.ReputationEvent.faq_entry_id == entry.id,
                reputation.ReputationEvent.kind == "faq_source",
            )
        )
    )
    for user_id, answer in authors:
        if user_id not in already:
            reputation.award(
                user_id,
                "faq_source",
                cause="accepted",
                post_id=answer.id,
                faq_entry_id=entry.id,
                actor_id=entry.created_by_id,
            )


def merge(actor: User | None, entry_id: int, question_ids: list[int]) -> FaqEntry:
    """Add duplicate threads to an existing entry as further sources."""
    actor = entries.curator(actor)
    entry = entries.get_entry(entry_id, actor)
    if entry.is_deleted:
        raise RuleViolation("This entry is retired; restore it first.")
    sources = _sources(question_ids)
    db.session.add_all(FaqSource(entry_id=entry.id, question_id=question.id) for question in sources)
    for question in sources:
        _decide(question.id, "merged", actor, entry_id=entry.id)
    audit.record(
        actor, "faq.merge", "faq", entry.id, after={"questions": [question.id for question in sources]}
    )
    db.session.commit()
    return entry


def dismiss(actor: User | None, question_id: int, reason: str) -> FaqDecision:
    """Take a thread out of the queue, with a reason, until it grows a lot more popular."""
    actor = entries.curator(actor)
    reason = " ".join((reason or "").split())
    if not reason or len(reason) > REASON_MAX:
        message = f"Say why (at most {REASON_MAX} characters)."
        raise RuleViolation(message, {"reason": [message]})
    question = db.session.get(Question, question_id)
    if question is None or question.is_deleted:
        raise NotFound("That question does not exist or has been deleted.")
    if db.session.scalar(select(FaqSource.entry_id).where(FaqSource.question_id == question_id)) is not None:
        raise RuleViolation("This thread is already part of an FAQ entry.")
    _decide(question_id, "dismissed", actor, reason)
    audit.record(actor, "faq.dismiss", "question", question_id, reason=reason)
    db.session.commit()
    return db.session.get(FaqDecision, question_id)
