"""Where imported rows came from: original ids, so an import can run again."""

from __future__ import annotations

from sqlalchemy import String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from forum.extensions import db


class ImportMapping(db.Model):
    """One imported row: (site, kind, original id) -> the local id it became."""

    __tablename__ = "import_mappings"
    __table_args__ = (UniqueConstraint("site", "kind", "original_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # the source's host name, e.g. beer.stackexchange.com: ids are only unique within a site
    site: Mapped[str] = mapped_column(String(100))
    # user, question, answer, comment, or duplicate (a PostLinks id -> the question it closed)
    kind: Mapped[str] = mapped_column(String(20))
    original_id: Mapped[int]
    # no foreign key: the kind says which table (users, posts, comments) the id points into
    local_id: Mapped[int]
