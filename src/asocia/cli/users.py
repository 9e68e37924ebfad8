"""``asocia users``: manage accounts."""

from __future__ import annotations

import os
import secrets
import sys
from typing import Any

import typer

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
    from asocia.auth import accounts

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
    from asocia.auth import accounts

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
    from asocia.auth import accounts

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
    from asocia.auth import accounts

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
    from asocia.auth import accounts

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


# -- API tokens ---------------------------------------------------------------------------------

token_app = typer.Typer(
    help="API tokens of a user (for scripts: Authorization: Bearer TOKEN).", no_args_is_help=True
)
app.add_typer(token_app, name="token")


def _user_or_fail(session: Any, username: str) -> Any:
    from asocia.auth import accounts

    user = accounts.get_user(session, username)
    if user is None:
        fail(_("no user named {username!r}").format(username=username))
    return user


@token_app.command("create")
def token_create(
    username: str = typer.Option(..., "--username", help="The user the token acts as."),
    name: str = typer.Option("cli", "--name", help="A name to recognise the token by."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Create an API token and print it once (it is stored only as a hash)."""
    from asocia.auth import accounts

    db = open_database()
    try:
        with db.session() as session:
            token = accounts.create_token(session, _user_or_fail(session, username), name)
    except accounts.AccountError as exc:
        fail(str(exc))
    if as_json:
        print_json({"id": token.id, "name": token.name, "token": token.secret})
        return
    console.print(
        _("token {id} ({name}) for {username}; shown once:").format(
            id=token.id, name=token.name, username=username
        ),
        highlight=False,
    )
    # Plain print: the secret alone on its line, never wrapped or styled, for scripts to read.
    print(token.secret)


@token_app.command("list")
def token_list(
    username: str = typer.Option(..., "--username", help="Whose tokens."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """List a user's tokens (id, name, prefix, created, last used, revoked); never the secret."""
    from asocia.auth import accounts

    db = open_database()
    with db.session() as session:
        rows = [
            {
                "id": t.id,
                "name": t.name,
                "prefix": t.prefix,
                "created_at": t.created_at.isoformat() if t.created_at else None,
                "last_used_at": t.last_used_at.isoformat() if t.last_used_at else None,
                "revoked_at": t.revoked_at.isoformat() if t.revoked_at else None,
            }
            for t in accounts.list_tokens(session, _user_or_fail(session, username).id)
        ]
    if as_json:
        print_json(rows)
        return
    from rich.table import Table

    table = Table(
        "id", _("name"), _("prefix"), _("created on"), _("last used"), _("revoked")
    )  # fmt: skip
    for row in rows:
        table.add_row(*(str(row[k] or "") for k in row))
    console.print(table)


@token_app.command("revoke")
def token_revoke(
    token_id: int = typer.Argument(..., help="The token's id (see `asocia users token list`)."),
    username: str = typer.Option(..., "--username", help="Whose token."),
) -> None:
    """Revoke a token: requests with it are refused from now on."""
    from asocia.auth import accounts

    db = open_database()
    try:
        with db.session() as session:
            accounts.revoke_token(session, _user_or_fail(session, username).id, token_id)
    except accounts.AccountError as exc:
        fail(str(exc))
    console.print(
        _("token {id} of {username} revoked").format(id=token_id, username=username),
        highlight=False,
    )
