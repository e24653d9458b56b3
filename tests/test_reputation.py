"""The ledger: the points table, acceptance, delete and undelete, the daily cap, the floor, recompute."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update

from forum import reputation
from forum.clock import utcnow
from forum.extensions import db
from forum.models import User
from forum.models.reputation import ReputationEvent
from forum.questions import service as questions
from tests.conftest import grant, login, make_answer, make_question, make_user
from tests.test_votes import API, bearer, cast, ledger, rep


def voters(count: int) -> list[User]:
    """Members who may vote both ways."""
    people = [make_user(f"voter{number}") for number in range(count)]
    for person in people:
        grant(person, 125)
    return people


def accept(client, user, question, answer):
    """Accept through the API (answer None unaccepts)."""
    body = {"answer_id": answer.id if answer is not None else None}
    return client.post(f"{API}/questions/{question.id}/accept", json=body, headers=bearer(user))


def test_the_points_table():
    assert reputation.POINTS == {
        "question_upvoted": 5,
        "answer_upvoted": 10,
        "post_downvoted": -2,
        "downvote_cast": -1,
        "answer_accepted": 15,
        "accepted_by_asker": 2,
        "faq_source": 20,
    }
    assert (reputation.DAILY_VOTE_CAP, reputation.FLOOR) == (200, 1)


# Accepted answers


def test_accept_move_and_unaccept_keep_the_asker_bonus_once(client):
    asker, first, second = make_user("asker"), make_user("first"), make_user("second")
    question = make_question(asker)
    one, two = make_answer(first, question), make_answer(second, question, "Another way: use the app.")
    response = accept(client, asker, question, two)
    assert response.status_code == 200 and response.get_json()["accepted_answer_id"] == two.id
    assert (rep(asker), rep(first), rep(second)) == (3, 1, 16)
    assert accept(client, asker, question, one).get_json()["accepted_answer_id"] == one.id
    assert (rep(asker), rep(first), rep(second)) == (3, 16, 1)
    accept(client, asker, question, two)
    accept(client, asker, question, two)  # the same again changes nothing
    assert (rep(asker), rep(first), rep(second)) == (3, 1, 16)
    assert ledger(asker) == [("accepted_by_asker", "accepted", 2)]
    assert ledger(first) == [("answer_accepted", "accepted", 15), ("answer_accepted", "moved", -15)]
    thread = client.get(f"{API}/questions/{question.id}").get_json()
    assert [item["id"] for item in thread["answers"]] == [two.id, one.id]
    assert thread["answers"][0]["is_accepted"] is True

    response = accept(client, asker, question, None)
    assert response.status_code == 200 and response.get_json()["accepted_answer_id"] is None
    assert (rep(asker), rep(first), rep(second)) == (1, 1, 1)
    assert reputation.recompute(fix=False) == []


def test_staff_accept_for_the_asker_without_the_bonus(client):
    asker, helper, other = make_user("asker"), make_user("helper"), make_user("other")
    expert, moderator = make_user("erin", role="expert"), make_user("mod", role="moderator")
    question = make_question(asker)
    answer, second = make_answer(helper, question), make_answer(other, question, "Or reset it from the app.")
    assert accept(client, expert, question, answer).status_code == 200
    assert (rep(asker), rep(helper), rep(expert)) == (1, 16, 1)
    assert accept(client, moderator, question, second).status_code == 200
    assert (rep(helper), rep(other), rep(moderator)) == (1, 16, 1)
    accept(client, asker, question, answer)  # now the asker accepts: the +2 is theirs
    assert (rep(asker), rep(helper), rep(other)) == (3, 16, 1)


def test_only_the_asker_and_staff_may_accept(app, client):
    asker, helper = make_user("asker"), make_user("helper")
    stranger = make_user("stranger")
    grant(stranger, 5000)
    question = make_question(asker)
    answer = make_answer(helper, question)
    response = accept(client, stranger, question, answer)
    assert response.status_code == 403 and "asker" in response.get_json()["error"]
    assert (
        client.post(f"{API}/questions/{question.id}/accept", json={"answer_id": answer.id}).status_code == 401
    )
    for username, shown in (("asker", True), ("stranger", False), ("helper", False)):
        viewer = app.test_client()
        login(viewer, username)
        page = viewer.get(f"/questions/{question.id}/{question.slug}").get_data(as_text=True)
        assert (f'action="/questions/{question.id}/accept"' in page) is shown, username


def test_accept_errors(client):
    asker, helper = make_user("asker"), make_user("helper")
    question, other = make_question(asker), make_question(asker, title="Another question about billing")
    answer, elsewhere = make_answer(helper, question), make_answer(helper, other)
    url = f"{API}/questions/{question.id}/accept"
    headers = bearer(asker)
    missing = client.post(url, json={}, headers=headers)
    assert missing.status_code == 422 and missing.get_json()["fields"]["answer_id"]
    for bad in ("7", True, 1.0, [1]):
        response = client.post(url, json={"answer_id": bad}, headers=headers)
        assert response.status_code == 422 and response.get_json()["fields"]["answer_id"], bad
    assert accept(client, asker, question, elsewhere).status_code == 422
    assert client.post(url, json={"answer_id": 9999}, headers=headers).status_code == 404
    assert (
        client.post(f"{API}/questions/9999/accept", json={"answer_id": None}, headers=headers).status_code
        == 404
    )
    questions.delete(helper, answer.id)
    assert accept(client, asker, question, answer).status_code == 404  # the asker cannot see it
    moderator = make_user("mod", role="moderator")
    response = accept(client, moderator, question, answer)
    assert response.status_code == 422 and "deleted" in response.get_json()["error"]
    question.status = "locked"
    db.session.commit()
    response = accept(client, asker, question, None)
    assert response.status_code == 422 and "locked" in response.get_json()["error"]


def test_accepting_your_own_answer_earns_nothing(client):
    asker = make_user("asker")
    question = make_question(asker)
    own = make_answer(asker, question, "I found it myself: hold the dial down.")
    assert accept(client, asker, question, own).status_code == 200
    assert rep(asker) == 1 and ledger(asker) == []


def test_accept_and_unaccept_on_the_page(client):
    asker, helper = make_user("asker"), make_user("helper")
    question = make_question(asker)
    answer = make_answer(helper, question)
    login(client, "asker")
    response = client.submit(f"/questions/{question.id}/accept", {"answer_id": str(answer.id)})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"#a{answer.id}")
    page = client.get(f"/questions/{question.id}/{question.slug}").get_data(as_text=True)
    assert "Unaccept" in page and 'class="post answer accepted' in page and "accepted-mark" in page
    response = client.submit(f"/questions/{question.id}/accept", {"answer_id": ""})
    assert response.status_code == 302 and rep(helper) == 1
    assert client.submit(f"/questions/{question.id}/accept", {"answer_id": "x"}).status_code == 422


# Delete and undelete


def test_deleting_a_post_reverses_its_reputation_and_undeleting_restores_it(client):
    asker, helper = make_user("asker"), make_user("helper")
    fan, critic = voters(2)
    question = make_question(asker)
    answer = make_answer(helper, question)
    cast(client, fan, answer, 1)
    cast(client, critic, answer, -1)
    accept(client, asker, question, answer)
    before = (rep(helper), rep(critic), rep(asker))
    assert before == (1 + 10 - 2 + 15, 125, 3)
    login(client, "helper")
    assert client.submit(f"/posts/{answer.id}/delete").status_code == 302
    assert (rep(helper), rep(critic), rep(asker)) == (1, 126, 3)  # the asker's +2 is the question's
    assert client.submit(f"/posts/{answer.id}/undelete").status_code == 302
    assert (rep(helper), rep(critic), rep(asker)) == before
    # and once more: a second cycle reverses and restores exactly as the first
    questions.delete(helper, answer.id)
    questions.undelete(helper, answer.id)
    assert (rep(helper), rep(critic), rep(asker)) == before
    assert reputation.recompute(fix=False) == []


def test_an_acceptance_moved_while_deleted_is_not_restored(client):
    asker, first, second = make_user("asker"), make_user("first"), make_user("second")
    moderator = make_user("mod", role="moderator")
    question = make_question(asker)
    one, two = make_answer(first, question), make_answer(second, question, "Or use the app to reset it.")
    accept(client, asker, question, one)
    questions.delete(moderator, one.id)
    accept(client, asker, question, two)
    questions.undelete(moderator, one.id)
    assert (rep(first), rep(second), rep(asker)) == (1, 16, 3)
    accept(client, asker, question, one)
    questions.delete(moderator, one.id)
    questions.undelete(moderator, one.id)  # only this deletion's reversals come back
    assert (rep(first), rep(second), rep(asker)) == (16, 1, 3)
    assert reputation.recompute(fix=False) == []


def test_deleting_a_question_reverses_its_votes_and_the_asker_bonus(client):
    asker, helper = make_user("asker"), make_user("helper")
    moderator = make_user("mod", role="moderator")
    (fan,) = voters(1)
    question = make_question(asker)
    answer = make_answer(helper, question)
    cast(client, fan, question, 1)
    accept(client, asker, question, answer)
    assert (rep(asker), rep(helper)) == (8, 16)
    questions.delete(moderator, question.id)
    assert (rep(asker), rep(helper)) == (1, 16)
    questions.undelete(moderator, question.id)
    assert (rep(asker), rep(helper)) == (8, 16)


# The daily cap and the floor


def add_today(user, kind: str, delta: int, count: int) -> None:
    """Ledger events dated now, as votes earlier today would have left them."""
    for _ in range(count):
        db.session.add(
            ReputationEvent(user_id=user.id, kind=kind, cause="vote", delta=delta, created_at=utcnow())
        )
    reputation.refresh([user.id])
    db.session.commit()


def test_the_daily_cap_cuts_upvotes_and_reversal_takes_back_what_was_given(client):
    asker, helper = make_user("asker"), make_user("helper")
    question = make_question(asker)
    answer = make_answer(helper, question)
    own_question = make_question(helper, title="The helper asks something too")
    grant(helper, 100, days_ago=1)  # yesterday's points do not count against today
    add_today(helper, "answer_upvoted", 10, 19)
    add_today(helper, "question_upvoted", 5, 1)
    assert reputation.earned_today(helper.id) == 195
    first, second, third, fourth = voters(4)
    cast(client, first, answer, 1)
    cast(client, second, answer, 1)
    cast(client, third, own_question, 1)
    assert rep(helper) == 1 + 100 + 200
    assert [delta for kind, cause, delta in ledger(helper) if cause == "vote"][-3:] == [5, 0, 0]
    cast(client, first, answer, 0)  # takes back the 5 it gave, not 10
    assert rep(helper) == 1 + 100 + 195
    cast(client, fourth, answer, 1)
    assert rep(helper) == 1 + 100 + 200
    cast(client, fourth, answer, -1)  # downvotes are not capped: -5 reversed, -2
    assert rep(helper) == 1 + 100 + 195 - 2
    accept(client, asker, question, answer)  # acceptance is not capped
    assert rep(helper) == 1 + 100 + 195 - 2 + 15
    assert reputation.recompute(fix=False) == []


def test_the_cap_is_per_utc_calendar_day(app):
    helper = make_user("helper")
    midnight = utcnow().replace(hour=0, minute=0, second=0, microsecond=0)
    for moment, delta in ((midnight - timedelta(microseconds=1), 150), (midnight, 60)):
        db.session.add(
            ReputationEvent(
                user_id=helper.id, kind="answer_upvoted", cause="vote", delta=delta, created_at=moment
            )
        )
    db.session.commit()
    assert reputation.earned_today(helper.id) == 60
    assert reputation.earned_today(helper.id, midnight - timedelta(hours=1)) == 150


def test_reputation_never_shows_below_one_and_penalties_are_owed(client):
    asker, helper = make_user("asker"), make_user("helper")
    question = make_question(asker)
    answer = make_answer(helper, question)
    critic, fan = voters(2)
    cast(client, critic, answer, -1)
    assert rep(helper) == 1  # the ledger says -2
    assert sum(delta for *_, delta in ledger(helper)) == -2
    assert reputation.recompute(fix=False) == []
    cast(client, fan, answer, 1)
    assert rep(helper) == 9  # the -2 was owed: 1 - 2 + 10
    cast(client, critic, answer, 0)
    assert rep(helper) == 11
    cast(client, fan, answer, 0)
    assert rep(helper) == 1


# Recompute


def test_recompute_reports_and_fixes_differences(client, runner):
    asker, helper = make_user("asker"), make_user("helper")
    question = make_question(asker)
    answer = make_answer(helper, question)
    (fan,) = voters(1)
    cast(client, fan, answer, 1)
    db.session.execute(update(User).where(User.id == helper.id).values(reputation=999))
    db.session.execute(update(User).where(User.id == asker.id).values(reputation=0))
    db.session.commit()

    check = runner.invoke(args=["reputation", "recompute", "--check"])
    assert check.exit_code == 1
    assert f"helper (id {helper.id}): cached 999, ledger 11" in check.output
    assert f"asker (id {asker.id}): cached 0, ledger 1" in check.output
    assert "fan" not in check.output and rep(helper) == 999

    fixed = runner.invoke(args=["reputation", "recompute"])
    assert fixed.exit_code == 0 and "cached 999, ledger 11" in fixed.output and "Fixed 2" in fixed.output
    assert (rep(helper), rep(asker)) == (11, 1)
    again = runner.invoke(args=["reputation", "recompute", "--check"])
    assert again.exit_code == 0 and "matches the ledger" in again.output


# The profile page and the API


def test_profile_shows_the_ledger_and_the_chart(app, client):
    asker, helper = make_user("asker"), make_user("helper")
    question = make_question(asker)
    answer = make_answer(helper, question)
    (fan,) = voters(1)
    cast(client, fan, answer, 1)
    accept(client, asker, question, answer)
    page = client.get(f"/users/{helper.id}/helper").get_data(as_text=True)
    assert "<svg" in page and "<polyline" in page and "Reputation over time" in page
    assert "Answer upvoted" in page and "Answer accepted" in page and "+15" in page
    assert f'href="/questions/{question.id}/{question.slug}#a{answer.id}"' in page
    assert "What reputation unlocks" not in page
    login(client, "helper")
    own = client.get(f"/users/{helper.id}/helper").get_data(as_text=True)
    assert "What reputation unlocks" in own and "Voting down" in own
    empty = client.get(f"/users/{make_user('newbie').id}/newbie").get_data(as_text=True)
    assert "No reputation changes yet." in empty and "<svg" in empty


def test_reputation_api_lists_the_events_newest_first(client):
    asker, helper = make_user("asker"), make_user("helper")
    question = make_question(asker)
    answer = make_answer(helper, question)
    (fan,) = voters(1)
    cast(client, fan, answer, 1)
    cast(client, fan, answer, -1)
    response = client.get(f"{API}/users/{helper.id}/reputation")
    assert response.status_code == 200
    data = response.get_json()
    assert data["reputation"] == 1 and data["user"]["username"] == "helper"
    assert [(item["kind"], item["cause"], item["delta"]) for item in data["items"]] == [
        ("post_downvoted", "vote", -2),
        ("answer_upvoted", "changed", -10),
        ("answer_upvoted", "vote", 10),
    ]
    assert data["items"][1]["undoes_id"] == data["items"][2]["id"]
    assert data["items"][0]["post_id"] == answer.id and data["items"][0]["created_at"].endswith("Z")
    assert data["total"] == 3 and data["page"] == 1
    assert "actor_id" not in data["items"][0]  # votes are anonymous
    assert client.get(f"{API}/users/9999/reputation").status_code == 404
    assert client.get(f"{API}/users/{helper.id}/reputation?per_page=0").status_code == 400


def test_whom_a_downvote_was_cast_on_stays_private(app, client):
    asker, helper = make_user("asker"), make_user("helper")
    question = make_question(asker)
    answer = make_answer(helper, question)
    (critic,) = voters(1)
    cast(client, critic, answer, -1)
    url = f"{API}/users/{critic.id}/reputation"
    downvote = [item for item in client.get(url).get_json()["items"] if item["kind"] == "downvote_cast"]
    assert downvote[0]["post_id"] is None and downvote[0]["delta"] == -1
    mine = client.get(url, headers=bearer(critic)).get_json()["items"]
    assert [item["post_id"] for item in mine if item["kind"] == "downvote_cast"] == [answer.id]
    page = client.get(f"/users/{critic.id}/voter0").get_data(as_text=True)
    assert "Downvoted an answer" in page and f"#a{answer.id}" not in page
    event = db.session.scalar(select(ReputationEvent).where(ReputationEvent.kind == "downvote_cast"))
    assert event.actor_id == critic.id


def test_recompute_also_repairs_a_running_total_that_drifted(client, runner):
    asker, helper = make_user("asker"), make_user("helper")
    answer = make_answer(helper, make_question(asker))
    (fan,) = voters(1)
    cast(client, fan, answer, 1)
    assert db.session.scalar(select(User.ledger_total).where(User.id == helper.id)) == 10
    # the shown value is right, the running total the next vote adds to is not
    db.session.execute(update(User).where(User.id == helper.id).values(ledger_total=40))
    db.session.commit()

    assert runner.invoke(args=["reputation", "recompute", "--check"]).exit_code == 1
    assert runner.invoke(args=["reputation", "recompute"]).exit_code == 0
    assert db.session.scalar(select(User.ledger_total).where(User.id == helper.id)) == 10
    cast(client, fan, answer, 0)  # retracted: back to the floor, from the repaired total
    assert rep(helper) == 1 and reputation.recompute(fix=False) == []
