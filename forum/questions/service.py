"""Asking, answering, commenting, editing and deleting: the rules and their transactions."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Select, and_, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased, joinedload, selectinload

from forum import markup, permissions, personal_data, ratelimits, reputation
from forum.clock import utcnow
from forum.errors import NotFound, PermissionDenied, RuleViolation
from forum.extensions import db
from forum.faq import entries as faq_entries
from forum.models import Answer, Comment, Post, Question, Revision, Tag, User, question_tags
from forum.models.faq import FaqEntry, FaqSource
from forum.moderation import audit
from forum.notifications import service as notifications
from forum.questions.tags import parse_tags, tag_errors

SORTS = ("newest", "active", "unanswered", "votes")
# Post.hold_reason / Comment.hold_reason of what its author published with personal data anyway
HELD_FOR_PERSONAL_DATA = "personal_data"


def _render(source: str, field_name: str = "body", *, comment: bool = False) -> str:
    """Render Markdown, turning a refusal into a field error for the author."""
    try:
        return markup.render_comment(source) if comment else markup.render(source)
    except markup.MarkupError as error:
        raise RuleViolation(str(error), {field_name: [str(error)]}) from error


def _checked_html(actor: User, source: str, *, comment: bool = False) -> str:
    """Render what the actor wrote, refusing more links than a new account may post."""
    html = _render(source, comment=comment)
    ratelimits.check_links(actor, html)
    return html


def _tags_for(raw: str | list[str]) -> list[Tag]:
    """Existing or new Tag rows for the given input, validated."""
    names = parse_tags(raw)
    errors = tag_errors(names)
    if errors:
        raise RuleViolation(errors[0], {"tags": errors})
    existing = {tag.name: tag for tag in db.session.scalars(select(Tag).where(Tag.name.in_(names)))}
    tags: dict[int, Tag] = {}
    for name in names:
        tag = existing.get(name) or _create_tag(name)
        if tag.merged_into_id is not None:  # a moderator merged this name into another tag
            tag = db.session.get(Tag, tag.merged_into_id)
        tags.setdefault(tag.id, tag)
    return list(tags.values())


def _create_tag(name: str) -> Tag:
    """A new tag; when another request creates the same name at the same moment, use theirs."""
    try:
        with db.session.begin_nested():
            tag = Tag(name=name)
            db.session.add(tag)
        return tag
    except IntegrityError:
        return db.session.scalars(select(Tag).where(Tag.name == name)).one()


def refresh_tag_counts(tags: list[Tag]) -> None:
    """Recount the visible questions of each tag (cached for the tag list)."""
    db.session.flush()
    for tag in tags:
        tag.question_count = db.session.scalar(
            select(func.count())
            .select_from(question_tags)
            .join(Question, Question.id == question_tags.c.question_id)
            .where(question_tags.c.tag_id == tag.id, Question.deleted_at.is_(None))
        )


def _refresh_answer_count(question: Question) -> None:
    """Recount a question's visible answers (cached for lists and the unanswered filter)."""
    db.session.flush()
    question.answer_count = db.session.scalar(
        select(func.count())
        .select_from(Answer)
        .where(Answer.question_id == question.id, Answer.deleted_at.is_(None))
    )


def _add_revision(post: Post, actor: User, summary: str = "") -> Revision:
    """Record the post's current content as its next revision."""
    number = 1 + (
        db.session.scalar(select(func.max(Revision.number)).where(Revision.post_id == post.id)) or 0
    )
    is_question = isinstance(post, Question)
    revision = Revision(
        post=post,
        number=number,
        author=actor,
        title=post.title if is_question else None,
        body=post.body,
        tags=" ".join(sorted(tag.name for tag in post.tags)) if is_question else None,
        summary=summary,
    )
    db.session.add(revision)
    return revision


def _hold(item: Post | Comment) -> None:
    """Keep a new post or comment from the public until a moderator releases or redacts it.

    Held as flags hide a post: deleted meanwhile with no deleting user, so no page, list, search
    or feed shows it; its author and moderators still see it.
    """
    now = utcnow()
    item.deleted_at = item.hidden_at = now
    item.deleted_by_id = None
    item.hold_reason = HELD_FOR_PERSONAL_DATA


def visible_post(post: Post | None, viewer: User | None) -> Post:
    """The post when the viewer may see it, or NotFound (deleted posts are not found by the public)."""
    if post is None or not permissions.can_view(viewer, post):
        raise NotFound("That post does not exist or has been deleted.")
    if isinstance(post, Answer) and not permissions.can_view(viewer, post.question):
        raise NotFound("That post does not exist or has been deleted.")
    return post


def visible_question(post: Post | None, viewer: User | None) -> Question:
    """The post when it is a question the viewer may see, or NotFound."""
    post = visible_post(post, viewer)
    if not isinstance(post, Question):
        raise NotFound("That question does not exist.")
    return post


def get_post(post_id: int, viewer: User | None = None) -> Post:
    """A post the viewer may see, or NotFound."""
    return visible_post(db.session.get(Post, post_id), viewer)


def get_question(question_id: int, viewer: User | None = None) -> Question:
    """A question the viewer may see, or NotFound."""
    return visible_question(db.session.get(Post, question_id), viewer)


def get_editable_post(actor: User | None, post_id: int) -> Post:
    """A post the actor may edit, or NotFound / PermissionDenied."""
    actor = permissions.require_member(actor)
    post = get_post(post_id, actor)
    if not permissions.can_edit(actor, post):
        raise PermissionDenied("You may edit only your own posts.")
    return post


def ask(
    actor: User | None, title: str, body: str, tags: str | list[str], *, confirm_personal_data: bool = False
) -> Question:
    """Post a new question with its first revision.

    Personal data in the title or body is refused (PersonalDataFound) unless the asker confirms
    it; then the question is held for a moderator.
    """
    actor = permissions.require_member(actor)
    body_html = _checked_html(actor, body)
    found = personal_data.check({"title": title, "body": body}, confirmed=confirm_personal_data)
    ratelimits.check_posting(actor)
    now = utcnow()
    question = Question(
        author=actor,
        title=title.strip(),
        body=body,
        body_html=body_html,
        tags=_tags_for(tags),
        created_at=now,
        last_activity_at=now,
    )
    if found:
        _hold(question)
    db.session.add(question)
    db.session.flush()
    _add_revision(question, actor)
    refresh_tag_counts(question.tags)
    db.session.commit()
    return question


def answer(actor: User | None, question_id: int, body: str, *, confirm_personal_data: bool = False) -> Answer:
    """Answer a question (held for a moderator when its author confirms personal data in it)."""
    actor = permissions.require_member(actor)
    question = get_question(question_id, actor)
    if question.is_deleted:
        raise RuleViolation("This question has been deleted; it takes no new answers.")
    if question.status == "locked":
        raise RuleViolation("This thread is locked; it takes no new answers.")
    if question.status == "closed":
        raise RuleViolation("This question is closed; it takes no new answers.")
    body_html = _checked_html(actor, body)
    found = personal_data.check({"body": body}, confirmed=confirm_personal_data)
    ratelimits.check_posting(actor)
    now = utcnow()
    new_answer = Answer(question=question, author=actor, body=body, body_html=body_html, created_at=now)
    if found:
        _hold(new_answer)  # nobody hears of it, and the thread stays as it was, until its release
    db.session.add(new_answer)
    db.session.flush()
    _add_revision(new_answer, actor)
    if not found:
        question.last_activity_at = now
        _refresh_answer_count(question)
        notifications.answer_posted(new_answer)
        faq_entries.source_answered(question.id)
    db.session.commit()
    return new_answer


def comment(actor: User | None, post_id: int, body: str, *, confirm_personal_data: bool = False) -> Comment:
    """Comment on a question or an answer (held for a moderator when it confirms personal data)."""
    actor = permissions.require_member(actor)
    post = get_post(post_id, actor)
    question = post if isinstance(post, Question) else post.question
    refusal = permissions.comment_refusal(actor, post)
    if refusal is not None:
        raise refusal
    body_html = _checked_html(actor, body, comment=True)
    found = personal_data.check({"body": body.strip()}, confirmed=confirm_personal_data)
    ratelimits.check_posting(actor)
    new_comment = Comment(post=post, author=actor, body=body.strip(), body_html=body_html)
    db.session.add(new_comment)
    if found:
        _hold(new_comment)
    else:
        question.last_activity_at = utcnow()
        notifications.comment_posted(new_comment)
    db.session.commit()
    return new_comment


def edit(
    actor: User | None,
    post_id: int,
    body: str,
    title: str | None = None,
    tags: str | list[str] | None = None,
    summary: str = "",
    *,
    confirm_personal_data: bool = False,
) -> Post:
    """Change a post and keep the new version as a revision; an unchanged post stays as it is.

    Personal data the post did not hold before is refused unless the editor confirms it; then
    the post is held for a moderator until they release or redact it.
    """
    actor = permissions.require_member(actor)
    post = get_editable_post(actor, post_id)
    before = _content(post)
    found = personal_data.check(
        {"title": title if isinstance(post, Question) else None, "body": body},
        confirmed=confirm_personal_data,
        previous={"title": getattr(post, "title", None), "body": post.body},
    )
    if apply_edit(post, actor, body, title, tags, summary) is not None:
        if found:
            hold_edited(post)
        if permissions.can_moderate(actor) and not permissions.is_owner(actor, post):
            audit.record(actor, "post.edit", "post", post.id, summary, before=before, after=_content(post))
        db.session.commit()
    return post


def hold_edited(post: Post) -> None:
    """An edit put personal data in a post: hold it for a moderator (the caller commits)."""
    if not post.is_deleted:
        set_deleted(post, None, True, hide=True, hold_reason=HELD_FOR_PERSONAL_DATA)
    elif post.is_hidden:  # already hidden by flags: the personal data decides its release now
        post.hold_reason = HELD_FOR_PERSONAL_DATA


def _content(post: Post) -> dict[str, object]:
    """What an edit can change, for the audit log."""
    if isinstance(post, Question):
        return {"title": post.title, "body": post.body, "tags": post.tag_names}
    return {"body": post.body}


def apply_edit(
    post: Post,
    editor: User,
    body: str,
    title: str | None = None,
    tags: str | list[str] | None = None,
    summary: str = "",
) -> Revision | None:
    """Write a new version of the post as `editor` (whose right to it the caller checked).

    Returns the new revision, or None when nothing changed; the caller commits.
    """
    is_question = isinstance(post, Question)
    changed = body != post.body
    old_tags: list[Tag] = []
    if is_question and title is not None and not title.strip():
        raise RuleViolation("A question needs a title.", {"title": ["This field is required."]})
    if is_question and title is not None and title.strip() != post.title:
        post.title = title.strip()
        changed = True
    if is_question and tags is not None:
        new_tags = _tags_for(tags)
        if sorted(tag.name for tag in new_tags) != post.tag_names:
            old_tags = list(post.tags)
            post.tags = new_tags
            changed = True
    if not changed:
        return None
    now = utcnow()
    post.body = body
    post.body_html = _checked_html(editor, body)
    post.edited_at = now
    post.editor = editor
    (post if is_question else post.question).last_activity_at = now
    revision = _add_revision(post, editor, summary.strip())
    if old_tags:
        refresh_tag_counts(list({tag.id: tag for tag in [*old_tags, *post.tags]}.values()))
    return revision


def _set_deleted(actor: User | None, post_id: int, deleted: bool) -> Post:
    """Soft-delete or restore a post; a moderator's action on someone else's post is audited."""
    actor = permissions.require_member(actor)
    post = get_post(post_id, actor)
    allowed = permissions.can_delete if deleted else permissions.can_undelete
    if not allowed(actor, post):
        state = "deleted" if post.is_deleted else "not deleted"
        verb = "delete" if deleted else "undelete"
        raise PermissionDenied(f"You may not {verb} this post (it is {state}).")
    if not permissions.is_owner(actor, post):
        audit.record(actor, "post.delete" if deleted else "post.undelete", "post", post.id)
    set_deleted(post, actor, deleted)
    db.session.commit()
    return post


def set_deleted(
    post: Post, actor: User | None, deleted: bool, *, hide: bool = False, hold_reason: str = "flags"
) -> None:
    """Soft-delete (or hide: `actor` None, for `hold_reason`) or restore a post and refresh what
    depends on it.

    The caller checked the right to it and commits. Restoring also releases a hidden post.
    """
    if deleted == post.is_deleted:
        return
    if not deleted:
        reputation.post_undeleted(post)  # before deleted_at is cleared: it finds that deletion's reversals
    post.deleted_at = utcnow() if deleted else None
    post.deleted_by_id = actor.id if deleted and actor is not None else None
    post.hidden_at = post.deleted_at if hide else None
    post.hold_reason = hold_reason if hide else None
    if deleted:
        reputation.post_deleted(post)
    if isinstance(post, Question):
        refresh_tag_counts(post.tags)
    else:
        _refresh_answer_count(post.question)


def delete(actor: User | None, post_id: int) -> Post:
    """Soft-delete a post: hidden from the public, kept for moderators and its author."""
    return _set_deleted(actor, post_id, True)


def undelete(actor: User | None, post_id: int) -> Post:
    """Restore a soft-deleted post."""
    return _set_deleted(actor, post_id, False)


def delete_comment(actor: User | None, comment_id: int) -> Comment:
    """Soft-delete a comment."""
    actor = permissions.require_member(actor)
    target = db.session.get(Comment, comment_id)
    if target is None or target.is_deleted:
        raise NotFound("That comment does not exist.")
    if not permissions.can_delete_comment(actor, target):
        raise PermissionDenied("You may delete only your own comments.")
    target.deleted_at = utcnow()
    target.deleted_by_id = actor.id
    db.session.commit()
    return target


@dataclass
class Thread:
    """A question page's content: the question, the answers and comments the viewer may see."""

    question: Question
    answers: list[Answer]
    comments: dict[int, list[Comment]] = field(default_factory=dict)
    # the live FAQ entry this thread is a source of, for the banner
    faq_entry: FaqEntry | None = None

    def comments_on(self, post: Post) -> list[Comment]:
        """The visible comments under one post."""
        return self.comments.get(post.id, [])


def answer_order(question: Question):
    """Sort key: the accepted answer first, then the official one, then higher score, then older."""
    return lambda item: (
        item.id != question.accepted_answer_id,
        item.id != question.official_answer_id,
        -item.score,
        item.created_at,
        item.id,
    )


def thread(question_id: int, viewer: User | None = None) -> Thread:
    """Load a whole question page in a fixed number of queries, whatever its size."""
    live_entry = and_(FaqEntry.id == FaqSource.entry_id, FaqEntry.deleted_at.is_(None))
    question, faq_entry = db.session.execute(
        select(Question, FaqEntry)
        .outerjoin(FaqSource, FaqSource.question_id == Question.id)
        .outerjoin(FaqEntry, live_entry)
        .where(Question.id == question_id)
        .options(
            joinedload(Question.author),
            joinedload(Question.editor),
            selectinload(Question.tags),
            selectinload(Question.answers).options(joinedload(Answer.author), joinedload(Answer.editor)),
        )
    ).first() or (None, None)
    if question is None or not permissions.can_view(viewer, question):
        raise NotFound("That question does not exist or has been deleted.")
    answers = sorted(
        (item for item in question.answers if permissions.can_view(viewer, item)),
        key=answer_order(question),
    )
    post_ids = [question.id, *(item.id for item in answers)]
    comment_query = (
        select(Comment)
        .where(Comment.post_id.in_(post_ids))
        .options(joinedload(Comment.author))
        .order_by(Comment.created_at, Comment.id)
    )
    if not permissions.can_moderate(viewer):
        visible = Comment.deleted_at.is_(None)
        if permissions.is_member(viewer):  # authors see their own held comments, marked as held
            visible = visible | ((Comment.author_id == viewer.id) & Comment.hidden_at.is_not(None))
        comment_query = comment_query.where(visible)
    comments: dict[int, list[Comment]] = {}
    for item in db.session.scalars(comment_query):
        comments.setdefault(item.post_id, []).append(item)
    return Thread(question=question, answers=answers, comments=comments, faq_entry=faq_entry)


def question_list(sort: str = "active", tag: str | None = None) -> Select:
    """The visible questions in the chosen order, optionally with one tag (pinned ones first there)."""
    query = (
        select(Question)
        .where(Question.deleted_at.is_(None))
        .options(joinedload(Question.author), selectinload(Question.tags))
    )
    pinned_first = []
    if tag:
        query = query.where(
            Question.id.in_(
                select(question_tags.c.question_id)
                .join(Tag, Tag.id == question_tags.c.tag_id)
                .where(Tag.name == tag)
            )
        )
        pinned_first = [Question.pinned_at.is_(None), Question.pinned_at.desc()]
    if sort == "unanswered":
        query = query.where(Question.answer_count == 0)
    order = {
        "newest": Question.created_at,
        "unanswered": Question.created_at,
        "votes": Question.score,
    }.get(sort, Question.last_activity_at)
    return query.order_by(*pinned_first, order.desc(), Question.id.desc())


def tag_list(order: str = "popular") -> Select:
    """Tags with at least one visible question, most used first (or by name)."""
    query = select(Tag).where(Tag.question_count > 0)
    if order == "name":
        return query.order_by(Tag.name)
    return query.order_by(Tag.question_count.desc(), Tag.name)


def get_tag(name: str) -> Tag:
    """A tag by name, or NotFound."""
    tag = db.session.scalar(select(Tag).where(Tag.name == name))
    if tag is None:
        raise NotFound(f"No tag named {name[:50]!r}.")
    return tag


def revisions(post_id: int, viewer: User | None = None) -> tuple[Post, list[Revision]]:
    """A post and its revisions, oldest first."""
    post = get_post(post_id, viewer)
    if not permissions.can_view_history(viewer, post):
        raise NotFound("That post does not exist or has been deleted.")
    history = db.session.scalars(
        select(Revision)
        .where(Revision.post_id == post.id)
        .options(joinedload(Revision.author))
        .order_by(Revision.number)
    ).all()
    return post, list(history)


def user_activity(user: User, viewer: User | None = None) -> tuple[list[Question], list[Answer]]:
    """A user's recent visible questions and answers, for the profile page."""
    questions = db.session.scalars(
        select(Question)
        .where(Question.author_id == user.id, Question.deleted_at.is_(None))
        .options(selectinload(Question.tags))
        .order_by(Question.created_at.desc())
        .limit(30)
    ).all()
    parent = aliased(Question)
    answers = db.session.scalars(
        select(Answer)
        .join(parent, parent.id == Answer.question_id)
        .where(Answer.author_id == user.id, Answer.deleted_at.is_(None), parent.deleted_at.is_(None))
        .options(joinedload(Answer.question))
        .order_by(Answer.created_at.desc())
        .limit(30)
    ).all()
    return list(questions), list(answers)
