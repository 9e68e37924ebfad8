"""``asocia users token``: a script gets a token from the command line and uses the API."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from asocia.cli.main import app
from asocia.db.session import Database
from asocia.settings import Settings
from asocia.web.app import create_app

runner = CliRunner()


@pytest.fixture
def env(sqlite_db: Database, monkeypatch: pytest.MonkeyPatch) -> Database:
    monkeypatch.setenv("ASOCIA_DATABASE_URL", sqlite_db.url)
    return sqlite_db


def test_token_create_list_revoke(env: Database) -> None:
    from fastapi.testclient import TestClient

    created = runner.invoke(app, ["users", "create", "--username", "ana", "--role", "analyst"])
    assert created.exit_code == 0, created.output
    made = runner.invoke(
        app, ["users", "token", "create", "--username", "ana", "--name", "nightly"]
    )
    assert made.exit_code == 0, made.output
    secret = made.output.strip().splitlines()[-1]
    client = TestClient(
        create_app(Settings(database_url=env.url, secret_key="k" * 40), database=env)
    )
    headers = {"Authorization": f"Bearer {secret}"}
    response = client.post(
        "/api/v1/registry/cooperatives",
        json={"legal_name": "Cooperativa Los Aromos", "tax_id": "65.000.012-9"},
        headers=headers,
    )
    assert response.status_code == 201, response.text
    listed = json.loads(runner.invoke(app, ["users", "token", "list", "--username", "ana",
                                            "--json"]).output)  # fmt: skip
    assert [(t["name"], t["revoked_at"]) for t in listed] == [("nightly", None)]
    assert secret not in json.dumps(listed)
    revoked = runner.invoke(app, ["users", "token", "revoke", str(listed[0]["id"]), "--username",
                                  "ana"])  # fmt: skip
    assert revoked.exit_code == 0, revoked.output
    again = client.get("/api/v1/registry/cooperatives", headers=headers)
    assert again.status_code == 401
    unknown = runner.invoke(app, ["users", "token", "create", "--username", "nadie"])
    assert unknown.exit_code == 2
    assert "no user named 'nadie'" in unknown.output
