"""API input: JSON bodies parsed once and checked, ids in paths, and the query parameters of lists."""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, abort, g, request
from flask.typing import ResponseReturnValue

from forum.errors import RuleViolation, error_response
from forum.questions import service

JSON_TYPES = {
    dict: "an object",
    list: "an array",
    str: "a string",
    bool: "a boolean",
    int: "a number",
    float: "a number",
    type(None): "null",
}


def register_input_checks(bp: Blueprint) -> None:
    """Parse bodies before the app's input guard does."""

    def parse_json_body() -> ResponseReturnValue | None:
        if request.path.startswith(f"{bp.url_prefix}/"):
            return _parse_json_body()
        return None

    # First in the app's list: the input guard's own get_json() lets a RecursionError from
    # deeply nested JSON escape as a 500, and a blueprint's hooks would run after it.
    bp.record_once(
        lambda state: state.app.before_request_funcs.setdefault(None, []).insert(0, parse_json_body)
    )


def _parse_json_body() -> ResponseReturnValue | None:
    """Keep a JSON body in g.api_json, or answer 400 when it is not JSON at all."""
    if not request.is_json:
        return None
    data = request.get_data(cache=True)
    if not data.strip():
        return None
    try:
        g.api_json = json.loads(data)
    except RecursionError:
        return error_response(400, "The request body is nested too deeply to read.")
    except ValueError as error:
        return error_response(400, f"The request body is not valid JSON: {str(error)[:200]}")
    return None


def _json_type(value: Any) -> str:
    """What JSON calls the type of a parsed value."""
    return JSON_TYPES.get(type(value), type(value).__name__)


def json_object(*text_fields: str, tags: bool = False) -> dict[str, Any]:
    """The request's JSON object: 415 for other content, 400 if not an object, 422 for wrong types."""
    if not request.is_json:
        abort(415, "Send the body as JSON with 'Content-Type: application/json'.")
    if "api_json" not in g:
        abort(400, "The request body is empty; it must be a JSON object.")
    payload = g.api_json
    if not isinstance(payload, dict):
        abort(400, f"The request body must be a JSON object, not {_json_type(payload)}.")
    fields: dict[str, list[str]] = {}
    for name in text_fields:
        value = payload.get(name)
        if value is not None and not isinstance(value, str):
            fields[name] = [f"Must be a string, not {_json_type(value)}."]
    if tags and not _is_tags_value(payload.get("tags")):
        fields["tags"] = ["Must be a list of tag names or one string of names separated by spaces."]
    if fields:
        raise RuleViolation("Some fields have the wrong type.", fields)
    return payload


def _is_tags_value(value: Any) -> bool:
    """Tags arrive as one string, a list of strings, or not at all."""
    if value is None or isinstance(value, str):
        return True
    return isinstance(value, list) and all(isinstance(item, str) for item in value)


def tags_value(payload: dict[str, Any], parsed: list[str] | None) -> str | list[str] | None:
    """Tags for the service: a JSON list as sent (each item one tag), else the form's parsed names.

    TagsField reads a one-item list as a typed string, so ["Billing Issues"] would become two
    tags; the service's parse_tags treats each list item as one tag, as the API promises.
    """
    raw = payload.get("tags")
    return raw if isinstance(raw, list) else parsed


def sort_order() -> str:
    """The `sort` query parameter of question lists, checked."""
    sort = request.args.get("sort", "active")
    if sort not in service.SORTS:
        abort(400, f"'sort' must be one of: {', '.join(service.SORTS)}.")
    return sort


def required_field(payload: dict[str, Any], name: str, message: str) -> Any:
    """The value of a field that must be present (null allowed), else a 422 saying what to send."""
    if name not in payload:
        raise RuleViolation(f"{name} is missing. {message}", {name: [message]})
    return payload[name]
