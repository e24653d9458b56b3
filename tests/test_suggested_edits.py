"""Suggested edits: below the edit privilege an edit waits for a reviewer, through pages and the API."""

from __future__ import annotations

from forum.extensions import db
from forum.models import Post, Revision
from forum.models.suggestions import SuggestedEdit
from forum.questions import service as questions
from tests.conftest import grant, login, make_answer, make_question, make_user
from tests.test_openapi import properties
from tests.test_votes import API, bearer

NEW_BODY = "Hold the dial for ten seconds until the screen flashes, then follow the app."


def _thread():
    asker, helper, editor = make_user("asker"), make_user("helper"), make_user("editor")
    question = make_question(asker)
    answer = make_answer(helper, question)
    return asker, helper, editor, question, answer


def _post(post_id: int) -> Post:
    db.session.expire_all()
    return db.session.get(Post, post_id)


def test_a_member_below_the_privilege_suggests_and_a_moderator_approves(app, client):
    asker, helper, editor, question, answer = _thread()
    make_user("mod", role="moderator")
    login(client, "editor")
    page = client.get(f"/questions/{question.id}/{question.slug}").get_data(as_text=True)
    assert "Suggest edit" in page and f'href="/posts/{answer.id}/edit"' in page
    form = client.get(f"/posts/{answer.id}/edit").get_data(as_text=True)
    assert "Suggest an edit to this answer" in form and "1000 reputation" in form

    response = client.submit(f"/posts/{answer.id}/edit", {"body": NEW_BODY, "summary": "Clearer steps"})
    assert response.status_code == 302
    assert "shows once a reviewer approves it" in client.get(
        response.location, follow_redirects=True
    ).get_data(as_text=True)
    assert _post(answer.id).body != NEW_BODY  # nothing changes before review
    suggestion = db.session.query(SuggestedEdit).one()
    assert (suggestion.status, suggestion.author_id, suggestion.body) == ("pending", editor.id, NEW_BODY)

    reviewer = app.test_client()
    login(reviewer, "mod")
    queue = reviewer.get("/review/edits").get_data(as_text=True)
    assert f'id="s{suggestion.id}"' in queue and "Clearer steps" in queue
    assert "+ Hold the dial for ten seconds until the screen flashes" in queue
    assert reviewer.submit(f"/review/edits/{suggestion.id}/approve").status_code == 302

    post = _post(answer.id)
    assert post.body == NEW_BODY and post.edited_by_id == editor.id
    revision = (
        db.session.query(Revision).filter_by(post_id=answer.id).order_by(Revision.number.desc()).first()
    )
    assert revision.number == 2 and revision.author_id == editor.id
    assert revision.summary == "Clearer steps (suggested edit, approved by mod)"
    db.session.refresh(suggestion)
    assert (suggestion.status, suggestion.revision_id) == ("approved", revision.id)
    assert "No suggested edits are waiting." in reviewer.get("/review/edits").get_data(as_text=True)


def test_a_rejection_keeps_the_post_and_tells_the_author_why(app, client):
    asker, helper, editor, question, answer = _thread()
    make_user("mod", role="moderator")
    suggestion = questions_suggest(editor, question.id, title="Reset my thermostat password, please")
    reviewer = app.test_client()
    login(reviewer, "mod")
    assert reviewer.submit(f"/review/edits/{suggestion.id}/reject", {"reason": "x" * 301}).status_code == 422
    response = reviewer.submit(f"/review/edits/{suggestion.id}/reject", {"reason": "The title was fine."})
    assert response.status_code == 302
    assert _post(question.id).title == "How do I reset my thermostat password?"
    login(client, "editor")
    own = client.get(f"/review/edits/{suggestion.id}").get_data(as_text=True)
    assert "Rejected" in own and "The title was fine." in own
    assert "- How do I reset my thermostat password?" in own
    assert app.test_client().get(f"/review/edits/{suggestion.id}").status_code == 302  # sign in first
    login(stranger := app.test_client(), make_user("stranger").username)
    assert stranger.get(f"/review/edits/{suggestion.id}").status_code == 404


def questions_suggest(actor, post_id, **fields):
    from forum.suggestions import service

    post = _post(post_id)
    return service.suggest(actor, post_id, fields.pop("body", post.body), **fields)


def test_the_queue_is_for_reviewers_and_the_edit_privilege_edits_directly(app, client):
    asker, helper, editor, question, answer = _thread()
    questions_suggest(editor, answer.id, body=NEW_BODY)
    login(client, "helper")
    response = client.get("/review/edits")
    assert response.status_code == 403
    assert "Editing other people&#39;s posts needs 1,000 reputation; you have 1." in response.get_data(
        as_text=True
    )

    grant(editor, 999)
    client = app.test_client()
    login(client, "editor")
    page = client.get(f"/questions/{question.id}/{question.slug}").get_data(as_text=True)
    assert f'href="/posts/{answer.id}/edit">Edit</a>' in page
    assert client.get("/review/edits").status_code == 200
    response = client.submit(
        f"/posts/{question.id}/edit",
        {
            "title": "Reset the thermostat password",
            "body": _post(question.id).body,
            "tags": "account password",
        },
    )
    assert response.status_code == 302 and _post(question.id).title == "Reset the thermostat password"


def test_suggestions_are_refused_when_they_change_nothing_or_one_is_waiting(app, client):
    asker, helper, editor, question, answer = _thread()
    login(client, "editor")
    response = client.submit(f"/posts/{answer.id}/edit", {"body": answer.body})
    assert response.status_code == 400 and "Change something first." in response.get_data(as_text=True)
    assert client.submit(f"/posts/{answer.id}/edit", {"body": NEW_BODY}).status_code == 302
    login(other := app.test_client(), make_user("other").username)
    response = other.submit(f"/posts/{answer.id}/edit", {"body": NEW_BODY + " Twice."})
    assert response.status_code == 400 and "already has a suggested edit waiting" in response.get_data(
        as_text=True
    )
    assert db.session.query(SuggestedEdit).count() == 1


def test_deleted_and_locked_posts_take_no_suggestions(app, client):
    asker, helper, editor, question, answer = _thread()
    questions.delete(helper, answer.id)
    login(client, "editor")
    assert client.get(f"/posts/{answer.id}/edit").status_code == 404
    question = _post(question.id)
    question.status = "locked"
    db.session.commit()
    response = client.get(f"/posts/{question.id}/edit")
    assert response.status_code == 403
    assert "Suggest edit" not in client.get(f"/questions/{question.id}/x").get_data(as_text=True)


def test_the_api_files_a_suggestion_and_reviewers_approve_or_reject_it(app, client):
    asker, helper, editor, question, answer = _thread()
    mod = make_user("mod", role="moderator")
    spec = client.get(f"{API}/openapi.json").get_json()

    response = client.patch(f"{API}/posts/{answer.id}", json={"body": NEW_BODY}, headers=bearer(editor))
    assert response.status_code == 202
    filed = response.get_json()
    assert set(filed) == properties(spec, "SuggestedEdit")
    assert (filed["status"], filed["body"], filed["author"]["username"]) == ("pending", NEW_BODY, "editor")
    assert _post(answer.id).body != NEW_BODY

    denied = client.get(f"{API}/suggested-edits", headers=bearer(helper))
    assert denied.status_code == 403 and "1,000 reputation" in denied.get_json()["error"]
    assert client.get(f"{API}/suggested-edits").status_code == 401
    listing = client.get(f"{API}/suggested-edits", headers=bearer(mod)).get_json()
    assert [item["id"] for item in listing["items"]] == [filed["id"]]
    assert set(listing) == properties(spec, "SuggestedEditPage")
    assert client.get(f"{API}/suggested-edits/{filed['id']}", headers=bearer(editor)).status_code == 200
    assert client.get(f"{API}/suggested-edits/{filed['id']}", headers=bearer(helper)).status_code == 404

    own = client.post(f"{API}/suggested-edits/{filed['id']}/approve", headers=bearer(editor))
    assert own.status_code == 403
    approved = client.post(f"{API}/suggested-edits/{filed['id']}/approve", headers=bearer(mod))
    assert approved.status_code == 200 and approved.get_json()["status"] == "approved"
    assert approved.get_json()["reviewer"]["username"] == "mod"
    assert _post(answer.id).body == NEW_BODY
    again = client.post(f"{API}/suggested-edits/{filed['id']}/approve", headers=bearer(mod))
    assert again.status_code == 422 and "already approved" in again.get_json()["error"]

    second = client.patch(
        f"{API}/posts/{question.id}", json={"tags": ["account", "wifi"]}, headers=bearer(editor)
    ).get_json()
    assert second["tags"] == ["account", "wifi"] and second["title"] == question.title
    rejected = client.post(
        f"{API}/suggested-edits/{second['id']}/reject",
        json={"reason": "Not about Wi-Fi."},
        headers=bearer(mod),
    )
    assert rejected.status_code == 200 and rejected.get_json()["review_note"] == "Not about Wi-Fi."
    assert _post(question.id).tag_names == ["account", "password"]
    bad = client.post(f"{API}/suggested-edits/{second['id']}/reject", json={"reason": 5}, headers=bearer(mod))
    assert bad.status_code == 422
    assert client.post(f"{API}/suggested-edits/99999/approve", headers=bearer(mod)).status_code == 404


def test_a_suggestion_made_on_an_older_version_cannot_be_approved(app, client):
    asker, helper, editor, question, answer = _thread()
    mod = make_user("mod", role="moderator")
    suggestion = questions_suggest(editor, answer.id, body=NEW_BODY)
    questions.edit(helper, answer.id, "The author rewrote the answer in the meantime, completely.")
    response = client.post(f"{API}/suggested-edits/{suggestion.id}/approve", headers=bearer(mod))
    assert (
        response.status_code == 422
        and "changed after this edit was suggested" in response.get_json()["error"]
    )
    assert _post(answer.id).body.startswith("The author rewrote")
    assert (
        client.post(f"{API}/suggested-edits/{suggestion.id}/reject", json={}, headers=bearer(mod)).status_code
        == 200
    )


def test_the_author_of_a_suggestion_hears_the_verdict(app, client):
    asker, helper, editor, question, answer = _thread()
    mod = make_user("mod", role="moderator")
    first = questions_suggest(editor, answer.id, body=NEW_BODY)
    client.post(f"{API}/suggested-edits/{first.id}/approve", headers=bearer(mod))
    second = questions_suggest(editor, question.id, title="Resetting the thermostat password")
    client.post(
        f"{API}/suggested-edits/{second.id}/reject",
        json={"reason": "Keep the question."},
        headers=bearer(mod),
    )
    texts = [
        item["text"]
        for item in client.get(f"{API}/notifications", headers=bearer(editor)).get_json()["items"]
    ]
    assert texts == [
        "mod rejected (Keep the question.) your suggested edit",
        "mod approved your suggested edit",
    ]
