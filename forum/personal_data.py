"""Personal data in what members write: email addresses, phone numbers, card numbers and the
account or order numbers named in PERSONAL_DATA_PATTERNS.

`find(text)` returns where each one is (kind, start, end: offsets into the text as given);
`redact(text, matches)` replaces them with "[email removed]" and the like. Services call
`check(fields)` before they publish: it raises PersonalDataFound (422) unless the author
confirmed, and then the post is held for a moderator (forum/moderation/holds.py).

Choices, each with a test in tests/test_personal_data.py:
- Email addresses, except the documentation domains no person can own (example.com, .example,
  .test, .invalid, localhost) and image names like "icon@2x.png".
- Card numbers: 13 to 19 digits, optionally grouped by single spaces or dashes, starting with
  2-6 (every card network) and passing the Luhn check, so most order or serial numbers do not.
- Phone numbers: Google's libphonenumber (`phonenumbers`) finds numbers that are valid for their
  country, international (+44 20 7946 0958) or national in PERSONAL_DATA_PHONE_REGIONS
  ((415) 555-0132, 020 7946 0958). Dates, years, versions, prices and model numbers are not
  valid numbers. Inside code (fenced, indented or `inline`) phone numbers are not looked for:
  logs and code are full of ids and timestamps; emails and card numbers are, since pasted logs
  are where they leak.
- PERSONAL_DATA_PATTERNS: {kind: regular expression}, e.g. {"order": "HAL-\\d{8}"}.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import phonenumbers
from flask import current_app, has_app_context

from forum.errors import RuleViolation

# How each kind is named to the author (and in the redacted text: "[email removed]")
KIND_LABELS: dict[str, str] = {
    "email": "an email address",
    "phone": "a phone number",
    "card": "a card number",
}
DEFAULT_PHONE_REGIONS = ("US", "GB")

_EMAIL = re.compile(
    r"(?<![\w.%+-])[A-Za-z0-9](?:[A-Za-z0-9._%+-]{0,63})@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,62})\.)+[A-Za-z]{2,24}(?![\w@-])"
)
_RESERVED_DOMAINS = re.compile(
    r"(?:^|\.)(?:example\.(?:com|net|org)|example|test|invalid|localhost)$|^\d+x\.(?:png|jpe?g|gif|svg|webp)$",
    re.IGNORECASE,
)
# digits in groups separated by one space or dash; the Luhn check decides
_CARD = re.compile(r"(?<![\w.,/-])[2-6]\d*(?:[ -]?\d+)+(?![\w/])")
# a run of digits and separators that could be a phone number, not glued to a word ("E-310")
_PHONE_STRETCH = re.compile(r"(?<![\w+])(?<!\w[-./])\+?\(?\d[\d \t().\-/\u00a0]{4,30}\d(?!\w)(?![-./]\w)")
# versions and addresses ("2.14.3", "192.168.1.100") are no part of a phone number
_VERSION = re.compile(r"(?<![\w.])v?\d{1,3}(?:\.\d{1,3}){2,3}(?![\w.])")
_DATE = re.compile(r"\d{4}-\d\d-\d\d|\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}")
_CODE = re.compile(
    r"^(?P<fence>[ \t]{0,3}(?:`{3,}|~{3,})).*?(?:^(?P=fence)[ \t]*$|\Z)"  # fenced blocks
    r"|(?<=\n\n)(?:(?:    |\t).*(?:\n|\Z))+"  # indented blocks after a blank line
    r"|(?P<ticks>`+)[^`].*?(?P=ticks)",  # inline code
    re.MULTILINE | re.DOTALL,
)


@dataclass(frozen=True, order=True)
class Match:
    """One piece of personal data: its kind and where it is in the text (start inclusive, end not)."""

    start: int
    end: int
    kind: str

    def as_json(self, field: str | None = None) -> dict[str, Any]:
        found = {"kind": self.kind, "start": self.start, "end": self.end}
        return {"field": field, **found} if field is not None else found


def label(kind: str) -> str:
    """How a kind is named to people: 'an email address', 'an order number'."""
    if kind in KIND_LABELS:
        return KIND_LABELS[kind]
    words = kind.replace("_", " ").replace("-", " ")
    return f"{'an' if words[:1] in 'aeiou' else 'a'} {words} number"


def luhn_valid(digits: str) -> bool:
    """The check digit every payment card number carries."""
    total = 0
    for position, digit in enumerate(reversed(digits)):
        value = int(digit)
        if position % 2:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def _settings() -> tuple[tuple[tuple[str, str], ...], tuple[str, ...]]:
    if not has_app_context():
        return (), DEFAULT_PHONE_REGIONS
    config = current_app.config
    patterns = tuple((config.get("PERSONAL_DATA_PATTERNS") or {}).items())
    regions = config.get("PERSONAL_DATA_PHONE_REGIONS", DEFAULT_PHONE_REGIONS)
    # no region: only international numbers (+44 ...) are recognised
    return patterns, tuple(regions) or ("ZZ",)


@lru_cache(maxsize=8)
def _compiled(patterns: tuple[tuple[str, str], ...]) -> tuple[tuple[str, re.Pattern], ...]:
    return tuple((kind, re.compile(pattern)) for kind, pattern in patterns)


def _emails(text: str) -> Iterable[Match]:
    for found in _EMAIL.finditer(text):
        domain = found.group().rsplit("@", 1)[1]
        if not _RESERVED_DOMAINS.search(domain):
            yield Match(found.start(), found.end(), "email")


def _cards(text: str) -> Iterable[Match]:
    for found in _CARD.finditer(text):
        card = _card_in(found.group())
        if card is not None:
            yield Match(found.start() + card[0], found.start() + card[1], "card")


def _card_in(run: str) -> tuple[int, int] | None:
    """The longest Luhn-valid card number made of whole groups of the run (a CVV or an expiry
    may follow it), as offsets into the run."""
    groups = [(group.start(), group.end()) for group in re.finditer(r"\d+", run)]
    best: tuple[int, int] | None = None
    for first in range(len(groups)):
        if run[groups[first][0]] not in "23456":
            continue
        digits = ""
        for last in range(first, len(groups)):
            digits += run[groups[last][0] : groups[last][1]]
            if len(digits) > 19:
                break
            if len(digits) >= 13 and luhn_valid(digits):
                span = (groups[first][0], groups[last][1])
                if best is None or span[1] - span[0] > best[1] - best[0]:
                    best = span
    return best


def _code_spans(text: str) -> list[tuple[int, int]]:
    return [(found.start(), found.end()) for found in _CODE.finditer(text)]


def _phones(text: str, regions: tuple[str, ...]) -> Iterable[Match]:
    code = _code_spans(text)
    # libphonenumber reads only the stretches that could be a number (7 to 17 digits), which
    # keeps a long post with many small numbers fast
    masked = _VERSION.sub(lambda version: "x" * len(version.group()), text)
    for stretch in _PHONE_STRETCH.finditer(masked):
        if not 7 <= sum(char.isdigit() for char in stretch.group()) <= 17:
            continue
        if _DATE.fullmatch(stretch.group().strip("() ")) or any(
            start <= stretch.start() < end for start, end in code
        ):
            continue
        for start, end in _phones_in(stretch.group(), regions):
            yield Match(stretch.start() + start, stretch.start() + end, "phone")


@lru_cache(maxsize=1024)
def _phones_in(stretch: str, regions: tuple[str, ...]) -> tuple[tuple[int, int], ...]:
    return tuple(
        (found.start, found.end)
        for region in regions
        for found in phonenumbers.PhoneNumberMatcher(stretch, region, leniency=phonenumbers.Leniency.VALID)
    )


def find(text: str) -> list[Match]:
    """Every piece of personal data in the text, in order; overlapping finds count once.

    Configured patterns win over cards, cards over emails, emails over phone numbers.
    """
    if not text:
        return []
    patterns, regions = _settings()
    candidates: list[Match] = []
    for kind, pattern in _compiled(patterns):
        candidates.extend(
            Match(m.start(), m.end(), kind) for m in pattern.finditer(text) if m.end() > m.start()
        )
    candidates.extend(_cards(text))
    candidates.extend(_emails(text))
    candidates.extend(_phones(text, regions))
    kept: list[Match] = []
    for candidate in candidates:
        if not any(candidate.start < other.end and other.start < candidate.end for other in kept):
            kept.append(candidate)
    return sorted(kept)


def redact(text: str, matches: Iterable[Match]) -> str:
    """The text with each match replaced by "[kind removed]"."""
    for match in sorted(matches, reverse=True):
        text = f"{text[: match.start]}[{match.kind} removed]{text[match.end :]}"
    return text


def kinds_count(matches: Iterable[Match]) -> dict[str, int]:
    """How many of each kind: what the audit log keeps of a redaction (never the values)."""
    counts: dict[str, int] = {}
    for match in matches:
        counts[match.kind] = counts.get(match.kind, 0) + 1
    return counts


class PersonalDataFound(RuleViolation):
    """What the author is about to publish holds personal data; they confirm or redact first."""

    status = 422

    def __init__(self, found: dict[str, list[Match]], fields: Mapping[str, str], *, can_confirm: bool = True):
        self.found = found
        self.texts = dict(fields)
        self.can_confirm = can_confirm
        names = ", ".join(sorted({label(match.kind) for matches in found.values() for match in matches}))
        if can_confirm:
            message = (
                f"This looks like personal data ({names}); once public, anyone can read it. "
                'Remove it, or confirm it ("confirm_personal_data": true in the API) to have it '
                "held for a moderator, who publishes it or removes the personal data."
            )
        else:
            message = f"This looks like personal data ({names}); remove it first."
        super().__init__(message, {name: [message] for name in found})
        self.extra = {"personal_data": [m.as_json(name) for name, ms in found.items() for m in ms]}

    def redacted(self, name: str) -> str:
        """A field's text with its personal data removed."""
        return redact(self.texts[name], self.found.get(name, []))

    @property
    def labels(self) -> list[str]:
        """What was found, in words, without the values: ['an email address in the body']."""
        return [
            f"{label(kind)} in the {name}"
            for name, matches in self.found.items()
            for kind in dict.fromkeys(match.kind for match in matches)
        ]


def scan(
    fields: Mapping[str, str | None], previous: Mapping[str, str | None] | None = None
) -> dict[str, list[Match]]:
    """{field: matches} for the fields that hold personal data; data already in `previous`
    (the version before an edit, which a moderator released) is not found again."""
    found: dict[str, list[Match]] = {}
    for name, text in fields.items():
        if not text:
            continue
        before = (previous or {}).get(name) or ""
        matches = [m for m in find(text) if not before or text[m.start : m.end] not in before]
        if matches:
            found[name] = matches
    return found


def check(
    fields: Mapping[str, str | None],
    *,
    confirmed: bool,
    previous: Mapping[str, str | None] | None = None,
    can_confirm: bool = True,
) -> dict[str, list[Match]]:
    """Refuse personal data unless the author confirmed it; returns what was found (to hold)."""
    found = scan(fields, previous)
    if found and not (confirmed and can_confirm):
        raise PersonalDataFound(
            found, {name: text or "" for name, text in fields.items()}, can_confirm=can_confirm
        )
    return found
