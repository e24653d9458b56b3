"""Page benchmark: the forum's main pages under gunicorn and wrk, each as a ratio to a bare Flask app.

    FORUM_INSTANCE_PATH=... DATABASE_URL=... .venv/bin/python bench/pages.py [--rounds 5] [--seconds 5]
        [--pages home,question,...] [--size-label 10k]

Run it on a database filled by `bench/seed.py N` (same environment). It starts two servers with
the production command, `gunicorn -c gunicorn.conf.py` (2 sync workers, GUNICORN_WORKERS=2), on
free loopback ports: the forum (`wsgi:app`, RATELIMIT_ENABLED=0) and the floor
(`bench/floor_app.py`, a small static template). Then for each page, after a warm-up (2,000
requests or 10 seconds, see warm()), --rounds times: wrk on the floor for --seconds, then wrk
on the page for --seconds (`-t1 -c8`, keep-alive, `--latency`).
The machine is noisy, so each page is reported as the median over its rounds of
(page req/s / floor req/s in the same round); req/s, p50 and p99 are medians over rounds too.

SQL statements per request are counted in-process before the servers start: each page is
requested twice with the Flask test client against the same database, and the statements the
second request sends (a SQLAlchemy `before_cursor_execute` listener) are reported. Worker RSS
is read from /proc (VmRSS) of the forum's gunicorn workers after each page's rounds (the larger
of the two). gunicorn.conf.py recycles a worker after about 20,000 requests, as in production,
so a figure may come from a young worker.

Pages: the home list; the question with 10 answers and 20 comments (bench/seed.py's first),
anonymous and signed in (as `bench`, through the login form, then opening the question once as a
browser would; the session cookie goes to wrk);
the tag list; search; similar questions (`GET /api/v1/similar?title=`) for one draft, and for
drafts that change with every request (`similar_drafts`: the titles of 200 other questions in
turn, as customers typing their own questions send); posting an answer
(`POST /api/v1/questions/<id>/answers` with a bearer token, spread over 200 other questions);
voting (`POST /api/v1/posts/<id>/vote`, up then retracted, over 500 answers). The write pages
run last, since they add rows. Progress goes to stderr, the table (Markdown) to stdout.
"""

from __future__ import annotations

import argparse
import contextlib
import http.cookiejar
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BENCH_USERNAME, BENCH_PASSWORD = "bench", "bench-password"
USER_AGENT = "forum-bench"
PAGES = (
    "home",
    "question",
    "question_signed_in",
    "tags",
    "search",
    "similar",
    "similar_drafts",
    "answer",
    "vote",
)
# similar_drafts: this many titles, of the questions after the showcase one (the same dump rows
# at every size: bench/seed.py writes the dumps' questions first, in order)
DRAFTS = 200
# the warm-up before a page's rounds: this many requests, in at most so many 1-second runs
WARM_REQUESTS, WARM_RUNS = 2_000, 10
_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


@dataclass
class Page:
    """One benchmarked request: a GET path, or a wrk Lua script (writes, and drafts that change)."""

    name: str
    path: str
    headers: dict[str, str] = field(default_factory=dict)
    script: str | None = None
    sql: int | None = None


@dataclass
class Sample:
    rps: float
    p50: float
    p99: float
    errors: int


# --- the data the pages need, and SQL counts, in-process -------------------------------------


def prepare(rounds_dir: Path) -> tuple[dict, list[Page]]:
    """Find the showcase question and targets, issue a token, count SQL per page in-process."""
    os.environ["RATELIMIT_ENABLED"] = "0"
    from flask_migrate import upgrade
    from sqlalchemy import func, select, text

    from forum import create_app
    from forum.auth.service import issue_token
    from forum.extensions import db
    from forum.models import Answer, Post, Question, Tag, User

    app = create_app()
    with app.app_context():
        # the schema the code expects (a database seeded earlier may predate a migration)
        upgrade(directory=str(ROOT / "migrations"), revision="heads")
        question = db.session.scalar(
            select(Question).where(Question.answer_count == 10).order_by(Question.id).limit(1)
        )
        if question is None:
            raise SystemExit("No question with 10 answers: fill the database with bench/seed.py N first.")
        user = db.session.scalar(select(User).where(User.username == BENCH_USERNAME))
        if user is None:
            raise SystemExit(f"No {BENCH_USERNAME!r} account: fill the database with bench/seed.py N first.")
        posts = db.session.scalar(select(func.count()).select_from(Post).where(Post.deleted_at.is_(None)))
        tag = db.session.scalar(select(Tag.name).order_by(Tag.question_count.desc()).limit(1))
        words = [word for word in re.findall(r"[A-Za-z]{4,}", question.title or "")][:2] or [tag]
        other = db.session.scalar(
            select(Question).where(Question.id > question.id).order_by(Question.id).limit(1)
        )
        answer_targets = db.session.scalars(
            select(Question.id)
            .where(Question.id > question.id, Question.status == "open", Question.deleted_at.is_(None))
            .order_by(Question.id)
            .offset(50)
            .limit(200)
        ).all()
        drafts = db.session.scalars(
            select(Question.title).where(Question.id > question.id).order_by(Question.id).limit(DRAFTS)
        ).all()
        vote_targets = db.session.scalars(
            select(Answer.id)
            .where(
                Answer.author_id != user.id, Answer.deleted_at.is_(None), Answer.question_id != question.id
            )
            .order_by(Answer.id)
            .limit(500)
        ).all()
        token = issue_token(user)
        if db.engine.dialect.name == "postgresql":
            database = "PostgreSQL " + db.session.scalar(text("SHOW server_version")).split()[0]
        else:
            import sqlite3

            database = f"SQLite {sqlite3.sqlite_version}"
        facts = {
            "posts": posts,
            "database": database,
            "question_id": question.id,
            "question_path": f"/questions/{question.id}/{question.slug}",
            "query": " ".join(words),
            "similar_title": (other.title if other else question.title) or "",
            "drafts": [title for title in drafts if title] or [question.title],
            "answer_targets": list(answer_targets),
            "vote_targets": list(vote_targets),
            "token": token,
        }
        db.session.commit()
    pages = make_pages(facts, rounds_dir)
    count_statements(app, pages, facts)
    return facts, pages


def make_pages(facts: dict, work: Path) -> list[Page]:
    """The pages, those that change their requests with their Lua scripts."""
    bearer = {"Authorization": f"Bearer {facts['token']}", "Content-Type": "application/json"}
    answer_lua = work / "answer.lua"
    answer_lua.write_text(
        _lua_targets(facts["answer_targets"])
        + _lua_headers(bearer)
        + """
request = function()
  n = n + 1
  local id = targets[(n % #targets) + 1]
  local body = '{"body": "Answer ' .. n .. ': restart the hub, then pair the thermostat again."}'
  return wrk.format("POST", "/api/v1/questions/" .. id .. "/answers", headers, body)
end
"""
    )
    vote_lua = work / "vote.lua"
    vote_lua.write_text(
        _lua_targets(facts["vote_targets"])
        + _lua_headers(bearer)
        + """
request = function()
  local id = targets[(n % #targets) + 1]
  -- up on the first pass over the answers, retracted on the next, and so on
  local value = (math.floor(n / #targets) % 2 == 0) and 1 or 0
  n = n + 1
  return wrk.format("POST", "/api/v1/posts/" .. id .. "/vote", headers, '{"value": ' .. value .. '}')
end
"""
    )
    drafts_lua = work / "similar_drafts.lua"
    paths = [f"/api/v1/similar?{urllib.parse.urlencode({'title': title})}" for title in facts["drafts"]]
    drafts_lua.write_text(
        "n = 0\npaths = {" + ", ".join(f'"{path}"' for path in paths) + "}\n"
        + _lua_headers({})
        + """
request = function()
  n = n + 1
  return wrk.format("GET", paths[(n % #paths) + 1], headers)
end
"""
    )
    similar = urllib.parse.urlencode({"title": facts["similar_title"]})
    return [
        Page("home", "/"),
        Page("question", facts["question_path"]),
        Page("question_signed_in", facts["question_path"], {"Cookie": "<signed-in>"}),
        Page("tags", "/tags"),
        Page("search", "/search?" + urllib.parse.urlencode({"q": facts["query"]})),
        Page("similar", f"/api/v1/similar?{similar}"),
        Page("similar_drafts", paths[0], script=str(drafts_lua)),
        Page("answer", "/", script=str(answer_lua)),
        Page("vote", "/", script=str(vote_lua)),
    ]


def _lua_targets(ids: list[int]) -> str:
    return "n = 0\ntargets = {" + ", ".join(str(i) for i in ids) + "}\n"


def _lua_headers(headers: dict[str, str]) -> str:
    pairs = "".join(f'["{name}"] = "{value}", ' for name, value in headers.items())
    return f'headers = {{{pairs}["User-Agent"] = "{USER_AGENT}"}}\n'


def count_statements(app, pages: list[Page], facts: dict) -> None:
    """SQL statements of each page's request once warm, through the Flask test client: the third
    of a page (the first after signing in is never kept: it shows the "signed in" message), the
    second of a write."""
    from sqlalchemy import event

    from forum.extensions import db

    statements = []

    def counted(*args) -> None:
        # the request's own: not the popularity refresh a fresh worker starts in a thread
        if threading.current_thread() is threading.main_thread():
            statements.append(args[2])

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", counted)
    anonymous = app.test_client()
    signed_in = app.test_client()
    page = signed_in.get("/login").get_data(as_text=True)
    signed_in.post(
        "/login",
        data={"login": BENCH_USERNAME, "password": BENCH_PASSWORD, "csrf_token": _CSRF.search(page).group(1)},
    )
    bearer = {"Authorization": f"Bearer {facts['token']}"}
    for item in pages:
        for attempt in (1, 2) if item.name in ("answer", "vote") else (1, 2, 3):
            statements.clear()
            if item.name == "answer":
                target = facts["answer_targets"][-attempt]
                body = {"body": f"An answer to count the statements of posting ({attempt})."}
                response = anonymous.post(f"/api/v1/questions/{target}/answers", json=body, headers=bearer)
            elif item.name == "vote":
                target = facts["vote_targets"][-1]
                response = anonymous.post(
                    f"/api/v1/posts/{target}/vote", json={"value": 2 - attempt}, headers=bearer
                )
            else:
                client = signed_in if item.name == "question_signed_in" else anonymous
                response = client.get(item.path)
            if response.status_code >= 400:
                raise SystemExit(f"{item.name}: {response.status_code} in-process")
        item.sql = len(statements)
    event.remove(engine, "before_cursor_execute", counted)
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


# --- servers and wrk --------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_server(app: str, port: int, extra: list[str] | None = None) -> subprocess.Popen:
    """gunicorn with the repository's config, 2 workers, on a loopback port; waits until it answers."""
    env = dict(os.environ, GUNICORN_BIND=f"127.0.0.1:{port}", GUNICORN_WORKERS="2", RATELIMIT_ENABLED="0")
    server = subprocess.Popen(
        [str(ROOT / ".venv" / "bin" / "gunicorn"), "-c", "gunicorn.conf.py", *(extra or []), app],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5).read()
            return server
        except OSError:
            if server.poll() is not None:
                raise SystemExit(f"gunicorn for {app} exited with {server.returncode}") from None
            time.sleep(0.3)
    server.terminate()
    raise SystemExit(f"gunicorn for {app} did not answer within 60 s")


def stop_server(server: subprocess.Popen) -> None:
    server.terminate()
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


def worker_rss_mib(server: subprocess.Popen) -> float:
    """The larger resident set of the server's workers (the master's children), in MiB."""
    children = Path(f"/proc/{server.pid}/task/{server.pid}/children").read_text().split()
    sizes = []
    for pid in children:
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except FileNotFoundError:  # recycled meanwhile
            continue
        match = re.search(r"VmRSS:\s+(\d+) kB", status)
        if match:
            sizes.append(int(match.group(1)) / 1024)
    return max(sizes, default=0.0)


def wait_until_idle(port: int, limit: float = 180) -> None:
    """Let the workers finish requests wrk left queued (gunicorn serves them after wrk hangs up).

    A page slower than wrk's run leaves its last connections' requests in the workers; without
    this wait they would be counted against the next page.
    """
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        started = time.monotonic()
        # a 404 (an OSError here) says as much as a 200: a worker was free to answer
        with contextlib.suppress(OSError):
            urllib.request.urlopen(f"http://127.0.0.1:{port}/static/does-not-exist", timeout=limit).read()
        if time.monotonic() - started < 0.5:
            return


def sign_in(port: int, page_path: str) -> str:
    """Sign in as the bench account through the login form and open a page, as a browser would;
    returns the Cookie header. wrk sends one cookie and never stores the replies': the page makes
    the session's CSRF secret, so the cookie already holds it (else every request would make one
    and send a new session cookie, which no browser keeps doing)."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    opener.addheaders = [("User-Agent", USER_AGENT)]
    base = f"http://127.0.0.1:{port}"
    page = opener.open(f"{base}/login").read().decode()
    form = {"login": BENCH_USERNAME, "password": BENCH_PASSWORD, "csrf_token": _CSRF.search(page).group(1)}
    opener.open(f"{base}/login", data=urllib.parse.urlencode(form).encode()).read()
    opener.open(f"{base}{page_path}").read()
    cookies = "; ".join(f"{cookie.name}={cookie.value}" for cookie in jar)
    if "session=" not in cookies:
        raise SystemExit("Signing in as bench failed.")
    return cookies


def warm(port: int, page: Page) -> None:
    """Warm the workers for the page: 1-second runs until WARM_REQUESTS have been served (at most
    WARM_RUNS runs). A page that changes what it asks for fills the workers' caches over several
    passes: similar_drafts' 200 drafts go to two workers at random, so after 2,000 requests a
    worker has missed a given draft with a chance of 1 in 1,000; measured sooner, its first
    rounds would time the warm-up."""
    served, runs = 0.0, 0
    while served < WARM_REQUESTS and runs < WARM_RUNS:
        served += wrk(port, page, 1).rps
        runs += 1
        wait_until_idle(port)
    print(f"{page.name:<20} warmed with {served:,.0f} requests in {runs} s", file=sys.stderr)


def wrk(port: int, page: Page, seconds: float) -> Sample:
    """One wrk run: -t1 -c8, keep-alive, bounded in time."""
    command = [
        "wrk",
        "-t1",
        "-c8",
        f"-d{seconds:g}s",
        "--latency",
        "--timeout",
        "10s",
        "-H",
        f"User-Agent: {USER_AGENT}",
    ]
    for name, value in page.headers.items():
        command += ["-H", f"{name}: {value}"]
    if page.script:
        command += ["-s", page.script]
    output = subprocess.run(
        [*command, f"http://127.0.0.1:{port}{page.path}"], capture_output=True, text=True, check=True
    ).stdout
    return parse_wrk(output)


def parse_wrk(output: str) -> Sample:
    def latency(percent: str) -> float:
        match = re.search(rf"^\s+{percent}%\s+([\d.]+)(us|ms|s|m)\s*$", output, re.MULTILINE)
        return float(match.group(1)) * _UNITS[match.group(2)] if match else float("nan")

    rps = re.search(r"Requests/sec:\s+([\d.]+)", output)
    errors = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    failed = int(errors.group(1)) if errors else 0
    if socket_errors:
        failed += sum(int(number) for number in socket_errors.groups())
    return Sample(float(rps.group(1)) if rps else 0.0, latency("50"), latency("99"), failed)


# --- the run ----------------------------------------------------------------------------------


def machine() -> str:
    cpu = "unknown CPU"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    return f"{os.cpu_count()}-core VM, {cpu}"


def size_label(posts: int) -> str:
    if posts >= 1_000_000:
        return f"{posts / 1_000_000:.0f}M" if posts % 1_000_000 < 50_000 else f"{posts / 1_000_000:.1f}M"
    return f"{round(posts / 1000)}k" if posts >= 1000 else str(posts)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--pages", default=",".join(PAGES), help=f"comma-separated, of: {', '.join(PAGES)}")
    parser.add_argument("--size-label", help="the size column [the number of posts, e.g. 10k]")
    args = parser.parse_args(argv)
    chosen = args.pages.split(",")
    unknown = set(chosen) - set(PAGES)
    if unknown:
        parser.error(f"unknown pages: {', '.join(sorted(unknown))}")
    with tempfile.TemporaryDirectory(prefix="bench-pages-") as work:
        print("Counting SQL statements in-process ...", file=sys.stderr)
        facts, pages = prepare(Path(work))
        pages = [page for page in pages if page.name in chosen]
        forum_port, floor_port = free_port(), free_port()
        forum = start_server("wsgi:app", forum_port)
        floor = None
        try:
            floor = start_server("floor_app:app", floor_port, ["--pythonpath", str(ROOT / "bench")])
            floor_page = Page("floor", "/")
            cookie = sign_in(forum_port, facts["question_path"])
            for page in pages:
                if page.headers.get("Cookie"):
                    page.headers["Cookie"] = cookie
            rows = []
            floors: list[Sample] = []
            for page in pages:
                wait_until_idle(forum_port)
                warm(forum_port, page)
                ratios, samples = [], []
                for round_number in range(1, args.rounds + 1):
                    base = wrk(floor_port, floor_page, args.seconds)
                    sample = wrk(forum_port, page, args.seconds)
                    floors.append(base)
                    samples.append(sample)
                    ratios.append(sample.rps / base.rps if base.rps else float("nan"))
                    print(
                        f"{page.name:<20} round {round_number}: floor {base.rps:8.1f} req/s,"
                        f" page {sample.rps:8.1f} req/s, ratio {ratios[-1]:.3f}"
                        + (f", {sample.errors} errors" if sample.errors else ""),
                        file=sys.stderr,
                    )
                rows.append((page, samples, statistics.median(ratios), worker_rss_mib(forum)))
                wait_until_idle(forum_port)
            floor_rss = worker_rss_mib(floor)
        finally:
            stop_server(forum)
            if floor is not None:
                stop_server(floor)
    date = datetime.now(UTC).strftime("%Y-%m-%d")
    where = [date, machine(), facts["database"], args.size_label or size_label(facts["posts"])]
    header = [
        "date",
        "machine",
        "database",
        "size",
        "page",
        "req/s",
        "ratio to floor",
        "p50 ms",
        "p99 ms",
        "SQL per request",
        "worker RSS MiB",
    ]
    table = [
        [
            *where,
            "floor (bare Flask)",
            f"{statistics.median(s.rps for s in floors):,.0f}",
            "1.00",
            f"{statistics.median(s.p50 for s in floors):.2f}",
            f"{statistics.median(s.p99 for s in floors):.2f}",
            "0",
            f"{floor_rss:.0f}",
        ]
    ]
    for page, samples, ratio, rss in rows:
        errors = sum(s.errors for s in samples)
        table.append(
            [
                *where,
                page.name + (f" ({errors} errors)" if errors else ""),
                f"{statistics.median(s.rps for s in samples):,.0f}",
                f"{ratio:.3f}",
                f"{statistics.median(s.p50 for s in samples):.2f}",
                f"{statistics.median(s.p99 for s in samples):.2f}",
                str(page.sql),
                f"{rss:.0f}",
            ]
        )
    print(f"{facts['posts']:,} posts; question page {facts['question_path']}", file=sys.stderr)
    print("| " + " | ".join(header) + " |")
    print("|" + "|".join("---" for _ in header) + "|")
    for row in table:
        print("| " + " | ".join(row) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
