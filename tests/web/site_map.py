"""Every HTML page of the app, from its routes, with path parameters filled from demo data.

The phone-width browser test and the Spanish crawl both walk this list, so a new page is covered
as soon as its route exists. A route whose parameter this module cannot fill fails
:func:`pages_for` loudly (add the parameter to :class:`DemoSite`).
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fastapi.routing import APIRoute
from sqlalchemy import select

from asocia.auth import accounts
from asocia.db.models import Cooperative, Job, User
from asocia.db.models.diagnosis import Diagnosis
from asocia.db.models.monitoring import StrategicObjective
from asocia.db.models.registry import ImportRun
from asocia.db.session import Database
from tests.authz import iter_routes

ROLES = ("admin", "analyst", "field", "coop", "anonymous")
IMPORT_ROLES = {"admin", "analyst"}

# GET routes that answer files, not pages.
FILE_SUFFIXES = (".csv", ".xlsx", ".pdf", ".json", ".zip", ".{fmt}")
NOT_PAGES = {"/registry/export", "/diagnosis/xlsform", "/api/v1/docs", "/programmes/export"}

PARAM = re.compile(r"{(\w+)(?::\w+)?}")


def page_routes(app: Any) -> list[str]:
    """Paths of the GET routes that render HTML pages (not the API, not downloads)."""
    paths = []
    for path, route in iter_routes(app.routes):
        if not isinstance(route, APIRoute) or "GET" not in route.methods:
            continue
        if path.startswith("/api/") or path in NOT_PAGES or path.endswith(FILE_SUFFIXES):
            continue
        paths.append(path)
    return sorted(set(paths))


@dataclass
class DemoSite:
    """Demo data for a crawl: co-ops, diagnoses, an import run, an upload and users per role."""

    db: Database
    upload_dir: Path
    cooperative_id: int = 0
    diagnosis_id: int = 0
    category_id: str = ""
    run_id: int = 0
    users: dict[str, str] = field(default_factory=dict)
    user_ids: dict[str, int] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)
    jobs: dict[str, int] = field(default_factory=dict)
    reports: dict[str, int] = field(default_factory=dict)
    # Parameters of the later capabilities (programmes, monitoring, partnerships, registry
    # editing), and the ones whose name means different things on different routes.
    extra: dict[str, str] = field(default_factory=dict)
    by_route: dict[str, dict[str, str]] = field(default_factory=dict)

    @classmethod
    def build(cls, db: Database, upload_dir: Path, *, cooperatives: int = 120) -> DemoSite:
        from asocia.diagnosis import demo
        from asocia.diagnosis.loader import get_instrument
        from asocia.registry.synthetic import load

        site = cls(db=db, upload_dir=upload_dir)
        load(db, cooperatives, seed=3)
        instrument = get_instrument("diagnostico-cooperativo")
        with db.session() as session:
            demo.create_demo_diagnoses(session, instrument, 40, seed=2)
        with db.session() as session:
            first = session.scalars(select(Diagnosis).order_by(Diagnosis.id)).first()
            assert first is not None
            site.diagnosis_id = first.id
            site.cooperative_id = first.cooperative_id
            site.category_id = instrument.dimensions[0].categories[0].id
            run = session.scalars(select(ImportRun).order_by(ImportRun.id)).first()
            assert run is not None
            site.run_id = run.id
            assert session.get(Cooperative, site.cooperative_id) is not None
        for role in ROLES:
            if role == "anonymous":
                continue
            name = f"{role}-crawl"
            with db.session() as session:
                user = accounts.create_user(
                    session,
                    name,
                    "correct horse battery",
                    role,
                    cooperative_id=site.cooperative_id if role == "coop" else None,
                )
                session.flush()
                site.users[role] = name
                site.user_ids[role] = user.id
                job = Job(
                    kind="registry-import",
                    status="done",
                    total=10,
                    done=10,
                    created_by_id=user.id,
                    result={"url": f"/registry/imports/{site.run_id}", "created": 10},
                )
                session.add(job)
                session.flush()
                site.jobs[role] = job.id
            if role in IMPORT_ROLES:
                site.tokens[role], site.reports[role] = site._upload(user_id=site.user_ids[role])
        site._capabilities()
        return site

    def _capabilities(self) -> None:
        """Records of the programmes, monitoring, partnerships and registry-editing pages,
        made through those capabilities' own functions."""
        from datetime import date

        from asocia.monitoring import defaults as monitoring_defaults
        from asocia.monitoring import indicators, sessions, strategy
        from asocia.partnerships import store as partnerships
        from asocia.programmes import catalogue, feasibility
        from asocia.registry import campaigns, proposals
        from asocia.registry.store import Actor

        admin = Actor(user_id=self.user_ids["admin"], username=self.users["admin"])
        with self.db.session() as session:
            catalogue.ensure_defaults(session)
            instrument = catalogue.list_instruments(session)[0]
            answers = {"need_shared": "2", "members": 8, "purpose": "agribusiness"}
            result = feasibility.save(
                session, answers, lang="es", group_name="Grupo de prueba", comuna_code=None
            )
            feasibility.register_group(
                session,
                result,
                contact_person="Ana Pérez",
                contact_email="ana@example.cl",
                contact_phone="+56 9 1234 5678",
                region_code=None,
            )
            monitoring_defaults.ensure_defaults(session)
            action = strategy.create_action(
                session, "PB-2022-23", "CRAWL1", {"title": "Acción de prueba"}, None
            )
            council = sessions.create_session(
                session,
                body=sessions.list_sessions(session)[0]["body"],
                held_on=date(2024, 5, 6),
                title="Sesión de prueba",
                agenda=["Avance del plan"],
            )
            sessions.add_agreement(session, council.id, "Revisar el avance del plan")
            indicator = "PAE_GRUPOS"
            indicators.enter_value(session, indicator, "2024", "actual", value=3)
            objective = session.scalars(
                select(StrategicObjective.code).order_by(StrategicObjective.id)
            ).first()
            assert objective is not None
            partnerships.ensure_defaults(session)
            project = partnerships.list_projects(session)[0]["id"]
            partnerships.link_cooperative(session, project, self.cooperative_id)
            proposal = proposals.propose(
                session, self.cooperative_id, {"trade_name": "Nombre propuesto"}, actor=admin
            )
            campaign = campaigns.create_campaign(session, "Campaña de prueba", actor=admin)
            self.extra = {
                "key": str(instrument.code),
                "action_id": str(action.id),
                "session_id": str(council.id),
                "project_id": str(project),
                "proposal_id": str(proposal.id),
                "campaign_id": str(campaign.id),
            }
            self.by_route = {
                "/asociarse/r/{token}": {"token": result.token},
                "/monitoring/indicators/{code}": {"code": indicator},
                "/monitoring/objectives/{code}": {"code": objective},
            }

    def _upload(self, *, user_id: int) -> tuple[str, int]:
        """A real uploaded registry file with problems, and its validation report as a job."""
        from asocia.registry.columns import Mapping
        from asocia.registry.synthetic_files import CSV_NAME, write_files
        from asocia.settings import Settings
        from asocia.web.registry_import import _run_import

        folder = self.upload_dir / "registry"
        folder.mkdir(parents=True, exist_ok=True)
        source = self.upload_dir / "source"
        write_files(300, source, seed=5, formats=["csv"], broken_share=0.3)
        token = secrets.token_urlsafe(12)
        path = folder / f"{token}.csv"
        path.write_bytes((source / CSV_NAME).read_bytes())
        (folder / f"{token}.name").write_text("registro de prueba.csv", "utf-8")
        with self.db.session() as session:
            user = session.get(User, user_id)
            assert user is not None
            principal = accounts.principal_for(user)
        result = _run_import(
            self.db,
            path,
            Mapping.from_dict({"columns": {}, "country": "CL", "sheet": None}),
            dry_run=True,
            principal=principal,
            settings=Settings(database_url=self.db.url, upload_dir=self.upload_dir),
            progress=None,
        )
        report = result.as_dict()
        report["problems"] = report["problems"][:500]
        report["url"] = f"/registry/import/{token}/report/0"
        report["mapping"] = "{}"
        with self.db.session() as session:
            job = Job(kind="registry-validate", status="done", created_by_id=user_id, result=report)
            session.add(job)
            session.flush()
            return token, job.id

    def values(self, role: str) -> dict[str, str]:
        """What each path parameter is, for ``role``."""
        owner = role if role in self.jobs else "admin"
        importer = role if role in self.tokens else "admin"
        return {
            "cooperative_id": str(self.cooperative_id),
            "diagnosis_id": str(self.diagnosis_id),
            "category_id": self.category_id,
            "run_id": str(self.run_id),
            "job_id": str(self.jobs[owner]),
            "token": self.tokens[importer],
            **self.extra,
        }

    def pages_for(self, app: Any, role: str) -> list[str]:
        """Every page path with its parameters filled for ``role``."""
        values = self.values(role)
        pages = []
        for path in page_routes(app):
            if path == "/registry/import/{token}/report/{job_id}":
                importer = role if role in self.reports else "admin"
                pages.append(
                    f"/registry/import/{self.tokens[importer]}/report/{self.reports[importer]}"
                )
                continue
            filled = {**values, **self.by_route.get(path, {})}
            missing = [name for name in PARAM.findall(path) if name not in filled]
            assert not missing, f"{path}: tests/web/site_map.py cannot fill {missing}"
            pages.append(PARAM.sub(lambda m, filled=filled: filled[m[1]], path))
        return pages

    def session_cookie(self, role: str) -> str:
        """A logged-in session secret for ``role``'s user."""
        with self.db.session() as session:
            user = accounts.get_user(session, self.users[role])
            assert user is not None
            return accounts.open_web_session(session, user, hours=12)
