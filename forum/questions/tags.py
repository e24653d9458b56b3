"""Tag names: lower-case words joined by hyphens."""

from __future__ import annotations

import re

from forum.models.posts import TAG_MAX_LENGTH, TAGS_MAX

_SEPARATORS = re.compile(r"[\s,;]+")
_NOT_ALLOWED = re.compile(r"[^a-z0-9+#.]+")  # runs of anything else become one hyphen


def normalise_tag(raw: str) -> str:
    """'Billing Issues' -> 'billing-issues'; keeps letters, digits and '+', '#', '.'."""
    return _NOT_ALLOWED.sub("-", raw.strip().lower()).strip("-.")


def parse_tags(raw: str | list[str]) -> list[str]:
    """Split user input into distinct normalised tag names, in the order given.

    In a string, spaces, commas and semicolons separate tags (hyphens join words); in a list
    each item is one tag ("Billing Issues" -> "billing-issues"). Stops reading once it has
    more than TAGS_MAX names, so 5,000 tags cost nothing.
    """
    pieces = raw if isinstance(raw, list) else _SEPARATORS.split(raw)
    names: list[str] = []
    for piece in pieces:
        name = normalise_tag(piece)
        if name and name not in names:
            names.append(name)
        if len(names) > TAGS_MAX:
            break
    return names


def tag_errors(names: list[str]) -> list[str]:
    """What is wrong with a list of normalised tag names, as messages for the author."""
    if not names:
        return ["Add at least one tag."]
    if len(names) > TAGS_MAX:
        return [f"Use at most {TAGS_MAX} tags."]
    too_long = [name for name in names if len(name) > TAG_MAX_LENGTH]
    if too_long:
        return [f"Tags are at most {TAG_MAX_LENGTH} characters: {too_long[0][:40]}..."]
    return []
