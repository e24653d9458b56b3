"""`flask search reindex` and `flask search check`."""

from __future__ import annotations

import time

import click
from flask.cli import AppGroup

from forum.extensions import db
from forum.progress import progressbar
from forum.search import get_backend, outbox
from forum.search.backend import DriftReport
from forum.search.documents import visible_question_count

search_group = AppGroup("search", help="Build and verify the search index.")
SHOWN_IDS = 20


@search_group.command("reindex")
def reindex() -> None:
    """Rebuild the search index from the database."""
    backend = get_backend()
    with db.engine.connect() as connection:
        total = visible_question_count(connection)
    started = time.monotonic()

    def rate(_item) -> str:
        elapsed = time.monotonic() - started
        return f"{bar.pos / elapsed:,.0f} questions/s" if elapsed > 0 and bar.pos else ""

    with progressbar(total, f"Indexing ({backend.name})", rate) as bar:
        count = backend.rebuild(progress=lambda done: bar.update(done, done))
    # changes made while the rebuild held the index
    outbox.drain(backend)
    elapsed = time.monotonic() - started
    per_second = count / elapsed if elapsed > 0 else float(count)
    click.echo(f"Indexed {count:,} questions in {elapsed:.1f} s ({per_second:,.0f} questions/s).")


def _ids(ids: list[int]) -> str:
    shown = ", ".join(str(question_id) for question_id in ids[:SHOWN_IDS])
    return shown + (f" and {len(ids) - SHOWN_IDS:,} more" if len(ids) > SHOWN_IDS else "")


def _report(report: DriftReport) -> None:
    click.echo(f"{report.expected:,} visible questions, {report.indexed:,} in the index.")
    for label, ids in (("Missing", report.missing), ("Stale", report.stale), ("Extra", report.extra)):
        if ids:
            click.echo(f"{label} ({len(ids):,}): {_ids(ids)}")
    if report.pending:
        click.echo(f"Waiting in the outbox: {report.pending:,}")
    click.echo("The index matches the database." if report.is_clean else "The index has drifted.")


@search_group.command("check")
@click.option("--repair", is_flag=True, help="Index what is missing or stale and drop what is extra.")
@click.pass_context
def check(context: click.Context, repair: bool) -> None:
    """Report questions missing, stale or extra in the index (exit code 1 when any)."""
    backend = get_backend()
    report = backend.check()
    _report(report)
    if repair and (not report.is_clean or report.pending):
        outbox.drain(backend)
        backend.index(report.missing + report.stale)
        backend.remove(report.extra)
        click.echo("Repaired; checking again.")
        report = backend.check()
        _report(report)
    if not report.is_clean:
        context.exit(1)
