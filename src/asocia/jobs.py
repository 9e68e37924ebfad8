"""Background jobs whose state lives in the database.

A job runs in a thread of the process that started it, and writes its progress and result to
the ``jobs`` table, so any web worker can show it and the person can leave and come back.
A job that has reported no progress :data:`STALE_AFTER` after it started (its process most
likely died) is reported as failed by :func:`job_status`.
"""

from __future__ import annotations

import logging
import threading
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import update
from sqlalchemy.orm import Session

from asocia.db.base import utcnow
from asocia.db.models import Job
from asocia.db.session import Database

log = logging.getLogger(__name__)

STALE_AFTER = timedelta(minutes=10)

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

    def set_fields(**values: Any) -> None:
        with database.session() as session:
            session.execute(update(Job).where(Job.id == job_id).values(**values))

    def progress(done: int, total: int | None, message: str | None = None) -> None:
        values: dict[str, Any] = {"done": done}
        if total is not None:
            values["total"] = total
        if message is not None:
            values["message"] = message
        set_fields(**values)

    set_fields(status="running", started_at=utcnow())
    try:
        result = work(database, job_id, progress)
    except Exception as exc:  # the job records any failure; the thread must not die silently
        log.exception("job %s failed", job_id)
        set_fields(
            status="failed",
            error=f"{type(exc).__name__}: {exc}",
            message=traceback.format_exception_only(exc)[-1].strip(),
            finished_at=utcnow(),
        )
        return
    set_fields(status="done", result=result, finished_at=utcnow())


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
    status, error = job.status, job.error
    last = job.started_at or job.created_at
    if status in ("queued", "running") and utcnow() - last > STALE_AFTER and job.done == 0:
        status, error = "failed", error or "the process running this job stopped"
    return JobStatus(
        id=job.id,
        kind=job.kind,
        status=status,
        done=job.done,
        total=job.total,
        message=job.message,
        result=job.result,
        error=error,
        created_by_id=job.created_by_id,
        created_at=job.created_at,
        finished_at=job.finished_at,
    )
