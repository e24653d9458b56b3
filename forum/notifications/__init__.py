"""Following questions, the in-app inbox, and email copies of notifications."""

from __future__ import annotations

from flask import Flask


def init_notifications(app: Flask) -> None:
    """Set up email sending after commit (the inbox itself needs nothing at start)."""
    from forum.notifications.mail import init_mail

    init_mail(app)
