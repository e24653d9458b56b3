"""Register, sign in, sign out, change password."""

from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user

from forum import ratelimits
from forum.auth import service
from forum.auth.forms import LoginForm, PasswordForm, RegisterForm
from forum.errors import RuleViolation

bp = Blueprint("auth", __name__)


def _safe_next(default: str) -> str:
    """The `next` parameter when it is a path on this site, else the default."""
    target = request.args.get("next", "")
    parts = urlsplit(target)
    if target.startswith("/") and not target.startswith("//") and not parts.netloc and not parts.scheme:
        return target
    return default


@bp.route("/register", methods=["GET", "POST"])
def register():
    """Create an account and sign in."""
    if current_user.is_authenticated:
        return redirect(url_for("questions.index"))
    form = RegisterForm()
    if form.validate_on_submit():
        try:
            user = service.register(form.username.data, form.email.data, form.password.data)
        except RuleViolation as error:
            form.add_errors(error.fields)
        else:
            login_user(user)
            flash(f"Welcome, {user.username}! Your account is ready.", "success")
            return redirect(_safe_next(url_for("questions.index")))
    status = 400 if form.is_submitted() else 200
    return render_template("auth/register.html", form=form), status


@bp.route("/login", methods=["GET", "POST"])
@ratelimits.sign_in_limits(methods=["POST"])
def login():
    """Sign in with username or email."""
    if current_user.is_authenticated:
        return redirect(url_for("questions.index"))
    form = LoginForm()
    if form.validate_on_submit():
        user = service.authenticate(form.login.data, form.password.data)
        if user is not None:
            login_user(user, remember=form.remember.data)
            flash(f"Signed in as {user.username}.", "success")
            return redirect(_safe_next(url_for("questions.index")))
        form.password.errors = ["Wrong username or password."]
    status = 400 if form.is_submitted() else 200
    return render_template("auth/login.html", form=form), status


@bp.post("/logout")
def logout():
    """Sign out (a POST, so another site cannot sign a visitor out)."""
    logout_user()
    flash("Signed out.", "info")
    return redirect(url_for("questions.index"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    """Change one's password; other sessions end."""
    form = PasswordForm()
    if form.validate_on_submit():
        try:
            service.change_password(current_user, form.current_password.data, form.new_password.data)
        except RuleViolation as error:
            form.add_errors(error.fields)
        else:
            login_user(current_user._get_current_object())
            flash("Password changed. Other sessions have been signed out.", "success")
            return redirect(url_for("users.show", user_id=current_user.id))
    status = 400 if form.is_submitted() else 200
    return render_template("auth/password.html", form=form), status
