"""The search page, the search and similar API, and the `flask search` commands, through HTTP and the CLI."""

import re

import pytest

from forum import progress
from forum.search import outbox
from forum.search.backend import IndexBusy
from tests.conftest import make_answer, make_question, make_user
from tests.test_openapi import properties
from tests.test_search_support import ENGINES, use_engine

API = "/api/v1"


@pytest.fixture(params=ENGINES)
def engine(app, request):
    yield from use_engine(app, request.param)


@pytest.fixture
def threads(engine):
    ann, expert = make_user("ann"), make_user("erin", role="expert")
    pairing = make_question(
        ann, "How do I pair the thermostat with wifi?", "Setup cannot find my `<network>` & router.", "wifi"
    )
    make_answer(expert, pairing, "Hold the dial for five seconds, then choose your network.")
    reset = make_question(ann, "How do I reset my thermostat password?", tags="account")
    return pairing, reset


def test_search_page_shows_passages_status_score_and_tags(client, threads):
    page = client.get("/search?q=network").get_data(as_text=True)
    assert "1 result for “network”" in page
    assert "How do I pair the thermostat with wifi?" in page
    assert "&lt;<mark>network</mark>&gt; &amp; router" in page
    assert "Staff answer" in page and 'href="/questions/tagged/wifi"' in page
    assert "<strong>0</strong> votes" in page
    page = client.get("/search?q=thermostat").get_data(as_text=True)
    assert "2 results" in page and "Unanswered" in page


def test_search_page_sorts_pages_and_suggests(client, threads):
    ann = threads[0].author
    for index in range(22):
        make_question(ann, f"Thermostat schedule question {index:02d}", tags="schedule")
    newest = client.get("/search?q=schedule&sort=newest").get_data(as_text=True)
    assert newest.index("question 21") < newest.index("question 20")
    assert 'aria-current="page">Newest' in newest and "page=2" in newest
    second = client.get("/search?q=schedule&sort=newest&page=2").get_data(as_text=True)
    assert "question 01" in second and "question 21" not in second
    suggestion = client.get("/search?q=thermostt").get_data(as_text=True)
    assert "Did you mean" in suggestion and "q=thermostat" in suggestion


def test_search_page_without_a_query_shows_the_form(client, engine):
    page = client.get("/search").get_data(as_text=True)
    assert 'name="q"' in page and "result" not in page


@pytest.mark.parametrize(
    "query",
    ['"unbalanced', "-", "[", "score:>=abc", "tag:", "x" * 10_000, "☃\u0301😀" * 500, "is:faq", "%FF%FE"],
)
def test_malformed_queries_never_fail(client, threads, query):
    assert client.get("/search", query_string={"q": query}).status_code == 200
    response = client.get(f"{API}/search", query_string={"q": query})
    assert response.status_code == 200 and isinstance(response.get_json()["notices"], list)


def test_bad_parameters_are_400(client, engine):
    assert client.get("/search?q=x&sort=bogus").status_code == 400
    assert client.get("/search?q=x&page=0").status_code == 400
    response = client.get(f"{API}/search?q=x&sort=bogus")
    assert response.status_code == 400 and "sort" in response.get_json()["error"]
    assert client.get("/search?q=a%00b").status_code == 400


def test_header_form_points_at_search(client, engine):
    assert 'action="/search"' in client.get("/").get_data(as_text=True)


def test_search_api(client, threads, spec):
    response = client.get(f"{API}/search?q=network&per_page=5")
    assert response.status_code == 200
    data = response.get_json()
    assert set(data) == properties(spec, "SearchResults")
    (item,) = data["items"]
    assert set(item) == properties(spec, "SearchHit")
    assert item["kind"] == "question" and item["question_id"] == threads[0].id
    assert item["answered"] and not item["has_accepted"] and item["answer_status"] == "staff"
    assert item["url"].endswith(f"/questions/{threads[0].id}/how-do-i-pair-the-thermostat-with-wifi")
    assert "<mark>network</mark>" in item["excerpt_html"] and item["tags"] == ["wifi"]
    assert (data["total"], data["page"], data["per_page"], data["pages"]) == (1, 1, 5, 1)
    assert client.get(f"{API}/search?q=thermostt").get_json()["suggestion"] == "thermostat"


def test_similar_api(client, threads, spec):
    response = client.get(f"{API}/similar", query_string={"title": "Thermostat will not pair with my wifi"})
    assert response.status_code == 200
    items = response.get_json()["items"]
    assert items[0]["question_id"] == threads[0].id
    assert set(items[0]) == properties(spec, "SimilarQuestion")
    limited = client.get(f"{API}/similar", query_string={"title": "thermostat", "limit": 1}).get_json()
    assert len(limited["items"]) == 1
    for bad in (
        {},
        {"title": "  "},
        {"title": "x", "limit": 0},
        {"title": "x", "limit": "many"},
        {"title": "x", "limit": "²"},
        {"title": "x", "limit": 21},
    ):
        response = client.get(f"{API}/similar", query_string=bad)
        assert response.status_code == 400 and response.get_json()["error"]
    response = client.get(f"{API}/similar?title=x", headers={"Authorization": "Bearer nonsense"})
    assert response.status_code == 401


@pytest.fixture
def spec(client) -> dict:
    return client.get(f"{API}/openapi.json").get_json()


def test_reindex_command(runner, threads, engine):
    engine.clear()
    result = runner.invoke(args=["search", "reindex"])
    assert result.exit_code == 0, result.output
    assert "Indexed 2 questions" in result.output and "questions/s" in result.output
    assert engine.check().is_clean


def test_reindex_says_how_far_it_has_come_in_a_log(runner, threads, engine, monkeypatch):
    """Not on a terminal (a log file, CI), where click's bar shows only its label: a line every
    LOG_EVERY seconds with the count, the share done and the rate."""
    monkeypatch.setattr(progress, "LOG_EVERY", 0.0)
    result = runner.invoke(args=["search", "reindex"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == f"Indexing ({engine.name})"
    assert re.fullmatch(rf"Indexing \({engine.name}\): 2 of 2 \(100%\), [\d,]+ questions/s", lines[1])


def test_check_command_finds_drift_and_repairs_it(runner, threads, engine, monkeypatch):
    result = runner.invoke(args=["search", "check"])
    assert result.exit_code == 0 and "matches the database" in result.output

    def busy(question_ids):
        raise IndexBusy("held by a test")

    monkeypatch.setattr(engine, "index", busy)
    make_question(make_user("bob"), "A question the index never heard of", tags="drift")
    monkeypatch.undo()
    result = runner.invoke(args=["search", "check"])
    assert result.exit_code == 1
    assert "Missing (1)" in result.output and "Waiting in the outbox: 1" in result.output
    result = runner.invoke(args=["search", "check", "--repair"])
    assert result.exit_code == 0, result.output
    assert result.output.rstrip().endswith("The index matches the database.")
    outbox._RetryState.needed = False
