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
# recycle workers now and then so a slow leak cannot grow without bound
max_requests = 5000
max_requests_jitter = 500
accesslog = "-"
