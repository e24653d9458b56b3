"""Matching passages as safe HTML: every character of user text is escaped, only <mark> is ours."""

from __future__ import annotations

import re
from collections.abc import Iterable

from markupsafe import Markup, escape

# Passages come from the part of a thread around its first likely match: marking up a whole
# long thread would cost more than the rest of the search
PASSAGE_WINDOW = 800
LEAD = 200
# Private-use characters the PostgreSQL engine asks ts_headline to put around matches; the
# indexed text never holds them (documents.plain_text removes them), so they cannot be forged.
START, STOP = "\ue000", "\ue001"
# ts_headline drops whatever looks like an HTML tag or entity in the text: these stand in for
# the characters that would make one, and are put back (then escaped) afterwards
_HIDDEN = {"<": "\ue002", ">": "\ue003", "&": "\ue004"}
_HIDE = str.maketrans(_HIDDEN)
_SHOW = str.maketrans({value: key for key, value in _HIDDEN.items()})


def passage_window(text: str, words: Iterable[str]) -> tuple[int, int]:
    """(start, end) of the text worth marking up: from a little before the first likely match.

    Likely, because any word starting like a query word counts (its first four letters), so
    "serving" finds "served": the engine's own stemming then decides what is marked.
    """
    if len(text) <= PASSAGE_WINDOW:
        return 0, len(text)
    prefixes = sorted({word[:4] for word in words if word})
    start = 0
    if prefixes:
        first = re.search(r"\b(?:" + "|".join(map(re.escape, prefixes)) + ")", text, re.IGNORECASE)
        if first and first.start() > LEAD:
            start = text.find(" ", first.start() - LEAD) + 1
    return start, min(len(text), start + PASSAGE_WINDOW)


def with_ellipses(html: str, cut_before: bool, cut_after: bool) -> Markup:
    """'… passage …' where the passage is cut from its text, as a reader expects of an excerpt."""
    return Markup(("… " if cut_before else "") + html + (" …" if cut_after else ""))


def hide_markup(text: str) -> str:
    """Text for ts_headline, with nothing it could take for a tag or an entity."""
    return text.translate(_HIDE)


def sentinel_marks(headline: str) -> str:
    """ts_headline output (matches between START and STOP) as escaped HTML with <mark>."""
    headline = headline.translate(_SHOW)
    pieces = []
    for index, part in enumerate(headline.split(START)):
        if index == 0:
            pieces.append(str(escape(part.replace(STOP, ""))))
            continue
        marked, _, rest = part.partition(STOP)
        pieces.append(f"<mark>{escape(marked)}</mark>{escape(rest.replace(STOP, ''))}")
    return "".join(pieces)
