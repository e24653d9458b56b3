"""`flask import stackexchange DIR`: import a Stack Exchange data dump."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import click
from flask.cli import AppGroup

from forum.importer.dump import DumpError, no_progress
from forum.importer.stackexchange import import_dump
from forum.progress import progressbar

import_group = AppGroup("import", help="Import content from other communities.")


@contextmanager
def progress_bar(label: str, size: int) -> Iterator[Callable[[int, int], None]]:
    """A bar per file pass with rows read and rows a second; a summary line when done."""
    started = time.perf_counter()
    rows_read = 0

    def describe(rows: int | None) -> str:
        rate = (rows or 0) / max(time.perf_counter() - started, 1e-6)
        return f"{rows or 0:,} rows, {rate:,.0f}/s"

    # progress goes to stderr so the final counts on stdout can be kept in a file
    with progressbar(max(size, 1), f"{label:<22}", describe, file=sys.stderr, show_pos=False) as bar:

        def advance(position: int, rows: int) -> None:
            nonlocal rows_read
            rows_read = rows
            bar.update(max(position - bar.pos, 0), rows)

        yield advance
    seconds = time.perf_counter() - started
    click.echo(f"{label}: {rows_read:,} rows in {seconds:.1f} s ({describe(rows_read)})", err=True)


@import_group.command("stackexchange")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "--site",
    help="The site the dump comes from, for links and attribution "
    "[default: the folder's name + .stackexchange.com].",
)
@click.option("--quiet", is_flag=True, help="No progress bars, only the counts at the end.")
def stackexchange(directory: Path, site: str | None, quiet: bool) -> None:
    """Import a Stack Exchange data dump (the folder with Posts.xml, Users.xml, ...).

    Runs again safely: rows imported before are recognised by their original ids and left as
    they are. On any error nothing is imported. Votes.xml is not read: its voters are
    anonymised, and the scores come from Posts.xml.
    """
    try:
        report = import_dump(directory, site, no_progress if quiet else progress_bar)
    except DumpError as error:
        raise click.ClickException(f"{error} Nothing was imported.") from error
    for line in report.lines():
        click.echo(line)
    if report.new_rows:
        click.echo("Imported accounts cannot sign in; their reputation starts at 1.")
        # bulk inserts bypass the ORM events that queue search updates
        click.echo("Run `flask search reindex` so that search finds what was imported.")
