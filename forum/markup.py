"""Markdown source to sanitised HTML: the one way user text becomes markup.

Rendering happens once, at write time; pages show the stored `body_html`. Every output goes
through nh3 (Rust's ammonia) with an explicit allow-list, whatever Markdown produced.
"""

from __future__ import annotations

import functools
import re
import threading
import time
from dataclasses import dataclass
from html import unescape

import markdown
import nh3
from markdown.preprocessors import Preprocessor
from pygments import format as format_tokens
from pygments.formatters import HtmlFormatter
from pygments.lexer import Lexer
from pygments.lexers import get_lexer_by_name
from pygments.token import STANDARD_TYPES, Text

# Python-Markdown is quadratic in unclosed "[" and "(" and in headings or rules run together
# in one block, and recursive in list nesting, so a few kilobytes of them take seconds or raise
# RecursionError: check() bounds each (the *_WORK limits are characters or lines rescanned,
# about 0.3 s of work). Bodies are at most 30,000 characters; MAX_LENGTH is a backstop.
MAX_LENGTH = 50_000
MAX_BRACKETS = 300
MAX_NESTING = 12
MAX_LINK_WORK = 400_000
MAX_BREAK_WORK = 500_000
# Pygments lexers are quadratic (a few far worse) on adversarial code. Only the languages below
# are highlighted, each checked to make progress token by token on 30,000 characters of junk,
# and highlighting stops at this many seconds per render: the rest of the code stays plain.
HIGHLIGHT_SECONDS = 0.5
HIGHLIGHT_LANGUAGES = {
    "bash": "bash", "sh": "bash", "shell": "bash", "zsh": "bash",
    "c": "c", "cpp": "cpp", "c++": "cpp", "csharp": "csharp", "cs": "csharp", "c#": "csharp",
    "css": "css", "diff": "diff", "patch": "diff", "docker": "docker", "dockerfile": "docker",
    "go": "go", "html": "html", "java": "java", "javascript": "javascript", "js": "javascript",
    "json": "json", "kotlin": "kotlin", "nginx": "nginx", "php": "php",
    "powershell": "powershell", "ps1": "powershell", "python": "python", "py": "python",
    "ruby": "ruby", "rb": "ruby", "rust": "rust", "sql": "sql", "swift": "swift",
    "text": "text", "plaintext": "text", "toml": "toml",
    "typescript": "typescript", "ts": "typescript", "xml": "xml", "yaml": "yaml", "yml": "yaml",
}

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

_OPENING_FENCE = re.compile(r"^( {0,3})(`{3,}|~{3,})(.*)$")
_LINK_SYNTAX = re.compile(r"\]\(|[\[\]()\"']")
_LEADING_MARKERS = re.compile(r"^((?:>[ ]*|(?:[-*+]|\d{1,9}[.)])[ ]+)+)")
_MARKER = re.compile(r">|[-*+]|\d{1,9}[.)]")
# Lines Python-Markdown splits a block at (headings, setext underlines, rules); each split
# rescans the rest of the block.
_BLOCK_BREAK = re.compile(r"^ *(?:#|(?:=+|-+) *$|([-*_])(?: *\1){2,} *$)")
_SCHEME = re.compile(r"([a-z][a-z0-9+.\-]*):", re.IGNORECASE)
_WHITESPACE_LINE = re.compile(r"(?<=\n) +\n")


class MarkupError(ValueError):
    """The source cannot be rendered safely; the message says why, for the author."""


@dataclass
class _FencedCode:
    """A fenced code block: its language (as typed, maybe empty) and its text."""

    language: str
    code: str


def _normalise(source: str) -> str:
    """The text Python-Markdown parses: its own whitespace clean-up, done up front."""
    text = source.replace("\x02", "").replace("\x03", "").replace("\r\n", "\n").replace("\r", "\n")
    return _WHITESPACE_LINE.sub("\n", text.expandtabs(4))


def _segments(source: str) -> list[str | _FencedCode]:
    """Split the source into prose lines and fenced code blocks, in one pass.

    Fences follow CommonMark: up to three spaces of indent, closed by a fence of the same
    character at least as long, and an unclosed fence runs to the end of the text (but a
    fence on the last line of text is just text).
    """
    segments: list[str | _FencedCode] = []
    lines = _normalise(source).split("\n")
    last_text = max((number for number, line in enumerate(lines) if line.strip()), default=-1)
    index = 0
    while index < len(lines):
        opening = _OPENING_FENCE.match(lines[index])
        if (
            not opening
            or (opening.group(2)[0] == "`" and "`" in opening.group(3))
            or index >= last_text  # nothing after it: text such as a one-line comment, not code
        ):
            segments.append(lines[index])
            index += 1
            continue
        indent, fence, info = len(opening.group(1)), opening.group(2), opening.group(3)
        closing = re.compile(rf"^ {{0,3}}{re.escape(fence[0])}{{{len(fence)},}} *$")
        code: list[str] = []
        index += 1
        while index < len(lines) and not closing.match(lines[index]):
            line = lines[index]
            code.append(line[min(indent, len(line) - len(line.lstrip(" "))):])
            index += 1
        index += 1  # the closing fence
        trailing_blanks = 0
        if index > len(lines):  # unclosed: the blank lines at the end are not code
            while code and not code[-1]:
                code.pop()
                trailing_blanks += 1
        words = info.strip().strip("{}").split()
        language = words[0].lstrip(".").lower() if words else ""
        segments.append(_FencedCode(language, "".join(f"{line}\n" for line in code)))
        segments.extend([""] * trailing_blanks)
    return segments


def _blocks(source: str) -> list[list[str]]:
    """The prose of the source as blocks: runs of non-blank lines outside fenced code."""
    blocks: list[list[str]] = [[]]
    for segment in _segments(source):
        if isinstance(segment, _FencedCode) or not segment.strip():
            if blocks[-1]:
                blocks.append([])
        else:
            blocks[-1].append(segment)
    return [block for block in blocks if block]


def _link_scan_cost(block: str) -> int:
    """About how many characters Python-Markdown's link parser reads in one block.

    It reads from each '[' to its matching ']', and from each '](' to its matching ')'; once
    it meets a quote it reads on to a ')' just after a closing quote. Without an end, it reads
    to the end of the block.
    """
    cost = 0
    brackets: list[int] = []
    links: list[list[int]] = []  # [start, paren depth]
    for match in _LINK_SYNTAX.finditer(block):
        char, at = match.group(), match.start()
        if char == "[":
            brackets.append(at)
        elif char.startswith("]"):
            if brackets:
                cost += at - brackets.pop()
            if char == "](":
                links.append([at, 1])
        elif links and char == "(":
            links[-1][1] += 1
        elif links and char == ")":
            links[-1][1] -= 1
            if links[-1][1] == 0:
                cost += at - links.pop()[0]
        elif links:  # a quote: a title, which ends at a quote followed by ')'
            title_end = re.compile(rf"{char} *\)").search(block, at + 1)
            end = title_end.end() if title_end else len(block)
            cost += sum(end - start for start, _ in links)
            links.clear()
        if cost > MAX_LINK_WORK:
            break
    return cost + sum(len(block) - start for start in [*brackets, *(link[0] for link in links)])


def _check_nesting(line: str) -> None:
    """Refuse a line that opens more than MAX_NESTING lists and quotes."""
    content = line.lstrip(" ")
    markers = _LEADING_MARKERS.match(content)
    if markers and (len(line) - len(content)) // 4 + len(_MARKER.findall(markers.group(1))) > MAX_NESTING:
        raise MarkupError(
            f"Lists and quotes may be nested at most {MAX_NESTING} deep; "
            "put code and data in a ``` fenced block."
        )


def check(source: str) -> None:
    """Raise MarkupError when the source would be too costly to render."""
    if len(source) > MAX_LENGTH:
        raise MarkupError(f"The text is too long to display (at most {MAX_LENGTH:,} characters).")
    brackets = 0
    for block in _blocks(source):
        for line in block:
            _check_nesting(line)
        text = "\n".join(block)
        brackets += text.count("[")
        breaks = sum(1 for line in block if _BLOCK_BREAK.match(line))
        if breaks * len(block) > MAX_BREAK_WORK:
            raise MarkupError(
                "Too many headings or horizontal rules without blank lines between them; "
                "separate them with blank lines, or put code in a ``` fenced block."
            )
        if "[" in text and _link_scan_cost(text) > MAX_LINK_WORK:
            raise MarkupError(
                "Too many unclosed '[' or '(' in one paragraph; split it with blank lines, "
                "or put code and data in a ``` fenced block."
            )
    if brackets > MAX_BRACKETS:
        raise MarkupError(
            f"Too many '[' characters outside code blocks (at most {MAX_BRACKETS}); "
            "put code and data in a ``` fenced block."
        )


@functools.cache
def _lexer_class(name: str) -> type[Lexer]:
    """The Pygments lexer class for a name (finding it by name scans every lexer)."""
    return type(get_lexer_by_name(name))


def _highlight(block: _FencedCode, deadline: float, formatter: HtmlFormatter) -> str:
    """Pygments HTML for a code block; lexing stops at the deadline and the rest stays plain."""
    text = block.code or "\n"
    lexer = _lexer_class(HIGHLIGHT_LANGUAGES.get(block.language, "text"))()
    tokens = []
    position = 0
    for _, token_type, value in lexer.get_tokens_unprocessed(text):
        tokens.append((token_type, value))
        position += len(value)
        if time.monotonic() > deadline:
            break
    tokens.append((Text, text[position:]))
    if "".join(value for _, value in tokens) != text:
        tokens = [(Text, text)]  # a lexer that skipped or changed text: show it as it is
    return format_tokens(tokens, formatter)


class _FencedCodePreprocessor(Preprocessor):
    """Replace fenced code blocks by highlighted HTML, split exactly as check() splits them.

    Stands in for Python-Markdown's fenced_code, whose search is quadratic in unclosed fences
    and which passes `{attr=value}` options from the fence line on to Pygments.
    """

    def __init__(self, md: markdown.Markdown, deadline: float):
        super().__init__(md)
        self.deadline = deadline
        self.formatter = HtmlFormatter(cssclass="highlight", wrapcode=True)

    def run(self, lines: list[str]) -> list[str]:
        output: list[str] = []
        for segment in _segments("\n".join(lines)):
            if isinstance(segment, _FencedCode):
                html = _highlight(segment, self.deadline, self.formatter)
                output.extend(["", self.md.htmlStash.store(html), ""])
            else:
                output.append(segment)
        return output


def _new_markdown() -> markdown.Markdown:
    """A Markdown converter with our extensions and fenced-code handling."""
    converter = markdown.Markdown(
        extensions=["tables", "sane_lists"],
        extension_configs={"tables": {"use_align_attribute": True}},  # nh3 drops style="..."
    )
    # Raw HTML blocks go through the standard library's HTMLParser, quadratic on unclosed tags
    # ("<a " * 10,000 takes seconds); inline HTML handling is enough, since nh3 cleans it all.
    converter.preprocessors.deregister("html_block")
    converter.preprocessors.register(_FencedCodePreprocessor(converter, 0.0), "fenced_code", 25)
    return converter


_converters = threading.local()


def _markdown(deadline: float) -> markdown.Markdown:
    """This thread's converter, reset for a new document (building one costs milliseconds)."""
    converter = getattr(_converters, "markdown", None)
    if converter is None:
        converter = _converters.markdown = _new_markdown()
    converter.reset()
    converter.preprocessors["fenced_code"].deadline = deadline
    return converter


def _url_scheme(url: str) -> str | None:
    """The scheme of a URL read as loosely as any browser might: entities decoded, all white
    space and control characters dropped ("jav ascript:" counts as javascript)."""
    text = "".join(
        char for char in unescape(url) if char > " " and char != "\x7f" and not char.isspace()
    )
    match = _SCHEME.match(text)
    return match.group(1).lower() if match else None


def _filter_attribute(element: str, attribute: str, value: str) -> str | None:
    """Keep images only from absolute http(s) URLs, and links only to allowed schemes.

    nh3 checks schemes as the URL standard parses them; this is a second, looser reading.
    """
    if element == "img" and attribute == "src":
        return value if value.lower().startswith(("https://", "http://")) else None
    if attribute in ("href", "src"):
        scheme = _url_scheme(value)
        return value if scheme is None or scheme in URL_SCHEMES else None
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
        html = _markdown(time.monotonic() + HIGHLIGHT_SECONDS).convert(source)
    except RecursionError as error:
        raise MarkupError("The text is nested too deeply to display.") from error
    return sanitise(html, inline_only=inline_only)


def render_comment(source: str) -> str:
    """Render a comment: inline Markdown only (links, emphasis, code), on one line."""
    return render(" ".join(source.split()), inline_only=True)
