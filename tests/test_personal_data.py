"""The personal data guard: the detector, the author's warning, held posts and comments, and the
moderators' release and redaction (with the audit entries they write)."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from forum import config
from forum.auth.service import issue_token
from forum.clock import utcnow
from forum.extensions import db
from forum.models import Comment, Post, Revision
from forum.models.moderation import AuditEntry
from forum.models.notifications import Notification
from forum.personal_data import find, luhn_valid, redact
from forum.questions import service as questions
from tests.conftest import grant, login, make_answer, make_question, make_user
from tests.test_query_counts import statements_for

API = "/api/v1"
EMAIL = "dana.kowalski@gmail.com"
PHONE = "(415) 555-0132"
CARD = "4111 1111 1111 1111"
ORDER = "HAL-20240517"
TITLE = "Why was I charged twice this month?"


def bearer(user) -> dict[str, str]:
    return {"Authorization": f"Bearer {issue_token(user)}"}


def found(text: str) -> list[tuple[str, str]]:
    return [(match.kind, text[match.start : match.end]) for match in find(text)]


# The detector


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f"Mail me at {EMAIL} please.", [("email", EMAIL)]),
        ("Reach me: <jo.smith+forum@mail.co.uk>", [("email", "jo.smith+forum@mail.co.uk")]),
        (f"Call {PHONE} after six.", [("phone", PHONE)]),
        ("My cell is 415-867-5309.", [("phone", "415-867-5309")]),
        ("From abroad: +44 20 7946 0958.", [("phone", "+44 20 7946 0958")]),
        ("UK landline 020 7946 0958 works.", [("phone", "020 7946 0958")]),
        (f"Card {CARD} exp 12/27 cvv 123.", [("card", CARD)]),
        ("Card 5555-5555-5555-4444 was charged.", [("card", "5555-5555-5555-4444")]),
        ("Amex 378282246310005 twice.", [("card", "378282246310005")]),
        (f"Order {ORDER} never arrived.", [("order", ORDER)]),
        (
            f"Order {ORDER}, card {CARD}, {EMAIL}.",
            [("order", ORDER), ("card", CARD), ("email", EMAIL)],
        ),
        # emails and cards are found in code too: pasted logs are where they leak
        (f"```\nPOST /login user={EMAIL}\n```", [("email", EMAIL)]),
    ],
)
def test_the_detector_finds_personal_data(app, text, expected):
    assert found(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Firmware 2.14.3 on the T5-2200 since 2024-05-01; version 10.0.19045.3803, build 22621.",
        "It cost $1,299.99 in 2023 and $89.00 in 2024 (05/17/2024, 17.05.2024).",
        "The router is at 192.168.1.100:8080, timestamp 1700000000.",
        "A card-like number that fails Luhn: 4111 1111 1111 1112.",
        "All zeros: 0000 0000 0000 0000, serial 1234567890123.",
        "Documentation addresses: help@halcyon.example, someone@example.com, a@b.test.",
        "Retina icons: icon@2x.png and logo@3x.jpg.",
        "Order numbers need eight digits: HAL-1234567.",
        "The T5 uses 24V, 1.5A, 100-240V; ticket #123456.",
        "Error E-310 1500 times; error E-310 2.14.3 again, port 8080.",
        "```\nid=4155550132 at 2125551234\n```",
        "Inline `curl -H 'X-Id: 2125551234'` shows it.",
        "",
    ],
)
def test_the_detector_leaves_ordinary_numbers_alone(app, text):
    assert found(text) == []


def test_offsets_point_into_the_text_and_redaction_names_the_kind(app):
    text = f"Hi, {EMAIL} or {PHONE}, order {ORDER}."
    matches = find(text)
    assert [(m.kind, text[m.start : m.end]) for m in matches] == [
        ("email", EMAIL),
        ("phone", PHONE),
        ("order", ORDER),
    ]
    assert redact(text, matches) == "Hi, [email removed] or [phone removed], order [order removed]."


def test_luhn():
    assert luhn_valid("4111111111111111") and luhn_valid("378282246310005")
    assert not luhn_valid("4111111111111112")


def test_patterns_come_from_config(app, monkeypatch):
    monkeypatch.setitem(app.config, "PERSONAL_DATA_PATTERNS", {"account": r"\bACC-\d{6}\b"})
    assert found("Account ACC-123456, order HAL-20240517.") == [("account", "ACC-123456")]
    monkeypatch.setitem(app.config, "PERSONAL_DATA_PHONE_REGIONS", [])
    assert found("UK landline 020 7946 0958, +44 20 7946 0958") == [("phone", "+44 20 7946 0958")]


def test_bad_patterns_are_refused_at_start(monkeypatch):
    monkeypatch.setenv("PERSONAL_DATA_PATTERNS", '{"order": "HAL-(\\\\d"}')
    with pytest.raises(ValueError, match="PERSONAL_DATA_PATTERNS"):
        config.from_env()
    monkeypatch.setenv("PERSONAL_DATA_PATTERNS", '["HAL-\\\\d{8}"]')
    with pytest.raises(ValueError, match="JSON object"):
        config.from_env()
    monkeypatch.setenv("PERSONAL_DATA_PATTERNS", '{"account": "ACC-\\\\d{6}"}')
    assert config.from_env()["PERSONAL_DATA_PATTERNS"] == {"account": "ACC-\\d{6}"}


# Pages: warn, offer the redacted version, or post anyway and be held


def _public_everywhere(app, question_id: int, words: str) -> bool:
    """Whether an anonymous visitor meets the question on its page, in the list, in search, in the API."""
    visitor = app.test_client()
    page = visitor.get(f"/questions/{question_id}", follow_redirects=True).status_code == 200
    listed = words in visitor.get("/questions").get_data(as_text=True)
    hits = visitor.get(f"{API}/search", query_string={"q": words}).get_json()["items"]
    searched = question_id in [hit["question_id"] for hit in hits]
    api = visitor.get(f"{API}/questions/{question_id}").status_code == 200
    assert page == listed == searched == api, (page, listed, searched, api)
    return page


def test_asking_with_personal_data_warns_and_offers_the_redacted_version(app, client):
    make_user("dana")
    login(client, "dana")
    body = f"I was billed twice; write to me at {EMAIL} about it."
    form = {"title": TITLE, "body": body, "tags": "billing", "checked_similar": "1"}
    warned = client.submit("/questions/ask", form)
    page = warned.get_data(as_text=True)
    assert warned.status_code == 422
    assert "This looks like personal data" in page and "an email address in the body" in page
    assert "write to me at [email removed] about it." in page  # the form now holds the redacted text
    assert page.count(EMAIL) == 1  # only in the hidden "post anyway" form
    assert "Post my original text anyway" in page
    assert db.session.scalar(select(Post.id)) is None

    posted = client.submit(
        "/questions/ask", {**form, "body": "I was billed twice; write to me at [email removed]."}
    )
    assert posted.status_code == 302
    question = db.session.scalars(select(Post)).one()
    assert not question.is_deleted and "[email removed]" in question.body


def test_posting_anyway_holds_the_question_from_everyone_but_its_author(app, client):
    make_user("dana")
    login(client, "dana")
    body = f"My thermostat account is registered under {EMAIL} and keeps logging out."
    response = client.submit(
        "/questions/ask",
        {
            "title": "Thermostat logs me out every hour",
            "body": body,
            "tags": "account",
            "checked_similar": "1",
            "confirm_personal_data": "y",
        },
        follow_redirects=True,
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "saved but held" in page and "This post is held" in page
    question = db.session.scalars(select(Post)).one()
    assert question.is_held_for_personal_data and question.hold_reason == "personal_data"
    assert question.deleted_by_id is None
    assert not _public_everywhere(app, question.id, "logs me out")
    # a third party, signed in, does not see it either
    make_user("eve")
    other = app.test_client()
    login(other, "eve")
    assert other.get(f"/questions/{question.id}").status_code == 404
    assert (
        other.get(f"{API}/questions/{question.id}", headers=bearer(make_user("mallory"))).status_code == 404
    )
    assert "logs me out" not in other.get(f"/users/{question.author_id}", follow_redirects=True).get_data(
        as_text=True
    )
    # nor can its author release it by undeleting
    assert client.submit(f"/posts/{question.id}/undelete").status_code == 403


def test_answers_and_comments_held_are_shown_only_to_their_author_and_announced_on_release(app, client):
    asker = make_user("asker")
    question = make_question(asker, title="The thermostat will not pair with wifi")
    helper = make_user("helper")
    grant(helper, 100)
    login(client, "helper")
    body = f"Call our team on {PHONE} and they will pair it remotely."
    warned = client.submit(f"/questions/{question.id}/answers", {"body": body})
    assert warned.status_code == 422
    assert "a phone number in the body" in warned.get_data(as_text=True)
    assert "Call our team on [phone removed]" in warned.get_data(as_text=True)
    held = client.submit(
        f"/questions/{question.id}/answers",
        {"body": body, "confirm_personal_data": "y"},
        follow_redirects=True,
    )
    assert "saved but held" in held.get_data(as_text=True)
    answer = db.session.scalars(select(Post).where(Post.type == "answer")).one()
    assert answer.is_held_for_personal_data

    warned = client.submit(f"/posts/{question.id}/comments", {"body": f"Or mail {EMAIL}"})
    assert warned.status_code == 422 and "Check your comment" in warned.get_data(as_text=True)
    assert "Or mail [email removed]" in warned.get_data(as_text=True)
    client.submit(
        f"/posts/{question.id}/comments", {"body": f"Or mail {EMAIL}", "confirm_personal_data": "y"}
    )
    comment = db.session.scalars(select(Comment)).one()
    assert comment.is_hidden and comment.hold_reason == "personal_data"

    own = client.get(f"/questions/{question.id}", follow_redirects=True).get_data(as_text=True)
    assert "pair it remotely" in own and "Held: personal data" in own and "Or mail" in own
    for viewer in (app.test_client(), _signed_in(app, "asker")):
        page = viewer.get(f"/questions/{question.id}", follow_redirects=True).get_data(as_text=True)
        assert "pair it remotely" not in page and "Or mail" not in page
    thread = app.test_client().get(f"{API}/questions/{question.id}").get_json()
    assert thread["answers"] == [] and thread["comments"] == [] and thread["answer_count"] == 0
    assert db.session.scalar(select(Notification.id)) is None  # nobody heard of either yet
    hits = app.test_client().get(f"{API}/search", query_string={"q": "remotely"}).get_json()["items"]
    assert hits == []

    moderator = make_user("mod", role="moderator")
    mod = _signed_in(app, "mod")
    assert mod.submit(f"/moderation/held/post/{answer.id}", {"action": "release"}).status_code == 302
    api = app.test_client()
    assert api.post(f"{API}/comments/{comment.id}/release", headers=bearer(moderator)).status_code == 200
    page = app.test_client().get(f"/questions/{question.id}", follow_redirects=True).get_data(as_text=True)
    assert "pair it remotely" in page and "Or mail" in page
    kinds = set(db.session.scalars(select(Notification.kind).where(Notification.recipient_id == asker.id)))
    assert kinds == {"answer", "comment"}
    hits = app.test_client().get(f"{API}/search", query_string={"q": "remotely"}).get_json()["items"]
    assert [hit["question_id"] for hit in hits] == [question.id]

    # a comment that slipped through is redacted in place
    late = questions.comment(
        helper, question.id, f"Or text 415-867-5309 tonight {EMAIL}", confirm_personal_data=True
    )
    redacted = api.post(f"{API}/comments/{late.id}/redact", headers=bearer(moderator))
    assert redacted.status_code == 200
    assert redacted.get_json()["body"] == "Or text [phone removed] tonight [email removed]"
    page = app.test_client().get(f"/questions/{question.id}", follow_redirects=True).get_data(as_text=True)
    assert "Or text [phone removed]" in page
    (entry,) = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "comment.redact")).all()
    assert (entry.target_type, entry.target_id) == ("comment", late.id)
    assert json.loads(entry.after) == {"matches": {"email": 1, "phone": 1}, "revisions": [], "released": True}


def _signed_in(app, username: str):
    client = app.test_client()
    login(client, username)
    return client


def test_editing_in_personal_data_warns_then_holds_the_post(app, client):
    author = make_user("dana")
    question = make_question(author, title="Refund for a double charge in May")
    login(client, "dana")
    form = {"title": question.title, "body": f"Still not refunded for order {ORDER}.", "tags": "account"}
    warned = client.submit(f"/posts/{question.id}/edit", form)
    assert warned.status_code == 422 and "an order number in the body" in warned.get_data(as_text=True)
    assert "Still not refunded for order [order removed]." in warned.get_data(as_text=True)
    assert _public_everywhere(app, question.id, "Refund for a double charge")
    held = client.submit(
        f"/posts/{question.id}/edit", {**form, "confirm_personal_data": "y"}, follow_redirects=True
    )
    assert "saved but held" in held.get_data(as_text=True) and "This post is held" in held.get_data(
        as_text=True
    )
    assert db.session.get(Post, question.id).is_held_for_personal_data
    assert not _public_everywhere(app, question.id, "Refund for a double charge")


def test_suggested_edits_may_not_add_personal_data(app, client):
    author = make_user("dana")
    question = make_question(author)
    sam = make_user("sam")
    login(client, "sam")
    form = {"title": question.title, "body": f"Mail {EMAIL} for the reset link, it works.", "tags": "account"}
    page = client.submit(f"/posts/{question.id}/edit", form)
    assert page.status_code == 422
    text = page.get_data(as_text=True)
    assert "Suggested edits cannot add personal data" in text and "Post my original text anyway" not in text
    response = client.patch(
        f"{API}/posts/{question.id}",
        json={"body": form["body"], "confirm_personal_data": True},
        headers=bearer(sam),
    )
    assert response.status_code == 422 and response.get_json()["personal_data"][0]["kind"] == "email"


# The API: 422 with what was found, then 202 held


def test_the_api_answers_422_with_offsets_then_202_held(app, client):
    dana = make_user("dana")
    body = f"Charged twice on card {CARD}; my number is {PHONE}."
    payload = {"title": f"Charged twice, order {ORDER}", "body": body, "tags": ["billing"]}
    refused = client.post(f"{API}/questions", json=payload, headers=bearer(dana))
    assert refused.status_code == 422
    error = refused.get_json()
    assert set(error) == {"error", "fields", "personal_data"} and "personal data" in error["error"]
    spans = [(item["field"], item["kind"]) for item in error["personal_data"]]
    assert spans == [("title", "order"), ("body", "card"), ("body", "phone")]
    for item in error["personal_data"]:
        assert payload[item["field"]][item["start"] : item["end"]] in (ORDER, CARD, PHONE)

    held = client.post(
        f"{API}/questions", json={**payload, "confirm_personal_data": True}, headers=bearer(dana)
    )
    assert held.status_code == 202
    question = held.get_json()
    assert question["held"] is True and question["deleted"] is True
    assert client.get(f"{API}/questions/{question['id']}").status_code == 404
    assert client.get(f"{API}/questions/{question['id']}", headers=bearer(dana)).status_code == 200
    assert client.get(f"{API}/questions").get_json()["total"] == 0

    open_question = make_question(make_user("ann"))
    grant(dana, 100)
    answer = client.post(
        f"{API}/questions/{open_question.id}/answers",
        json={"body": f"Write to {EMAIL} for help."},
        headers=bearer(dana),
    )
    assert answer.status_code == 422 and answer.get_json()["personal_data"] == [
        {"field": "body", "kind": "email", "start": 9, "end": 9 + len(EMAIL)}
    ]
    answer = client.post(
        f"{API}/questions/{open_question.id}/answers",
        json={"body": f"Write to {EMAIL} for help.", "confirm_personal_data": True},
        headers=bearer(dana),
    )
    assert answer.status_code == 202 and answer.get_json()["held"] is True
    comment = client.post(
        f"{API}/posts/{open_question.id}/comments",
        json={"body": f"Ring {PHONE}", "confirm_personal_data": True},
        headers=bearer(dana),
    )
    assert comment.status_code == 202 and comment.get_json()["held"] is True
    visible = client.get(f"{API}/questions/{open_question.id}").get_json()
    assert visible["answers"] == [] and visible["comments"] == []

    mine = make_answer(dana, open_question, "Reset it from the app's settings page.")
    edited = client.patch(
        f"{API}/posts/{mine.id}", json={"body": f"Ask {EMAIL} to reset it."}, headers=bearer(dana)
    )
    assert edited.status_code == 422
    edited = client.patch(
        f"{API}/posts/{mine.id}",
        json={"body": f"Ask {EMAIL} to reset it.", "confirm_personal_data": True},
        headers=bearer(dana),
    )
    assert edited.status_code == 202 and edited.get_json()["held"] is True


# Moderators: the queue, release, redaction through every revision, the audit log


def test_redaction_removes_the_data_from_every_revision_and_the_audit_log_never_holds_it(app, client):
    dana = make_user("dana")
    moderator = make_user("mod", role="moderator")
    question = questions.ask(
        dana,
        TITLE,
        f"Please refund me, my email is {EMAIL} and I am waiting.",
        "billing",
        confirm_personal_data=True,
    )
    questions.edit(
        dana,
        question.id,
        f"Please refund me, my email is {EMAIL} and my phone is {PHONE}.",
        summary="more contact details",
        confirm_personal_data=True,
    )
    questions.edit(
        dana, question.id, "Please refund me; you can reach me through my account.", summary="tidy"
    )
    revisions = db.session.scalars(select(Revision).where(Revision.post_id == question.id)).all()
    assert [EMAIL in revision.body for revision in revisions] == [True, True, False]

    mod = _signed_in(app, "mod")
    assert '<strong class="count-held">1</strong>' in mod.get("/moderation").get_data(as_text=True)
    queue = mod.get("/moderation/personal-data").get_data(as_text=True)
    assert 'id="held-post-' + str(question.id) + '"' in queue and "Personal data" in queue
    response = mod.submit(f"/moderation/held/post/{question.id}", {"action": "redact", "reason": "cleaned"})
    assert response.status_code == 302
    db.session.expire_all()
    post = db.session.get(Post, question.id)
    assert not post.is_deleted and post.hold_reason is None
    for revision in db.session.scalars(select(Revision).where(Revision.post_id == question.id)):
        assert EMAIL not in revision.body and PHONE not in revision.body
    history = app.test_client().get(f"/posts/{question.id}/revisions").get_data(as_text=True)
    assert EMAIL not in history and "[email removed]" in history
    assert _public_everywhere(app, question.id, "charged twice")

    entries = db.session.scalars(select(AuditEntry).where(AuditEntry.target_id == question.id)).all()
    (entry,) = [each for each in entries if each.action == "post.redact"]
    assert entry.actor_id == moderator.id and entry.reason == "cleaned"
    assert json.loads(entry.after) == {
        "matches": {"email": 2, "phone": 1},
        "revisions": [1, 2],
        "released": True,
    }
    log = mod.get("/moderation/log").get_data(as_text=True)
    assert "Redacted personal data from a post" in log
    for row in db.session.scalars(select(AuditEntry)):
        assert all(
            value not in f"{row.reason}{row.before}{row.after}" for value in (EMAIL, PHONE, "dana.kowalski")
        )


def test_the_queue_highlights_matches_and_release_publishes_as_it_is(app, client):
    dana = make_user("dana")
    moderator = make_user("mod", role="moderator")
    question = questions.ask(
        dana,
        "My order never came, help please",
        f"Order {ORDER} is late.",
        "billing",
        confirm_personal_data=True,
    )
    page = _signed_in(app, "mod").get("/moderation/personal-data").get_data(as_text=True)
    assert f'<mark title="order">{ORDER}</mark>' in page
    queue = client.get(f"{API}/moderation/personal-data", headers=bearer(moderator)).get_json()
    (item,) = queue["items"]
    assert (item["target_type"], item["id"]) == ("post", question.id)
    body = next(part for part in item["fields"] if part["field"] == "body")
    assert body["personal_data"] == [{"kind": "order", "start": 6, "end": 6 + len(ORDER)}]

    released = client.post(
        f"{API}/posts/{question.id}/release",
        json={"reason": "It is a test order."},
        headers=bearer(moderator),
    )
    assert released.status_code == 200 and released.get_json()["held"] is False
    assert _public_everywhere(app, question.id, "never came")
    (entry,) = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "post.release")).all()
    assert json.loads(entry.after) == {"matches": {"order": 1}}
    assert client.post(f"{API}/posts/{question.id}/release", headers=bearer(moderator)).status_code == 422
    assert client.get(f"{API}/moderation/personal-data", headers=bearer(moderator)).get_json() == {
        "items": [],
        "page": 1,
        "per_page": 20,
        "total": 0,
        "pages": 0,
    }


def _held_for(item, hours: float) -> None:
    """Pretend the post or comment was held `hours` ago."""
    model = Comment if isinstance(item, Comment) else Post
    db.session.execute(
        update(model).where(model.id == item.id).values(hidden_at=utcnow() - timedelta(hours=hours))
    )
    db.session.commit()


def test_the_held_queue_comes_a_page_at_a_time_oldest_first(app, client):
    dana = make_user("dana")
    grant(dana, 50)
    moderator = make_user("mod", role="moderator")
    question = make_question(make_user("asker"), title="Refund for a double charge in May")
    answer = make_answer(make_user("helper"), question)
    mod = _signed_in(app, "mod")
    one = statements_for(mod, "/moderation/personal-data?per_page=2")
    held = [
        questions.comment(dana, question.id, f"Mail me at {EMAIL}, please.", confirm_personal_data=True),
        questions.ask(dana, TITLE, f"Order {ORDER} is late.", "billing", confirm_personal_data=True),
        questions.comment(dana, answer.id, f"Or call {PHONE} today.", confirm_personal_data=True),
        questions.answer(dana, question.id, f"Write to {EMAIL} about it.", confirm_personal_data=True),
        questions.comment(dana, answer.id, f"My card is {CARD} by the way.", confirm_personal_data=True),
    ]
    for hours, item in zip((5, 4, 3, 2, 1), held, strict=True):
        _held_for(item, hours)
    expected = [("comment" if isinstance(item, Comment) else "post", item.id) for item in held]

    pages = [
        client.get(
            f"{API}/moderation/personal-data?per_page=2&page={number}", headers=bearer(moderator)
        ).get_json()
        for number in (1, 2, 3)
    ]
    assert [(item["target_type"], item["id"]) for body in pages for item in body["items"]] == expected
    assert [(body["page"], body["total"], body["pages"]) for body in pages] == [
        (1, 5, 3),
        (2, 5, 3),
        (3, 5, 3),
    ]

    # the page: page 2 holds the third and fourth, and the moderation queue counts them all
    second = mod.get("/moderation/personal-data?per_page=2&page=2").get_data(as_text=True)
    shown = [key for key in expected if f'id="held-{key[0]}-{key[1]}"' in second]
    assert shown == expected[2:4]
    assert 'rel="prev"' in second and 'rel="next"' in second
    assert '<strong class="count-held">5</strong>' in mod.get("/moderation").get_data(as_text=True)
    # held answers and comments on answers come with their questions: no statement per item
    assert statements_for(mod, "/moderation/personal-data?per_page=2&page=2") == one


def test_only_moderators_release_or_redact(app, client):
    dana = make_user("dana")
    make_user("eve")
    question = questions.ask(
        dana, TITLE, f"Reach me at {EMAIL} please.", "billing", confirm_personal_data=True
    )
    comment = questions.comment(
        dana,
        make_question(dana, title="Another question about my bill").id,
        f"Mail {EMAIL}",
        confirm_personal_data=True,
    )
    for who in ("dana", "eve"):
        user = db.session.scalar(select(type(dana)).where(type(dana).username == who))
        for url in (
            f"/posts/{question.id}/release",
            f"/posts/{question.id}/redact",
            f"/comments/{comment.id}/redact",
        ):
            assert client.post(f"{API}{url}", headers=bearer(user)).status_code == 403
        page = _signed_in(app, who)
        assert page.submit(f"/moderation/held/post/{question.id}", {"action": "release"}).status_code == 403
        assert page.get("/moderation").status_code == 403
        assert client.get(f"{API}/moderation/personal-data", headers=bearer(user)).status_code == 403
    assert db.session.get(Post, question.id).is_held_for_personal_data


def test_a_flag_decision_does_not_publish_a_post_held_for_personal_data(app, client):
    dana = make_user("dana")
    moderator = make_user("mod", role="moderator")
    question = make_question(dana)
    flagger = make_user("flagger")
    grant(flagger, 20)
    assert (
        client.post(
            f"{API}/posts/{question.id}/flags", json={"reason": "off-topic"}, headers=bearer(flagger)
        ).status_code
        == 201
    )
    questions.edit(dana, question.id, f"Please mail me at {EMAIL} about it.", confirm_personal_data=True)
    for action in ("release", "dismiss"):
        response = client.post(
            f"{API}/moderation/posts/{question.id}", json={"action": action}, headers=bearer(moderator)
        )
        assert response.status_code == 422
    assert client.post(f"{API}/posts/{question.id}/undelete", headers=bearer(moderator)).status_code == 403
    assert db.session.get(Post, question.id).is_held_for_personal_data
    redacted = client.post(f"{API}/comments/999/redact", headers=bearer(moderator))
    assert redacted.status_code == 404


def test_a_private_follow_up_stays_private_but_its_public_resolution_is_checked(app, client):
    from forum.followups import service as followups

    dana = make_user("dana")
    erin = make_user("erin", role="expert")
    question = make_question(dana, title="Refund for order never arrived")
    followup = followups.open_followup(erin, question.id, f"Is your order {ORDER} and email {EMAIL}?")
    assert followup.id  # private messages are not checked: they are private
    refused = client.post(
        f"{API}/followups/{followup.id}/resolve",
        json={"body": f"Refunded order {ORDER} today; it shows in 3 days."},
        headers=bearer(erin),
    )
    assert refused.status_code == 422 and refused.get_json()["personal_data"][0]["kind"] == "order"
    db.session.expire_all()
    assert followups.get_followup(followup.id, erin).is_open
