"""One import run's state: where rows came from (id maps), bulk writes, and the report."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from itertools import islice
from pathlib import Path
from typing import TypeVar

from sqlalchemy import Table, insert, select

from forum.extensions import db
from forum.importer.dump import Progress, integer, row_error
from forum.importer.report import ImportReport
from forum.models.imports import ImportMapping

BATCH = 500
Item = TypeVar("Item")
mappings: Table = ImportMapping.__table__


def batched(items: Iterable[Item], size: int = BATCH) -> Iterator[list[Item]]:
    """Consecutive lists of at most `size` items, read lazily."""
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


def insert_returning_ids(table: Table, rows: list[dict]) -> list[int]:
    """Insert many rows in one statement; return their new ids in the rows' order."""
    if not rows:
        return []
    statement = insert(table).returning(table.c.id, sort_by_parameter_order=True)
    return list(db.session.execute(statement, rows).scalars())


def required(row: dict, name: str, path: Path, read: Callable = integer):
    """An attribute every row must have (read as an integer unless told otherwise)."""
    value = read(row, name, path)
    if value is None:
        raise row_error(path, row, f"the row has no {name}.")
    return value


class ImportRun:
    """The id maps (original id -> local id) of one site, and what this run did."""

    def __init__(self, directory: Path, site: str, progress: Progress) -> None:
        self.directory, self.site, self.progress = directory, site, progress
        self.report = ImportReport(site)
        # Only ids and names stay in memory for the whole run (a few dozen bytes a row), never
        # bodies: those live for one batch.
        self.users = self.mapped("user")
        self.questions = self.mapped("question")
        self.answers = self.mapped("answer")
        self.comments = set(self.mapped("comment"))
        self.duplicates = set(self.mapped("duplicate"))
        self.display_names: dict[int, str] = {}  # original user id -> name as written
        self.tag_ids: dict[str, int] = {}
        self.accepted: list[tuple[int, int]] = []  # (question, answer) original ids
        self.new_questions: set[int] = set()  # original ids this run added
        self.new_answer_parents: dict[int, int] = {}  # original answer id -> its question's
        self.activity: dict[int, datetime] = {}  # local id of an older question -> newest new answer

    def mapped(self, kind: str) -> dict[int, int]:
        """Original id -> local id of everything of this kind imported from the site before."""
        rows = db.session.execute(
            select(mappings.c.original_id, mappings.c.local_id).where(
                mappings.c.site == self.site, mappings.c.kind == kind
            )
        )
        return dict(rows.tuples().all())

    def remember(self, kind: str, originals: list[int], local_ids: list[int]) -> None:
        """Record where each imported row came from."""
        if not originals:
            return
        db.session.execute(
            insert(mappings),
            [
                {"site": self.site, "kind": kind, "original_id": original, "local_id": local}
                for original, local in zip(originals, local_ids, strict=True)
            ],
        )
