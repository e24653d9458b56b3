"""In Chromium, the journeys the forum exists for: a visitor finds an answer, a new customer is
shown similar questions while typing, an expert answers from the queue, a moderator handles a flag.

Each journey saves a screenshot under tests/artifacts/screenshots/<database>/.
"""

from __future__ import annotations

import re

from sqlalchemy import select

from forum.experts import service as experts
from forum.extensions import db
from forum.models import Post, Question
from forum.models.moderation import Flag
from forum.models.search import SimilarEvent
from forum.search import deflection
from forum.votes import service as votes
from tests.conftest import grant, make_answer, make_question, make_user


def test_visitor_searches_and_opens_the_accepted_answer(page, reindex, screenshot):
    asker, helper = make_user("asker"), make_user("helper")
    question = make_question(
        asker,
        "Thermostat screen stays blank after a power cut",
        "Since the storm last night the display shows nothing, though the heating still runs.",
        "display power",
    )
    answer = make_answer(helper, question, "Hold the reset pin for five seconds: the screen comes back.")
    votes.accept(asker, question.id, answer.id)
    make_question(
        asker, "How do I export my energy report?", "I want last year's report as a file.", "reports"
    )
    reindex()

    page.goto("/")
    page.fill("#site-search", "blank screen")
    page.press("#site-search", "Enter")
    page.wait_for_url("**/search?q=blank+screen")
    results = page.locator(".search-results .question-summary")
    assert results.count() == 1
    assert results.first.locator(".stat.accepted").inner_text() == "Accepted"
    screenshot(page, "journey-search-results")

    results.first.locator("h3 a").click()
    page.wait_for_url(f"**/questions/{question.id}/**")
    assert page.inner_text("h1") == "Thermostat screen stays blank after a power cut"
    accepted = page.locator(f"article.answer.accepted#a{answer.id}")
    assert "Hold the reset pin" in accepted.inner_text()
    assert accepted.locator(".accepted-mark").count() == 1
    screenshot(page, "journey-search-answer")


def test_new_customer_sees_similar_questions_while_typing(page, reindex, screenshot):
    asker, helper = make_user("asker"), make_user("helper")
    known = make_question(
        asker,
        "Wifi keeps disconnecting every night",
        "The thermostat drops off the wifi network around midnight and comes back at six.",
        "wifi",
    )
    answer = make_answer(
        helper, known, "Turn off band steering on the router; it moves the thermostat off 2.4 GHz."
    )
    votes.accept(asker, known.id, answer.id)
    make_question(asker, "Can I change the temperature units?", "I would like Celsius instead.", "settings")
    reindex()

    page.goto("/")
    page.click("a.button:has-text('Join')")
    page.wait_for_url("**/register**")
    page.fill("#username", "newcomer")
    page.fill("#email", "newcomer@example.com")
    page.fill("#password", "a long enough password")
    page.fill("#confirm", "a long enough password")
    page.click("form.stacked-form button[type=submit]")
    page.wait_for_selector(".user-link:has-text('newcomer')")
    assert "Welcome, newcomer!" in page.inner_text(".flashes")

    page.goto("/questions/ask")
    similar = page.locator("#similar-questions .similar-item")
    assert similar.count() == 0
    # typed like a person, one key at a time: ask.js waits for a pause before it asks the server
    page.locator("#title").press_sequentially("My wifi is disconnecting at night", delay=20)
    similar.first.wait_for()
    assert page.locator("#similar-heading").inner_text() == "Similar questions"
    assert "Wifi keeps disconnecting every night" in similar.first.inner_text()
    assert similar.first.locator(".similar-status").inner_text() == "Accepted answer"
    assert page.input_value("#checked_similar") == "1"
    screenshot(page, "journey-similar-suggestions")

    with page.context.expect_page() as opened:
        similar.first.locator("a").click()
    tab = opened.value
    tab.wait_for_load_state()
    assert re.search(rf"/questions/{known.id}/", tab.url)
    assert tab.inner_text("h1") == "Wifi keeps disconnecting every night"
    assert "band steering" in tab.inner_text(f"#a{answer.id}")
    screenshot(tab, "journey-similar-opened")
    db.session.expire_all()
    opened_events = db.session.scalars(
        select(SimilarEvent).where(SimilarEvent.kind == deflection.SUGGESTION_OPENED)
    ).all()
    assert [event.question_id for event in opened_events] == [known.id]


def test_customer_asks_expert_claims_and_answers_customer_accepts(
    page, browser, live_server, sign_in, reindex, screenshot
):
    make_user("carol")
    expert = make_user("erin", "expert")
    experts.set_topics(expert, ["billing"])
    reindex()  # nothing left from earlier tests to suggest: the question posts at the first submit

    sign_in(page, "carol")
    page.goto("/questions/ask")
    page.fill("#title", "Charged twice for the annual plan")
    page.fill("#body", "My card shows two charges for the annual plan on the same day. Please refund one.")
    page.fill("#tags", "billing")
    page.click("form.stacked-form button[type=submit]")
    page.wait_for_selector(".flash:has-text('Your question is posted.')")
    question_url = page.url
    question_id = int(re.search(r"/questions/(\d+)", question_url).group(1))

    # the expert, in a browser of their own
    expert_context = browser.new_context(base_url=live_server, viewport={"width": 1280, "height": 900})
    try:
        expert_page = expert_context.new_page()
        sign_in(expert_page, "erin")
        expert_page.click("nav.main-nav >> text=Queue")
        expert_page.wait_for_selector("h1:has-text('Expert queue')")
        item = expert_page.locator(f"#queue-q{question_id}")
        assert "Charged twice for the annual plan" in item.inner_text()
        item.locator('button:has-text("I\'m on it")').click()
        expert_page.wait_for_selector(f"#queue-q{question_id} .queue-claim:has-text('erin')")
        assert expert_page.inner_text(".count-claimed") == "1"
        screenshot(expert_page, "journey-expert-queue")

        expert_page.click(f"#queue-q{question_id} .queue-title a")
        expert_page.wait_for_selector(".expert-claim:has-text('erin')")
        expert_page.fill("#body", "I have refunded the second charge; it reaches your card in 3 to 5 days.")
        expert_page.click(".your-answer button[type=submit]")
        expert_page.wait_for_selector("article.answer.by-staff")
    finally:
        expert_context.close()

    page.goto(question_url)
    answer = page.locator("article.answer.by-staff")
    assert "refunded the second charge" in answer.inner_text()
    answer.locator("button:has-text('Accept')").click()
    page.wait_for_selector("article.answer.accepted .accepted-mark")
    assert page.locator("article.answer.accepted button:has-text('Unaccept')").count() == 1
    screenshot(page, "journey-expert-answer-accepted")
    db.session.expire_all()
    accepted_id = db.session.scalar(select(Question.accepted_answer_id).where(Question.id == question_id))
    assert accepted_id is not None and db.session.get(Post, accepted_id).author_id == expert.id


def test_member_flags_a_post_and_moderator_dismisses_it(page, browser, live_server, sign_in, screenshot):
    asker, flagger = make_user("asker"), make_user("flagger")
    make_user("mod", "moderator")
    grant(flagger, 50)  # flagging is a privilege earned with reputation
    question = make_question(asker)
    answer = make_answer(asker, question, "Buy the premium plan at cheap-deals.example, best price!!!")
    db.session.commit()

    sign_in(page, "flagger")
    page.goto(f"/questions/{question.id}")
    post = page.locator(f"#a{answer.id}")
    post.locator("details.flag-post summary").click()
    post.locator("input[name=reason][value=spam]").check()
    post.locator(".flag-form button[type=submit]").click()
    page.wait_for_selector(".flash:has-text('a moderator will look at it')")
    screenshot(page, "journey-flag-posted")
    db.session.expire_all()
    assert db.session.scalar(select(Flag.status).where(Flag.post_id == answer.id)) == "open"

    mod_context = browser.new_context(base_url=live_server, viewport={"width": 1280, "height": 900})
    try:
        mod_page = mod_context.new_page()
        sign_in(mod_page, "mod")
        mod_page.click("nav.main-nav >> text=Moderation")
        mod_page.wait_for_selector("h1:has-text('Moderation')")
        flagged = mod_page.locator(f"#flagged-{answer.id}")
        assert "cheap-deals.example" in flagged.inner_text()
        assert "by flagger" in flagged.locator(".flag-list").inner_text()
        screenshot(mod_page, "journey-moderation-queue")
        flagged.locator("input[name=action][value=dismiss]").check()
        mod_page.fill(f"#reason-{answer.id}", "A link to a partner store, which is allowed here.")
        flagged.locator("button:has-text('Apply')").click()
        mod_page.wait_for_selector("p.empty:has-text('No open flags.')")
        screenshot(mod_page, "journey-moderation-done")
    finally:
        mod_context.close()

    db.session.expire_all()
    assert db.session.scalar(select(Flag.status).where(Flag.post_id == answer.id)) == "dismissed"
    # the flagger hears the outcome
    page.goto("/notifications")
    assert "A moderator reviewed your flag on an answer" in page.inner_text("main")
    assert "partner store" in page.inner_text("main")
