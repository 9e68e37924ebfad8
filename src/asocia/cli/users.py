"""``asocia users``: manage accounts."""

from __future__ import annotations

import os
import secrets
import sys

import typer

from asocia.auth import accounts
from asocia.auth.policy import Role
from asocia.cli.common import _, console, fail, open_database, print_json

app = typer.Typer(help="Create and manage user accounts and roles.", no_args_is_help=True)

ROLES_HELP = f"Role: one of {', '.join(r.value for r in Role)}."


def _read_password_stdin() -> str:
    password = sys.stdin.readline().rstrip("\r\n")
    if not password:
        fail(_("no password on standard input"))
    return password


@app.command()
def create(
    username: str = typer.Option(..., "--username", help="Login name."),
    role: str = typer.Option(..., "--role", help=ROLES_HELP),
    password_stdin: bool = typer.Option(
        False, "--password-stdin", help="Read the password from standard input (one line)."
    ),
    cooperative_id: int | None = typer.Option(
        None, "--cooperative", help="For the coop role: id of the cooperative represented."
    ),
    display_name: str | None = typer.Option(None, "--name", help="Full name shown in the app."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Create a user. Without --password-stdin a password is generated and printed once."""
    password = _read_password_stdin() if password_stdin else secrets.token_urlsafe(12)
    db = open_database()
    try:
        with db.session() as session:
            user = accounts.create_user(
                session,
                username,
                password,
                role,
                display_name=display_name,
                cooperative_id=cooperative_id,
            )
            result = {"id": user.id, "username": user.username, "role": user.role}
    except accounts.AccountError as exc:
        fail(str(exc))
    if not password_stdin:
        result["password"] = password
    if as_json:
        print_json(result)
    else:
        console.print(
            _("created user {username} ({role})").format(
                username=result["username"], role=result["role"]
            )
        )
        if not password_stdin:
            console.print(_("password: {password}").format(password=password), highlight=False)


@app.command("list")
def list_(as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """List users with their roles."""
    db = open_database()
    with db.session() as session:
        rows = [
            {
                "id": u.id,
                "username": u.username,
                "role": u.role,
                "cooperative_id": u.cooperative_id,
                "active": u.is_active,
                "last_login_at": u.last_login_at.isoformat() if u.last_login_at else None,
            }
            for u in accounts.list_users(session)
        ]
    if as_json:
        print_json(rows)
        return
    from rich.table import Table

    table = Table(_("username"), _("role"), _("cooperative"), _("last login"))
    for row in rows:
        table.add_row(
            str(row["username"]),
            str(row["role"]),
            str(row["cooperative_id"] or ""),
            str(row["last_login_at"] or ""),
        )
    console.print(table)


@app.command("set-role")
def set_role(
    username: str = typer.Argument(..., help="The user to change."),
    role: str = typer.Argument(..., help=ROLES_HELP),
    cooperative_id: int | None = typer.Option(
        None, "--cooperative", help="For the coop role: id of the cooperative represented."
    ),
) -> None:
    """Change a user's role (their open sessions are closed)."""
    db = open_database()
    try:
        with db.session() as session:
            accounts.set_role(session, username, role, cooperative_id=cooperative_id)
    except accounts.AccountError as exc:
        fail(str(exc))
    console.print(_("{username} is now {role}").format(username=username, role=role))


@app.command("set-password")
def set_password(
    username: str = typer.Argument(..., help="The user to change."),
    password_stdin: bool = typer.Option(
        False, "--password-stdin", help="Read the password from standard input (one line)."
    ),
) -> None:
    """Set a user's password (generated and printed when not given on stdin)."""
    password = _read_password_stdin() if password_stdin else secrets.token_urlsafe(12)
    db = open_database()
    try:
        with db.session() as session:
            accounts.set_password(session, username, password)
    except accounts.AccountError as exc:
        fail(str(exc))
    console.print(_("password of {username} changed").format(username=username))
    if not password_stdin:
        console.print(_("password: {password}").format(password=password), highlight=False)


@app.command("ensure-admin")
def ensure_admin() -> None:
    """Make sure an admin exists. Takes ASOCIA_ADMIN_USERNAME / ASOCIA_ADMIN_PASSWORD, or
    creates 'admin' with a generated password printed once."""
    db = open_database()
    username = os.environ.get("ASOCIA_ADMIN_USERNAME", "admin")
    given = os.environ.get("ASOCIA_ADMIN_PASSWORD")
    with db.session() as session:
        if any(u.role == Role.ADMIN.value for u in accounts.list_users(session)):
            console.print(_("an admin account exists"))
            return
        password = given or secrets.token_urlsafe(12)
        try:
            accounts.create_user(session, username, password, Role.ADMIN.value)
        except accounts.AccountError as exc:
            fail(str(exc))
    console.print(_("created admin account {username}").format(username=f"[bold]{username}[/]"))
    if not given:
        console.print(
            _("password (shown once): {password}").format(password=f"[bold]{password}[/]"),
            highlight=False,
        )
