"""Background jobs whose state lives in the database.

A job runs in a thread of the process that started it and writes its progress and result
where every web worker can read them, so any worker can show it and the person can leave and
come back. Its status and result go to the ``jobs`` table. Its progress goes there too on
PostgreSQL, but not on a SQLite file: SQLite lets one connection write at a time, and a job
that writes to the database (an import) holds that lock until its transaction commits, so
its progress could only be written at the end. There, progress goes to a small side database
next to the main file, :func:`progress_file` (``asocia.db-progress`` for ``asocia.db``): one
table, ``job_progress``, in WAL mode, written in autocommit by the job's thread and laid over
the job's row by :func:`job_status` while the job runs. When the job ends, its last progress,
status and result go to the ``jobs`` table (the lock is free by then) and its side row is
deleted. An in-memory SQLite database has no file to put a side database next to: its jobs
write their progress to the ``jobs`` table, as on PostgreSQL.

A queued or running job whose process most likely died is reported as failed by
:func:`job_status`: on a SQLite file, when it has reported no progress for
:data:`STALE_AFTER` (the side row keeps the time of the latest report); in the ``jobs`` table,
which keeps no such time, when it has reported no progress at all :data:`STALE_AFTER` after
it started.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import traceback
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import update
from sqlalchemy.engine import URL, make_url
from sqlalchemy.orm import Session

from asocia.db.base import utcnow
from asocia.db.models import Job
from asocia.db.session import Database

log = logging.getLogger(__name__)

STALE_AFTER = timedelta(minutes=10)

PROGRESS_SUFFIX = "-progress"
"""The side database of ``asocia.db`` is ``asocia.db-progress`` (with its ``-wal`` and ``-shm``)."""

# A side row older than this belongs to a job whose process died long ago (its job is shown
# as failed from the jobs table alone); rows that old are deleted when a job ends.
_FORGET_AFTER = timedelta(days=1)

_BUSY_TIMEOUT_SECONDS = 10.0

Progress = Callable[[int, int | None, str | None], None]
Work = Callable[[Database, int, Progress], dict[str, Any]]


@dataclass(frozen=True)
class JobStatus:
    """What a person sees of a job."""

    id: int
    kind: str
    status: str  # queued, running, done, failed
    done: int
    total: int | None
    message: str | None
    result: dict[str, Any] | None
    error: str | None
    created_by_id: int | None
    created_at: datetime
    finished_at: datetime | None

    @property
    def fraction(self) -> float | None:
        """Progress in [0, 1], when the total is known."""
        if not self.total:
            return 1.0 if self.status == "done" else None
        return min(1.0, self.done / self.total)

    @property
    def finished(self) -> bool:
        return self.status in ("done", "failed")

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "status": self.status,
            "done": self.done,
            "total": self.total,
            "fraction": self.fraction,
            "message": self.message,
            "result": self.result,
            "error": self.error,
            "created_at": self.created_at.isoformat(),
            "finished_at": self.finished_at.isoformat() if self.finished_at else None,
        }


def create_job(
    session: Session, *, kind: str, params: dict[str, Any] | None, user_id: int | None
) -> Job:
    """Store a queued job (without running it)."""
    job = Job(kind=kind, params=params, created_by_id=user_id, status="queued")
    session.add(job)
    session.flush()
    return job


def run_job(database: Database, job_id: int, work: Work) -> None:
    """Run ``work`` for job ``job_id`` in this thread, recording progress, result or error."""
    side = progress_file(database.engine.url)
    # The latest progress, written again with the final status (on SQLite it was only in
    # the side database until then).
    reported: dict[str, Any] = {}

    def set_fields(**values: Any) -> None:
        with database.session() as session:
            session.execute(update(Job).where(Job.id == job_id).values(**values))

    def progress(done: int, total: int | None, message: str | None = None) -> None:
        values: dict[str, Any] = {"done": done}
        if total is not None:
            values["total"] = total
        if message is not None:
            values["message"] = message
        reported.update(values)
        if side is None:
            set_fields(**values)
        else:
            _write_progress(side, job_id, reported)

    set_fields(status="running", started_at=utcnow())
    try:
        result = work(database, job_id, progress)
    except Exception as exc:  # the job records any failure; the thread must not die silently
        log.exception("job %s failed", job_id)
        failed = {
            "status": "failed",
            "error": f"{type(exc).__name__}: {exc}",
            "message": traceback.format_exception_only(exc)[-1].strip(),
            "finished_at": utcnow(),
        }
        set_fields(**(reported | failed))
    else:
        set_fields(**reported, status="done", result=result, finished_at=utcnow())
    if side is not None:
        _forget_progress(side, job_id)


def start_job(
    database: Database,
    *,
    kind: str,
    params: dict[str, Any] | None,
    user_id: int | None,
    work: Work,
) -> int:
    """Create a job and run ``work`` in a background thread; returns the job id."""
    with database.session() as session:
        job_id = create_job(session, kind=kind, params=params, user_id=user_id).id
    thread = threading.Thread(
        target=run_job, args=(database, job_id, work), name=f"asocia-job-{job_id}", daemon=True
    )
    thread.start()
    return job_id


def job_status(session: Session, job_id: int) -> JobStatus | None:
    """The status of a job, or None if there is no such job."""
    job = session.get(Job, job_id)
    if job is None:
        return None
    done, total, message = job.done, job.total, job.message
    status, error = job.status, job.error
    if status in ("queued", "running"):
        side = progress_file(session.get_bind().engine.url)
        latest = _read_progress(side, job_id) if side is not None else None
        if latest is not None:
            done, total, message = latest.done, latest.total, latest.message
            alive_at = latest.at
        elif side is not None and (fresh := _finished_since(session, job_id)) is not None:
            # The job ended between our read of ``jobs`` and of the side row (which it deletes
            # once its final status is committed): that final status, not a stale "running".
            return fresh
        elif done == 0:
            alive_at = job.started_at or job.created_at
        else:
            alive_at = None  # it reported progress to the jobs table, which keeps no time of it
        if alive_at is not None and utcnow() - alive_at > STALE_AFTER:
            status, error = "failed", error or "the process running this job stopped"
    return JobStatus(
        id=job.id,
        kind=job.kind,
        status=status,
        done=done,
        total=total,
        message=message,
        result=job.result,
        error=error,
        created_by_id=job.created_by_id,
        created_at=job.created_at,
        finished_at=job.finished_at,
    )


def _finished_since(session: Session, job_id: int) -> JobStatus | None:
    """The job's status read afresh (a new connection, so a new snapshot), if it has ended."""
    engine = session.get_bind().engine
    with Session(engine) as fresh:
        job = fresh.get(Job, job_id)
        if job is None or job.status in ("queued", "running"):
            return None
        return job_status(fresh, job_id)


# --- the side database of a SQLite file -------------------------------------------------------


def progress_file(url: URL | str) -> Path | None:
    """Where running jobs of the database at ``url`` write their progress, if not in ``jobs``.

    ``asocia.db-progress`` next to a SQLite file ``asocia.db``; None for PostgreSQL and for an
    in-memory SQLite database (their jobs write progress to the ``jobs`` table).
    """
    url = make_url(url)
    if url.get_backend_name() != "sqlite":
        return None
    name = url.database
    if not name or name == ":memory:" or url.query.get("mode") == "memory":
        return None
    return Path(name + PROGRESS_SUFFIX)


@dataclass(frozen=True)
class _Reported:
    done: int
    total: int | None
    message: str | None
    at: datetime


@contextmanager
def _side_database(path: Path) -> Iterator[sqlite3.Connection]:
    # isolation_level=None: autocommit, each statement is its own short write.
    with closing(
        sqlite3.connect(path, timeout=_BUSY_TIMEOUT_SECONDS, isolation_level=None)
    ) as connection:
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("PRAGMA synchronous=NORMAL")  # progress may be lost in a crash
        connection.execute(
            "CREATE TABLE IF NOT EXISTS job_progress (job_id INTEGER PRIMARY KEY,"
            " done INTEGER NOT NULL, total INTEGER, message TEXT, updated_at TEXT NOT NULL)"
        )
        yield connection


def _write_progress(path: Path, job_id: int, reported: dict[str, Any]) -> None:
    try:
        with _side_database(path) as side:
            side.execute(
                "INSERT OR REPLACE INTO job_progress VALUES (?, ?, ?, ?, ?)",
                (
                    job_id,
                    reported["done"],
                    reported.get("total"),
                    reported.get("message"),
                    utcnow().isoformat(timespec="microseconds"),
                ),
            )
    except sqlite3.Error:
        # A progress bar that stops is better than an import that fails for it.
        log.warning("job %s: cannot write its progress to %s", job_id, path, exc_info=True)


def _read_progress(path: Path, job_id: int) -> _Reported | None:
    if not path.exists():  # no job has reported progress yet: do not create the file
        return None
    try:
        with _side_database(path) as side:
            row = side.execute(
                "SELECT done, total, message, updated_at FROM job_progress WHERE job_id = ?",
                (job_id,),
            ).fetchone()
    except sqlite3.Error:
        log.warning("job %s: cannot read its progress from %s", job_id, path, exc_info=True)
        return None
    if row is None:
        return None
    done, total, message, updated_at = row
    return _Reported(done, total, message, datetime.fromisoformat(updated_at))


def _forget_progress(path: Path, job_id: int) -> None:
    try:
        with _side_database(path) as side:
            side.execute(
                "DELETE FROM job_progress WHERE job_id = ? OR updated_at < ?",
                (job_id, (utcnow() - _FORGET_AFTER).isoformat(timespec="microseconds")),
            )
    except sqlite3.Error:
        log.warning("job %s: cannot delete its progress from %s", job_id, path, exc_info=True)
