"""Forms for asking, answering, commenting and editing."""

from __future__ import annotations

from wtforms import BooleanField, Field, HiddenField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError
from wtforms.widgets import TextInput

from forum import markup
from forum.forms import Form, strip
from forum.models.posts import BODY_MAX, BODY_MIN, COMMENT_MAX, COMMENT_MIN, TITLE_MAX, TITLE_MIN
from forum.questions.tags import parse_tags, tag_errors


def renderable(form, field) -> None:
    """Validator: the Markdown can be rendered safely."""
    if field.data and len(field.data) <= BODY_MAX:  # longer text already has its error
        try:
            markup.check(field.data)
        except markup.MarkupError as error:
            raise ValidationError(str(error)) from error


class TagsField(Field):
    """Tags typed as one string ("billing wifi") or sent as a list; data is the parsed names."""

    widget = TextInput()

    def __init__(self, label=None, validators=None, required: bool = True, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.required = required
        self.raw = ""

    def process_formdata(self, valuelist: list[str]) -> None:
        """One value is a typed string; several values are one tag each."""
        if valuelist:
            self.raw = valuelist[0] if len(valuelist) == 1 else " ".join(valuelist[:10])
            self.data = parse_tags(valuelist[0] if len(valuelist) == 1 else valuelist)

    def _value(self) -> str:
        return self.raw[:500] if self.raw else " ".join(self.data or [])

    def pre_validate(self, form) -> None:
        if self.data is None and not self.required:
            return
        errors = tag_errors(self.data or [])
        if errors:
            raise ValidationError(errors[0])


def _title_field() -> StringField:
    return StringField(
        "Title",
        filters=[strip],
        validators=[DataRequired(), Length(min=TITLE_MIN, max=TITLE_MAX)],
        description="Say what you need in one sentence, e.g. 'Why was I charged twice in May?'",
    )


def _body_field(label: str = "Body") -> TextAreaField:
    return TextAreaField(
        label,
        validators=[DataRequired(), Length(min=BODY_MIN, max=BODY_MAX), renderable],
        description="Markdown: **bold**, `code`, ``` fenced blocks, lists, tables, links.",
    )


def _confirm_field() -> BooleanField:
    """The author saw the personal data warning and publishes anyway, held for a moderator."""
    return BooleanField("Post it anyway; a moderator reviews it before anyone else sees it")


class AskForm(Form):
    """Ask a question."""

    title = _title_field()
    body = _body_field("Details")
    tags = TagsField("Tags", description="One to five, separated by spaces, e.g. 'billing refunds'.")
    # "1" once the asker has seen the similar questions (the no-JS check step, or ask.js)
    checked_similar = HiddenField()
    # ties the suggestions this visit opened to whether it posted (forum.search.deflection)
    ask_token = HiddenField()
    confirm_personal_data = _confirm_field()


class AnswerForm(Form):
    """Answer a question."""

    body = _body_field("Your answer")
    confirm_personal_data = _confirm_field()


class CommentForm(Form):
    """Comment on a post."""

    body = TextAreaField(
        "Comment",
        filters=[strip],
        validators=[DataRequired(), Length(min=COMMENT_MIN, max=COMMENT_MAX), renderable],
    )
    confirm_personal_data = _confirm_field()


class EditForm(Form):
    """Edit a post; title and tags apply to questions only."""

    title = StringField(
        "Title", filters=[strip], validators=[Optional(), Length(min=TITLE_MIN, max=TITLE_MAX)]
    )
    body = _body_field()
    tags = TagsField("Tags", required=False)
    summary = StringField(
        "Edit summary",
        filters=[strip],
        validators=[Optional(), Length(max=300)],
        description="What did you change, and why?",
    )
    confirm_personal_data = _confirm_field()
