"""Cooperation organisations and projects: the shipped projects of seed 004, reading and
writing projects, and the "who works where" table. The one place that writes partnerships."""

from __future__ import annotations

from collections import defaultdict
from functools import cache
from importlib import resources
from typing import Any

import yaml
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from asocia.db.models.partnerships import (
    Organisation,
    Project,
    ProjectCooperative,
    ProjectParticipant,
)
from asocia.db.models.registry import Cooperative
from asocia.i18n import N_, MessageError

SEED_PREFIX = "asocia-seed004-"
ROLES = {"1": N_("funding"), "2": N_("accountable"), "3": N_("extending"), "4": N_("implementing")}
STATUSES = {"1": "pipeline", "2": "implementation", "3": "finalisation", "4": "closed",
            "5": "cancelled", "6": "suspended"}  # fmt: skip
# Country names (Spanish) of the Americas, for tables; other codes show as the code.
COUNTRIES = {
    "AR": "Argentina", "BB": "Barbados", "BO": "Bolivia", "BR": "Brasil", "CA": "Canadá",
    "CL": "Chile", "CO": "Colombia", "CR": "Costa Rica", "CU": "Cuba", "DO": "República Dominicana",
    "EC": "Ecuador", "GT": "Guatemala", "HN": "Honduras", "HT": "Haití", "JM": "Jamaica",
    "MX": "México", "NI": "Nicaragua", "PA": "Panamá", "PE": "Perú", "PY": "Paraguay",
    "SV": "El Salvador", "UY": "Uruguay", "VE": "Venezuela",
}  # fmt: skip


# Tile positions (column, row) of a schematic map of Latin America and the Caribbean: one square
# per country, roughly where it lies; a cartogram, not a geographic map.
TILES = {
    "MX": (0, 0), "CU": (2, 0), "HT": (3, 0), "DO": (4, 0), "JM": (2, 1), "BB": (5, 1),
    "GT": (0, 1), "HN": (1, 1), "SV": (0, 2), "NI": (1, 2), "CR": (1, 3), "PA": (2, 3),
    "VE": (3, 3), "CO": (2, 4), "EC": (1, 5), "BR": (4, 5), "PE": (2, 6), "BO": (3, 6),
    "PY": (4, 7), "CL": (2, 8), "AR": (3, 8), "UY": (4, 8),
}  # fmt: skip


def tiles(where: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The map's tiles, each with its country's number of projects (0 for none)."""
    counts = {r["country"]: r["projects"] for r in where if r["region"] is None}
    top = max(counts.values(), default=0)
    return [
        {"code": code, "name": COUNTRIES.get(code, code), "x": x, "y": y,
         "projects": counts.get(code, 0),
         "shade": 0 if not counts.get(code) else 1 + round(3 * counts[code] / top)}
        for code, (x, y) in TILES.items()
    ]  # fmt: skip


class PartnershipError(MessageError):
    """Bad input for a partnership operation."""

    domain = "partnerships"


@cache
def _seed() -> dict[str, Any]:
    text = resources.files("asocia.partnerships").joinpath("data", "projects_seed004.yaml")
    data: dict[str, Any] = yaml.safe_load(text.read_text("utf-8"))
    return data


def languages() -> dict[str, str]:
    """The language of the seed's texts not in Spanish: organisation names (by name) and, under
    ``""``, the seed's titles and descriptions (pages mark them with ``lang``)."""
    data = _seed()
    found = {o["name"]: o["lang"] for o in data["organisations"] if o.get("lang")}
    found[""] = data.get("lang", "es")
    return found


def organisation(session: Session, name: str, ref: str | None = None, **extra: Any) -> Organisation:
    """The organisation with this ref (or name), created when new."""
    found = None
    if ref:
        found = session.scalars(select(Organisation).where(Organisation.ref == ref)).first()
    if found is None:
        found = session.scalars(select(Organisation).where(Organisation.name == name)).first()
    if found is None:
        found = Organisation(name=name, ref=ref or None, **extra)
        session.add(found)
        session.flush()
    return found


def ensure_defaults(session: Session) -> bool:
    """Load the seed 004 projects unless they are there; True when loaded now."""
    exists = session.scalar(
        select(Project.id).where(Project.iati_identifier.startswith(SEED_PREFIX)).limit(1)
    )
    if exists is not None:
        return False
    try:
        with session.begin_nested():
            _load(session)
    except IntegrityError:  # loaded at the same moment by another request
        return False
    return True


def _load(session: Session) -> None:
    data = _seed()
    source = data["source"]
    orgs = {}
    for o in data["organisations"]:
        values = {k: v for k, v in o.items() if k not in ("key", "name", "lang")}
        orgs[o["key"]] = organisation(session, o["name"], provenance=source, **values)
    for p in data["projects"]:
        project = Project(
            iati_identifier=SEED_PREFIX + p["id"],
            title=p["title"],
            description=p["description"],
            start_year=p.get("start_year"),
            end_year=p.get("end_year"),
            recipient_countries=[{"code": c, "percentage": None} for c in p["countries"]],
            recipient_regions=[],
            chile_regions=[],
            sectors=[
                {"vocabulary": "1", "code": p["dac"], "assigned": True},
                {"vocabulary": "99", "code": p["heading"]},
            ],
            results=[],
            national_instruments=[],
            source="seed",
            provenance=source,
        )
        project.participants = [
            ProjectParticipant(organisation_id=orgs[key].id, role="4") for key in p["orgs"]
        ]
        session.add(project)
    session.flush()


def _countries(project: Project) -> list[str]:
    return [str(c["code"]).upper() for c in project.recipient_countries if c.get("code")]


def _sectors(project: Project) -> list[str]:
    return [str(s["code"]) for s in project.sectors if str(s.get("vocabulary", "1")) in ("1", "2")]


def matches(
    countries: list[str], sectors: list[str], country: str | None, sector: str | None
) -> bool:
    """The filter of both the list and the IATI import (a sector prefix matches: 311 → 31194)."""
    if country and country.upper() not in countries:
        return False
    return not (sector and not any(code.startswith(sector) for code in sectors))


def project_dict(p: Project) -> dict[str, Any]:
    return {
        "id": p.id,
        "iati_identifier": p.iati_identifier,
        "title": p.title,
        "description": p.description,
        "status": p.status,
        "start": p.start_actual or p.start_planned or p.start_year,
        "end": p.end_actual or p.end_planned or p.end_year,
        "start_planned": p.start_planned,
        "start_actual": p.start_actual,
        "end_planned": p.end_planned,
        "end_actual": p.end_actual,
        "budget": {"value": p.budget_value, "currency": p.budget_currency}
        if p.budget_value is not None
        else None,
        "countries": _countries(p),
        "regions": p.recipient_regions,
        "chile_regions": p.chile_regions,
        "sectors": p.sectors,
        "participants": [
            {
                "name": x.organisation.name,
                "acronym": x.organisation.acronym,
                "ref": x.organisation.ref,
                "role": x.role,
                "role_name": ROLES.get(x.role, x.role),
                "lang": languages().get(x.organisation.name),
            }
            for x in p.participants
        ],
        "results": p.results,
        "cooperatives": [c.cooperative_id for c in p.cooperatives],
        "national_instruments": p.national_instruments,
        "source": p.source,
        "provenance": p.provenance,
        "lang": languages()[""] if p.source == "seed" else None,
    }


def list_projects(
    session: Session, country: str | None = None, sector: str | None = None
) -> list[dict[str, Any]]:
    ensure_defaults(session)
    query = (
        select(Project)
        .options(
            selectinload(Project.participants).selectinload(ProjectParticipant.organisation),
            selectinload(Project.cooperatives),
        )
        .order_by(Project.title)
    )
    return [
        project_dict(p)
        for p in session.scalars(query)
        if matches(_countries(p), _sectors(p), country, sector)
    ]


def get_project(session: Session, project_id: int) -> Project:
    ensure_defaults(session)
    found = session.get(Project, project_id)
    if found is None:
        raise PartnershipError(N_("project %(id)s does not exist"), id=project_id)
    return found


def link_cooperative(session: Session, project_id: int, cooperative_id: int) -> None:
    """Record that a project reaches a cooperative of the registry."""
    project = get_project(session, project_id)
    if session.get(Cooperative, cooperative_id) is None:
        raise PartnershipError(N_("cooperative %(id)s does not exist"), id=cooperative_id)
    if cooperative_id not in [c.cooperative_id for c in project.cooperatives]:
        project.cooperatives.append(ProjectCooperative(cooperative_id=cooperative_id))
        session.flush()


def set_instruments(session: Session, project_id: int, instruments: list[str]) -> None:
    project = get_project(session, project_id)
    project.national_instruments = [i.strip() for i in instruments if i.strip()]
    session.flush()


def who_works_where(session: Session) -> list[dict[str, Any]]:
    """Per country: projects, organisations and sectors; and per Chilean region when known."""
    rows: dict[str, dict[str, Any]] = defaultdict(
        lambda: {
            "projects": 0,
            "organisations": set(),
            "sectors": set(),
            "ids": [],
            "instruments": set(),
        }
    )
    for p in list_projects(session):
        keys = list(p["countries"])
        keys += [f"CL-{r}" for r in p["chile_regions"]]
        for key in keys:
            row = rows[key]
            row["projects"] += 1
            row["ids"].append(p["id"])
            row["organisations"].update(x["acronym"] or x["name"] for x in p["participants"])
            row["sectors"].update(
                s["code"] for s in p["sectors"] if str(s.get("vocabulary", "1")) == "1"
            )
            row["instruments"].update(p["national_instruments"])
    out = []
    for key, row in sorted(rows.items(), key=lambda kv: (-kv[1]["projects"], kv[0])):
        code = key.split("-")[0]
        out.append(
            {
                "country": code,
                "country_name": COUNTRIES.get(code, code),
                "region": int(key.split("-")[1]) if "-" in key else None,
                "projects": row["projects"],
                "project_ids": row["ids"],
                "organisations": sorted(row["organisations"]),
                "sectors": sorted(row["sectors"]),
                "national_instruments": sorted(row["instruments"]),
            }
        )
    return out
