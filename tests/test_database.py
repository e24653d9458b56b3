"""Connection settings: SQLite's statistics (the pooled PostgreSQL check is in test_faults.py)."""

import pytest
from sqlalchemy import text

from forum.extensions import db
from tests.conftest import IS_POSTGRES, make_answer, make_question, make_user

COUNT_ANSWERS = (
    "SELECT count(*) FROM posts"
    " WHERE question_id = :question_id AND deleted_at IS NULL AND type IN ('answer')"
)


def plan(sql: str, **values) -> str:
    with db.engine.connect() as connection:
        return " ".join(row[-1] for row in connection.execute(text(f"EXPLAIN QUERY PLAN {sql}"), values))


@pytest.mark.skipif(IS_POSTGRES, reason="SQLite's statistics (PostgreSQL keeps its own)")
def test_pooled_sqlite_connections_gather_statistics_so_a_thread_is_read_through_its_own_index(app, client):
    """Without statistics SQLite counts a thread's answers by walking a covering index of every
    post of the type; a pooled connection runs PRAGMA optimize when it is back in the pool."""
    people = [make_user(f"helper{number}") for number in range(3)]
    questions = [make_question(people[0], title=f"Why does thermostat {n} blink red?") for n in range(10)]
    for question in questions:
        for helper in people:
            make_answer(helper, question)
    db.session.commit()
    question_id = questions[0].id
    if db.session.execute(text("SELECT 1 FROM sqlite_schema WHERE name = 'sqlite_stat1'")).first():
        db.session.execute(text("DELETE FROM sqlite_stat1"))  # what earlier tests gathered
        db.session.commit()
    db.session.remove()
    db.engine.dispose()  # new connections: their statistics are read afresh, and none are left
    assert "ix_posts_question_id" not in plan(COUNT_ANSWERS, question_id=question_id)

    db.engine.dispose()
    assert client.get(f"/questions/{question_id}").status_code in (200, 301)  # a connection used...
    db.session.remove()  # ...and back in the pool
    db.engine.dispose()
    assert db.session.execute(text("SELECT count(*) FROM sqlite_stat1 WHERE tbl = 'posts'")).scalar()
    assert "ix_posts_question_id_deleted_at_created_at" in plan(COUNT_ANSWERS, question_id=question_id)
