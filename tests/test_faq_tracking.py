"""Visitors, page views (deduplicated, buffered, written in batches) and search click-throughs, over HTTP."""

from __future__ import annotations

from datetime import datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import func, select

from forum import clock
from forum.extensions import db
from forum.faq import candidates, tracking
from forum.models import Question
from forum.models.faq import FaqEntry, PageView, SearchEvent
from forum.models.search import SimilarEvent
from forum.questions import service as questions
from tests.conftest import login, make_answer, make_question, make_user
from tests.test_search_support import ENGINES, use_engine

API = "/api/v1"
STEAM = "The thermostat shows a steam icon and the boiler never fires"
ANSWER = "Open Settings, then Heating, and switch the boiler type from combi to system boiler."


@pytest.fixture
def question(app):
    return make_question(
        make_user("asker"), STEAM, "The steam icon blinks and the boiler does nothing.", "heating"
    )


def url_of(question) -> str:
    return f"/questions/{question.id}/{question.slug}"


def views_of(question) -> tuple[int, int]:
    """(page_views rows, Question.view_count) of a question, as the database has them."""
    rows = db.session.scalar(
        select(func.count())
        .select_from(PageView)
        .where(PageView.kind == "question", PageView.target_id == question.id)
    )
    count = db.session.scalar(select(Question.view_count).where(Question.id == question.id))
    return rows, count


def at_day(monkeypatch, moment: datetime) -> None:
    monkeypatch.setattr(clock, "utcnow", lambda: moment)


def visitor_cookie(response) -> str | None:
    """The visitor cookie a response sets, if any."""
    cookies = response.headers.getlist("Set-Cookie")
    return next((cookie for cookie in cookies if cookie.startswith(f"{tracking.VISITOR_COOKIE}=")), None)


# Views


def test_a_signed_in_member_counts_once_a_day_and_two_members_twice(app, client, question):
    make_user("reader"), make_user("other")
    login(client, "reader")
    for _ in range(3):
        assert client.get(url_of(question)).status_code == 200
    assert views_of(question) == (0, 0)  # buffered: the page never writes the question's row
    assert tracking.flush_views() == 1
    assert views_of(question) == (1, 1)
    other = app.test_client()
    login(other, "other")
    other.get(url_of(question))
    client.get(url_of(question))
    assert tracking.flush_views() == 1
    assert views_of(question) == (2, 2)


def test_an_anonymous_visitor_is_known_by_a_cookie(app, client, question):
    first = client.get(url_of(question))
    cookie = visitor_cookie(first)
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Max-Age=" in cookie
    assert "Secure" not in cookie  # plain http here
    again = client.get(url_of(question))
    assert visitor_cookie(again) is None  # the cookie came back: the same visitor
    tracking.flush_views()
    assert views_of(question) == (1, 1)
    other = app.test_client()  # no cookie, another address: a new visitor
    other.get(url_of(question), environ_base={"REMOTE_ADDR": "192.0.2.7"})
    tracking.flush_views()
    assert views_of(question) == (2, 2)
    visitors = set(db.session.scalars(select(PageView.visitor)))
    assert all(visitor.startswith("c:") for visitor in visitors) and len(visitors) == 2


def test_a_client_that_never_keeps_cookies_counts_once_a_day(app, question, monkeypatch):
    """A script without cookies is a new visitor on every request: it counts once, not each time."""
    script = app.test_client(use_cookies=False)
    for _ in range(3):
        assert visitor_cookie(script.get(url_of(question))) is not None
    other_browser = {"User-Agent": "curl/8.5.0"}
    script.get(url_of(question), headers=other_browser)
    script.get(url_of(question), headers=other_browser)
    assert tracking.flush_views() == 2
    assert views_of(question) == (2, 2)
    assert script.get(url_of(question)).status_code == 200
    assert tracking.flush_views() == 0  # remembered after the write too
    at_day(monkeypatch, clock.utcnow() + timedelta(days=1))
    script.get(url_of(question))
    assert tracking.flush_views() == 1


def test_the_cookie_is_secure_over_https_and_junk_cookies_are_replaced(client, question):
    secure = client.get(url_of(question), base_url="https://localhost")
    assert "Secure" in visitor_cookie(secure)
    client.set_cookie(tracking.VISITOR_COOKIE, "not a token; <script>")
    replaced = client.get(url_of(question))
    assert visitor_cookie(replaced) is not None


def test_a_new_day_counts_again(client, question, monkeypatch):
    make_user("reader")
    login(client, "reader")
    today = clock.utcnow()
    client.get(url_of(question))
    tracking.flush_views()
    at_day(monkeypatch, today + timedelta(days=1))
    client.get(url_of(question))
    client.get(url_of(question))
    tracking.flush_views()
    assert views_of(question) == (2, 2)
    days = sorted(db.session.scalars(select(PageView.day)))
    assert days == [today.date(), today.date() + timedelta(days=1)]


def test_crawlers_are_not_counted(client, question):
    response = client.get(url_of(question), headers={"User-Agent": "Mozilla/5.0 (compatible; Googlebot/2.1)"})
    assert response.status_code == 200 and visitor_cookie(response) is None
    assert tracking.flush_views() == 0


def test_views_reach_the_database_in_one_batch(app, question, statements):
    asker = question.author
    other_question = make_question(asker, "How do I change the heating schedule for weekends?")
    clients = [app.test_client() for _ in range(3)]
    for visitor in clients:
        for _ in range(4):
            visitor.get(url_of(question))
        visitor.get(url_of(other_question))
    assert len(app.extensions["faq.page_views"]) == 6  # 15 page loads, 6 visitor-pages
    statements.clear()
    assert tracking.flush_views() == 6
    writes = [sql for sql in statements if not sql.lstrip().upper().startswith("SELECT")]
    # one INSERT ... ON CONFLICT DO NOTHING, one UPDATE per page (sent as one executemany)
    assert len(writes) == 2, writes
    assert "ON CONFLICT DO NOTHING" in writes[0].upper()
    assert views_of(question) == (3, 3) and views_of(other_question) == (3, 3)
    assert tracking.flush_views() == 0  # nothing left


def test_a_repeat_already_written_adds_nothing(client, question):
    client.get(url_of(question))
    tracking.flush_views()
    client.get(url_of(question))  # the same visitor the same day, from another worker's buffer
    assert tracking.flush_views() == 0
    assert views_of(question) == (1, 1)


def test_the_buffer_is_written_when_due(app, client, question):
    app.config["VIEW_FLUSH_SECONDS"] = 0
    try:
        client.get(url_of(question))
        assert views_of(question) == (1, 1)  # written at the end of the request
    finally:
        app.config["VIEW_FLUSH_SECONDS"] = 3600
    app.config["VIEW_FLUSH_SIZE"] = 2
    try:
        app.test_client().get(url_of(question), environ_base={"REMOTE_ADDR": "192.0.2.1"})
        assert views_of(question) == (1, 1)  # one waiting
        app.test_client().get(url_of(question), environ_base={"REMOTE_ADDR": "192.0.2.2"})
        assert views_of(question) == (3, 3)  # two: the batch is full
    finally:
        app.config["VIEW_FLUSH_SIZE"] = 500


def test_a_failing_write_never_breaks_the_page(app, client, question, monkeypatch, caplog):
    def broken(views, batch_size=500):
        raise RuntimeError("database gone")

    monkeypatch.setattr(tracking, "write_views", broken)
    app.config["VIEW_FLUSH_SECONDS"] = 0
    try:
        assert client.get(url_of(question)).status_code == 200
    finally:
        app.config["VIEW_FLUSH_SECONDS"] = 3600
    assert "Could not write 1 page views; kept for the next attempt." in caplog.text
    monkeypatch.undo()
    assert tracking.flush_views() == 1  # kept, written at the next attempt
    assert views_of(question) == (1, 1)


def test_faq_entry_views_count_on_the_entry(app, question):
    entry = FaqEntry(title="Steam icon", body="Body " * 5, body_html="<p>Body</p>", question_id=question.id)
    db.session.add(entry)
    db.session.commit()
    for token in ("a" * 22, "b" * 22, "a" * 22):
        with app.test_request_context("/faq", headers={"Cookie": f"{tracking.VISITOR_COOKIE}={token}"}):
            tracking.record_view("faq", entry.id)
    tracking.flush_views()
    assert db.session.scalar(select(FaqEntry.view_count).where(FaqEntry.id == entry.id)) == 2
    assert views_of(question) == (0, 0)
    with app.test_request_context("/"), pytest.raises(ValueError):
        tracking.record_view("answer", question.id)


# Searches and the results opened


@pytest.fixture(params=ENGINES)
def engine(app, request):
    yield from use_engine(app, request.param)


def searches() -> list[SearchEvent]:
    return list(db.session.scalars(select(SearchEvent).order_by(SearchEvent.id)))


def test_searches_are_recorded_on_their_first_page_only(client, engine, question):
    for index in range(3):
        make_question(question.author, f"Boiler question number {index} about the thermostat")
    client.get("/search?q=thermostat&per_page=2")
    client.get("/search?q=thermostat&per_page=2&page=2")
    client.get("/search?q=")
    client.get("/search")
    client.get("/search?q=" + "boiler " * 100)
    made = searches()
    assert [event.kind for event in made] == ["search", "search"]
    assert made[0].query == "thermostat" and made[0].visitor.startswith("c:")
    assert len(made[1].query) <= tracking.QUERY_MAX and made[1].query.startswith("boiler boiler")


def test_results_open_through_a_link_that_records_the_click(client, engine, question):
    reader = make_user("reader")
    login(client, "reader")
    page = client.get("/search?q=steam").get_data(as_text=True)
    link = f"/search/open/question/{question.id}?q=steam&amp;position=1"
    assert f'href="{link}"' in page
    response = client.get(link.replace("&amp;", "&"))
    assert response.status_code == 303
    assert urlsplit(response.headers["Location"]).path == url_of(question)
    made, click = searches()
    assert (made.kind, made.visitor) == ("search", f"u:{reader.id}")
    assert (click.kind, click.query, click.question_id, click.position, click.faq_entry_id) == (
        "click",
        "steam",
        question.id,
        1,
        None,
    )
    assert click.visitor == f"u:{reader.id}"


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/search/open/answer/{q}", 404),
        ("/search/open/question/999999", 404),
        ("/search/open/faq/999999", 404),
        ("/search/open/question/{q}?position=0", 400),
        ("/search/open/question/{q}?position=x", 400),
        ("/search/open/question/{q}?position=99999999", 400),
        ("/search/open/question/{d}", 404),
        ("/search/open/question/{a}", 404),
    ],
)
def test_bad_result_links_are_refused(client, question, path, status):
    answer = make_answer(make_user("helper"), question)
    deleted = make_question(question.author, "A question that the asker deleted again")
    questions.delete(question.author, deleted.id)
    url = path.format(q=question.id, d=deleted.id, a=answer.id)
    assert client.get(url).status_code == status
    assert not [event for event in searches() if event.kind == "click"]


def test_the_redirect_goes_only_to_the_result(client, question):
    for url in (
        f"/search/open/question/{question.id}?next=https://evil.example/&q=//evil.example",
        f"/search/open/question/{question.id}?q=https://evil.example/",
    ):
        location = urlsplit(client.get(url).headers["Location"])
        assert location.netloc in ("", "localhost") and location.path == url_of(question)


def test_the_api_says_what_each_result_is(client, engine, question):
    body = client.get(f"{API}/search?q=steam").get_json()
    hit = body["items"][0]
    assert (hit["kind"], hit["faq_entry_id"], hit["question_id"]) == ("question", None, question.id)
    assert hit["url"] == f"http://localhost{url_of(question)}"
    similar = client.get(f"{API}/similar?title=steam icon boiler").get_json()["items"][0]
    assert (similar["kind"], similar["faq_entry_id"]) == ("question", None)
    assert similar["url"] == f"http://localhost{url_of(question)}"


# FAQ entries among the results


@pytest.fixture
def entry(engine, question):
    moderator = make_user("mod", role="moderator")
    answer = make_answer(make_user("helper"), question, ANSWER)
    made = candidates.approve(
        moderator,
        [question.id],
        "Why does the boiler not fire with a steam icon?",
        ANSWER,
        "heating",
        "Heating",
        [answer.id],
    )
    return made


def test_faq_hits_are_labelled_and_open_the_entry(client, entry, question):
    page = client.get("/search?q=steam").get_data(as_text=True)
    assert '<span class="badge badge-faq"' in page and ">FAQ</span>" in page
    link = f"/search/open/faq/{entry.id}?q=steam&amp;position=1"
    assert f'href="{link}"' in page
    response = client.get(link.replace("&amp;", "&"))
    assert response.status_code == 303
    assert urlsplit(response.headers["Location"]).path == f"/faq/{entry.id}"
    click = searches()[-1]
    assert (click.kind, click.faq_entry_id, click.question_id) == ("click", entry.id, question.id)


def test_the_api_points_faq_hits_at_the_entry(client, entry, question):
    items = client.get(f"{API}/search?q=steam").get_json()["items"]
    faq = [item for item in items if item["kind"] == "faq"]
    assert faq and faq[0]["faq_entry_id"] == entry.id and faq[0]["question_id"] == question.id
    assert faq[0]["url"] == f"http://localhost/faq/{entry.id}"
    assert faq[0]["title"] == "Why does the boiler not fire with a steam icon?"
    similar = client.get(f"{API}/similar?title=steam icon and the boiler").get_json()["items"]
    assert similar[0]["kind"] == "faq" and similar[0]["url"] == f"http://localhost/faq/{entry.id}"


def test_a_retired_entry_is_not_opened(client, entry):
    db.session.get(FaqEntry, entry.id).deleted_at = clock.utcnow()
    db.session.commit()
    assert client.get(f"/search/open/faq/{entry.id}?q=steam").status_code == 404


def ask_page_suggestions(client) -> str:
    page = client.get("/questions/ask").get_data(as_text=True)
    token = page.split('name="ask_token"', 1)[1].split('value="', 1)[1].split('"', 1)[0]
    checked = client.submit(
        "/questions/ask",
        {
            "title": "Steam icon and the boiler never fires",
            "body": "What should I do about it?",
            "tags": "heating",
            "ask_token": token,
        },
    )
    assert checked.status_code == 200
    return checked.get_data(as_text=True)


def test_the_ask_page_labels_faq_suggestions_and_opens_the_entry(client, entry, question):
    make_user("newcomer")
    login(client, "newcomer")
    page = ask_page_suggestions(client)
    assert '<li class="similar-item similar-faq">' in page and ">FAQ</span>" in page
    start = page.index('<li class="similar-item similar-faq">')
    href = page[start:].split('href="', 1)[1].split('"', 1)[0].replace("&amp;", "&")
    assert href.startswith(f"/questions/similar/{question.id}/open?")
    assert parse_qs(urlsplit(href).query)["faq"] == [str(entry.id)]
    response = client.get(href)
    assert urlsplit(response.headers["Location"]).path == f"/faq/{entry.id}"
    opened = db.session.scalars(select(SimilarEvent)).one()
    assert (opened.kind, opened.question_id) == ("suggestion_opened", question.id)


def test_a_suggestion_link_with_a_foreign_entry_is_refused(client, entry, question):
    other = make_question(question.author, "A different question about the schedule screen")
    token = "t" * 22
    assert client.get(f"/questions/similar/{other.id}/open?ask={token}&faq={entry.id}").status_code == 404
    assert client.get(f"/questions/similar/{question.id}/open?ask={token}&faq=abc").status_code == 404
    assert client.get(f"/questions/similar/{question.id}/open?ask={token}&faq=99999").status_code == 404
    assert not db.session.scalars(select(SimilarEvent)).all()
