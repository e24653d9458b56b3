"""Registration, signing in and out, remember me, passwords, profiles and roles."""

from sqlalchemy import select

from forum.extensions import db
from forum.models import User
from tests.conftest import PASSWORD, login, make_question, make_user


def register(client, username="ann", email="ann@example.com", password=PASSWORD, confirm=None):
    return client.submit(
        "/register",
        {"username": username, "email": email, "password": password, "confirm": confirm or password},
    )


def test_register_signs_in_and_hashes_with_argon2(client):
    response = register(client, username="Ann_Lee")
    assert response.status_code == 302
    user = db.session.scalar(select(User))
    assert user.username == "Ann_Lee" and user.role == "member" and user.reputation == 1
    assert user.password_hash.startswith("$argon2id$")
    assert PASSWORD not in user.password_hash
    page = client.get("/").get_data(as_text=True)
    assert "Ann_Lee" in page and "Sign out" in page


def test_username_and_email_unique_ignoring_case(client):
    make_user("ann")
    response = register(client, username="ANN", email="other@example.com")
    assert response.status_code == 400
    assert "That username is taken." in response.get_data(as_text=True)
    response = register(client, username="someone", email="Ann@Example.COM")
    assert response.status_code == 400
    assert "An account with that email already exists." in response.get_data(as_text=True)
    assert db.session.scalar(select(db.func.count()).select_from(User)) == 1


def test_register_validation_errors_next_to_fields(client):
    response = register(client, username="a b", email="not-an-email", password="short", confirm="other")
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'aria-invalid="true"' in page
    assert "Use letters, digits" in page
    assert "Invalid email address." in page
    assert "Field must be between 8 and 200 characters long." in page
    assert "Passwords differ." in page


def test_login_by_username_or_email_and_logout(client):
    make_user("ann")
    assert client.submit("/login", {"login": "ANN", "password": "wrong password"}).status_code == 400
    login(client, "ann@example.com")
    assert "Sign out" in client.get("/").get_data(as_text=True)
    assert client.submit("/logout").status_code == 302
    assert "Sign in" in client.get("/").get_data(as_text=True)


def test_logout_needs_post_with_csrf(client):
    make_user("ann")
    login(client, "ann")
    assert client.get("/logout").status_code == 405
    assert client.post("/logout").status_code == 400
    assert "Sign out" in client.get("/").get_data(as_text=True)


def test_remember_me_sets_a_lasting_cookie(client):
    make_user("ann")
    client.submit("/login", {"login": "ann", "password": PASSWORD, "remember": "y"})
    cookie = client.get_cookie("remember_token")
    assert cookie is not None and cookie.expires is not None and cookie.http_only
    # a new browser session (no session cookie) is still signed in through the remember cookie
    client.delete_cookie("session")
    assert "Sign out" in client.get("/").get_data(as_text=True)


def test_without_remember_me_no_lasting_cookie(client):
    make_user("ann")
    login(client, "ann")
    assert client.get_cookie("remember_token") is None


def test_login_next_only_redirects_within_the_site(client):
    make_user("ann")
    token = client.csrf_token()
    response = client.post(
        "/login?next=/tags", data={"csrf_token": token, "login": "ann", "password": PASSWORD}
    )
    assert response.headers["Location"].endswith("/tags")
    client.submit("/logout")
    token = client.csrf_token()
    response = client.post(
        "/login?next=//evil.example/x", data={"csrf_token": token, "login": "ann", "password": PASSWORD}
    )
    assert "evil.example" not in response.headers["Location"]


def test_change_password_ends_other_sessions(app):
    make_user("ann")
    laptop, phone = app.test_client(), app.test_client()
    login(laptop, "ann")
    login(phone, "ann")
    response = laptop.submit(
        "/account/password",
        {
            "current_password": PASSWORD,
            "new_password": "a new long password",
            "confirm": "a new long password",
        },
    )
    assert response.status_code == 302
    assert "Sign out" in laptop.get("/").get_data(as_text=True)
    assert "Sign in" in phone.get("/").get_data(as_text=True)
    fresh = app.test_client()
    assert fresh.submit("/login", {"login": "ann", "password": PASSWORD}).status_code == 400
    login(fresh, "ann", "a new long password")


def test_change_password_refuses_wrong_current(client):
    make_user("ann")
    login(client, "ann")
    response = client.submit(
        "/account/password",
        {
            "current_password": "not my password",
            "new_password": "a new long password",
            "confirm": "a new long password",
        },
    )
    assert response.status_code == 400
    assert "That is not your password." in response.get_data(as_text=True)


def test_password_page_needs_login(client):
    response = client.get("/account/password")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_profile_shows_questions_answers_and_reputation(client):
    ann = make_user("ann")
    make_question(ann, title="Why does my schedule reset every Monday?")
    response = client.get(f"/users/{ann.id}/ann")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Why does my schedule reset every Monday?" in page
    assert "reputation" in page
    assert "ann@example.com" not in page
    assert client.get(f"/users/{ann.id}").status_code == 301
    assert client.get("/users/999999").status_code == 404


def test_staff_badge_on_profile(client):
    erin = make_user("erin", role="expert")
    assert "Staff expert" in client.get(f"/users/{erin.id}/erin").get_data(as_text=True)


def test_csrf_refused_without_token(client):
    make_user("ann")
    response = client.post("/login", data={"login": "ann", "password": PASSWORD})
    assert response.status_code == 400
    assert "CSRF" in response.get_data(as_text=True)
    response = client.post("/login", data={"login": "ann", "password": PASSWORD, "csrf_token": "forged"})
    assert response.status_code == 400


def test_the_session_check_of_address_and_browser_runs_only_for_a_session(client, monkeypatch):
    """Flask-Login's basic session protection: a signed-in session used from another browser is
    no longer fresh; a visitor without a session costs no hashing of address and browser."""
    from forum.extensions import login_manager

    checked = []
    identify = login_manager._session_identifier_generator
    monkeypatch.setattr(
        login_manager, "_session_identifier_generator", lambda: checked.append(1) or identify()
    )
    make_user("ann")
    client.get("/")
    assert checked == []
    login(client, "ann")
    with client.session_transaction() as session:
        assert session.get("_fresh") is True
    client.get("/", headers={"User-Agent": "another browser"})
    assert checked
    with client.session_transaction() as session:
        assert session.get("_fresh") is False
        assert session.get("_user_id")


def test_a_new_secret_key_signs_sessions_at_once_and_the_old_one_still_reads_them(app, client, monkeypatch):
    """The session serializer is kept between requests, and made again when the keys change."""
    make_user("ann")
    login(client, "ann")
    assert client.get("/notifications").status_code == 200
    old = app.secret_key
    monkeypatch.setitem(app.config, "SECRET_KEY", "a newer secret key")
    assert client.get("/notifications").status_code == 302  # signed with the old key: signed out
    login(client, "ann")
    monkeypatch.setitem(app.config, "SECRET_KEY_FALLBACKS", [app.config["SECRET_KEY"]])
    monkeypatch.setitem(app.config, "SECRET_KEY", old)
    assert client.get("/notifications").status_code == 200  # the fallback key reads it
