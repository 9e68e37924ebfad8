"""``asocia db``: create and upgrade the database schema."""

from __future__ import annotations

import typer

from asocia.cli.common import _, console, open_database, print_json

app = typer.Typer(help="Create, upgrade and inspect the database schema.", no_args_is_help=True)


@app.command()
def upgrade(
    revision: str = typer.Argument("head", help="Target revision (default: the newest)."),
) -> None:
    """Create the database or bring its schema up to date (safe to run at every start)."""
    from asocia.db import migrate  # Alembic: only in the commands that use it

    db = open_database(check_schema=False)
    before = migrate.current_revision(db)
    migrate.upgrade(db, revision)
    after = migrate.current_revision(db)
    if before == after:
        console.print(
            _("database {url} already at {revision}").format(url=db.safe_url, revision=after)
        )
    else:
        console.print(
            _("database {url} upgraded: {before} → {after}").format(
                url=db.safe_url, before=before or _("empty"), after=after
            )
        )


@app.command()
def downgrade(
    revision: str = typer.Argument(..., help="Target revision, or 'base' to remove everything."),
    yes: bool = typer.Option(False, "--yes", help="Do not ask for confirmation."),
) -> None:
    """Take the schema back to an earlier revision (drops the data of newer tables)."""
    from asocia.db import migrate  # Alembic: only in the commands that use it

    db = open_database(check_schema=False)
    if not yes:
        typer.confirm(
            _("Downgrade {url} to {revision}? Data may be lost").format(
                url=db.safe_url, revision=revision
            ),
            abort=True,
        )
    migrate.downgrade(db, revision)
    now = migrate.current_revision(db) or "base"
    console.print(_("database {url} now at {revision}").format(url=db.safe_url, revision=now))


@app.command()
def status(as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """Show the database URL, its schema revision and the revision this code needs."""
    db = open_database(check_schema=False)
    current, head = db.revisions()  # without Alembic when the history is a plain chain
    info = {"url": db.safe_url, "current": current, "head": head, "up_to_date": current == head}
    if as_json:
        print_json(info)
    else:
        state = _("up to date") if current == head else _("run `asocia db upgrade`")
        console.print(
            _("{url}: {current} (code needs {head}; {state})").format(
                url=db.safe_url, current=current or _("empty"), head=head, state=state
            )
        )
