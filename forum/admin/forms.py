"""The role form, for the admin page and the API alike."""

from __future__ import annotations

from wtforms import SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional

from forum.forms import Form, strip
from forum.models import ROLES


class RoleForm(Form):
    """A role and, for an expert, topics."""

    role = SelectField(
        "Role",
        choices=[SelectChoice(name, name.capitalize()) for name in ROLES],
        validators=[InputRequired()],
        description="Experts answer as staff, with a badge, and work the expert queue; moderators and "
        "admins moderate; admins also manage roles.",
    )
    topics = StringField(
        "Expert topics",
        filters=[strip],
        validators=[Optional(), Length(max=400)],
        description="Tags separated by commas, e.g. billing, accounts: their questions reach this "
        "expert's queue. Experts only; other roles have none.",
    )
