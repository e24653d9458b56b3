"""Line diffs between two versions of a text, for the history and review pages."""

from __future__ import annotations

import difflib


def line_diff(old: str, new: str) -> list[tuple[str, str]]:
    """Line diff as (kind, text) pairs: kind is '+', '-' or ' '."""
    lines = difflib.ndiff(old.splitlines(), new.splitlines())
    return [(line[0], line[2:]) for line in lines if line[0] in "+- "]
