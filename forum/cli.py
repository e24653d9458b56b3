"""Flask commands: `flask users ...`, `flask seed demo`."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup
from sqlalchemy import func, select

from forum.auth import service as accounts
from forum.errors import DomainError
from forum.extensions import db
from forum.faq.cli import faq_group
from forum.importer.cli import import_group
from forum.models import ROLES, User
from forum.search.cli import search_group
from forum.votes.cli import reputation_group

users = AppGroup("users", help="Manage accounts.")
seed = AppGroup("seed", help="Fill the database with example content.")


def _fail(error: DomainError) -> None:
    """Report a refused action as a command-line error (exit code 1)."""
    details = "; ".join(f"{name}: {', '.join(messages)}" for name, messages in error.fields.items())
    raise click.ClickException(f"{error.message} {details}".strip())


@users.command("create")
@click.argument("username")
@click.option("--email", required=True, help="The account's email address.")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@click.option("--role", type=click.Choice(ROLES), default="member", show_default=True)
def create_user(username: str, email: str, password: str, role: str) -> None:
    """Create an account."""
    try:
        user = accounts.register(username, email, password, role=role)
    except DomainError as error:
        _fail(error)
    click.echo(f"Created {user.username} ({user.role}), id {user.id}.")


@users.command("set-role")
@click.argument("username")
@click.argument("role", type=click.Choice(ROLES))
@click.option("--topics", default=None, help="An expert's topics: tag names separated by commas.")
def set_role(username: str, role: str, topics: str | None) -> None:
    """Give a user another role (and an expert their topics)."""
    from forum.experts import service as experts

    if topics is not None and role != "expert":
        raise click.UsageError("--topics is for experts only.")
    try:
        names = experts.parse_topics(topics) if topics is not None else None
        user = accounts.set_role(accounts.get_user(username), role)
        if names is not None:
            experts.set_topics(user, names)
    except DomainError as error:
        _fail(error)
    click.echo(f"{user.username} is now {user.role}.")
    if names is not None:
        click.echo(f"Topics: {', '.join(names) if names else 'none'}.")


@users.command("suspend")
@click.argument("username")
@click.option("--days", type=int, required=True, help="How long: 1 to 3650 days from now.")
@click.option("--reason", required=True, help="Why; the member reads it.")
def suspend(username: str, days: int, reason: str) -> None:
    """Suspend a member: they can read but not post until the end date."""
    from forum.moderation import suspensions

    try:
        suspension = suspensions.suspend(None, accounts.get_user(username).id, days, reason, by_cli=True)
    except DomainError as error:
        _fail(error)
    click.echo(f"{suspension.user.username} is suspended until {suspension.ends_at:%Y-%m-%d %H:%M} UTC.")


@users.command("unsuspend")
@click.argument("username")
def unsuspend(username: str) -> None:
    """Lift a member's suspension now."""
    from forum.moderation import suspensions

    try:
        user = suspensions.lift(None, accounts.get_user(username).id, by_cli=True)
    except DomainError as error:
        _fail(error)
    click.echo(f"{user.username} may post again.")


@users.command("token")
@click.argument("username")
def token(username: str) -> None:
    """Print a new API token for a user (it is shown only this once)."""
    try:
        user = accounts.get_user(username)
    except DomainError as error:
        _fail(error)
    click.echo(accounts.issue_token(user))


@seed.command("demo")
@click.option("--if-empty", is_flag=True, help="Do nothing when the database has any user.")
def seed_demo(if_empty: bool) -> None:
    """Create a demo support community and print its logins."""
    from forum.demo import DEMO_LOGINS, seed_demo_community

    if if_empty and db.session.scalar(select(func.count()).select_from(User)):
        click.echo("The database already has users; the demo community was not added.")
        return
    try:
        seed_demo_community()
    except DomainError as error:
        _fail(error)
    click.echo("Demo community created. Sign in as:")
    for username, password, role in DEMO_LOGINS:
        click.echo(f"  {role:<10} {username:<10} password: {password}")


def register_cli(app: Flask) -> None:
    """Attach the command groups to the app."""
    app.cli.add_command(users)
    app.cli.add_command(seed)
    app.cli.add_command(reputation_group)
    app.cli.add_command(import_group)
    app.cli.add_command(search_group)
    app.cli.add_command(faq_group)
