"""Import a Stack Exchange data dump: users, questions, answers, comments, tags and duplicates.

Everything runs in one transaction: an error anywhere rolls back the whole run. Rows are
streamed from the XML and written with bulk inserts of BATCH rows. Every imported row is
recorded in `import_mappings` (site, kind, original id -> local id), so a second run adds only
what earlier runs did not import.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from time import perf_counter

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.exc import DBAPIError

from forum import markup
from forum.extensions import db
from forum.importer import accounts
from forum.importer import posts as post_import
from forum.importer.dump import (
    DumpError,
    Progress,
    check_directory,
    default_site,
    integer,
    moment,
    no_progress,
    read_rows,
)
from forum.importer.report import ImportReport
from forum.importer.run import ImportRun, batched, insert_returning_ids, mappings, required
from forum.models import Comment, Tag, question_tags

# No emphasis, code, link, escape, HTML or entity, and no list, quote or heading at the start
_PLAIN_TEXT = re.compile(r"^(?![-#>+=*]|\d+[.)])[^*_`\[\]!\\<>&|~^{}]*$")
_SITE_CHARACTERS = set("abcdefghijklmnopqrstuvwxyz0123456789.-")

posts = post_import.posts
tags = Tag.__table__


def import_dump(
    directory: Path | str, site: str | None = None, progress: Progress = no_progress
) -> ImportReport:
    """Import what is new in the dump, all in one transaction; raise DumpError on bad input."""
    directory = Path(directory)
    missing = check_directory(directory)
    site = (site or default_site(directory)).strip().lower()
    if not site or len(site) > 100 or not set(site) <= _SITE_CHARACTERS:
        raise DumpError(f"{site!r} is not a site's host name (like beer.stackexchange.com).")
    started = perf_counter()
    try:
        run = ImportRun(directory, site, progress)
        run.report.missing_files = missing
        # In dependency order: accounts and tags, then posts, then what points at posts.
        _step(run, "Users.xml", accounts.import_users)
        _step(run, "Tags.xml", post_import.import_tags)
        _step(run, "Posts.xml", post_import.import_questions)
        _step(run, "Posts.xml", post_import.import_answers)
        _step(run, "Posts.xml", post_import.link_accepted_answers)
        _step(run, "Comments.xml", import_comments)
        _step(run, "PostLinks.xml", import_duplicates)
        _step(run, "Posts.xml", refresh_counts)
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    run.report.seconds = perf_counter() - started
    return run.report


def _step(run: ImportRun, name: str, work: Callable[[ImportRun, Path], None]) -> None:
    """Run one pass over a file, if the dump has it; a database refusal names the file."""
    path = run.directory / name
    if not path.is_file():
        return
    try:
        work(run, path)
    except DBAPIError as error:
        raise DumpError(f"{name}: the database refused a row: {error.orig}") from error


def render_comment(text: str) -> str:
    """Comments on Stack Exchange are Markdown too (links, code, emphasis): render them as ours."""
    if _PLAIN_TEXT.match(text):
        # Markdown leaves text without any of its syntax as it is, so most comments skip the
        # renderer (milliseconds a call) and go straight to the one sanitiser; a test checks
        # that both ways give the same HTML.
        return markup.sanitise(html.escape(text, quote=False), inline_only=True)
    try:
        return markup.render_comment(text)
    except markup.MarkupError:
        return markup.sanitise(html.escape(text), inline_only=True)


def import_comments(run: ImportRun, path: Path) -> None:
    """Comments on imported posts."""
    for batch in batched(_new_comments(run, path)):
        local_ids = insert_returning_ids(Comment.__table__, [comment for _, comment in batch])
        originals = [original for original, _ in batch]
        run.remember("comment", originals, local_ids)
        run.comments.update(originals)
        run.report.added("comments", len(local_ids))


def _new_comments(run: ImportRun, path: Path) -> Iterator[tuple[int, dict]]:
    """Comments not imported before whose post was imported."""
    for row in read_rows(path, run.progress):
        original = required(row, "Id", path)
        if original in run.comments:
            run.report.found("comments")
            continue
        post = integer(row, "PostId", path)
        post_id = run.questions.get(post) or run.answers.get(post)
        if post_id is None:
            run.report.skip("comments on posts not imported (deleted, tag wikis)")
            continue
        user = integer(row, "UserId", path)
        text = " ".join((row.get("Text") or "").split())
        credit = row.get("UserDisplayName") or run.display_names.get(user)
        if user not in run.users and credit:
            # CC BY-SA: with no account to show, the author's name travels with the text
            text = f"{text} – {credit}"
        yield (
            original,
            {
                "post_id": post_id,
                "author_id": run.users.get(user),
                "body": text,
                "body_html": render_comment(text),
                "created_at": required(row, "CreationDate", path, moment),
            },
        )


def import_duplicates(run: ImportRun, path: Path) -> None:
    """PostLinks type 3: PostId was closed as a duplicate of RelatedPostId."""
    originals, changes = [], []
    for row in read_rows(path, run.progress):
        if row.get("LinkTypeId") != "3":
            continue
        original = required(row, "Id", path)
        if original in run.duplicates:
            run.report.found("duplicates")
            continue
        question = run.questions.get(integer(row, "PostId", path))
        target = run.questions.get(integer(row, "RelatedPostId", path))
        if question is None or target is None or question == target:
            run.report.skip("duplicate links to questions not in the dump (deleted)")
            continue
        originals.append(original)
        changes.append({"question": question, "target": target})
    post_import.update_questions(
        changes,
        "duplicate_of_id",
        status="closed",
        closed_reason="duplicate",
        duplicate_of_id=bindparam("b_target"),
    )
    run.remember("duplicate", originals, [change["question"] for change in changes])
    run.duplicates.update(originals)
    run.report.added("duplicates", len(originals))


def refresh_counts(run: ImportRun, path: Path) -> None:
    """Recount cached answer and tag counts; make questions with new answers active again."""
    answer = posts.alias("answer")
    visible_answers = (
        select(func.count())
        .select_from(answer)
        .where(answer.c.question_id == posts.c.id, answer.c.deleted_at.is_(None))
        .scalar_subquery()
    )
    site_questions = select(mappings.c.local_id).where(
        mappings.c.site == run.site, mappings.c.kind == "question"
    )
    db.session.execute(
        update(posts).where(posts.c.id.in_(site_questions)).values(answer_count=visible_answers)
    )
    visible_questions = (
        select(func.count())
        .select_from(question_tags.join(posts, posts.c.id == question_tags.c.question_id))
        .where(question_tags.c.tag_id == tags.c.id, posts.c.deleted_at.is_(None))
        .scalar_subquery()
    )
    for chunk in batched(sorted(run.tag_ids.values())):
        db.session.execute(update(tags).where(tags.c.id.in_(chunk)).values(question_count=visible_questions))
    bumps = [{"b_question": question, "b_at": at} for question, at in run.activity.items()]
    if bumps:
        db.session.execute(
            update(posts)
            .where(posts.c.id == bindparam("b_question"), posts.c.last_activity_at < bindparam("b_at"))
            .values(last_activity_at=bindparam("b_at")),
            bumps,
        )
