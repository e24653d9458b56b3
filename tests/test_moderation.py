"""Moderation through pages and the API: flags and the queue, thread actions, tag merges,
suspensions, and the audit log every action writes."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from forum.clock import utcnow
from forum.extensions import db
from forum.models import Post, Question, Tag, User
from forum.models.moderation import AuditEntry, Flag
from forum.questions import service as questions
from tests.conftest import grant, login, make_answer, make_question, make_user
from tests.test_openapi import properties
from tests.test_votes import API, bearer


def _fresh(model, key):
    db.session.expire_all()
    return db.session.get(model, key)


def _log(action: str) -> list[AuditEntry]:
    db.session.expire_all()
    return list(
        db.session.scalars(select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id))
    )


def _flaggers(count: int) -> list[User]:
    people = [make_user(f"flagger{index}") for index in range(count)]
    for person in people:
        grant(person, 14)  # 15: the flag privilege
    return people


# Flags


def test_flagging_needs_the_privilege_and_one_flag_per_member(app, client):
    asker, helper = make_user("asker"), make_user("helper")
    question = make_question(asker)
    answer = make_answer(helper, question)
    login(client, "helper")
    page = client.get(f"/questions/{question.id}/{question.slug}").get_data(as_text=True)
    assert f'action="/posts/{question.id}/flags"' not in page  # no privilege: no control
    response = client.submit(f"/posts/{question.id}/flags", {"reason": "spam"})
    assert response.status_code == 403 and "Flagging posts needs 15 reputation" in response.get_data(
        as_text=True
    )

    grant(helper, 14)
    page = client.get(f"/questions/{question.id}/{question.slug}").get_data(as_text=True)
    assert f'action="/posts/{question.id}/flags"' in page
    assert f'action="/posts/{answer.id}/flags"' not in page  # not on one's own post
    assert client.submit(f"/posts/{question.id}/flags", {"reason": "off-topic"}).status_code == 302
    again = client.post(f"{API}/posts/{question.id}/flags", json={"reason": "spam"}, headers=bearer(helper))
    assert again.status_code == 409 and "already flagged" in again.get_json()["error"]
    own = client.post(f"{API}/posts/{answer.id}/flags", json={"reason": "spam"}, headers=bearer(helper))
    assert own.status_code == 403


def test_flag_reasons_are_checked_and_the_api_answers_a_flag(app, client):
    asker = make_user("asker")
    question, original = make_question(asker), make_question(asker, title="How do I change my password now?")
    (flagger,) = _flaggers(1)
    url, headers = f"{API}/posts/{question.id}/flags", bearer(flagger)
    assert client.post(url, json={"reason": "bogus"}, headers=headers).status_code == 422
    assert client.post(url, json={"reason": "other"}, headers=headers).get_json()["fields"] == {
        "text": ["Say what is wrong."]
    }
    assert client.post(url, json={"reason": "duplicate"}, headers=headers).status_code == 422
    response = client.post(
        url, json={"reason": "duplicate", "duplicate_of": f"/questions/{original.id}/x"}, headers=headers
    )
    assert response.status_code == 201
    body = response.get_json()
    assert set(body) == properties(client.get(f"{API}/openapi.json").get_json(), "Flag")
    assert (body["reason"], body["duplicate_of"], body["status"], body["post_hidden"]) == (
        "duplicate",
        original.id,
        "open",
        False,
    )


def test_six_spam_flags_hide_a_post_until_a_moderator_releases_it(app, client):
    asker = make_user("asker")
    make_user("mod", role="moderator")
    question = make_question(asker, title="Cheap thermostats here, click my link now")
    flaggers = _flaggers(6)
    for flagger in flaggers[:5]:
        assert client.post(
            f"{API}/posts/{question.id}/flags", json={"reason": "spam"}, headers=bearer(flagger)
        )
    assert client.get(f"/questions/{question.id}").status_code in (200, 301, 308)
    last = client.post(
        f"{API}/posts/{question.id}/flags", json={"reason": "rude"}, headers=bearer(flaggers[5])
    )
    assert last.get_json()["post_hidden"] is True

    assert app.test_client().get(f"/questions/{question.id}/{question.slug}").status_code == 404
    assert app.test_client().get(f"{API}/questions/{question.id}").status_code == 404
    assert "Cheap thermostats" not in app.test_client().get("/questions").get_data(as_text=True)
    assert "Cheap thermostats" not in app.test_client().get("/search?q=cheap+thermostats").get_data(
        as_text=True
    )
    author = app.test_client()
    login(author, "asker")
    assert "hidden until a moderator reviews it" in author.get(
        f"/questions/{question.id}/{question.slug}"
    ).get_data(as_text=True)
    assert author.submit(f"/posts/{question.id}/undelete").status_code == 403  # only a moderator releases it
    (hide,) = _log("post.hide")
    assert hide.actor_id is None and hide.target_id == question.id

    moderator = app.test_client()
    login(moderator, "mod")
    queue = moderator.get("/moderation").get_data(as_text=True)
    assert f'id="flagged-{question.id}"' in queue and "Hidden" in queue and queue.count("<li><strong>") == 6
    assert moderator.submit(f"/moderation/posts/{question.id}", {"action": "release"}).status_code == 302
    assert app.test_client().get(f"/questions/{question.id}/{question.slug}").status_code == 200
    db.session.expire_all()
    assert {flag.status for flag in db.session.scalars(select(Flag))} == {"dismissed"}
    assert [entry.actor.username for entry in _log("post.unhide")] == ["mod"]
    assert "No open flags." in moderator.get("/moderation").get_data(as_text=True)


def test_the_queue_groups_flags_oldest_first_and_a_deletion_resolves_them(app, client):
    asker, spammer = make_user("asker"), make_user("spammer")
    mod = make_user("mod", role="moderator")
    first = make_question(asker, title="How do I pair the thermostat with wifi?")
    second = make_question(spammer, title="Buy followers cheap, best prices online")
    one, two = _flaggers(2)
    client.post(f"{API}/posts/{first.id}/flags", json={"reason": "needs-expert"}, headers=bearer(one))
    client.post(f"{API}/posts/{second.id}/flags", json={"reason": "spam"}, headers=bearer(one))
    client.post(f"{API}/posts/{second.id}/flags", json={"reason": "spam"}, headers=bearer(two))
    queue = client.get(f"{API}/moderation/flags", headers=bearer(mod)).get_json()
    assert set(queue) == properties(client.get(f"{API}/openapi.json").get_json(), "FlagQueue")
    assert [(item["post_id"], len(item["flags"])) for item in queue["items"]] == [
        (first.id, 1),
        (second.id, 2),
    ]
    assert client.get(f"{API}/moderation/flags", headers=bearer(one)).status_code == 403

    login(client, "mod")
    page = client.get("/moderation").get_data(as_text=True)
    assert page.index(f'id="flagged-{first.id}"') < page.index(f'id="flagged-{second.id}"')
    response = client.submit(f"/moderation/posts/{second.id}", {"action": "delete", "reason": "Spam."})
    assert response.status_code == 302
    assert _fresh(Post, second.id).is_deleted and _fresh(Post, second.id).deleted_by_id == mod.id
    db.session.expire_all()
    statuses = {flag.post_id: flag.status for flag in db.session.scalars(select(Flag))}
    assert statuses == {first.id: "open", second.id: "actioned"}
    assert [entry.target_id for entry in _log("flag.action")] == [second.id]
    assert [entry.target_id for entry in _log("post.delete")] == [second.id]

    bad = client.post(f"{API}/moderation/posts/{first.id}", json={"action": "explode"}, headers=bearer(mod))
    assert bad.status_code == 422
    warned = client.post(
        f"{API}/moderation/posts/{first.id}",
        json={"action": "warn", "reason": "Be kind."},
        headers=bearer(mod),
    )
    assert warned.status_code == 200 and _log("user.warn")[0].target_id == asker.id


# Thread actions


def test_close_as_duplicate_reopen_lock_and_unlock_through_the_pages(app, client):
    asker, member = make_user("asker"), make_user("member")
    make_user("mod", role="moderator")
    original = make_question(asker, title="How do I reset my thermostat to factory settings?")
    question = make_question(member, title="Factory reset of the thermostat, how?")
    url = f"/questions/{question.id}/{question.slug}"
    login(client, "member")
    assert "Moderate this question" not in client.get(url).get_data(as_text=True)
    assert client.submit(f"/questions/{question.id}/moderate", {"action": "lock"}).status_code == 403

    moderator = app.test_client()
    login(moderator, "mod")
    assert "Moderate this question" in moderator.get(url).get_data(as_text=True)
    response = moderator.submit(
        f"/questions/{question.id}/moderate",
        {
            "action": "close",
            "reason": "duplicate",
            "duplicate_of": f"http://localhost/questions/{original.id}/x",
        },
    )
    assert response.status_code == 302
    page = client.get(url).get_data(as_text=True)
    assert "closed as a duplicate" in page and f'href="/posts/{original.id}"' in page
    closed = _fresh(Question, question.id)
    assert (closed.status, closed.closed_reason, closed.duplicate_of_id) == (
        "closed",
        "duplicate",
        original.id,
    )
    (entry,) = _log("question.close")
    assert (
        json.loads(entry.before)["status"] == "open"
        and json.loads(entry.after)["duplicate_of_id"] == original.id
    )

    assert moderator.submit(f"/questions/{question.id}/moderate", {"action": "lock"}).status_code == 302
    assert _fresh(Question, question.id).status == "locked"
    assert client.submit(f"/posts/{question.id}/comments", {"body": "Still broken here."}).status_code == 422
    assert moderator.submit(f"/questions/{question.id}/moderate", {"action": "reopen"}).status_code == 422
    assert moderator.submit(f"/questions/{question.id}/moderate", {"action": "unlock"}).status_code == 302
    assert _fresh(Question, question.id).status == "closed"  # back to where it was
    assert moderator.submit(f"/questions/{question.id}/moderate", {"action": "reopen"}).status_code == 302
    reopened = _fresh(Question, question.id)
    assert (reopened.status, reopened.duplicate_of_id) == ("open", None)
    assert [len(_log(name)) for name in ("question.lock", "question.unlock", "question.reopen")] == [1, 1, 1]
    assert moderator.submit(f"/questions/{question.id}/moderate", {"action": "dance"}).status_code == 422


def test_thread_actions_in_the_api(app, client):
    asker = make_user("asker")
    mod = make_user("mod", role="moderator")
    question = make_question(asker)
    spec = client.get(f"{API}/openapi.json").get_json()
    base = f"{API}/questions/{question.id}"
    refused = client.post(f"{base}/close", json={"reason": "off-topic"}, headers=bearer(asker))
    assert refused.status_code == 403
    assert client.post(f"{base}/close", json={"reason": "because"}, headers=bearer(mod)).status_code == 422
    assert client.post(f"{base}/close", json={"reason": "duplicate"}, headers=bearer(mod)).status_code == 422
    itself = client.post(
        f"{base}/close", json={"reason": "duplicate", "duplicate_of": question.id}, headers=bearer(mod)
    )
    assert itself.status_code == 422
    closed = client.post(f"{base}/close", json={"reason": "needs-details"}, headers=bearer(mod)).get_json()
    assert set(closed) == properties(spec, "Question")
    assert (closed["status"], closed["closed_reason"]) == ("closed", "needs-details")
    assert client.post(f"{base}/close", json={"reason": "off-topic"}, headers=bearer(mod)).status_code == 422
    assert client.post(f"{base}/reopen", headers=bearer(mod)).get_json()["status"] == "open"
    assert client.post(f"{base}/lock", headers=bearer(mod)).get_json()["status"] == "locked"
    answer = client.post(
        f"{base}/answers", json={"body": "An answer to a locked thread."}, headers=bearer(asker)
    )
    assert answer.status_code == 422
    assert client.post(f"{base}/unlock", headers=bearer(mod)).get_json()["status"] == "open"
    assert client.post(f"{base}/pin", headers=bearer(mod)).get_json()["pinned"] is True
    assert client.post(f"{base}/pin", headers=bearer(mod)).status_code == 422
    assert client.post(f"{base}/unpin", headers=bearer(mod)).get_json()["pinned"] is False
    assert client.post(f"{API}/questions/99999/lock", headers=bearer(mod)).status_code == 404


def test_a_pinned_question_leads_its_tag_and_deletes_by_moderators_are_audited(app, client):
    asker = make_user("asker")
    mod = make_user("mod", role="moderator")
    old = make_question(asker, title="An old question about billing cycles", tags="billing")
    make_question(asker, title="A newer question about billing dates", tags="billing")
    client.post(f"{API}/questions/{old.id}/pin", headers=bearer(mod))
    page = client.get("/questions/tagged/billing").get_data(as_text=True)
    assert page.index("An old question") < page.index("A newer question") and "Pinned" in page
    listing = client.get(f"{API}/questions?tag=billing").get_json()["items"]
    assert listing[0]["id"] == old.id

    assert client.delete(f"{API}/posts/{old.id}", headers=bearer(mod)).status_code == 200
    assert client.post(f"{API}/posts/{old.id}/undelete", headers=bearer(mod)).status_code == 200
    assert [len(_log("post.delete")), len(_log("post.undelete"))] == [1, 1]
    own = make_question(asker, title="The asker deletes this one themselves")
    client.delete(f"{API}/posts/{own.id}", headers=bearer(asker))
    assert len(_log("post.delete")) == 1  # an author's own deletion is not a moderator action


def test_moderator_edits_of_others_posts_are_audited_with_before_and_after(app, client):
    asker = make_user("asker")
    mod = make_user("mod", role="moderator")
    question = make_question(asker)
    response = client.patch(
        f"{API}/posts/{question.id}", json={"title": "Resetting a thermostat password"}, headers=bearer(mod)
    )
    assert response.status_code == 200
    (entry,) = _log("post.edit")
    assert json.loads(entry.before)["title"] == "How do I reset my thermostat password?"
    assert json.loads(entry.after)["title"] == "Resetting a thermostat password"
    questions.edit(asker, question.id, "The asker's own edit of the body, which is not audited.")
    assert len(_log("post.edit")) == 1


def test_merging_tags_moves_questions_and_the_old_name_follows(app, client):
    asker = make_user("asker")
    mod = make_user("mod", role="moderator")
    both = make_question(asker, title="Wifi and wi-fi both tagged here", tags="wifi wi-fi")
    only = make_question(asker, title="Only the old wifi tag on this one", tags="wifi")
    refused = client.post(
        f"{API}/tags/merge", json={"source": "wifi", "target": "wi-fi"}, headers=bearer(asker)
    )
    assert refused.status_code == 403
    same = client.post(f"{API}/tags/merge", json={"source": "wifi", "target": "wifi"}, headers=bearer(mod))
    assert same.status_code == 422
    missing = client.post(f"{API}/tags/merge", json={"source": "nope", "target": "wifi"}, headers=bearer(mod))
    assert missing.status_code == 404
    merged = client.post(f"{API}/tags/merge", json={"source": "wifi", "target": "wi-fi"}, headers=bearer(mod))
    assert merged.get_json() == {"tag": "wi-fi", "question_count": 2}
    assert _fresh(Question, both.id).tag_names == ["wi-fi"] and _fresh(Question, only.id).tag_names == [
        "wi-fi"
    ]
    assert db.session.scalar(select(Tag.question_count).where(Tag.name == "wifi")) == 0
    response = client.get("/questions/tagged/wifi")
    assert response.status_code == 301 and response.location.endswith("/questions/tagged/wi-fi")
    new = make_question(asker, title="A new question that says wifi again", tags="wifi")
    assert new.tag_names == ["wi-fi"]
    assert "wi-fi" in client.get("/search?q=[wi-fi]").get_data(as_text=True)
    (entry,) = _log("tag.merge")
    assert json.loads(entry.after) == {"merged_into": "wi-fi"}


# Suspensions


def test_a_suspended_member_reads_but_cannot_post_until_an_admin_lifts_it(app, client):
    member = make_user("member")
    make_user("mod", role="moderator")
    make_user("root", role="admin")
    question = make_question(member)
    moderator = app.test_client()
    login(moderator, "mod")
    assert moderator.submit(f"/users/{member.id}/suspend", {"days": "0", "reason": "x"}).status_code == 422
    assert moderator.submit(f"/users/{member.id}/suspend", {"days": "3", "reason": ""}).status_code == 422
    response = moderator.submit(f"/users/{member.id}/suspend", {"days": "3", "reason": "Spamming links."})
    assert response.status_code == 302

    login(client, "member")
    page = client.get(f"/questions/{question.id}/{question.slug}").get_data(as_text=True)
    assert "Your account is suspended until" in page and "Spamming links." in page
    refused = client.submit(
        f"/questions/{question.id}/answers", {"body": "An answer I am not allowed to post."}
    )
    assert refused.status_code == 403 and "Spamming links." in refused.get_data(as_text=True)
    token = bearer(member)  # tokens still read...
    assert client.get(f"{API}/questions/{question.id}", headers=token).status_code == 200
    write = client.post(
        f"{API}/questions/{question.id}/answers", json={"body": "Via the API instead."}, headers=token
    )
    assert write.status_code == 403 and "suspended until" in write.get_json()["error"]
    assert "Spamming links." in write.get_json()["error"]

    assert moderator.submit(f"/users/{member.id}/unsuspend").status_code == 403  # admins lift
    admin = app.test_client()
    login(admin, "root")
    assert admin.submit(f"/users/{member.id}/unsuspend").status_code == 302
    assert (
        client.submit(
            f"/questions/{question.id}/answers", {"body": "Now I may answer again, thanks."}
        ).status_code
        == 302
    )
    assert [len(_log("user.suspend")), len(_log("user.unsuspend"))] == [1, 1]
    assert json.loads(_log("user.suspend")[0].after)["days"] == 3


def test_suspensions_in_the_api_and_the_command_line(app, client, runner):
    member, other = make_user("member"), make_user("other")
    mod, root = make_user("mod", role="moderator"), make_user("root", role="admin")
    spec = client.get(f"{API}/openapi.json").get_json()
    url = f"{API}/users/{member.id}/suspend"
    assert client.post(url, json={"days": 2, "reason": "Rude."}, headers=bearer(other)).status_code == 403
    assert client.post(url, json={"days": "2", "reason": "Rude."}, headers=bearer(mod)).status_code == 200
    body = client.post(url, json={"days": 5, "reason": "Rude again."}, headers=bearer(mod)).get_json()
    assert set(body) == properties(spec, "Suspension")
    assert body["suspended"] is True and body["reason"] == "Rude again."
    assert client.post(url, json={"days": 4000, "reason": "Long."}, headers=bearer(mod)).status_code == 422
    modurl = f"{API}/users/{mod.id}/suspend"
    assert client.post(modurl, json={"days": 1, "reason": "No."}, headers=bearer(root)).status_code == 422
    assert client.post(f"{API}/users/{member.id}/unsuspend", headers=bearer(mod)).status_code == 403
    lifted = client.post(f"{API}/users/{member.id}/unsuspend", headers=bearer(root)).get_json()
    assert lifted["suspended"] is False
    assert client.post(f"{API}/users/{member.id}/unsuspend", headers=bearer(root)).status_code == 422

    result = runner.invoke(args=["users", "suspend", "other", "--days", "7", "--reason", "Cooling off."])
    assert result.exit_code == 0 and "other is suspended until" in result.output
    assert _fresh(User, other.id).is_suspended
    result = runner.invoke(args=["users", "suspend", "mod", "--days", "7", "--reason", "No."])
    assert result.exit_code == 1 and "cannot be suspended" in result.output
    assert runner.invoke(args=["users", "unsuspend", "other"]).exit_code == 0
    assert not _fresh(User, other.id).is_suspended
    assert _log("user.suspend")[-1].actor_id is None  # the command line


def test_a_suspension_ends_by_itself(app, client):
    member = make_user("member")
    question = make_question(member)
    member.suspended_until, member.suspension_reason = utcnow() - timedelta(minutes=1), "Over."
    db.session.commit()
    login(client, "member")
    assert "suspended" not in client.get("/").get_data(as_text=True)
    assert client.submit(f"/posts/{question.id}/comments", {"body": "Back again."}).status_code == 302


# The audit log


def test_the_audit_log_is_for_moderators_filterable_and_append_only(app, client):
    asker = make_user("asker")
    mod = make_user("mod", role="moderator")
    first, second = make_question(asker), make_question(asker, title="Another question about my thermostat")
    client.post(f"{API}/questions/{first.id}/lock", json={"note": "Heated."}, headers=bearer(mod))
    client.post(f"{API}/questions/{second.id}/pin", headers=bearer(mod))
    login(client, "asker")
    assert client.get("/moderation/log").status_code == 403
    assert client.get(f"{API}/moderation/log", headers=bearer(asker)).status_code == 403

    moderator = app.test_client()
    login(moderator, "mod")
    page = moderator.get("/moderation/log").get_data(as_text=True)
    assert "<td>Locked a question</td>" in page and "<td>Pinned a question</td>" in page and "Heated." in page
    only_locks = moderator.get("/moderation/log?action=question.lock").get_data(as_text=True)
    assert "<td>Locked a question</td>" in only_locks and "<td>Pinned a question</td>" not in only_locks
    by_target = client.get(f"{API}/moderation/log?target_id={second.id}", headers=bearer(mod)).get_json()
    assert [item["action"] for item in by_target["items"]] == ["question.pin"]
    assert set(by_target["items"][0]) == properties(
        client.get(f"{API}/openapi.json").get_json(), "AuditEntry"
    )
    assert by_target["items"][0]["actor"]["username"] == "mod"
    for bad in ("action=nope", "since=yesterday", "target_id=x1", "until=99999-01-01", "target_type=planet"):
        assert moderator.get(f"/moderation/log?{bad}").status_code == 422, bad
    assert moderator.get("/moderation/log?actor=nobody&since=2020-01-01&until=2020-01-02").status_code == 200

    entry = db.session.scalars(select(AuditEntry)).first()
    entry.reason = "rewritten"
    with pytest.raises(RuntimeError, match="append-only"):
        db.session.commit()
    db.session.rollback()
    writable = [
        rule.rule
        for rule in app.url_map.iter_rules()
        if "moderation/log" in rule.rule and rule.methods & {"POST", "PUT", "PATCH", "DELETE"}
    ]
    assert writable == []


def test_flaggers_hear_the_outcome_and_a_warned_author_reads_the_warning(app, client):
    asker = make_user("asker")
    mod = make_user("mod", role="moderator")
    question = make_question(asker)
    one, two = _flaggers(2)
    client.post(f"{API}/posts/{question.id}/flags", json={"reason": "rude"}, headers=bearer(one))
    client.post(
        f"{API}/posts/{question.id}/flags", json={"reason": "other", "text": "Odd."}, headers=bearer(two)
    )
    client.post(
        f"{API}/moderation/posts/{question.id}",
        json={"action": "warn", "reason": "Please keep it civil."},
        headers=bearer(mod),
    )
    for flagger in (one, two):
        (item,) = client.get(f"{API}/notifications", headers=bearer(flagger)).get_json()["items"]
        assert item["kind"] == "flag" and item["text"].endswith("A moderator contacted the author.")
    (warning,) = client.get(f"{API}/notifications", headers=bearer(asker)).get_json()["items"]
    assert warning["kind"] == "warning" and "Please keep it civil." in warning["text"]
    login(client, "asker")
    assert "A moderator warned you about your question: Please keep it civil." in client.get(
        "/notifications"
    ).get_data(as_text=True)
    assert client.get(f"{API}/notifications", headers=bearer(mod)).get_json()["items"] == []


def test_members_with_the_privilege_close_a_question_together(app, client):
    asker = make_user("asker")
    mod = make_user("mod", role="moderator")
    original = make_question(asker, title="How do I reset my thermostat to factory settings?")
    question = make_question(asker, title="Factory reset, how does it work?")
    voters = [make_user(f"veteran{index}") for index in range(3)]
    for voter in voters:
        grant(voter, 1499)
    url = f"{API}/questions/{question.id}/close"
    below = client.post(url, json={"reason": "off-topic"}, headers=bearer(asker))
    assert below.status_code == 403 and "1,500 reputation" in below.get_json()["error"]
    login(client, "veteran0")
    page = client.get(f"/questions/{question.id}/{question.slug}").get_data(as_text=True)
    assert "Vote to close" in page and "Moderate this question" not in page
    response = client.submit(
        f"/questions/{question.id}/moderate",
        {"action": "close", "reason": "duplicate", "duplicate_of": original.id},
    )
    assert response.status_code == 302
    assert "1 of the 3 needed" in client.get(response.location).get_data(as_text=True)
    again = client.post(url, json={"reason": "off-topic"}, headers=bearer(voters[0]))
    assert again.status_code == 409
    second = client.post(url, json={"reason": "off-topic"}, headers=bearer(voters[1]))
    assert second.status_code == 202 and second.get_json() == {"close_votes": 2, "needed": 3}
    third = client.post(
        url, json={"reason": "duplicate", "duplicate_of": original.id}, headers=bearer(voters[2])
    )
    assert third.status_code == 200
    assert (third.get_json()["closed_reason"], third.get_json()["duplicate_of_id"]) == (
        "duplicate",
        original.id,
    )
    (entry,) = _log("question.close")
    assert entry.actor_id is None and entry.reason == "3 close votes"
    assert client.post(f"{API}/questions/{question.id}/reopen", headers=bearer(mod)).status_code == 200
    assert client.post(url, json={"reason": "off-topic"}, headers=bearer(voters[0])).status_code == 202
