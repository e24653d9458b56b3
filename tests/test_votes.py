"""Votes through the API and the pages: points, changes, refusals, controls and the JSON for votes.js."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from forum import reputation
from forum.auth.service import issue_token
from forum.extensions import db
from forum.models import Question, User
from forum.models.reputation import ReputationEvent, Vote
from forum.questions import service as questions
from tests.conftest import grant, login, make_answer, make_question, make_user
from tests.test_openapi import properties
from tests.test_query_counts import statements_for

API = "/api/v1"


# Helpers the other reputation tests share


def bearer(user) -> dict[str, str]:
    """Headers carrying a fresh API token for the user."""
    return {"Authorization": f"Bearer {issue_token(user)}"}


def rep(user) -> int:
    """The user's cached reputation as committed now."""
    db.session.expire_all()
    return db.session.get(User, user.id).reputation


def ledger(user) -> list[tuple[str, str, int]]:
    """(kind, cause, delta) of the user's ledger, oldest first, without what grant() added."""
    events = db.session.scalars(
        select(ReputationEvent)
        .where(ReputationEvent.user_id == user.id, ReputationEvent.post_id.is_not(None))
        .order_by(ReputationEvent.id)
    )
    return [(event.kind, event.cause, event.delta) for event in events]


def cast(client, user, post, value):
    """Vote through the API."""
    return client.post(f"{API}/posts/{post.id}/vote", json={"value": value}, headers=bearer(user))


@pytest.fixture
def thread():
    """An asker's question with a helper's answer, and a voter who may vote both ways (126)."""
    asker, helper, voter = make_user("asker"), make_user("helper"), make_user("voter")
    grant(voter, 125)
    question = make_question(asker)
    answer = make_answer(helper, question)
    return asker, helper, voter, question, answer


# Points


def test_upvotes_earn_ten_for_an_answer_and_five_for_a_question(client, thread):
    asker, helper, voter, question, answer = thread
    response = cast(client, voter, answer, 1)
    assert response.status_code == 200
    assert response.get_json() == {"score": 1, "user_vote": 1}
    assert cast(client, voter, question, 1).get_json() == {"score": 1, "user_vote": 1}
    assert (rep(helper), rep(asker), rep(voter)) == (11, 6, 126)
    assert ledger(helper) == [("answer_upvoted", "vote", 10)]
    assert ledger(asker) == [("question_upvoted", "vote", 5)]


def test_the_same_vote_again_changes_nothing(client, thread):
    _, helper, voter, _, answer = thread
    cast(client, voter, answer, 1)
    events = db.session.scalar(select(func.count()).select_from(ReputationEvent))
    again = cast(client, voter, answer, 1)
    assert again.status_code == 200 and again.get_json() == {"score": 1, "user_vote": 1}
    assert db.session.scalar(select(func.count()).select_from(ReputationEvent)) == events
    assert rep(helper) == 11
    retract_nothing = cast(client, make_user("other"), answer, 0)
    assert retract_nothing.status_code == 200 and retract_nothing.get_json() == {"score": 1, "user_vote": 0}


def test_downvotes_cost_the_author_two_and_the_voter_one_on_answers(client, thread):
    asker, helper, voter, question, answer = thread
    grant(helper, 20)
    grant(asker, 20)
    assert cast(client, voter, answer, -1).get_json() == {"score": -1, "user_vote": -1}
    assert cast(client, voter, question, -1).get_json() == {"score": -1, "user_vote": -1}
    assert (rep(helper), rep(asker), rep(voter)) == (19, 19, 125)
    assert ledger(voter) == [("downvote_cast", "vote", -1)]  # downvoting a question costs nothing


def test_changing_and_retracting_reverse_exactly(client, thread):
    _, helper, voter, _, answer = thread
    grant(helper, 20)
    cast(client, voter, answer, 1)
    assert rep(helper) == 31
    assert cast(client, voter, answer, -1).get_json() == {"score": -1, "user_vote": -1}
    assert (rep(helper), rep(voter)) == (19, 125)
    assert cast(client, voter, answer, 1).get_json() == {"score": 1, "user_vote": 1}
    assert (rep(helper), rep(voter)) == (31, 126)
    assert cast(client, voter, answer, 0).get_json() == {"score": 0, "user_vote": 0}
    assert (rep(helper), rep(voter)) == (21, 126)
    assert ledger(helper) == [
        ("answer_upvoted", "vote", 10),
        ("answer_upvoted", "changed", -10),
        ("post_downvoted", "vote", -2),
        ("post_downvoted", "changed", 2),
        ("answer_upvoted", "vote", 10),
        ("answer_upvoted", "retracted", -10),
    ]
    assert ledger(voter) == [("downvote_cast", "vote", -1), ("downvote_cast", "changed", 1)]
    assert reputation.recompute(fix=False) == []


def test_the_score_is_the_sum_of_the_votes(client, thread):
    _, _, voter, _, answer = thread
    others = [make_user(f"reader{number}") for number in range(3)]
    for user in others:
        grant(user, 20)
    for user in others:
        cast(client, user, answer, 1)
    assert cast(client, voter, answer, -1).get_json()["score"] == 2
    cast(client, others[0], answer, 0)
    db.session.expire_all()
    assert db.session.get(Question, answer.question_id).answers[0].score == 1
    assert db.session.scalar(select(func.sum(Vote.value)).where(Vote.post_id == answer.id)) == 1


# Refusals


def test_nobody_votes_on_their_own_post(client, thread):
    asker, _, _, question, _ = thread
    grant(asker, 200)
    response = cast(client, asker, question, 1)
    assert response.status_code == 403 and "your own post" in response.get_json()["error"]
    login(client, "asker")
    page = client.get(f"/questions/{question.id}/{question.slug}").get_data(as_text=True)
    assert f'action="/posts/{question.id}/vote"' not in page
    assert client.submit(f"/posts/{question.id}/vote", {"value": "1"}).status_code == 403


def test_voting_needs_the_privilege_and_the_refusal_names_the_threshold(client, thread):
    _, _, _, _, answer = thread
    newcomer = make_user("newcomer")
    response = cast(client, newcomer, answer, 1)
    assert response.status_code == 403
    assert response.get_json()["error"] == "Voting up needs 15 reputation; you have 1."
    grant(newcomer, 14)
    assert cast(client, newcomer, answer, 1).status_code == 200  # thresholds are "at least"
    response = cast(client, newcomer, answer, -1)
    assert response.status_code == 403 and "125 reputation" in response.get_json()["error"]
    assert cast(client, newcomer, answer, 0).status_code == 200  # retracting needs no privilege


def vote_controls(client, question) -> tuple[bool, bool]:
    """Whether the question page offers (up, down) vote buttons on the question."""
    page = client.get(f"/questions/{question.id}/{question.slug}").get_data(as_text=True)
    return 'data-vote="1"' in page, 'data-vote="-1"' in page


def test_vote_controls_are_shown_only_to_who_may_use_them(app, thread):
    _, _, _, question, _ = thread
    assert vote_controls(app.test_client(), question) == (False, False)
    member = make_user("member")
    client = app.test_client()
    login(client, "member")
    assert vote_controls(client, question) == (False, False)
    grant(member, 14)
    assert vote_controls(client, question) == (True, False)
    grant(member, 110)
    assert vote_controls(client, question) == (True, True)
    make_user("expert", role="expert")
    expert = app.test_client()
    login(expert, "expert")
    assert vote_controls(expert, question) == (True, True)


def test_locked_threads_take_no_votes(client, thread):
    _, _, voter, question, answer = thread
    cast(client, voter, answer, 1)
    question.status = "locked"
    db.session.commit()
    for post, value in ((question, 1), (answer, -1), (answer, 0)):
        response = cast(client, voter, post, value)
        assert response.status_code == 422 and "locked" in response.get_json()["error"]
    assert vote_controls(client, question) == (False, False)


def test_deleted_posts_take_no_votes(client, thread):
    _, helper, voter, _, answer = thread
    moderator = make_user("mod", role="moderator")
    questions.delete(helper, answer.id)
    assert cast(client, voter, answer, 1).status_code == 404  # the public cannot see it at all
    response = cast(client, moderator, answer, 1)
    assert response.status_code == 422 and "Deleted" in response.get_json()["error"]


@pytest.mark.parametrize(
    "body", [{"value": 2}, {"value": True}, {"value": 1.0}, {"value": "1"}, {"value": None}, {}]
)
def test_bad_vote_values_are_422(client, thread, body):
    _, _, voter, _, answer = thread
    response = client.post(f"{API}/posts/{answer.id}/vote", json=body, headers=bearer(voter))
    assert response.status_code == 422
    assert response.get_json()["fields"]["value"]


def test_vote_api_errors(client, thread):
    _, _, voter, _, answer = thread
    assert client.post(f"{API}/posts/{answer.id}/vote", json={"value": 1}).status_code == 401
    assert cast(client, voter, type("Missing", (), {"id": 9999}), 1).status_code == 404
    response = client.post(f"{API}/posts/{answer.id}/vote", data="value=1", headers=bearer(voter))
    assert response.status_code == 415
    response = client.post(f"{API}/posts/{answer.id}/vote", json=[1], headers=bearer(voter))
    assert response.status_code == 400


# The pages: a form post without JavaScript, JSON for votes.js


def test_form_vote_without_javascript_goes_back_to_the_post(client, thread):
    _, helper, _, question, answer = thread
    login(client, "voter")
    response = client.submit(f"/posts/{answer.id}/vote", {"value": "1"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/questions/{question.id}/{question.slug}#a{answer.id}")
    response = client.submit(f"/posts/{question.id}/vote", {"value": "-1"})
    assert response.headers["Location"].endswith(f"#q{question.id}")
    page = client.get(f"/questions/{question.id}/{question.slug}").get_data(as_text=True)
    # pressed buttons undo: their value is 0
    assert 'value="0" class="link-button vote-button" data-vote="1" aria-pressed="true"' in page
    assert 'value="0" class="link-button vote-button" data-vote="-1" aria-pressed="true"' in page
    assert rep(helper) == 11
    assert client.submit(f"/posts/{answer.id}/vote", {"value": "up"}).status_code == 422


def test_votes_js_gets_json_with_the_csrf_header(client, thread):
    _, _, _, question, answer = thread
    login(client, "voter")
    token = client.csrf_token()
    headers = {"Accept": "application/json", "X-CSRFToken": token}
    response = client.post(f"/posts/{answer.id}/vote", data={"value": "1"}, headers=headers)
    assert response.status_code == 200 and response.get_json() == {"score": 1, "user_vote": 1}
    response = client.post(f"/posts/{answer.id}/vote", data={"value": "0"}, headers=headers)
    assert response.get_json() == {"score": 0, "user_vote": 0}
    question.status = "locked"
    db.session.commit()
    refused = client.post(f"/posts/{answer.id}/vote", data={"value": "1"}, headers=headers)
    assert refused.status_code == 422 and "locked" in refused.get_json()["error"]
    no_token = client.post(
        f"/posts/{answer.id}/vote", data={"value": "1"}, headers={"Accept": "application/json"}
    )
    assert no_token.status_code == 400


def test_anonymous_form_vote_is_sent_to_sign_in(client, thread):
    response = client.submit(f"/posts/{thread[4].id}/vote", {"value": "1"})
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_base_page_loads_votes_js(client):
    page = client.get("/").get_data(as_text=True)
    assert "/static/votes.js" in page
    with client.get("/static/votes.js") as script:
        assert script.status_code == 200 and b"X-CSRFToken" in script.data


def test_question_page_statements_stay_constant_when_the_viewer_has_voted(app):
    """The viewer's own votes come from one query for the whole page, not one per post."""
    voter = make_user("voter")
    grant(voter, 200)
    client = app.test_client()
    login(client, "voter")
    client.get("/")  # the first page after signing in shows its message (and is read another way)
    counts = []
    for size in (1, 12):
        asker = make_user(f"asker{size}")
        question = make_question(asker, title=f"A thread with {size} answers about wiring")
        for number in range(size):
            answer = make_answer(make_user(f"helper{size}x{number}"), question, f"Answer {number} with text.")
            client.post(f"{API}/posts/{answer.id}/vote", json={"value": 1}, headers=bearer(voter))
        counts.append(statements_for(client, f"/questions/{question.id}/{question.slug}"))
    assert counts[0] == counts[1] <= 10


def test_the_openapi_document_describes_what_the_vote_and_ledger_calls_send(client, thread):
    _, helper, voter, question, answer = thread
    spec = client.get(f"{API}/openapi.json").get_json()
    assert set(cast(client, voter, answer, 1).get_json()) == properties(spec, "VoteResult")
    ledger_page = client.get(f"{API}/users/{helper.id}/reputation").get_json()
    assert set(ledger_page) == properties(spec, "ReputationPage")
    assert set(ledger_page["items"][0]) == properties(spec, "ReputationEvent")
    kinds = spec["components"]["schemas"]["ReputationEvent"]["properties"]["kind"]["enum"]
    assert set(kinds) == set(reputation.POINTS)
    body = {"answer_id": answer.id}
    accepted = client.post(f"{API}/questions/{question.id}/accept", json=body, headers=bearer(thread[0]))
    assert set(accepted.get_json()) == properties(spec, "Question")
