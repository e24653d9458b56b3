"""Hostile or broken requests get a clear 4xx with a message a person can read: never a 500.

Runs on SQLite and, with TEST_DATABASE_URL, on PostgreSQL (which refuses NUL in text and has
4-byte integer ids, so both matter there).
"""

from __future__ import annotations

import json
import logging
import re
from html import unescape
from urllib.parse import quote

import pytest
from werkzeug.routing import AnyConverter, IntegerConverter

from forum.pagination import MAX_PAGE
from tests.conftest import PASSWORD, login, make_question, make_user

BEYOND_64_BITS = "99999999999999999999"
LARGEST_ID = str(2**63 - 1)  # passes the URL converter, exists nowhere
MEBIBYTE = 1024 * 1024
GUARD_MESSAGE = "NUL or an unpaired surrogate"
BOMBS_REFUSED = [
    ("dash-list-markers", "- " * 2000 + "x", "nested at most"),
    ("numbered-list-markers", "1. " * 2000 + "x", "nested at most"),
    ("open-brackets", "[" * 2000, "'['"),
    ("open-links", "[a](" * 2000, "'['"),
    ("quote-markers", "> " * 5000, "nested at most"),
    ("nested-list", "".join("    " * level + "- x\n" for level in range(40)), "nested at most"),
    ("headings-run-together", "a\n=\n" * 3000, "headings or horizontal rules"),
]
BOMBS_RENDERED = [
    ("emphasis-soup", "*_" * 15000),
    ("python-lexer-bomb", "```python\n" + " \n" * 14000 + "```"),
    ("unclosed-tags", "<a " * 9000),
]


@pytest.fixture(autouse=True)
def _no_unhandled_errors(caplog):
    """A 500 hidden behind a redirect or a lenient assertion still fails the test."""
    caplog.set_level(logging.ERROR)
    yield
    unhandled = [record.getMessage() for record in caplog.records if "Unhandled error" in record.getMessage()]
    assert unhandled == []


def message(response) -> str:
    """The human-readable text of an error response: JSON `error`, or the page's main text."""
    if response.is_json:
        body = response.get_json()
        return " ".join([body["error"], *(" ".join(errors) for errors in body.get("fields", {}).values())])
    page = response.get_data(as_text=True)
    main = re.search(r"<main[^>]*>(.*)</main>", page, re.DOTALL)
    text = re.sub(r"<[^>]+>", " ", main.group(1) if main else page)
    return " ".join(unescape(text).split())


def assert_refused(response, status: int, *phrases: str) -> str:
    """The response has this status and a message carrying each phrase; returns the message."""
    text = message(response)
    assert response.status_code == status, (response.status_code, text[:500])
    assert "Something went wrong" not in text
    assert len(text) > 10, "no message for people"
    for phrase in phrases:
        assert phrase.lower() in text.lower(), (phrase, text[:500])
    return text


def field_errors(page: str, name: str) -> list[str]:
    """The error messages shown in the form field whose input or textarea is named `name`."""
    for chunk in page.split('<div class="field')[1:]:
        if re.search(rf'<(?:input|textarea)[^>]*\bname="{name}"', chunk):
            return [unescape(error) for error in re.findall(r'<p class="error"[^>]*>(.*?)</p>', chunk)]
    raise AssertionError(f"no field named {name!r} on the page")


def api_token(client, username: str) -> str:
    """A bearer token for the API."""
    response = client.post("/api/v1/tokens", json={"username": username, "password": PASSWORD})
    assert response.status_code == 201, response.get_data(as_text=True)
    return response.get_json()["token"]


@pytest.fixture
def member(app, client):
    """A signed-in member with one question (tagged 'billing') to act on."""
    user = make_user("ann")
    question = make_question(user, tags="billing account")
    login(client, "ann")
    return user, question


# Ids beyond 64 bits, negative, and in range but absent


@pytest.mark.parametrize(
    "url",
    [
        f"/questions/{BEYOND_64_BITS}",
        f"/questions/{BEYOND_64_BITS}/some-slug",
        f"/posts/{BEYOND_64_BITS}",
        f"/posts/{BEYOND_64_BITS}/edit",
        f"/posts/{BEYOND_64_BITS}/revisions",
        f"/users/{BEYOND_64_BITS}",
        f"/users/{BEYOND_64_BITS}/ann",
        f"/questions/{2**63}",
        f"/posts/{2**64}/edit",
        f"/api/v1/questions/{BEYOND_64_BITS}",
        f"/api/v1/users/{BEYOND_64_BITS}",
        "/questions/-1",
        "/posts/-1/edit",
        "/users/-5",
        "/api/v1/questions/-1",
        "/questions/1.5",
        "/questions/0x10",
    ],
)
def test_ids_out_of_range_are_not_found(client, member, url):
    response = client.get(url)
    assert_refused(response, 404)
    assert response.is_json == url.startswith("/api/")


def _int_rules(app):
    """Every route with an integer in its path, as (rule, method) pairs."""
    for rule in app.url_map.iter_rules():
        if any(isinstance(converter, IntegerConverter) for converter in rule._converters.values()):
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                yield rule, method


def _path_value(converter) -> str:
    """An id beyond 64 bits for integer parts; a value the rule accepts for the others."""
    if isinstance(converter, IntegerConverter):
        return BEYOND_64_BITS
    if isinstance(converter, AnyConverter):
        return sorted(converter.items)[0]
    return "x"


def test_every_integer_route_answers_404_for_ids_beyond_64_bits(app, client, member):
    """Walks the URL map, so routes added later are covered too."""
    token = client.csrf_token()
    checked = 0
    for rule, method in _int_rules(app):
        values = {name: _path_value(converter) for name, converter in rule._converters.items()}
        url = rule.rule
        for name, value in values.items():
            url = re.sub(rf"<[^>]*\b{name}>", value, url)
        response = client.open(url, method=method, data={"csrf_token": token}, headers={"X-CSRFToken": token})
        assert response.status_code == 404, (method, url, response.status_code)
        checked += 1
    assert checked >= 10


@pytest.mark.parametrize(
    "url",
    [
        f"/questions/{LARGEST_ID}",
        f"/questions/{2**31}",
        f"/posts/{LARGEST_ID}",
        f"/posts/{LARGEST_ID}/edit",
        f"/posts/{LARGEST_ID}/revisions",
        f"/users/{LARGEST_ID}",
        f"/users/{2**31}/ann",
        f"/api/v1/questions/{LARGEST_ID}",
        f"/api/v1/users/{LARGEST_ID}",
    ],
)
def test_largest_ids_are_not_found(client, member, url):
    """2**31 overflows PostgreSQL's integer ids, 2**63 - 1 is the largest the URLs accept."""
    assert_refused(client.get(url), 404)


@pytest.mark.parametrize(
    "url",
    [
        f"/questions/{LARGEST_ID}/answers",
        f"/posts/{LARGEST_ID}/comments",
        f"/posts/{LARGEST_ID}/edit",
        f"/posts/{LARGEST_ID}/delete",
        f"/posts/{LARGEST_ID}/undelete",
        f"/comments/{LARGEST_ID}/delete",
    ],
)
def test_writes_to_the_largest_ids_are_not_found(client, member, url):
    body = "A perfectly reasonable answer that is long enough to post."
    response = client.submit(url, {"body": body, "title": "A perfectly reasonable title"})
    assert_refused(response, 404)


# Page numbers and sort orders


PAGED_URLS = ["/", "/questions", "/questions/tagged/billing", "/tags", "/search?q=thermostat"]
BAD_PAGES = [
    "99999999999999999999",
    str(10**30),
    str(MAX_PAGE + 1),
    "-1",
    "0",
    "abc",
    "1e3",
    "1.5",
    "0x10",
    "1_000",
    " 1",
    "\u00b2",
    "\uff11",
    "\u0661",
]


@pytest.mark.parametrize("page", BAD_PAGES)
@pytest.mark.parametrize("url", PAGED_URLS)
def test_bad_page_numbers_are_refused(client, member, url, page):
    separator = "&" if "?" in url else "?"
    response = client.get(f"{url}{separator}page={quote(page)}")
    assert_refused(response, 400, "'page' must be a whole number")


@pytest.mark.parametrize("per_page", ["0", "101", "-5", "abc", str(10**30), "\u00b2"])
@pytest.mark.parametrize("url", ["/", "/tags", "/api/v1/questions"])
def test_bad_page_sizes_are_refused(client, member, url, per_page):
    assert_refused(client.get(f"{url}?per_page={quote(per_page)}"), 400, "'per_page' must be")


@pytest.mark.parametrize("url", PAGED_URLS)
def test_last_allowed_page_is_empty_not_an_error(client, member, url):
    separator = "&" if "?" in url else "?"
    assert client.get(f"{url}{separator}page={MAX_PAGE}").status_code == 200


@pytest.mark.parametrize(
    "url",
    [
        "/?sort=bogus",
        "/questions?sort=bogus",
        "/questions/tagged/billing?sort=bogus",
        "/search?q=thermostat&sort=bogus",
        "/?sort=%27%3B%20DROP%20TABLE%20posts%3B--",
        "/api/v1/questions?sort=bogus",
        "/tags?sort=bogus",
    ],
)
def test_unknown_sort_is_refused(client, member, url):
    assert_refused(client.get(url), 400, "'sort' must be one of")


# NUL characters and lone surrogates, wherever they come in


@pytest.mark.parametrize(
    "url",
    [
        "/?q=%00",
        "/search?q=thermostat%00",
        "/?page=1%00",
        "/questions?sort=newest%00",
        "/?na%00me=1",
        "/questions/tagged/bill%00ing",
        "/users/1/an%00n",
        "/api/v1/questions?tag=a%00b",
        "/api/v1/search?q=%00",
    ],
)
def test_nul_in_path_or_query_is_refused(client, member, url):
    assert_refused(client.get(url), 400, GUARD_MESSAGE)


@pytest.mark.parametrize(
    ("url", "fields"),
    [
        ("/login", {"login": "ann\x00", "password": PASSWORD}),
        (
            "/register",
            {"username": "bob", "email": "bob@example.com\x00", "password": "x" * 12, "confirm": "x" * 12},
        ),
        (
            "/questions/ask",
            {"title": "Why was I charged\x00 twice?", "body": "Details " * 5, "tags": "billing"},
        ),
        (
            "/questions/ask",
            {"title": "Why was I charged twice in May?", "body": "Details " * 5, "tags": "bill\x00ing"},
        ),
        (
            "/questions/ask",
            {
                "title": "Why was I charged twice in May?",
                "body": "Details " * 5,
                "tags": "billing",
                "na\x00me": "x",
            },
        ),
    ],
)
def test_nul_in_form_fields_is_refused(client, member, url, fields):
    assert_refused(client.submit(url, fields), 400, GUARD_MESSAGE)


def test_nul_in_multipart_form_is_refused(client, member):
    fields = {"title": "Why was I charged\x00 twice?", "body": "Details " * 5, "tags": "billing"}
    response = client.submit("/questions/ask", fields, content_type="multipart/form-data")
    assert_refused(response, 400, GUARD_MESSAGE)


def test_nul_in_answer_and_comment_is_refused(client, member):
    _, question = member
    body = "Hold the dial for ten\x00 seconds, then follow the app."
    assert_refused(client.submit(f"/questions/{question.id}/answers", {"body": body}), 400, GUARD_MESSAGE)
    assert_refused(client.submit(f"/posts/{question.id}/comments", {"body": body}), 400, GUARD_MESSAGE)
    assert_refused(client.submit(f"/posts/{question.id}/edit", {"body": body}), 400, GUARD_MESSAGE)


JSON_TEXTS = {
    "nul-escaped": '{"title": "Why was I charged twice\\u0000?", "body": "Details details details", '
    '"tags": ["billing"]}',
    "nul-in-key": '{"ti\\u0000tle": "x"}',
    "nul-in-list": '{"tags": ["billing", "a\\u0000b"]}',
    "lone-high-surrogate": '{"title": "Why was I charged twice \\ud800?", "body": "Details details", '
    '"tags": "billing"}',
    "lone-low-surrogate": '{"body": "\\udfff"}',
    "reversed-surrogates": '{"body": "\\udc00\\ud800"}',
    "surrogate-in-key": '{"\\ud800": 1}',
    "nul-deeply-nested": '{"body": ' + "[" * 100 + '"\\u0000"' + "]" * 100 + "}",
}


@pytest.mark.parametrize("text", JSON_TEXTS.values(), ids=JSON_TEXTS.keys())
@pytest.mark.parametrize("url", ["/api/v1/questions", "/api/v1/tokens", "/questions/ask"])
def test_nul_and_lone_surrogates_in_json_are_refused(client, member, url, text):
    token = api_token(client, "ann")
    response = client.post(
        url,
        data=text,
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}", "X-CSRFToken": client.csrf_token()},
    )
    assert_refused(response, 400)
    assert response.is_json == url.startswith("/api/")


@pytest.mark.parametrize("url", ["/api/v1/questions", "/questions/ask", "/login", "/no/such/page"])
def test_deeply_nested_json_is_refused(client, member, url):
    """json.loads raises RecursionError, not ValueError, on deep nesting."""
    response = client.post(
        url,
        data="[" * 100_000 + "]" * 100_000,
        content_type="application/json",
        headers={"X-CSRFToken": client.csrf_token()},
    )
    assert_refused(response, 400, "nested too deeply")


@pytest.mark.parametrize(
    "url",
    ["/search?q=%ED%A0%80", "/search?q=%FF%FE", "/?sort=%C0%AF", "/questions/tagged/%ED%A0%80"],
    ids=["utf8-surrogate", "invalid-utf8", "overlong-utf8", "surrogate-in-path"],
)
def test_undecodable_bytes_in_the_url_never_fail(client, member, url):
    """Werkzeug decodes them as U+FFFD; whatever the page says, it is not a 500."""
    response = client.get(url)
    assert response.status_code in (200, 400, 404)
    assert message(response)


def test_undecodable_bytes_in_a_form_never_fail(client, member):
    body = f"csrf_token={client.csrf_token()}&title=%ED%A0%80%FF&body=%C0%AF%FE&tags=%ED%A0%80"
    response = client.post(
        "/questions/ask", data=body.encode(), content_type="application/x-www-form-urlencoded"
    )
    assert_refused(response, 400)
    assert field_errors(response.get_data(as_text=True), "title")


@pytest.mark.parametrize("token", ["fq_abc\x00def", "\x00", "fq_" + "\x00" * 40])
def test_nul_in_a_bearer_token_is_a_401(client, member, token):
    """Headers are not checked by the guard; the token is hashed before any query."""
    response = client.get("/api/v1/questions", headers={"Authorization": f"Bearer {token}"})
    assert_refused(response, 401)


def test_nul_in_the_session_cookie_is_ignored(client, member):
    client.set_cookie("session", "abc\x00def")
    assert client.get("/").status_code == 200


# Sizes: a long field, many tags, a body over the limit


def test_200_kb_title_shows_the_form_again_with_the_error_at_the_field(client, member):
    title = "Why " + "x" * 200_000
    response = client.submit(
        "/questions/ask", {"title": title, "body": "Details about the problem.", "tags": "billing"}
    )
    assert response.status_code == 400  # 200 KB is under the 1 MiB body limit: the form answers
    page = response.get_data(as_text=True)
    assert field_errors(page, "title") == ["Field must be between 15 and 150 characters long."]
    assert field_errors(page, "body") == []
    assert 'name="tags"' in page and "billing" in page


def test_200_kb_title_in_an_edit_is_refused_at_the_field(client, member):
    _, question = member
    response = client.submit(
        f"/posts/{question.id}/edit", {"title": "x" * 200_000, "body": question.body, "tags": "billing"}
    )
    assert response.status_code == 400
    assert field_errors(response.get_data(as_text=True), "title") == [
        "Field must be between 15 and 150 characters long."
    ]


def test_200_kb_title_through_the_api_is_refused_at_the_field(client, member):
    token = api_token(client, "ann")
    response = client.post(
        "/api/v1/questions",
        json={"title": "x" * 200_000, "body": "Details about the problem.", "tags": ["billing"]},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code in (400, 422)
    assert "between 15 and 150" in " ".join(response.get_json()["fields"]["title"])


@pytest.mark.parametrize("as_list", [False, True], ids=["one-string", "5000-values"])
def test_5000_tags_are_refused(client, member, as_list):
    names = [f"tag{number}" for number in range(5000)]
    response = client.submit(
        "/questions/ask",
        {
            "title": "Why was I charged twice in May?",
            "body": "Details about the problem.",
            "tags": names if as_list else " ".join(names),
        },
    )
    assert_refused(response, 400, "at most 5 tags")
    assert field_errors(response.get_data(as_text=True), "tags") == ["Use at most 5 tags."]


def test_5000_tags_in_an_edit_and_through_the_api_are_refused(client, member):
    _, question = member
    names = " ".join(f"tag{number}" for number in range(5000))
    response = client.submit(f"/posts/{question.id}/edit", {"body": question.body, "tags": names})
    assert_refused(response, 400, "at most 5 tags")
    token = api_token(client, "ann")
    response = client.post(
        "/api/v1/questions",
        json={
            "title": "Why was I charged twice in May?",
            "body": "Details about the problem.",
            "tags": names.split(),
        },
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code in (400, 422)
    assert "at most 5 tags" in message(response)


@pytest.mark.parametrize("url", ["/questions/ask", "/login", "/register", "/no/such/page"])
def test_form_body_over_the_limit_is_413(client, member, url):
    response = client.submit(url, {"title": "x" * (2 * MEBIBYTE), "body": "x", "tags": "billing"})
    assert_refused(response, 413)


@pytest.mark.parametrize("url", ["/api/v1/questions", "/api/v1/tokens", "/questions/ask"])
def test_json_body_over_the_limit_is_413(client, member, url):
    token = api_token(client, "ann")
    response = client.post(
        url,
        json={"title": "Why was I charged twice?", "body": "x" * (2 * MEBIBYTE), "tags": ["billing"]},
        headers={"Authorization": f"Bearer {token}", "X-CSRFToken": client.csrf_token()},
    )
    assert_refused(response, 413)


def test_body_just_under_the_limit_is_not_413(client, member):
    body = "x" * (MEBIBYTE - 10_000)
    response = client.submit(
        "/questions/ask", {"title": "Why was I charged twice in May?", "body": body, "tags": "billing"}
    )
    assert response.status_code == 400
    errors = field_errors(response.get_data(as_text=True), "body")
    assert errors[0] == "Field must be between 20 and 30000 characters long."


# Markdown bombs through the forms and the API


@pytest.mark.parametrize(
    ("source", "phrase"), [(s, p) for _, s, p in BOMBS_REFUSED], ids=[name for name, _, _ in BOMBS_REFUSED]
)
def test_markdown_bomb_as_a_question_is_refused_at_the_field(client, member, source, phrase):
    response = client.submit(
        "/questions/ask", {"title": "Why was I charged twice in May?", "body": source, "tags": "billing"}
    )
    assert_refused(response, 400, phrase)
    assert any(phrase in error for error in field_errors(response.get_data(as_text=True), "body"))


@pytest.mark.parametrize(
    ("source", "phrase"), [(s, p) for _, s, p in BOMBS_REFUSED], ids=[name for name, _, _ in BOMBS_REFUSED]
)
def test_markdown_bomb_as_an_answer_or_edit_is_refused_at_the_field(client, member, source, phrase):
    _, question = member
    for url in (f"/questions/{question.id}/answers", f"/posts/{question.id}/edit"):
        response = client.submit(url, {"body": source})
        assert_refused(response, 400, phrase)
        assert any(phrase in error for error in field_errors(response.get_data(as_text=True), "body"))


def test_markdown_bomb_as_a_comment_is_refused(client, member):
    _, question = member
    response = client.submit(f"/posts/{question.id}/comments", {"body": "[" * 400})
    assert 400 <= response.status_code < 500
    assert "'['" in message(response)


@pytest.mark.parametrize(
    ("source", "phrase"), [(s, p) for _, s, p in BOMBS_REFUSED], ids=[name for name, _, _ in BOMBS_REFUSED]
)
def test_markdown_bomb_through_the_api_is_refused_at_the_field(client, member, source, phrase):
    _, question = member
    headers = {"Authorization": f"Bearer {api_token(client, 'ann')}"}
    response = client.post(
        "/api/v1/questions",
        json={"title": "Why was I charged twice in May?", "body": source, "tags": ["billing"]},
        headers=headers,
    )
    assert response.status_code in (400, 422)
    assert phrase in " ".join(response.get_json()["fields"]["body"])
    response = client.post(f"/api/v1/questions/{question.id}/answers", json={"body": source}, headers=headers)
    assert response.status_code in (400, 422)
    assert phrase in " ".join(response.get_json()["fields"]["body"])


@pytest.mark.parametrize(
    "source", [source for _, source in BOMBS_RENDERED], ids=[name for name, _ in BOMBS_RENDERED]
)
def test_markdown_that_renders_in_bounded_time_is_posted(client, member, source):
    response = client.submit(
        "/questions/ask", {"title": "Why was I charged twice in May?", "body": source, "tags": "billing"}
    )
    assert response.status_code == 302, message(response)[:300]
    assert client.get(response.headers["Location"]).status_code == 200


# Search junk, unknown routes, wrong methods


SEARCH_JUNK = {
    "wildcards": "%_\\" * 3400,
    "quotes": "\"'`" * 3400,
    "brackets": "[" * 5000 + "]" * 5000,
    "filters": "tag: user: is: has: score:>=" * 350,
    "tsquery-syntax": "!&|():*<->" * 1000,
    "sql": "' OR 1=1; DROP TABLE posts; -- " * 330,
    "unicode": "\u202e\u200b\U0001f600\u0301\ufffd" * 2000,
    "phrases": '"a b c d e f g h i j k" -"x" ' * 350,
    "long-word": "x" * 10_000,
    "regex": "(a+)+$.*?[^]\\d{1,}" * 500,
}


@pytest.mark.parametrize("junk", SEARCH_JUNK.values(), ids=SEARCH_JUNK.keys())
@pytest.mark.parametrize("url", ["/search", "/api/v1/search"])
def test_search_with_10_kb_of_junk_never_fails(client, member, url, junk):
    response = client.get(f"{url}?q={quote(junk)}")
    assert response.status_code in (200, 400), response.status_code
    if response.status_code == 400:
        assert message(response)


@pytest.mark.parametrize(
    "url",
    [
        "/nope",
        "/questions/abc",
        "/questions/1/a/b",
        "/posts/",
        "/users/ann",
        "/static/../config.py",
        "/api/v1/nope",
        "/api/v2/questions",
    ],
)
def test_unknown_routes_are_404_pages(client, url):
    response = client.get(url)
    assert_refused(response, 404)
    assert response.is_json == url.startswith("/api/")


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("POST", "/"),
        ("GET", "/logout"),
        ("GET", "/posts/1/delete"),
        ("PUT", "/questions/ask"),
        ("DELETE", "/tags"),
        ("GET", "/api/v1/tokens"),
        ("DELETE", "/api/v1/questions"),
        ("PUT", "/api/v1/questions/1"),
    ],
)
def test_wrong_method_is_405_with_allow(client, method, url):
    response = client.open(url, method=method)
    assert_refused(response, 405)
    assert response.headers.get("Allow")
    assert response.is_json == url.startswith("/api/")


def test_messages_are_json_for_the_api_and_pages_for_people(client, member):
    """One spot check that the two error formats carry the same message."""
    page = client.get("/?page=abc")
    api = client.get("/api/v1/questions?page=abc")
    assert message(page) and json.loads(api.get_data())["error"] in message(page)
