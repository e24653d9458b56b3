"""`flask reputation recompute`: rebuild every user's reputation from the ledger."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from forum import reputation

reputation_group = AppGroup("reputation", help="Check and rebuild reputation from the ledger.")


@reputation_group.command("recompute")
@click.option("--check", is_flag=True, help="Only report differences; exit 1 if there are any.")
def recompute(check: bool) -> None:
    """Compare every user's cached reputation with the ledger and fix the ones that differ."""
    differences = reputation.recompute(fix=not check)
    for item in differences:
        click.echo(f"{item.username} (id {item.user_id}): cached {item.cached}, ledger {item.ledger}")
    if not differences:
        click.echo("Every user's reputation matches the ledger.")
        return
    verb = "differs" if len(differences) == 1 else "differ"
    if check:
        raise click.ClickException(f"{len(differences)} user(s) {verb} from the ledger; nothing was changed.")
    click.echo(f"Fixed {len(differences)} user(s) whose cached reputation {verb} from the ledger.")
