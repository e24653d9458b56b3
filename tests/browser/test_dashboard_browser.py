"""In Chromium: an admin opens the dashboard, changes the range and the tag, and downloads a CSV."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

from sqlalchemy import update

from forum.clock import utcnow
from forum.extensions import db
from forum.models import Post
from forum.questions import service as questions
from tests.conftest import make_user


def _question(author, title: str, tags: str, days_ago: int, answered_by=None):
    """A question asked `days_ago` days ago, answered two hours later when someone is given."""
    asked = utcnow() - timedelta(days=days_ago)
    question = questions.ask(author, title, "Some details about the problem, long enough.", tags)
    db.session.execute(update(Post).where(Post.id == question.id).values(created_at=asked))
    if answered_by is not None:
        answer = questions.answer(answered_by, question.id, "Try this: it worked for me last week.")
        db.session.execute(
            update(Post).where(Post.id == answer.id).values(created_at=asked + timedelta(hours=2))
        )
    db.session.commit()


def test_admin_changes_range_and_tag_and_downloads_csv(page, sign_in, screenshot):
    make_user("boss", "admin")
    asker, helper = make_user("asker"), make_user("helper")
    _question(asker, "Why was I charged twice this month?", "billing", 20, answered_by=helper)
    _question(asker, "How do I change the card on my account?", "billing", 3, answered_by=helper)
    _question(asker, "Thermostat will not join my wifi network", "wifi", 2)
    _question(asker, "Wifi drops every night at midnight", "wifi", 40, answered_by=helper)

    sign_in(page, "boss")
    page.click("nav.main-nav >> text=Dashboard")
    page.wait_for_selector("h1:has-text('Support dashboard')")
    # the default range is the last 28 days: three questions, two answered
    assert page.inner_text("#tile-asked") == "3"
    assert page.inner_text("#tile-answered-rate") == "66.7%"
    assert page.locator("svg.chart").count() == 2
    assert page.locator("#table-volume tbody tr").count() == 28

    today = utcnow().date()
    page.fill("#dashboard-from", (today - timedelta(days=6)).isoformat())
    page.fill("#dashboard-to", today.isoformat())
    page.click("form.dashboard-filters button[type=submit]")
    page.wait_for_url("**/dashboard?from=*")
    assert page.inner_text("#tile-asked") == "2"
    assert page.locator("#table-volume tbody tr").count() == 7

    page.fill("#dashboard-tag", "Billing")
    page.click("form.dashboard-filters button[type=submit]")
    page.wait_for_url("**tag=Billing*")
    assert page.inner_text("#tile-asked") == "1"
    assert page.inner_text("#tile-answered-rate") == "100.0%"
    assert "tagged billing" in page.inner_text(".dashboard-scope")
    assert page.input_value("#dashboard-tag") == "billing"

    with page.expect_download() as download_info:
        page.click("text=Download “Volume per day” as CSV")
    download = download_info.value
    first = (today - timedelta(days=6)).isoformat()
    assert download.suggested_filename == f"dashboard-volume-{first}-{today.isoformat()}-billing.csv"
    with open(download.path(), encoding="utf-8") as handle:
        rows = list(csv.reader(io.StringIO(handle.read())))
    assert rows[0] == ["Date", "Questions", "Answers", "New members"]
    assert len(rows) == 8
    assert sum(int(row[1]) for row in rows[1:]) == 1 and sum(int(row[2]) for row in rows[1:]) == 1

    page.fill("#dashboard-from", today.isoformat())
    page.fill("#dashboard-to", (today - timedelta(days=1)).isoformat())
    page.click("form.dashboard-filters button[type=submit]")
    page.wait_for_selector("#filter-error")
    assert "is after 'to'" in page.inner_text("#filter-error")

    page.goto(f"/dashboard?from={(today - timedelta(days=27)).isoformat()}&to={today.isoformat()}")
    path = screenshot(page, "dashboard")
    assert path.stat().st_size > 10_000
