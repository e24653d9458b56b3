"""Admin pages: the list of accounts, and one account's role and topics."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from forum.admin import service
from forum.admin.forms import RoleForm
from forum.errors import RuleViolation
from forum.experts import service as experts
from forum.models import ROLES
from forum.pagination import paginate
from forum.users import service as users

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.get("/users")
@login_required
def people():
    """Every account, staff first, with a name search and a role filter."""
    search, role = request.args.get("q", ""), request.args.get("role", "")
    page = paginate(service.people(current_user, search, role))
    return render_template("admin/users.html", page=page, search=search, role=role, roles=ROLES)


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@login_required
def person(user_id: int):
    """Change one account's role and, for an expert, their topics."""
    service.people(current_user)  # admins only, before anything about the account shows
    user = users.get_user(user_id)
    form = RoleForm(data=None if request.method == "POST" else {"role": user.role})
    if request.method == "GET":
        form.topics.data = ", ".join(experts.topics(user))
    if form.validate_on_submit():
        try:
            service.set_role(current_user, user_id, form.role.data, form.topics.data or "")
        except RuleViolation as error:
            form.add_errors(error.fields or {"role": [error.message]})
        else:
            flash(f"{user.username} is now {user.role}.", "success")
            return redirect(url_for("admin.person", user_id=user_id))
    return render_template("admin/user.html", user=user, form=form), 400 if form.is_submitted() else 200
