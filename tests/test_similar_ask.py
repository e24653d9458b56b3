"""Similar questions while asking: the no-JS check step, suggestion events, deflections, duplicate links."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from forum.clock import utcnow
from forum.extensions import db
from forum.models import Question
from forum.models.search import SimilarEvent
from forum.search import deflection
from forum.votes import service as votes
from tests.conftest import login, make_answer, make_question, make_user
from tests.test_search_support import ENGINES, use_engine

BODY = "The app says it cannot find my network, although the router is right next to it."
_TOKEN = re.compile(r'name="ask_token" type="hidden" value="([^"]+)"')


@pytest.fixture(params=ENGINES)
def engine(app, request):
    yield from use_engine(app, request.param)


@pytest.fixture
def prior(engine):
    """An answered (accepted) question and an unanswered one, asked by someone else."""
    quinn, erin = make_user("quinn"), make_user("erin", role="expert")
    pairing = make_question(
        quinn, "How do I pair the thermostat with wifi?", "Setup cannot find my router.", "wifi"
    )
    answer = make_answer(erin, pairing, "Hold the dial for five seconds, then choose your network.")
    votes.accept(quinn, pairing.id, answer.id)
    schedule = make_question(quinn, "Thermostat schedule ignores the weekend", tags="schedule")
    return pairing, schedule


@pytest.fixture
def ann(client, prior):
    user = make_user("ann")
    login(client, "ann")
    return user


def ask_token(page: str) -> str:
    match = _TOKEN.search(page)
    assert match, "no ask token on the page"
    return match.group(1)


def questions() -> int:
    return db.session.scalar(select(func.count()).select_from(Question))


def events(kind: str | None = None) -> list[SimilarEvent]:
    query = select(SimilarEvent).order_by(SimilarEvent.id)
    if kind:
        query = query.where(SimilarEvent.kind == kind)
    return list(db.session.scalars(query))


def draft(**extra) -> dict:
    return {"title": "My thermostat will not pair with the wifi", "body": BODY, "tags": "wifi", **extra}


def test_ask_page_has_live_region_and_script(client, ann):
    page = client.get("/questions/ask").get_data(as_text=True)
    assert 'id="similar-questions"' in page and 'aria-live="polite"' in page
    assert 'data-similar-url="/api/v1/similar"' in page and "/static/ask.js" in page
    assert 'name="checked_similar"' in page and len(ask_token(page)) >= 16
    assert "/static/ask.js" not in client.get("/").get_data(as_text=True)


def test_first_submit_shows_similar_questions_and_does_not_post(client, ann, prior):
    pairing, _ = prior
    before = questions()
    token = ask_token(client.get("/questions/ask").get_data(as_text=True))
    response = client.submit("/questions/ask", draft(ask_token=token))
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and questions() == before
    assert "Similar questions" in page and "Post my question anyway" in page
    assert pairing.title in page
    assert f'href="/questions/similar/{pairing.id}/open?ask={token}"' in page
    assert 'name="checked_similar" type="hidden" value="1"' in page
    assert ask_token(page) == token  # the same visit
    assert "Accepted answer" in page and "Unanswered" in page
    # the second submit posts, and records that the asker posted anyway
    response = client.submit("/questions/ask", draft(ask_token=token, checked_similar="1"))
    assert response.status_code == 302 and questions() == before + 1
    new = db.session.scalar(select(Question).order_by(Question.id.desc()))
    assert response.headers["Location"].endswith(f"/questions/{new.id}/{new.slug}")
    [posted] = events(deflection.POSTED_ANYWAY)
    assert (posted.question_id, posted.ask_token, posted.user_id) == (new.id, token, ann.id)


def test_submit_with_nothing_similar_posts_at_once(client, ann):
    before = questions()
    response = client.submit(
        "/questions/ask",
        {
            "title": "Invoice address in Swedish kronor",
            "body": "Could invoices carry another postal address, please?",
            "tags": "billing",
        },
    )
    assert response.status_code == 302 and questions() == before + 1
    assert events() == []


def test_invalid_draft_still_gets_errors_not_the_check_step(client, ann):
    response = client.submit("/questions/ask", draft(body="short"))
    assert response.status_code == 400 and "Post my question anyway" not in response.get_data(as_text=True)


def test_similar_api_returns_the_prior_questions(client, prior):
    pairing, _ = prior
    response = client.get("/api/v1/similar", query_string={"title": "thermostat wifi pairing", "limit": 5})
    items = response.get_json()["items"]
    assert response.status_code == 200 and 1 <= len(items) <= 5
    assert (
        items[0]["question_id"] == pairing.id
        and items[0]["answered"] is True
        and items[0]["has_accepted"] is True
    )
    assert items[0]["url"].endswith(f"/questions/{pairing.id}/{pairing.slug}")


def test_opening_a_suggestion_records_it_and_redirects(client, ann, prior):
    pairing, _ = prior
    token = deflection.new_ask_token()
    response = client.get(f"/questions/similar/{pairing.id}/open", query_string={"ask": token})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/questions/{pairing.id}/{pairing.slug}")
    [opened] = events()
    assert (opened.kind, opened.question_id, opened.ask_token, opened.user_id) == (
        deflection.SUGGESTION_OPENED,
        pairing.id,
        token,
        ann.id,
    )
    # junk tokens are not recorded, but the asker still gets the question
    for junk in ("", "short", "x" * 65, "<script>alert(1)</script>xxxxxxxx"):
        assert (
            client.get(f"/questions/similar/{pairing.id}/open", query_string={"ask": junk}).status_code == 302
        )
    assert len(events()) == 1
    assert client.get(f"/questions/similar/999999/open?ask={token}").status_code == 404
    assert len(events()) == 1


def test_opened_then_posted_is_not_a_deflection(client, ann, prior):
    pairing, _ = prior
    token = ask_token(client.get("/questions/ask").get_data(as_text=True))
    client.get(f"/questions/similar/{pairing.id}/open?ask={token}")
    assert client.submit("/questions/ask", draft(ask_token=token, checked_similar="1")).status_code == 302
    later = utcnow() + timedelta(days=1)
    assert deflection.deflection_count(now=later) == 0
    assert deflection.outcomes(now=later) == deflection.Outcomes(
        opened=1, posted_anyway=1, deflected=0, pending=0
    )


def test_deflection_count(client, ann, prior):
    pairing, schedule = prior
    deflected, posted, recent = (deflection.new_ask_token() for _ in range(3))
    old = utcnow() - timedelta(hours=2)
    for token, question in ((deflected, pairing), (deflected, schedule), (posted, pairing)):
        db.session.add(
            SimilarEvent(kind="suggestion_opened", ask_token=token, question_id=question.id, created_at=old)
        )
    db.session.commit()
    deflection.record_posted(posted, schedule.id, ann.id)
    deflection.record_posted(posted, schedule.id, ann.id)  # once per visit
    deflection.record_opened(recent, pairing.id, ann.id)  # may still post
    assert len(events(deflection.POSTED_ANYWAY)) == 1
    assert deflection.deflected_tokens() == [deflected]
    assert deflection.deflection_count() == 1
    assert deflection.deflection_count(since=utcnow() - timedelta(minutes=5)) == 0
    result = deflection.outcomes()
    assert result == deflection.Outcomes(opened=3, posted_anyway=1, deflected=1, pending=1)
    assert result.deflection_rate == 0.5
    assert deflection.deflection_count(now=utcnow() + timedelta(hours=2)) == 2
    assert deflection.settle_deflections() == 1
    assert deflection.settle_deflections() == 0  # written once
    [written] = events(deflection.DEFLECTED)
    assert written.ask_token == deflected and written.question_id is None


def test_duplicate_banner_links_the_original(client, prior):
    pairing, schedule = prior
    duplicate = make_question(make_user("bob"), "Pairing my thermostat with home wifi fails", tags="wifi")
    page = client.get(f"/questions/{duplicate.id}/{duplicate.slug}").get_data(as_text=True)
    assert "closed as a duplicate" not in page
    duplicate.status, duplicate.closed_reason, duplicate.duplicate_of_id = "closed", "duplicate", pairing.id
    db.session.commit()
    page = client.get(f"/questions/{duplicate.id}/{duplicate.slug}").get_data(as_text=True)
    assert "closed as a duplicate" in page and f'href="/posts/{pairing.id}"' in page
    followed = client.get(f"/posts/{pairing.id}", follow_redirects=True).get_data(as_text=True)
    assert pairing.title in followed
    other = client.get(f"/questions/{schedule.id}/{schedule.slug}").get_data(as_text=True)
    assert "closed as a duplicate" not in other


def test_a_failing_engine_never_stops_an_ask(client, ann, monkeypatch, caplog):
    def broken(*args, **kwargs):
        raise OSError("index unreadable")

    monkeypatch.setattr("forum.questions.views.similar_questions", broken)
    before = questions()
    assert client.submit("/questions/ask", draft()).status_code == 302
    assert questions() == before + 1 and "Similar questions not checked" in caplog.text
