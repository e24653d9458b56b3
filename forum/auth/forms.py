"""Account forms."""

from wtforms import BooleanField, EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length, Regexp

from forum.forms import Form

USERNAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]*$"
PASSWORD_MIN, PASSWORD_MAX = 8, 200


class RegisterForm(Form):
    """Create an account."""

    username = StringField(
        "Username",
        validators=[
            DataRequired(),
            Length(min=3, max=30),
            Regexp(USERNAME_PATTERN, message="Use letters, digits, '.', '_' and '-' only."),
        ],
    )
    email = EmailField("Email", validators=[DataRequired(), Length(max=254), Email()])
    password = PasswordField(
        "Password", validators=[DataRequired(), Length(min=PASSWORD_MIN, max=PASSWORD_MAX)]
    )
    confirm = PasswordField(
        "Repeat password", validators=[DataRequired(), EqualTo("password", "Passwords differ.")]
    )


class LoginForm(Form):
    """Sign in with username or email."""

    login = StringField("Username or email", validators=[DataRequired(), Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=PASSWORD_MAX)])
    remember = BooleanField("Remember me")


class TokenForm(Form):
    """Exchange a username and password for an API token."""

    username = StringField("Username", validators=[DataRequired(), Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=PASSWORD_MAX)])


class PasswordForm(Form):
    """Change one's password."""

    current_password = PasswordField(
        "Current password", validators=[DataRequired(), Length(max=PASSWORD_MAX)]
    )
    new_password = PasswordField(
        "New password", validators=[DataRequired(), Length(min=PASSWORD_MIN, max=PASSWORD_MAX)]
    )
    confirm = PasswordField(
        "Repeat new password",
        validators=[DataRequired(), EqualTo("new_password", "Passwords differ.")],
    )
