"""The search language, parsed once for every engine: words, "phrases", [tags] and filters.

    thermostat "factory reset" -battery [wifi] tag:billing user:ann
    is:answered is:unanswered has:accepted is:faq score:>=3

Parsing never fails: what cannot be understood is ignored, and a notice says so.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from forum.auth.service import username_key
from forum.questions.tags import normalise_tag

MAX_QUERY_LENGTH = 500
MAX_TERMS = 12  # words and phrases, kept or excluded
MAX_PHRASE_WORDS = 8
MAX_TAGS = 5
MAX_WORD_LENGTH = 40
SCORE_OPERATORS = (">=", "<=", ">", "<", "=")

# One token: an optionally negated "phrase" (closed or not), a [tag], or a run of non-spaces
_TOKEN = re.compile(r'(-?)"([^"]*)("?)|\[([^\]\s][^\]]*)\]|(\S+)')
_WORD = re.compile(r"[^\W_]+(?:['’.][^\W_]+)*")
_FILTER = re.compile(r"^(-?)(tag|user|is|has|score):(.*)$", re.IGNORECASE)
_SCORE = re.compile(r"^(>=|<=|>|<|=)?(-?\d{1,9})$")


@dataclass(frozen=True)
class ScoreFilter:
    """score:>=N and friends."""

    operator: str
    value: int

    def accepts(self, score: int) -> bool:
        """True when a question with this score passes the filter."""
        return {
            ">=": score >= self.value,
            "<=": score <= self.value,
            ">": score > self.value,
            "<": score < self.value,
            "=": score == self.value,
        }[self.operator]


@dataclass(frozen=True)
class SearchQuery:
    """What a visitor asked for, understood the same way by every engine."""

    text: str = ""
    words: tuple[str, ...] = ()
    phrases: tuple[str, ...] = ()
    excluded_words: tuple[str, ...] = ()
    excluded_phrases: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    user: str | None = None
    is_answered: bool | None = None
    has_accepted: bool | None = None
    is_faq: bool | None = None
    scores: tuple[ScoreFilter, ...] = ()
    notices: tuple[str, ...] = field(default=(), compare=False)

    @property
    def has_text(self) -> bool:
        """True when the query asks for words or phrases (not only filters)."""
        return bool(self.words or self.phrases)

    @property
    def has_filters(self) -> bool:
        """True when the query narrows by tag, user, status or score."""
        return bool(
            self.tags
            or self.user
            or self.scores
            or self.is_answered is not None
            or self.has_accepted is not None
            or self.is_faq is not None
        )

    @property
    def is_empty(self) -> bool:
        """Nothing to search for: the page shows only the search form."""
        return not (self.has_text or self.has_filters or self.excluded_words or self.excluded_phrases)


def words_of(text: str) -> list[str]:
    """The words of a piece of text, lower-cased, without punctuation."""
    return [word.lower()[:MAX_WORD_LENGTH] for word in _WORD.findall(text)]


class _Builder:
    """Collects the parts of a query while tokens are read."""

    def __init__(self) -> None:
        self.parts: dict[str, list] = {
            "words": [],
            "phrases": [],
            "excluded_words": [],
            "excluded_phrases": [],
            "tags": [],
            "scores": [],
        }
        self.flags: dict[str, bool | str | None] = {}
        self.notices: list[str] = []
        self.terms = 0

    def notice(self, message: str) -> None:
        if message not in self.notices:
            self.notices.append(message)

    def add_term(self, kind: str, value: str) -> None:
        """A word or phrase, unless the query already has as many as we search for."""
        if not value or value in self.parts[kind]:
            return
        if self.terms >= MAX_TERMS:
            self.notice(f"Only the first {MAX_TERMS} words and phrases were searched for.")
            return
        self.terms += 1
        self.parts[kind].append(value)

    def add_words(self, text: str, excluded: bool = False) -> None:
        for word in words_of(text):
            self.add_term("excluded_words" if excluded else "words", word)

    def add_phrase(self, text: str, excluded: bool = False) -> None:
        words = words_of(text)[:MAX_PHRASE_WORDS]
        if len(words) == 1:
            self.add_term("excluded_words" if excluded else "words", words[0])
        elif words:
            self.add_term("excluded_phrases" if excluded else "phrases", " ".join(words))

    def add_tag(self, raw: str) -> None:
        name = normalise_tag(raw)[:MAX_WORD_LENGTH]
        if not name:
            self.notice(f"{raw!r} is not a tag name; it was ignored.")
        elif len(self.parts["tags"]) >= MAX_TAGS:
            self.notice(f"Only the first {MAX_TAGS} tags were used.")
        elif name not in self.parts["tags"]:
            self.parts["tags"].append(name)

    def add_filter(self, negated: bool, name: str, value: str) -> None:
        """tag:, user:, is:, has: and score: (a leading '-' is not supported on filters)."""
        name, value = name.lower(), value.strip()
        if negated:
            self.notice(f"'-{name}:' is not supported; use is:unanswered and the like instead.")
            return
        if not value:
            self.notice(f"'{name}:' needs a value, like {name}:{_EXAMPLES[name]}.")
        elif name == "tag":
            self.add_tag(value)
        elif name == "user":
            self.flags["user"] = username_key(value)[:MAX_WORD_LENGTH]
        elif name == "score":
            self.add_score(value)
        else:
            self.add_status(name, value.lower())

    def add_score(self, value: str) -> None:
        match = _SCORE.match(value)
        if match is None:
            self.notice("score: needs a whole number, like score:>=5; it was ignored.")
            return
        self.parts["scores"].append(ScoreFilter(match.group(1) or ">=", int(match.group(2))))

    def add_status(self, name: str, value: str) -> None:
        flag = _STATUS_FILTERS.get(f"{name}:{value}")
        if flag is None:
            known = ", ".join(_STATUS_FILTERS)
            self.notice(f"'{name}:{value[:30]}' is not a filter we know ({known}); it was ignored.")
            return
        key, setting = flag
        self.flags[key] = setting

    def build(self, text: str) -> SearchQuery:
        return SearchQuery(
            text=text,
            **{kind: tuple(values) for kind, values in self.parts.items()},
            **self.flags,
            notices=tuple(self.notices),
        )


_EXAMPLES = {"tag": "billing", "user": "ann", "is": "answered", "has": "accepted", "score": ">=5"}
_STATUS_FILTERS = {
    "is:answered": ("is_answered", True),
    "is:unanswered": ("is_answered", False),
    "has:accepted": ("has_accepted", True),
    "is:faq": ("is_faq", True),
}


def parse_query(raw: str | None) -> SearchQuery:
    """Understand a search box's text; never raises, whatever it holds."""
    text = " ".join((raw or "").split())
    builder = _Builder()
    if len(text) > MAX_QUERY_LENGTH:
        text = text[:MAX_QUERY_LENGTH].rsplit(" ", 1)[0] or text[:MAX_QUERY_LENGTH]
        builder.notice(f"The search was cut to its first {MAX_QUERY_LENGTH} characters.")
    for match in _TOKEN.finditer(text):
        negated, phrase, closing, tag, plain = match.groups()
        if phrase is not None:
            if not closing:
                builder.notice("A quotation mark was not closed; its words were searched for anyway.")
                builder.add_words(phrase, excluded=bool(negated))
            else:
                builder.add_phrase(phrase, excluded=bool(negated))
        elif tag is not None:
            builder.add_tag(tag)
        else:
            _read_plain(builder, plain)
    return builder.build(text)


def _read_plain(builder: _Builder, token: str) -> None:
    """A filter, an excluded word, or words."""
    filter_match = _FILTER.match(token)
    if filter_match:
        builder.add_filter(bool(filter_match.group(1)), filter_match.group(2), filter_match.group(3))
    elif token.startswith("-") and len(token) > 1:
        builder.add_words(token[1:], excluded=True)
    else:
        builder.add_words(token)


def replace_words(text: str, corrections: dict[str, str]) -> str:
    """The query text with misspelt words swapped for their corrections (for "did you mean")."""

    def swap(match: re.Match) -> str:
        word = match.group(0)
        return corrections.get(word.lower(), word)

    return _WORD.sub(swap, text)
