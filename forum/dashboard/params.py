"""The dashboard's URL parameters: `from`, `to` (YYYY-MM-DD, UTC days, both included) and `tag`.

Bad input is refused with a 400 that says what to send; a `to` after today is moved back to
today (figures about the future are all zero) and the page says so.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sqlalchemy import select

from forum.errors import DomainError
from forum.extensions import db
from forum.models import Tag
from forum.models.posts import TAG_MAX_LENGTH
from forum.questions.tags import normalise_tag

DEFAULT_DAYS = 28
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


class BadParameter(DomainError):
    """A dashboard parameter that cannot be read; the message says what to send instead."""

    status = 400


@dataclass(frozen=True)
class Filters:
    """Which questions the figures are about: asked on days first..last (UTC), optionally one tag."""

    first_day: date
    last_day: date
    tag: str | None = None
    tag_id: int | None = None
    # what was corrected on the way (shown on the page), e.g. a `to` in the future
    notes: tuple[str, ...] = field(default=(), compare=False)

    @property
    def start(self) -> datetime:
        """The first moment of the range."""
        return datetime.combine(self.first_day, time())

    @property
    def end(self) -> datetime:
        """The first moment after the range (midnight after its last day)."""
        return datetime.combine(self.last_day + timedelta(days=1), time())

    @property
    def days(self) -> int:
        """How many days the range covers."""
        return (self.last_day - self.first_day).days + 1

    def as_args(self) -> dict[str, str]:
        """The URL parameters that select this range again (for links and CSV exports)."""
        args = {"from": self.first_day.isoformat(), "to": self.last_day.isoformat()}
        if self.tag:
            args["tag"] = self.tag
        return args


def _day(args: Mapping[str, str], name: str) -> date | None:
    """A YYYY-MM-DD parameter, None when absent or empty."""
    raw = (args.get(name) or "").strip()
    if not raw:
        return None
    message = f"'{name}' must be a date written YYYY-MM-DD, such as 2026-03-01."
    if not _DATE.fullmatch(raw):
        raise BadParameter(message, {name: [message]})
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise BadParameter(f"'{name}' is not a real date: {raw}.", {name: ["Not a real date."]}) from None


def _tag(args: Mapping[str, str]) -> tuple[str | None, int | None]:
    """The tag parameter, normalised as tags are, and its id; an unknown tag is a 400."""
    raw = (args.get("tag") or "").strip()
    if not raw:
        return None, None
    name = normalise_tag(raw)
    tag_id = None
    if name and len(name) <= TAG_MAX_LENGTH:
        tag_id = db.session.scalar(select(Tag.id).where(Tag.name == name))
    if tag_id is None:
        shown = raw if len(raw) <= 40 else raw[:40] + "…"
        message = f"There is no tag named '{shown}'."
        raise BadParameter(message, {"tag": [message]})
    return name, tag_id


def parse(args: Mapping[str, str], today: date, max_days: int) -> Filters:
    """Read from/to/tag; default: the DEFAULT_DAYS days up to and including today."""
    first, last = _day(args, "from"), _day(args, "to")
    notes: list[str] = []
    if last is None:
        last = today
    if last > today:
        notes.append(f"The range ends today ({today.isoformat()}): there are no figures for later days.")
        last = today
    if first is None:
        # date.min is day 1: a range ending in the first days of year 1 starts there
        first = last - timedelta(days=DEFAULT_DAYS - 1) if last.toordinal() >= DEFAULT_DAYS else date.min
    if first > last:
        message = f"'from' ({first.isoformat()}) is after 'to' ({last.isoformat()})."
        if first > today:
            message = f"'from' ({first.isoformat()}) is in the future; today is {today.isoformat()}."
        raise BadParameter(message, {"from": [message]})
    days = (last - first).days + 1
    if days > max_days:
        message = f"The range is {days} days; choose at most {max_days}."
        raise BadParameter(message, {"from": [message], "to": [message]})
    tag, tag_id = _tag(args)
    return Filters(first, last, tag, tag_id, tuple(notes))
