"""Every list page's queries use indexes: no sequential scan of a large table (PostgreSQL's EXPLAIN).

The community is seeded in bulk (bench/seed.py, then notifications, page views, searches, flags
and popularity), analysed, and each page is requested through the test client while its SQL is
captured; each captured SELECT is then explained. Page numbers are bounded (forum/pagination.py),
so OFFSET never walks far.
"""

from __future__ import annotations

import json

import pytest
from sqlalchemy import event, select, text

from bench import seed as bench_seed
from forum.admin import service as admin
from forum.caching import cache
from forum.extensions import db
from forum.models import Tag, User
from forum.search import get_backend
from forum.search.postgres_backend import _index_lookups
from tests.conftest import IS_POSTGRES, login, make_question, make_user

pytestmark = pytest.mark.skipif(
    not IS_POSTGRES, reason="EXPLAIN plans are PostgreSQL's; set TEST_DATABASE_URL to a PostgreSQL database"
)

POSTS = 4000
# a table of more rows and pages (8 kB each) than these must never be read whole by a list page;
# a smaller one the planner rightly reads whole (a hash join's build side), whatever its indexes
LARGE_ROWS, LARGE_PAGES = 1000, 20

EXTRA_ROWS = [
    # an inbox for the first members: a notification for every answer
    """INSERT INTO notifications (recipient_id, kind, question_id, post_id, created_at, read_at)
       SELECT u.id, 'answer', p.question_id, p.id, p.created_at,
              CASE WHEN p.id % 3 = 0 THEN NULL ELSE p.created_at END
       FROM posts p CROSS JOIN (SELECT id FROM users ORDER BY id LIMIT 4) u WHERE p.type = 'answer'""",
    # five visitors a day on each question over the past weeks
    """INSERT INTO page_views (kind, target_id, day, visitor)
       SELECT 'question', p.id, CURRENT_DATE - (g * 3 + p.id % 3), 'c:visitor' || g
       FROM posts p CROSS JOIN generate_series(1, 5) g WHERE p.type = 'question'""",
    """INSERT INTO search_events (kind, visitor, query, question_id, position, created_at)
       SELECT CASE WHEN g % 2 = 0 THEN 'search' ELSE 'click' END, 'c:visitor' || (g % 50),
              'thermostat ' || (g % 40), NULL, NULL, now() - make_interval(hours => g)
       FROM generate_series(1, 5000) g""",
    # flags: most resolved long ago, a few open
    """INSERT INTO flags (post_id, user_id, reason, text, status, created_at, outcome)
       SELECT p.id, (SELECT min(id) FROM users), 'spam', '',
              CASE WHEN p.id % 97 = 0 THEN 'open' ELSE 'resolved' END, p.created_at, ''
       FROM posts p""",
    """INSERT INTO question_popularity (question_id, score, views, followers, votes, answers,
                                       search_clicks, similar_clicks, computed_at)
       SELECT p.id, CASE WHEN p.id % 50 = 0 THEN 60.0 ELSE (p.id % 40)::float END, 5, 0, 0, 0, 0, 0, now()
       FROM posts p WHERE p.type = 'question'""",
]


def _seed() -> dict[str, User]:
    bench_seed.seed(POSTS, bench_seed.dump_folders(bench_seed.EXCERPT))
    get_backend().rebuild()
    people = {
        "admin": make_user("explain_admin", role="admin"),
        "mod": make_user("explain_mod", role="moderator"),
        "expert": make_user("explain_expert"),
    }
    topics = db.session.scalars(select(Tag.name).order_by(Tag.question_count.desc()).limit(3)).all()
    admin.set_role(people["admin"], people["expert"].id, "expert", topics=list(topics))
    for statement in EXTRA_ROWS:
        db.session.execute(text(statement))
    db.session.commit()
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM ANALYZE"))
    return people


def _pages(people: dict[str, User]) -> list[tuple[str | None, str]]:
    """(who, address) of every list page."""
    tag = db.session.scalar(select(Tag.name).order_by(Tag.question_count.desc()).limit(1))
    busy = db.session.execute(
        text("SELECT author_id FROM posts GROUP BY author_id ORDER BY count(*) DESC LIMIT 1")
    ).scalar()
    anonymous = [
        *(f"/?sort={sort}" for sort in ("active", "newest", "unanswered", "votes")),
        "/?sort=newest&page=3",
        *(f"/questions/tagged/{tag}?sort={sort}" for sort in ("active", "newest", "unanswered", "votes")),
        "/tags?sort=popular",
        "/tags?sort=name",
        f"/users/{busy}",
        "/search?q=thermostat+wifi",
        "/search?q=battery",
        "/faq",
    ]
    return [
        *((None, address) for address in anonymous),
        ("mod", "/moderation"),
        ("mod", "/moderation/personal-data"),
        ("mod", "/experts/queue"),
        ("mod", "/experts/queue?page=3"),
        ("mod", "/faq/candidates"),
        ("mod", "/review/edits"),
        ("expert", "/experts/queue"),
        ("expert", "/notifications"),
        ("admin", "/dashboard"),
    ]


def _seq_scans(plan: dict, large: set[str]) -> list[str]:
    found = []
    if plan.get("Node Type") == "Seq Scan" and plan.get("Relation Name") in large:
        found.append(plan["Relation Name"])
    for child in plan.get("Plans", []):
        found.extend(_seq_scans(child, large))
    return found


def _outline(plan: dict, depth: int = 0) -> list[str]:
    """The plan as indented lines: node, table, index, estimated rows."""
    line = " ".join(
        str(part)
        for part in (plan.get("Node Type"), plan.get("Relation Name", ""), plan.get("Index Name", ""))
        if part
    )
    lines = [f"{'  ' * depth}{line} (rows {plan.get('Plan Rows')})"]
    for child in plan.get("Plans", []):
        lines.extend(_outline(child, depth + 1))
    return lines


def test_no_list_page_reads_a_large_table_whole(app):
    people = _seed()
    large = set(
        db.session.scalars(
            text(
                "SELECT relname FROM pg_class WHERE relkind = 'r' AND reltuples > :rows AND relpages > :pages"
            ).bindparams(rows=LARGE_ROWS, pages=LARGE_PAGES)
        )
    )
    print("large tables:", sorted(large))
    assert {"posts", "comments", "votes", "notifications", "page_views", "search_events"} <= large
    clients = {None: app.test_client()}
    for who in ("mod", "expert", "admin"):
        clients[who] = app.test_client()
        login(clients[who], people[who].username)

    captured: list[tuple[str, str, object]] = []
    current = [""]

    def record(conn, cursor, statement, parameters, context, executemany):
        is_select = statement.lstrip().upper().startswith(("SELECT", "WITH"))
        if current[0] and is_select and not executemany:
            captured.append((current[0], statement, parameters))

    pages = _pages(people)
    event.listen(db.engine, "before_cursor_execute", record)
    try:
        for who, address in pages:
            cache.clear()
            current[:] = [address]
            response = clients[who].get(address, follow_redirects=True)
            assert response.status_code == 200, address
    finally:
        event.remove(db.engine, "before_cursor_execute", record)

    assert {address for address, _, _ in captured} == {address for _, address in pages}
    problems = []
    raw = db.engine.raw_connection()
    try:
        cursor = raw.cursor()
        for address, statement, parameters in captured:
            cursor.execute("EXPLAIN (FORMAT JSON) " + statement, parameters)
            document = cursor.fetchone()[0]
            plan = (json.loads(document) if isinstance(document, str) else document)[0]["Plan"]
            for table in _seq_scans(plan, large):
                sql = " ".join(statement.split())
                outline = "\n      ".join(_outline(plan))
                problems.append(f"{address}: Seq Scan on {table}\n    {sql}\n      {outline}")
        raw.rollback()
    finally:
        raw.close()
    assert not problems, "\n".join(problems)


def test_search_statements_are_planned_for_their_own_words(app):
    """psycopg prepares a statement a connection runs often, and PostgreSQL's generic plan for a
    prepared search knows none of its words (tripling the time of a search at 1M posts): inside
    a search, every statement gets a plan of its own, and the settings are restored after."""
    names = ("enable_seqscan", "max_parallel_workers_per_gather", "plan_cache_mode")
    with db.engine.connect() as connection, connection.begin():
        before = [connection.scalar(text(f"SHOW {name}")) for name in names]
        with _index_lookups(connection):
            inside = [connection.scalar(text(f"SHOW {name}")) for name in names]
        assert inside == ["off", "0", "force_custom_plan"]
        assert [connection.scalar(text(f"SHOW {name}")) for name in names] == before


def test_search_reads_each_candidate_at_its_row_address(app):
    """The relevance ranking reads each candidate's document again where the match found it (a TID
    scan), not through the primary key's index, whose descent per candidate cost a fifth of the
    statement at 1M posts."""
    author = make_user("ann")
    for number in range(30):
        make_question(author, f"Thermostat loses its schedule, case {number}", "After an update.", "hub")
    statements = []

    def record(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().startswith("WITH candidates"):
            statements.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        assert app.test_client().get("/search?q=thermostat+schedule").status_code == 200
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    (statement, parameters), *_ = statements
    with db.engine.connect() as connection, _index_lookups(connection):
        cursor = connection.connection.cursor()
        cursor.execute("EXPLAIN (FORMAT JSON) " + statement, parameters)
        plan = cursor.fetchone()[0][0]["Plan"]
    outline = "\n".join(_outline(plan))
    assert "Tid Scan search_documents" in outline, outline
    assert "pk_search_documents" not in outline, outline
