"""The production path: migrate, seed and serve with gunicorn from a fresh instance folder."""

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_migrate_seed_and_serve_with_gunicorn(tmp_path):
    env = {
        **os.environ,
        "FORUM_INSTANCE_PATH": str(tmp_path),
        "FLASK_APP": "wsgi",
        "PASSWORD_HASH_TIME_COST": "1",
        "PASSWORD_HASH_MEMORY_KIB": "64",
    }
    env.pop("DATABASE_URL", None)
    for command in (["db", "upgrade"], ["seed", "demo", "--if-empty"]):
        subprocess.run(
            [BIN / "flask", *command], cwd=ROOT, env=env, check=True, capture_output=True, timeout=120
        )
    assert (tmp_path / "forum.db").exists() and (tmp_path / "secret_key").exists()
    port = free_port()
    server = subprocess.Popen(
        [BIN / "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", "2", "wsgi:app"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        body = ""
        for _ in range(100):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as response:
                    assert response.status == 200
                    body = response.read().decode()
                    break
            except OSError:
                time.sleep(0.1)
        assert "Halcyon Community" in body
        assert 'class="question-summary"' in body
    finally:
        server.terminate()
        server.wait(timeout=10)
        if server.stderr:
            server.stderr.close()
