"""The OpenAPI document describes every API route, and the shapes the API really sends."""

from __future__ import annotations

import re

import pytest

from forum.auth.service import issue_token
from tests.conftest import PASSWORD, make_answer, make_question, make_user

API = "/api/v1"
HTTP_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}
_CONVERTER = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")


@pytest.fixture
def spec(client) -> dict:
    response = client.get(f"{API}/openapi.json")
    assert response.status_code == 200
    return response.get_json()


def documented_operations(spec: dict) -> set[tuple[str, str]]:
    """(full path, METHOD) for every operation in the document."""
    base = spec["servers"][0]["url"].rstrip("/")
    return {
        (base + path, method.upper())
        for path, item in spec["paths"].items()
        for method in item
        if method in HTTP_METHODS
    }


def routed_operations(app) -> set[tuple[str, str]]:
    """(path with {params}, METHOD) for every route the app serves under the API prefix."""
    return {
        (_CONVERTER.sub(r"{\1}", rule.rule), method)
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith(f"{API}/")
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }


def test_document_basics(spec):
    assert spec["openapi"].startswith("3.1")
    assert {"Question", "Answer", "Comment", "User", "Error", "Page"} <= set(spec["components"]["schemas"])
    bearer = spec["components"]["securitySchemes"]["bearer"]
    assert (bearer["type"], bearer["scheme"]) == ("http", "bearer")


def test_every_route_is_documented_and_nothing_else(app, spec):
    assert documented_operations(spec) == routed_operations(app)


def test_every_operation_has_responses_and_declares_its_path_parameters(spec):
    for path, item in spec["paths"].items():
        names = set(re.findall(r"{([^}]+)}", path))
        shared = item.get("parameters", [])
        for method, operation in item.items():
            if method not in HTTP_METHODS:
                continue
            where = f"{method.upper()} {path}"
            assert operation.get("summary"), where
            assert operation.get("responses"), where
            for code, response in operation["responses"].items():
                assert re.fullmatch(r"[1-5]\d\d", code), where
                assert response.get("description") or "$ref" in response, f"{where} {code}"
            declared = {
                parameter["name"]: parameter
                for parameter in [*shared, *operation.get("parameters", [])]
                if parameter["in"] == "path"
            }
            assert set(declared) == names, where
            assert all(parameter["required"] is True for parameter in declared.values()), where


def test_every_reference_resolves(spec):
    def walk(node):
        if isinstance(node, dict):
            if "$ref" in node:
                target = spec
                for part in node["$ref"].removeprefix("#/").split("/"):
                    assert part in target, node["$ref"]
                    target = target[part]
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(spec)


def test_writes_need_the_bearer_scheme_and_document_401(spec):
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if method in HTTP_METHODS and path != "/tokens":
                assert "401" in operation["responses"], f"{method} {path}"
                if method != "get":
                    assert operation["security"] == [{"bearer": []}], f"{method} {path}"


def properties(spec: dict, name: str) -> set[str]:
    """The property names of a component schema (through one allOf level)."""
    schema = spec["components"]["schemas"][name]
    parts = schema.get("allOf", [schema])
    names: set[str] = set()
    for part in parts:
        if "$ref" in part:
            names |= properties(spec, part["$ref"].rsplit("/", 1)[1])
        else:
            names |= set(part["properties"])
    return names


def test_schemas_match_what_the_api_sends(client, spec):
    ann = make_user("ann")
    question = make_question(ann)
    answer = make_answer(ann, question)
    headers = {"Authorization": f"Bearer {issue_token(ann)}"}
    client.post(f"{API}/posts/{answer.id}/comments", json={"body": "A comment"}, headers=headers)

    thread = client.get(f"{API}/questions/{question.id}").get_json()
    page = client.get(f"{API}/questions").get_json()
    assert set(thread) == properties(spec, "QuestionThread")
    assert set(page) == properties(spec, "Page")
    assert set(page["items"][0]) == properties(spec, "Question")
    assert set(thread["answers"][0]) == properties(spec, "Answer")
    assert set(thread["answers"][0]["comments"][0]) == properties(spec, "Comment")
    assert set(thread["author"]) == properties(spec, "Author")
    assert set(client.get(f"{API}/users/{ann.id}").get_json()) == properties(spec, "User")
    assert set(client.get(f"{API}/users/999").get_json()) == properties(spec, "Error")
    token = client.post(f"{API}/tokens", json={"username": "ann", "password": PASSWORD})
    assert set(token.get_json()) == properties(spec, "Token")
