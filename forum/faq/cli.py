"""`flask faq refresh`: recompute every visible question's popularity now."""

from __future__ import annotations

import time

import click
from flask.cli import AppGroup
from sqlalchemy import func, select

from forum.extensions import db
from forum.faq import popularity
from forum.faq.tracking import flush_views
from forum.models.faq import QuestionPopularity
from forum.progress import progressbar

faq_group = AppGroup("faq", help="Keep the FAQ's popularity scores up to date.")


@faq_group.command("refresh")
def refresh() -> None:
    """Recompute the popularity of every visible question (what the candidate queue sorts by)."""
    flush_views()  # views this process holds, if any
    total = popularity.visible_question_count()
    started = time.monotonic()
    with progressbar(total, "Scoring questions") as bar:
        count = popularity.refresh(progress=bar.update)
    elapsed = time.monotonic() - started
    threshold = popularity.candidate_min_score()
    above = db.session.scalar(
        select(func.count()).select_from(QuestionPopularity).where(QuestionPopularity.score >= threshold)
    )
    click.echo(f"Scored {count:,} questions in {elapsed:.1f} s.")
    click.echo(f"{above:,} at or above FAQ_CANDIDATE_MIN_SCORE ({threshold:g}).")
