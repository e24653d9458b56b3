"""Abuse resistance: sign-in attempts and posting rates answer 429 with Retry-After; new accounts
post few links. The rest of the suite runs with limits too high to reach."""

from __future__ import annotations

import pytest

from forum.extensions import limiter
from tests.conftest import PASSWORD, grant, login, make_question, make_user
from tests.test_votes import API, bearer


@pytest.fixture
def limits(app):
    """The default sign-in limits, small posting limits, and empty counters."""
    settings = {
        "LOGIN_LIMIT_PER_ACCOUNT": "5 per minute",
        "LOGIN_LIMIT_PER_ADDRESS": "20 per minute",
        "POST_LIMIT_NEW": "3 per hour",
        "POST_LIMIT": "5 per hour",
    }
    saved = {name: app.config[name] for name in settings}
    app.config.update(settings)
    limiter.reset()
    yield
    limiter.reset()
    app.config.update(saved)


def test_five_wrong_passwords_a_minute_per_account_then_429(app, client, limits):
    make_user("ann")
    for _ in range(5):
        response = client.submit("/login", {"login": "Ann", "password": "wrong password"})
        assert response.status_code == 400
    blocked = client.submit("/login", {"login": "ann", "password": PASSWORD})
    assert blocked.status_code == 429
    assert "Too many sign-in attempts" in blocked.get_data(as_text=True)
    assert int(blocked.headers["Retry-After"]) > 0
    # another account from the same address is still let in (the address allows 20)
    make_user("bob")
    assert client.submit("/login", {"login": "bob", "password": PASSWORD}).status_code == 302
    # the API's token exchange counts against the same account
    token = client.post(f"{API}/tokens", json={"username": "ann", "password": PASSWORD})
    assert token.status_code == 429 and token.get_json()["error"].startswith("Too many sign-in attempts")
    assert "Retry-After" in token.headers
    # reading pages is never limited
    assert all(client.get("/questions").status_code == 200 for _ in range(30))


def test_twenty_attempts_a_minute_per_address(app, client, limits):
    for index in range(20):
        response = client.post(f"{API}/tokens", json={"username": f"user{index}", "password": "nope"})
        assert response.status_code == 401
    response = client.post(f"{API}/tokens", json={"username": "someone-else", "password": "nope"})
    assert response.status_code == 429


def test_new_accounts_post_less_often_than_established_ones(app, client, limits):
    newcomer, regular = make_user("newcomer"), make_user("regular")
    grant(regular, 20)
    question = make_question(make_user("asker"))
    url = f"{API}/questions/{question.id}/answers"
    for index in range(3):
        body = {"body": f"Answer number {index} from the newcomer, long enough."}
        response = client.post(url, json=body, headers=bearer(newcomer))
        assert response.status_code == 201
    own_answer = response.get_json()["id"]
    refused = client.post(
        url, json={"body": "One answer too many for a new account."}, headers=bearer(newcomer)
    )
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    assert "You have posted 3 times within 60 minutes" in refused.get_json()["error"]
    login(client, "newcomer")
    page = client.submit(f"/posts/{own_answer}/comments", {"body": "A comment counts too."})
    assert page.status_code == 429 and "Retry-After" in page.headers
    for index in range(5):
        body = {"body": f"Answer number {index} from the regular, long enough."}
        assert client.post(url, json=body, headers=bearer(regular)).status_code == 201
    assert (
        client.post(url, json={"body": "The sixth answer is over."}, headers=bearer(regular)).status_code
        == 429
    )


def test_new_accounts_may_not_post_more_than_two_links(app, client):
    newcomer, regular = make_user("newcomer"), make_user("regular")
    grant(regular, 9)  # 10: no longer new
    links = (
        "See [one](https://a.example), [two](https://b.example) and [three](https://c.example) for details."
    )
    question = {"title": "Which of these thermostat guides is right?", "body": links, "tags": "installation"}
    refused = client.post(f"{API}/questions", json=question, headers=bearer(newcomer))
    assert refused.status_code == 422 and "at most 2 links" in refused.get_json()["fields"]["body"][0]
    two = {**question, "body": "See [one](https://a.example) and [two](https://b.example) for the details."}
    assert client.post(f"{API}/questions", json=two, headers=bearer(newcomer)).status_code == 201
    assert client.post(f"{API}/questions", json=question, headers=bearer(regular)).status_code == 201
