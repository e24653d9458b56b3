"""`flask import stackexchange DIR`: the excerpt in tests/data, and the full dumps when present."""

from __future__ import annotations

import re
import shutil
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import pytest
from flask_migrate import upgrade
from markupsafe import escape
from sqlalchemy import func, select

from forum import create_app, markup, progress
from forum.auth.service import authenticate, username_key
from forum.extensions import db
from forum.importer.stackexchange import render_comment
from forum.models import Answer, Comment, Post, Question, Revision, Tag, User, question_tags
from forum.models.imports import ImportMapping
from forum.questions import service
from forum.questions.tags import normalise_tag
from tests.conftest import IS_POSTGRES, TEST_SETTINGS, make_user

EXCERPTS = Path(__file__).parent / "data" / "stackexchange"
FULL_DUMPS = Path(__file__).resolve().parents[1].parent / "shared" / "data"
BEER = "beer.stackexchange.com"

# What tests/data/stackexchange holds (its README has the same table)
EXCERPT_COUNTS = {
    "beer": {"users": 214, "questions": 100, "answers": 128, "comments": 242, "tags": 77,
             "accepted answers": 55, "duplicates": 24},
    "quantumcomputing": {"users": 86, "questions": 50, "answers": 64, "comments": 165, "tags": 55,
                         "accepted answers": 26, "duplicates": 11},
}  # fmt: skip


def run_import(runner, directory: Path, *options: str, succeeds: bool = True, quiet: bool = True):
    """Run the command; check its exit code."""
    flags = ["--quiet"] if quiet else []
    result = runner.invoke(args=["import", "stackexchange", str(directory), *flags, *options])
    assert (result.exit_code == 0) == succeeds, result.output
    return result


def rows(path: Path) -> list[dict]:
    """A dump file's rows, read independently of the importer."""
    return [dict(row.attrib) for row in ElementTree.parse(path).getroot()]


def count(model) -> int:
    """Rows of a model."""
    return db.session.scalar(select(func.count()).select_from(model))


def local_id(kind: str, original: str | int, site: str = BEER) -> int | None:
    """The local id an original row became."""
    return db.session.scalar(
        select(ImportMapping.local_id).where(
            ImportMapping.site == site, ImportMapping.kind == kind, ImportMapping.original_id == int(original)
        )
    )


def copy_excerpt(tmp_path: Path, site: str = "beer") -> Path:
    """A private copy of an excerpt, to damage or change."""
    return Path(shutil.copytree(EXCERPTS / site, tmp_path / site))


def edit_rows(path: Path, change) -> None:
    """Rewrite a dump file, letting `change` edit its root element."""
    tree = ElementTree.parse(path)
    change(tree.getroot())
    tree.write(path, encoding="utf-8", xml_declaration=True)


def reported(output: str, kind: str) -> tuple[int, int]:
    """(new, already present) from the command's report."""
    match = re.search(rf"^\s+{kind}\s+([\d,]+) new\s+([\d,]+) already present", output, re.MULTILINE)
    assert match, output
    return int(match[1].replace(",", "")), int(match[2].replace(",", ""))


@pytest.mark.parametrize("folder", EXCERPT_COUNTS)
def test_excerpt_imports_every_row_with_consistent_counts(runner, folder):
    output = run_import(runner, EXCERPTS / folder).output
    expected = EXCERPT_COUNTS[folder]
    assert {kind: reported(output, kind)[0] for kind in expected} == expected
    assert (count(User), count(Question), count(Answer), count(Comment), count(Tag)) == (
        expected["users"], expected["questions"], expected["answers"], expected["comments"], expected["tags"],
    )  # fmt: skip
    # every post has its revision 1; cached counts agree with the rows
    first_revisions = select(func.count()).where(Revision.number == 1)
    assert db.session.scalar(first_revisions) == count(Post) == expected["questions"] + expected["answers"]
    for question in db.session.scalars(select(Question)):
        assert question.answer_count == len(question.answers)
        assert question.last_activity_at >= question.created_at
    for tag in db.session.scalars(select(Tag)):
        used = select(func.count()).select_from(question_tags).where(question_tags.c.tag_id == tag.id)
        assert tag.question_count == db.session.scalar(used)
    assert "posts that are not questions or answers" in output


def test_progress_and_counts_are_shown(runner):
    output = run_import(runner, EXCERPTS / "quantumcomputing", quiet=False).output
    assert re.search(r"Users\.xml: 86 rows in [\d.]+ s \(86 rows, [\d,]+/s\)", output)
    assert "Posts.xml (questions): " in output and "Posts.xml (answers): " in output
    assert "Imported from quantumcomputing.stackexchange.com" in output
    assert "flask search reindex" in output


def test_progress_in_a_log_says_how_far_each_file_has_come(runner, monkeypatch):
    monkeypatch.setattr(progress, "LOG_EVERY", 0.0)
    output = run_import(runner, EXCERPTS / "quantumcomputing", quiet=False).output
    assert re.search(r"^\S*Users\.xml$", output, re.MULTILINE)  # the label first, as click prints it
    assert re.search(r"^\S*Users\.xml: 100%, 86 rows, [\d,]+/s$", output, re.MULTILINE)


def test_questions_answers_and_accepted_answers_match_the_dump(runner):
    run_import(runner, EXCERPTS / "beer")
    posts = rows(EXCERPTS / "beer" / "Posts.xml")
    users = {row["Id"]: row["DisplayName"] for row in rows(EXCERPTS / "beer" / "Users.xml")}
    for row in (row for row in posts if row["PostTypeId"] == "1"):
        question = db.session.get(Question, local_id("question", row["Id"]))
        assert (question.title, question.score, question.view_count) == (
            row["Title"], int(row["Score"]), int(row["ViewCount"]),
        )  # fmt: skip
        assert question.created_at.isoformat(timespec="milliseconds") == row["CreationDate"]
        assert question.status == ("closed" if "ClosedDate" in row else "open") or question.duplicate_of_id
        if "AcceptedAnswerId" in row:
            assert question.accepted_answer_id == local_id("answer", row["AcceptedAnswerId"])
        else:
            assert question.accepted_answer_id is None
        if "OwnerUserId" in row:
            assert question.author_id == local_id("user", row["OwnerUserId"])
            assert question.origin_author == users[row["OwnerUserId"]]
        else:
            assert question.author_id is None and question.origin_author == row["OwnerDisplayName"]
    for row in (row for row in posts if row["PostTypeId"] == "2"):
        answer = db.session.get(Answer, local_id("answer", row["Id"]))
        assert answer.question_id == local_id("question", row["ParentId"])
        assert answer.origin_url == f"https://{BEER}/a/{row['Id']}"


def test_duplicate_links_close_questions(client, runner):
    run_import(runner, EXCERPTS / "beer")
    links = [row for row in rows(EXCERPTS / "beer" / "PostLinks.xml") if row["LinkTypeId"] == "3"]
    ends = [
        (local_id("question", row["PostId"]), local_id("question", row["RelatedPostId"])) for row in links
    ]
    pairs = [(question, target) for question, target in ends if question and target]
    assert len(pairs) == 24
    for question_id, target_id in pairs:
        question = db.session.get(Question, question_id)
        assert (question.status, question.closed_reason, question.duplicate_of_id) == (
            "closed", "duplicate", target_id,
        )  # fmt: skip
    page = client.get(f"/questions/{pairs[0][0]}", follow_redirects=True).get_data(as_text=True)
    assert "This question is closed (duplicate)" in page


def test_tags_are_normalised_in_both_formats(runner, tmp_path):
    dump = copy_excerpt(tmp_path)
    posts = rows(dump / "Posts.xml")
    first, second = [row["Id"] for row in posts if row["PostTypeId"] == "1"][:2]

    def retag(root):
        for row in root:
            if row.get("Id") == first:
                row.set("Tags", "<Pale Ale><IPA><ipa>")
            if row.get("Id") == second:
                row.set("Tags", "|hop varieties|ale|")  # the newer dumps' format

    edit_rows(dump / "Posts.xml", retag)
    run_import(runner, dump)
    assert db.session.get(Question, local_id("question", first)).tag_names == ["ipa", "pale-ale"]
    assert db.session.get(Question, local_id("question", second)).tag_names == ["ale", "hop-varieties"]
    assert all(tag.name == normalise_tag(tag.name) for tag in db.session.scalars(select(Tag)))
    run_import(runner, EXCERPTS / "quantumcomputing")
    site = "quantumcomputing.stackexchange.com"
    for row in rows(EXCERPTS / "quantumcomputing" / "Posts.xml"):
        if row["PostTypeId"] == "1":
            names = re.findall(r"<([^>]+)>", row["Tags"])
            assert db.session.get(Question, local_id("question", row["Id"], site)).tag_names == sorted(names)


def test_question_page_credits_author_site_and_licence(client, runner):
    run_import(runner, EXCERPTS / "beer")
    posts = rows(EXCERPTS / "beer" / "Posts.xml")
    users = {row["Id"]: row["DisplayName"] for row in rows(EXCERPTS / "beer" / "Users.xml")}
    answer = next(row for row in posts if row["PostTypeId"] == "2" and "OwnerUserId" in row)
    question = next(row for row in posts if row["Id"] == answer["ParentId"])
    page = client.get(f"/questions/{local_id('question', question['Id'])}", follow_redirects=True)
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert f'href="https://{BEER}/q/{question["Id"]}"' in text
    assert f'href="https://{BEER}/a/{answer["Id"]}"' in text
    assert f'Originally posted on <a href="https://{BEER}/a/{answer["Id"]}"' in text
    assert f"by {escape(users[answer['OwnerUserId']])} · {answer['ContentLicense']}" in text
    orphan = next(row for row in posts if row["PostTypeId"] == "1" and "OwnerUserId" not in row)
    text = client.get(f"/questions/{local_id('question', orphan['Id'])}", follow_redirects=True).get_data(
        as_text=True
    )
    assert f"by {escape(orphan['OwnerDisplayName'])} · " in text


def test_html_is_sanitised(client, runner, tmp_path):
    dump = copy_excerpt(tmp_path)
    question = next(row for row in rows(dump / "Posts.xml") if row["PostTypeId"] == "1")
    attack = (
        '<p>Hi</p><script>alert("owned")</script><img src=x onerror="alert(1)"><a href="javascript:x()">x</a>'
    )

    def inject(root):
        for row in root:
            if row.get("Id") == question["Id"]:
                row.set("Body", attack + row.get("Body"))
            if row.get("PostId") == question["Id"] and root.tag == "comments":
                row.set("Text", '<script>alert("comment")</script> [x](javascript:y())')

    edit_rows(dump / "Posts.xml", inject)
    edit_rows(dump / "Comments.xml", inject)
    run_import(runner, dump)
    imported = db.session.get(Question, local_id("question", question["Id"]))
    assert imported.body.startswith(attack)  # the source is kept as written, for editing
    page = client.get(f"/questions/{imported.id}", follow_redirects=True).get_data(as_text=True)
    for html in (imported.body_html, page):
        assert "<script>alert" not in html and "onerror" not in html and "javascript:" not in html
    assert "<p>Hi</p>" in imported.body_html


def test_second_run_imports_nothing_new(runner):
    run_import(runner, EXCERPTS / "beer")
    models = (User, Post, Comment, Tag, Revision, ImportMapping)
    before = [count(model) for model in models]
    output = run_import(runner, EXCERPTS / "beer").output
    assert "Nothing new" in output
    for kind, number in EXCERPT_COUNTS["beer"].items():
        assert reported(output, kind) == (0, number)
    assert [count(model) for model in models] == before


def test_run_on_a_larger_dump_adds_only_the_new_rows(runner, tmp_path):
    dump = copy_excerpt(tmp_path)
    posts = rows(dump / "Posts.xml")
    questions = [row for row in posts if row["PostTypeId"] == "1"]
    late_question = [row for row in questions if row["AnswerCount"] != "0"][-1]
    with_accepted = next(row for row in questions if "AcceptedAnswerId" in row and row != late_question)
    left_out = {late_question["Id"], with_accepted["AcceptedAnswerId"]}
    left_out |= {row["Id"] for row in posts if row.get("ParentId") == late_question["Id"]}

    def drop(root):
        for row in list(root):
            if row.get("Id" if root.tag == "posts" else "PostId") in left_out:
                root.remove(row)

    edit_rows(dump / "Posts.xml", drop)
    edit_rows(dump / "Comments.xml", drop)
    run_import(runner, dump)
    partial = db.session.get(Question, local_id("question", with_accepted["Id"]))
    assert partial.accepted_answer_id is None
    answers_before = partial.answer_count
    output = run_import(runner, EXCERPTS / "beer").output
    assert reported(output, "questions") == (1, 99)
    assert reported(output, "answers")[0] == len(left_out) - 1
    assert reported(output, "users") == (0, 214)
    assert reported(output, "accepted answers")[0] >= 1
    db.session.expire_all()
    assert partial.accepted_answer_id == local_id("answer", with_accepted["AcceptedAnswerId"])
    assert partial.answer_count == answers_before + 1
    expected = EXCERPT_COUNTS["beer"]
    assert (count(Question), count(Answer), count(Comment)) == (
        expected["questions"], expected["answers"], expected["comments"],
    )  # fmt: skip


def test_truncated_xml_names_file_and_line_and_leaves_nothing_behind(runner, tmp_path):
    dump = copy_excerpt(tmp_path)
    data = (dump / "Posts.xml").read_bytes()
    (dump / "Posts.xml").write_bytes(data[: len(data) // 2])
    result = run_import(runner, dump, succeeds=False)
    lines = data[: len(data) // 2].count(b"\n") + 1
    assert re.search(rf"Posts\.xml is not valid XML at line {lines}, column \d+", result.output)
    assert "Nothing was imported" in result.output
    # Users.xml was read and written before Posts.xml failed: the rollback took it all back
    assert (count(User), count(Post), count(Tag), count(ImportMapping)) == (0, 0, 0, 0)


def test_malformed_row_names_its_line(runner, tmp_path):
    dump = copy_excerpt(tmp_path)
    lines = (dump / "Comments.xml").read_text(encoding="utf-8").splitlines(keepends=True)
    lines[4] = '  <row Id="1" PostId=2 />\n'
    (dump / "Comments.xml").write_text("".join(lines), encoding="utf-8")
    result = run_import(runner, dump, succeeds=False)
    assert "Comments.xml is not valid XML at line 5, column" in result.output
    assert (count(User), count(Post)) == (0, 0)


def test_missing_files_and_bad_site_are_clear_errors(runner, tmp_path):
    result = run_import(runner, tmp_path, succeeds=False)
    assert "Users.xml, Posts.xml missing" in result.output
    assert "is not a directory" in run_import(runner, tmp_path / "nowhere", succeeds=False).output
    dump = copy_excerpt(tmp_path)
    (dump / "Comments.xml").unlink()
    output = run_import(runner, dump).output
    assert "Comments.xml not in the dump" in output and count(Comment) == 0
    assert "not a site's host name" in run_import(runner, dump, "--site", "x/y", succeeds=False).output


def test_rows_whose_parent_or_target_is_missing_are_skipped_and_reported(runner, tmp_path):
    dump = copy_excerpt(tmp_path)
    common = {"CreationDate": "2020-01-02T03:04:05.678", "Score": "0"}
    orphans = {
        "posts": {"Id": "900001", "PostTypeId": "2", "ParentId": "999999", "Body": "<p>Orphan</p>", **common},
        "comments": {"Id": "900002", "PostId": "999999", "Text": "On a deleted post", **common},
        "postlinks": {"Id": "900003", "PostId": "999999", "RelatedPostId": "1", "LinkTypeId": "3", **common},
    }
    for name in ("Posts.xml", "Comments.xml", "PostLinks.xml"):
        edit_rows(dump / name, lambda root: ElementTree.SubElement(root, "row", orphans[root.tag]))
    output = run_import(runner, dump).output
    assert re.search(r"1\s+answers whose question is not in the dump", output)
    assert re.search(r"1\s+comments on posts not imported", output)
    assert re.search(r"3\s+duplicate links to questions not in the dump", output)
    assert count(Answer) == EXCERPT_COUNTS["beer"]["answers"]


def test_imported_accounts_cannot_sign_in_and_names_stay_unique(client, runner):
    make_user("Greg")  # a local account already has a name the dump uses
    run_import(runner, EXCERPTS / "beer")
    users = rows(EXCERPTS / "beer" / "Users.xml")
    accounts = [db.session.get(User, local_id("user", row["Id"])) for row in users]
    keys = [account.username_key for account in accounts]
    assert len(set(keys)) == len(keys) and "greg" not in keys
    assert all(account.username_key == username_key(account.username) for account in accounts)
    assert {account.reputation for account in accounts} == {1}
    account = accounts[1]
    assert account.email == f"se-{BEER}-{users[1]['Id']}@import.invalid"
    assert authenticate(account.username, account.password_hash) is None
    assert authenticate(account.email, "") is None
    response = client.submit("/login", {"login": account.username, "password": account.password_hash})
    assert response.status_code != 302
    spaced = next(account for account in accounts if " " in account.username)
    assert client.get(f"/users/{spaced.id}", follow_redirects=True).status_code == 200


def test_editing_an_imported_post_keeps_its_content(app, runner):
    run_import(runner, EXCERPTS / "beer")
    moderator = make_user("mod", role="moderator")
    answer = db.session.scalars(select(Answer).where(Answer.body.contains("<a href"))).first()
    link = re.search(r'<a href="[^"]+"', answer.body_html)[0]
    words = re.sub(r"<[^>]+>", "", answer.body_html).split()[:6]
    edited = service.edit(moderator, answer.id, answer.body + "\n\nEdited with *Markdown*.")
    assert link in edited.body_html and " ".join(words) in " ".join(edited.body_html.split())
    assert "<em>Markdown</em>" in edited.body_html
    assert [revision.number for revision in edited.revisions] == [1, 2]


@pytest.mark.parametrize("folder", EXCERPT_COUNTS)
def test_plain_comments_skip_the_renderer_with_the_same_result(folder):
    for row in rows(EXCERPTS / folder / "Comments.xml"):
        text = " ".join(row["Text"].split())
        assert render_comment(text) == markup.render_comment(text), text


def test_site_option_sets_links_and_mapping(runner):
    run_import(runner, EXCERPTS / "beer", "--site", "Beer.Example.org")
    question = db.session.scalars(select(Question)).first()
    assert question.origin_url.startswith("https://beer.example.org/q/")
    assert local_id("user", -1, "beer.example.org") is not None


# The full dumps live beside the project, not in it; these tests run when they are there.
FULL = {
    "beer": {"questions": 1029, "answers": 2277, "answered": 987, "accepted": 619, "users": 6863,
             "duplicates": 24, "closed as duplicates": 24},
    "quantumcomputing": {"questions": 612, "answers": 1060, "answered": 569, "accepted": 389,
                         "users": 3461, "duplicates": 11, "closed as duplicates": 10},
}  # fmt: skip


@pytest.fixture
def big_runner(request, tmp_path):
    """A CLI runner; on SQLite with a database of its own, dropped whole afterwards.

    Emptying 10,000 SQLite rows one by one, each delete scanning the unindexed foreign keys
    that point at it, takes longer than the import itself; PostgreSQL truncates at once.
    """
    if IS_POSTGRES:
        yield request.getfixturevalue("runner")
        return
    app = create_app({**TEST_SETTINGS, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'full.db'}"})
    with app.app_context():
        upgrade(revision="heads")
        yield app.test_cli_runner()
        db.session.remove()
        for engine in db.engines.values():
            engine.dispose()


@pytest.mark.parametrize("folder", FULL)
def test_full_dump_imports_completely(big_runner, folder):
    if not (FULL_DUMPS / folder / "Posts.xml").is_file():
        pytest.skip(f"full Stack Exchange dump not found at {FULL_DUMPS / folder} (see its README)")
    output = run_import(big_runner, FULL_DUMPS / folder).output
    expected = FULL[folder]
    answered = select(func.count()).where(Question.answer_count > 0)
    accepted = select(func.count()).where(Question.accepted_answer_id.is_not(None))
    closed = select(func.count()).where(Question.closed_reason == "duplicate")
    assert {
        "questions": count(Question),
        "answers": count(Answer),
        "answered": db.session.scalar(answered),
        "accepted": db.session.scalar(accepted),
        "users": count(User),
        "duplicates": reported(output, "duplicates")[0],
        "closed as duplicates": db.session.scalar(closed),
    } == expected
