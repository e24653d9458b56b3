"""The base form every page and API call validates with, and a JSON adapter for the API."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict

from forum.errors import RuleViolation


class Form(FlaskForm):
    """A CSRF-protected form; `from_json` builds the same form from an API body."""

    @classmethod
    def from_json(cls, payload: Any, **kwargs: Any) -> Form:
        """Build the form from a JSON object (no CSRF: API calls carry a bearer token)."""
        if not isinstance(payload, dict):
            raise RuleViolation("The request body must be a JSON object.")
        formdata = MultiDict()
        for key, value in payload.items():
            for item in value if isinstance(value, list) else [value]:
                if isinstance(item, bool):
                    if item:
                        formdata.add(key, "y")
                elif isinstance(item, (str, int, float)):
                    formdata.add(key, str(item))
                elif item is not None:
                    raise RuleViolation(
                        f"Field {key!r} must be a string, number or list of them.",
                        {key: ["Must be a string, a number or a list of them."]},
                    )
        return cls(formdata=formdata, meta={"csrf": False}, **kwargs)

    def add_errors(self, fields: dict[str, list[str]]) -> None:
        """Attach a service's field errors to the fields they belong to."""
        for name, messages in fields.items():
            field = self._fields.get(name)
            if field is not None:
                field.errors = [*field.errors, *messages]

    def field_errors(self) -> dict[str, list[str]]:
        """Errors by field name, as the API reports them."""
        return {name: [str(message) for message in messages] for name, messages in self.errors.items()}

    def validate_or_raise(self) -> None:
        """Validate, or raise RuleViolation carrying the field errors (used by the API)."""
        if not self.validate():
            raise RuleViolation("The request has invalid fields.", self.field_errors())


def strip(value: Any) -> Any:
    """Filter: trim surrounding white space from text."""
    return value.strip() if isinstance(value, str) else value


def form_number(raw: str | None) -> int | str | None:
    """A form field as a whole number when it is one (the service says what else is wrong)."""
    if raw is None or raw.strip() == "":
        return None
    try:
        return int(raw)
    except ValueError:
        return raw
