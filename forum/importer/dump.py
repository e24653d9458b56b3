"""Reading a Stack Exchange data dump: one `<row .../>` at a time, with errors that say where."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ElementTree
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, nullcontext
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

REQUIRED_FILES = ("Users.xml", "Posts.xml")
# Comments, duplicate links and tags are imported when present; Votes.xml is never read:
# voters are anonymised (no vote can be tied to an account) and Posts.xml carries the scores.
OPTIONAL_FILES = ("Comments.xml", "PostLinks.xml", "Tags.xml")

_TAG_IN_ANGLES = re.compile(r"<([^<>]+)>")


class DumpError(Exception):
    """The dump cannot be imported; the message names the file and, when known, the line."""


class Progress(Protocol):
    """Called once per file pass: returns a context whose value is told (bytes read, rows)."""

    def __call__(self, label: str, size: int) -> AbstractContextManager[Callable[[int, int], None]]: ...


def no_progress(label: str, size: int) -> AbstractContextManager[Callable[[int, int], None]]:
    """Progress that shows nothing (tests, scripts)."""
    return nullcontext(lambda position, rows: None)


def check_directory(directory: Path) -> list[str]:
    """Raise DumpError unless the required files are there; return the optional ones missing."""
    if not directory.is_dir():
        raise DumpError(f"{directory} is not a directory.")
    missing = [name for name in REQUIRED_FILES if not (directory / name).is_file()]
    if missing:
        raise DumpError(
            f"{directory} is not a Stack Exchange dump: {', '.join(missing)} missing "
            f"(it needs {', '.join(REQUIRED_FILES)}; {', '.join(OPTIONAL_FILES)} are optional)."
        )
    return [name for name in OPTIONAL_FILES if not (directory / name).is_file()]


def default_site(directory: Path) -> str:
    """Guess the site from the folder name: 'beer' -> 'beer.stackexchange.com'."""
    name = directory.resolve().name.lower()
    return name if "." in name else f"{name}.stackexchange.com"


def read_rows(path: Path, progress: Progress = no_progress, label: str | None = None) -> Iterator[dict]:
    """Yield each row's attributes, holding only the current row in memory.

    A malformed or truncated file raises DumpError naming the file, line and column.
    """
    with progress(label or path.name, path.stat().st_size) as advance, path.open("rb") as source:
        rows = 0
        root = None
        events = ElementTree.iterparse(source, events=("start", "end"))
        try:
            for event, element in events:
                if root is None:
                    root = element
                if event != "end" or element.tag != "row":
                    continue
                rows += 1
                yield dict(element.attrib)
                # drop the finished row from the tree so memory stays flat however long the file
                root.clear()
                if rows % 200 == 0:
                    advance(source.tell(), rows)
        except ElementTree.ParseError as error:
            line, column = error.position
            raise DumpError(
                f"{path.name} is not valid XML at line {line}, column {column}: {error.msg}."
            ) from None
        advance(source.tell(), rows)


def row_error(path: Path, row: dict, message: str) -> DumpError:
    """A DumpError for a row whose values make no sense."""
    return DumpError(f"{path.name}, row Id={row.get('Id', '?')}: {message}")


def integer(row: dict, name: str, path: Path) -> int | None:
    """An integer attribute, or None when absent."""
    value = row.get(name)
    if value is None or value == "":
        return None
    try:
        return int(value)
    except ValueError:
        raise row_error(path, row, f"{name}={value!r} is not a whole number.") from None


def moment(row: dict, name: str, path: Path) -> datetime | None:
    """A date attribute (UTC, ISO 8601 without zone), or None when absent."""
    value = row.get(name)
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise row_error(path, row, f"{name}={value!r} is not a date.") from None
    # the dumps write naive UTC, as the database stores it; convert should a zone ever appear
    return parsed.astimezone(UTC).replace(tzinfo=None) if parsed.tzinfo else parsed


def tag_names(raw: str | None) -> list[str]:
    """The tags of a question: '<ale><ipa>' (older dumps) or '|ale|ipa|' (newer ones)."""
    if not raw:
        return []
    if "<" in raw:
        return _TAG_IN_ANGLES.findall(raw)
    return [name for name in raw.split("|") if name]
