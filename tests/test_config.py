"""Settings come from the environment, with embedded defaults and a generated secret key."""

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
