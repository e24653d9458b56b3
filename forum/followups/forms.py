"""Forms of private follow-ups: a message, and the public answer that resolves one."""

from __future__ import annotations

from wtforms import TextAreaField
from wtforms.validators import DataRequired, Length

from forum.forms import Form, strip
from forum.models.followups import MESSAGE_MAX, MESSAGE_MIN
from forum.models.posts import BODY_MAX, BODY_MIN
from forum.questions.forms import renderable


class MessageForm(Form):
    """A message in a private follow-up (the first one opens it)."""

    body = TextAreaField(
        "Message",
        filters=[strip],
        validators=[DataRequired(), Length(min=MESSAGE_MIN, max=MESSAGE_MAX), renderable],
        description="Only you, the other party and moderators can read it. Markdown works.",
    )


class ResolutionForm(Form):
    """The public answer an expert writes to close a follow-up; nothing private is copied into it."""

    body = TextAreaField(
        "Public answer",
        validators=[DataRequired(), Length(min=BODY_MIN, max=BODY_MAX), renderable],
        description="Everyone can read this answer. Leave out order numbers, addresses and other "
        "account details.",
    )
