"""Production server settings: `gunicorn -c gunicorn.conf.py wsgi:app`."""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# sync workers: each request holds one database connection for its whole life
worker_class = "sync"
workers = int(os.environ.get("GUNICORN_WORKERS", max(2, multiprocessing.cpu_count())))
timeout = 30
graceful_timeout = 20
keepalive = 5
# the app is built once, in the master, and each worker is a fork of it: a new or recycled
# worker starts in milliseconds instead of importing and configuring everything again (a
# second of CPU taken from the other worker on a small machine)
preload_app = True
# recycle workers now and then so a slow leak cannot grow without bound
max_requests = 20000
max_requests_jitter = 2000
accesslog = "-"


def post_fork(server, worker):
    """A worker never uses the master's database connections: its pools start empty."""
    app = server.app.wsgi()
    if "sqlalchemy" in getattr(app, "extensions", {}):
        from forum.extensions import db

        with app.app_context():
            for engine in db.engines.values():
                engine.dispose(close=False)
