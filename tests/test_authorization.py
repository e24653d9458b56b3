"""The authorisation matrix: every route, as every kind of visitor, allowed or refused.

Each route in `app.url_map` has an entry in MATRIX saying which of the ROLES may use it; a route
without an entry fails `test_every_route_has_an_entry`. Each entry is tried as each role against a
fresh thread of that role's own (so one role's delete does not change what the next one meets),
with a valid request, and the answer must be a refusal (401, 403, 404, or a redirect to sign in)
exactly when the role is not listed. "Allowed" means the rules let the role through: a request
may still meet a 409 or 422 from the thread's state, which other tests cover.

Roles: anonymous; member (an ordinary member with 1 reputation, not the author); owner (the
author of the thread's question, answer and comment, also 1 reputation); expert; moderator;
admin; suspended (a member serving a suspension).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from string import Formatter

import pytest
from sqlalchemy import select

from forum.auth.service import issue_token
from forum.experts import service as experts
from forum.extensions import db
from forum.faq import candidates as faq_candidates
from forum.faq import entries as faq_entries
from forum.followups import service as followups
from forum.models import User
from forum.models.notifications import Notification
from forum.moderation import flags, suspensions
from forum.questions import service as questions
from forum.search import outbox
from forum.suggestions import service as suggestions
from tests.conftest import PASSWORD, grant, login, make_user

ROLES = ("anonymous", "member", "owner", "expert", "moderator", "admin", "suspended")
EVERYONE = frozenset(ROLES)
SIGNED_IN = EVERYONE - {"anonymous"}
WRITERS = SIGNED_IN - {"suspended"}
STAFF = frozenset({"expert", "moderator", "admin"})
MODERATORS = frozenset({"moderator", "admin"})
ADMINS = frozenset({"admin"})


class Thread:
    """One role's own thread, all by the owner; each part is made only when a route needs it."""

    def __init__(self, world: World, index: int):
        self.world, self.index = world, index

    @cached_property
    def question(self):
        owner = self.world.people["owner"]
        return questions.ask(owner, f"Thermostat question number {self.index} here", "A body " * 5, "account")

    @cached_property
    def answer(self):
        return questions.answer(
            self.world.people["owner"], self.question.id, "An answer by the owner, to keep."
        )

    @cached_property
    def deleted_answer(self):
        owner = self.world.people["owner"]
        answer = questions.answer(owner, self.question.id, "Another answer by the owner, deleted by them.")
        return questions.delete(owner, answer.id)

    @cached_property
    def comment(self):
        return questions.comment(self.world.people["owner"], self.question.id, "The owner's comment.")

    @cached_property
    def suggestion(self):
        return suggestions.suggest(self.world.people["member"], self.answer.id, "A suggested rewrite of it.")

    @cached_property
    def followup(self):
        return followups.open_followup(
            self.world.people["expert"], self.question.id, "Which email do you use?"
        )

    @cached_property
    def flagged(self):
        flagger = make_user(f"flagger{self.index}")
        grant(flagger, 20)
        flags.flag(flagger, self.answer.id, "off-topic")
        return self.answer

    @cached_property
    def notification(self) -> int:
        commenter = make_user(f"commenter{self.index}")
        grant(commenter, 100)
        questions.comment(commenter, self.answer.id, "A comment that notifies the owner.")
        return db.session.scalar(
            select(Notification.id).where(Notification.recipient_id == self.world.people["owner"].id).limit(1)
        )

    @cached_property
    def faq_entry(self):
        mod = self.world.people["moderator"]
        question = questions.ask(
            mod, f"Boiler question number {self.index} for the FAQ", "A body " * 5, "account"
        )
        questions.answer(mod, question.id, "Switch the boiler type to system in the settings.")
        return faq_candidates.approve(
            mod, [question.id], "How to set the boiler type", "Body " * 10, "", "Heating"
        )

    @cached_property
    def faq_suggestion(self):
        member = self.world.people["member"]
        return faq_entries.suggest(member, self.faq_entry.id, self.faq_entry.title, "A better body " * 5)

    @cached_property
    def held(self):
        """An answer by the owner held for personal data (posted anyway)."""
        return questions.answer(
            self.world.people["owner"],
            self.question.id,
            "Mail me at owner.thermostat@gmail.com about it.",
            confirm_personal_data=True,
        )

    @cached_property
    def held_comment(self):
        return questions.comment(
            self.world.people["owner"], self.question.id, "Call 415-867-5309.", confirm_personal_data=True
        )

    @cached_property
    def subject(self) -> User:
        return make_user(f"subject{self.index}")

    @cached_property
    def suspended_subject(self) -> User:
        benched = make_user(f"benched{self.index}")
        suspensions.suspend(None, benched.id, 3, "Benched.", by_cli=True)
        return benched

    # the names URL templates use
    q = property(lambda self: self.question.id)
    a = property(lambda self: self.answer.id)
    d = property(lambda self: self.deleted_answer.id)
    c = property(lambda self: self.comment.id)
    s = property(lambda self: self.suggestion.id)
    e = property(lambda self: self.faq_entry.id)
    fs = property(lambda self: self.faq_suggestion.id)
    f = property(lambda self: self.followup.id)
    fl = property(lambda self: self.flagged.id)
    n = property(lambda self: self.notification)
    h = property(lambda self: self.held.id)
    hc = property(lambda self: self.held_comment.id)
    u = property(lambda self: self.subject.id)
    su = property(lambda self: self.suspended_subject.id)
    owner = property(lambda self: self.world.people["owner"].id)


class World:
    """The people, and a thread per role, made when first asked for."""

    def __init__(self):
        self.people: dict[str, User | None] = {"anonymous": None}
        for role in ROLES[1:]:
            account_role = role if role in ("expert", "moderator", "admin") else "member"
            self.people[role] = make_user(role, role=account_role)
        experts.set_topics(self.people["expert"], ["account"])
        suspensions.suspend(None, self.people["suspended"].id, 3, "Cooling off.", by_cli=True)
        self._threads: dict[str, Thread] = {}

    def thread(self, role: str) -> Thread:
        if role not in self._threads:
            self._threads[role] = Thread(self, len(self._threads))
        return self._threads[role]


@dataclass(frozen=True)
class Entry:
    """Who may use a route, and a valid request for it against a thread."""

    allowed: frozenset[str]
    url: Callable[[Thread], str] | str
    body: Callable[[Thread], dict] | dict | None = None


def _q(path: str) -> Callable[[Thread], str]:
    """A URL template filled from the thread: {q} question, {a} answer, {d} deleted answer,
    {c} comment, {s} suggestion, {e} FAQ entry, {fs} suggested FAQ edit, {f} follow-up,
    {fl} flagged answer, {n} the owner's notification, {h} an answer and {hc} a comment held for
    personal data, {u} a member, {su} a suspended member, {owner} the owner."""
    names = [name for _, name, _, _ in Formatter().parse(path) if name]
    return lambda thread: path.format(**{name: getattr(thread, name) for name in names})


ANSWER_BODY = {"body": "An answer that is long enough to post."}
COMMENT_BODY = {"body": "A comment on the post."}
QUESTION_BODY = {
    "title": "A brand new question about my thermostat",
    "body": "It shows error E-310 today.",
    "tags": "account",
}
EDIT_BODY = {"body": "A new body for the post, long enough to save."}


def _accept(thread: Thread) -> dict:
    return {"answer_id": thread.answer.id}


MATRIX: dict[tuple[str, str], Entry] = {
    # reading: everyone, suspended members included
    ("GET", "/"): Entry(EVERYONE, "/"),
    ("GET", "/questions"): Entry(EVERYONE, "/questions"),
    ("GET", "/questions/<int:question_id>"): Entry(EVERYONE, _q("/questions/{q}")),
    ("GET", "/questions/<int:question_id>/<slug>"): Entry(EVERYONE, _q("/questions/{q}/x")),
    ("GET", "/posts/<int:post_id>"): Entry(EVERYONE, _q("/posts/{a}")),
    ("GET", "/posts/<int:post_id>/revisions"): Entry(EVERYONE, _q("/posts/{a}/revisions")),
    ("GET", "/questions/tagged/<tag_name>"): Entry(EVERYONE, "/questions/tagged/account"),
    ("GET", "/questions/similar/<int:question_id>/open"): Entry(EVERYONE, _q("/questions/similar/{q}/open")),
    ("GET", "/tags"): Entry(EVERYONE, "/tags"),
    ("GET", "/search"): Entry(EVERYONE, "/search?q=thermostat"),
    ("GET", "/search/open/<kind>/<int:target_id>"): Entry(
        EVERYONE, _q("/search/open/question/{q}?q=thermostat&position=1")
    ),
    ("GET", "/users/<int:user_id>"): Entry(EVERYONE, _q("/users/{owner}")),
    ("GET", "/users/<int:user_id>/<username>"): Entry(EVERYONE, _q("/users/{owner}/owner")),
    # accounts
    ("GET", "/login"): Entry(EVERYONE, "/login"),
    ("POST", "/login"): Entry(EVERYONE, "/login", {"login": "owner", "password": PASSWORD}),
    ("GET", "/register"): Entry(EVERYONE, "/register"),
    ("POST", "/register"): Entry(
        EVERYONE,
        "/register",
        {"username": "newcomer", "email": "new@example.com", "password": PASSWORD, "confirm": PASSWORD},
    ),
    ("POST", "/logout"): Entry(EVERYONE, "/logout"),
    ("GET", "/account/password"): Entry(SIGNED_IN, "/account/password"),
    ("POST", "/account/password"): Entry(
        SIGNED_IN,
        "/account/password",
        {"current_password": PASSWORD, "new_password": PASSWORD + "!", "confirm": PASSWORD + "!"},
    ),
    # writing
    ("GET", "/questions/ask"): Entry(SIGNED_IN, "/questions/ask"),
    ("POST", "/questions/ask"): Entry(WRITERS, "/questions/ask", {**QUESTION_BODY, "post": "1"}),
    ("POST", "/questions/<int:question_id>/answers"): Entry(
        WRITERS, _q("/questions/{q}/answers"), ANSWER_BODY
    ),
    ("POST", "/posts/<int:post_id>/comments"): Entry(
        WRITERS - {"member"}, _q("/posts/{q}/comments"), COMMENT_BODY
    ),
    ("GET", "/posts/<int:post_id>/edit"): Entry(SIGNED_IN - {"suspended"}, _q("/posts/{a}/edit")),
    ("POST", "/posts/<int:post_id>/edit"): Entry(
        WRITERS,
        _q("/posts/{q}/edit"),
        {
            "title": "Thermostat question, edited title",
            "body": "An edited body that is long enough.",
            "tags": "account",
        },
    ),
    ("POST", "/posts/<int:post_id>/delete"): Entry({"owner", "moderator", "admin"}, _q("/posts/{a}/delete")),
    ("POST", "/posts/<int:post_id>/undelete"): Entry(
        {"owner", "moderator", "admin"}, _q("/posts/{d}/undelete")
    ),
    ("POST", "/comments/<int:comment_id>/delete"): Entry(
        {"owner", "moderator", "admin"}, _q("/comments/{c}/delete")
    ),
    ("POST", "/posts/<int:post_id>/vote"): Entry(STAFF, _q("/posts/{a}/vote"), {"value": "1"}),
    ("POST", "/questions/<int:question_id>/accept"): Entry(
        {"owner"} | STAFF, _q("/questions/{q}/accept"), _accept
    ),
    ("POST", "/posts/<int:post_id>/flags"): Entry(MODERATORS, _q("/posts/{q}/flags"), {"reason": "spam"}),
    ("POST", "/questions/<int:question_id>/follow"): Entry(WRITERS, _q("/questions/{q}/follow")),
    ("POST", "/questions/<int:question_id>/unfollow"): Entry(WRITERS, _q("/questions/{q}/unfollow")),
    # notifications
    ("GET", "/notifications"): Entry(SIGNED_IN, "/notifications"),
    ("GET", "/notifications/<int:notification_id>"): Entry({"owner"}, _q("/notifications/{n}")),
    ("POST", "/notifications/read"): Entry(SIGNED_IN, "/notifications/read"),
    ("POST", "/notifications/settings"): Entry(SIGNED_IN, "/notifications/settings", {"email": "y"}),
    # experts
    ("GET", "/experts/queue"): Entry(STAFF, "/experts/queue"),
    ("POST", "/questions/<int:question_id>/official"): Entry(STAFF, _q("/questions/{q}/official"), _accept),
    ("POST", "/questions/<int:question_id>/claim"): Entry(STAFF, _q("/questions/{q}/claim")),
    ("POST", "/questions/<int:question_id>/release"): Entry(STAFF, _q("/questions/{q}/release")),
    ("POST", "/questions/<int:question_id>/assign"): Entry(
        MODERATORS, _q("/questions/{q}/assign"), {"expert": "expert"}
    ),
    ("GET", "/dashboard"): Entry(STAFF, "/dashboard"),
    ("GET", "/dashboard/<name>.csv"): Entry(STAFF, "/dashboard/volume.csv"),
    # private follow-ups: the expert and the asker; moderators read
    ("POST", "/questions/<int:question_id>/followups"): Entry(
        STAFF, _q("/questions/{q}/followups"), {"body": "Can you tell me your order number?"}
    ),
    ("GET", "/questions/<int:question_id>/followups/<int:followup_id>"): Entry(
        {"owner"} | STAFF, _q("/questions/{q}/followups/{f}")
    ),
    ("POST", "/questions/<int:question_id>/followups/<int:followup_id>/messages"): Entry(
        {"owner", "expert"}, _q("/questions/{q}/followups/{f}/messages"), {"body": "Here it is: 12345."}
    ),
    ("POST", "/questions/<int:question_id>/followups/<int:followup_id>/resolve"): Entry(
        {"expert"},
        _q("/questions/{q}/followups/{f}/resolve"),
        {"body": "Resolved: the refund is on its way."},
    ),
    # suggested edits
    ("GET", "/review/edits"): Entry(MODERATORS, "/review/edits"),
    ("GET", "/review/edits/<int:suggestion_id>"): Entry({"member"} | MODERATORS, _q("/review/edits/{s}")),
    ("POST", "/review/edits/<int:suggestion_id>/approve"): Entry(MODERATORS, _q("/review/edits/{s}/approve")),
    ("POST", "/review/edits/<int:suggestion_id>/reject"): Entry(
        MODERATORS, _q("/review/edits/{s}/reject"), {"reason": "No."}
    ),
    # moderation
    ("GET", "/moderation"): Entry(MODERATORS, "/moderation"),
    ("GET", "/moderation/log"): Entry(MODERATORS, "/moderation/log"),
    ("GET", "/moderation/personal-data"): Entry(MODERATORS, "/moderation/personal-data"),
    ("POST", "/moderation/posts/<int:post_id>"): Entry(
        MODERATORS, _q("/moderation/posts/{fl}"), {"action": "dismiss"}
    ),
    ("POST", "/moderation/tags/merge"): Entry(
        MODERATORS, "/moderation/tags/merge", {"source": "account", "target": "account"}
    ),
    ("POST", "/moderation/held/<any(post, comment):target_type>/<int:item_id>"): Entry(
        MODERATORS, _q("/moderation/held/post/{h}"), {"action": "redact"}
    ),
    ("POST", "/questions/<int:question_id>/moderate"): Entry(
        MODERATORS, _q("/questions/{q}/moderate"), {"action": "lock"}
    ),
    ("POST", "/users/<int:user_id>/suspend"): Entry(
        MODERATORS, _q("/users/{u}/suspend"), {"days": "2", "reason": "Spam."}
    ),
    ("POST", "/users/<int:user_id>/unsuspend"): Entry(ADMINS, _q("/users/{su}/unsuspend")),
    # administration
    ("GET", "/admin/users"): Entry(ADMINS, "/admin/users"),
    ("GET", "/admin/users/<int:user_id>"): Entry(ADMINS, _q("/admin/users/{u}")),
    ("POST", "/admin/users/<int:user_id>"): Entry(
        ADMINS, _q("/admin/users/{u}"), {"role": "expert", "topics": ""}
    ),
    # the API: reads
    ("GET", "/api/v1/openapi.json"): Entry(EVERYONE, "/api/v1/openapi.json"),
    ("GET", "/api/v1/questions"): Entry(EVERYONE, "/api/v1/questions"),
    ("GET", "/api/v1/questions/<int:question_id>"): Entry(EVERYONE, _q("/api/v1/questions/{q}")),
    ("GET", "/api/v1/users/<int:user_id>"): Entry(EVERYONE, _q("/api/v1/users/{owner}")),
    ("GET", "/api/v1/users/<int:user_id>/reputation"): Entry(
        EVERYONE, _q("/api/v1/users/{owner}/reputation")
    ),
    ("GET", "/api/v1/search"): Entry(EVERYONE, "/api/v1/search?q=thermostat"),
    ("GET", "/api/v1/similar"): Entry(EVERYONE, "/api/v1/similar?title=thermostat+question"),
    ("GET", "/api/v1/questions/<int:question_id>/follow"): Entry(
        EVERYONE, _q("/api/v1/questions/{q}/follow")
    ),
    ("POST", "/api/v1/tokens"): Entry(
        EVERYONE, "/api/v1/tokens", {"username": "owner", "password": PASSWORD}
    ),
    # the API: writes
    ("POST", "/api/v1/questions"): Entry(WRITERS, "/api/v1/questions", QUESTION_BODY),
    ("POST", "/api/v1/questions/<int:question_id>/answers"): Entry(
        WRITERS, _q("/api/v1/questions/{q}/answers"), ANSWER_BODY
    ),
    ("POST", "/api/v1/posts/<int:post_id>/comments"): Entry(
        WRITERS - {"member"}, _q("/api/v1/posts/{q}/comments"), COMMENT_BODY
    ),
    ("PATCH", "/api/v1/posts/<int:post_id>"): Entry(WRITERS, _q("/api/v1/posts/{a}"), EDIT_BODY),
    ("DELETE", "/api/v1/posts/<int:post_id>"): Entry(
        {"owner", "moderator", "admin"}, _q("/api/v1/posts/{a}")
    ),
    ("POST", "/api/v1/posts/<int:post_id>/undelete"): Entry(
        {"owner", "moderator", "admin"}, _q("/api/v1/posts/{d}/undelete")
    ),
    ("POST", "/api/v1/posts/<int:post_id>/vote"): Entry(STAFF, _q("/api/v1/posts/{a}/vote"), {"value": 1}),
    ("POST", "/api/v1/questions/<int:question_id>/accept"): Entry(
        {"owner"} | STAFF, _q("/api/v1/questions/{q}/accept"), _accept
    ),
    ("POST", "/api/v1/posts/<int:post_id>/flags"): Entry(
        MODERATORS, _q("/api/v1/posts/{q}/flags"), {"reason": "spam"}
    ),
    ("POST", "/api/v1/questions/<int:question_id>/follow"): Entry(
        WRITERS, _q("/api/v1/questions/{q}/follow")
    ),
    ("DELETE", "/api/v1/questions/<int:question_id>/follow"): Entry(
        WRITERS, _q("/api/v1/questions/{q}/follow")
    ),
    ("GET", "/api/v1/notifications"): Entry(SIGNED_IN, "/api/v1/notifications"),
    ("POST", "/api/v1/notifications/read"): Entry(SIGNED_IN, "/api/v1/notifications/read", {}),
    ("GET", "/api/v1/notifications/settings"): Entry(SIGNED_IN, "/api/v1/notifications/settings"),
    ("PUT", "/api/v1/notifications/settings"): Entry(
        SIGNED_IN, "/api/v1/notifications/settings", {"email": True}
    ),
    ("GET", "/api/v1/experts/queue"): Entry(STAFF, "/api/v1/experts/queue"),
    ("POST", "/api/v1/questions/<int:question_id>/official"): Entry(
        STAFF, _q("/api/v1/questions/{q}/official"), _accept
    ),
    ("POST", "/api/v1/questions/<int:question_id>/claim"): Entry(STAFF, _q("/api/v1/questions/{q}/claim")),
    ("DELETE", "/api/v1/questions/<int:question_id>/claim"): Entry(STAFF, _q("/api/v1/questions/{q}/claim")),
    ("POST", "/api/v1/questions/<int:question_id>/assign"): Entry(
        MODERATORS, _q("/api/v1/questions/{q}/assign"), {"expert": "expert"}
    ),
    ("GET", "/api/v1/dashboard"): Entry(STAFF, "/api/v1/dashboard"),
    ("POST", "/api/v1/questions/<int:question_id>/followups"): Entry(
        STAFF, _q("/api/v1/questions/{q}/followups"), {"body": "What is your order number?"}
    ),
    ("GET", "/api/v1/followups/<int:followup_id>"): Entry({"owner"} | STAFF, _q("/api/v1/followups/{f}")),
    ("POST", "/api/v1/followups/<int:followup_id>/messages"): Entry(
        {"owner", "expert"}, _q("/api/v1/followups/{f}/messages"), {"body": "It is 12345."}
    ),
    ("POST", "/api/v1/followups/<int:followup_id>/resolve"): Entry(
        {"expert"}, _q("/api/v1/followups/{f}/resolve"), {"body": "Resolved: the refund is on its way."}
    ),
    ("GET", "/api/v1/suggested-edits"): Entry(MODERATORS, "/api/v1/suggested-edits"),
    ("GET", "/api/v1/suggested-edits/<int:suggestion_id>"): Entry(
        {"member"} | MODERATORS, _q("/api/v1/suggested-edits/{s}")
    ),
    ("POST", "/api/v1/suggested-edits/<int:suggestion_id>/approve"): Entry(
        MODERATORS, _q("/api/v1/suggested-edits/{s}/approve")
    ),
    ("POST", "/api/v1/suggested-edits/<int:suggestion_id>/reject"): Entry(
        MODERATORS, _q("/api/v1/suggested-edits/{s}/reject"), {"reason": "No."}
    ),
    ("GET", "/api/v1/moderation/flags"): Entry(MODERATORS, "/api/v1/moderation/flags"),
    ("GET", "/api/v1/moderation/personal-data"): Entry(MODERATORS, "/api/v1/moderation/personal-data"),
    ("POST", "/api/v1/posts/<int:post_id>/release"): Entry(MODERATORS, _q("/api/v1/posts/{h}/release")),
    ("POST", "/api/v1/posts/<int:post_id>/redact"): Entry(MODERATORS, _q("/api/v1/posts/{h}/redact")),
    ("POST", "/api/v1/comments/<int:comment_id>/release"): Entry(
        MODERATORS, _q("/api/v1/comments/{hc}/release")
    ),
    ("POST", "/api/v1/comments/<int:comment_id>/redact"): Entry(
        MODERATORS, _q("/api/v1/comments/{hc}/redact"), {"reason": "Removed a phone number."}
    ),
    ("GET", "/api/v1/moderation/log"): Entry(MODERATORS, "/api/v1/moderation/log"),
    ("POST", "/api/v1/moderation/posts/<int:post_id>"): Entry(
        MODERATORS, _q("/api/v1/moderation/posts/{fl}"), {"action": "dismiss"}
    ),
    ("POST", "/api/v1/questions/<int:question_id>/close"): Entry(
        MODERATORS, _q("/api/v1/questions/{q}/close"), {"reason": "off-topic"}
    ),
    ("POST", "/api/v1/questions/<int:question_id>/reopen"): Entry(
        MODERATORS, _q("/api/v1/questions/{q}/reopen")
    ),
    ("POST", "/api/v1/questions/<int:question_id>/lock"): Entry(MODERATORS, _q("/api/v1/questions/{q}/lock")),
    ("POST", "/api/v1/questions/<int:question_id>/unlock"): Entry(
        MODERATORS, _q("/api/v1/questions/{q}/unlock")
    ),
    ("POST", "/api/v1/questions/<int:question_id>/pin"): Entry(MODERATORS, _q("/api/v1/questions/{q}/pin")),
    ("POST", "/api/v1/questions/<int:question_id>/unpin"): Entry(
        MODERATORS, _q("/api/v1/questions/{q}/unpin")
    ),
    ("POST", "/api/v1/tags/merge"): Entry(
        MODERATORS, "/api/v1/tags/merge", {"source": "account", "target": "billing"}
    ),
    ("POST", "/api/v1/users/<int:user_id>/suspend"): Entry(
        MODERATORS, _q("/api/v1/users/{u}/suspend"), {"days": 2, "reason": "Spam."}
    ),
    ("POST", "/api/v1/users/<int:user_id>/unsuspend"): Entry(ADMINS, _q("/api/v1/users/{su}/unsuspend")),
    ("POST", "/api/v1/users/<int:user_id>/role"): Entry(
        ADMINS, _q("/api/v1/users/{u}/role"), {"role": "expert"}
    ),
    # the FAQ
    ("GET", "/faq"): Entry(EVERYONE, "/faq?q=boiler"),
    ("GET", "/faq/<int:entry_id>"): Entry(EVERYONE, _q("/faq/{e}")),
    ("GET", "/faq/<int:entry_id>/<slug>"): Entry(EVERYONE, _q("/faq/{e}/x")),
    ("GET", "/faq/<int:entry_id>/revisions"): Entry(EVERYONE, _q("/faq/{e}/revisions")),
    ("POST", "/faq/<int:entry_id>/helpful"): Entry(
        EVERYONE - {"suspended"}, _q("/faq/{e}/helpful"), {"helpful": "yes"}
    ),
    ("POST", "/faq/<int:entry_id>/report"): Entry(MODERATORS, _q("/faq/{e}/report"), {"text": "Gone."}),
    ("GET", "/faq/<int:entry_id>/edit"): Entry(MODERATORS, _q("/faq/{e}/edit")),
    ("POST", "/faq/<int:entry_id>/edit"): Entry(
        MODERATORS,
        _q("/faq/{e}/edit"),
        {"title": "How to set the boiler type now", "body": "A new body " * 5, "product_area": "Heating"},
    ),
    # members need the suggest_faq_edits privilege (granted to "member" for these routes);
    # moderators edit instead (the form sends them to the edit page)
    ("GET", "/faq/<int:entry_id>/suggest"): Entry({"member"} | MODERATORS, _q("/faq/{e}/suggest")),
    ("POST", "/faq/<int:entry_id>/suggest"): Entry(
        {"member"},
        _q("/faq/{e}/suggest"),
        {"title": "How to set the boiler type", "body": "Better body " * 5},
    ),
    ("POST", "/faq/suggestions/<int:suggestion_id>/<any(approve, reject):decision>"): Entry(
        MODERATORS, _q("/faq/suggestions/{fs}/approve")
    ),
    ("POST", "/faq/<int:entry_id>/reviewed"): Entry(MODERATORS, _q("/faq/{e}/reviewed")),
    ("POST", "/faq/<int:entry_id>/<any(retire, restore):action>"): Entry(MODERATORS, _q("/faq/{e}/retire")),
    ("POST", "/questions/<int:question_id>/faq-nomination"): Entry(
        MODERATORS, _q("/questions/{q}/faq-nomination")
    ),
    ("GET", "/faq/candidates"): Entry(MODERATORS, "/faq/candidates"),
    ("GET", "/faq/candidates/approve"): Entry(MODERATORS, _q("/faq/candidates/approve?question={q}")),
    ("POST", "/faq/candidates/approve"): Entry(
        MODERATORS,
        _q("/faq/candidates/approve?question={q}"),
        {"title": "A thermostat question answered", "body": "The answer " * 5, "product_area": "Account"},
    ),
    ("POST", "/faq/candidates/<int:question_id>/dismiss"): Entry(
        MODERATORS, _q("/faq/candidates/{q}/dismiss"), {"reason": "One-off."}
    ),
    ("GET", "/api/v1/faq"): Entry(EVERYONE, "/api/v1/faq"),
    ("GET", "/api/v1/faq/<int:entry_id>"): Entry(EVERYONE, _q("/api/v1/faq/{e}")),
    ("GET", "/api/v1/faq/candidates"): Entry(MODERATORS, "/api/v1/faq/candidates"),
    ("POST", "/api/v1/faq/candidates/approve"): Entry(
        MODERATORS, _q("/api/v1/faq/candidates/approve"), lambda thread: {"question_ids": [thread.q]}
    ),
    ("POST", "/api/v1/faq/candidates/<int:question_id>/dismiss"): Entry(
        MODERATORS, _q("/api/v1/faq/candidates/{q}/dismiss"), {"reason": "One-off."}
    ),
    ("POST", "/api/v1/faq/<int:entry_id>/sources"): Entry(
        MODERATORS, _q("/api/v1/faq/{e}/sources"), lambda thread: {"question_ids": [thread.q]}
    ),
    ("POST", "/api/v1/faq/<int:entry_id>/helpful"): Entry(
        WRITERS, _q("/api/v1/faq/{e}/helpful"), {"helpful": True}
    ),
}


def _rules(app) -> set[tuple[str, str]]:
    return {
        (method, rule.rule)
        for rule in app.url_map.iter_rules()
        if rule.endpoint != "static"
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }


def test_every_route_has_an_entry(app):
    routes = _rules(app)
    assert sorted(routes - set(MATRIX)) == [], "add these routes to MATRIX"
    assert sorted(set(MATRIX) - routes) == [], "these entries name no route"


def _refused(response) -> bool:
    if response.status_code in (401, 403, 404):
        return True
    return response.status_code in (301, 302, 303) and "/login" in (response.location or "")


@pytest.mark.parametrize("route", sorted(MATRIX), ids=lambda route: f"{route[0]} {route[1]}")
def test_each_role_is_allowed_or_refused_as_the_matrix_says(app, route, monkeypatch):
    method, _ = route
    entry = MATRIX[route]
    with monkeypatch.context() as patch:  # the world's search index can wait for the first request
        patch.setattr(outbox, "drain", lambda backend=None: 0)
        world = World()
        if "/suggest" in route[1]:
            grant(world.people["member"], 250)
        if route == ("POST", "/api/v1/tags/merge"):
            questions.ask(world.people["owner"], "A billing question to merge into", "A body " * 5, "billing")
        # reading changes nothing, so every role reads one thread; writers get one each
        requests = {}
        for role in ROLES:
            thread = world.thread(role if method != "GET" else "anonymous")
            url = entry.url(thread) if callable(entry.url) else entry.url
            body = entry.body(thread) if callable(entry.body) else entry.body
            requests[role] = (url, body)
    results = {}
    for role in ROLES:
        person = world.people[role]
        url, body = requests[role]
        client = app.test_client()
        if url.startswith("/api/"):
            headers = {"Authorization": f"Bearer {issue_token(person)}"} if person else {}
            kwargs = {"json": body} if body is not None else {}
            response = client.open(url, method=method, headers=headers, **kwargs)
        else:
            if person is not None:
                login(client, person.username)
            response = client.get(url) if method == "GET" else client.submit(url, body or {})
        assert response.status_code < 500, (role, response.get_data(as_text=True)[:300])
        results[role] = not _refused(response)
    expected = {role: role in entry.allowed for role in ROLES}
    assert results == expected
