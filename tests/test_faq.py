"""The crowdsourced FAQ: candidates, approve/dismiss/merge, entries, freshness, helpful votes, search."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from forum.auth.service import issue_token
from forum.clock import utcnow
from forum.extensions import db
from forum.models.faq import FaqDecision, FaqEntry, FaqNomination, FaqSuggestion, FaqVote, QuestionPopularity
from forum.models.moderation import AuditEntry
from forum.models.reputation import ReputationEvent
from forum.votes import service as votes
from tests.conftest import grant, login, make_answer, make_question, make_user
from tests.test_openapi import properties

API = "/api/v1"
STEAM = "The thermostat shows a steam icon and the boiler never fires"
ANSWER = "Open Settings, then Heating, and switch the boiler type from combi to system boiler."


@pytest.fixture
def people(app):
    return {
        "mod": make_user("mod", role="moderator"),
        "asker": make_user("asker"),
        "helper": make_user("helper"),
        "other": make_user("other"),
    }


def popular(question, score: float = 100.0, **numbers) -> None:
    """Give a question a popularity score (as `flask faq refresh` would)."""
    db.session.merge(
        QuestionPopularity(question_id=question.id, score=score, computed_at=utcnow(), **numbers)
    )
    db.session.commit()


def thread(people, title: str = STEAM, tags: str = "heating boilers"):
    """A question with an accepted answer and a weaker one."""
    question = make_question(
        people["asker"], title, "The steam icon blinks and the boiler does nothing at all.", tags
    )
    best = make_answer(people["helper"], question, ANSWER)
    make_answer(people["other"], question, "Have you tried turning the whole house off and on again, twice?")
    votes.accept(people["asker"], question.id, best.id)
    return question, best


def approve(client, question_ids, **fields):
    data = {"title": "Why does the boiler not fire with a steam icon?", "product_area": "Heating", **fields}
    if "body" not in data:
        page = client.get("/faq/candidates/approve", query_string={"question": question_ids})
        assert page.status_code == 200
        data["body"] = ANSWER + "\n\nCredit: the helper's answer."
    return client.submit("/faq/candidates/approve?" + "&".join(f"question={i}" for i in question_ids), data)


def test_popular_threads_appear_in_the_queue_with_their_numbers(client, people):
    question, _ = thread(people)
    quiet, _ = thread(people, "A quiet question about the schedule screen")
    popular(question, 120, views=80, followers=4, votes=3, answers=2, search_clicks=9, similar_clicks=5)
    popular(quiet, 1.5, views=1)
    login(client, "mod")
    page = client.get("/faq/candidates").get_data(as_text=True)
    assert STEAM in page and "quiet question" not in page
    row = page[page.index(f'id="candidate-{question.id}"') :]
    for number in ("120.0", "80", "4", "9", "5"):
        assert f"<td>{number}</td>" in row[: row.index("</tr>")]


def test_a_member_with_the_flag_privilege_nominates_a_thread(client, people):
    question, _ = thread(people)
    login(client, "other")
    assert client.submit(f"/questions/{question.id}/faq-nomination").status_code == 403  # 1 reputation
    grant(people["other"], 20)
    assert client.submit(f"/questions/{question.id}/faq-nomination").status_code == 302
    assert client.submit(f"/questions/{question.id}/faq-nomination").status_code == 302  # once only
    assert db.session.scalar(select(func.count()).select_from(FaqNomination)) == 1
    mod = client.application.test_client()
    login(mod, "mod")
    page = mod.get("/faq/candidates").get_data(as_text=True)
    assert STEAM in page and "nominated" in page


def test_only_moderators_see_the_queue(client, people):
    assert client.get("/faq/candidates").status_code == 302  # to sign in
    login(client, "asker")
    assert client.get("/faq/candidates").status_code == 403
    assert client.get(f"{API}/faq/candidates", headers=_bearer(people["asker"])).status_code == 403


def _bearer(user) -> dict:
    return {"Authorization": f"Bearer {issue_token(user)}"}


def test_the_draft_credits_the_accepted_answer(client, people):
    question, best = thread(people)
    login(client, "mod")
    page = client.get("/faq/candidates/approve", query_string={"question": question.id}).get_data(
        as_text=True
    )
    assert "switch the boiler type" in page
    assert f"#a{best.id}" in page and "the answer by helper" in page


def test_approving_creates_an_entry_credits_the_author_once_and_is_audited(client, people):
    question, best = thread(people)
    popular(question)
    login(client, "mod")
    before = people["helper"].reputation
    response = approve(client, [question.id], credit=[str(best.id)])
    assert response.status_code == 302, response.get_data(as_text=True)
    entry = db.session.scalars(select(FaqEntry)).one()
    assert response.headers["Location"].endswith(f"/faq/{entry.id}")
    assert entry.question_id == question.id and entry.product_area == "Heating"
    assert [revision.number for revision in entry.revisions] == [1]
    db.session.refresh(people["helper"])
    assert people["helper"].reputation == before + 20
    events = db.session.scalars(select(ReputationEvent).where(ReputationEvent.kind == "faq_source")).all()
    assert [(event.user_id, event.delta, event.faq_entry_id) for event in events] == [
        (people["helper"].id, 20, entry.id)
    ]
    audit = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "faq.approve")).one()
    assert audit.target_id == entry.id
    # out of the queue; the thread shows a banner; the entry page credits the author
    assert STEAM not in client.get("/faq/candidates").get_data(as_text=True)
    anonymous = client.application.test_client()
    thread_page = anonymous.get(f"/questions/{question.id}", follow_redirects=True).get_data(as_text=True)
    assert f'href="/faq/{entry.id}"' in thread_page and "part of our FAQ" in thread_page
    entry_page = anonymous.get(f"/faq/{entry.id}").get_data(as_text=True)
    assert "Last checked on" in entry_page and "helper" in entry_page and "Heating" in entry_page


def test_an_author_credited_twice_in_one_entry_earns_once(client, people):
    question, best = thread(people)
    second = make_answer(
        people["helper"], question, "Also check that the boiler relay clicks when heating is on."
    )
    login(client, "mod")
    before = people["helper"].reputation
    assert approve(client, [question.id], credit=[str(best.id), str(second.id)]).status_code == 302
    db.session.refresh(people["helper"])
    assert people["helper"].reputation == before + 20


def test_merging_duplicates_makes_one_entry_with_every_source(client, people):
    first, _ = thread(people)
    second, _ = thread(people, "Steam symbol shown and my boiler does not start")
    third, _ = thread(people, "Boiler never starts while the steam sign blinks")
    login(client, "mod")
    assert approve(client, [first.id, second.id]).status_code == 302
    entry = db.session.scalars(select(FaqEntry)).one()
    assert sorted(source.question_id for source in entry.sources) == sorted([first.id, second.id])
    decisions = dict(db.session.execute(select(FaqDecision.question_id, FaqDecision.decision)).all())
    assert decisions == {first.id: "approved", second.id: "merged"}
    # a third duplicate joins later through the API
    response = client.post(
        f"{API}/faq/{entry.id}/sources", json={"question_ids": [third.id]}, headers=_bearer(people["mod"])
    )
    assert response.status_code == 200 and response.get_json()["question_ids"] == [
        first.id,
        second.id,
        third.id,
    ]
    # a thread already in the FAQ cannot be approved again
    again = client.post(
        f"{API}/faq/candidates/approve", json={"question_ids": [second.id]}, headers=_bearer(people["mod"])
    )
    assert again.status_code == 422


def test_dismissed_candidates_return_only_when_they_grow_a_lot(client, people):
    question, _ = thread(people)
    popular(question, 60)
    login(client, "mod")
    assert client.submit(f"/faq/candidates/{question.id}/dismiss", {"reason": ""}).status_code == 302
    assert STEAM in client.get("/faq/candidates").get_data(as_text=True)  # no reason: still there
    client.submit(f"/faq/candidates/{question.id}/dismiss", {"reason": "Only one customer has this boiler"})
    assert db.session.get(FaqDecision, question.id).popularity == 60
    assert STEAM not in client.get("/faq/candidates").get_data(as_text=True)
    popular(question, 100)
    assert STEAM not in client.get("/faq/candidates").get_data(as_text=True)
    popular(question, 130)
    page = client.get("/faq/candidates").get_data(as_text=True)
    assert STEAM in page and "grew since dismissed" in page
    audit = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "faq.dismiss")).one()
    assert audit.reason == "Only one customer has this boiler"


def _entry(client, people, **kwargs) -> FaqEntry:
    question, _ = thread(people, **kwargs)
    login(client, "mod")
    assert approve(client, [question.id]).status_code == 302
    client.post("/logout", data={"csrf_token": client.csrf_token()})
    return db.session.scalars(select(FaqEntry).where(FaqEntry.question_id == question.id)).one()


def test_helpful_votes_count_once_per_visitor(client, people):
    entry = _entry(client, people)
    visitor = client.application.test_client()
    visitor.get(f"/faq/{entry.id}")  # the visitor cookie
    for answer in ("yes", "yes", "no", "yes"):
        assert visitor.submit(f"/faq/{entry.id}/helpful", {"helpful": answer}).status_code == 302
    second = client.application.test_client()
    second.get(f"/faq/{entry.id}")
    second.submit(f"/faq/{entry.id}/helpful", {"helpful": "no"})
    member = client.application.test_client()
    login(member, "other")
    member.submit(f"/faq/{entry.id}/helpful", {"helpful": "yes"})
    member.submit(f"/faq/{entry.id}/helpful", {"helpful": "yes"})
    db.session.refresh(entry)
    assert (entry.helpful_yes, entry.helpful_no) == (2, 1)
    assert db.session.scalar(select(func.count()).select_from(FaqVote)) == 3
    assert visitor.submit(f"/faq/{entry.id}/helpful", {"helpful": "maybe"}).status_code == 400
    # the counts show to moderators only
    assert "2 yes, 1 no" not in visitor.get(f"/faq/{entry.id}").get_data(as_text=True)
    mod = client.application.test_client()
    login(mod, "mod")
    assert "2 yes, 1 no" in mod.get(f"/faq/{entry.id}").get_data(as_text=True)


def test_a_new_answer_on_a_source_thread_sends_the_entry_back_for_review(client, people):
    entry = _entry(client, people)
    login(client, "mod")
    assert "Every entry is fresh" in client.get("/faq/candidates").get_data(as_text=True)
    make_answer(
        people["other"], entry.question, "Since the 4.2 update the option moved to Settings > System."
    )
    page = client.get("/faq/candidates").get_data(as_text=True)
    assert "a source thread has a new answer" in page
    assert client.submit(f"/faq/{entry.id}/reviewed", {"next": "queue"}).status_code == 302
    assert "Every entry is fresh" in client.get("/faq/candidates").get_data(as_text=True)


def test_members_report_entries_that_no_longer_work(client, people):
    entry = _entry(client, people)
    login(client, "other")
    assert client.submit(f"/faq/{entry.id}/report", {"text": "The menu is gone"}).status_code == 403
    grant(people["other"], 20)
    assert client.submit(f"/faq/{entry.id}/report", {"text": "The menu is gone"}).status_code == 302
    db.session.refresh(entry)
    assert entry.stale_reason == "no_longer_works"


def test_entries_not_reviewed_within_the_window_are_stale(client, people, app):
    entry = _entry(client, people)
    entry.reviewed_at = utcnow() - timedelta(days=app.config["FAQ_REVIEW_DAYS"] + 1)
    db.session.commit()
    login(client, "mod")
    assert "not reviewed for a while" in client.get("/faq/candidates").get_data(as_text=True)
    checked = entry.reviewed_at.strftime("%-d %B %Y")
    assert checked in client.application.test_client().get(f"/faq/{entry.id}").get_data(as_text=True)


def test_moderators_edit_entries_with_revisions(client, people):
    entry = _entry(client, people)
    login(client, "mod")
    data = {
        "title": "Boiler does not fire and a steam icon shows",
        "body": ANSWER + "\n\nOn firmware 4.2 and later it is under Settings, System.",
        "tag": "heating",
        "product_area": "Heating, firmware 4.2",
        "summary": "Firmware 4.2 moved the menu",
    }
    assert client.submit(f"/faq/{entry.id}/edit", data).status_code == 302
    db.session.refresh(entry)
    assert [revision.number for revision in entry.revisions] == [1, 2]
    assert entry.revisions[0].title == "Why does the boiler not fire with a steam icon?"
    history = client.get(f"/faq/{entry.id}/revisions").get_data(as_text=True)
    assert "Firmware 4.2 moved the menu" in history and "Version 2" in history
    audit = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "faq.edit")).one()
    assert "firmware 4.2" in audit.after
    bad = client.submit(
        f"/faq/{entry.id}/edit", {**data, "tag": "no-such-tag", "title": "Another title here"}
    )
    assert bad.status_code == 400 and "There is no tag named" in bad.get_data(as_text=True)


def test_members_with_enough_reputation_suggest_edits_that_moderators_review(client, people):
    entry = _entry(client, people)
    login(client, "other")
    body = ANSWER + "\n\nIf the option is missing, update the app first."
    assert client.get(f"/faq/{entry.id}/suggest").status_code == 403
    grant(people["other"], 250)
    assert client.get(f"/faq/{entry.id}/suggest").status_code == 200
    response = client.submit(f"/faq/{entry.id}/suggest", {"title": entry.title, "body": body})
    assert response.status_code == 302
    mod = client.application.test_client()
    login(mod, "mod")
    queue = mod.get("/faq/candidates").get_data(as_text=True)
    assert "update the app first" in queue
    suggestion_id = db.session.scalars(select(FaqSuggestion.id)).one()
    assert mod.submit(f"/faq/suggestions/{suggestion_id}/approve").status_code == 302
    db.session.refresh(entry)
    assert entry.body == body
    latest = entry.revisions[-1]
    assert (latest.number, latest.author_id) == (2, people["other"].id)


def test_retired_entries_vanish_from_the_public_and_from_search(client, people):
    entry = _entry(client, people)
    anonymous = client.application.test_client()
    assert anonymous.get("/api/v1/search?q=steam+boiler").get_json()["items"][0]["title"] == entry.title
    login(client, "mod")
    assert client.submit(f"/faq/{entry.id}/retire").status_code == 302
    assert anonymous.get(f"/faq/{entry.id}").status_code == 404
    assert anonymous.get(f"{API}/faq/{entry.id}").status_code == 404
    assert entry.title not in anonymous.get("/faq").get_data(as_text=True)
    titles = [item["title"] for item in anonymous.get("/api/v1/search?q=steam+boiler").get_json()["items"]]
    assert entry.title not in titles and STEAM in titles
    assert client.get(f"/faq/{entry.id}").status_code == 200  # moderators still see it
    client.submit(f"/faq/{entry.id}/restore")
    assert anonymous.get(f"/faq/{entry.id}").status_code == 200


def test_faq_entries_come_first_in_search_and_similar(client, people):
    for number in range(4):
        thread(people, f"Steam icon question number {number} about the boiler", tags="heating")
    entry = _entry(client, people, title="Odd steam icon: the boiler stays cold")
    anonymous = client.application.test_client()
    results = anonymous.get("/api/v1/search?q=steam+boiler").get_json()
    assert results["items"][0]["title"] == entry.title
    assert results["items"][0]["kind"] == "faq" and results["items"][0]["url"].endswith(f"/faq/{entry.id}")
    assert {item["kind"] for item in results["items"][1:]} == {"question"}
    only = anonymous.get("/api/v1/search?q=is:faq+steam").get_json()
    assert [item["kind"] for item in only["items"]] == ["faq"]
    similar = anonymous.get(
        "/api/v1/similar", query_string={"title": "steam icon shown, boiler cold"}
    ).get_json()
    assert similar["items"][0]["kind"] == "faq"
    page = anonymous.get("/search?q=steam+boiler").get_data(as_text=True)
    assert page.index(entry.title) < page.index("Steam icon question number")
    faq_search = anonymous.get("/faq?q=steam").get_data(as_text=True)
    assert entry.title in faq_search and "Steam icon question number" not in faq_search


def test_the_api_lists_entries_and_runs_the_queue(client, people):
    question, best = thread(people)
    popular(question, 99, views=50, followers=3)
    headers = _bearer(people["mod"])
    queue = client.get(f"{API}/faq/candidates", headers=headers).get_json()
    assert queue["items"][0]["question_id"] == question.id
    assert (queue["items"][0]["views"], queue["items"][0]["followers"]) == (50, 3)
    assert queue["items"][0]["reasons"] == ["popular"]
    bad = client.post(f"{API}/faq/candidates/approve", json={"question_ids": "1"}, headers=headers)
    assert bad.status_code == 422
    created = client.post(
        f"{API}/faq/candidates/approve",
        json={"question_ids": [question.id], "title": "Boiler and the steam icon explained"},
        headers=headers,
    )
    assert created.status_code == 201, created.get_json()
    entry = created.get_json()
    spec = client.get(f"{API}/openapi.json").get_json()
    assert set(entry) == properties(spec, "FaqEntry")
    assert set(queue["items"][0]) == properties(spec, "FaqCandidate")
    assert entry["kind"] == "faq" and entry["question_ids"] == [question.id]
    assert entry["contributors"][0]["username"] == "helper" and "switch the boiler type" in entry["body"]
    listing = client.get(f"{API}/faq").get_json()
    assert [item["id"] for item in listing["items"]] == [entry["id"]] and listing["items"][0][
        "helpful"
    ] is None
    assert client.get(f"{API}/faq/{entry['id']}", headers=headers).get_json()["helpful"] == {
        "yes": 0,
        "no": 0,
    }
    other, _ = thread(people, "Another steam question to dismiss today")
    dismissed = client.post(
        f"{API}/faq/candidates/{other.id}/dismiss", json={"reason": "One-off"}, headers=headers
    )
    assert dismissed.get_json() == {"question_id": other.id, "decision": "dismissed", "reason": "One-off"}
    vote = client.post(
        f"{API}/faq/{entry['id']}/helpful", json={"helpful": True}, headers=_bearer(people["other"])
    )
    assert vote.status_code == 200
