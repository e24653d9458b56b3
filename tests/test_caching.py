"""Kept pages: served from the store, changed at once; a question page shared by members of one
profile who took no part in the thread, with their own token and header; conditional GET for
anonymous question pages; fingerprinted static files."""

import re

import pytest
from sqlalchemy import event

from forum import caching, extensions
from forum.extensions import db
from forum.faq import candidates, tracking
from forum.models import Comment, User
from forum.moderation import flags, holds, suspensions, threads
from forum.notifications import service as notifications
from forum.questions import service, views
from forum.votes import service as votes
from tests.conftest import IS_POSTGRES, grant, login, make_answer, make_question, make_user
from tests.test_query_counts import counted_statements

ANSWER = "Hold the dial for ten seconds, then follow the app to pair it again."


@pytest.fixture
def people(app):
    people = {
        "mod": make_user("mod", role="moderator"),
        "asker": make_user("asker"),
        "helper": make_user("helper"),
        "voter": make_user("voter"),
        "reader": make_user("reader"),  # a member who takes no part in the thread
    }
    grant(people["voter"], 200)
    return people


@pytest.fixture
def thread(people):
    question = make_question(people["asker"])
    answer = make_answer(people["helper"], question, ANSWER)
    service.comment(people["voter"], answer.id, "This worked for me as well, thanks.")
    return question, answer


def url(question) -> str:
    return f"/questions/{question.id}/{question.slug}"


def fetch(client, address: str, **headers):
    """(response, statements run) for a GET."""
    with counted_statements() as statements:
        response = client.get(address, headers=headers)
    return response, len(statements)


def page(client, address: str) -> str:
    response = client.get(address)
    assert response.status_code == 200
    return response.get_data(as_text=True)


TOKEN = re.compile(r'(name="csrf_token" value|name="csrf-token" content)="([^"]+)"')


def tokens(html: str) -> set[str]:
    """The CSRF tokens a page holds."""
    return {match.group(2) for match in TOKEN.finditer(html)}


def without_tokens(html: str) -> str:
    """The page with its CSRF tokens blanked (a token is signed with the time: it changes each second)."""
    return TOKEN.sub(r'\1=""', html)


def member(app, username: str):
    """A signed-in client that has seen its "Signed in" message (a page with one is never kept)."""
    client = app.test_client()
    login(client, username)
    page(client, "/")
    return client


def test_a_repeat_anonymous_visit_is_served_from_the_store(client, thread):
    question, _ = thread
    first, cold = fetch(client, url(question))
    second, warm = fetch(client, url(question))
    assert first.status_code == second.status_code == 200
    assert first.get_data() == second.get_data()
    assert ANSWER in second.get_data(as_text=True)
    assert warm < cold
    assert warm == 1  # the question, its generations and the digest of its people, together
    assert "Cookie" in second.headers["Vary"]


def test_a_kept_visitor_page_is_never_served_for_a_deleted_or_retitled_question(client, people, thread):
    question, _ = thread
    old = url(question)
    page(client, old)
    assert fetch(client, old)[1] == 1  # from the store
    for elsewhere in (f"/questions/{question.id}/other-words", f"/questions/{question.id}"):
        assert client.get(elsewhere).headers["Location"].endswith(old)  # 301 to the page's address
    service.edit(people["asker"], question.id, question.body, title="Pairing lost after the firmware update")
    db.session.commit()
    moved = client.get(old)
    assert moved.status_code == 301 and moved.headers["Location"].endswith(url(question))
    assert "firmware update" in page(client, url(question))
    assert fetch(client, url(question))[1] == 1
    service.delete(people["mod"], question.id)
    db.session.commit()
    assert client.get(url(question)).status_code == 404
    assert client.get(old).status_code == 404


def test_a_worker_reads_a_visitor_page_key_at_most_once_a_second(app, client, people, thread, monkeypatch):
    question, _ = thread
    now = [caching.monotonic()]
    monkeypatch.setattr(caching, "monotonic", lambda: now[0])
    monkeypatch.setitem(app.config, "VISITOR_KEY_SECONDS", 1)
    monkeypatch.setitem(app.extensions, caching._VISITOR_KEYS, {})  # none held before, none left after
    before = page(client, url(question))  # the key read, the page rendered and kept
    sessions, make = [], extensions.Session.__init__
    with pytest.MonkeyPatch.context() as patched:
        patched.setattr(extensions.Session, "__init__", lambda *a, **kw: sessions.append(make(*a, **kw)))
        assert fetch(client, url(question))[1] == 0  # the same second: the key is not read again,
    assert not sessions  # and no database session is made
    service.answer(people["voter"], question.id, "Unplug it for a minute, then pair it again.")
    db.session.commit()
    assert page(client, url(question)) == before  # a change reaches visitors up to a second later
    now[0] += 1
    assert "Unplug it for a minute" in page(client, url(question))
    assert fetch(client, url(question))[1] == 0
    assert fetch(app.test_client(), "/questions/999999/nothing")[0].status_code == 404


def test_a_worker_serves_a_member_the_page_it_gave_their_session_less_than_a_second_ago(
    app, people, thread, monkeypatch
):
    question, answer = thread
    now = [caching.monotonic()]
    monkeypatch.setattr(caching, "monotonic", lambda: now[0])
    monkeypatch.setitem(app.config, "MEMBER_PAGE_SECONDS", 1)
    monkeypatch.setitem(app.extensions, caching._HELD_PAGES, {})  # none held before, none left after
    reader, voter, address = member(app, "reader"), member(app, "voter"), url(question)
    first, statements = fetch(reader, address)
    assert statements >= 1
    again, statements = fetch(reader, address)
    assert statements == 0 and again.get_data() == first.get_data()  # the same page, no query
    third, _ = fetch(reader, address)
    assert third.headers.getlist("Vary") == again.headers.getlist("Vary") == first.headers.getlist("Vary")
    assert third.headers["Cache-Control"] == "private, no-cache" and "Set-Cookie" not in third.headers
    # another member's session never gets it: their own header and token
    theirs = page(voter, address)
    assert '>voter <span class="rep"' in theirs and ">reader <" not in theirs
    assert tokens(theirs).isdisjoint(tokens(first.get_data(as_text=True)))
    # what others change reaches the member up to a second later
    service.answer(people["helper"], question.id, "Unplug it for a minute, then pair it again.")
    db.session.commit()
    assert "Unplug it for a minute" not in page(reader, address)
    now[0] += 1
    assert "Unplug it for a minute" in page(reader, address)
    # their own change shows at once, served by whichever worker: the vote changed their session
    page(voter, address)
    assert fetch(voter, address)[1] == 0
    assert 'data-vote="1" aria-pressed="false"' in page(voter, address)
    voted = voter.submit(f"/posts/{answer.id}/vote", {"value": "1"}, headers={"Accept": "application/json"})
    assert voted.status_code == 200
    response, statements = fetch(voter, address)
    assert statements >= 1 and 'data-vote="1" aria-pressed="true"' in response.get_data(as_text=True)
    assert fetch(voter, address)[1] == 0  # and held again for the new cookie


@pytest.mark.skipif(not IS_POSTGRES, reason="PostgreSQL's transactions; set TEST_DATABASE_URL")
def test_question_pages_read_without_a_transaction_and_other_pages_within_one(app, client, people, thread):
    question, _ = thread
    reader, address = member(app, "reader"), url(question)
    modes = []

    def note(connection, *_):
        modes.append(connection.connection.dbapi_connection.autocommit)

    event.listen(db.engine, "after_cursor_execute", note)
    try:
        for viewer in (client, reader):
            for _ in range(2):  # rendered, then from the store
                modes.clear()
                page(viewer, address)
                assert modes and all(modes)
        modes.clear()
        page(reader, "/")
        assert modes and not any(modes)
    finally:
        event.remove(db.engine, "after_cursor_execute", note)


def test_people_of_high_reputation_fit_in_the_digest(client, people, thread):
    question, _ = thread
    grant(people["helper"], 1_000_000)  # the digest's sum goes beyond 32-bit integers
    first, _ = fetch(client, url(question))
    second, warm = fetch(client, url(question))
    assert first.status_code == second.status_code == 200 and warm == 1


def test_views_are_counted_when_the_page_comes_from_the_store(app, thread):
    question, _ = thread
    tracking.discard_views()
    for n in range(3):  # three visitors
        visitor = app.test_client()
        assert visitor.get(url(question), environ_base={"REMOTE_ADDR": f"192.0.2.{n}"}).status_code == 200
    assert tracking.flush_views() == 3
    db.session.expire_all()
    shown = page(app.test_client(), url(question))
    assert "Viewed <!--views-->3<!--/views--> times" in shown


def test_kept_pages_hold_no_visitor_cookie_or_csrf_token(app, thread):
    question, _ = thread
    first = app.test_client().get(url(question))
    second = app.test_client().get(url(question))
    assert first.headers.get("Set-Cookie", "").startswith("visitor=")
    cookies = [first.headers["Set-Cookie"].split(";")[0], second.headers["Set-Cookie"].split(";")[0]]
    assert cookies[0] != cookies[1]  # each visitor gets their own
    body = second.get_data(as_text=True)
    assert "csrf" not in body.lower()
    assert cookies[0].split("=")[1] not in body


def _answer(people, question, answer):
    make_answer(people["voter"], question, "A second answer: unplug it for a minute, then retry.")
    return "A second answer"


def _edit(people, question, answer):
    service.edit(people["helper"], answer.id, ANSWER + " Edited: the dial is on the left.")
    return "Edited: the dial is on the left."


def _delete_answer(people, question, answer):
    service.delete(people["helper"], answer.id)
    return "0 Answers"


def _comment(people, question, answer):
    service.comment(people["voter"], question.id, "Which model do you have exactly?")
    return "Which model do you have exactly?"


def _delete_comment(people, question, answer):
    comment = db.session.scalars(db.select(Comment)).one()
    service.delete_comment(people["voter"], comment.id)
    return "!This worked for me as well"


def _vote(people, question, answer):
    votes.vote(people["voter"], answer.id, 1)
    return '<span class="score" title="score" aria-live="polite">1<'


def _accept(people, question, answer):
    votes.accept(people["asker"], question.id, answer.id)
    return 'title="Accepted answer"'


def _close(people, question, answer):
    threads.close(people["mod"], question.id, "off-topic")
    return "This question is closed"


def _lock(people, question, answer):
    threads.lock(people["mod"], question.id)
    return "This thread is locked"


def _faq(people, question, answer):
    candidates.approve(
        people["mod"],
        [question.id],
        "How do I reset the thermostat password?",
        ANSWER + "\n\nCredit: the helper's answer.",
        "",
        "Accounts",
    )
    return "This thread is part of our FAQ"


def _rename(people, question, answer):
    helper = db.session.get(User, people["helper"].id)
    helper.username = "helper_renamed"
    db.session.commit()
    return "helper_renamed"


def _new_role(people, question, answer):
    helper = db.session.get(User, people["helper"].id)
    helper.role = "expert"
    db.session.commit()
    return '<span class="badge badge-staff" title="Expert">Staff</span>'


def _reputation_elsewhere(people, question, answer):
    elsewhere = make_question(people["helper"], title="Another question about the schedule screen")
    votes.vote(people["voter"], elsewhere.id, 1)  # the helper's reputation changes on this page too
    return '<span class="rep" title="reputation">6<'


def _hold_and_release(people, question, answer):
    held = service.answer(
        people["voter"],
        question.id,
        "Call me on +44 20 7946 0958 and I will help.",
        confirm_personal_data=True,
    )
    assert "+44 20 7946 0958" not in page(people["client"], url(question))
    holds.release(people["mod"], "post", held.id)
    return "+44 20 7946 0958"


CHANGES = [
    _answer,
    _edit,
    _delete_answer,
    _comment,
    _delete_comment,
    _vote,
    _accept,
    _close,
    _lock,
    _faq,
    _rename,
    _new_role,
    _reputation_elsewhere,
    _hold_and_release,
]


@pytest.mark.parametrize("viewer", [None, "reader"], ids=["anonymous", "member"])
@pytest.mark.parametrize("change", CHANGES, ids=[change.__name__.strip("_") for change in CHANGES])
def test_every_change_shows_at_once(app, people, thread, change, viewer):
    question, answer = thread
    client = people["client"] = member(app, viewer) if viewer else app.test_client()
    before = without_tokens(page(client, url(question)))
    _, statements = fetch(client, url(question))
    assert statements <= 3  # kept
    assert without_tokens(page(client, url(question))) == before
    expected = change(people, question, answer)
    after = page(client, url(question))
    if expected.startswith("!"):
        assert expected[1:] in before and expected[1:] not in after
    else:
        assert expected not in before and expected in after


def test_a_members_repeat_visit_is_served_from_the_store(app, people, thread):
    question, _ = thread
    reader = member(app, "reader")
    first, cold = fetch(reader, url(question))
    second, warm = fetch(reader, url(question))
    assert warm < cold and warm == 1  # the question with its key, the member and the unread count
    assert without_tokens(first.get_data(as_text=True)) == without_tokens(second.get_data(as_text=True))
    assert ANSWER in second.get_data(as_text=True) and "Post your answer" in second.get_data(as_text=True)
    assert "ETag" not in second.headers
    assert "private" in second.headers["Cache-Control"] and "no-cache" in second.headers["Cache-Control"]
    assert "Cookie" in second.headers["Vary"]


def test_members_of_one_profile_share_a_page_each_with_their_own_token_and_header(app, people, thread):
    question, _ = thread
    other = make_user("other")
    make_answer(people["helper"], make_question(other, title="Why does the display flicker at night?"))
    reader, others = member(app, "reader"), member(app, "other")
    reader_page = page(reader, url(question))  # kept
    response, statements = fetch(others, url(question))
    other_page = response.get_data(as_text=True)
    assert statements == 1  # the reader's page, from the store
    assert ">reader <" in reader_page and ">other <" in other_page
    assert ">reader <" not in other_page and ">other <" not in reader_page
    assert 'class="unread-count"' in other_page and 'class="unread-count"' not in reader_page
    assert caching._csrf_placeholder(app) not in reader_page + other_page
    (reader_token,), (other_token,) = tokens(reader_page), tokens(other_page)
    assert reader_token != other_token
    # the token on the shared page is the member's own: a form posted with it goes through
    followed = others.post(f"/questions/{question.id}/follow", data={"csrf_token": other_token})
    assert followed.status_code == 302
    assert "✓ Following" in page(others, url(question)) and "✓ Following" not in page(reader, url(question))


def test_a_kept_member_page_holds_the_placeholder_never_a_token(app, people, thread, monkeypatch):
    question, _ = thread
    kept = []
    keep = caching._keep
    monkeypatch.setattr(
        caching, "_keep", lambda key, entry: kept.append(entry[0].decode()) or keep(key, entry)
    )
    reader = member(app, "reader")
    placeholder = caching._csrf_placeholder(app)
    served = [page(reader, url(question)) for _ in range(2)]  # rendered and kept, then from the store
    (html,) = kept
    assert tokens(html) == {placeholder}
    for shown in served:
        assert placeholder not in shown and len(tokens(shown)) == 1


@pytest.mark.parametrize("part", ["vote", "comment", "follow", "flag"])
def test_a_member_who_took_part_gets_the_live_page(app, people, thread, part):
    question, answer = thread
    grant(people["reader"], 200)
    grant(make_user("other"), 200)
    reader, others = member(app, "reader"), member(app, "other")  # one profile
    assert 'aria-pressed="true"' not in page(reader, url(question))  # kept, shared with members like them
    if part == "vote":
        votes.vote(people["reader"], answer.id, 1)
        mark = 'aria-pressed="true" title="This is useful'
    elif part == "comment":
        service.comment(people["reader"], answer.id, "Same here: the dial reset did it.")
        mark = 'aria-label="Delete comment"'
    elif part == "follow":
        notifications.follow(people["reader"], question.id)
        mark = "✓ Following"
    else:  # the page shows nothing of a flag: that it is rendered afresh tells
        flags.flag(people["reader"], answer.id, "other", "It names a customer.")
        mark = None
    for _ in range(2):
        response, statements = fetch(reader, url(question))
        assert statements > 3  # rendered afresh each time
        assert mark is None or mark in response.get_data(as_text=True)
    assert mark is None or mark not in page(others, url(question))


def test_a_page_rendered_while_its_thread_changed_is_not_kept(app, people, thread, monkeypatch):
    question, answer = thread
    grant(people["reader"], 200)
    reader = member(app, "reader")
    render, kept = views._render_question, []

    def voting_meanwhile(question_id, *args, **kwargs):
        votes.vote(db.session.get(User, people["reader"].id), answer.id, 1)  # after the key was read
        return render(question_id, *args, **kwargs)

    keep = caching._keep
    monkeypatch.setattr(caching, "_keep", lambda key, entry: kept.append(key) or keep(key, entry))
    monkeypatch.setattr(views, "_render_question", voting_meanwhile)
    # the page shows the reader's vote: under the key read before it, a member of the same
    # profile whose request read that key too would be shown it
    assert 'aria-pressed="true" title="This is useful' in page(reader, url(question))
    assert kept == []


def test_a_moderator_and_a_member_never_share(app, people, thread):
    question, _ = thread
    grant(people["reader"], 2000)  # every privilege reputation gives: only the role differs
    moderator, reader = member(app, "mod"), member(app, "reader")
    assert "Moderate this question" in page(moderator, url(question))
    assert "Moderate this question" not in page(reader, url(question))
    assert "Moderate this question" in page(moderator, url(question))


def test_a_suspended_member_never_sees_the_answer_form(app, people, thread):
    question, _ = thread
    others = make_user("other")
    reader, suspended = member(app, "reader"), member(app, "other")
    assert "Post your answer" in page(reader, url(question))  # kept for members who may post
    suspensions.suspend(people["mod"], others.id, 3, "Posting the same link everywhere.")
    shown = page(suspended, url(question))
    assert "Post your answer" not in shown and "Posting the same link everywhere." in shown
    assert "notice-suspended" not in page(reader, url(question))
    suspensions.suspend(people["mod"], people["reader"].id, 3, "Shouting at other members.")
    shown = page(reader, url(question))  # the suspended members' page, with the reader's own notice
    assert "Shouting at other members." in shown and "the same link" not in shown


def test_a_flash_message_is_never_kept(app, people, thread):
    visitor = app.test_client()
    page(visitor, "/")
    login(visitor, "asker")
    signed_out = visitor.submit("/logout", follow_redirects=True).get_data(as_text=True)
    assert 'class="flash' in signed_out
    assert 'class="flash' not in page(visitor, "/")
    assert 'class="flash' not in page(app.test_client(), "/")


def test_conditional_get_answers_304_until_the_page_changes(app, people, thread):
    question, answer = thread
    first = app.test_client().get(url(question))
    etag = first.headers["ETag"]
    assert "no-cache" in first.headers["Cache-Control"]
    tracking.discard_views()
    repeat, statements = fetch(app.test_client(), url(question), **{"If-None-Match": etag})
    assert repeat.status_code == 304 and repeat.get_data() == b""
    assert repeat.headers["ETag"] == etag
    assert statements <= 3
    assert tracking.flush_views() == 1  # the 304 still counts its visitor

    service.edit(people["helper"], answer.id, ANSWER + " Edited once more.")
    changed = app.test_client().get(url(question), headers={"If-None-Match": etag})
    assert changed.status_code == 200 and "Edited once more." in changed.get_data(as_text=True)
    assert changed.headers["ETag"] != etag


def test_conditional_get_is_anonymous_only(app, people, thread):
    question, _ = thread
    etag = app.test_client().get(url(question)).headers["ETag"]
    member = app.test_client()
    login(member, "voter")
    response = member.get(url(question), headers={"If-None-Match": etag})
    assert response.status_code == 200 and "ETag" not in response.headers


def test_lists_are_kept_and_change_at_once(client, people, thread):
    question, answer = thread
    for address in ("/", "/?sort=votes", "/questions/tagged/password", "/tags"):
        first, cold = fetch(client, address)
        second, warm = fetch(client, address)
        assert first.get_data() == second.get_data() and warm < cold, address
    make_question(people["voter"], title="A brand new question about batteries", tags="batteries")
    assert "brand new question" in page(client, "/")
    assert "batteries" in page(client, "/tags")
    votes.vote(people["voter"], question.id, 1)
    assert re.search(r"<strong>1</strong> vote<", page(client, "/?sort=votes"))


def test_static_files_are_fingerprinted_and_kept_for_a_year(client):
    home = page(client, "/")
    match = re.search(r'href="/static/forum\.css\?v=([0-9a-f]{12})"', home)
    assert match, "the stylesheet has no fingerprint"
    for name in ("forum.js", "votes.js", "favicon.svg"):
        assert re.search(rf"/static/{re.escape(name)}\?v=[0-9a-f]{{12}}", home), name
    fingerprinted = client.get(f"/static/forum.css?v={match.group(1)}")
    assert fingerprinted.status_code == 200
    control = fingerprinted.headers["Cache-Control"]
    assert "max-age=31536000" in control and "immutable" in control and "public" in control
    for address in ("/static/forum.css", "/static/forum.css?v=000000000000"):
        plain = client.get(address)
        assert plain.status_code == 200
        assert "immutable" not in plain.headers["Cache-Control"]
        assert "max-age=60" in plain.headers["Cache-Control"]
        plain.close()
    fingerprinted.close()


def test_the_store_is_redis_when_configured_and_none_at_zero(monkeypatch):
    from forum import config

    monkeypatch.delenv("PAGE_CACHE_SECONDS", raising=False)
    monkeypatch.delenv("REDIS_URL", raising=False)
    assert config.from_env()["CACHE_TYPE"] == "SimpleCache"
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/3")
    settings = config.from_env()
    assert (
        settings["CACHE_TYPE"] == "RedisCache" and settings["CACHE_REDIS_URL"] == "redis://127.0.0.1:6379/3"
    )
    monkeypatch.setenv("PAGE_CACHE_SECONDS", "0")
    assert config.from_env()["CACHE_TYPE"] == "NullCache"


def test_only_plain_addresses_are_kept(client, thread):
    question, _ = thread
    for address in (
        f"{url(question)}?utm_source=mail",
        "/?sort=newest&junk=1",
        "/?page=11",
        "/?sort=votes&sort=newest",
    ):
        first, cold = fetch(client, address)
        second, warm = fetch(client, address)
        assert first.status_code == second.status_code == 200, address
        assert warm == cold, address  # rendered afresh each time
        assert "ETag" not in second.headers


def test_a_released_savepoint_waits_for_the_outer_commit(app, caplog):
    """A new tag is made in a savepoint inside the asking transaction: releasing it fires
    after_commit with that transaction still open (on SQLite, holding the write lock); the
    generations are bumped once, after the real commit, and nothing waits on the lock."""
    from sqlalchemy import select

    from forum.models.caching import CacheGeneration

    asker = make_user("ann")
    before = dict(db.session.execute(select(CacheGeneration.name, CacheGeneration.value)).all())
    asker.about = "Written in the same transaction, before the savepoint."  # the transaction writes first
    question = make_question(asker, "A question with a brand new tag on it", tags="brand-new-tag")
    after = dict(db.session.execute(select(CacheGeneration.name, CacheGeneration.value)).all())
    assert "not bumped" not in caplog.text
    assert after.get("lists", 0) > before.get("lists", 0)
    assert after.get(f"q:{question.id}", 0) >= 1
