"""Schemathesis against /api/v1/openapi.json: no generated request gets a 5xx, and every answer
matches the document (status codes, content types, headers and response bodies).

The calls go through WSGI (no server). They take turns at three bearer tokens (an admin, a
staff expert, a member) and now and then none, so writes get past authentication and each
role's rules are exercised; a few questions, answers and comments exist so small generated
ids find something.
"""

from __future__ import annotations

import itertools

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from forum.api.openapi import document
from forum.auth.service import issue_token
from forum.extensions import db
from forum.questions import service as questions
from tests.conftest import _empty_tables, make_answer, make_question, make_user

# 60-odd operations x 8 examples, plus the coverage cases schemathesis derives from the document
# (edge values, unsupported methods): over 2,000 requests
EXAMPLES_PER_OPERATION = 8
MINIMUM_CASES = 1000
CHECKS = [
    schemathesis.checks.not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]

calls: list[str] = []


@pytest.fixture(scope="module")
def community(_app):
    """Members, tokens and a few threads; the tokens in turn, with an anonymous call every fourth."""
    with _app.app_context():
        admin = make_user("root", role="admin")
        expert = make_user("erin", role="expert")
        member = make_user("ann")
        for number in range(3):
            question = make_question(member, title=f"How do I pair thermostat number {number}?")
            answer = make_answer(expert, question)
            questions.comment(admin, answer.id, "Which firmware version does it run?")
        tokens = [issue_token(user) for user in (admin, expert, member)]
        db.session.commit()
        db.session.remove()
    session_app.app = _app
    headers = [{"Authorization": f"Bearer {token}"} for token in tokens] + [{}]
    yield itertools.cycle(headers)
    with _app.app_context():
        _empty_tables()
        db.session.remove()
    print(f"{len(calls)} generated requests")
    assert len(calls) >= MINIMUM_CASES, f"only {len(calls)} generated requests"


class SessionApp:
    """The WSGI app the calls go to: the test session's app, known once its fixture has run."""

    app = None

    def __call__(self, environ, start_response):
        return self.app(environ, start_response)


session_app = SessionApp()
# The document the app serves at /api/v1/openapi.json (tests/test_openapi.py checks they are one)
schema = schemathesis.openapi.from_dict(document())
schema.app = session_app


@schema.parametrize()
@settings(
    max_examples=EXAMPLES_PER_OPERATION,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
def test_api_matches_its_document(case, community):
    calls.append(f"{case.method} {case.path}")
    case.call_and_validate(headers=next(community), checks=CHECKS)
