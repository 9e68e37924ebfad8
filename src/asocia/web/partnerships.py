"""Partnership pages and API: cooperation projects, who works where, IATI import/export.

Public: the projects, the "who works where" table and the exports (no personal data in them).
Import and edits need ``MANAGE_PARTNERSHIPS``.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, File, Form, HTTPException, Request, UploadFile
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from asocia.auth.policy import Permission, Principal
from asocia.i18n import N_, error_text
from asocia.partnerships import iati, store
from asocia.partnerships.store import PartnershipError
from asocia.web.deps import SESSION, back_with_error, require
from asocia.web.templating import language, render

router = APIRouter()
api_router = APIRouter(tags=["partnerships"])

PUBLIC = Depends(require(Permission.VIEW_PUBLIC))
MANAGE = Depends(require(Permission.MANAGE_PARTNERSHIPS))
MAX_UPLOAD = 50 * 1024 * 1024


def _filters(request: Request) -> tuple[str | None, str | None]:
    country = (request.query_params.get("country") or "").strip().upper() or None
    sector = (request.query_params.get("sector") or "").strip() or None
    return country, sector


@router.get("/partnerships")
def projects_page(
    request: Request, principal: Principal = PUBLIC, session: Session = SESSION
) -> Response:
    """Who works where, and the projects (filter by country and sector)."""
    country, sector = _filters(request)
    where = store.who_works_where(session)
    return render(
        request,
        "partnerships/list.html",
        {
            "projects": store.list_projects(session, country, sector),
            "where": where,
            "tiles": store.tiles(where),
            "country": country or "",
            "sector": sector or "",
            "countries": store.COUNTRIES,
            "languages": store.languages(),
        },
    )


@router.get("/partnerships/projects/{project_id}")
def project_page(
    request: Request, project_id: int, principal: Principal = PUBLIC, session: Session = SESSION
) -> Response:
    """One project."""
    try:
        project = store.project_dict(store.get_project(session, project_id))
    except PartnershipError:
        raise HTTPException(404, "no such project") from None
    return render(
        request,
        "partnerships/project.html",
        {
            "project": project,
            "countries": store.COUNTRIES,
            "roles": store.ROLES,
            "error": request.query_params.get("error"),
        },
    )


@router.post("/partnerships/projects/{project_id}/cooperatives")
def project_link(
    request: Request,
    project_id: int,
    cooperative_id: int = Form(...),
    principal: Principal = MANAGE,
    session: Session = SESSION,
) -> Response:
    """Record a cooperative of the registry that the project reaches."""
    try:
        store.link_cooperative(session, project_id, cooperative_id)
    except PartnershipError as exc:
        return back_with_error(
            f"/partnerships/projects/{project_id}", error_text(exc, language(request))
        )
    return RedirectResponse(f"/partnerships/projects/{project_id}", status_code=303)


@router.post("/partnerships/projects/{project_id}/instruments")
def project_instruments(
    project_id: int,
    instruments: str = Form(""),
    principal: Principal = MANAGE,
    session: Session = SESSION,
) -> Response:
    """Set the national instruments the project complements (one per line)."""
    try:
        store.set_instruments(session, project_id, instruments.splitlines())
    except PartnershipError:
        raise HTTPException(404, "no such project") from None
    return RedirectResponse(f"/partnerships/projects/{project_id}", status_code=303)


@router.get("/partnerships/import")
def import_page(request: Request, principal: Principal = MANAGE) -> Response:
    """The IATI import form."""
    return render(request, "partnerships/import.html", {"result": None, "error": None})


async def _read(file: UploadFile) -> bytes:
    data = await file.read(MAX_UPLOAD + 1)
    if len(data) > MAX_UPLOAD:
        raise PartnershipError(N_("the file is larger than 50 MB"))
    return data


@router.post("/partnerships/import")
async def import_upload(
    request: Request,
    file: UploadFile = File(...),
    country: str = Form(""),
    sector: str = Form(""),
    principal: Principal = MANAGE,
    session: Session = SESSION,
) -> Response:
    """Import an IATI activity file."""
    try:
        data = await _read(file)
        result = iati.import_iati(
            session, data, country.strip().upper() or None, sector.strip() or None
        ).as_dict()
    except PartnershipError as exc:
        return render(
            request,
            "partnerships/import.html",
            {"result": None, "error": error_text(exc, language(request))},
            status_code=422,
        )
    return render(request, "partnerships/import.html", {"result": result, "error": None})


@router.get("/partnerships/export.{fmt}")
def export(
    request: Request, fmt: str, principal: Principal = PUBLIC, session: Session = SESSION
) -> Response:
    """The projects as IATI XML or CSV."""
    country, sector = _filters(request)
    projects = store.list_projects(session, country, sector)
    if fmt == "xml":
        return Response(
            iati.to_iati_xml(projects),
            media_type="application/xml",
            headers={"Content-Disposition": 'attachment; filename="proyectos-iati.xml"'},
        )
    if fmt == "csv":
        return Response(
            iati.to_csv(projects),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": 'attachment; filename="proyectos.csv"'},
        )
    raise HTTPException(404, "use .xml or .csv")


@api_router.get("/partnerships/projects")
def api_projects(
    country: str | None = None,
    sector: str | None = None,
    principal: Principal = PUBLIC,
    session: Session = SESSION,
) -> list[Any]:
    """Cooperation projects, optionally of one recipient country and/or DAC sector."""
    return store.list_projects(session, country, sector)


@api_router.get("/partnerships/where")
def api_where(principal: Principal = PUBLIC, session: Session = SESSION) -> list[Any]:
    """Who works where: projects, organisations and sectors per country (and Chilean region)."""
    return store.who_works_where(session)


@api_router.post("/partnerships/import-iati")
async def api_import(
    file: UploadFile = File(...),
    country: str | None = None,
    sector: str | None = None,
    principal: Principal = MANAGE,
    session: Session = SESSION,
) -> dict[str, Any]:
    """Import an IATI 2.03 activity file filtered by country and sector."""
    try:
        data = await _read(file)
        return iati.import_iati(session, data, country, sector).as_dict()
    except PartnershipError as exc:
        raise HTTPException(422, str(exc)) from None
