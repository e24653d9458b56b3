"""Cache generations: counters folded into the keys of cached pages, bumped when what they show changes."""

from __future__ import annotations

from sqlalchemy import BigInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from forum.extensions import db


class CacheGeneration(db.Model):
    """One counter per question page (`q:<id>`), one for the lists (`lists`), one for every page (`all`).

    A page cached under an old generation is never read again: nothing needs deleting.
    """

    __tablename__ = "cache_generations"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger, default=0)
