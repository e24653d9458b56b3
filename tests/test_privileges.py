"""The privileges table: thresholds, config overrides, roles, and the one function everyone asks."""

from __future__ import annotations

import pytest

from forum import permissions, privileges
from forum.errors import PermissionDenied
from tests.conftest import grant, login, make_answer, make_question, make_user
from tests.test_votes import API, bearer, cast


@pytest.fixture
def small_community(app):
    """A forum that lowers thresholds in config, as a small community would."""
    app.config["PRIVILEGES"] = {"vote_up": 1, "vote_down": 5}
    yield
    app.config.pop("PRIVILEGES")


def test_default_thresholds(app):
    assert privileges.thresholds() == {
        "vote_up": 15,
        "flag": 15,
        "comment_everywhere": 50,
        "vote_down": 125,
        "suggest_faq_edits": 200,
        "edit_others": 1000,
        "vote_to_close": 1500,
    }
    assert [row[0] for row in privileges.table()] == [
        "flag",
        "vote_up",
        "comment_everywhere",
        "vote_down",
        "suggest_faq_edits",
        "edit_others",
        "vote_to_close",
    ]


@pytest.mark.parametrize(
    ("name", "threshold"),
    [
        ("vote_up", 15),
        ("flag", 15),
        ("comment_everywhere", 50),
        ("vote_down", 125),
        ("edit_others", 1000),
        ("vote_to_close", 1500),
    ],
)
def test_thresholds_are_at_least(app, name, threshold):
    member = make_user("member")
    grant(member, threshold - 2)
    assert not privileges.has_privilege(member, name)
    grant(member, 1)
    assert member.reputation == threshold and privileges.has_privilege(member, name)


def test_refusals_name_the_threshold(app):
    member = make_user("member")
    with pytest.raises(PermissionDenied, match="Voting down needs 125 reputation; you have 1."):
        privileges.require(member, "vote_down")
    assert "sign in" in privileges.refusal(None, "flag").message
    assert privileges.refusal(make_user("mod", role="moderator"), "vote_to_close") is None


def test_config_overrides_some_thresholds_and_keeps_the_rest(app, client, small_community):
    assert privileges.thresholds()["vote_down"] == 5 and privileges.thresholds()["edit_others"] == 1000
    member, asker = make_user("member"), make_user("asker")
    answer = make_answer(make_user("helper"), make_question(asker))
    assert cast(client, member, answer, 1).status_code == 200
    response = cast(client, member, answer, -1)
    assert response.status_code == 403 and "needs 5 reputation" in response.get_json()["error"]
    grant(member, 4)
    assert cast(client, member, answer, -1).status_code == 200
    app.config["PRIVILEGES"] = {"vote_sideways": 3}
    with pytest.raises(KeyError, match="vote_sideways"):
        privileges.has_privilege(member, "vote_up")


def test_moderators_hold_every_privilege_and_experts_the_voting_and_commenting(app):
    moderator, admin, expert = (make_user(name, role=name) for name in ("moderator", "admin", "expert"))
    for name in privileges.DEFAULT_THRESHOLDS:
        assert privileges.has_privilege(moderator, name) and privileges.has_privilege(admin, name)
    held = {name for name in privileges.DEFAULT_THRESHOLDS if privileges.has_privilege(expert, name)}
    assert held == {"vote_up", "vote_down", "comment_everywhere"}
    assert not privileges.has_privilege(None, "vote_up")


def test_editing_others_posts_at_1000(app, client):
    asker, editor = make_user("asker"), make_user("editor")
    question = make_question(asker)
    url = f"{API}/posts/{question.id}"
    body = {"body": "I forgot it and the app keeps asking me for it. (Model T2.)"}
    grant(editor, 998)
    assert not permissions.can_edit(editor, question)
    assert client.patch(url, json=body, headers=bearer(editor)).status_code == 202  # a suggestion
    grant(editor, 1)
    assert permissions.can_edit(editor, question)
    body["body"] += " Edited directly."
    assert client.patch(url, json=body, headers=bearer(editor)).status_code == 200
    login(client, "editor")
    page = client.get(f"/questions/{question.id}/{question.slug}").get_data(as_text=True)
    assert f'href="/posts/{question.id}/edit">Edit</a>' in page


def test_commenting_on_others_posts_needs_the_privilege(app):
    asker, helper, stranger = make_user("asker"), make_user("helper"), make_user("stranger")
    question = make_question(asker)
    answer = make_answer(helper, question)
    assert permissions.can_comment(asker, question) and permissions.can_comment(asker, answer)
    assert permissions.can_comment(helper, answer) and not permissions.can_comment(helper, question)
    assert not permissions.can_comment(stranger, answer) and not permissions.can_comment(None, answer)
    grant(stranger, 49)
    assert permissions.can_comment(stranger, answer)


def test_the_vote_rule_is_one_function_for_pages_api_and_templates(app):
    asker, member = make_user("asker"), make_user("member")
    question = make_question(asker)
    refusal = permissions.vote_refusal(member, question, 1)
    assert isinstance(refusal, PermissionDenied) and "15 reputation" in refusal.message
    assert permissions.can_vote(member, question, 0) and not permissions.can_vote(member, question, 1)
    assert not permissions.can_vote(asker, question, 0)
    assert not permissions.can_vote(None, question, 0)


def test_commenting_elsewhere_is_refused_below_the_threshold_and_the_box_is_hidden(client):
    asker, helper = make_user("asker"), make_user("helper")
    question = make_question(asker)
    answer = make_answer(helper, question)
    url = f"/questions/{question.id}/{question.slug}"
    login(client, "helper")
    page = client.get(url).get_data(as_text=True)
    assert f'action="/posts/{answer.id}/comments"' in page
    assert f'action="/posts/{question.id}/comments"' not in page
    response = client.submit(f"/posts/{question.id}/comments", {"body": "Which model is it?"})
    assert response.status_code == 403
    assert "Commenting on other people&#39;s posts needs 50 reputation; you have 1." in response.get_data(
        as_text=True
    )
    api = client.post(
        f"{API}/posts/{question.id}/comments", json={"body": "Which model?"}, headers=bearer(helper)
    )
    assert api.status_code == 403 and "50 reputation" in api.get_json()["error"]

    grant(helper, 49)
    assert f'action="/posts/{question.id}/comments"' in client.get(url).get_data(as_text=True)
    assert client.submit(f"/posts/{question.id}/comments", {"body": "Which model is it?"}).status_code == 302
