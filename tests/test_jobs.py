"""Background jobs: progress reaches every web worker, on SQLite and PostgreSQL."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import closing
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from asocia import jobs
from asocia.db import Database
from asocia.db.base import utcnow
from asocia.db.models import Cooperative, Job

WAIT = 10  # seconds: a step of the job that takes longer than this is a failure


class Clock:
    """``jobs.utcnow``, moved forward by hand (the job thread reads it too)."""

    def __init__(self) -> None:
        self.offset = timedelta()

    def __call__(self) -> datetime:
        return utcnow() + self.offset


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    clock = Clock()
    monkeypatch.setattr(jobs, "utcnow", clock)
    return clock


@pytest.fixture
def other_worker(db: Database) -> Iterator[Database]:
    """The same database opened again, as another web worker (another process) would."""
    other = Database(db.url)
    yield other
    other.dispose()


def _status(database: Database, job_id: int) -> jobs.JobStatus:
    with database.session() as session:
        status = jobs.job_status(session, job_id)
    assert status is not None
    return status


def _row(database: Database, job_id: int) -> Job:
    with database.session() as session:
        job = session.scalars(select(Job).where(Job.id == job_id)).one()
    return job


def _write_lock_is_held(path: str) -> bool:
    connection = sqlite3.connect(path, timeout=0.1, isolation_level=None)
    try:
        connection.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError as exc:
        assert "locked" in str(exc)
        return True
    finally:
        connection.close()
    return False


def test_progress_reaches_another_worker_while_the_job_holds_the_write_lock(
    db: Database, other_worker: Database, clock: Clock
) -> None:
    reported, go_on = threading.Event(), threading.Event()

    def work(database: Database, job_id: int, progress: jobs.Progress) -> dict[str, Any]:
        with database.session() as session:  # one transaction, open until the job's end
            session.add(Cooperative(legal_name="Cooperativa del trabajo", name_key="trabajo"))
            session.flush()
            for step in (1, 2, 3):
                progress(step * 100, 300, f"step {step}")
                reported.set()
                assert go_on.wait(WAIT)
                go_on.clear()
        return {"steps": 3}

    side = jobs.progress_file(db.url)
    assert (side is None) == (db.dialect == "postgresql")

    def next_report() -> None:
        assert reported.wait(WAIT)
        reported.clear()

    def seen_by_the_other_worker(step: int) -> None:
        if db.dialect == "sqlite":
            assert db.engine.url.database is not None
            assert _write_lock_is_held(db.engine.url.database)
            assert side is not None and side.exists()
            assert _row(other_worker, job_id).done == 0  # the lock keeps it from the jobs table
        else:
            assert _row(other_worker, job_id).done == step * 100  # the jobs table, as always
        status = _status(other_worker, job_id)
        assert (status.status, status.done, status.total) == ("running", step * 100, 300)
        assert status.message == f"step {step}" and status.fraction == pytest.approx(step / 3)

    job_id = jobs.start_job(db, kind="test", params=None, user_id=None, work=work)
    next_report()
    seen_by_the_other_worker(1)
    go_on.set()
    next_report()
    seen_by_the_other_worker(2)
    # The third report comes twenty minutes after the job started: a job that keeps
    # reporting is still running, however long it takes.
    clock.offset = timedelta(minutes=20)
    go_on.set()
    next_report()
    seen_by_the_other_worker(3)
    if side is not None:
        # No report for longer than STALE_AFTER: its process is taken for dead.
        clock.offset += jobs.STALE_AFTER + timedelta(minutes=1)
        assert _status(other_worker, job_id).status == "failed"
        clock.offset = timedelta(minutes=20)
    go_on.set()
    for _ in range(WAIT * 20):
        status = _status(other_worker, job_id)
        if status.finished:
            break
        time.sleep(0.05)
    assert status.status == "done" and status.result == {"steps": 3}
    job = _row(other_worker, job_id)
    assert (job.status, job.result, job.done, job.total) == ("done", {"steps": 3}, 300, 300)
    assert job.message == "step 3"
    with other_worker.session() as session:
        assert session.scalar(select(Cooperative.legal_name)) == "Cooperativa del trabajo"
    if side is not None:
        # The side row goes once the final status is in the jobs table (just after it).
        for _ in range(WAIT * 20):
            with closing(sqlite3.connect(side)) as connection:
                left = connection.execute("SELECT count(*) FROM job_progress").fetchone()
            if left == (0,):
                break
            time.sleep(0.05)
        assert left == (0,)
    # A finished job is never taken for a dead one, however long ago it reported.
    clock.offset = timedelta(days=2)
    assert _status(other_worker, job_id).status == "done"


def test_a_job_that_reports_nothing_is_failed_after_a_while(db: Database, clock: Clock) -> None:
    started, finish = threading.Event(), threading.Event()

    def work(database: Database, job_id: int, progress: jobs.Progress) -> dict[str, Any]:
        started.set()
        assert finish.wait(WAIT)
        return {}

    job_id = jobs.start_job(db, kind="test", params=None, user_id=None, work=work)
    try:
        assert started.wait(WAIT)
        assert _status(db, job_id).status == "running"
        clock.offset = jobs.STALE_AFTER + timedelta(minutes=1)
        status = _status(db, job_id)
        assert status.status == "failed" and status.error
    finally:
        finish.set()


def test_a_failed_job_keeps_its_last_progress_and_says_why(db: Database) -> None:
    def work(database: Database, job_id: int, progress: jobs.Progress) -> dict[str, Any]:
        progress(40, 100, "reading")
        raise ValueError("bad row")

    with db.session() as session:
        job_id = jobs.create_job(session, kind="test", params=None, user_id=None).id
    jobs.run_job(db, job_id, work)
    status = _status(db, job_id)
    assert (status.status, status.done, status.total) == ("failed", 40, 100)
    assert status.message == "ValueError: bad row" and status.error == "ValueError: bad row"


def test_where_progress_goes(tmp_path: Path) -> None:
    assert jobs.progress_file(f"sqlite:///{tmp_path}/asocia.db") == Path(
        f"{tmp_path}/asocia.db-progress"
    )
    assert jobs.progress_file("sqlite:///./asocia.db") == Path("./asocia.db-progress")
    assert jobs.progress_file("sqlite://") is None
    assert jobs.progress_file("sqlite:///:memory:") is None
    assert jobs.progress_file("postgresql://asocia@localhost/asocia") is None


def test_a_job_ending_between_the_two_reads_is_not_taken_for_dead(
    sqlite_db: Database, clock: Clock
) -> None:
    """A reader reads ``jobs`` (running, no progress there), then the job commits its final
    status and deletes its side row, then the reader finds no side row: it must report the
    final status, not "failed" for a job it thinks stopped reporting long ago."""
    with sqlite_db.session() as session:
        job_id = jobs.create_job(session, kind="test", params=None, user_id=None).id
        job = session.get(Job, job_id)
        assert job is not None
        job.status = "running"
    clock.offset = jobs.STALE_AFTER + timedelta(minutes=5)
    with sqlite_db.session() as reader:
        seen = reader.get(Job, job_id)  # what job_status has read of ``jobs``: still running
        assert seen is not None and seen.status == "running"
        with sqlite_db.session() as job_thread:  # meanwhile the job ends
            ended = job_thread.get(Job, job_id)
            assert ended is not None
            ended.status, ended.result = "done", {"steps": 1}
        status = jobs.job_status(reader, job_id)
    assert status is not None and (status.status, status.result) == ("done", {"steps": 1})
