"""SQLite connection settings for the embedded default."""

from sqlalchemy import Engine, event


def configure(engine: Engine) -> None:
    """Enforce foreign keys, let readers and a writer work at once, and wait instead of failing."""
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def set_pragmas(dbapi_connection, connection_record):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        # WAL: gunicorn workers read while one writes; NORMAL is durable across app crashes
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.execute("PRAGMA busy_timeout = 10000")
        cursor.close()
