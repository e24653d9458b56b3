"""Following questions and notifications, through the pages and the API: who hears about what,
the inbox and its unread count, and email copies sent through a local SMTP server."""

from __future__ import annotations

import asyncio
import logging
import socket
import time
from email import message_from_bytes
from email.policy import default as default_policy

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import func, select, update

from forum.extensions import db
from forum.models import Question, User
from forum.models.notifications import Follow, Notification
from forum.notifications import service as notifications
from forum.notifications.mail import Mailer, mailer
from forum.questions import service as questions
from tests.conftest import login, make_answer, make_question, make_user
from tests.test_openapi import properties
from tests.test_query_counts import counted_statements, statements_for
from tests.test_votes import bearer

API = "/api/v1"


def inbox(client, user) -> dict:
    """The user's notifications through the API."""
    response = client.get(f"{API}/notifications", headers=bearer(user))
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def kinds(client, user) -> list[tuple[str, str]]:
    """(kind, text) of the user's notifications, newest first."""
    return [(item["kind"], item["text"]) for item in inbox(client, user)["items"]]


def page_of(question) -> str:
    return f"/questions/{question.id}/{question.slug}"


@pytest.fixture
def people():
    """An asker, a follower (through the API) and a helper who answers."""
    ann, bob, carl = make_user("ann"), make_user("bob"), make_user("carl")
    question = make_question(ann)
    notifications.follow(bob, question.id)
    return ann, bob, carl, question


# Delivery, through the pages


def test_answer_posted_on_the_page_reaches_the_asker_and_followers(app, client, people):
    ann, bob, carl, question = people
    login(client, "carl")
    response = client.submit(f"/questions/{question.id}/answers", {"body": "Hold the dial for ten seconds."})
    assert response.status_code == 302

    answer_id = db.session.scalar(select(func.max(Notification.post_id)))
    assert kinds(client, ann) == [("answer", "carl answered your question")]
    assert kinds(client, bob) == [("answer", "carl answered a question you follow")]
    assert kinds(client, carl) == []  # never about one's own action
    item = inbox(client, ann)["items"][0]
    assert item["question"] == {"id": question.id, "title": question.title}
    assert item["post_id"] == answer_id and item["comment_id"] is None
    assert item["actor"]["username"] == "carl" and item["read"] is False
    assert item["url"].endswith(f"{page_of(question)}#a{answer_id}")


def test_comments_reach_the_thread_and_the_answers_author(app, client, people):
    ann, bob, carl, question = people
    answer = make_answer(carl, question)
    db.session.execute(update(Notification).values(read_at=func.now()))
    db.session.commit()

    # the asker comments on carl's answer: carl (its author) and bob (a follower) hear of it
    login(client, "ann")
    response = client.submit(f"/posts/{answer.id}/comments", {"body": "That worked, thank you!"})
    assert response.status_code == 302
    assert kinds(client, carl)[0] == ("comment", "ann commented on your answer")
    assert kinds(client, bob)[0] == ("comment", "ann commented on an answer to a question you follow")
    assert [kind for kind, _ in kinds(client, ann)] == ["answer"]  # not her own comment

    # carl replies under his own answer: ann hears of it, carl does not
    questions.comment(carl, answer.id, "Glad it helped.")
    assert kinds(client, ann)[0] == ("comment", "carl commented on an answer to your question")
    assert [kind for kind, _ in kinds(client, carl)] == ["comment"]
    comment_item = inbox(client, ann)["items"][0]
    assert comment_item["url"].endswith(f"#c{comment_item['comment_id']}")


def test_acceptance_reaches_the_answerer_and_followers(app, client, people):
    ann, bob, carl, question = people
    answer = make_answer(carl, question)
    login(client, "ann")
    assert client.submit(f"/questions/{question.id}/accept", {"answer_id": str(answer.id)}).status_code == 302

    assert kinds(client, carl)[0] == ("accepted", "ann accepted your answer")
    assert kinds(client, bob)[0] == ("accepted", "ann accepted an answer to a question you follow")
    assert "accepted" not in [kind for kind, _ in kinds(client, ann)]

    # unaccepting tells nobody; accepting through the API tells them again
    client.submit(f"/questions/{question.id}/accept", {"answer_id": ""})
    assert inbox(client, carl)["total"] == 1
    body = {"answer_id": answer.id}
    assert (
        client.post(f"{API}/questions/{question.id}/accept", json=body, headers=bearer(ann)).status_code
        == 200
    )
    assert [kind for kind, _ in kinds(client, carl)] == ["accepted", "accepted"]


def test_assignment_reaches_the_expert(app, client):
    asker = make_user("asker")
    erin = make_user("erin", role="expert")
    make_user("evan", role="expert")
    moderator = make_user("mod", role="moderator")
    question = make_question(asker, tags="billing")

    login(client, "mod")
    assert client.submit(f"/questions/{question.id}/assign", {"expert": "erin"}).status_code == 302
    assert kinds(client, erin) == [("assigned", "mod assigned you a question")]
    assert inbox(client, erin)["items"][0]["url"].endswith(f"#q{question.id}")
    assert kinds(client, asker) == []

    response = client.post(
        f"{API}/questions/{question.id}/assign", json={"expert": "evan"}, headers=bearer(moderator)
    )
    assert response.status_code == 200
    evan = db.session.scalar(select(User).where(User.username == "evan"))
    assert kinds(client, evan) == [("assigned", "mod assigned you a question")]
    assert kinds(client, moderator) == []


# Delivery, through the API


def test_api_answer_and_comment_deliver_notifications(app, client):
    ann, bob, carl = make_user("ann"), make_user("bob"), make_user("carl")
    question = make_question(ann)
    assert client.post(f"{API}/questions/{question.id}/follow", headers=bearer(bob)).status_code == 200

    response = client.post(
        f"{API}/questions/{question.id}/answers",
        json={"body": "Reset it from the app's device page."},
        headers=bearer(carl),
    )
    assert response.status_code == 201
    answer_id = response.get_json()["id"]
    response = client.post(
        f"{API}/posts/{answer_id}/comments", json={"body": "Which menu?"}, headers=bearer(ann)
    )
    assert response.status_code == 201

    ann_inbox = inbox(client, ann)
    assert [item["kind"] for item in ann_inbox["items"]] == ["answer"] and ann_inbox["unread"] == 1
    bob_inbox = inbox(client, bob)
    assert [item["kind"] for item in bob_inbox["items"]] == ["comment", "answer"]  # newest first
    assert bob_inbox["unread"] == 2 and bob_inbox["total"] == 2
    assert [item["kind"] for item in inbox(client, carl)["items"]] == ["comment"]


def test_nobody_is_told_about_their_own_action(app, client):
    ann = make_user("ann")
    question = make_question(ann)
    answer = make_answer(ann, question, "I found it myself: hold the dial down.")
    questions.comment(ann, answer.id, "Adding a note to my own answer.")
    from forum.votes import service as votes

    votes.accept(ann, question.id, answer.id)
    assert inbox(client, ann)["total"] == 0


# Following


def test_follow_and_unfollow_through_the_api_are_idempotent(app, client):
    ann, bob, carl = make_user("ann"), make_user("bob"), make_user("carl")
    question = make_question(ann)
    url = f"{API}/questions/{question.id}/follow"

    assert client.get(url).get_json() == {"following": False, "followers": 0}
    for _ in range(2):
        response = client.post(url, headers=bearer(bob))
        assert response.status_code == 200
        assert response.get_json() == {"following": True, "followers": 1}
    assert client.post(url, headers=bearer(carl)).get_json() == {"following": True, "followers": 2}
    assert client.get(url, headers=bearer(bob)).get_json() == {"following": True, "followers": 2}
    assert client.get(url, headers=bearer(ann)).get_json() == {"following": True, "followers": 2}  # the asker
    assert client.get(f"{API}/questions/{question.id}").get_json()["follower_count"] == 2

    for _ in range(2):
        response = client.delete(url, headers=bearer(bob))
        assert response.status_code == 200
        assert response.get_json() == {"following": False, "followers": 1}
    assert db.session.scalar(select(func.count()).select_from(Follow)) == 1
    assert db.session.get(Question, question.id).follower_count == 1

    # an unfollower hears nothing more
    make_answer(make_user("dave"), question)
    assert inbox(client, bob)["total"] == 0
    assert inbox(client, carl)["total"] == 1


def test_follow_refusals(app, client):
    ann, bob = make_user("ann"), make_user("bob")
    question = make_question(ann)
    url = f"{API}/questions/{question.id}/follow"

    assert client.post(url).status_code == 401
    assert client.delete(url).status_code == 401
    refused = client.post(url, headers=bearer(ann))
    assert refused.status_code == 422 and "asked this question" in refused.get_json()["error"]
    assert client.delete(url, headers=bearer(ann)).status_code == 422
    assert client.post(f"{API}/questions/999/follow", headers=bearer(bob)).status_code == 404
    assert client.get(f"{API}/questions/999/follow").status_code == 404
    assert client.post(f"{API}/questions/{2**40}/follow", headers=bearer(bob)).status_code == 404
    answer = make_answer(bob, question)
    assert client.post(f"{API}/questions/{answer.id}/follow", headers=bearer(ann)).status_code == 404
    bad_json = client.post(url, data="{", content_type="application/json", headers=bearer(bob))
    assert bad_json.status_code == 400

    questions.delete(ann, question.id)
    assert client.post(url, headers=bearer(bob)).status_code == 404  # hidden from others
    assert client.get(url).status_code == 404


def test_follow_button_on_the_question_page(app, client):
    ann = make_user("ann")
    make_user("bob")
    question = make_question(ann)

    # visitors are asked to sign in, and come back to the question
    page = client.get(page_of(question)).get_data(as_text=True)
    assert "0</strong> people have this question too" in page and "Sign in</a> to follow" in page
    response = client.submit(f"/questions/{question.id}/follow")
    assert response.status_code == 302 and "/login?next=" in response.headers["Location"]
    assert "Sign in to follow this question." in client.get(response.headers["Location"]).get_data(
        as_text=True
    )

    login(client, "bob")
    page = client.get(page_of(question)).get_data(as_text=True)
    assert "I have this question too</button>" in page
    response = client.submit(f"/questions/{question.id}/follow", follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "1</strong> person has this question too" in page
    assert "✓ Following</button>" in page and "You&#39;re following this question" in page
    client.submit(f"/questions/{question.id}/follow")  # again: still one
    assert db.session.get(Question, question.id).follower_count == 1

    page = client.submit(f"/questions/{question.id}/unfollow", follow_redirects=True).get_data(as_text=True)
    assert "0</strong> people have this question too" in page and "I have this question too</button>" in page
    assert client.submit(f"/questions/{question.id}/unfollow").status_code == 302  # again: no change
    assert db.session.get(Question, question.id).follower_count == 0
    assert client.submit("/questions/999/follow").status_code == 404

    asker = app.test_client()
    login(asker, "ann")
    page = asker.get(page_of(question)).get_data(as_text=True)
    assert "You asked this" in page and "I have this question too</button>" not in page
    assert asker.submit(f"/questions/{question.id}/follow").status_code == 422


def test_follow_form_needs_a_csrf_token(app, client):
    question = make_question(make_user("ann"))
    make_user("bob")
    login(client, "bob")
    assert client.post(f"/questions/{question.id}/follow").status_code == 400
    assert db.session.get(Question, question.id).follower_count == 0


# The inbox page and the header


def test_unread_count_in_the_header(app, client, people):
    ann, bob, carl, question = people
    assert "Inbox" not in client.get("/").get_data(as_text=True).split("<main")[0]

    login(client, "ann")
    header = client.get("/").get_data(as_text=True).split("<main")[0]
    assert 'href="/notifications"' in header and "unread-count" not in header
    make_answer(carl, question)
    make_answer(bob, question, "Another way: unplug it for a minute.")
    header = client.get("/").get_data(as_text=True).split("<main")[0]
    assert '<span class="unread-count" title="unread notifications">2</span>' in header


def test_inbox_lists_newest_first_and_opening_marks_read(app, client, people):
    ann, bob, carl, question = people
    first = make_answer(carl, question, "First answer: hold the dial.")
    second = make_answer(bob, question, "Second answer: unplug it.")
    login(client, "ann")

    page = client.get("/notifications").get_data(as_text=True)
    assert page.index("bob answered your question") < page.index("carl answered your question")
    assert "Second answer: unplug it." in page and question.title in page
    assert '<strong class="inbox-unread">2</strong> unread' in page

    newest = inbox(client, ann)["items"][0]
    response = client.get(f"/notifications/{newest['id']}")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"{page_of(question)}#a{second.id}")
    items = inbox(client, ann)["items"]
    assert [item["read"] for item in items] == [True, False] and items[0]["read_at"]
    assert inbox(client, ann)["unread"] == 1

    # someone else's notification, or none at all, is not found
    bob_item = make_answer(carl, make_question(bob, title="Bob asks about his thermostat")).id
    bob_notification = db.session.scalar(select(Notification.id).where(Notification.post_id == bob_item))
    assert client.get(f"/notifications/{bob_notification}").status_code == 404
    assert client.get("/notifications/999").status_code == 404
    assert client.get(f"/notifications/{2**40}").status_code == 404
    assert client.get("/notifications?page=0").status_code == 400

    # a notification about a post deleted since then leads back to the inbox
    questions.delete(carl, first.id)
    older = inbox(client, ann)["items"][1]
    assert older["post_id"] == first.id
    response = client.get(f"/notifications/{older['id']}", follow_redirects=True)
    assert "That post has since been deleted." in response.get_data(as_text=True)
    assert "First answer: hold the dial." not in response.get_data(as_text=True)


def test_inbox_needs_sign_in(app, client):
    assert client.get("/notifications").status_code == 302
    assert client.get(f"{API}/notifications").status_code == 401
    assert client.post(f"{API}/notifications/read").status_code == 401


def test_mark_all_read_on_the_page(app, client, people):
    ann, bob, carl, question = people
    make_answer(carl, question)
    make_answer(bob, question, "Another way: unplug it for a minute.")
    login(client, "ann")
    assert "Mark all read" in client.get("/notifications").get_data(as_text=True)
    page = client.submit("/notifications/read", follow_redirects=True).get_data(as_text=True)
    assert "All notifications are marked read." in page and "Mark all read" not in page
    assert "unread-count" not in page.split("<main")[0]
    assert inbox(client, ann)["unread"] == 0


def test_mark_read_through_the_api(app, client, people):
    ann, bob, carl, question = people
    for index in range(3):
        make_answer(carl, question, f"Answer number {index} with enough text.")
    ids = [item["id"] for item in inbox(client, ann)["items"]]
    url = f"{API}/notifications/read"

    response = client.post(url, json={"ids": ids[:2]}, headers=bearer(ann))
    assert response.status_code == 200 and response.get_json() == {"marked": 2, "unread": 1}
    assert client.post(url, json={"ids": ids[:2]}, headers=bearer(ann)).get_json() == {
        "marked": 0,
        "unread": 1,
    }
    assert [item["read"] for item in inbox(client, ann)["items"]] == [True, True, False]

    for bad in ("x", [True], [1.5], ["1"], list(range(101)), {"id": 1}):
        assert client.post(url, json={"ids": bad}, headers=bearer(ann)).status_code == 422, bad
    bob_ids = [item["id"] for item in inbox(client, bob)["items"]]
    for foreign in (bob_ids[:1], [999], [2**40], [0, -3]):
        refused = client.post(url, json={"ids": [ids[2], *foreign]}, headers=bearer(ann))
        assert refused.status_code == 404, foreign
        assert "Not in your inbox" in refused.get_json()["error"]
    assert inbox(client, ann)["unread"] == 1  # a refused request marks nothing
    assert (
        client.post(url, data="[1]", content_type="application/json", headers=bearer(ann)).status_code == 400
    )
    assert client.post(url, data="ids=1", headers=bearer(ann)).status_code == 415

    # no body, or no ids: all of them
    assert client.post(url, headers=bearer(ann)).get_json() == {"marked": 1, "unread": 0}
    assert inbox(client, bob)["unread"] == 3  # only the caller's
    assert client.post(url, json={}, headers=bearer(bob)).get_json() == {"marked": 3, "unread": 0}


def test_inbox_pages_and_statements_do_not_grow(app, client):
    ann = make_user("ann")
    helpers = [make_user(f"helper{index}") for index in range(3)]
    question = make_question(ann)
    make_answer(helpers[0], question)
    login(client, "ann")
    one = statements_for(client, "/notifications")
    for index in range(12):
        make_answer(helpers[index % 3], question, f"Answer number {index} with enough text.")
    assert statements_for(client, "/notifications") == one

    body = client.get(f"{API}/notifications?per_page=5&page=2", headers=bearer(ann)).get_json()
    assert (body["page"], body["per_page"], body["total"], body["pages"], body["unread"]) == (2, 5, 13, 3, 13)
    assert len(body["items"]) == 5
    assert client.get(f"{API}/notifications?per_page=0", headers=bearer(ann)).status_code == 400


def test_pages_ask_about_notifications_once(app, client):
    ann, bob = make_user("ann"), make_user("bob")
    question = make_question(ann)

    def notification_statements(url: str) -> list[str]:
        with counted_statements() as statements:
            assert client.get(url).status_code == 200
        # the page's key statement (caching.py) asks whether the viewer follows, among much else
        asked = [sql for sql in statements if "cache_generations" not in sql]
        return [sql for sql in asked if "notifications" in sql or "follows" in sql]

    assert notification_statements(page_of(question)) == []  # visitors: none
    login(client, "bob")
    for following in (False, True):
        # the header's unread count and the follow state, in one statement
        [statement] = notification_statements(page_of(question))
        assert "follows" in statement and "notifications" in statement
        assert ("✓ Following" in client.get(page_of(question)).get_data(as_text=True)) is following
        notifications.follow(bob, question.id)
    assert len(notification_statements("/")) == 1


# Email


class SmtpRecorder:
    """A local SMTP server that keeps what it receives; `delay` makes it slow to accept a message."""

    def __init__(self, delay: float = 0.0) -> None:
        self.delay = delay
        self.messages: list = []
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        if self.delay:
            await asyncio.sleep(self.delay)
        self.messages.append(message_from_bytes(envelope.content, policy=default_policy))
        return "250 Message accepted"

    def by_recipient(self) -> dict[str, object]:
        return {message["To"].addresses[0].username: message for message in self.messages}


def subject(message) -> str:
    """The Subject as a mail client shows it (a long one arrives folded onto a second line)."""
    return " ".join(str(message["Subject"]).split())


@pytest.fixture
def mail_settings(app):
    """Restore the MAIL_* settings a test changes, and let queued mail finish first."""
    saved = {key: app.config.get(key) for key in ("MAIL_SERVER", "MAIL_PORT", "MAIL_FROM")}
    yield app.config
    assert mailer(app).flush(30)
    app.config.update(saved)


@pytest.fixture
def smtp(mail_settings):
    """A slow local SMTP server, configured as the app's mail server."""
    server = SmtpRecorder(delay=2.0)
    server.controller.start()
    mail_settings.update(
        MAIL_SERVER="127.0.0.1", MAIL_PORT=server.port, MAIL_FROM="Halcyon Community <help@halcyon.example>"
    )
    yield server
    assert mailer().flush(30)
    server.controller.stop()


def test_email_copies_are_sent_without_blocking_the_request(app, client, smtp):
    ann, bob = make_user("ann"), make_user("bob")
    make_user("carl")
    question = make_question(ann)
    notifications.follow(bob, question.id)
    login(client, "carl")

    started = time.monotonic()
    response = client.submit(f"/questions/{question.id}/answers", {"body": "Hold the dial for ten seconds."})
    elapsed = time.monotonic() - started
    assert response.status_code == 302
    # the server takes 2 s to accept each message; the request did not wait for it
    assert elapsed < 1.5, elapsed
    assert smtp.messages == []

    assert mailer().flush(30)
    received = smtp.by_recipient()
    assert set(received) == {"ann", "bob"}  # never the answerer
    to_ann = received["ann"]
    assert subject(to_ann) == f"carl answered your question: {question.title}"
    assert to_ann["From"] == "Halcyon Community <help@halcyon.example>"
    assert to_ann["To"] == "ann <ann@example.com>"
    assert to_ann["Auto-Submitted"] == "auto-generated"
    text = to_ann.get_content()
    assert "Hold the dial for ten seconds." in text
    answer_id = db.session.scalar(select(func.max(Notification.post_id)))
    assert f"http://localhost{page_of(question)}#a{answer_id}" in text
    assert "http://localhost/notifications" in text
    assert subject(received["bob"]) == f"carl answered a question you follow: {question.title}"


def test_email_respects_the_preference_and_undeliverable_addresses(app, client, smtp):
    ann, bob, dave, imported = make_user("ann"), make_user("bob"), make_user("dave"), make_user("imported")
    db.session.execute(update(User).where(User.id == imported.id).values(email="se-beer-7@import.invalid"))
    db.session.commit()
    question = make_question(ann)
    for user in (bob, dave, imported):
        notifications.follow(user, question.id)

    settings = f"{API}/notifications/settings"
    assert client.get(settings, headers=bearer(dave)).get_json() == {"email": True}
    response = client.put(settings, json={"email": False}, headers=bearer(dave))
    assert response.status_code == 200 and response.get_json() == {"email": False}
    assert client.get(settings, headers=bearer(dave)).get_json() == {"email": False}
    for bad in ({"email": "no"}, {"email": 0}, {}):
        assert client.put(settings, json=bad, headers=bearer(dave)).status_code == 422, bad

    make_answer(make_user("carl"), question)
    assert mailer().flush(30)
    assert set(smtp.by_recipient()) == {"ann", "bob"}
    assert inbox(client, dave)["total"] == 1 and inbox(client, imported)["total"] == 1  # the inbox has it

    # the same switch on the inbox page
    login(client, "bob")
    page = client.get("/notifications").get_data(as_text=True)
    assert "bob@example.com" in page and "Stop emailing me" in page
    page = client.submit("/notifications/settings", {"email": "off"}, follow_redirects=True).get_data(
        as_text=True
    )
    assert "Notifications stay in your inbox only." in page and "Email me a copy" in page
    assert client.submit("/notifications/settings", {"email": "maybe"}).status_code == 422
    assert client.get(settings, headers=bearer(bob)).get_json() == {"email": False}
    client.submit("/notifications/settings", {"email": "on"})
    assert client.get(settings, headers=bearer(bob)).get_json() == {"email": True}

    other = app.test_client()
    login(other, "imported")
    assert "no address that can receive mail" in other.get("/notifications").get_data(as_text=True)


def test_no_email_when_no_mail_server_is_set(app, client, mail_settings, monkeypatch):
    server = SmtpRecorder()
    server.controller.start()
    try:
        mail_settings.update(MAIL_SERVER=None, MAIL_PORT=server.port)

        def refuse(*args, **kwargs):
            raise AssertionError("nothing may be sent without MAIL_SERVER")

        monkeypatch.setattr(Mailer, "submit", refuse)
        ann = make_user("ann")
        question = make_question(ann)
        login(client, "ann")
        make_answer(make_user("carl"), question)
        assert inbox(client, ann)["total"] == 1
        assert server.messages == []
    finally:
        server.controller.stop()


def test_a_failing_mail_server_is_logged_and_the_request_succeeds(app, client, mail_settings, caplog):
    with socket.socket() as probe:  # a port where nothing listens
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    mail_settings.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=closed_port)
    ann = make_user("ann")
    make_user("carl")
    question = make_question(ann)
    login(client, "carl")
    with caplog.at_level(logging.WARNING, logger="forum.notifications.mail"):
        response = client.submit(
            f"/questions/{question.id}/answers", {"body": "Hold the dial for ten seconds."}
        )
        assert response.status_code == 302
        assert mailer().flush(30)
    assert "Notification email not sent" in caplog.text
    assert inbox(client, ann)["total"] == 1


def test_a_rolled_back_notification_is_neither_kept_nor_emailed(app, client, smtp):
    ann, carl = make_user("ann"), make_user("carl")
    question = make_question(ann)
    answer = make_answer(carl, question)
    assert mailer().flush(30)
    smtp.messages.clear()

    notifications.notify("answer", [ann.id], question=question, post=answer, actor=carl)
    db.session.rollback()
    make_question(carl, title="Another question about my thermostat")  # the next commit
    assert mailer().flush(30)
    assert smtp.messages == []
    assert inbox(client, ann)["total"] == 1


# The OpenAPI document


def test_schemas_match_what_the_api_sends(app, client, people):
    ann, bob, carl, question = people
    spec = client.get(f"{API}/openapi.json").get_json()
    answer = make_answer(carl, question)
    questions.comment(ann, answer.id, "That worked, thank you!")

    body = inbox(client, bob)
    assert set(body) == properties(spec, "NotificationPage")
    assert set(body["items"][0]) == properties(spec, "Notification")
    assert {item["kind"] for item in body["items"]} <= set(
        spec["components"]["schemas"]["Notification"]["properties"]["kind"]["enum"]
    )
    follow = client.post(f"{API}/questions/{question.id}/follow", headers=bearer(carl)).get_json()
    assert set(follow) == properties(spec, "FollowState")
    marked = client.post(f"{API}/notifications/read", headers=bearer(bob)).get_json()
    assert set(marked) == properties(spec, "MarkedRead")
    settings = client.get(f"{API}/notifications/settings", headers=bearer(bob)).get_json()
    assert set(settings) == properties(spec, "NotificationSettings")
    assert "follower_count" in properties(spec, "Question")
