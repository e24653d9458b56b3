"""Connection settings: SQLite's pragmas and statistics for the embedded default, and a cheap
check of a database server's pooled connections before each use."""

import logging
import math
import select
import sqlite3
import time

from sqlalchemy import Engine, event, exc

log = logging.getLogger(__name__)

# SQLite's planner needs statistics: without them it prefers a wide covering index on the post
# type to a selective one (at 1M posts, counting a thread's answers walked all 750,000). PRAGMA
# optimize gathers them for a table never analysed or grown 25-fold since, sampling this many
# rows per index (10 ms at 1M posts); each pooled connection runs it at most this often.
ANALYSIS_LIMIT = 1000
OPTIMIZE_EVERY_SECONDS = 3600

# what an idle connection's socket may show: data (a server's goodbye), its end, an error
_UNREAD = select.POLLIN | select.POLLPRI | select.POLLHUP | select.POLLERR


def configure(engine: Engine) -> None:
    """SQLite's pragmas; for a server, the check of pooled connections (see _check_out)."""
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _set_pragmas)
        event.listen(engine, "checkin", _optimize)
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
    cursor.execute(f"PRAGMA analysis_limit = {ANALYSIS_LIMIT}")
    cursor.close()


def _optimize(dbapi_connection, connection_record) -> None:
    """Back in the pool: refresh the statistics of the tables this connection has used, if due
    (a table's first ANALYZE, or a 25-fold change, is all PRAGMA optimize does)."""
    now = time.monotonic()
    last = connection_record.info.get("optimized_at", -math.inf)
    if dbapi_connection is None or now - last < OPTIMIZE_EVERY_SECONDS:  # None: invalidated
        return
    connection_record.info["optimized_at"] = now
    try:
        dbapi_connection.execute("PRAGMA optimize")
    except sqlite3.Error as error:  # busy, or a read-only file: the next time will do
        log.warning("PRAGMA optimize failed: %s", error)


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
