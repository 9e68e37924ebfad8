"""Storing diagnoses: imports, web entry, action plans, progress, peers, portfolio."""

from __future__ import annotations

import io
from datetime import date

import openpyxl
import pytest
from sqlalchemy import func, select

from asocia.auth.policy import Principal, Role
from asocia.db import Database
from asocia.db.models.diagnosis import Diagnosis, DiagnosisAction, DiagnosisImportProblem
from asocia.diagnosis import queries, store
from asocia.diagnosis.loader import get_instrument, load_instruments
from asocia.diagnosis.sample import extreme_answers
from asocia.diagnosis.sample_exports import kobo_csv, odk_central_csv, sample_submissions
from asocia.diagnosis.submissions import parse_export
from tests.diagnosis.conftest import add_cooperatives

FULL = get_instrument("diagnostico-cooperativo", "1")
QUICK = get_instrument("diagnostico-rapido", "1")
INSTRUMENTS = load_instruments()
ANALYST = Principal(user_id=1, username="ana", role=Role.ANALYST)
ACTOR = store.Actor(user_id=None, username="test")


def _import(db: Database, data: bytes, name: str = "odk.csv") -> store.ImportSummary:
    export = parse_export(data, name, INSTRUMENTS)
    with db.session() as session:
        return store.import_submissions(session, export, INSTRUMENTS, ACTOR)


def test_import_is_idempotent_and_reports_bad_submissions(db: Database) -> None:
    coops = add_cooperatives(db, 3)
    names = [tax for _id, tax in coops] + ["reg-1001"]
    subs = sample_submissions(FULL, names, 8, seed=5)
    subs[5].cooperative = "11111111-1"  # valid RUT, not in the registry
    subs[6].answers["fin_contador"] = "jefe"
    data = odk_central_csv(FULL, subs).encode()

    first = _import(db, data)
    assert (first.read, first.created, first.updated, first.unchanged, first.rejected) == (
        8,
        6,
        0,
        0,
        2,
    )
    reasons = {p["row"]: p["reason"] for p in first.problems}
    assert reasons[7].startswith("unknown cooperative '11111111-1'")
    assert reasons[8] == "fin_contador: not one of the choices (got 'jefe')"

    again = _import(db, data)
    assert (again.created, again.updated, again.unchanged, again.rejected) == (0, 0, 6, 2)

    subs[0].answers["fin_presupuesto"] = (
        "no" if subs[0].answers.get("fin_presupuesto") != "no" else "yes"
    )
    changed = _import(db, kobo_csv(FULL, subs).encode(), "kobo.csv")
    assert (changed.created, changed.updated, changed.unchanged) == (0, 1, 5)

    with db.session() as session:
        assert session.scalar(select(func.count()).select_from(Diagnosis)) == 6
        registry_coop = session.scalars(
            select(Diagnosis).where(Diagnosis.source_key == subs[3].key.removeprefix("uuid:"))
        ).one()
        assert registry_coop.cooperative_id == coops[1][0]  # registry number 1001
        assert session.scalar(select(func.count()).select_from(DiagnosisImportProblem)) == 6
        plans = session.scalar(select(func.count()).select_from(DiagnosisAction))
        assert plans and plans <= 6 * store.ACTION_PLAN_LIMIT


def test_web_entry_draft_then_submit_builds_the_action_plan(db: Database) -> None:
    [(coop_id, _tax)] = add_cooperatives(db, 1)
    with db.session() as session:
        diagnosis = store.create_diagnosis(
            session,
            cooperative_id=coop_id,
            instrument=QUICK,
            diagnosed_on=date(2026, 5, 4),
            diagnostician="M. Soto",
            actor=ACTOR,
        )
        store.save_answers(
            session,
            diagnosis,
            QUICK,
            {"fin_contabilidad_al_dia": "no"},
            {"finanzas_basicas": "Sin contador"},
        )
        assert diagnosis.status == "draft" and diagnosis.actions == []
        with pytest.raises(store.DiagnosisInputError, match="gob_asamblea_anual: required"):
            store.save_answers(session, diagnosis, QUICK, {}, submit=True)
        with pytest.raises(store.DiagnosisInputError, match="fin_presupuesto"):
            store.save_answers(session, diagnosis, QUICK, {"fin_presupuesto": "maybe"})
        assert diagnosis.answers == {"fin_contabilidad_al_dia": "no"}
        worst = {
            k: (sorted(v) if isinstance(v, frozenset) else v)
            for k, v in extreme_answers(QUICK, best=False).items()
        }
        worst["fin_tributario"] = "yes"
        result = store.save_answers(session, diagnosis, QUICK, worst, submit=True)
        assert diagnosis.status == "submitted"
        assert diagnosis.comments == {"finanzas_basicas": "Sin contador"}
        plan = [a.question_id for a in diagnosis.actions]
        assert plan[0] == "fin_contabilidad_al_dia"  # red, weight 2: first priority
        assert "fin_tributario" not in plan
        assert result.node("finanzas_basicas").percentage == pytest.approx(100 * 2 / 7)
        action = diagnosis.actions[0]
        store.update_action(
            session, action, owner="Tesorera", due_on=date(2026, 7, 1), status="in_progress"
        )
        with pytest.raises(store.DiagnosisInputError, match="unknown action status"):
            store.update_action(session, action, status="finished")
        store.add_action(session, diagnosis, "Visitar a la federación regional")
        diagnosis_id = diagnosis.id
    with db.session() as session:
        stored = queries.get_diagnosis(session, ANALYST, diagnosis_id)
        assert stored.actions[0].owner == "Tesorera"
        assert stored.actions[-1].question_id is None


def _stored(
    db: Database, coop_id: int, instrument_key: str, answers: dict[str, object], on: date
) -> int:
    instrument = INSTRUMENTS[instrument_key]
    with db.session() as session:
        d = store.create_diagnosis(
            session,
            cooperative_id=coop_id,
            instrument=instrument,
            diagnosed_on=on,
            diagnostician=None,
            actor=ACTOR,
        )
        store.save_answers(session, d, instrument, answers, submit=False)
        d.status = "submitted"
        return d.id


def _plain(answers: dict[str, object]) -> dict[str, object]:
    return {k: sorted(v) if isinstance(v, frozenset) else v for k, v in answers.items()}


def test_progress_same_version_and_notice_across_versions(db: Database) -> None:
    [(coop_id, _)] = add_cooperatives(db, 1)
    worst = _plain(extreme_answers(QUICK, best=False))
    best = _plain(extreme_answers(QUICK, best=True))
    first = _stored(db, coop_id, QUICK.key, worst, date(2025, 1, 1))
    second = _stored(
        db,
        coop_id,
        QUICK.key,
        {**worst, **{k: v for k, v in best.items() if k.startswith("fin_")}},
        date(2026, 1, 1),
    )
    third = _stored(
        db, coop_id, FULL.key, _plain(extreme_answers(FULL, best=True)), date(2026, 6, 1)
    )
    with db.session() as session:
        assert queries.progress(session, session.get(Diagnosis, first)) is None
        p = queries.progress(session, session.get(Diagnosis, second))
        assert p is not None and p.comparable and p.previous_id == first
        changes = {c.node_id: c.change for c in p.changes}
        assert changes["gestion_financiera"] == "better"
        assert changes["gobernanza"] == "same"
        assert changes["diagnostico-rapido"] == "better"
        p3 = queries.progress(session, session.get(Diagnosis, third))
        assert p3 is not None and not p3.comparable and p3.changes == []
        assert "no son comparables" in (p3.notice("es") or "")
        assert "not comparable" in (p3.notice("en") or "")


def test_peer_benchmark_needs_five_peers(db: Database) -> None:
    group = {"region_code": 7, "legal_class": "campesina", "size_band": "micro"}
    coops = add_cooperatives(db, 6, **group)
    add_cooperatives(db, 3, region_code=8, legal_class="campesina", size_band="micro", offset=50)
    best = _plain(extreme_answers(QUICK, best=True))
    worst = _plain(extreme_answers(QUICK, best=False))
    ids = []
    for i, (coop_id, _) in enumerate(coops):
        ids.append(_stored(db, coop_id, QUICK.key, best if i % 2 else worst, date(2026, 2, 1)))
    with db.session() as session:
        b = queries.peer_benchmark(session, session.get(Diagnosis, ids[1]))
        assert b.available and b.peers == 5
        # own 100 %; peers: 2 at 100 (equal), 3 at 0 (below) -> (3 + 0.5 * 2) / 5
        assert b.percentiles["gobernanza"] == 80.0
        session.delete(session.get(Diagnosis, ids[5]))
        session.flush()
        few = queries.peer_benchmark(session, session.get(Diagnosis, ids[1]))
        assert not few.available and few.peers == 4 and few.percentiles == {}


def test_portfolio_shares_scoping_and_exports(db: Database) -> None:
    coops = add_cooperatives(db, 4, region_code=7, legal_class="agricola")
    best = _plain(extreme_answers(QUICK, best=True))
    worst = _plain(extreme_answers(QUICK, best=False))
    for i, (coop_id, _) in enumerate(coops):
        _stored(db, coop_id, QUICK.key, worst, date(2025, 1, 1))
        _stored(db, coop_id, QUICK.key, best if i < 3 else worst, date(2026, 1, 1))
    with db.session() as session:
        rows = queries.portfolio(session, ANALYST, QUICK)
        governance = next(r for r in rows if r["category"] == "gobernanza")
        assert (governance["diagnoses"], governance["green"], governance["red"]) == (4, 3, 1)
        assert governance["green_share"] == 0.75
        own = Principal(user_id=9, username="coop", role=Role.COOP, cooperative_id=coops[3][0])
        mine = queries.portfolio(session, own, QUICK)
        assert all(r["diagnoses"] == 1 and r["red"] == 1 for r in mine)
        listed = queries.list_diagnoses(session, own)
        assert {d.cooperative_id for d in listed} == {coops[3][0]}
        assert len(queries.list_diagnoses(session, ANALYST)) == 8
        with pytest.raises(queries.DiagnosisNotFound):
            queries.get_diagnosis(session, own, listed[0].id + 1 if listed[0].id == 1 else 1)
    text = queries.portfolio_csv(rows)
    assert text.splitlines()[0].startswith("region_code,legal_class,category,diagnoses,green")
    buffer = io.BytesIO()
    queries.portfolio_xlsx(rows, buffer)
    sheet = openpyxl.load_workbook(io.BytesIO(buffer.getvalue()))["portfolio"]
    assert sheet.max_row == len(rows) + 1
