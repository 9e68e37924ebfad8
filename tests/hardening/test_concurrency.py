"""Concurrency and faults: the login rate limit holds under concurrent attempts, unknown
users cost a hash too, and on SQLite a write lock held by an import neither blocks readers
nor turns other writes into 500s."""

from __future__ import annotations

import sqlite3
import threading
import time
from datetime import timedelta

import pytest
from sqlalchemy import update

from asocia.auth import accounts
from asocia.db import Database
from asocia.db.base import utcnow
from asocia.db.models import WebSession
from asocia.web import hardening
from tests.conftest import TEST_PASSWORD, Web


def test_concurrent_wrong_passwords_check_at_most_the_limit(db: Database) -> None:
    with db.session() as session:
        accounts.create_user(session, "objetivo", TEST_PASSWORD, "field")
    limit, tries = 5, 30
    barrier = threading.Barrier(tries)
    checked: list[int] = []
    refused: list[int] = []
    errors: list[BaseException] = []

    def attempt(i: int) -> None:
        barrier.wait()
        try:
            with db.session() as session:
                result = accounts.authenticate(
                    session,
                    "objetivo",
                    f"wrong password {i}",
                    client=f"10.0.0.{i}",
                    max_failures=limit,
                    window=timedelta(minutes=15),
                )
                assert result is None
                checked.append(i)
        except accounts.TooManyAttempts:
            refused.append(i)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(tries)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    assert len(checked) <= limit, f"{len(checked)} passwords checked past a limit of {limit}"
    assert len(checked) + len(refused) == tries


def test_unknown_user_is_hashed_like_a_known_one(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The password is checked (against a dummy hash) for an unknown username too."""
    calls: list[str] = []
    real = accounts.verify_password

    def counting(password_hash: str, password: str) -> bool:
        calls.append(password_hash)
        return real(password_hash, password)

    monkeypatch.setattr(accounts, "verify_password", counting)
    with db.session() as session:
        accounts.create_user(session, "conocida", TEST_PASSWORD, "field")
    for name in ("conocida", "desconocida", "nul\x00byte"):
        with db.session() as session:
            assert (
                accounts.authenticate(
                    session,
                    name,
                    "wrong password",
                    client="1.1.1.1",
                    max_failures=50,
                    window=timedelta(minutes=15),
                )
                is None
            )
    assert len(calls) == 3
    assert calls[1] == calls[2] != calls[0]
    assert calls[1].startswith("$argon2id$")


def _hold_write_lock(path: str) -> sqlite3.Connection:
    holder = sqlite3.connect(path, timeout=0, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    holder.execute("UPDATE instance_settings SET value = value")
    return holder


@pytest.fixture
def sqlite_web(web: Web) -> Web:
    if web.db.dialect != "sqlite":
        pytest.skip("SQLite's single write lock")
    return web


def test_reads_need_no_write_lock_and_writes_answer_busy(
    sqlite_web: Web, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(hardening, "BUSY_SECONDS", 1)
    web = sqlite_web
    analyst = web.login_as("analyst")
    web.create_user("field", username="campo")
    # The session is due for its sliding-expiry refresh (a write) on the next request.
    with web.db.session() as session:
        session.execute(update(WebSession).values(last_seen_at=utcnow() - timedelta(hours=1)))
    path = web.db.engine.url.database
    assert path
    holder = _hold_write_lock(path)
    try:
        started = time.monotonic()
        page = analyst.get("/registry")
        assert page.status_code == 200, page.text
        job = analyst.get("/api/v1/me")
        assert job.status_code == 200, job.text
        assert time.monotonic() - started < 5

        client = web.new_client()
        started = time.monotonic()
        login = client.post(
            "/login",
            data={"username": "campo", "password": TEST_PASSWORD, "csrf_token": web.csrf(client)},
        )
        waited = time.monotonic() - started
        assert login.status_code == 503, login.text
        assert login.headers["retry-after"]
        assert "Ocupado" in login.text or "busy" in login.text
        assert waited < 10

        api = analyst.post(
            "/api/v1/tokens",
            json={"name": "ci"},
            headers={"X-CSRF-Token": web.csrf(analyst)},
        )
        assert api.status_code == 503, api.text
        assert "busy" in api.json()["detail"]
    finally:
        holder.rollback()
        holder.close()
    again = web.new_client()
    login = again.post(
        "/login",
        data={"username": "campo", "password": TEST_PASSWORD, "csrf_token": web.csrf(again)},
    )
    assert login.status_code == 303
