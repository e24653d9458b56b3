"""Admin pages and API: roles and expert topics, for admins only."""

from __future__ import annotations

from forum.experts import service as experts
from forum.extensions import db
from forum.models import User
from tests.conftest import login, make_user
from tests.test_openapi import properties
from tests.test_votes import API, bearer


def _user(user_id: int) -> User:
    db.session.expire_all()
    return db.session.get(User, user_id)


def test_an_admin_makes_a_member_an_expert_with_topics_on_the_admin_page(app, client):
    make_user("root", role="admin")
    sam = make_user("sam")
    login(client, "root")
    people = client.get("/admin/users").get_data(as_text=True)
    assert 'href="/admin/users"' in people and f'href="/admin/users/{sam.id}"' in people
    assert people.index(">root</a>") < people.index(">sam</a>")  # staff first

    response = client.submit(f"/admin/users/{sam.id}", {"role": "expert", "topics": "Billing, Accounts"})
    assert response.status_code == 302
    assert _user(sam.id).role == "expert" and experts.topics(sam) == ["accounts", "billing"]
    page = client.get(f"/admin/users/{sam.id}").get_data(as_text=True)
    assert 'value="accounts, billing"' in page and '<option selected value="expert">' in page

    response = client.submit(f"/admin/users/{sam.id}", {"role": "member", "topics": "billing"})
    assert response.status_code == 400 and "Only experts have topics." in response.get_data(as_text=True)
    assert client.submit(f"/admin/users/{sam.id}", {"role": "member", "topics": ""}).status_code == 302
    assert _user(sam.id).role == "member" and experts.topics(sam) == []

    filtered = client.get("/admin/users?role=admin&q=ro").get_data(as_text=True)
    assert ">root</a>" in filtered and ">sam</a>" not in filtered
    assert "Nobody matches." in client.get("/admin/users?q=%25_").get_data(as_text=True)
    assert client.get("/admin/users?role=wizard").status_code == 422


def test_admins_keep_their_own_role_and_everyone_else_is_refused(app, client):
    root = make_user("root", role="admin")
    make_user("maya", role="moderator")
    login(client, "root")
    response = client.submit(f"/admin/users/{root.id}", {"role": "member"})
    assert response.status_code == 400 and "You cannot take away your own admin role" in response.get_data(
        as_text=True
    )
    assert _user(root.id).role == "admin"
    assert client.submit(f"/admin/users/{root.id}", {"role": "wizard"}).status_code == 400

    moderator = app.test_client()
    login(moderator, "maya")
    assert moderator.get("/admin/users").status_code == 403
    assert moderator.get(f"/admin/users/{root.id}").status_code == 403
    assert moderator.submit(f"/admin/users/{root.id}", {"role": "member"}).status_code == 403
    assert 'href="/admin/users"' not in moderator.get("/").get_data(as_text=True)
    assert app.test_client().get("/admin/users").status_code == 302  # sign in first
    assert client.get("/admin/users/99999").status_code == 404


def test_the_api_sets_roles_and_topics_for_admins_only(app, client):
    root, maya, sam = make_user("root", role="admin"), make_user("maya", role="moderator"), make_user("sam")
    spec = client.get(f"{API}/openapi.json").get_json()
    url = f"{API}/users/{sam.id}/role"

    response = client.post(
        url, json={"role": "expert", "topics": ["Wi-Fi", "firmware"]}, headers=bearer(root)
    )
    assert response.status_code == 200
    assert response.get_json() == {
        "id": sam.id,
        "username": "sam",
        "role": "expert",
        "topics": ["firmware", "wi-fi"],
    }
    assert set(response.get_json()) == properties(spec, "Role")
    kept = client.post(url, json={"role": "expert"}, headers=bearer(root)).get_json()
    assert kept["topics"] == ["firmware", "wi-fi"]
    assert client.post(url, json={"role": "expert", "topics": "billing"}, headers=bearer(root)).get_json()[
        "topics"
    ] == ["billing"]

    assert client.post(url, json={"role": "member"}, headers=bearer(maya)).status_code == 403
    assert client.post(url, json={"role": "member"}).status_code == 401
    assert client.post(url, json={"role": "wizard"}, headers=bearer(root)).status_code == 422
    assert client.post(url, json={"role": "expert", "topics": 7}, headers=bearer(root)).status_code == 422
    assert client.post(url, json={"topics": "billing"}, headers=bearer(root)).status_code == 422
    demoted = client.post(f"{API}/users/{root.id}/role", json={"role": "member"}, headers=bearer(root))
    assert demoted.status_code == 422 and "own admin role" in demoted.get_json()["error"]
    assert (
        client.post(f"{API}/users/99999/role", json={"role": "member"}, headers=bearer(root)).status_code
        == 404
    )
    assert _user(sam.id).role == "expert"
