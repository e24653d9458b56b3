"""Email copies of notifications, sent so that no request ever waits for a mail server.

The copies are built in the transaction that creates their notifications (the request has the
question, the post and the recipients at hand, and building needs no network), kept on the
session, and handed to a small pool of background threads after commit; a rollback drops them.
The threads get finished messages and settings, never the database or the app: a slow or
unreachable SMTP server delays nothing but its own thread, and a failure is logged, not raised.

A copy that could not be sent is not retried: the inbox holds every notification, and email is
a courtesy copy of it.
"""

from __future__ import annotations

import logging
import os
import smtplib
import ssl
import threading
from collections.abc import Iterable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr

from flask import Flask, current_app, has_app_context, has_request_context, render_template, url_for
from sqlalchemy import event, or_, select
from sqlalchemy.orm import Session, SessionTransaction

from forum.extensions import db
from forum.models import Comment, Post, Question, User
from forum.models.notifications import NotificationSetting
from forum.notifications.wording import anchor, headline

log = logging.getLogger(__name__)

PENDING = "notification_mail"
EXTENSION = "notification_mail"
# seconds to wait for the mail server before giving up on a batch
SMTP_TIMEOUT = 30
# sending threads per process: enough for bursts, few enough to spare a small mail server
WORKERS = 2
# how much of a post or comment an email quotes
EXCERPT_LENGTH = 600


@dataclass(frozen=True)
class MailSettings:
    """Where and how to send, read from the app's MAIL_* settings."""

    server: str
    port: int
    username: str | None
    password: str | None
    use_tls: bool
    sender: str

    @classmethod
    def from_config(cls, config) -> MailSettings | None:
        """The settings, or None when MAIL_SERVER is not set (no email at all)."""
        if not config.get("MAIL_SERVER"):
            return None
        return cls(
            server=config["MAIL_SERVER"],
            port=int(config.get("MAIL_PORT") or 25),
            username=config.get("MAIL_USERNAME"),
            password=config.get("MAIL_PASSWORD"),
            use_tls=bool(config.get("MAIL_USE_TLS")),
            sender=config.get("MAIL_FROM") or "forum@localhost",
        )


def is_configured() -> bool:
    """Whether email is switched on (MAIL_SERVER is set)."""
    return bool(current_app.config.get("MAIL_SERVER"))


def can_receive(address: str | None) -> bool:
    """Whether an address can get mail; imported accounts have reserved `.invalid` placeholders."""
    return bool(address) and "@" in address and not address.lower().rstrip(".").endswith(".invalid")


# Building the copies (in the request, inside the transaction)


def _one_line(text: str | None, limit: int = 200) -> str:
    """Header-safe text: whitespace (newlines too) collapsed, cut to `limit` characters."""
    return " ".join((text or "").split())[:limit]


def _excerpt(text: str | None) -> str:
    """The start of a post or comment, as written (Markdown reads well as plain text)."""
    text = (text or "").strip()
    return text if len(text) <= EXCERPT_LENGTH else text[:EXCERPT_LENGTH].rstrip() + " …"


def _absolute_url(endpoint: str, **values) -> str | None:
    """A full URL for the email, or None where none can be built (a CLI run without SERVER_NAME)."""
    if not has_request_context() and not current_app.config.get("SERVER_NAME"):
        return None
    return url_for(endpoint, _external=True, **values)


def _addressees(recipient_ids: list[int]) -> list[User]:
    """The recipients who can and want to get email, in one query."""
    wanted = or_(NotificationSetting.email.is_(None), NotificationSetting.email.is_(True))
    users = db.session.scalars(
        select(User)
        .outerjoin(NotificationSetting, NotificationSetting.user_id == User.id)
        .where(User.id.in_(recipient_ids), wanted)
        .order_by(User.id)
    )
    return [user for user in users if can_receive(user.email)]


def queue_copies(
    kind: str,
    recipient_ids: list[int],
    *,
    question: Question,
    post: Post,
    actor: User | None,
    comment: Comment | None = None,
    note: str | None = None,
) -> int:
    """Build email copies of a notification and keep them until the transaction ends."""
    config = current_app.config
    sender = config.get("MAIL_FROM") or "forum@localhost"
    question_url = _absolute_url(
        "questions.show",
        question_id=question.id,
        slug=question.slug,
        _anchor=anchor(post, comment.id if comment is not None else None),
    )
    inbox_url = _absolute_url("notifications.inbox")
    excerpt = ""
    if comment is not None:
        excerpt = _excerpt(comment.body)
    elif kind in ("answer", "assigned"):
        excerpt = _excerpt(post.body)
    messages = []
    for user in _addressees(recipient_ids):
        summary = headline(kind, user.id, question=question, post=post, actor=actor, note=note)
        try:
            message = _message(sender, user, summary, question.title)
        except (ValueError, TypeError, IndexError):  # an address the email package cannot write
            log.warning("No notification email for user %s: unusable address.", user.id, exc_info=True)
            continue
        message.set_content(
            render_template(
                "notifications/email.txt",
                user=user,
                summary=summary,
                question=question,
                excerpt=excerpt,
                question_url=question_url,
                inbox_url=inbox_url,
            )
        )
        messages.append(message)
    if messages:
        db.session.info.setdefault(PENDING, []).extend(messages)
    return len(messages)


def _message(sender: str, user: User, summary: str, title: str | None) -> EmailMessage:
    """A message with its headers; the caller sets the text."""
    message = EmailMessage()
    message["Subject"] = _one_line(f"{summary}: {title}", 250)
    message["From"] = sender
    message["To"] = Address(display_name=_one_line(user.username, 60), addr_spec=user.email)
    message["Date"] = formatdate(usegmt=True)
    message["Message-ID"] = make_msgid(domain=_domain(sender))
    # RFC 3834: automatic mail, so vacation responders do not answer it
    message["Auto-Submitted"] = "auto-generated"
    return message


def _domain(sender: str) -> str:
    """The domain of the sender's address, for Message-IDs."""
    address = parseaddr(sender)[1]
    return address.rpartition("@")[2] or "localhost"


# Sending (on background threads, after commit)


def deliver(settings: MailSettings, messages: Iterable[EmailMessage]) -> int:
    """Send messages over one SMTP connection; returns how many the server took. Never raises."""
    messages = list(messages)
    sent = 0
    try:
        with smtplib.SMTP(settings.server, settings.port, timeout=SMTP_TIMEOUT) as connection:
            if settings.use_tls:
                connection.starttls(context=ssl.create_default_context())
            if settings.username:
                connection.login(settings.username, settings.password or "")
            for message in messages:
                try:
                    connection.send_message(message)
                except (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused, smtplib.SMTPDataError):
                    log.warning("The mail server refused a notification to %s.", message["To"], exc_info=True)
                else:
                    sent += 1
    except Exception:  # noqa: BLE001 - a background thread: log everything, raise nothing
        log.warning(
            "Notification email not sent (%d of %d sent) via %s:%d.",
            sent,
            len(messages),
            settings.server,
            settings.port,
            exc_info=True,
        )
    return sent


class Mailer:
    """A pool of sending threads, started on first use in each process (gunicorn forks workers)."""

    def __init__(self, workers: int = WORKERS) -> None:
        self.workers = workers
        self._executor: ThreadPoolExecutor | None = None
        self._pid: int | None = None
        self._lock = threading.Lock()
        self._pending: set[Future] = set()

    def _pool(self) -> ThreadPoolExecutor:
        with self._lock:
            if self._executor is None or self._pid != os.getpid():  # threads do not survive a fork
                self._executor = ThreadPoolExecutor(self.workers, thread_name_prefix="notification-mail")
                self._pid = os.getpid()
                self._pending = set()
            return self._executor

    def submit(self, settings: MailSettings, messages: list[EmailMessage]) -> Future:
        """Queue messages for sending; returns at once."""
        future = self._pool().submit(deliver, settings, messages)
        with self._lock:
            self._pending.add(future)
        future.add_done_callback(self._done)
        return future

    def _done(self, future: Future) -> None:
        with self._lock:
            self._pending.discard(future)

    def flush(self, timeout: float | None = None) -> bool:
        """Wait until everything queued so far is sent (or failed); False if time ran out."""
        with self._lock:
            pending = set(self._pending)
        return not wait(pending, timeout).not_done


def mailer(app: Flask | None = None) -> Mailer:
    """The app's mailer."""
    return (app or current_app).extensions[EXTENSION]


def _send_after_commit(session: Session) -> None:
    """Hand the committed transaction's copies to the sending threads.

    after_commit, not before: a rolled-back answer must never be emailed about. Releasing a
    savepoint fires after_commit too, with the outer transaction still open: wait for it.
    """
    if session.in_nested_transaction():
        return
    messages = session.info.pop(PENDING, None)
    if not messages or not has_app_context():
        return
    settings = MailSettings.from_config(current_app.config)
    if settings is not None:
        mailer().submit(settings, messages)


def _drop_after_rollback(session: Session, transaction: SessionTransaction) -> None:
    """A transaction that ended without commit takes its copies with it (savepoints aside)."""
    if transaction.parent is None:
        session.info.pop(PENDING, None)


def init_mail(app: Flask) -> None:
    """Give the app its mailer and hook sending to the session (once per process)."""
    app.extensions[EXTENSION] = Mailer()
    if not event.contains(db.session, "after_commit", _send_after_commit):
        event.listen(db.session, "after_commit", _send_after_commit)
        event.listen(db.session, "after_transaction_end", _drop_after_rollback)
