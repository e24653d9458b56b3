"""The one SQL difference the dashboard meets: the seconds between two timestamps.

PostgreSQL subtracts timestamps into an interval (`extract(epoch ...)` reads its seconds);
SQLite stores them as text, which `julianday()` turns into fractional days. Either way the
result is rounded to whole seconds, so both databases give the same integers.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import BigInteger
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement


class seconds_between(FunctionElement):  # noqa: N801 - used like an SQL function
    """Whole seconds from `start` to `end` (NULL when either is NULL)."""

    type = BigInteger()
    name = "seconds_between"
    inherit_cache = True


@compiles(seconds_between)
def _seconds_postgresql(element: seconds_between, compiler: Any, **kw: Any) -> str:
    start, end = (compiler.process(argument, **kw) for argument in element.clauses)
    return f"CAST(round(extract(epoch FROM ({end}) - ({start}))) AS BIGINT)"


@compiles(seconds_between, "sqlite")
def _seconds_sqlite(element: seconds_between, compiler: Any, **kw: Any) -> str:
    start, end = (compiler.process(argument, **kw) for argument in element.clauses)
    return f"CAST(round((julianday({end}) - julianday({start})) * 86400) AS INTEGER)"
