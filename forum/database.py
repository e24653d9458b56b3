"""Connection settings: SQLite's pragmas for the embedded default, and a cheap check of a
database server's pooled connections before each use."""

import select

from sqlalchemy import Engine, event, exc

# what an idle connection's socket may show: data (a server's goodbye), its end, an error
_UNREAD = select.POLLIN | select.POLLPRI | select.POLLHUP | select.POLLERR


def configure(engine: Engine) -> None:
    """SQLite's pragmas; for a server, the check of pooled connections (see _check_out)."""
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _set_pragmas)
    else:
        event.listen(engine, "checkout", _check_out)


def _set_pragmas(dbapi_connection, connection_record) -> None:
    """Enforce foreign keys, let readers and a writer work at once, and wait instead of failing."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys = ON")
    # WAL: gunicorn workers read while one writes; NORMAL is durable across app crashes
    cursor.execute("PRAGMA journal_mode = WAL")
    cursor.execute("PRAGMA synchronous = NORMAL")
    cursor.execute("PRAGMA busy_timeout = 10000")
    cursor.close()


def _check_out(dbapi_connection, connection_record, connection_proxy) -> None:
    """A pooled connection is given out only if the server has not closed it meanwhile.

    A server that restarts or ends a connection closes its socket (PostgreSQL says why first),
    so an idle connection's socket has nothing to read unless it is gone: only then is it pinged,
    and replaced when that fails (the pool opens a new one). A ping on every checkout, as
    pool_pre_ping does, is a round trip for each request that touches the database.
    """
    try:
        poller = select.poll()
        poller.register(dbapi_connection.fileno(), _UNREAD)
        if not poller.poll(0):
            return
        cursor = dbapi_connection.cursor()
        cursor.execute("SELECT 1")
        cursor.close()
        dbapi_connection.rollback()  # the ping's transaction: the connection goes out idle
    except Exception as error:  # closed on this side (no socket), or the ping failed
        raise exc.DisconnectionError(f"the pooled connection was closed: {error}") from error
