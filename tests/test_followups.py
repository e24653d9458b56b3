"""Private follow-ups through the pages and the API: who opens, reads and writes them, how they are
resolved in public, and that their text never reaches anyone else (pages, API, search, inboxes)."""

from __future__ import annotations

import re

import pytest

from forum.extensions import db
from forum.models import Question, User
from forum.models.followups import FollowupMessage, PrivateFollowup
from forum.models.notifications import Notification
from forum.questions import service as questions
from tests.conftest import login, make_answer, make_question, make_user
from tests.test_openapi import properties
from tests.test_search_support import ENGINES, use_engine
from tests.test_votes import bearer

API = "/api/v1"
MARKER = "A staff expert followed up with the asker privately."
BUTTON = "Follow up privately with the asker"
# words that appear nowhere but in private messages
SECRET = "quokkazanzibar"
REPLY_SECRET = "marmalade-7731-hyacinth"
FIRST_MESSAGE = f"Could you send me your order number? I will look up {SECRET} for you."
REPLY = f"Sure, it is {REPLY_SECRET} and the parcel went to my old address."
PUBLIC_ANSWER = "Orders shipped to an old address are re-sent free: ask support to re-route them."


@pytest.fixture
def people(app):
    """The asker, the expert, a moderator, another expert and a member who shares the problem."""
    return {
        "ann": make_user("ann"),
        "erin": make_user("erin", role="expert"),
        "mod": make_user("mod", role="moderator"),
        "sam": make_user("sam", role="expert"),
        "tom": make_user("tom"),
    }


@pytest.fixture
def question(people):
    return make_question(
        people["ann"], "My thermostat order never arrived at my door", "I ordered a second unit last week."
    )


def signed_in(app, username: str):
    """A client signed in as the user."""
    client = app.test_client()
    login(client, username)
    return client


def page_url(question: Question, followup_id: int, action: str = "") -> str:
    return f"/questions/{question.id}/followups/{followup_id}{action}"


def open_by_page(client, question: Question, body: str = FIRST_MESSAGE):
    return client.submit(f"/questions/{question.id}/followups", {"body": body})


def open_by_api(client, user: User, question: Question | int, body: str = FIRST_MESSAGE):
    question_id = question if isinstance(question, int) else question.id
    return client.post(f"{API}/questions/{question_id}/followups", json={"body": body}, headers=bearer(user))


@pytest.fixture
def followup(app, client, people, question) -> PrivateFollowup:
    """erin opened a follow-up with ann, and ann replied, through the API."""
    response = open_by_api(client, people["erin"], question)
    assert response.status_code == 201, response.get_json()
    followup_id = response.get_json()["id"]
    reply = client.post(
        f"{API}/followups/{followup_id}/messages", json={"body": REPLY}, headers=bearer(people["ann"])
    )
    assert reply.status_code == 201, reply.get_json()
    return db.session.get(PrivateFollowup, followup_id)


def assert_private(text: str) -> None:
    """Nothing of the private messages is in the text."""
    assert SECRET not in text
    assert REPLY_SECRET not in text


# Opening, through the question page


def test_staff_see_the_button_and_no_one_else_does(app, client, people, question):
    url = f"/questions/{question.id}/{question.slug}"
    assert BUTTON in signed_in(app, "erin").get(url).get_data(as_text=True)
    assert BUTTON in signed_in(app, "mod").get(url).get_data(as_text=True)
    for who in ("ann", "tom"):
        assert BUTTON not in signed_in(app, who).get(url).get_data(as_text=True), who
    page = client.get(url).get_data(as_text=True)
    assert BUTTON not in page and MARKER not in page


def test_expert_opens_from_the_question_page_and_both_parties_talk(app, people, question):
    erin, ann = signed_in(app, "erin"), signed_in(app, "ann")
    response = open_by_page(erin, question)
    assert response.status_code == 302
    followup = db.session.scalars(db.select(PrivateFollowup)).one()
    assert response.headers["Location"].endswith(page_url(question, followup.id))
    assert (followup.expert_id, followup.asker_id, followup.is_open) == (
        people["erin"].id,
        people["ann"].id,
        True,
    )

    page = erin.get(page_url(question, followup.id))
    assert page.status_code == 200 and SECRET in page.get_data(as_text=True)
    assert "no-store" in page.headers["Cache-Control"]

    # the asker finds it from the question page and answers privately
    question_page = ann.get(f"/questions/{question.id}/{question.slug}").get_data(as_text=True)
    assert MARKER in question_page and "Your private follow-up with erin" in question_page
    reply = ann.submit(page_url(question, followup.id, "/messages"), {"body": REPLY})
    assert reply.status_code == 302 and re.search(r"#m\d+$", reply.headers["Location"])
    for client in (erin, ann):
        text = client.get(page_url(question, followup.id)).get_data(as_text=True)
        assert SECRET in text and REPLY_SECRET in text and "Send privately" in text
    # the expert still sees a way back to it, not a second button
    expert_page = erin.get(f"/questions/{question.id}/{question.slug}").get_data(as_text=True)
    assert "Your private follow-up with the asker" in expert_page and BUTTON not in expert_page


def test_messages_are_rendered_and_sanitised_once(app, client, people, question, followup):
    ann = signed_in(app, "ann")
    ann.submit(page_url(question, followup.id, "/messages"), {"body": "**Bold** <script>alert(1)</script>"})
    message = db.session.scalars(
        db.select(FollowupMessage).order_by(FollowupMessage.id.desc()).limit(1)
    ).one()
    assert "<strong>Bold</strong>" in message.body_html and "<script" not in message.body_html
    assert "<script>alert" not in ann.get(page_url(question, followup.id)).get_data(as_text=True)


def test_a_bad_message_shows_the_form_again(app, people, question, followup):
    erin = signed_in(app, "erin")
    response = erin.submit(page_url(question, followup.id, "/messages"), {"body": " "})
    assert response.status_code == 400
    assert "This field is required." in response.get_data(as_text=True)
    response = open_by_page(signed_in(app, "sam"), question, body="")
    assert response.status_code == 400 and "This field is required." in response.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count()).select_from(PrivateFollowup)) == 1


# Who reads and who writes


def test_moderators_read_but_do_not_post(app, client, people, question, followup):
    mod = signed_in(app, "mod")
    page = mod.get(page_url(question, followup.id)).get_data(as_text=True)
    assert SECRET in page and REPLY_SECRET in page
    assert "Send privately" not in page and "do not post in it" in page
    assert "Private follow-up by erin with the asker" in mod.get(
        f"/questions/{question.id}/{question.slug}"
    ).get_data(as_text=True)
    assert (
        mod.submit(page_url(question, followup.id, "/messages"), {"body": "Hello there"}).status_code == 403
    )
    response = client.get(f"{API}/followups/{followup.id}", headers=bearer(people["mod"]))
    assert response.status_code == 200 and len(response.get_json()["messages"]) == 2
    response = client.post(
        f"{API}/followups/{followup.id}/messages", json={"body": "Hello there"}, headers=bearer(people["mod"])
    )
    assert response.status_code == 403 and "Moderators read" in response.get_json()["error"]


@pytest.mark.parametrize("who", ["tom", "sam", None])
def test_everyone_else_gets_a_404_on_pages_and_the_api(app, client, people, question, followup, who):
    """Other members, other experts and visitors cannot tell the follow-up exists."""
    browser = signed_in(app, who) if who else app.test_client()
    headers = bearer(people[who]) if who else {}
    for followup_id in (followup.id, followup.id + 1000):
        page = browser.get(page_url(question, followup_id))
        assert page.status_code == 404, (who, followup_id)
        assert_private(page.get_data(as_text=True))
        api = client.get(f"{API}/followups/{followup_id}", headers=headers)
        assert api.status_code == 404 and api.get_json()["error"] == "That private follow-up does not exist."
    if who:
        assert (
            browser.submit(page_url(question, followup.id, "/messages"), {"body": "Me too"}).status_code
            == 404
        )
        resolve = browser.submit(
            page_url(question, followup.id, "/resolve"), {"resolution-body": PUBLIC_ANSWER}
        )
        assert resolve.status_code == 404
        for action, body in (("messages", "Me too"), ("resolve", PUBLIC_ANSWER)):
            response = client.post(
                f"{API}/followups/{followup.id}/{action}", json={"body": body}, headers=headers
            )
            assert response.status_code == 404, action
    else:
        response = client.post(f"{API}/followups/{followup.id}/messages", json={"body": "Me too"})
        assert response.status_code == 401
    assert db.session.scalar(db.select(db.func.count()).select_from(FollowupMessage)) == 2


def test_the_page_of_another_question_does_not_show_it(app, people, question, followup):
    other = make_question(people["ann"], "Another question about the thermostat")
    assert signed_in(app, "erin").get(page_url(other, followup.id)).status_code == 404


def test_an_expert_who_is_no_longer_staff_loses_access(app, client, people, question, followup):
    people["erin"].role = "member"
    db.session.commit()
    assert client.get(f"{API}/followups/{followup.id}", headers=bearer(people["erin"])).status_code == 404
    assert client.get(f"{API}/followups/{followup.id}", headers=bearer(people["ann"])).status_code == 200


def test_a_deleted_question_keeps_the_conversation_for_the_asker_only_to_read(
    app, client, people, question, followup
):
    questions.delete(people["ann"], question.id)
    assert client.get(f"{API}/followups/{followup.id}", headers=bearer(people["erin"])).status_code == 404
    assert client.get(f"{API}/followups/{followup.id}", headers=bearer(people["mod"])).status_code == 200
    assert client.get(f"{API}/followups/{followup.id}", headers=bearer(people["ann"])).status_code == 200
    response = client.post(
        f"{API}/followups/{followup.id}/messages",
        json={"body": "Still there?"},
        headers=bearer(people["ann"]),
    )
    assert response.status_code == 422 and "deleted" in response.get_json()["error"]


# What the public sees


def test_the_public_sees_only_the_marker(app, client, people, question, followup):
    url = f"/questions/{question.id}/{question.slug}"
    for browser in (client, signed_in(app, "tom"), signed_in(app, "sam")):
        page = browser.get(url).get_data(as_text=True)
        assert MARKER in page
        assert_private(page)
        assert "/followups/" not in page and "erin" not in page
    thread = client.get(f"{API}/questions/{question.id}")
    assert thread.status_code == 200
    assert_private(thread.get_data(as_text=True))
    assert "followup" not in thread.get_data(as_text=True)
    assert MARKER not in client.get(
        f"/questions/{make_question(people['tom'], 'A question nobody followed up on').id}"
    ).get_data(as_text=True)


def test_lists_profiles_and_the_question_json_carry_nothing_private(app, client, people, question, followup):
    for url in (
        "/questions",
        "/questions?sort=newest",
        f"/users/{people['ann'].id}/ann",
        f"/users/{people['erin'].id}/erin",
        f"{API}/questions",
        f"{API}/questions/{question.id}",
        f"{API}/users/{people['erin'].id}",
    ):
        response = client.get(url, follow_redirects=True)
        assert response.status_code == 200, url
        assert_private(response.get_data(as_text=True))


def test_a_message_does_not_bump_the_question_in_the_active_list(app, client, people, question):
    before = db.session.get(Question, question.id).last_activity_at
    open_by_api(client, people["erin"], question)
    db.session.expire_all()
    assert db.session.get(Question, question.id).last_activity_at == before


@pytest.fixture(params=ENGINES)
def engine(app, request):
    yield from use_engine(app, request.param)


def test_search_never_finds_private_messages(app, client, engine, people, question, followup):
    # the question itself is indexed (so the engine works) ...
    found = client.get(f"{API}/search", query_string={"q": "thermostat order"}).get_json()
    assert [item["question_id"] for item in found["items"]] == [question.id]
    # ... but no word of the private conversation is
    for word in (SECRET, REPLY_SECRET, "parcel"):
        api = client.get(f"{API}/search", query_string={"q": word})
        assert api.status_code == 200 and api.get_json()["total"] == 0, word
        assert api.get_json()["items"] == []
        page = client.get("/search", query_string={"q": word}).get_data(as_text=True)
        assert question.title not in page and f"/questions/{question.id}/" not in page, word
        assert f"0 results for “{word}”" in page, word
        similar = client.get(f"{API}/similar", query_string={"title": f"{word} {word}", "body": word})
        assert similar.status_code == 200 and question.title not in similar.get_data(as_text=True), word


# Notifications


def test_third_parties_hear_nothing_and_the_resolution_is_an_ordinary_answer(app, client, people, question):
    tom_follows = client.post(f"{API}/questions/{question.id}/follow", headers=bearer(people["tom"]))
    assert tom_follows.status_code == 200
    response = open_by_api(client, people["erin"], question)
    followup_id = response.get_json()["id"]
    client.post(
        f"{API}/followups/{followup_id}/messages", json={"body": REPLY}, headers=bearer(people["ann"])
    )
    # private messages tell nobody: not the follower, not other experts, not the moderators
    assert db.session.scalar(db.select(db.func.count()).select_from(Notification)) == 0
    for who in ("tom", "sam", "mod"):
        inbox = client.get(f"{API}/notifications", headers=bearer(people[who])).get_json()
        assert inbox["items"] == [] and inbox["unread"] == 0, who
        assert_private(signed_in(app, who).get("/notifications").get_data(as_text=True))

    resolved = client.post(
        f"{API}/followups/{followup_id}/resolve", json={"body": PUBLIC_ANSWER}, headers=bearer(people["erin"])
    )
    assert resolved.status_code == 200, resolved.get_json()
    # the public answer is announced like any answer, with its public text only
    inbox = client.get(f"{API}/notifications", headers=bearer(people["tom"])).get_json()
    assert [item["kind"] for item in inbox["items"]] == ["answer"]
    assert_private(str(inbox))
    page = signed_in(app, "tom").get("/notifications").get_data(as_text=True)
    assert PUBLIC_ANSWER[:60] in page
    assert_private(page)
    assert client.get(f"{API}/notifications", headers=bearer(people["sam"])).get_json()["items"] == []


# Resolving in public


def test_the_expert_resolves_with_a_public_answer_from_the_page(app, client, people, question, followup):
    erin = signed_in(app, "erin")
    form = erin.get(page_url(question, followup.id)).get_data(as_text=True)
    assert "Post the resolution publicly" in form
    assert "Post the resolution publicly" not in signed_in(app, "ann").get(
        page_url(question, followup.id)
    ).get_data(as_text=True)
    response = erin.submit(page_url(question, followup.id, "/resolve"), {"resolution-body": PUBLIC_ANSWER})
    assert response.status_code == 302
    db.session.expire_all()
    followup = db.session.get(PrivateFollowup, followup.id)
    assert not followup.is_open and followup.is_resolved
    answer = followup.resolution_answer
    assert (answer.question_id, answer.author_id, answer.body) == (
        question.id,
        people["erin"].id,
        PUBLIC_ANSWER,
    )
    assert response.headers["Location"].endswith(f"#a{answer.id}")

    public = client.get(f"/questions/{question.id}/{question.slug}").get_data(as_text=True)
    assert PUBLIC_ANSWER in public and MARKER in public and f'href="#a{answer.id}"' in public
    assert_private(public)
    conversation = erin.get(page_url(question, followup.id)).get_data(as_text=True)
    assert "Resolved" in conversation and "Send privately" not in conversation
    assert "Post the resolution publicly" not in conversation

    # closed: no more messages, no second resolution, and the expert may open a new one
    assert erin.submit(page_url(question, followup.id, "/messages"), {"body": "One more"}).status_code == 422
    again = erin.submit(page_url(question, followup.id, "/resolve"), {"resolution-body": PUBLIC_ANSWER})
    assert again.status_code == 422
    assert open_by_page(erin, question).status_code == 302


def test_a_short_resolution_shows_the_form_again(app, people, question, followup):
    erin = signed_in(app, "erin")
    response = erin.submit(page_url(question, followup.id, "/resolve"), {"resolution-body": "Too short"})
    assert response.status_code == 400 and "between 20 and" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(PrivateFollowup, followup.id).is_open


def test_only_the_expert_resolves(app, client, people, question, followup):
    for who in ("ann", "mod"):
        response = client.post(
            f"{API}/followups/{followup.id}/resolve",
            json={"body": PUBLIC_ANSWER},
            headers=bearer(people[who]),
        )
        assert response.status_code == 403, who
        assert "Only the expert" in response.get_json()["error"]
    db.session.expire_all()
    assert db.session.get(PrivateFollowup, followup.id).is_open
    assert db.session.get(Question, question.id).answer_count == 0


def test_a_closed_question_refuses_the_resolution_and_stays_open(app, client, people, question, followup):
    db.session.get(Question, question.id).status = "closed"
    db.session.commit()
    response = client.post(
        f"{API}/followups/{followup.id}/resolve", json={"body": PUBLIC_ANSWER}, headers=bearer(people["erin"])
    )
    assert response.status_code == 422 and "closed" in response.get_json()["error"]
    db.session.expire_all()
    assert db.session.get(PrivateFollowup, followup.id).is_open


# The API


def test_the_api_round_trip_matches_the_document(app, client, people, question):
    spec = client.get(f"{API}/openapi.json").get_json()
    opened = open_by_api(client, people["erin"], question)
    assert opened.status_code == 201
    body = opened.get_json()
    assert set(body) == properties(spec, "PrivateFollowup")
    assert set(body["messages"][0]) == properties(spec, "FollowupMessage")
    assert set(body["question"]) == {"id", "title", "url"}
    assert opened.headers["Location"].endswith(f"{API}/followups/{body['id']}")
    assert "no-store" in opened.headers["Cache-Control"]
    assert (body["expert"]["username"], body["asker"]["username"], body["open"]) == ("erin", "ann", True)
    assert body["messages"][0]["body"] == FIRST_MESSAGE

    message = client.post(
        f"{API}/followups/{body['id']}/messages", json={"body": REPLY}, headers=bearer(people["ann"])
    )
    assert message.status_code == 201
    assert set(message.get_json()) == properties(spec, "FollowupMessage")
    shown = client.get(f"{API}/followups/{body['id']}", headers=bearer(people["ann"]))
    assert shown.status_code == 200 and "no-store" in shown.headers["Cache-Control"]
    assert [item["author"]["username"] for item in shown.get_json()["messages"]] == ["erin", "ann"]

    resolved = client.post(
        f"{API}/followups/{body['id']}/resolve", json={"body": PUBLIC_ANSWER}, headers=bearer(people["erin"])
    )
    assert resolved.status_code == 200
    result = resolved.get_json()
    assert set(result) == properties(spec, "PrivateFollowup")
    assert result["open"] is False and result["closed_at"] and result["resolution_answer_id"]
    thread = client.get(f"{API}/questions/{question.id}").get_json()
    assert [(item["id"], item["body"]) for item in thread["answers"]] == [
        (result["resolution_answer_id"], PUBLIC_ANSWER)
    ]


def test_one_open_follow_up_per_expert_and_question(app, client, people, question, followup):
    again = open_by_api(client, people["erin"], question)
    assert again.status_code == 422 and f"follow-up {followup.id}" in again.get_json()["error"]
    # another expert opens their own
    assert open_by_api(client, people["sam"], question).status_code == 201


OPEN, MESSAGE, RESOLVE = "open", "message", "resolve"


@pytest.mark.parametrize(
    ("payload", "status", "refused_by"),
    [
        ({}, 422, {OPEN, MESSAGE, RESOLVE}),
        ({"body": ""}, 422, {OPEN, MESSAGE, RESOLVE}),
        ({"body": "x"}, 422, {OPEN, MESSAGE, RESOLVE}),
        ({"body": 42}, 422, {OPEN, MESSAGE, RESOLVE}),
        ({"body": ["a", "b"]}, 422, {OPEN, MESSAGE, RESOLVE}),
        ({"body": "A short reply"}, 422, {RESOLVE}),  # a public answer is at least 20 characters
        ({"body": "y" * 10001}, 422, {OPEN, MESSAGE}),  # too long for a message, not for an answer
        ({"body": "y" * 30001}, 422, {OPEN, MESSAGE, RESOLVE}),
        ([FIRST_MESSAGE], 400, {OPEN, MESSAGE, RESOLVE}),
    ],
)
def test_bad_bodies_are_refused_clearly(app, client, people, question, followup, payload, status, refused_by):
    calls = {
        OPEN: (f"{API}/questions/{question.id}/followups", people["sam"]),
        MESSAGE: (f"{API}/followups/{followup.id}/messages", people["ann"]),
        RESOLVE: (f"{API}/followups/{followup.id}/resolve", people["erin"]),
    }
    for name in sorted(refused_by):
        url, user = calls[name]
        response = client.post(url, json=payload, headers=bearer(user))
        assert response.status_code == status, (url, response.get_json())
        assert response.get_json()["error"]
        if status == 422:
            assert response.get_json()["fields"]["body"], url
    assert db.session.scalar(db.select(db.func.count()).select_from(FollowupMessage)) == 2
    db.session.expire_all()
    assert db.session.get(PrivateFollowup, followup.id).is_open


def test_bodies_must_be_json(app, client, people, followup):
    headers = bearer(people["ann"])
    form = client.post(f"{API}/followups/{followup.id}/messages", data={"body": "Hello"}, headers=headers)
    assert form.status_code == 415
    broken = client.post(
        f"{API}/followups/{followup.id}/messages",
        data="{not json",
        headers={**headers, "Content-Type": "application/json"},
    )
    assert broken.status_code == 400 and "not valid JSON" in broken.get_json()["error"]


def test_unknown_ids_are_404s(app, client, people, question):
    headers = bearer(people["erin"])
    assert open_by_api(client, people["erin"], question.id + 100).status_code == 404
    for url in (f"{API}/followups/999", f"{API}/followups/{2**31}"):
        assert client.get(url, headers=headers).status_code == 404
        assert client.post(f"{url}/messages", json={"body": "Hello"}, headers=headers).status_code == 404
    answer = make_answer(people["tom"], question)
    assert open_by_api(client, people["erin"], answer.id).status_code == 404


# Refusals


def test_members_and_visitors_cannot_open(app, client, people, question):
    response = open_by_api(client, people["tom"], question)
    assert response.status_code == 403 and "staff experts" in response.get_json()["error"]
    assert open_by_api(client, people["ann"], question).status_code == 403
    assert (
        client.post(f"{API}/questions/{question.id}/followups", json={"body": FIRST_MESSAGE}).status_code
        == 401
    )
    assert open_by_page(signed_in(app, "tom"), question).status_code == 403
    visitor = open_by_page(app.test_client(), question)
    assert visitor.status_code == 302 and "/login" in visitor.headers["Location"]
    assert db.session.scalar(db.select(db.func.count()).select_from(PrivateFollowup)) == 0


def test_locked_and_deleted_questions_refuse(app, client, people, question):
    db.session.get(Question, question.id).status = "locked"
    db.session.commit()
    response = open_by_api(client, people["erin"], question)
    assert response.status_code == 422 and "locked" in response.get_json()["error"]
    assert open_by_page(signed_in(app, "erin"), question).status_code == 422
    assert BUTTON not in signed_in(app, "erin").get(f"/questions/{question.id}/{question.slug}").get_data(
        as_text=True
    )

    db.session.get(Question, question.id).status = "open"
    db.session.commit()
    questions.delete(people["ann"], question.id)
    # an expert cannot see a deleted question at all; a moderator can, and is refused
    assert open_by_api(client, people["erin"], question).status_code == 404
    response = open_by_api(client, people["mod"], question)
    assert response.status_code == 422 and "deleted" in response.get_json()["error"]


def test_an_expert_cannot_follow_up_on_their_own_question(app, client, people):
    own = make_question(people["erin"], "Why does my own thermostat keep rebooting?")
    response = open_by_api(client, people["erin"], own)
    assert response.status_code == 422 and "You asked this question" in response.get_json()["error"]
    assert BUTTON not in signed_in(app, "erin").get(f"/questions/{own.id}/{own.slug}").get_data(as_text=True)
    assert open_by_api(client, people["sam"], own).status_code == 201


def test_an_imported_question_without_an_asker_is_refused_clearly(app, client, people, question):
    db.session.get(Question, question.id).author_id = None
    db.session.commit()
    response = open_by_api(client, people["erin"], question)
    assert response.status_code == 422
    assert "asker has no account here" in response.get_json()["error"]
    assert BUTTON not in signed_in(app, "erin").get(f"/questions/{question.id}/{question.slug}").get_data(
        as_text=True
    )


def test_two_opens_at_once_leave_one_open_follow_up(app, client, people, question, followup, monkeypatch):
    """The check before inserting can race; the partial unique index is what holds."""
    from forum.followups import service

    monkeypatch.setattr(service, "_open_followup_id", lambda question_id, expert_id: None)
    response = open_by_api(client, people["erin"], question)
    assert response.status_code == 422 and "already have an open" in response.get_json()["error"]
    assert db.session.scalar(db.select(db.func.count()).select_from(PrivateFollowup)) == 1
    # a closed follow-up does not count: resolving frees the expert to open another
    service.resolve(db.session.get(User, people["erin"].id), followup.id, PUBLIC_ANSWER)
    assert open_by_api(client, people["erin"], question).status_code == 201
