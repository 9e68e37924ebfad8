"""Every CLI error is one line on stderr with the documented exit code; never a traceback."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from asocia.cli.main import app
from asocia.db import Database

runner = CliRunner()
UNREACHABLE = "postgresql://nobody@127.0.0.1:1/none"


def leaves(group: Any, prefix: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    """Every command that runs (groups' own callbacks included when they run alone)."""
    names = group.list_commands(None) if hasattr(group, "list_commands") else []
    if not names or getattr(group, "invoke_without_command", False):
        yield prefix
    for name in names:
        yield from leaves(group.get_command(None, name), (*prefix, name))


ROOT = typer.main.get_command(app)
COMMANDS = [c for c in leaves(ROOT) if c]


def assert_one_line_error(result: Any, code: int) -> None:
    assert result.exit_code == code, (result.exit_code, result.output)
    assert isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr


@pytest.fixture
def env(sqlite_db: Database, monkeypatch: pytest.MonkeyPatch) -> Database:
    monkeypatch.setenv("ASOCIA_DATABASE_URL", sqlite_db.url)
    return sqlite_db


@pytest.mark.parametrize("command", COMMANDS, ids=[" ".join(c) for c in COMMANDS])
def test_every_command_refuses_an_unknown_option_in_one_line(command: tuple[str, ...]) -> None:
    result = runner.invoke(app, [*command, "--no-such-option"])
    assert_one_line_error(result, 2)
    assert "--no-such-option" in result.stderr


@pytest.mark.parametrize(
    "args",
    [
        ["db", "status"],
        ["users", "list"],
        ["registry", "list"],
        ["registry", "export", "--out", "x.csv"],
        ["registry", "duplicates"],
        ["demo", "--cooperatives", "100"],
        ["diagnosis", "list"],
        ["diagnosis", "demo"],
        ["stats", "summary"],
        ["stats", "refresh"],
    ],
    ids=" ".join,
)
def test_unreachable_database_is_one_line(
    args: list[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("ASOCIA_DATABASE_URL", UNREACHABLE)
    result = runner.invoke(app, args)
    assert_one_line_error(result, 2)
    assert "cannot reach the database" in result.stderr


@pytest.mark.parametrize("url", ["nonsense://x", "mysql://u@h/db", "sqlite:////no/such/dir/x.db"])
def test_unusable_database_url_is_one_line(url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ASOCIA_DATABASE_URL", url)
    assert_one_line_error(runner.invoke(app, ["users", "list"]), 2)


BAD_INPUT: list[tuple[list[str], int, str]] = [
    (["registry", "export", "--out", "/no/such/dir/x.csv"], 2, "/no/such/dir"),
    (["registry", "export", "--out", "x.csv", "--format", "doc"], 2, "doc"),
    (["registry", "import", "/no/such/file.csv"], 2, "file.csv"),
    (["registry", "import", "{tmp}/empty.csv"], 2, "empty"),
    (["registry", "import", "{tmp}/empty.csv", "--mapping", "/no/such.yaml"], 2, "such.yaml"),
    (["registry", "list", "--limit", "abc"], 2, "--limit"),
    (["registry", "list", "--limit", "0"], 2, "--limit"),
    (["registry", "show", "abc"], 2, "COOPERATIVE_ID"),
    (["registry", "show", "999999"], 2, "999999"),
    (["registry", "show"], 2, "COOPERATIVE_ID"),
    (["registry", "merge", "999998", "999999"], 2, ""),
    (["demo", "--cooperatives", "5"], 2, "--cooperatives"),
    (["demo", "--cooperatives", "2000000"], 2, "--cooperatives"),
    (["demo", "files", "--cooperatives", "5", "--out", "{tmp}/files"], 2, "--cooperatives"),
    (["stats", "summary", "-f", "nonsense"], 2, "nonsense"),
    (["stats", "summary", "-f", "planet=mars"], 2, "planet"),
    (["stats", "crosstab", "planet"], 2, "planet"),
    (["stats", "crosstab", "region", "-m", "weight"], 2, "weight"),
    (["stats", "summary", "--lang", "fr"], 2, "--lang"),
    (["stats", "export", "/dev/null/out"], 2, "/dev/null"),
    (["diagnosis", "show", "12345"], 2, "12345"),
    (["diagnosis", "report", "1", "--out", "/no/such/dir/r.pdf"], 2, "/no/such/dir"),
    (["diagnosis", "import", "/no/such/export.csv"], 2, "export.csv"),
    (["diagnosis", "import", "{tmp}/empty.csv"], 2, "empty.csv"),
    (["diagnosis", "validate", "/no/such/instrument.yaml"], 2, "instrument.yaml"),
    (["diagnosis", "portfolio", "nope"], 2, "nope"),
    (["diagnosis", "xlsform", "nope", "--out", "x.xlsx", "--cooperatives", "typed"], 2, "nope"),
    (
        [
            "diagnosis",
            "xlsform",
            "diagnostico-cooperativo",
            "--out",
            "/no/such/dir/f.xlsx",
            "--cooperatives",
            "typed",
        ],
        2,
        "/no/such/dir",
    ),
    (["users", "create", "--username", "x", "--role", "boss"], 2, "boss"),
    (["users", "set-role", "nobody", "admin"], 2, "nobody"),
    (["users", "set-password", "nobody"], 2, "nobody"),
    (["--lang", "fr", "db", "status"], 2, "--lang"),
    (["regstry", "list"], 2, "regstry"),
    (["db", "downgrade", "base"], 1, ""),
]


@pytest.mark.parametrize(
    ("args", "code", "mentions"), BAD_INPUT, ids=[" ".join(a) for a, _c, _m in BAD_INPUT]
)
def test_bad_input_is_one_line_with_its_exit_code(
    env: Database,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    args: list[str],
    code: int,
    mentions: str,
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "empty.csv").write_bytes(b"")
    result = runner.invoke(app, [a.replace("{tmp}", str(tmp_path)) for a in args], input="n\n")
    assert_one_line_error(result, code)
    assert mentions in result.stderr


def test_demo_on_a_non_empty_database_says_so(env: Database) -> None:
    first = runner.invoke(app, ["demo", "--cooperatives", "100", "--json"])
    assert first.exit_code == 0, first.output
    again = runner.invoke(app, ["demo", "--cooperatives", "200"])
    assert_one_line_error(again, 2)
    assert "already holds 100 cooperatives" in again.stderr
    quiet = runner.invoke(app, ["demo", "--cooperatives", "200", "--if-empty"])
    assert quiet.exit_code == 0 and "nothing written" in quiet.stdout


def test_an_unexpected_error_is_one_line_with_code_3(
    env: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    from asocia.auth import accounts

    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("something broke")

    monkeypatch.setattr(accounts, "list_users", broken)  # the command imports it when it runs
    result = runner.invoke(app, ["users", "list"])
    assert_one_line_error(result, 3)
    assert "RuntimeError: something broke" in result.stderr and "ASOCIA_DEBUG" in result.stderr
