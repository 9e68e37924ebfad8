"""The command line: every command documented and helpful; account commands work end to end."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from asocia.cli.main import app
from asocia.db import Database

DOCS = Path(__file__).resolve().parents[2] / "docs"
runner = CliRunner()


def commands(group: Any, prefix: str = "asocia") -> Iterator[tuple[str, Any]]:
    """Every command under ``group`` (Typer ships its own click, so this is duck-typed)."""
    yield prefix, group
    if hasattr(group, "list_commands"):  # the root loads its groups on demand
        for name in group.list_commands(None):
            yield from commands(group.get_command(None, name), f"{prefix} {name}")


ALL = list(commands(typer.main.get_command(app)))


def test_every_group_is_listed() -> None:
    paths = {p for p, _command in ALL}
    for path in ("asocia db status", "asocia users list", "asocia registry import", "asocia demo"):
        assert path in paths
    assert {"asocia diagnosis show", "asocia stats summary", "asocia serve"} <= paths


@pytest.mark.parametrize(("path", "command"), ALL, ids=[p for p, _ in ALL])
def test_every_command_has_help_and_is_documented(path: str, command: Any) -> None:
    assert (command.help or "").strip(), f"{path} has no help text"
    docs = "\n".join(p.read_text() for p in DOCS.glob("*.md"))
    assert f"`{path}" in docs or f"\n{path}" in docs or f" {path} " in docs, (
        f"{path} is not in docs/*.md"
    )
    for param in command.params:
        if type(param).__name__.endswith("Option") and not param.hidden:
            assert (param.help or "").strip(), f"{path} {param.opts[0]} has no help"
    result = runner.invoke(app, [*path.split()[1:], "--help"])
    assert result.exit_code == 0, result.output


@pytest.fixture
def env(sqlite_db: Database, monkeypatch: pytest.MonkeyPatch) -> Database:
    monkeypatch.setenv("ASOCIA_DATABASE_URL", sqlite_db.url)
    return sqlite_db


def test_users_create_list_set_role(env: Database) -> None:
    result = runner.invoke(
        app,
        ["users", "create", "--username", "ana", "--role", "analyst", "--password-stdin"],
        input="a-long-password\n",
    )
    assert result.exit_code == 0, result.output
    assert "created user ana (analyst)" in result.output
    listed = runner.invoke(app, ["users", "list", "--json"])
    assert [u["username"] for u in json.loads(listed.output)] == ["ana"]
    changed = runner.invoke(app, ["users", "set-role", "ana", "field"])
    assert changed.exit_code == 0
    assert json.loads(runner.invoke(app, ["users", "list", "--json"]).output)[0]["role"] == "field"
    bad = runner.invoke(app, ["users", "set-role", "ana", "boss"])
    assert bad.exit_code == 2
    assert "unknown role 'boss'" in bad.output


def test_users_create_generates_a_password_when_not_given(env: Database) -> None:
    result = runner.invoke(app, ["users", "create", "--username", "x", "--role", "field", "--json"])
    assert result.exit_code == 0
    data = json.loads(result.output)
    assert len(data["password"]) >= 12


def test_ensure_admin_takes_credentials_from_the_environment(
    env: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ASOCIA_ADMIN_USERNAME", "jefa")
    monkeypatch.setenv("ASOCIA_ADMIN_PASSWORD", "secret-enough-pass")
    first = runner.invoke(app, ["users", "ensure-admin"])
    assert "created admin account jefa" in first.output
    assert "secret-enough-pass" not in first.output
    second = runner.invoke(app, ["users", "ensure-admin"])
    assert "an admin account exists" in second.output


def test_db_status_and_unreachable_database(
    env: Database, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    status = json.loads(runner.invoke(app, ["db", "status", "--json"]).output)
    assert status["up_to_date"] is True
    monkeypatch.setenv("ASOCIA_DATABASE_URL", "postgresql://nobody@127.0.0.1:1/none")
    result = runner.invoke(app, ["users", "list"])
    assert result.exit_code == 2
    assert result.output.startswith("error: cannot reach the database")
    monkeypatch.setenv("ASOCIA_DATABASE_URL", f"sqlite:///{tmp_path / 'new.db'}")
    stale = runner.invoke(app, ["users", "list"])
    assert stale.exit_code == 2
    assert "run `asocia db upgrade`" in stale.output
    upgraded = runner.invoke(app, ["db", "upgrade"])
    assert upgraded.exit_code == 0 and "upgraded: empty" in upgraded.output


def test_bad_setting_is_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ASOCIA_DEFAULT_LANGUAGE", "fr")
    result = runner.invoke(app, ["db", "status"])
    assert result.exit_code == 2
    assert "ASOCIA_DEFAULT_LANGUAGE must be one of es, en" in result.output
