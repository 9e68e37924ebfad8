"""Imports are serialised: a second one waits for the first, or is refused clearly
(exit code 4 on the command line, 409 on the API) — never a UniqueViolation."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from asocia import locks
from asocia.cli.main import app
from asocia.db import Database
from asocia.db.models import Cooperative
from asocia.registry.importer import import_file
from asocia.registry.taxid import rut_check_digit
from tests.conftest import Web
from tests.registry.conftest import Files, row

runner = CliRunner()


def _file(files: Files, n: int = 60) -> Path:
    ruts = [f"{70_000_000 + i}-{rut_check_digit(70_000_000 + i)}" for i in range(n)]
    return files.csv([row(rut=r, name=f"Cooperativa Serie {i}") for i, r in enumerate(ruts)])


def test_two_imports_at_once_run_one_after_the_other(db: Database, files: Files) -> None:
    path = _file(files)
    errors: list[BaseException] = []
    barrier = threading.Barrier(2)

    def run() -> None:
        barrier.wait()
        try:
            import_file(db, path)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    with db.session() as session:
        assert session.scalar(select(func.count()).select_from(Cooperative)) == 60


def test_a_second_import_is_refused_after_waiting(
    db: Database, files: Files, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _file(files, 3)
    monkeypatch.setattr(locks, "WAIT_SECONDS", 0.5)
    with locks.import_lock(db):
        with pytest.raises(locks.ImportBusy, match="another import"):
            import_file(db, path)
        import_file(db, path, dry_run=True)  # a dry run writes nothing: not serialised
        monkeypatch.setenv("ASOCIA_DATABASE_URL", db.url)
        result = runner.invoke(app, ["registry", "import", str(path)])
        assert result.exit_code == locks.EXIT_BUSY, result.output
        assert "another import" in result.output
    import_file(db, path)  # the lock is free again


def test_api_answers_409_while_another_import_runs(
    web: Web, files: Files, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(locks, "WAIT_SECONDS", 0.2)
    analyst = web.login_as("analyst")
    path = _file(files, 3)
    with locks.import_lock(web.db):
        response = analyst.post(
            "/api/v1/registry/imports",
            files={"file": ("registro.csv", path.read_bytes())},
            headers={"X-CSRF-Token": web.csrf(analyst)},
        )
    assert response.status_code == 409, response.text
    assert "another import" in response.json()["detail"]
