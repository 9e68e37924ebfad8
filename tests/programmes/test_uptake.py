"""Uptake imports (beneficiary lists and Ley 19.862 transfers) and coverage with suppression."""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook
from sqlalchemy import func, select

from asocia.db import Database
from asocia.db.models.programmes import Uptake, UptakeRun
from asocia.programmes import catalogue, coverage, uptake
from asocia.stats.cellkey import Perturbation
from tests.programmes.helpers import add_coop, add_diagnosis, rut

DATA = Path(__file__).parent / "data"


def _count(db: Database) -> int:
    with db.session() as session:
        return int(session.scalar(select(func.count()).select_from(Uptake)) or 0)


def test_ley_19862_transfers_file(db: Database) -> None:
    ids = [add_coop(db, body) for body in (76_300_001, 76_300_002, 76_300_003)]
    with db.session() as session:
        report = uptake.import_file(session, DATA / "transferencias_19862.csv", username="ana")
    assert report.shape == "ley19862"
    assert (report.read, report.created, report.rejected) == (3, 3, 0)
    with db.session() as session:
        rows = session.scalars(select(Uptake).order_by(Uptake.cooperative_id)).all()
        assert [r.cooperative_id for r in rows] == ids
        assert [r.agency for r in rows] == ["INDAP", "SERCOTEC", "CNR"]
        assert rows[0].amount_clp == 12_500_000 and rows[0].year == 2021
        assert rows[0].granted_on is not None and rows[0].granted_on.isoformat() == "2021-03-15"
        assert rows[2].purpose and "18.450" in rows[2].purpose
        assert rows[0].source_row == 2


def test_one_bad_row_writes_nothing_and_says_where(db: Database, tmp_path: Path) -> None:
    add_coop(db, 76_300_001)
    path = tmp_path / "beneficiarios.xlsx"
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["RUT", "Instrumento", "Año", "Monto"])
    sheet.append([rut(76_300_001), "indap-pae", 2021, 1_000_000])
    sheet.append(["76.300.001-1", "indap-pae", 2021, 5])
    sheet.append([rut(76_399_999), "Programa Asociatividad Económica", 2021, 5])
    sheet.append([rut(76_300_001), "programa inventado", 2021, "mucho"])
    book.save(path)
    with db.session() as session:
        report = uptake.import_file(session, path, username="ana")
    assert report.shape == "beneficiaries"
    assert (report.read, report.created, report.rejected) == (4, 0, 3)
    found = {(p.line, p.column, p.reason) for p in report.problems}
    assert any(
        line == 3 and column == "RUT" and reason.startswith("not a valid RUT")
        for line, column, reason in found
    )
    assert (4, "RUT", "no cooperative with this RUT in the registry") in found
    assert any(p.line == 5 and p.column == "Instrumento" for p in report.problems)
    assert any(p.line == 5 and p.column == "Monto" for p in report.problems)
    assert _count(db) == 0
    with db.session() as session:
        run = session.scalars(select(UptakeRun)).one()
        assert run.status == "rejected" and run.rejected == 3


def test_dry_run_writes_nothing(db: Database) -> None:
    for body in (76_300_001, 76_300_002, 76_300_003):
        add_coop(db, body)
    with db.session() as session:
        report = uptake.import_file(session, DATA / "transferencias_19862.csv", dry_run=True)
    assert report.rejected == 0 and not report.written
    assert _count(db) == 0


def test_a_file_without_the_needed_columns_is_one_clear_error(db: Database, tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text("nombre;monto\nA;1\n", encoding="utf-8")
    with db.session() as session:
        try:
            uptake.import_file(session, path)
        except uptake.UptakeFileError as exc:
            assert "no RUT column" in str(exc)
        else:
            raise AssertionError("expected an error")


def test_coverage_and_targeting_gap_with_suppression(db: Database, tmp_path: Path) -> None:
    region7 = [
        add_coop(db, 76_310_000 + i, region_code=7, legal_class="campesina", members_total=10)
        for i in range(6)
    ]
    region13 = [
        add_coop(db, 76_320_000 + i, region_code=13, legal_class="trabajo", members_total=5)
        for i in range(2)
    ]
    for coop in (*region7[:4], region13[0]):
        add_diagnosis(db, coop)  # red in financial management
    lines = ["rut;instrumento;año;monto"]
    # Three of region 7 reached: one with an accounting/finance instrument, two with others.
    lines.append(f"{rut(76_310_000)};fia-curso-contabilidad-cooperativas;2023;1000000")
    lines.append(f"{rut(76_310_001)};indap-riego-asociativo;2023;2000000")
    lines.append(f"{rut(76_310_002)};indap-riego-asociativo;2022;3000000")
    lines.append(f"{rut(76_320_000)};sercotec-gremios-nacionales;2023;500000")
    path = tmp_path / "b.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with db.session() as session:
        catalogue.ensure_defaults(session)
        assert uptake.import_file(session, path).created == 4
        full = coverage.coverage(session)
        control = Perturbation(k=3, max_noise=2, variance=1.0, magnitude=0.1)
        public = coverage.coverage(session, control=control)
        again = coverage.coverage(session, control=control)
    assert full["years"] == [2019, 2023]
    assert (full["total"]["cooperatives"], full["total"]["reached"]) == (8, 4)
    regions = {r["key"]: r for r in full["by"]["region_code"]}
    assert (regions[7]["reached"], regions[7]["cooperatives"]) == (3, 6)
    assert regions[7]["share"] == 0.5
    assert regions[7]["amount_per_member"] == 6_000_000 / 30
    gap = {g["category"]: g for g in full["targeting_gap"]}
    # Red in finance: 4 of region 7 + 1 of region 13; only 76_310_000 got an accounting instrument.
    assert (gap["gestion_financiera"]["red"], gap["gestion_financiera"]["count"]) == (5, 4)
    lights = {r["key"]: r for r in full["by"]["diagnosis"]}
    assert lights["gestion_financiera:red"]["cooperatives"] == 5
    # Public figures: the cell key method of the statistics, deterministic and bounded.
    assert public == again
    shown = {r["key"]: r for r in public["by"]["region_code"]}
    reached7 = shown[7]["reached"]
    assert reached7 is None or (reached7 >= 3 and abs(reached7 - 3) <= control.max_noise)
    assert shown[13]["suppressed"] and shown[13]["reached"] is None and shown[13]["share"] is None
    assert shown[13]["amount_clp"] is None  # one co-op's amount is never released
    assert public["suppressed_below"] == 3 and public["max_noise"] == 2
    assert not any(name.startswith("_") for row in shown.values() for name in row)
    public_gap = {g["category"]: g for g in public["targeting_gap"]}
    finance = public_gap["gestion_financiera"]["count"]
    assert finance is None or abs(finance - 4) <= control.max_noise
    assert public_gap["gobernanza"]["count"] is None  # empty cells are "< k" as on the dashboard
    # Analysts keep exact figures, without the keys.
    assert not any(name.startswith("_") for name in full["total"])
