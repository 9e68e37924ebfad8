"""The synthetic registry: deterministic, valid, and calibrated to Chile's published structure."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import func, select

from asocia.db import Database
from asocia.db.models import Cooperative
from asocia.registry.importer import import_file
from asocia.registry.synthetic import generate
from asocia.registry.synthetic_files import CSV_NAME, XLSX_NAME, write_files
from asocia.registry.taxid import canonical_tax_id
from asocia.registry.vocabulary import size_band

UF = 39_000.0


def _within_a_point(value: float, target: float) -> bool:
    return abs(value - target) <= 0.01


def test_published_structure_holds_at_twenty_thousand() -> None:
    coops = list(generate(20_000, seed=11, uf_clp=UF))
    n = len(coops)
    rural = [c for c in coops if c["rural_class"] in ("rural", "mixta")]
    urban = [c for c in coops if c["rural_class"] == "urbana"]
    assert len(rural) + len(urban) == n
    large = [c for c in coops if size_band(c["sales_amount"], UF) == "large"]

    def workers(c: dict[str, int]) -> int:
        return c["employees"] + c["worker_members"]

    assert _within_a_point(len(rural) / n, 0.57)
    small_rural = sum(1 for c in rural if c["members_total"] < 20) / len(rural)
    assert small_rural > 0.5 and _within_a_point(small_rural, 0.52)
    assert _within_a_point(len(large) / n, 0.019)
    total_sales = sum(c["sales_amount"] for c in coops)
    assert _within_a_point(sum(c["sales_amount"] for c in large) / total_sales, 0.80)
    assert _within_a_point(sum(map(workers, urban)) / sum(map(workers, coops)), 0.687)
    members = sum(c["members_total"] for c in coops)
    assert _within_a_point(sum(c["members_total"] for c in urban) / members, 0.95)


def test_same_seed_same_registry_and_every_rut_valid() -> None:
    first = list(generate(500, seed=3))
    assert first == list(generate(500, seed=3))
    assert first != list(generate(500, seed=4))
    assert len({c["tax_id"] for c in first}) == 500
    for c in first:
        assert canonical_tax_id("CL", c["tax_id"]) == c["tax_id"]
        assert (
            c["members_women"] + c["members_men"] + c["members_legal_persons"] == c["members_total"]
        )
        assert c["dissolved_on"] is None or c["dissolved_on"] > c["constituted_on"]
        assert c["legal_name"].startswith("Cooperativa ")


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_office_files_import_with_the_known_share_of_broken_rows(
    db: Database, tmp_path: Path, fmt: str
) -> None:
    manifest = write_files(1_500, tmp_path, seed=9, formats=[fmt], broken_share=0.05)
    assert manifest == json.loads((tmp_path / "manifest.json").read_text())
    assert sum(manifest["broken"].values()) > 40
    path = tmp_path / (CSV_NAME if fmt == "csv" else XLSX_NAME)
    if fmt == "csv":
        raw = path.read_bytes()
        assert b";" in raw.splitlines()[0] and "Razón".encode("cp1252") in raw
    result = import_file(db, path)
    expected = manifest["expected"]
    assert result.read == expected["read"]
    assert result.rejected == expected["rejected"]
    assert result.flagged == expected["flagged"]
    assert result.created == expected["created"]
    with db.session() as s:
        assert (
            s.execute(select(func.count()).select_from(Cooperative)).scalar_one()
            == (expected["created"])
        )
    again = import_file(db, path)
    assert (again.created, again.updated, again.unchanged) == (0, 0, expected["created"])


def test_parallel_reading_gives_the_same_import(db: Database, tmp_path: Path) -> None:
    manifest = write_files(3_000, tmp_path, seed=12, formats=["csv"], broken_share=0.03)
    result = import_file(db, tmp_path / CSV_NAME, parallel=True, batch_size=500)
    expected = manifest["expected"]
    assert (result.read, result.created, result.rejected, result.flagged) == (
        expected["read"],
        expected["created"],
        expected["rejected"],
        expected["flagged"],
    )
    assert result.problem_count == result.rejected + sum(
        1 for p in result.problems if p.outcome == "flagged"
    )
    again = import_file(db, tmp_path / CSV_NAME, parallel=True)
    assert (again.created, again.unchanged) == (0, expected["created"])


def test_parallel_reading_reports_an_unreadable_file(db: Database, tmp_path: Path) -> None:
    from asocia.registry.readers import ReadError

    path = tmp_path / "r.csv"
    # UTF-8 by its first megabyte, then a byte UTF-8 cannot have.
    padding = b"".join(b"1-9;Cooperativa repetida\n" for _ in range(60_000))
    path.write_bytes(
        "RUT;Razón Social\n76.086.428-5;Coop Ñandú\n".encode()
        + padding
        + b"65.000.012-9;Coop \xff\n"
    )
    with pytest.raises(ReadError, match="cannot decode"):
        import_file(db, path, parallel=True)
    with db.session() as s:
        assert s.execute(select(func.count()).select_from(Cooperative)).scalar_one() == 0
