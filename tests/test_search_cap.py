"""The search page's cost does not grow with the matches: a capped total, a fixed number of statements."""

import pytest

from tests.conftest import make_answer, make_question, make_user
from tests.test_faq import _entry
from tests.test_faq import people as people  # a fixture
from tests.test_query_counts import counted_statements
from tests.test_search_support import ENGINES, use_engine

API = "/api/v1"


@pytest.fixture(params=ENGINES)
def engine(app, request):
    yield from use_engine(app, request.param)


def ask_many(author, count: int, start: int = 0, answered_by=None) -> None:
    for index in range(start, start + count):
        question = make_question(author, f"Thermostat schedule question {index:02d}", tags="schedule")
        if answered_by is not None:
            make_answer(answered_by, question, f"Set schedule {index} in the app, then save it.")


def test_total_stops_at_the_cap_and_pages_stop_with_it(client, engine, app, monkeypatch):
    monkeypatch.setitem(app.config, "SEARCH_MAX_RESULTS", 3)
    ask_many(make_user("ann"), 5)
    page = client.get("/search?q=schedule&per_page=2").get_data(as_text=True)
    assert "3+ results for “schedule”" in page and "page=2" in page and "page=3" not in page
    last = client.get("/search?q=schedule&per_page=2&page=2").get_data(as_text=True)
    assert last.count('class="question-summary') == 1 and "3+ results" in last
    beyond = client.get("/search?q=schedule&per_page=2&page=3").get_data(as_text=True)
    assert 'class="question-summary' not in beyond and "3+ results" in beyond
    data = client.get(f"{API}/search?q=schedule&per_page=2").get_json()
    assert (data["total"], data["total_capped"], data["pages"], len(data["items"])) == (3, True, 2, 2)
    newest = client.get(f"{API}/search?q=schedule&sort=newest&per_page=3").get_json()
    assert [item["title"][-2:] for item in newest["items"]] == ["04", "03", "02"]
    monkeypatch.setitem(app.config, "SEARCH_MAX_RESULTS", 5)
    exact = client.get(f"{API}/search?q=schedule").get_json()
    assert (exact["total"], exact["total_capped"], len(exact["items"])) == (5, False, 5)
    assert "5 results for “schedule”" in client.get("/search?q=schedule").get_data(as_text=True)


def test_a_common_word_ranks_the_best_answered_threads(client, engine, app, monkeypatch):
    """Past the cap, the threads ranked are the best answered that match (the PostgreSQL candidates)."""
    monkeypatch.setitem(app.config, "SEARCH_MAX_RESULTS", 2)
    ann, erin = make_user("ann"), make_user("erin", role="expert")
    ask_many(ann, 3)
    ask_many(ann, 2, start=3, answered_by=erin)
    data = client.get(f"{API}/search?q=schedule").get_json()
    assert data["total_capped"] and [item["answer_status"] for item in data["items"]] == ["staff", "staff"]


def test_statements_per_search_page_do_not_grow_with_the_documents(client, engine):
    ann, erin = make_user("ann"), make_user("erin", role="expert")
    ask_many(ann, 3, answered_by=erin)
    url = "/search?q=schedule"
    client.get(url)
    with counted_statements() as few:
        assert client.get(url).status_code == 200
    ask_many(ann, 30, start=3, answered_by=erin)
    client.get(url)
    with counted_statements() as many:
        page = client.get(url).get_data(as_text=True)
    assert "33 results" in page and page.count('class="question-summary') == 20
    assert len(many) == len(few), "\n".join(many)


def test_faq_entries_and_questions_are_read_together(client, people):
    entry = _entry(client, people, title="Odd steam icon: the boiler stays cold")
    asker, helper = people["asker"], people["helper"]
    for index in range(3):
        make_answer(helper, make_question(asker, f"Steam boiler question {index}", tags="heating"))
    url = "/search?q=steam+boiler"
    client.get(url)
    with counted_statements() as few:
        assert client.get(url).status_code == 200
    for index in range(3, 30):
        make_answer(helper, make_question(asker, f"Steam boiler question {index}", tags="heating"))
    client.get(url)
    with counted_statements() as many:
        page = client.get(url).get_data(as_text=True)
    assert page.index(entry.title) < page.index("Steam boiler question")
    assert page.count('class="question-summary') == 21  # the entry, then a full page of questions
    assert len(many) == len(few), "\n".join(many)
    # the entries' threads and the questions' are read in one go
    assert sum(" tags.name " in statement for statement in many) == 1
