"""axe-core, run inside Chromium on the main pages: no serious or critical violations.

axe-core is the version pinned in tests/browser/package-lock.json (`make axe` installs it). No rule
is switched off: a violation is fixed in the templates or the CSS.
"""

from __future__ import annotations

import pytest

from forum.extensions import db
from forum.moderation import flags
from forum.questions import service as questions
from forum.votes import service as votes
from tests.conftest import grant, make_answer, make_question, make_user

BLOCKING = {"serious", "critical"}


def _submit_empty(page) -> None:
    page.click("form.stacked-form button[type=submit]")
    page.wait_for_selector(".field.has-error")


def _type_title(page) -> None:
    page.fill("#title", "The screen is blank after a power cut")
    page.locator("#similar-questions .similar-item").first.wait_for()


# Who looks, and at which pages: a path ({question} and {asker} are filled in), or a path and
# what to do there first
PAGES = {
    "visitor": (
        None,
        {
            "home": "/",
            "question": "/questions/{question}",
            "search results": "/search?q=blank+screen",
            "tag list": "/tags",
            "questions tagged": "/questions/tagged/display",
            "sign in": "/login",
            "register": "/register",
            "register, with errors": ("/register", _submit_empty),
            "profile": "/users/{asker}",
            "faq": "/faq",
        },
    ),
    "member": (
        "asker",
        {
            "question": "/questions/{question}",
            "ask": "/questions/ask",
            "ask, with similar questions": ("/questions/ask", _type_title),
            "own profile": "/users/{asker}",
            "inbox": "/notifications",
        },
    ),
    "moderator": (
        "mod",
        {
            "moderation queue": "/moderation",
            "dashboard": "/dashboard",
            "question": "/questions/{question}",
            "expert queue": "/experts/queue",
        },
    ),
}


def _community() -> dict[str, int]:
    """A question with an accepted answer and a comment, an unanswered one, a flag."""
    asker, helper = make_user("asker"), make_user("helper", "expert")
    make_user("mod", "moderator")
    question = make_question(
        asker,
        "Thermostat screen stays blank after a power cut",
        "Since the storm the display shows nothing.\n\n- the heating runs\n- the app shows *offline*",
        "display power",
    )
    answer = make_answer(
        helper, question, "Hold the reset pin for **five seconds**: see [the guide](https://example.com/)."
    )
    votes.accept(asker, question.id, answer.id)
    questions.comment(asker, answer.id, "That worked, thanks!")
    other = make_question(
        asker, "How do I export my energy report?", "I want last year's report as a file.", "reports"
    )
    flagger = make_user("flagger")
    grant(flagger, 50)
    flags.flag(flagger, other.id, "off-topic")
    db.session.commit()
    return {"question": question.id, "asker": asker.id}


def _report(violations: list[dict]) -> str:
    return "\n".join(
        f"  {violation['impact']} {violation['id']}: {violation['help']}\n"
        + "\n".join(f"      {node['target']} {node['html'][:160]}" for node in violation["nodes"])
        for violation in violations
    )


@pytest.mark.parametrize("viewer", PAGES)
def test_main_pages_have_no_serious_accessibility_violations(page, sign_in, reindex, axe, viewer):
    ids = _community()
    reindex()
    username, pages = PAGES[viewer]
    if username:
        sign_in(page, username)
    found = {}
    for name, where in pages.items():
        path, action = where if isinstance(where, tuple) else (where, None)
        response = page.goto(path.format(**ids))
        if path == "/faq" and response.status == 404:
            continue  # an installation without the FAQ
        assert response.status == 200, path
        if action:
            action(page)
        violations = [violation for violation in axe(page) if violation["impact"] in BLOCKING]
        if violations:
            found[f"{name} ({path})"] = _report(violations)
    assert found == {}, "\n".join(f"{page_name}:\n{text}" for page_name, text in found.items())
