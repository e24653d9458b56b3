"""The stored-XSS corpus (tests/xss_payloads.py), stored and rendered in Chromium: nothing runs.

Every payload is stored where members write: question titles and bodies, answers, comments, edits
and their summaries, flag details, a profile's "about". The pages that show them are opened in the
browser, anonymously and as a moderator. The test fails on any sign that a payload ran or could:

- a dialog (the payloads call alert(1)); alert, confirm, prompt and print are also replaced
  before any page script runs, so a call is recorded even where no dialog would open;
- a request leaving the site for anything but an image (scripts, styles, frames from evil.example);
- a JavaScript error on the page (the `page` fixture), or the page navigating away by itself;
- in the DOM the browser built: an event-handler, srcdoc or formaction attribute, a link, frame or
  form whose URL is not http(s) or mailto, a script not served from /static/, or a frame, object,
  embed, base, meta refresh or SVG/MathML inside what members wrote.

Payloads are grouped (many per page) so the whole corpus takes a few dozen page loads.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from forum import markup
from forum.extensions import db
from forum.models.posts import BODY_MIN, COMMENT_MAX, COMMENT_MIN, TITLE_MAX, TITLE_MIN, Answer, Comment
from forum.moderation import flags
from forum.questions import service as questions
from tests.conftest import grant, make_user
from tests.xss_payloads import PAYLOADS

# NUL cannot be stored (PostgreSQL refuses it in text, the forms strip it): as in test_markup.py
STORED = [(name, source) for name, source in PAYLOADS if "\x00" not in source]
GROUPS = 2
SUMMARY_MAX, ABOUT_MAX = 300, 2000  # the longest edit summary and "about" stored

SENTINEL = """
(() => {
  const calls = [];
  Object.defineProperty(window, "__xss", {value: calls});
  for (const name of ["alert", "confirm", "prompt", "print"]) {
    window[name] = function (...args) { calls.push(name + "(" + args.map(String).join(", ") + ")"); };
  }
})();
"""

# What the browser built, checked after the page has loaded and its timers have had a moment.
DOM_PROBLEMS = """
async () => {
  await new Promise((resolve) => setTimeout(resolve, 150));
  const found = [];
  const describe = (element) => element.outerHTML.slice(0, 160);
  const safeUrl = (value) => {
    try {
      return ["http:", "https:", "mailto:"].includes(new URL(value, document.baseURI).protocol);
    } catch (error) {
      return true;  // not a URL the browser would follow
    }
  };
  for (const element of document.querySelectorAll("*")) {
    for (const attribute of element.attributes) {
      const name = attribute.name.toLowerCase();
      if (name.startsWith("on") || name === "srcdoc" || name === "formaction") {
        found.push(`${name} on ${describe(element)}`);
      }
      const isUrl = ["href", "src", "action", "xlink:href", "data", "background", "poster"].includes(name);
      if (isUrl && element.tagName !== "IMG" && !safeUrl(attribute.value)) {
        found.push(`${name}=${attribute.value} on ${describe(element)}`);
      }
    }
  }
  for (const script of document.scripts) {
    if (!script.src.startsWith(location.origin + "/static/")) found.push(`script ${describe(script)}`);
  }
  const forbidden = "iframe, frame, frameset, object, embed, applet, portal, base, meta[http-equiv]";
  for (const element of document.querySelectorAll(forbidden)) found.push(`element ${describe(element)}`);
  const written = ".post-body, .comment-body, .excerpt, .flagged-body, .about, .flag-list";
  const unsafe = "svg, math, style, img[src^='data:']";
  for (const element of document.querySelectorAll(`:is(${written}) :is(${unsafe})`)) {
    found.push(`element ${describe(element)}`);
  }
  return found;
}
"""


def _at_least(text: str, length: int) -> str:
    """The text, padded to pass a minimum length."""
    return text if len(text.strip()) >= length else f"{text} {'x' * length}"


class Watch:
    """What a tab did that a harmless page never does: dialogs, sentinel calls, requests off the site."""

    def __init__(self, page, live_server: str) -> None:
        self.page = page
        self.dialogs: list[str] = []
        self.requests: list[str] = []
        origin = urlsplit(live_server).netloc
        page.add_init_script(SENTINEL)
        page.on("dialog", self._dialog)

        def route(route):
            request = route.request
            if urlsplit(request.url).netloc == origin:
                route.continue_()
                return
            # nothing leaves the machine; images from elsewhere are allowed markup, the rest is not
            if request.resource_type != "image":
                self.requests.append(f"{request.resource_type} {request.url}")
            route.abort()

        page.route("**/*", route)

    def _dialog(self, dialog) -> None:
        self.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    def visit(self, url: str, names: list[str]) -> None:
        """Open the page and check it; `names` are the payloads on it, for the message."""
        response = self.page.goto(url)
        assert response.status == 200, url
        self.check(names)

    def check(self, names: list[str]) -> None:
        """Check the page as it is now."""
        url = self.page.url
        problems = self.page.evaluate(DOM_PROBLEMS)
        found = {
            "dialogs": self.dialogs,
            "sentinel calls": [
                call for frame in self.page.frames for call in frame.evaluate("() => window.__xss || []")
            ],
            "requests": self.requests,
            "DOM": problems,
            "navigated away": [] if self.page.url == url else [self.page.url],
        }
        assert not any(found.values()), f"{self.page.url} with payloads {', '.join(names)}:\n{found}"


@pytest.fixture
def index_once(app, monkeypatch, reindex):
    """Make data without updating the test app's own search index, then rebuild the live server's.

    The browser only sees the live server's index, and rebuilding it once is much faster than
    writing the test app's index on every commit.
    """
    monkeypatch.setattr(app.extensions["search"], "index", lambda question_ids: None)
    return reindex


def _groups() -> list[list[tuple[str, str]]]:
    size = -(-len(STORED) // GROUPS)
    return [STORED[start : start + size] for start in range(0, len(STORED), size)]


def _packed(payloads: list[tuple[str, str]], limit: int, separator: str = " ") -> list[tuple[str, list[str]]]:
    """Payloads joined into texts of at most `limit` characters, with the names in each.

    For plain-text fields, which are escaped as a whole: many payloads per field means far fewer
    rows to store. (Markdown answers and comments get one payload each: there, a payload could
    change how its neighbours are parsed.)
    """
    texts: list[tuple[str, list[str]]] = []
    for name, source in payloads:
        if texts and len(texts[-1][0]) + len(separator) + len(source) <= limit:
            text, names = texts[-1]
            texts[-1] = (f"{text}{separator}{source}", [*names, name])
        else:
            texts.append((source[:limit], [name]))
    return texts


def _answers_with_comments(question, answerer, commenter, sources: list[str]) -> list[Answer]:
    """An answer per source, each with the source as a comment, rendered as the services render them.

    Stored in one transaction rather than through questions.answer() and .comment(), which commit
    (and notify, and count) once per call: the pages show the same HTML, from forum/markup.py.
    """
    answers = []
    for source in sources:
        body, remark = _at_least(source, BODY_MIN), _at_least(source[:COMMENT_MAX], COMMENT_MIN).strip()
        answer = Answer(question=question, author=answerer, body=body, body_html=markup.render(body))
        answer.comments.append(
            Comment(author=commenter, body=remark, body_html=markup.render_comment(remark))
        )
        answers.append(answer)
    db.session.add_all(answers)
    db.session.commit()
    return answers


@pytest.mark.parametrize("group", _groups(), ids=[f"group{n + 1}" for n in range(GROUPS)])
def test_stored_payloads_do_not_run_in_the_browser(page, live_server, sign_in, index_once, group):
    names = [name for name, _ in group]
    asker, answerer, flagger = make_user("asker"), make_user("answerer"), make_user("flagger")
    make_user("mod", "moderator")
    for member in (asker, answerer, flagger):
        grant(member, 100)  # past the new-account limits on links
    # titles, with the same payloads as the question's body (for the search excerpts)
    asked = [
        questions.ask(asker, _at_least(title, TITLE_MIN), _at_least(title, BODY_MIN), "xss")
        for title, _ in _packed(group, TITLE_MAX)
    ]
    host = asked[0]
    # each payload alone as an answer, and as a comment on it
    answers = _answers_with_comments(host, answerer, asker, [source for _, source in group])
    # flag details; edits (their diffs) with their summaries
    flagged = [
        flags.flag(flagger, answer.id, "other", text=text)
        for answer, (text, _) in zip(answers, _packed(group, flags.TEXT_MAX), strict=False)
    ]
    sources = dict(group)
    edits = [
        questions.edit(
            asker,
            host.id,
            _at_least("\n\n".join(sources[name] for name in edit_names), BODY_MIN),
            summary=summary,
        )
        for summary, edit_names in _packed(group, SUMMARY_MAX)
    ]
    db.session.commit()
    index_once()

    watch = Watch(page, live_server)
    watch.visit(f"/questions/{host.id}", names)  # answers, comments
    assert page.locator("article.answer").count() == page.locator(".comment").count() == len(group)
    watch.visit(f"/posts/{host.id}/revisions", names)  # diffs, summaries
    assert page.locator(".revision").count() == len(edits) + 1
    watch.visit(f"/?per_page={len(asked)}", names)  # titles
    assert page.locator(".question-summary").count() == len(asked)
    watch.visit(f"/search?q=alert&per_page={len(asked)}", names)  # titles, highlighted excerpts
    assert page.locator(".search-results .excerpt mark").count() > 0
    watch.visit(f"/users/{asker.id}", names)  # titles

    sign_in(page, "mod")
    watch.visit("/moderation", names)  # flagged answers, flag details
    assert page.locator(".flagged-post").count() == len(flagged)
    # titles again, as ask.js builds the similar-questions list from the API's JSON
    watch.visit("/questions/ask", names)
    page.fill("#title", "alert script onerror img")
    page.locator("#similar-questions .similar-item").first.wait_for()
    watch.check(names)


def test_payloads_in_profiles_do_not_run_in_the_browser(page, live_server):
    """A profile's "about" is plain text; each profile carries as many payloads as fit."""
    profiles = []
    for number, (about, names) in enumerate(_packed(STORED, ABOUT_MAX, "\n"), start=1):
        user = make_user(f"profile{number}")
        user.about = about
        profiles.append((user.id, names))
    db.session.commit()
    watch = Watch(page, live_server)
    for user_id, names in profiles:
        watch.visit(f"/users/{user_id}", names)
