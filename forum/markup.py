"""Markdown source to sanitised HTML: the one way user text becomes markup.

Rendering happens once, at write time; pages show the stored `body_html`. Every output goes
through nh3 (Rust's ammonia) with an explicit allow-list, whatever Markdown produced.
"""

from __future__ import annotations

import re

import markdown
import nh3
from pygments.token import STANDARD_TYPES

# Python-Markdown's inline parser is quadratic in "[" and recursive in nesting, so a few
# kilobytes of brackets or list markers take seconds or raise RecursionError: cap both.
MAX_BRACKETS = 300
MAX_NESTING = 12

BLOCK_TAGS = {
    "p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "code",
    "ul", "ol", "li", "table", "thead", "tbody", "tr", "th", "td", "div", "span",
}
INLINE_TAGS = {"a", "img", "em", "strong", "code", "del", "sub", "sup", "kbd"}
ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "th": {"align"},
    "td": {"align"},
    "ol": {"start"},
}
# Only the class names the code highlighter emits survive; nh3 drops every other class
# (and `class` must not also be listed in ATTRIBUTES).
HIGHLIGHT_CLASSES = {name for name in STANDARD_TYPES.values() if name}
ALLOWED_CLASSES = {
    "div": {"highlight"},
    "span": HIGHLIGHT_CLASSES,
    "pre": set(),
    "code": set(),
}
LINK_REL = "nofollow ugc noopener"
URL_SCHEMES = {"http", "https", "mailto"}

_FENCE = re.compile(r"^ {0,3}(```|~~~)")
_LEADING_MARKERS = re.compile(r"^\s*((?:(?:[-*+>]|\d{1,9}[.)])\s+)+)")
_MARKER = re.compile(r"[-*+>]|\d{1,9}[.)]")

_EXTENSIONS = ["fenced_code", "tables", "sane_lists", "codehilite"]
_EXTENSION_CONFIGS = {"codehilite": {"guess_lang": False, "css_class": "highlight"}}


class MarkupError(ValueError):
    """The source cannot be rendered safely; the message says why, for the author."""


def _prose_lines(source: str):
    """Yield the lines outside fenced code blocks (where Markdown parses inline syntax)."""
    in_fence = False
    for line in source.splitlines():
        if _FENCE.match(line):
            in_fence = not in_fence
            continue
        if not in_fence:
            yield line


def check(source: str) -> None:
    """Raise MarkupError when the source would be too costly to render."""
    brackets = 0
    for line in _prose_lines(source):
        brackets += line.count("[")
        markers = _LEADING_MARKERS.match(line)
        if markers and len(_MARKER.findall(markers.group(1))) > MAX_NESTING:
            raise MarkupError(f"Lists and quotes may be nested at most {MAX_NESTING} deep.")
    if brackets > MAX_BRACKETS:
        raise MarkupError(
            f"Too many '[' characters outside code blocks (at most {MAX_BRACKETS}); "
            "put code and data in a ``` fenced block."
        )


def _filter_attribute(element: str, attribute: str, value: str) -> str | None:
    """Keep images only from absolute http(s) URLs."""
    if element == "img" and attribute == "src":
        return value if value.lower().startswith(("https://", "http://")) else None
    return value


def sanitise(html: str, *, inline_only: bool = False) -> str:
    """Clean HTML against the allow-list; the last step before anything is stored."""
    tags = INLINE_TAGS if inline_only else INLINE_TAGS | BLOCK_TAGS
    return nh3.clean(
        html,
        tags=tags,
        attributes={tag: attributes for tag, attributes in ATTRIBUTES.items() if tag in tags},
        allowed_classes={tag: classes for tag, classes in ALLOWED_CLASSES.items() if tag in tags},
        url_schemes=URL_SCHEMES,
        link_rel=LINK_REL,
        attribute_filter=_filter_attribute,
        strip_comments=True,
    )


def render(source: str, *, inline_only: bool = False) -> str:
    """Render Markdown to sanitised HTML; raise MarkupError for pathological input."""
    check(source)
    try:
        html = markdown.markdown(
            source, extensions=_EXTENSIONS, extension_configs=_EXTENSION_CONFIGS
        )
    except RecursionError as error:
        raise MarkupError("The text is nested too deeply to display.") from error
    return sanitise(html, inline_only=inline_only)


def render_comment(source: str) -> str:
    """Render a comment: inline Markdown only (links, emphasis, code), on one line."""
    return render(" ".join(source.split()), inline_only=True)
