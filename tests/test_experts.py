"""Staff experts through the CLI, the pages and the API: topics, official answers, the queue,
claims and assignments."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import update

from forum.clock import utcnow
from forum.experts import service as experts
from forum.extensions import db
from forum.models import Question
from forum.models.experts import ExpertClaim
from tests.conftest import login, make_answer, make_question, make_user
from tests.test_openapi import properties
from tests.test_votes import bearer

API = "/api/v1"


def make_expert(name: str = "erin", topics: str = "billing"):
    """An expert with topics, set up as an admin would."""
    user = make_user(name, role="expert")
    experts.set_topics(user, experts.parse_topics(topics))
    return user


def age(question, hours: float) -> None:
    """Pretend the question was asked `hours` ago."""
    db.session.execute(
        update(Question)
        .where(Question.id == question.id)
        .values(created_at=utcnow() - timedelta(hours=hours))
    )
    db.session.commit()


def queue_ids(client, user) -> list[int]:
    response = client.get(f"{API}/experts/queue", headers=bearer(user))
    assert response.status_code == 200, response.get_json()
    return [item["question"]["id"] for item in response.get_json()["items"]]


# Topics from the command line


def test_set_role_with_topics(app, runner):
    user = make_user("erin")
    result = runner.invoke(
        args=["users", "set-role", "erin", "expert", "--topics", "Billing, Accounts,billing"]
    )
    assert result.exit_code == 0, result.output
    assert "erin is now expert" in result.output
    db.session.expire_all()
    assert user.role == "expert"
    assert experts.topics(user) == ["accounts", "billing"]

    result = runner.invoke(args=["users", "set-role", "erin", "expert", "--topics", "shipping"])
    assert result.exit_code == 0, result.output
    assert experts.topics(user) == ["shipping"]

    # without --topics the topics stay
    assert runner.invoke(args=["users", "set-role", "erin", "expert"]).exit_code == 0
    assert experts.topics(user) == ["shipping"]


def test_topics_are_for_experts_only(app, runner):
    user = make_user("mo")
    result = runner.invoke(args=["users", "set-role", "mo", "moderator", "--topics", "billing"])
    assert result.exit_code != 0
    assert "experts only" in result.output
    db.session.expire_all()
    assert user.role == "member"
    assert experts.topics(user) == []


# Official answers


def test_official_answer_comes_right_after_the_accepted_one(app, client):
    asker, expert, helper = make_user("asker"), make_expert(), make_user("helper")
    question = make_question(asker, tags="billing")
    accepted = make_answer(helper, question, "The accepted answer, with enough text.")
    popular = make_answer(helper, question, "The popular answer, with enough text here.")
    official = make_answer(expert, question, "The official answer from staff, with text.")
    db.session.execute(update(Question.__table__).where(Question.id == popular.id).values(score=5))
    db.session.commit()
    headers = bearer(asker)
    assert client.post(
        f"{API}/questions/{question.id}/accept", json={"answer_id": accepted.id}, headers=headers
    )

    response = client.post(
        f"{API}/questions/{question.id}/official", json={"answer_id": official.id}, headers=bearer(expert)
    )
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["official_answer_id"] == official.id

    thread = client.get(f"{API}/questions/{question.id}").get_json()
    assert [item["id"] for item in thread["answers"]] == [accepted.id, official.id, popular.id]
    assert [item["is_official"] for item in thread["answers"]] == [False, True, False]
    assert thread["official_answer_id"] == official.id

    page = client.get(f"/questions/{question.id}/{question.slug}").get_data(as_text=True)
    assert "Official answer" in page
    assert page.index("The accepted answer") < page.index("The official answer") < page.index("The popular")
    assert "Staff" in page  # the expert's badge

    # the accepted answer may be the official one too; null clears the mark
    assert (
        client.post(
            f"{API}/questions/{question.id}/official", json={"answer_id": accepted.id}, headers=bearer(expert)
        ).status_code
        == 200
    )
    thread = client.get(f"{API}/questions/{question.id}").get_json()
    assert thread["answers"][0]["is_accepted"] and thread["answers"][0]["is_official"]
    cleared = client.post(
        f"{API}/questions/{question.id}/official", json={"answer_id": None}, headers=bearer(expert)
    )
    assert cleared.get_json()["official_answer_id"] is None


def test_only_staff_mark_answers_official(app, client):
    asker, helper = make_user("asker"), make_user("helper")
    moderator = make_user("mod", role="moderator")
    question = make_question(asker, tags="billing")
    answer = make_answer(helper, question)
    other = make_answer(helper, make_question(asker, title="Another question about my bill"))
    url = f"{API}/questions/{question.id}/official"

    refused = client.post(url, json={"answer_id": answer.id}, headers=bearer(asker))
    assert refused.status_code == 403
    assert "staff" in refused.get_json()["error"]
    assert client.post(url, json={"answer_id": other.id}, headers=bearer(moderator)).status_code == 422
    assert client.post(url, json={"answer_id": "x"}, headers=bearer(moderator)).status_code == 422
    assert client.post(url, json={}, headers=bearer(moderator)).status_code == 422
    assert client.post(url, json={"answer_id": answer.id}, headers=bearer(moderator)).status_code == 200


def test_official_button_on_the_page_for_staff_only(app, client):
    asker, expert, helper = make_user("asker"), make_expert(), make_user("helper")
    question = make_question(asker, tags="billing")
    answer = make_answer(helper, question)
    url = f"/questions/{question.id}/{question.slug}"

    login(client, "asker")
    assert "Mark official" not in client.get(url).get_data(as_text=True)
    refused = client.submit(f"/questions/{question.id}/official", {"answer_id": str(answer.id)})
    assert refused.status_code == 403

    expert_client = app.test_client()
    login(expert_client, expert.username)
    assert "Mark official" in expert_client.get(url).get_data(as_text=True)
    response = expert_client.submit(f"/questions/{question.id}/official", {"answer_id": str(answer.id)})
    assert response.status_code == 302
    page = expert_client.get(url).get_data(as_text=True)
    assert "Official answer" in page and "Unmark official" in page
    db.session.expire_all()
    assert db.session.get(Question, question.id).official_answer_id == answer.id


# The queue


def test_queue_contents_order_and_counts(app, client):
    asker, helper = make_user("asker"), make_user("helper")
    expert = make_expert("erin", "billing")
    moderator = make_user("mod", role="moderator")
    fresh = make_question(asker, title="A fresh billing question", tags="billing")
    old_answered = make_question(asker, title="An old answered billing question", tags="billing")
    old_unanswered = make_question(asker, title="An old unanswered billing question", tags="billing refunds")
    older_unanswered = make_question(asker, title="An older unanswered billing question", tags="billing")
    recent_answered = make_question(asker, title="A recent answered billing question", tags="billing")
    shipping = make_question(asker, title="A question about shipping times", tags="shipping")
    accepted = make_question(asker, title="A billing question already solved", tags="billing")
    make_answer(helper, old_answered)
    make_answer(helper, recent_answered)
    solved = make_answer(helper, accepted)
    client.post(f"{API}/questions/{accepted.id}/accept", json={"answer_id": solved.id}, headers=bearer(asker))
    age(fresh, 1)
    age(recent_answered, 2)
    age(old_answered, 30)
    age(old_unanswered, 40)
    age(older_unanswered, 50)
    age(shipping, 60)

    # overdue first (unanswered before answered, oldest first), then the rest the same way
    expected = [older_unanswered.id, old_unanswered.id, old_answered.id, fresh.id, recent_answered.id]
    assert queue_ids(client, expert) == expected
    body = client.get(f"{API}/experts/queue", headers=bearer(expert)).get_json()
    assert body["counts"] == {"open": 5, "claimed": 0, "overdue": 3}
    assert body["target_hours"] == 24
    first = body["items"][0]
    assert first["overdue"] is True and first["age_hours"] >= 49.9 and first["claim"] is None

    # moderators see every topic
    assert queue_ids(client, moderator) == [shipping.id, *expected]

    # the HTML page, with the counts at the top
    login(client, "erin")
    page = client.get("/experts/queue").get_data(as_text=True)
    assert page.index("An older unanswered") < page.index("An old unanswered") < page.index("A fresh billing")
    assert "shipping times" not in page
    assert '<strong class="count-open">5</strong>' in page
    assert '<strong class="count-overdue">3</strong>' in page
    assert "Overdue" in page


def test_queue_target_comes_from_config(app, client):
    expert = make_expert()
    question = make_question(make_user("asker"), tags="billing")
    age(question, 3)
    app.config["EXPERT_RESPONSE_HOURS"] = 2
    try:
        body = client.get(f"{API}/experts/queue", headers=bearer(expert)).get_json()
    finally:
        app.config["EXPERT_RESPONSE_HOURS"] = 24
    assert body["counts"]["overdue"] == 1 and body["target_hours"] == 2


def test_queue_is_for_staff_only(app, client):
    make_user("member")
    member = make_user("ann")
    assert client.get(f"{API}/experts/queue", headers=bearer(member)).status_code == 403
    assert client.get(f"{API}/experts/queue").status_code == 401
    login(client, "ann")
    assert client.get("/experts/queue").status_code == 403
    assert "Queue" not in client.get("/").get_data(as_text=True).split("<main")[0]
    expert_client = app.test_client()
    make_expert()
    login(expert_client, "erin")
    assert expert_client.get("/experts/queue").status_code == 200
    assert 'href="/experts/queue"' in expert_client.get("/").get_data(as_text=True)


def test_queue_pages_keep_the_order_and_count_the_whole_queue(app, client):
    from tests.test_query_counts import statements_for

    asker, helper = make_user("asker"), make_user("helper")
    expert = make_expert("erin", "billing")
    login(client, "erin")
    alone = make_question(asker, title="The only billing question so far", tags="billing")
    age(alone, 70)
    one = statements_for(client, "/experts/queue?per_page=3")
    # (hours old, answered): asked in an order unlike the queue's
    shapes = [(3, True), (30, False), (60, True), (5, False), (50, False), (35, True), (40, False)]
    asked = []
    for number, (hours, answered) in enumerate(shapes):
        question = make_question(
            asker, title=f"Billing question number {number} about invoices", tags="billing"
        )
        if answered:
            make_answer(helper, question)
        age(question, hours)
        asked.append((hours, answered, question.id))
    # overdue unanswered, overdue answered, fresh unanswered, fresh answered; oldest first in each
    runs = [(True, False), (True, True), (False, False), (False, True)]
    ordered = sorted(
        [*asked, (70, False, alone.id)], key=lambda row: (runs.index((row[0] >= 24, row[1])), -row[0])
    )
    expected = [question_id for _, _, question_id in ordered]
    experts.claim(expert, expected[1])
    experts.claim(expert, expected[-1])

    pages = [
        client.get(f"{API}/experts/queue?per_page=3&page={number}", headers=bearer(expert)).get_json()
        for number in (1, 2, 3)
    ]
    assert [item["question"]["id"] for body in pages for item in body["items"]] == expected
    assert [(body["page"], body["per_page"], body["total"], body["pages"]) for body in pages] == [
        (1, 3, 8, 3),
        (2, 3, 8, 3),
        (3, 3, 8, 3),
    ]
    for body in pages:
        assert body["counts"] == {"open": 8, "claimed": 2, "overdue": 6}

    # the page: page 2 shows the next three, with the counts over the whole queue and a pager
    second = client.get("/experts/queue?per_page=3&page=2").get_data(as_text=True)
    assert [question_id for question_id in expected if f'id="queue-q{question_id}"' in second] == expected[
        3:6
    ]
    assert '<strong class="count-open">8</strong>' in second
    assert '<strong class="count-claimed">2</strong>' in second
    assert 'rel="prev"' in second and 'rel="next"' in second
    # a full page with claims costs the statements of a page of one
    assert statements_for(client, "/experts/queue?per_page=3&page=3") == one


# Claims


def test_claim_is_visible_and_expires(app, client):
    asker = make_user("asker")
    erin, evan = make_expert("erin"), make_expert("evan")
    question = make_question(asker, tags="billing")
    url = f"{API}/questions/{question.id}/claim"

    response = client.post(url, headers=bearer(erin))
    assert response.status_code == 200, response.get_json()
    claim = response.get_json()
    assert set(claim) == {"question_id", "expert", "assigned_by", "claimed_at", "expires_at"}
    assert claim["expert"]["username"] == "erin" and claim["assigned_by"] is None
    assert claim["expires_at"] is not None

    # other experts see it in the queue and on the question page, and cannot claim it
    body = client.get(f"{API}/experts/queue", headers=bearer(evan)).get_json()
    assert body["items"][0]["claim"]["expert"]["username"] == "erin"
    assert body["counts"]["claimed"] == 1
    conflict = client.post(url, headers=bearer(evan))
    assert conflict.status_code == 409
    assert "erin" in conflict.get_json()["error"]
    login(client, "evan")
    page = client.get(f"/questions/{question.id}/{question.slug}").get_data(as_text=True)
    assert "is on it" in page and ">erin<" in page

    # three hours later the unanswered claim has lapsed
    db.session.execute(update(ExpertClaim).values(claimed_at=utcnow() - timedelta(hours=3)))
    db.session.commit()
    body = client.get(f"{API}/experts/queue", headers=bearer(evan)).get_json()
    assert body["items"][0]["claim"] is None and body["counts"]["claimed"] == 0
    assert "is on it" not in client.get(f"/questions/{question.id}/{question.slug}").get_data(as_text=True)
    taken = client.post(url, headers=bearer(evan))
    assert taken.status_code == 200 and taken.get_json()["expert"]["username"] == "evan"


def test_claim_holds_once_the_expert_answered(app, client):
    asker, erin, evan = make_user("asker"), make_expert("erin"), make_expert("evan")
    question = make_question(asker, tags="billing")
    client.post(f"{API}/questions/{question.id}/claim", headers=bearer(erin))
    make_answer(erin, question, "Here is what to do about that bill, step by step.")
    db.session.execute(update(ExpertClaim).values(claimed_at=utcnow() - timedelta(hours=3)))
    db.session.commit()
    item = client.get(f"{API}/experts/queue", headers=bearer(evan)).get_json()["items"][0]
    assert item["claim"]["expert"]["username"] == "erin" and item["claim"]["expires_at"] is None
    assert client.post(f"{API}/questions/{question.id}/claim", headers=bearer(evan)).status_code == 409


def test_claim_refusals(app, client):
    asker, helper, erin = make_user("asker"), make_user("helper"), make_expert()
    question = make_question(asker, tags="billing")
    assert client.post(f"{API}/questions/{question.id}/claim", headers=bearer(asker)).status_code == 403
    assert client.post(f"{API}/questions/999/claim", headers=bearer(erin)).status_code == 404
    answer = make_answer(helper, question)
    client.post(f"{API}/questions/{question.id}/accept", json={"answer_id": answer.id}, headers=bearer(asker))
    assert client.post(f"{API}/questions/{question.id}/claim", headers=bearer(erin)).status_code == 422


def test_claim_from_the_question_page(app, client):
    question = make_question(make_user("asker"), tags="billing")
    make_expert()
    login(client, "erin")
    url = f"/questions/{question.id}/{question.slug}"
    assert "I'm on it" in client.get(url).get_data(as_text=True)
    assert client.submit(f"/questions/{question.id}/claim").status_code == 302
    assert "is on it" in client.get(url).get_data(as_text=True)


# Assignment


def test_moderator_assigns_a_question(app, client):
    asker, erin, evan = make_user("asker"), make_expert("erin"), make_expert("evan")
    moderator = make_user("mod", role="moderator")
    question = make_question(asker, tags="billing")
    url = f"{API}/questions/{question.id}/assign"
    client.post(f"{API}/questions/{question.id}/claim", headers=bearer(evan))

    assert client.post(url, json={"expert": "erin"}, headers=bearer(evan)).status_code == 403
    assert client.post(url, json={"expert": "erin"}, headers=bearer(asker)).status_code == 403
    assert client.post(url, json={"expert": "nobody"}, headers=bearer(moderator)).status_code == 404
    assert client.post(url, json={"expert": "asker"}, headers=bearer(moderator)).status_code == 422
    assert client.post(url, json={}, headers=bearer(moderator)).status_code == 422

    response = client.post(url, json={"expert": "erin"}, headers=bearer(moderator))
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["expert"]["username"] == "erin" and body["assigned_by"]["username"] == "mod"
    assert body["expires_at"] is None

    # an assignment does not lapse, and other experts cannot claim over it
    db.session.execute(update(ExpertClaim).values(claimed_at=utcnow() - timedelta(hours=30)))
    db.session.commit()
    item = client.get(f"{API}/experts/queue", headers=bearer(evan)).get_json()["items"][0]
    assert item["claim"]["expert"]["username"] == "erin"
    assert client.post(f"{API}/questions/{question.id}/claim", headers=bearer(evan)).status_code == 409
    assert client.post(f"{API}/questions/{question.id}/claim", headers=bearer(erin)).status_code == 200

    # the form on the queue page
    login(client, "mod")
    page = client.get("/experts/queue").get_data(as_text=True)
    assert "Assigned to" in page and ">erin<" in page
    response = client.submit(f"/questions/{question.id}/assign", {"expert": "evan", "next": "queue"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/experts/queue")
    assert "Assigned to" in client.get("/experts/queue").get_data(as_text=True)
    assert experts.claim_on(question).expert.username == "evan"


# Shapes


@pytest.mark.parametrize("schema", ["ExpertQueue", "Claim"])
def test_schemas_match(app, client, schema):
    spec = client.get(f"{API}/openapi.json").get_json()
    expert = make_expert()
    question = make_question(make_user("asker"), tags="billing")
    claim = client.post(f"{API}/questions/{question.id}/claim", headers=bearer(expert)).get_json()
    body = client.get(f"{API}/experts/queue", headers=bearer(expert)).get_json()
    if schema == "Claim":
        assert set(claim) == properties(spec, "Claim")
        assert set(body["items"][0]["claim"]) == properties(spec, "Claim")
    else:
        assert set(body) == properties(spec, "ExpertQueue")
        assert set(body["counts"]) == set(
            spec["components"]["schemas"]["ExpertQueue"]["properties"]["counts"]["required"]
        )
        assert set(body["items"][0]) == properties(spec, "ExpertQueueItem")
        assert set(body["items"][0]["question"]) == properties(spec, "Question")


def test_question_page_statements_for_staff_do_not_grow(app):
    from tests.test_query_counts import build_thread, statements_for

    make_expert()
    small = build_thread(answers=1, comments_per_post=0)
    big_asker = make_user("bigasker")
    big = make_question(big_asker, title="A long thread about thermostat wiring")
    helpers = [make_user(f"big{index}") for index in range(3)]
    for index in range(12):
        make_answer(helpers[index % 3], big, f"Big answer number {index} with enough text.")
    staff = app.test_client()
    login(staff, "erin")
    staff.get("/")  # the first page after signing in shows its message (a page with one is never kept)
    experts.claim(make_user("eve", role="expert"), big.id)
    small_count = statements_for(staff, f"/questions/{small.id}/{small.slug}")
    big_count = statements_for(staff, f"/questions/{big.id}/{big.slug}")
    assert small_count == big_count <= 11  # the private follow-up marker is one of them


def test_an_expert_releases_their_claim_and_a_moderator_clears_an_assignment(app, client):
    erin, eve = make_expert(), make_user("eve", role="expert")
    mod = make_user("mod", role="moderator")
    question = make_question(make_user("asker"), tags="billing")
    experts.claim(erin, question.id)
    other = app.test_client()
    login(other, "eve")
    refused = other.submit(f"/questions/{question.id}/release", {"next": "queue"})
    assert refused.status_code == 403 and "Only erin or a moderator" in refused.get_data(as_text=True)
    login(client, "erin")
    queue = client.get("/experts/queue").get_data(as_text=True)
    assert f'action="/questions/{question.id}/release"' in queue
    assert client.submit(f"/questions/{question.id}/release", {"next": "queue"}).status_code == 302
    assert experts.claim_on(question) is None
    assert client.submit(f"/questions/{question.id}/release").status_code == 422  # nobody is on it

    experts.assign(mod, question.id, "eve")
    url = f"{API}/questions/{question.id}/claim"
    assert client.delete(url, headers=bearer(erin)).status_code == 403
    assert client.delete(url, headers=bearer(mod)).status_code == 204
    assert experts.claim_on(question) is None
    assert client.post(url, headers=bearer(eve)).get_json()["expert"]["username"] == "eve"  # open again
