"""Verification campaigns, the mail-merge CSV, the share verified by region, the audit, and a
diagnosis verifying its cooperative (SQLite and PostgreSQL)."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from asocia.db.models.registry import CooperativeChange
from asocia.db.session import Database
from asocia.registry import campaigns, editing
from asocia.registry.importer import import_file
from asocia.registry.store import Actor
from tests.conftest import Web
from tests.registry.conftest import Files, row
from tests.registry.test_editing import _create

ANA = Actor(None, "ana")
TODAY = date(2026, 11, 30)


def _three(db: Database) -> tuple[int, int, int]:
    old = _create(db, tax_id="76086428-5", comuna="Chillán", legal_class="Agrícola")
    recent = _create(
        db, tax_id="65000012-9", legal_name="Cooperativa Campesina Ninhue", comuna="Ninhue",
        legal_class="Agrícola",
    )  # fmt: skip
    elsewhere = _create(
        db, tax_id="65000013-7", legal_name="Cooperativa de Vivienda Maipú", comuna="Maipú",
        legal_class="Vivienda",
    )  # fmt: skip
    with db.session() as session:
        editing.mark_verified(session, old, actor=ANA, how="marked", on=date(2024, 1, 5))
        editing.mark_verified(session, recent, actor=ANA, how="marked", on=date(2026, 9, 1))
    return old, recent, elsewhere


def test_campaign_selection_outcomes_and_progress(db: Database) -> None:
    old, recent, elsewhere = _three(db)
    with db.session() as session:
        campaign = campaigns.create_campaign(
            session, "Ñuble 2026", actor=ANA, region=16, legal_class="agricola", months=12,
            today=TODAY,
        )  # fmt: skip
        campaign_id = campaign.id
        assert [i["cooperative_id"] for i in campaigns.items(session, campaign_id)] == [old]
        everyone = campaigns.create_campaign(session, "Todas", actor=ANA)
        assert len(campaigns.items(session, everyone.id)) == 3
    with db.session() as session:
        with pytest.raises(campaigns.CampaignError):
            campaigns.record_outcome(session, campaign_id, elsewhere, "confirmed", actor=ANA)
        with pytest.raises(campaigns.CampaignError):
            campaigns.record_outcome(session, campaign_id, old, "maybe", actor=ANA)
        campaigns.record_outcome(session, campaign_id, old, "dissolved", actor=ANA, note="acta")
    with db.session() as session:
        record = editing.current_record(session, old)
        assert record["legal_status"] == "disuelta"
        summary = campaigns.summary(
            session, session.get(campaigns.VerificationCampaign, campaign_id)
        )
        assert (summary["total"], summary["done"], summary["percent"]) == (1, 1, 100)
        assert summary["outcomes"]["dissolved"] == 1
        entries = session.scalars(
            select(CooperativeChange).where(CooperativeChange.cooperative_id == old)
        ).all()
        outcome = next(e for e in entries if e.action == "campaign")
        assert (outcome.new_value, outcome.comment) == (
            "dissolved",
            f"campaign #{campaign_id}: acta",
        )
        status = next(e for e in entries if e.field == "legal_status")
        assert status.comment == f"campaign #{campaign_id}: acta"
        campaigns.record_outcome(session, everyone.id, recent, "confirmed", actor=ANA)
        assert editing.current_record(session, recent)["last_verified_on"] == date.today()


def test_mail_merge_neutralises_formulas(db: Database) -> None:
    coop_id = _create(db, representative='=HYPERLINK("http://x")', phone="+56 9 1234 5678")
    _create(db, tax_id="65000012-9", legal_name="@Cooperativa", email="-a@b.cl")
    with db.session() as session:
        campaign = campaigns.create_campaign(session, "Todas", actor=ANA)
        text = campaigns.mail_merge_csv(session, campaign.id)
    rows = list(csv.DictReader(io.StringIO(text), delimiter=";"))
    by_id = {r["id"]: r for r in rows}
    assert by_id[str(coop_id)]["representative"] == '\'=HYPERLINK("http://x")'
    assert by_id[str(coop_id)]["phone"] == "'+56 9 1234 5678"
    other = next(r for r in rows if r["id"] != str(coop_id))
    assert (other["legal_name"], other["email"]) == ("'@Cooperativa", "'-a@b.cl")
    assert campaigns.neutralise("\tx") == "'\tx"
    assert campaigns.neutralise("Cooperativa") == "Cooperativa"


def test_verified_by_region(db: Database) -> None:
    _three(db)
    with db.session() as session:
        data = campaigns.verified_by_region(session, today=TODAY)
    by_region = {r["region_code"]: r for r in data["regions"]}
    assert (by_region[16]["total"], by_region[16]["verified"], by_region[16]["share"]) == (
        2,
        1,
        0.5,
    )
    assert (by_region[13]["total"], by_region[13]["verified"]) == (1, 0)
    assert data["total"] == {"total": 3, "verified": 1, "share": round(1 / 3, 4)}
    assert data["since"] == (TODAY - timedelta(days=365)).isoformat()


def test_audit_by_user_and_date(db: Database) -> None:
    coop_id = _create(db)
    with db.session() as session:
        editing.edit_cooperative(
            session, coop_id, {"trade_name": "Unión", "email": "x@y.cl"}, version=1,
            actor=Actor(None, "bea"), may_edit_contacts=True,
        )  # fmt: skip
        entries = editing.audit(session, username="bea")
        assert {e["field"] for e in entries} == {"trade_name", "email"}
        email = next(e for e in entries if e["field"] == "email")
        assert email["personal"] and email["new_value"] is None
        assert editing.audit(session, username="bea", since=date.today() + timedelta(days=1)) == []
        assert len(editing.audit(session, until=date.today())) == 3  # the creation too


def test_audit_page_lists_writes_and_imports(web: Web, files: Files) -> None:
    import_file(web.db, files.csv([row()]), actor=Actor(None, "importadora"))
    admin = web.login_as("admin")
    page = admin.get("/registry/audit", params={"user": "importadora"})
    assert page.status_code == 200
    assert 'data-testid="audit-imports"' in page.text and "registro.csv" in page.text
    assert admin.get("/registry/audit", params={"user": "nadie"}).text.count("registro.csv") == 0


def test_web_campaign_pages_and_mail_merge(web: Web) -> None:
    coop_id = web.make_cooperative(legal_name="Cooperativa Los Aromos", region_code=16)
    analyst = web.login_as("analyst")
    started = analyst.post(
        "/registry/campaigns",
        data={"csrf_token": web.csrf(analyst), "name": "Ñuble", "region": "16", "months": "12"},
    )
    assert started.status_code == 303
    location = started.headers["location"]
    page = analyst.get(location)
    assert "Cooperativa Los Aromos" in page.text
    assert "0 de 1 cooperativas contactadas" in page.text
    recorded = analyst.post(
        location + "/outcome",
        data={"csrf_token": web.csrf(analyst), "cooperative_id": coop_id, "outcome": "unreachable"},
    )
    assert recorded.status_code == 303
    assert "1 de 1 cooperativas contactadas" in analyst.get(location).text
    merge = analyst.get(location + "/contacts.csv")
    assert merge.status_code == 200
    assert merge.text.splitlines()[0].lstrip("\ufeff").startswith("id;legal_name")
    panel = web.client.get("/api/v1/registry/verification").json()
    assert panel["total"]["total"] == 1
    assert "Actualización del registro" in web.client.get("/registry/verification").text


def test_submitted_diagnosis_verifies_the_cooperative(db: Database) -> None:
    from asocia.diagnosis import store
    from asocia.diagnosis.loader import get_instrument
    from asocia.diagnosis.sample import extreme_answers

    coop_id = _create(db)
    instrument = get_instrument("diagnostico-rapido", "1")
    with db.session() as session:
        diagnosis = store.create_diagnosis(
            session, cooperative_id=coop_id, instrument=instrument, diagnosed_on=date(2026, 6, 1),
            diagnostician=None, actor=store.Actor(None, "campo"),
        )  # fmt: skip
        answers = {
            k: sorted(v) if isinstance(v, frozenset) else v
            for k, v in extreme_answers(instrument, best=False).items()
        }
        store.save_answers(session, diagnosis, instrument, answers, submit=True)
    with db.session() as session:
        assert editing.current_record(session, coop_id)["last_verified_on"] == date(2026, 6, 1)
        entry = session.scalars(
            select(CooperativeChange).where(CooperativeChange.action == "verify")
        ).one()
        assert entry.comment.startswith("a diagnosis was recorded")


def test_imported_diagnoses_verify_their_cooperatives(db: Database) -> None:
    from asocia.diagnosis import store
    from asocia.diagnosis.loader import get_instrument, load_instruments
    from asocia.diagnosis.sample_exports import odk_central_csv, sample_submissions
    from asocia.diagnosis.submissions import parse_export
    from tests.diagnosis.conftest import add_cooperatives

    coops = add_cooperatives(db, 3)
    full = get_instrument("diagnostico-cooperativo", "1")
    instruments = load_instruments()
    subs = sample_submissions(full, [tax for _, tax in coops], 6, seed=5)
    export = parse_export(odk_central_csv(full, subs).encode(), "odk.csv", instruments)
    with db.session() as session:
        summary = store.import_submissions(session, export, instruments, store.Actor(None, "campo"))
        assert summary.created > 0
    with db.session() as session:
        verified = {
            coop_id: editing.current_record(session, coop_id)["last_verified_on"]
            for coop_id, _ in coops
        }
        entries = session.scalars(
            select(CooperativeChange).where(CooperativeChange.action == "verify")
        ).all()
    assert all(v is not None for v in verified.values()), verified
    assert {e.comment for e in entries} == {"a diagnosis was recorded"}
    assert {e.username for e in entries} == {"campo"}
