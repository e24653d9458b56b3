"""Progress of long commands (imports, reindexing, scoring popularity).

On a terminal, click's bar with the count and a rate. Elsewhere (a log file, CI, a service's
journal) click prints only the label and stays silent until the command ends, twenty minutes
for a million posts: there a plain line says how far it has come every LOG_EVERY seconds.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import IO

import click

LOG_EVERY = 10.0


def progressbar(
    length: int,
    label: str,
    describe: Callable[[int | None], str] | None = None,
    file: IO[str] | None = None,
    show_pos: bool = True,
):
    """A context whose value takes `update(steps, current)` and knows `pos`, as click's bar.
    `describe(current)` adds to the line (a rate, say); `file` defaults to stdout; `show_pos`
    shows the count besides the share done."""
    file = file or sys.stdout
    isatty = getattr(file, "isatty", None)
    if isatty is not None and isatty():
        return click.progressbar(
            length=length, label=label, show_pos=show_pos, item_show_func=describe, file=file
        )
    return _Lines(length, label, describe, file, show_pos)


class _Lines:
    """click's bar for a log: the label at the start, then a line every LOG_EVERY seconds."""

    def __init__(self, length: int, label: str, describe, file: IO[str], show_pos: bool):
        self.length, self.label, self.describe, self.file = max(length, 1), label, describe, file
        self.show_pos = show_pos
        self.pos = 0
        self._next = time.monotonic() + LOG_EVERY

    def __enter__(self) -> _Lines:
        click.echo(self.label.rstrip(), file=self.file)
        return self

    def __exit__(self, *exc_info) -> None:
        return None

    def update(self, steps: int, current: int | None = None) -> None:
        self.pos += steps
        now = time.monotonic()
        if now < self._next:
            return
        self._next = now + LOG_EVERY
        done = f"{self.pos / self.length:.0%}"
        if self.show_pos:
            done = f"{self.pos:,} of {self.length:,} ({done})"
        shown = self.describe(current) if self.describe else ""
        click.echo(f"{self.label.rstrip()}: {done}" + (f", {shown}" if shown else ""), file=self.file)
