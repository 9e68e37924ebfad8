"""Shared fixtures: a migrated database on SQLite and PostgreSQL, and the web client.

PostgreSQL tests run when ``ASOCIA_TEST_POSTGRES_URL`` points at a server (CI always sets it):
one scratch database per test process is created, migrated, emptied between tests and dropped
at the end.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from hypothesis import settings as hypothesis_settings
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from asocia.auth import accounts, passwords
from asocia.db import Base, Database
from asocia.db.engine import normalise_url
from asocia.db.migrate import upgrade
from asocia.db.models import load_all_models
from asocia.settings import Settings
from asocia.web import create_app
from asocia.web.security import CSRF_COOKIE, csrf_token_for

load_all_models()  # every table on Base.metadata (cleanup, schema comparisons)

# Property tests: no per-example deadline (a loaded CI machine is not a failure), and a
# failing example is printed so that it can be replayed.
hypothesis_settings.register_profile("asocia", deadline=None, print_blob=True)
hypothesis_settings.load_profile("asocia")

# Cheap argon2 parameters in tests: the real ones cost ~0.1 s a hash, and tests hash a lot.
_CHEAP = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
passwords._hasher = lambda: _CHEAP  # type: ignore[assignment]

POSTGRES_URL = os.environ.get("ASOCIA_TEST_POSTGRES_URL")
SKIP_POSTGRES = "ASOCIA_TEST_POSTGRES_URL is not set: PostgreSQL tests skipped"


def _admin_url(url: str) -> str:
    return make_url(normalise_url(url)).set(database="postgres").render_as_string(False)


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """URL of a scratch PostgreSQL database, created for this test process and dropped after."""
    if not POSTGRES_URL:
        pytest.skip(SKIP_POSTGRES)
    name = f"asocia_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(_admin_url(POSTGRES_URL), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(normalise_url(POSTGRES_URL)).set(database=name).render_as_string(False)
    try:
        yield url
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file, copied for each test (faster than migrating every time)."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    db = Database(f"sqlite:///{path}")
    upgrade(db)
    with db.engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    db.dispose()
    return path


@pytest.fixture(scope="session")
def postgres_database(postgres_url: str) -> Iterator[Database]:
    db = Database(postgres_url)
    upgrade(db)
    yield db
    db.dispose()


def _empty_postgres(db: Database) -> None:
    tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    with db.engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """A migrated, empty database: each test using it runs on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        path = tmp_path / "asocia.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        database = Database(f"sqlite:///{path}")
        yield database
        database.dispose()
    else:
        database = request.getfixturevalue("postgres_database")
        _empty_postgres(database)
        yield database


@pytest.fixture
def sqlite_db(tmp_path: Path, sqlite_template: Path) -> Iterator[Database]:
    """A migrated, empty SQLite database only (for tests where the engine does not matter)."""
    path = tmp_path / "asocia.db"
    shutil.copy(sqlite_template, path)
    database = Database(f"sqlite:///{path}")
    yield database
    database.dispose()


@pytest.fixture(autouse=True)
def _uploads_in_a_temporary_folder(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Settings read from the environment (CLI, ASGI entry) keep uploads out of the checkout."""
    monkeypatch.setenv("ASOCIA_UPLOAD_DIR", str(tmp_path / "uploads"))


# --- web ---------------------------------------------------------------------------------------


TEST_PASSWORD = "correct horse battery"
ROLES = ("admin", "analyst", "field", "coop")


@dataclass
class Web:
    """An in-process web app on a test database, with helpers to act as each role."""

    db: Database
    app: Any
    client: TestClient
    _clients: list[TestClient] = field(default_factory=list)

    def new_client(self) -> TestClient:
        client = TestClient(self.app, follow_redirects=False)
        client.__enter__()
        self._clients.append(client)
        return client

    def csrf(self, client: TestClient) -> str:
        """The CSRF token ``client`` must send (fetches a page first if it has no cookie)."""
        if CSRF_COOKIE not in client.cookies:
            client.get("/login")
        return csrf_token_for(self.app.state.secret_key, client.cookies[CSRF_COOKIE])

    def create_user(
        self, role: str, *, username: str | None = None, cooperative_id: int | None = None
    ) -> str:
        username = username or f"{role}-{uuid.uuid4().hex[:6]}"
        with self.db.session() as session:
            accounts.create_user(
                session, username, TEST_PASSWORD, role, cooperative_id=cooperative_id
            )
        return username

    def login_as(self, role: str, cooperative_id: int | None = None) -> TestClient:
        """A new client logged in as a fresh user with ``role`` (``client.user_id`` is set).

        For the ``coop`` role without a cooperative id, a cooperative is created for it.
        """
        if role == "coop" and cooperative_id is None:
            cooperative_id = self.make_cooperative()
        username = self.create_user(role, cooperative_id=cooperative_id)
        client = self.new_client()
        response = client.post(
            "/login",
            data={"username": username, "password": TEST_PASSWORD, "csrf_token": self.csrf(client)},
        )
        assert response.status_code == 303, response.text
        with self.db.session() as session:
            user = accounts.get_user(session, username)
            assert user is not None
            client.user_id = user.id  # type: ignore[attr-defined]
        return client

    def make_cooperative(self, **values: Any) -> int:
        from asocia.db.models import Cooperative

        values.setdefault("legal_name", f"Cooperativa de prueba {uuid.uuid4().hex[:6]}")
        values.setdefault("name_key", values["legal_name"].lower())
        with self.db.session() as session:
            cooperative = Cooperative(**values)
            session.add(cooperative)
            session.flush()
            return cooperative.id

    def close(self) -> None:
        for client in self._clients:
            client.__exit__(None, None, None)


@pytest.fixture
def web(db: Database, tmp_path: Path) -> Iterator[Web]:
    """The web app over ``db`` (SQLite and PostgreSQL); uploads go to a temporary folder."""
    settings = Settings(database_url=db.url, secret_key="k" * 40, upload_dir=tmp_path / "uploads")
    app = create_app(settings, database=db)
    holder = Web(db=db, app=app, client=None)  # type: ignore[arg-type]
    holder.client = holder.new_client()
    yield holder
    holder.close()


# --- browser -----------------------------------------------------------------------------------

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@dataclass
class LiveServer:
    """The app served by uvicorn on a free local port, over its own SQLite database."""

    url: str
    db: Database
    web: Web
    app: Any = None
    settings: Any = None


@pytest.fixture
def live_server(sqlite_db: Database, tmp_path: Path) -> Iterator[LiveServer]:
    import socket
    import threading
    import time

    import uvicorn

    settings = Settings(
        database_url=sqlite_db.url, secret_key="s" * 40, upload_dir=tmp_path / "uploads"
    )
    app = create_app(settings, database=sqlite_db)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("the test server did not start")
        time.sleep(0.05)
    helper = Web(db=sqlite_db, app=app, client=None)  # type: ignore[arg-type]
    try:
        yield LiveServer(
            url=f"http://127.0.0.1:{port}", db=sqlite_db, web=helper, app=app, settings=settings
        )
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        helper.close()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Headless Debian Chromium driven by Playwright (its own browser download is not used)."""
    if not CHROMIUM.exists():
        pytest.skip("/usr/bin/chromium is not installed (make test installs it as root)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield instance
        instance.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(accept_downloads=True, locale="es-CL")
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture(autouse=True)
def _cli_speaks_english(monkeypatch: pytest.MonkeyPatch) -> None:
    """The capabilities' CLI tests read English messages (the source language): the locale
    says English. The CLI speaks Spanish by default; tests/cli/test_language.py checks that."""
    monkeypatch.setenv("LANGUAGE", "en")
