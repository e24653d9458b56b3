"""The flask commands: `seed demo` and `users create / set-role / token`."""

import pytest
from markupsafe import escape
from sqlalchemy import func, select

from forum.auth.service import user_for_token
from forum.clock import utcnow
from forum.demo import DEMO_LOGINS, THREADS
from forum.extensions import db
from forum.models import Answer, Comment, Question, Tag, User
from tests.conftest import PASSWORD, login, make_user


def count(model) -> int:
    """Rows of a model, deleted or not."""
    return db.session.scalar(select(func.count()).select_from(model))


def seed(runner, *options: str):
    """Run `flask seed demo` and check that it succeeded."""
    result = runner.invoke(args=["seed", "demo", *options])
    assert result.exit_code == 0, result.output
    return result


def test_seed_demo_prints_logins_that_work(app, runner):
    result = seed(runner)
    assert "Demo community created" in result.output
    for username, password, role in DEMO_LOGINS:
        assert username in result.output and password in result.output
        assert db.session.scalar(select(User.role).where(User.username == username)) == role
        client = app.test_client()
        login(client, username, password)
        page = client.get("/").get_data(as_text=True)
        assert "Sign out" in page and username in page
    assert {role for *_, role in DEMO_LOGINS} == {"admin", "moderator", "expert", "member"}


def test_seed_if_empty_does_nothing_the_second_time(runner):
    seed(runner, "--if-empty")
    users, posts = count(User), count(Question)
    assert users >= 12 and posts == len(THREADS)
    result = seed(runner, "--if-empty")
    assert "already has users" in result.output
    assert (count(User), count(Question)) == (users, posts)


def test_demo_pages_render(app, client, runner):
    seed(runner)
    home = client.get("/").get_data(as_text=True)
    newest = min(THREADS, key=lambda thread: thread["days_ago"])
    assert "Halcyon Community" in home and escape(newest["title"]) in home
    for question in db.session.scalars(select(Question)):
        response = client.get(f"/questions/{question.id}/{question.slug}")
        assert response.status_code == 200, question.title
        assert escape(question.title) in response.get_data(as_text=True)
    edited = db.session.scalars(select(Question.id).where(Question.edited_at.is_not(None))).all()
    edited += db.session.scalars(select(Answer.id).where(Answer.edited_at.is_not(None))).all()
    assert len(edited) >= 2
    for post_id in edited:
        page = client.get(f"/posts/{post_id}/revisions").get_data(as_text=True)
        assert "Revision 2" in page and "diff-add" in page
    # the soft-deleted answer: hidden from visitors, shown to moderators
    deleted = db.session.scalar(select(Answer).where(Answer.deleted_at.is_not(None)))
    url = f"/questions/{deleted.question.id}/{deleted.question.slug}"
    snippet = "jumper wire between R and C"
    assert snippet not in client.get(url).get_data(as_text=True)
    moderator = app.test_client()
    login(moderator, "mod", "mod-demo-pass")
    assert snippet in moderator.get(url).get_data(as_text=True)


def test_demo_is_consistent(runner):
    seed(runner)
    now = utcnow()
    questions = db.session.scalars(select(Question)).all()
    assert sum(not question.answer_count for question in questions) >= 2
    for question in questions:
        visible = [answer for answer in question.answers if not answer.is_deleted]
        assert question.answer_count == len(visible)
        assert question.created_at <= question.last_activity_at <= now
        assert [revision.number for revision in question.revisions][0] == 1
        assert question.revisions[0].created_at == question.created_at
        for answer in question.answers:
            assert question.created_at < answer.created_at <= question.last_activity_at
    for comment in db.session.scalars(select(Comment)):
        assert comment.post.created_at < comment.created_at <= now
    ages = [now - question.created_at for question in questions]
    assert max(ages).days in range(50, 62) and min(ages).days == 0
    deleted = db.session.scalars(select(Answer).where(Answer.deleted_at.is_not(None))).all()
    assert len(deleted) == 1 and deleted[0].deleted_at > deleted[0].created_at
    for tag in db.session.scalars(select(Tag)):
        assert tag.description and tag.question_count == len(tag.questions)


def test_users_create(app, runner):
    options = ["--email", "Zoe@Example.com", "--password", PASSWORD, "--role", "expert"]
    result = runner.invoke(args=["users", "create", "zoe", *options])
    assert result.exit_code == 0, result.output
    assert "Created zoe (expert)" in result.output
    user = db.session.scalar(select(User).where(User.username == "zoe"))
    assert user.role == "expert" and user.email == "zoe@example.com"
    login(app.test_client(), "zoe", PASSWORD)


def test_users_create_refuses_a_taken_username(runner):
    make_user("ann")
    options = ["--email", "other@example.com", "--password", PASSWORD]
    result = runner.invoke(args=["users", "create", "ANN", *options])
    assert result.exit_code == 1
    assert "That username is taken." in result.output
    assert count(User) == 1


def test_users_set_role(runner):
    make_user("ann")
    result = runner.invoke(args=["users", "set-role", "ann", "moderator"])
    assert result.exit_code == 0, result.output
    assert "ann is now moderator." in result.output
    assert db.session.scalar(select(User.role).where(User.username == "ann")) == "moderator"


def test_users_set_role_refuses_an_unknown_role(runner):
    make_user("ann")
    result = runner.invoke(args=["users", "set-role", "ann", "overlord"])
    assert result.exit_code == 2
    assert "overlord" in result.output
    assert db.session.scalar(select(User.role).where(User.username == "ann")) == "member"


def test_users_token_works_with_the_api_lookup(runner):
    make_user("ann")
    result = runner.invoke(args=["users", "token", "ann"])
    assert result.exit_code == 0, result.output
    token = result.output.strip()
    assert user_for_token(token).username == "ann"
    assert user_for_token(token + "x") is None


@pytest.mark.parametrize("args", [["users", "set-role", "nobody", "expert"], ["users", "token", "nobody"]])
def test_unknown_user_is_an_error(runner, args):
    result = runner.invoke(args=args)
    assert result.exit_code == 1
    assert "No user named 'nobody'" in result.output
