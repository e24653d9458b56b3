"""Settings come from the environment, with embedded defaults and a generated secret key."""

from flask import request
from flask_limiter.util import get_remote_address

from forum import config, create_app


def test_defaults_live_in_the_instance_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("FORUM_INSTANCE_PATH", str(tmp_path / "instance"))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("SECRET_KEY", raising=False)
    settings = config.from_env()
    assert settings["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'instance' / 'forum.db'}"
    assert settings["RATELIMIT_STORAGE_URI"] == "memory://"
    key_file = tmp_path / "instance" / "secret_key"
    assert key_file.read_text().strip() == settings["SECRET_KEY"]
    assert len(settings["SECRET_KEY"]) == 64
    assert key_file.stat().st_mode & 0o777 == 0o600
    # generated once: the next start (or another worker) reads the same key
    assert config.from_env()["SECRET_KEY"] == settings["SECRET_KEY"]


def test_environment_wins(tmp_path, monkeypatch):
    monkeypatch.setenv("FORUM_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("SECRET_KEY", "from-the-environment")
    monkeypatch.setenv("DATABASE_URL", "postgres://forum@db.internal/forum")
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/0")
    settings = config.from_env()
    assert settings["SECRET_KEY"] == "from-the-environment"
    assert not (tmp_path / "secret_key").exists()
    assert settings["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://forum@db.internal/forum"
    assert settings["RATELIMIT_STORAGE_URI"] == "redis://127.0.0.1:6379/0"


def test_overrides_win_over_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("FORUM_INSTANCE_PATH", str(tmp_path))
    app = create_app({"SITE_NAME": "Example Support", "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert app.config["SITE_NAME"] == "Example Support"
    assert app.config["MAX_CONTENT_LENGTH"] == 1024 * 1024


def _seen(settings: dict) -> dict:
    """The client's address, scheme and host as the app sees them, through a proxy's headers."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "FAQ_REFRESH_MINUTES": 0, **settings})
    app.add_url_rule(
        "/seen",
        "seen",
        lambda: {"address": get_remote_address(), "secure": request.is_secure, "host": request.host},
    )
    forwarded = {
        "X-Forwarded-For": "198.51.100.7, 203.0.113.9",  # the client's own claim, then the proxy's
        "X-Forwarded-Proto": "https",
        "X-Forwarded-Host": "help.example.com",
    }
    return app.test_client().get("/seen", headers=forwarded).get_json()


def test_behind_a_proxy_the_client_is_who_the_proxy_says():
    # rate limits per address key on the address the proxy saw, not on what the client claims
    assert _seen({"PROXY_COUNT": 1}) == {"address": "203.0.113.9", "secure": True, "host": "help.example.com"}


def test_served_directly_forwarded_headers_are_ignored():
    # a client could otherwise pick its own address and dodge the sign-in limits
    assert _seen({}) == {"address": "127.0.0.1", "secure": False, "host": "localhost"}
