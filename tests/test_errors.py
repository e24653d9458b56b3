"""Errors become friendly pages for people and JSON for the API; nothing escapes as a raw 500."""

from forum import create_app
from forum.errors import PermissionDenied
from tests.conftest import TEST_SETTINGS


def app_with_failing_routes():
    app = create_app({**TEST_SETTINGS, "SQLALCHEMY_DATABASE_URI": "sqlite://"})

    @app.get("/boom")
    def boom():
        raise RuntimeError("an unexpected bug")

    @app.get("/api/v1/boom")
    def api_boom():
        raise RuntimeError("an unexpected bug")

    @app.get("/forbidden")
    def forbidden():
        raise PermissionDenied("Moderators only.")

    return app


def test_unexpected_errors_render_the_500_page_and_are_logged(caplog):
    client = app_with_failing_routes().test_client()
    response = client.get("/boom")
    assert response.status_code == 500
    assert "Something went wrong" in response.get_data(as_text=True)
    assert "an unexpected bug" not in response.get_data(as_text=True)
    assert "Unhandled error on GET /boom" in caplog.text
    response = client.get("/api/v1/boom")
    assert response.status_code == 500 and response.is_json
    assert response.get_json() == {
        "error": "Something went wrong on our side; it has been logged.",
        "fields": {},
    }


def test_domain_errors_map_to_status_codes():
    client = app_with_failing_routes().test_client()
    response = client.get("/forbidden")
    assert response.status_code == 403
    assert "Moderators only." in response.get_data(as_text=True)


def test_not_found_page_and_json(client):
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert "Not found" in response.get_data(as_text=True)
    response = client.get("/api/v1/no-such-endpoint")
    assert response.status_code == 404 and response.is_json and "error" in response.get_json()


def test_method_not_allowed_names_the_allowed_methods(client):
    response = client.get("/logout")
    assert response.status_code == 405
    assert response.headers["Allow"]
    assert "POST" in response.headers["Allow"]
