"""The ``asocia`` command: one group per capability, registered here."""

from __future__ import annotations

import importlib

import typer

from asocia import __version__
from asocia.cli import backup, db, serve, users

app = typer.Typer(
    name="asocia",
    help="asocia: observatorio de cooperativas / cooperative observatory.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.add_typer(db.app, name="db")
app.add_typer(users.app, name="users")
app.command("serve")(serve.serve)
app.command("backup")(backup.backup)
app.command("restore")(backup.restore)

# Capability groups: each module exposes ``app`` (a Typer); a capability not built yet is skipped.
for _name in ("registry", "demo", "diagnosis", "stats"):
    try:
        _module = importlib.import_module(f"asocia.cli.{_name}")
    except ModuleNotFoundError as exc:
        if exc.name != f"asocia.cli.{_name}":
            raise
        continue
    app.add_typer(_module.app, name=_name)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"asocia {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Show the version and exit."
    ),
) -> None:
    """asocia: observatorio de cooperativas / cooperative observatory."""


def main() -> None:
    """Entry point of the ``asocia`` script."""
    app()
