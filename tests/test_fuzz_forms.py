"""Random data into every HTML form: no answer is a 5xx and nothing unhandled reaches the log.

Every POST route outside the API is fuzzed. Its fields are the ones its forms really have: the
pages a moderator, an expert and a member see are crawled, and each form found is matched to its
route; a route whose form no crawled page shows gets the fields of every form. Each request
carries a valid CSRF token read from a page, as a browser's would, and comes from a signed-in
member, expert or admin (or an anonymous visitor) chosen by Hypothesis, with the values.
"""

from __future__ import annotations

import logging
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.exceptions import HTTPException
from werkzeug.routing import AnyConverter

from forum import create_app
from forum.extensions import db
from forum.questions import service as questions
from tests.conftest import _CSRF, TEST_SETTINGS, login, make_answer, make_question, make_user

EXAMPLES_PER_ROUTE = 10
CRAWL_LIMIT = 60
ROLES = ("admin", "expert", "member", "anonymous")
SEED_PAGES = ("/", "/questions/ask", "/register", "/login", "/account/password", "/notifications")


def _post_routes() -> list[tuple[str, str]]:
    """(endpoint, rule) of every POST route that serves HTML."""
    app = create_app(TEST_SETTINGS)
    with app.app_context():
        for engine in db.engines.values():
            engine.dispose()  # building the app looked at the database
    return sorted(
        (rule.endpoint, rule.rule)
        for rule in app.url_map.iter_rules()
        if "POST" in rule.methods and not rule.rule.startswith("/api/")
    )


ROUTES = _post_routes()


class _Forms(HTMLParser):
    """Collect the POST forms of a page (action and field names) and its links."""

    def __init__(self):
        super().__init__()
        self.forms: list[tuple[str, set[str]]] = []
        self.links: list[str] = []
        self._current: set[str] | None = None

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "a" and attributes.get("href"):
            self.links.append(attributes["href"])
        elif tag == "form" and (attributes.get("method") or "get").lower() == "post":
            self._current = set()
            self.forms.append((attributes.get("action") or "", self._current))
        elif tag in ("input", "textarea", "select", "button") and self._current is not None:
            name = attributes.get("name")
            if name and name != "csrf_token":
                self._current.add(name)

    def handle_endtag(self, tag):
        if tag == "form":
            self._current = None


def crawl(app, clients, seeds) -> dict[str, set[str]]:
    """The field names of the forms each endpoint receives, from the pages the clients see."""
    adapter = app.url_map.bind("localhost")
    fields: dict[str, set[str]] = {}
    for client in clients:
        queue, seen = list(seeds), set()
        while queue and len(seen) < CRAWL_LIMIT:
            path = queue.pop(0)
            if path in seen:
                continue
            seen.add(path)
            response = client.get(path)
            if response.status_code != 200 or response.mimetype != "text/html":
                continue
            parser = _Forms()
            parser.feed(response.get_data(as_text=True))
            for action, names in parser.forms:
                target = urlsplit(action or path)
                try:
                    endpoint, _ = adapter.match(target.path, method="POST")
                except HTTPException:
                    continue
                fields.setdefault(endpoint, set()).update(names)
            for link in parser.links:
                parts = urlsplit(link)
                if not parts.netloc and parts.path.startswith("/") and not parts.path.startswith("/static/"):
                    queue.append(parts.path)
    return fields


_crawled: dict[str, set[str]] = {}

# What people type, and what they should not: unicode, control characters and NULs, huge
# strings, markup, numbers of every size, blanks.
_TEXT = st.one_of(
    st.text(max_size=80),
    st.text(st.characters(codec="utf-8"), min_size=1, max_size=300),
    st.sampled_from(["", " ", "\x00", "0", "-1", "1", "2", "y", "on", "admin", "moderator", "spam", "1e309"]),
    st.sampled_from(["<script>alert(1)</script>", "[x](javascript:alert(1))", "a\x00b", "\r\n" * 50]),
    st.integers().map(str),
    st.builds(
        lambda char, size: char * size, st.sampled_from("x\x00é€😀 "), st.sampled_from([5_000, 40_000])
    ),
)
_IDS = st.one_of(st.sampled_from([1, 2, 3, 4]), st.integers(min_value=0, max_value=2**63))


@pytest.fixture
def people(app):
    """Signed-in clients for each role, and a thread for them to act on."""
    admin = make_user("root", role="admin")
    expert = make_user("erin", role="expert")
    member = make_user("ann")
    question = make_question(member)
    answer = make_answer(expert, question)
    questions.comment(admin, answer.id, "Which firmware version does it run?")
    questions.comment(member, question.id, "It is the model from 2024.")
    clients = {}
    for role, user in (("admin", admin), ("expert", expert), ("member", member), ("anonymous", None)):
        client = app.test_client()
        if user is not None:
            login(client, user.username)
        clients[role] = client
    if not _crawled:
        seeds = [*SEED_PAGES, f"/questions/{question.id}", f"/users/{member.id}", f"/admin/users/{member.id}"]
        _crawled.update(crawl(app, list(clients.values()), seeds))
    tokens = {
        role: _CSRF.search(client.get("/login").get_data(as_text=True)) for role, client in clients.items()
    }
    return clients, {role: match.group(1) if match else "" for role, match in tokens.items()}


class _Errors(logging.Handler):
    """Keep every ERROR record logged while the fuzzing runs."""

    def __init__(self):
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record):
        self.records.append(record)


@pytest.fixture
def logged_errors(app):
    handler = _Errors()
    root = logging.getLogger()
    root.addHandler(handler)
    app.logger.addHandler(handler)
    yield handler.records
    root.removeHandler(handler)
    app.logger.removeHandler(handler)


@pytest.mark.parametrize(("endpoint", "rule"), ROUTES, ids=[endpoint for endpoint, _ in ROUTES])
def test_random_form_data_never_breaks_a_page(app, people, logged_errors, endpoint, rule):
    clients, tokens = people
    url_rule = next(
        item for item in app.url_map.iter_rules() if item.endpoint == endpoint and item.rule == rule
    )
    every_field = sorted(set().union(*_crawled.values()))
    names = sorted(_crawled.get(endpoint) or every_field)

    arguments = {}
    for argument in sorted(url_rule.arguments):
        converter = url_rule._converters.get(argument)
        if isinstance(converter, AnyConverter):
            arguments[argument] = st.sampled_from(sorted(converter.items))
        else:
            arguments[argument] = _IDS

    @settings(
        max_examples=EXAMPLES_PER_ROUTE,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(
        role=st.sampled_from(ROLES),
        values=st.fixed_dictionaries(
            {}, optional={name: st.one_of(_TEXT, st.lists(_TEXT, max_size=3)) for name in names}
        ),
        stranger=st.dictionaries(st.text(min_size=1, max_size=10), _TEXT, max_size=2),
        path_values=st.fixed_dictionaries(arguments),
        with_token=st.sampled_from([True, True, True, False]),
    )
    def post_random(role, values, stranger, path_values, with_token):
        path = url_rule.build(path_values, append_unknown=False)[1]
        data = {**stranger, **values}
        if with_token or role == "anonymous":
            data["csrf_token"] = tokens[role]
        response = clients[role].post(path, data=data)
        assert response.status_code < 500, (path, data, response.get_data(as_text=True)[:500])

    post_random()
    assert not logged_errors, [record.getMessage() for record in logged_errors]
