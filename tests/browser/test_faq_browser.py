"""In Chromium: a moderator approves a candidate into an FAQ entry; a visitor finds it and votes."""

from __future__ import annotations

from sqlalchemy import select

from forum.clock import utcnow
from forum.extensions import db
from forum.models.faq import FaqEntry, QuestionPopularity
from forum.questions import service as questions
from forum.votes import service as votes
from tests.conftest import make_user

TITLE = "The thermostat shows a steam icon and the boiler never fires"
FIX = "Open Settings, then Heating, and switch the boiler type from combi to system boiler."


def test_a_moderator_approves_a_candidate_and_a_visitor_finds_it_helpful(
    page, browser, sign_in, screenshot, index_settled
):
    make_user("mod", role="moderator")
    asker, helper = make_user("asker"), make_user("helper")
    question = questions.ask(
        asker, TITLE, "The steam icon blinks and the boiler does nothing at all.", "heating"
    )
    answer = questions.answer(helper, question.id, FIX)
    votes.accept(asker, question.id, answer.id)
    db.session.add(
        QuestionPopularity(question_id=question.id, score=150.0, views=90, followers=6, computed_at=utcnow())
    )
    db.session.commit()

    # the moderator approves the candidate from the queue, keeping the drafted answer
    sign_in(page, "mod")
    page.click("nav.main-nav >> text=FAQ queue")
    page.wait_for_selector(f"#candidate-{question.id}")
    assert "90" in page.inner_text(f"#candidate-{question.id}")
    page.click(f"#candidate-{question.id} >> text=Approve")
    page.wait_for_selector("h1:has-text('Approve into the FAQ')")
    assert FIX in page.input_value("#body")
    page.fill("#title", "Why does my boiler not fire when a steam icon shows?")
    page.fill("#product_area", "Heating")
    screenshot(page, "faq-approve")
    page.click("form.stacked-form button[type=submit]")
    page.wait_for_selector(".flash:has-text('published')")
    entry = db.session.scalars(select(FaqEntry)).one()
    assert page.url.endswith(f"/faq/{entry.id}")

    index_settled()  # the server indexes the new entry once it has answered

    # a visitor (no account) opens the FAQ, searches, opens the entry and says it helped
    visitor = browser.new_context(base_url=page.url.split("/faq")[0])
    tab = visitor.new_page()
    tab.set_default_timeout(15_000)
    tab.goto("/")
    tab.click("nav.main-nav >> text=FAQ")
    tab.wait_for_selector("h1:has-text('Frequently asked questions')")
    assert "Why does my boiler not fire" in tab.inner_text("main")
    tab.fill("#faq-q", "steam boiler")
    tab.click("form.faq-search button[type=submit]")
    tab.wait_for_selector(".faq-results")
    tab.click(".faq-results >> text=Why does my boiler not fire")
    tab.wait_for_selector("h1:has-text('Why does my boiler not fire')")
    assert "Last checked on" in tab.inner_text("main") and FIX in tab.inner_text(".post-body")
    tab.click("#helpful >> button:has-text('Yes')")
    tab.wait_for_selector("#helpful >> text=You said yes")
    screenshot(tab, "faq-entry-helpful")
    tab.click("#helpful >> button:has-text('Yes')")  # again: still one vote
    tab.wait_for_selector("#helpful >> text=You said yes")
    visitor.close()
    db.session.expire_all()
    entry = db.session.get(FaqEntry, entry.id)
    assert (entry.helpful_yes, entry.helpful_no) == (1, 0)
