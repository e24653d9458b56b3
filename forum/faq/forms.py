"""Forms for FAQ entries, suggested edits, reports and dismissals."""

from __future__ import annotations

from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from forum.forms import Form, strip
from forum.models.faq import FAQ_BODY_MAX, FAQ_BODY_MIN, FAQ_TITLE_MAX, FAQ_TITLE_MIN, PRODUCT_AREA_MAX
from forum.questions.forms import renderable


def _title() -> StringField:
    return StringField(
        "Title", filters=[strip], validators=[DataRequired(), Length(min=FAQ_TITLE_MIN, max=FAQ_TITLE_MAX)]
    )


def _body() -> TextAreaField:
    return TextAreaField(
        "Answer",
        validators=[DataRequired(), Length(min=FAQ_BODY_MIN, max=FAQ_BODY_MAX), renderable],
        description="Markdown. Keep the credit line under each part drawn from an answer.",
    )


def _summary() -> StringField:
    return StringField("Edit summary", filters=[strip], validators=[Optional(), Length(max=300)])


class EntryForm(Form):
    """Approve a candidate into an entry, or edit an entry."""

    title = _title()
    body = _body()
    tag = StringField(
        "Category (tag)",
        filters=[strip],
        validators=[Optional(), Length(max=35)],
        description="The tag the FAQ groups this entry under; leave empty for General.",
    )
    product_area = StringField(
        "Product area",
        filters=[strip],
        validators=[DataRequired(), Length(max=PRODUCT_AREA_MAX)],
        description="What the entry covers, e.g. 'Halcyon app, iOS' or 'Billing'.",
    )
    summary = _summary()


class SuggestForm(Form):
    """A member's suggested edit to an entry."""

    title = _title()
    body = _body()
    summary = _summary()


class ReportForm(Form):
    """ "This no longer works", with an optional note."""

    text = TextAreaField("What no longer works? (optional)", filters=[strip], validators=[Length(max=500)])


class DismissForm(Form):
    """Why a candidate is dismissed."""

    reason = StringField("Reason", filters=[strip], validators=[DataRequired(), Length(max=300)])
