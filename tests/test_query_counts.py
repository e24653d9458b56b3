"""Pages issue a fixed number of SQL statements, whatever the size of the thread (no N+1)."""

from contextlib import contextmanager

from sqlalchemy import event

from forum.extensions import db
from forum.questions import service
from tests.conftest import grant, login, make_answer, make_question, make_user


@contextmanager
def counted_statements():
    """Count the SQL statements sent to the database inside the block."""
    statements: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", record)


def statements_for(client, url: str) -> int:
    with counted_statements() as statements:
        response = client.get(url)
    assert response.status_code == 200
    return len(statements)


def build_thread(answers: int, comments_per_post: int):
    asker = make_user("asker")
    helpers = [make_user(f"helper{index}") for index in range(5)]
    for helper in helpers:
        grant(helper, 50)
    question = make_question(asker)
    for index in range(answers):
        answer = make_answer(helpers[index % 5], question, f"Answer number {index} with enough text.")
        for comment in range(comments_per_post):
            service.comment(helpers[(index + comment) % 5], answer.id, f"Comment {comment} on answer {index}")
    return question


def test_question_page_statements_do_not_grow_with_the_thread(app):
    small = build_thread(answers=1, comments_per_post=0)
    small_url = f"/questions/{small.id}/{small.slug}"
    make_user("reader")
    anonymous, member = app.test_client(), app.test_client()
    login(member, "reader")
    member.get("/")  # the first page after signing in shows its message (a page with one is never kept)
    small_counts = (statements_for(anonymous, small_url), statements_for(member, small_url))

    big_asker = make_user("bigasker")
    big = make_question(big_asker, title="A long thread about thermostat wiring")
    helpers = [make_user(f"big{index}") for index in range(6)]
    for helper in helpers:
        grant(helper, 50)
    for index in range(30):
        answer = make_answer(helpers[index % 6], big, f"Big answer number {index} with enough text.")
        for comment in range(2):
            service.comment(helpers[(index + comment) % 6], answer.id, f"Comment {comment} on {index}")
    big_url = f"/questions/{big.id}/{big.slug}"
    big_counts = (statements_for(anonymous, big_url), statements_for(member, big_url))

    assert big_counts == small_counts
    assert max(big_counts) <= 10


def test_question_list_statements_do_not_grow_with_the_page(app, client):
    asker = make_user("asker")
    make_question(asker)
    one = statements_for(client, "/?sort=newest")
    for index in range(30):
        make_question(
            make_user(f"user{index}"), title=f"Question number {index} about billing", tags="billing refunds"
        )
    many = statements_for(client, "/?sort=newest")
    assert one == many <= 6
