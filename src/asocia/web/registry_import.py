"""Registry import pages and API: the upload wizard (upload, preview and mapping, validation
report, confirm), import history, and ``POST /api/v1/registry/imports``.

Every import goes through ``asocia.registry.importer`` (the one pipeline the CLI uses too);
uploads are bounded and cleaned up by ``asocia.uploads``.
"""

from __future__ import annotations

import json
import secrets
import shutil
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, File, Form, HTTPException, Request, UploadFile
from fastapi.responses import JSONResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from asocia import uploads
from asocia.auth.policy import Permission, Principal
from asocia.db.models.registry import ImportRun
from asocia.db.session import Database
from asocia.i18n import N_
from asocia.jobs import Progress, start_job
from asocia.registry import queries
from asocia.registry.columns import FIELDS, Mapping, MappingError
from asocia.registry.importer import SAVING, ImportFailed, import_file, preview
from asocia.registry.readers import ReadError
from asocia.settings import Settings
from asocia.stats.summary import warm as warm_statistics_summary
from asocia.web import problems as problem_pages
from asocia.web.deps import SESSION, get_database, get_settings, require
from asocia.web.display import field_choices
from asocia.web.forms import upload_error
from asocia.web.problems import reason_text
from asocia.web.registry import _actor
from asocia.web.templating import render, translator

router = APIRouter()
api_router = APIRouter(tags=["registry"])

IMPORT = Depends(require(Permission.IMPORT_DATA))
UPLOAD_SUFFIXES = (".csv", ".tsv", ".txt", ".xlsx", ".xlsm", ".jsonl", ".ndjson", ".json")
INLINE_BYTES = 5 * 1024 * 1024  # larger files are validated and imported in the background


@router.get("/registry/imports")
def imports_page(
    request: Request, principal: Principal = IMPORT, session: Session = SESSION
) -> Response:
    """Import history: every run with its summary."""
    return render(request, "registry/imports.html", {"runs": queries.import_runs(session)})


@router.get("/registry/imports/{run_id}")
def import_run_page(
    run_id: int,
    request: Request,
    principal: Principal = IMPORT,
    session: Session = SESSION,
) -> Response:
    """One import run: summary, columns, every problem."""
    run = session.get(ImportRun, run_id)
    if run is None:
        raise HTTPException(404, "no such import run")
    shown = problem_pages.run_view(request, session, run_id)
    return render(
        request,
        "registry/import_run.html",
        {"run": run, "problems": shown["rows"], "shown": shown, "reason": reason_text(request)},
    )


@router.get("/registry/import")
def upload_page(request: Request, principal: Principal = IMPORT) -> Response:
    """Step 1 of the import wizard: choose a file."""
    return render(request, "registry/import_upload.html", {"error": None})


def _upload_path(settings: Settings, token: str) -> Path:
    if not token.replace("-", "").replace("_", "").isalnum():
        raise HTTPException(404, "no such upload")
    folder = settings.upload_dir / "registry"
    # The upload itself, never its side file ``TOKEN.name`` (which sorts before ``.xlsx``).
    matches = [m for m in sorted(folder.glob(f"{token}.*")) if m.suffix in UPLOAD_SUFFIXES]
    if not matches:
        raise HTTPException(404, "no such upload")
    return matches[0]


def _save_upload(settings: Settings, upload: UploadFile) -> tuple[str, Path]:
    name = Path(upload.filename or "registro.csv").name
    suffix = Path(name).suffix.lower()
    if suffix not in UPLOAD_SUFFIXES:
        raise ValueError(suffix)
    token = secrets.token_urlsafe(12)
    folder = settings.upload_dir / "registry"
    folder.mkdir(parents=True, exist_ok=True)
    uploads.sweep(folder)  # uploads a wizard left behind (a day old)
    path = folder / f"{token}{suffix}"
    with path.open("wb") as out:
        shutil.copyfileobj(upload.file, out)
    (folder / f"{token}.name").write_text(name, "utf-8")
    return token, path


def _original_name(path: Path) -> str:
    label = path.with_suffix(".name")
    return label.read_text("utf-8") if label.exists() else path.name


def _report_problems(request: Request, report: dict[str, Any]) -> dict[str, Any]:
    """A validation report's problems: counts per reason over all, then one page of rows."""
    problems = report.get("problems") or []
    counts = report.get("problem_counts")
    total = sum(c["total"] for c in counts) if counts else None
    return problem_pages.view(request, problems, counts=counts, total=total)


def _file_error(request: Request, exc: Exception, path: Path) -> str:
    """What went wrong with an uploaded file, naming it as the person did, in their language."""
    gettext = translator(request, "registry")
    return upload_error(str(exc), [str(path), path.name], _original_name(path), gettext)


@router.post("/registry/import")
def upload(
    request: Request,
    file: UploadFile = File(...),
    principal: Principal = IMPORT,
    settings: Settings = Depends(get_settings),
) -> Response:
    """Receive the file and go to the column-mapping preview."""
    try:
        token, _ = _save_upload(settings, file)
    except ValueError:
        return render(
            request, "registry/import_upload.html", {"error": "unsupported"}, status_code=400
        )
    return RedirectResponse(f"/registry/import/{token}", status_code=303)


def _mapping_from_form(form: Any, columns: list[dict[str, str]]) -> Mapping:
    chosen: dict[str, str] = {}
    for index, column in enumerate(columns):
        target = form.get(f"map_{index}")
        if target and target != column["field"]:
            chosen[column["column"]] = target
    return Mapping.from_dict(
        {
            "columns": chosen,
            "country": form.get("country") or None,
            "sheet": form.get("sheet") or None,
        }
    )


@router.get("/registry/import/{token}")
def preview_page(
    token: str,
    request: Request,
    principal: Principal = IMPORT,
    settings: Settings = Depends(get_settings),
) -> Response:
    """Step 2: how each column is understood, with the first rows; change any mapping."""
    path = _upload_path(settings, token)
    sheet = request.query_params.get("sheet") or None
    try:
        shown = preview(path, sheet=sheet)
    except ReadError as exc:
        uploads.discard_if_refused(path, exc)
        return render(
            request,
            "registry/import_upload.html",
            {"error": _file_error(request, exc, path)},
            status_code=400,
        )
    return render(
        request,
        "registry/import_preview.html",
        {
            "token": token,
            "name": _original_name(path),
            "preview": shown,
            "sheet": sheet or "",
            "fields": field_choices(list(FIELDS), translator(request, "registry")),
            "size": path.stat().st_size,
        },
    )


def _run_import(
    database: Database,
    path: Path,
    mapping: Mapping,
    *,
    dry_run: bool,
    principal: Principal,
    settings: Settings,
    progress: Progress | None,
    warm_statistics: bool = False,
) -> Any:
    """Import (or check) an uploaded file; ``progress`` is a background job's, if any."""
    size = path.stat().st_size
    report = _job_progress(progress, dry_run=dry_run) if progress is not None else None
    result = import_file(
        database,
        path,
        mapping=mapping,
        dry_run=dry_run,
        actor=_actor(principal),
        uf_clp=settings.uf_clp,
        progress=report,
        source_name=_original_name(path),
    )
    if warm_statistics and not dry_run and (result.created or result.updated):
        # A background import also rebuilds the statistics summary, so that the next
        # dashboard visitor does not wait for it.
        if report is not None:
            report(size, size, _STATISTICS)
        warm_statistics_summary(database, uf_clp=settings.uf_clp)
    return result


# Progress messages of an import's last phases, as the job page shows them (translated).
_STATISTICS = "statistics"
_PHASES = {SAVING: N_("Saving the import"), _STATISTICS: N_("Updating the statistics")}


def _job_progress(progress: Progress, *, dry_run: bool) -> Progress:
    """``progress`` in bytes of the file read, with a message the job page translates."""
    reading = N_("Checking the file") if dry_run else N_("Importing the file")

    def report(done: int, total: int | None, message: str | None = None) -> None:
        progress(done, total, _PHASES.get(message or "", reading))

    return report


@router.post("/registry/import/{token}/validate")
async def validate_upload(
    token: str,
    request: Request,
    principal: Principal = IMPORT,
    settings: Settings = Depends(get_settings),
    database: Database = Depends(get_database),
) -> Response:
    """Step 3: the validation report (a dry run); large files in the background."""
    path = _upload_path(settings, token)
    form = await request.form()
    try:
        columns = preview(path, sheet=str(form.get("sheet") or "") or None)["columns"]
        mapping = _mapping_from_form(form, columns)
    except (MappingError, ReadError) as exc:
        return render(
            request,
            "registry/import_upload.html",
            {"error": _file_error(request, exc, path)},
            status_code=400,
        )
    mapping_json = json.dumps(
        {"columns": mapping.columns, "country": mapping.country, "sheet": mapping.sheet}
    )
    if path.stat().st_size > INLINE_BYTES:

        def work(db: Database, job_id: int, progress: Progress) -> dict[str, Any]:
            result = _run_import(
                db,
                path,
                mapping,
                dry_run=True,
                principal=principal,
                settings=settings,
                progress=progress,
            )
            report: dict[str, Any] = result.as_dict()
            report["problem_counts"] = problem_pages.count_reasons(report["problems"])
            report["problems"] = report["problems"][:500]
            report["url"] = f"/registry/import/{token}/report/{job_id}"
            report["mapping"] = mapping_json
            return report

        job_id = start_job(
            database,
            kind="registry-validate",
            params={"file": path.name},
            user_id=principal.user_id,
            work=work,
        )
        return RedirectResponse(f"/jobs/{job_id}", status_code=303)
    try:
        result = _run_import(
            database,
            path,
            mapping,
            dry_run=True,
            principal=principal,
            settings=settings,
            progress=None,
        )
    except (ReadError, ImportFailed) as exc:
        return render(
            request,
            "registry/import_upload.html",
            {"error": _file_error(request, exc, path)},
            status_code=400,
        )
    report = result.as_dict()
    report["problem_counts"] = problem_pages.count_reasons(report["problems"])
    report["problems"] = report["problems"][:500]
    return render(
        request,
        "registry/import_report.html",
        {
            "token": token,
            "name": _original_name(path),
            "report": report,
            "mapping": mapping_json,
            "reason": reason_text(request),
            "shown": _report_problems(request, report),
        },
    )


@router.get("/registry/import/{token}/report/{job_id}")
def validation_report(
    token: str,
    job_id: int,
    request: Request,
    principal: Principal = IMPORT,
    settings: Settings = Depends(get_settings),
    session: Session = SESSION,
) -> Response:
    """The validation report of a file validated in the background."""
    from asocia.jobs import job_status

    path = _upload_path(settings, token)
    status = job_status(session, job_id)
    if status is None or status.result is None or status.created_by_id != principal.user_id:
        raise HTTPException(404, "no such report")
    report = dict(status.result)
    return render(
        request,
        "registry/import_report.html",
        {
            "token": token,
            "name": _original_name(path),
            "report": report,
            "mapping": report.get("mapping", "{}"),
            "reason": reason_text(request),
            "shown": _report_problems(request, report),
        },
    )


@router.post("/registry/import/{token}/confirm")
def confirm_import(
    token: str,
    mapping: str = Form("{}"),
    principal: Principal = IMPORT,
    settings: Settings = Depends(get_settings),
    database: Database = Depends(get_database),
) -> Response:
    """Step 4: import for real, in the background; the job page links to the run's report."""
    path = _upload_path(settings, token)
    try:
        chosen = Mapping.from_dict(json.loads(mapping or "{}"))
    except (MappingError, ValueError):
        raise HTTPException(400, "bad mapping") from None

    def work(db: Database, job_id: int, progress: Progress) -> dict[str, Any]:
        try:
            result = _run_import(
                db,
                path,
                chosen,
                dry_run=False,
                principal=principal,
                settings=settings,
                progress=progress,
                warm_statistics=True,
            )
        finally:
            # The run keeps the report; the uploaded file is not needed once imported.
            path.unlink(missing_ok=True)
            path.with_suffix(".name").unlink(missing_ok=True)
        return {
            **result.summary(),
            "import_run_id": result.import_run_id,
            "url": f"/registry/imports/{result.import_run_id}",
        }

    job_id = start_job(
        database,
        kind="registry-import",
        params={"file": path.name},
        user_id=principal.user_id,
        work=work,
    )
    return RedirectResponse(f"/jobs/{job_id}", status_code=303)


@api_router.get("/registry/imports")
def api_imports(principal: Principal = IMPORT, session: Session = SESSION) -> JSONResponse:
    """The latest import runs with their summaries."""
    return JSONResponse([_run_dict(run) for run in queries.import_runs(session)])


@api_router.get("/registry/imports/{run_id}")
def api_import_run(
    run_id: int, principal: Principal = IMPORT, session: Session = SESSION
) -> JSONResponse:
    """One import run with its problems."""
    run = session.get(ImportRun, run_id)
    if run is None:
        raise HTTPException(404, "no such import run")
    problems = queries.import_problems(session, run_id, limit=10_000)
    return JSONResponse(
        {
            **_run_dict(run),
            "problems": [
                {
                    "line": p.line,
                    "column": p.column,
                    "value": p.value,
                    "reason": p.reason,
                    "outcome": p.outcome,
                }
                for p in problems
            ],
        }
    )


def _run_dict(run: ImportRun) -> dict[str, Any]:
    return {
        "id": run.id,
        "source_file": run.source_file,
        "status": run.status,
        "username": run.username,
        "started_at": run.started_at.isoformat(),
        "finished_at": run.finished_at.isoformat() if run.finished_at else None,
        "read": run.read,
        "created": run.created,
        "updated": run.updated,
        "unchanged": run.unchanged,
        "rejected": run.rejected,
        "flagged": run.flagged,
        "message": run.message,
    }


@api_router.post("/registry/imports")
def api_import(
    file: UploadFile = File(...),
    country: str | None = Form(None),
    sheet: str | None = Form(None),
    mapping: str | None = Form(None),
    dry_run: bool = Form(False),
    principal: Principal = IMPORT,
    settings: Settings = Depends(get_settings),
    database: Database = Depends(get_database),
) -> JSONResponse:
    """Import a file (multipart). Small files answer with the summary (200); large ones start a
    background job (202, ``job`` with its id: poll ``/api/v1/jobs/{id}``)."""
    try:
        chosen = Mapping.from_dict(json.loads(mapping)) if mapping else Mapping()
        token, path = _save_upload(settings, file)
    except (MappingError, json.JSONDecodeError) as exc:
        return JSONResponse({"error": f"bad mapping: {exc}"}, status_code=400)
    except ValueError:
        return JSONResponse({"error": "unsupported file type"}, status_code=400)
    chosen.country = (country or chosen.country or "CL").upper()
    chosen.sheet = sheet or chosen.sheet
    if path.stat().st_size > INLINE_BYTES:

        def work(db: Database, job_id: int, progress: Progress) -> dict[str, Any]:
            try:
                result = _run_import(
                    db,
                    path,
                    chosen,
                    dry_run=dry_run,
                    principal=principal,
                    settings=settings,
                    progress=progress,
                    warm_statistics=True,
                )
            finally:
                uploads.remove_upload(path)  # an API upload serves this one import only
            return {**result.summary(), "import_run_id": result.import_run_id}

        job_id = start_job(
            database,
            kind="registry-import",
            params={"file": path.name},
            user_id=principal.user_id,
            work=work,
        )
        return JSONResponse({"job": job_id}, status_code=202)
    try:
        result = _run_import(
            database,
            path,
            chosen,
            dry_run=dry_run,
            principal=principal,
            settings=settings,
            progress=None,
        )
    except ReadError as exc:
        return JSONResponse({"error": str(exc)}, status_code=422)
    except ImportFailed as exc:
        return JSONResponse({"error": str(exc)}, status_code=500)
    finally:
        uploads.remove_upload(path)  # an API upload serves this one import only
    return JSONResponse(
        {
            **result.summary(),
            "dry_run": dry_run,
            "upload": token,
            "import_run_id": result.import_run_id,
            "problems": [p.as_dict() for p in result.problems[:1000]],
        }
    )
