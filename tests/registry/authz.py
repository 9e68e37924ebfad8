"""Authorization cases of the registry routes."""

from __future__ import annotations

from typing import Any

from tests.authz import ADMIN, EVERYONE, STAFF, RouteCase

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


# -- editing, proposals, campaigns, verification, audit (issue 10) ----------------------------

OWN_STAFF = STAFF | {"coop"}  # the coop role on its own cooperative, and staff


def _proposal(ctx: Any) -> dict[str, Any]:
    """A pending proposal on the other cooperative."""
    from asocia.db.models.registry import ChangeProposal

    with ctx.web.db.session() as session:
        proposal = ChangeProposal(
            cooperative_id=ctx.other_cooperative, values={"trade_name": "Matriz"}, current={}
        )
        session.add(proposal)
        session.flush()
        return {"proposal": proposal.id}


def _campaign(ctx: Any) -> dict[str, Any]:
    """A campaign over every cooperative."""
    from asocia.registry.campaigns import create_campaign
    from asocia.registry.store import Actor

    with ctx.web.db.session() as session:
        return {"campaign": create_campaign(session, "Matriz", actor=Actor()).id}


EDIT_CASES = [
    RouteCase("GET", "/registry/new", STAFF),
    RouteCase("POST", "/registry/new", STAFF, data={"legal_name": ""}),
    RouteCase("GET", "/registry/{coop}/edit", STAFF, route="/registry/{cooperative_id}/edit"),
    RouteCase(
        "POST", "/registry/{coop}/edit", STAFF, data={"version": "999"},
        route="/registry/{cooperative_id}/edit",
    ),
    RouteCase(
        "GET", "/registry/{own}/changes", VIEWERS, route="/registry/{cooperative_id}/changes"
    ),
    RouteCase(
        "GET", "/registry/{coop}/changes", BROWSERS, route="/registry/{cooperative_id}/changes"
    ),
    RouteCase("POST", "/registry/{coop}/verify", STAFF, route="/registry/{cooperative_id}/verify"),
    RouteCase(
        "POST", "/registry/{own}/confirm", OWN_STAFF, route="/registry/{cooperative_id}/confirm"
    ),
    RouteCase(
        "POST", "/registry/{coop}/confirm", STAFF, route="/registry/{cooperative_id}/confirm"
    ),
    RouteCase("POST", "/api/v1/registry/cooperatives", STAFF, json={"legal_name": ""}),
    RouteCase(
        "PATCH", "/api/v1/registry/cooperatives/{coop}", STAFF,
        json={"version": 999, "values": {}}, route="/api/v1/registry/cooperatives/{cooperative_id}",
    ),
    RouteCase(
        "GET", "/api/v1/registry/cooperatives/{own}/changes", VIEWERS,
        route="/api/v1/registry/cooperatives/{cooperative_id}/changes",
    ),
    RouteCase(
        "GET", "/api/v1/registry/cooperatives/{coop}/changes", BROWSERS,
        route="/api/v1/registry/cooperatives/{cooperative_id}/changes",
    ),
    RouteCase(
        "POST", "/api/v1/registry/cooperatives/{own}/verification", OWN_STAFF,
        route="/api/v1/registry/cooperatives/{cooperative_id}/verification",
    ),
    RouteCase(
        "POST", "/api/v1/registry/cooperatives/{coop}/verification", STAFF,
        route="/api/v1/registry/cooperatives/{cooperative_id}/verification",
    ),
    # proposals
    RouteCase(
        "GET", "/registry/{own}/propose", OWN_STAFF, route="/registry/{cooperative_id}/propose"
    ),
    RouteCase("GET", "/registry/{coop}/propose", STAFF, route="/registry/{cooperative_id}/propose"),
    RouteCase(
        "POST", "/registry/{own}/propose", OWN_STAFF, data={"trade_name": ""},
        route="/registry/{cooperative_id}/propose",
    ),
    RouteCase(
        "POST", "/registry/{coop}/propose", STAFF, data={"trade_name": ""},
        route="/registry/{cooperative_id}/propose",
    ),
    RouteCase(
        "GET", "/registry/{own}/proposals", OWN_STAFF, route="/registry/{cooperative_id}/proposals"
    ),
    RouteCase(
        "GET", "/registry/{coop}/proposals", STAFF, route="/registry/{cooperative_id}/proposals"
    ),
    RouteCase("GET", "/registry/proposals", STAFF),
    RouteCase(
        "GET", "/registry/proposals/{proposal}", STAFF, setup=_proposal,
        route="/registry/proposals/{proposal_id}",
    ),
    RouteCase(
        "POST", "/registry/proposals/{proposal}/decide", STAFF, setup=_proposal,
        data={"decision": "reject", "reason": "no"},
        route="/registry/proposals/{proposal_id}/decide",
    ),
    RouteCase(
        "POST", "/api/v1/registry/cooperatives/{own}/proposals", OWN_STAFF, json={"values": {}},
        route="/api/v1/registry/cooperatives/{cooperative_id}/proposals",
    ),
    RouteCase(
        "POST", "/api/v1/registry/cooperatives/{coop}/proposals", STAFF, json={"values": {}},
        route="/api/v1/registry/cooperatives/{cooperative_id}/proposals",
    ),
    RouteCase(
        "GET", "/api/v1/registry/cooperatives/{own}/proposals", OWN_STAFF,
        route="/api/v1/registry/cooperatives/{cooperative_id}/proposals",
    ),
    RouteCase(
        "GET", "/api/v1/registry/cooperatives/{coop}/proposals", STAFF,
        route="/api/v1/registry/cooperatives/{cooperative_id}/proposals",
    ),
    RouteCase("GET", "/api/v1/registry/proposals", STAFF),
    RouteCase(
        "POST", "/api/v1/registry/proposals/{proposal}/decision", STAFF, setup=_proposal,
        json={"accept": [], "reason": "no"},
        route="/api/v1/registry/proposals/{proposal_id}/decision",
    ),
    # campaigns
    RouteCase("GET", "/registry/campaigns", STAFF),
    RouteCase("POST", "/registry/campaigns", STAFF, data={"name": ""}),
    RouteCase(
        "GET", "/registry/campaigns/{campaign}", STAFF, setup=_campaign,
        route="/registry/campaigns/{campaign_id}",
    ),
    RouteCase(
        "POST", "/registry/campaigns/{campaign}/outcome", STAFF, setup=_campaign,
        data={"cooperative_id": "{coop}", "outcome": "nonsense"},
        route="/registry/campaigns/{campaign_id}/outcome",
    ),
    RouteCase(
        "GET", "/registry/campaigns/{campaign}/contacts.csv", STAFF, setup=_campaign,
        route="/registry/campaigns/{campaign_id}/contacts.csv",
    ),
    RouteCase("GET", "/api/v1/registry/campaigns", STAFF),
    RouteCase("POST", "/api/v1/registry/campaigns", STAFF, json={"name": ""}),
    RouteCase(
        "GET", "/api/v1/registry/campaigns/{campaign}", STAFF, setup=_campaign,
        route="/api/v1/registry/campaigns/{campaign_id}",
    ),
    RouteCase(
        "POST", "/api/v1/registry/campaigns/{campaign}/outcomes", STAFF, setup=_campaign,
        json={"cooperative_id": 0, "outcome": "nonsense"},
        route="/api/v1/registry/campaigns/{campaign_id}/outcomes",
    ),
    # how current the registry is (public), audit (admin)
    RouteCase("GET", "/registry/verification", EVERYONE),
    RouteCase("GET", "/api/v1/registry/verification", EVERYONE),
    RouteCase("GET", "/registry/audit", ADMIN),
    RouteCase("GET", "/api/v1/registry/audit", ADMIN),
]  # fmt: skip
CASES += EDIT_CASES
