"""Authorization cases of the registry routes."""

from __future__ import annotations

from typing import Any

from tests.authz import STAFF, RouteCase

BROWSERS = frozenset({"admin", "analyst", "field"})
VIEWERS = frozenset({"admin", "analyst", "field", "coop"})
CSV = b"RUT;Raz\xf3n Social\n76.086.428-5;Cooperativa de la matriz\n"


def _upload(ctx: Any) -> dict[str, Any]:
    """An uploaded file waiting in the wizard (its token)."""
    folder = ctx.web.app.state.settings.upload_dir / "registry"
    folder.mkdir(parents=True, exist_ok=True)
    token = f"matrix{ctx.role}"
    (folder / f"{token}.csv").write_bytes(CSV)
    return {"upload": token}


def _run(ctx: Any) -> dict[str, Any]:
    """An import run."""
    from asocia.db.models.registry import ImportRun

    with ctx.web.db.session() as session:
        run = ImportRun(source_file="matrix.csv", status="committed")
        session.add(run)
        session.flush()
        return {"run": run.id}


def _report(ctx: Any) -> dict[str, Any]:
    """An upload and a finished validation job of the acting user."""
    from sqlalchemy import update

    from asocia import jobs
    from asocia.db.models import Job

    values = _upload(ctx)
    with ctx.web.db.session() as session:
        job = jobs.create_job(session, kind="registry-validate", params=None, user_id=ctx.user_id)
        session.execute(
            update(Job)
            .where(Job.id == job.id)
            .values(
                status="done",
                result={
                    "read": 1,
                    "created": 1,
                    "updated": 0,
                    "unchanged": 0,
                    "rejected": 0,
                    "flagged": 0,
                    "problems": [],
                    "mapping": "{}",
                },
            )
        )
        values["report_job"] = job.id
    return values


CASES = [
    RouteCase("GET", "/registry", BROWSERS),
    RouteCase("GET", "/registry/{own}", VIEWERS, route="/registry/{cooperative_id}"),
    RouteCase("GET", "/registry/{coop}", BROWSERS, route="/registry/{cooperative_id}"),
    RouteCase("GET", "/registry/imports", STAFF),
    RouteCase(
        "GET", "/registry/imports/{run}", STAFF, setup=_run, route="/registry/imports/{run_id}"
    ),
    RouteCase("GET", "/registry/import", STAFF),
    RouteCase("POST", "/registry/import", STAFF, files={"file": ("registro.csv", CSV, "text/csv")}),
    RouteCase(
        "GET", "/registry/import/{upload}", STAFF, setup=_upload, route="/registry/import/{token}"
    ),
    RouteCase(
        "POST",
        "/registry/import/{upload}/validate",
        STAFF,
        setup=_upload,
        data={"country": "CL"},
        route="/registry/import/{token}/validate",
    ),
    RouteCase(
        "GET",
        "/registry/import/{upload}/report/{report_job}",
        STAFF,
        setup=_report,
        route="/registry/import/{token}/report/{job_id}",
    ),
    RouteCase(
        "POST",
        "/registry/import/{upload}/confirm",
        STAFF,
        setup=_upload,
        data={"mapping": "{}"},
        route="/registry/import/{token}/confirm",
    ),
    RouteCase("GET", "/registry/duplicates", STAFF),
    RouteCase("GET", "/registry/corrections", STAFF),
    RouteCase(
        "POST",
        "/registry/{coop}/ilo-type",
        STAFF,
        data={"ilo_type": "worker"},
        route="/registry/{cooperative_id}/ilo-type",
    ),
    RouteCase(
        "POST",
        "/registry/duplicates/decide",
        STAFF,
        data={"keep": "1", "other": "2", "decision": "neither"},
    ),
    RouteCase("GET", "/registry/export?format=csv&public=true", STAFF, route="/registry/export"),
    RouteCase("GET", "/api/v1/registry/cooperatives", BROWSERS),
    RouteCase(
        "GET",
        "/api/v1/registry/cooperatives/{own}",
        VIEWERS,
        route="/api/v1/registry/cooperatives/{cooperative_id}",
    ),
    RouteCase(
        "GET",
        "/api/v1/registry/cooperatives/{coop}",
        BROWSERS,
        route="/api/v1/registry/cooperatives/{cooperative_id}",
    ),
    RouteCase(
        "GET",
        "/api/v1/registry/cooperatives/{own}/history",
        VIEWERS,
        route="/api/v1/registry/cooperatives/{cooperative_id}/history",
    ),
    RouteCase("GET", "/api/v1/registry/imports", STAFF),
    RouteCase(
        "GET",
        "/api/v1/registry/imports/{run}",
        STAFF,
        setup=_run,
        route="/api/v1/registry/imports/{run_id}",
    ),
    RouteCase(
        "POST",
        "/api/v1/registry/imports",
        STAFF,
        data={"dry_run": "true"},
        files={"file": ("registro.csv", CSV, "text/csv")},
    ),
]
