"""Questions, answers, their tags, first revisions and accepted answers, from Posts.xml."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

from sqlalchemy import Table, bindparam, insert, select, update

from forum import markup
from forum.extensions import db
from forum.importer.dump import integer, moment, read_rows, tag_names
from forum.importer.run import ImportRun, batched, insert_returning_ids, required
from forum.models import Post, Revision, Tag, question_tags
from forum.models.posts import TAG_MAX_LENGTH, TAGS_MAX, TITLE_MAX
from forum.questions.tags import normalise_tag

# Stack Exchange's licence by posting date, for dumps older than the per-post ContentLicense
LICENCES = ((datetime(2011, 4, 8), "CC BY-SA 2.5"), (datetime(2018, 5, 2), "CC BY-SA 3.0"))
LATEST_LICENCE = "CC BY-SA 4.0"
OTHER_TYPES = "posts that are not questions or answers (tag wikis, site pages)"

posts: Table = Post.__table__


def licence_for(row: dict, created: datetime) -> str:
    """The post's own licence, or the one Stack Exchange used on its posting date."""
    if row.get("ContentLicense"):
        return row["ContentLicense"][:40]
    return next((name for until, name in LICENCES if created < until), LATEST_LICENCE)


def tag_name(raw: str | None) -> str:
    """A dump's tag name in our form ('Foo Bar' -> 'foo-bar'), cut to our length limit."""
    return normalise_tag(normalise_tag(raw or "")[:TAG_MAX_LENGTH])


def import_tags(run: ImportRun, path: Path) -> None:
    """The site's tags from Tags.xml, also those no imported question uses yet."""
    ensure_tags(run, [tag_name(row.get("TagName")) for row in read_rows(path, run.progress)])


def ensure_tags(run: ImportRun, names: list[str]) -> None:
    """Find or create each tag once; a tag that already exists is shared, not duplicated."""
    unknown = sorted({name for name in names if name and name not in run.tag_ids})
    for chunk in batched(unknown):
        existing = dict(
            db.session.execute(select(Tag.name, Tag.id).where(Tag.name.in_(chunk))).tuples().all()
        )
        missing = [name for name in chunk if name not in existing]
        rows = [{"name": name, "description": "", "question_count": 0} for name in missing]
        existing.update(zip(missing, insert_returning_ids(Tag.__table__, rows), strict=True))
        run.tag_ids.update(existing)
        run.report.found("tags", len(chunk) - len(missing))
        run.report.added("tags", len(missing))


def _post_row(run: ImportRun, row: dict, original: int, path: Path, kind: str) -> dict:
    """What questions and answers share, attribution included."""
    created = required(row, "CreationDate", path, moment)
    owner = integer(row, "OwnerUserId", path)
    body = row.get("Body") or ""
    return {
        "author_id": run.users.get(owner),
        # The dump's bodies are HTML, kept as written as the post's source: pages show them as
        # on the original site, cleaned by the one sanitiser (never unsanitised), and a later
        # edit still works, since our Markdown keeps HTML tags and the edit's render cleans them
        # again. Converting to Markdown here (markdownify) took longer than the whole import
        # and changed 10-30% of the posts' rendering.
        "body": body,
        "body_html": markup.sanitise(body),
        "score": integer(row, "Score", path) or 0,
        "created_at": created,
        "edited_at": moment(row, "LastEditDate", path),
        "edited_by_id": run.users.get(integer(row, "LastEditorUserId", path)),
        "origin_url": f"https://{run.site}/{kind}/{original}",
        # deleted accounts have no OwnerUserId; the dump then usually keeps their name
        "origin_author": run.display_names.get(owner) or (row.get("OwnerDisplayName") or "")[:100] or None,
        "origin_license": licence_for(row, created),
    }


def _add_revisions(
    run: ImportRun, local_ids: list[int], posts_and_tags: list[tuple[dict, str | None]]
) -> None:
    """Revision 1 of each new post, as imported: every post has at least one revision."""
    db.session.execute(
        insert(Revision.__table__),
        [
            {
                "post_id": local_id,
                "number": 1,
                "author_id": post["author_id"],
                "title": post.get("title"),
                "body": post["body"],
                "tags": tags,
                "summary": f"Imported from {run.site}",
                "created_at": post["edited_at"] or post["created_at"],
            }
            for local_id, (post, tags) in zip(local_ids, posts_and_tags, strict=True)
        ],
    )


def import_questions(run: ImportRun, path: Path) -> None:
    """First pass over Posts.xml: questions (answers need their question's local id)."""
    for batch in batched(_new_questions(run, path)):
        _insert_questions(run, batch)


def _new_questions(run: ImportRun, path: Path) -> Iterator[tuple[int, dict, list[str]]]:
    """Questions not imported before, as post rows with their tag names."""
    for row in read_rows(path, run.progress, "Posts.xml (questions)"):
        kind = row.get("PostTypeId")
        if kind not in ("1", "2"):
            run.report.skip(OTHER_TYPES)
        if kind != "1":
            continue
        original = required(row, "Id", path)
        accepted = integer(row, "AcceptedAnswerId", path)
        if accepted is not None:
            run.accepted.append((original, accepted))
        if original in run.questions:
            run.report.found("questions")
            continue
        post = _post_row(run, row, original, path, "q")
        post.update(
            type="question",
            title=(row.get("Title") or f"Question {original}")[: TITLE_MAX + 50],
            view_count=integer(row, "ViewCount", path) or 0,
            answer_count=0,  # counted once the answers are in
            # the reason is not in Posts.xml; duplicates get theirs from PostLinks.xml
            status="closed" if row.get("ClosedDate") else "open",
            last_activity_at=moment(row, "LastActivityDate", path) or post["created_at"],
        )
        names = list(dict.fromkeys(filter(None, map(tag_name, tag_names(row.get("Tags"))))))
        yield original, post, names[:TAGS_MAX]


def _insert_questions(run: ImportRun, batch: list[tuple[int, dict, list[str]]]) -> None:
    """Write a batch of questions with their tags and first revisions."""
    ensure_tags(run, [name for *_, names in batch for name in names])
    local_ids = insert_returning_ids(posts, [post for _, post, _ in batch])
    originals = [original for original, *_ in batch]
    run.remember("question", originals, local_ids)
    run.questions.update(zip(originals, local_ids, strict=True))
    run.new_questions.update(originals)
    tag_rows = [
        {"question_id": local_id, "tag_id": run.tag_ids[name]}
        for local_id, (*_, names) in zip(local_ids, batch, strict=True)
        for name in names
    ]
    if tag_rows:
        db.session.execute(insert(question_tags), tag_rows)
    _add_revisions(run, local_ids, [(post, " ".join(sorted(names))) for _, post, names in batch])
    run.report.added("questions", len(local_ids))


def import_answers(run: ImportRun, path: Path) -> None:
    """Second pass over Posts.xml: answers whose question is in the dump."""
    for batch in batched(_new_answers(run, path)):
        local_ids = insert_returning_ids(posts, [post for _, post in batch])
        originals = [original for original, _ in batch]
        run.remember("answer", originals, local_ids)
        run.answers.update(zip(originals, local_ids, strict=True))
        _add_revisions(run, local_ids, [(post, None) for _, post in batch])
        run.report.added("answers", len(local_ids))


def _new_answers(run: ImportRun, path: Path) -> Iterator[tuple[int, dict]]:
    """Answers not imported before whose question was imported."""
    for row in read_rows(path, run.progress, "Posts.xml (answers)"):
        if row.get("PostTypeId") != "2":
            continue
        original = required(row, "Id", path)
        if original in run.answers:
            run.report.found("answers")
            continue
        parent = integer(row, "ParentId", path)
        question_id = run.questions.get(parent)
        if question_id is None:
            run.report.skip("answers whose question is not in the dump (deleted)")
            continue
        post = _post_row(run, row, original, path, "a")
        post.update(
            type="answer",
            question_id=question_id,
            last_activity_at=moment(row, "LastActivityDate", path) or post["created_at"],
        )
        run.new_answer_parents[original] = parent
        if parent not in run.new_questions:
            # an answer added to a question of an earlier run makes that question active again
            latest = run.activity.get(question_id, post["created_at"])
            run.activity[question_id] = max(latest, post["created_at"])
        yield original, post


def update_questions(changes: list[dict], unless_set: str, **values) -> None:
    """Set values on many questions; a question whose `unless_set` column has a value keeps it.

    So a second duplicate link never overrides the first, nor does a re-run undo what a
    moderator changed since. Each change maps names to values, bound as b_<name>.
    """
    statement = (
        update(posts)
        .where(posts.c.id == bindparam("b_question"), posts.c[unless_set].is_(None))
        .values(**values)
    )
    for chunk in batched(changes):
        db.session.execute(
            statement, [{f"b_{name}": value for name, value in item.items()} for item in chunk]
        )


def link_accepted_answers(run: ImportRun, path: Path) -> None:
    """Mark accepted answers, now that questions and answers both have local ids."""
    links = []
    for question, answer in run.accepted:
        is_new = question in run.new_questions or answer in run.new_answer_parents
        if not is_new and answer in run.answers:
            run.report.found("accepted answers")
        elif is_new and run.new_answer_parents.get(answer) == question:
            links.append({"question": run.questions[question], "answer": run.answers[answer]})
        else:
            run.report.skip("accepted answers not in the dump (deleted)")
    update_questions(links, "accepted_answer_id", accepted_answer_id=bindparam("b_answer"))
    run.report.added("accepted answers", len(links))
