"""Jinja filters for dates and numbers."""

from __future__ import annotations

from datetime import datetime

from flask import Flask

from forum.clock import utcnow


def ago(moment: datetime | None) -> str:
    """'just now', '5 min ago', '3 h ago', '2 days ago', else the date."""
    if moment is None:
        return ""
    seconds = (utcnow() - moment).total_seconds()
    if seconds < 60:
        return "just now"
    if seconds < 3600:
        return f"{int(seconds // 60)} min ago"
    if seconds < 86400:
        return f"{int(seconds // 3600)} h ago"
    if seconds < 86400 * 30:
        days = int(seconds // 86400)
        return f"{days} day{'s' if days > 1 else ''} ago"
    return moment.strftime("%-d %b %Y")


def iso(moment: datetime | None) -> str:
    """Machine-readable UTC time for <time datetime=...>."""
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ") if moment else ""


def compact(number: int | None) -> str:
    """1234 -> '1.2k', 2500000 -> '2.5m'."""
    number = number or 0
    if abs(number) >= 1_000_000:
        return f"{number / 1_000_000:.1f}m"
    if abs(number) >= 10_000:
        return f"{number // 1000}k"
    if abs(number) >= 1000:
        return f"{number / 1000:.1f}k"
    return str(number)


def register_filters(app: Flask) -> None:
    """Make the filters available to templates."""
    app.jinja_env.filters.update(ago=ago, iso=iso, compact=compact)
