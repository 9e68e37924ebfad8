"""Reading, exporting, duplicates and merges on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from asocia.auth.policy import ANONYMOUS, Principal, Role
from asocia.db import Database
from asocia.db.models import Cooperative
from asocia.db.models.registry import DuplicateDecision
from asocia.registry import duplicates, queries
from asocia.registry.export import export
from asocia.registry.importer import import_file
from asocia.registry.store import Actor, MergeError, decide_pair, merge_cooperatives
from tests.registry.conftest import Files, row

ANALYST = Principal(user_id=None, username="analyst", role=Role.ANALYST)
PERSONAL = ("contacto@launion.cl", "Ana Soto", "secreto")


def _load(db: Database, files: Files) -> None:
    import_file(
        db,
        files.csv(
            [
                row(notes="secreto"),
                row(
                    rut="65.000.012-9",
                    name="Cooperativa Campesina Los Aromos",
                    comuna="Ninhue",
                    region="",
                    legal_class="Campesina",
                    members="15",
                    women="",
                    men="",
                    sales="",
                    email="",
                    representative="",
                ),
                row(
                    rut="65.000.013-7",
                    name="Cooperativa de Vivienda El Roble",
                    comuna="Santiago",
                    region="13",
                    legal_class="Vivienda",
                    members="300",
                    women="",
                    men="",
                    status="Disuelta",
                    email="x@roble.cl",
                    representative="Pedro",
                ),
            ]
        ),
    )


def _all_ids(db: Database) -> list[int]:
    with db.session() as s:
        return sorted(s.execute(select(Cooperative.id)).scalars())


def _ids(db: Database) -> dict[str, int]:
    with db.session() as s:
        return {c.legal_name: c.id for c in s.execute(select(Cooperative)).scalars()}


@pytest.mark.parametrize("fmt", ["csv", "json", "xlsx"])
def test_public_export_has_no_personal_data(
    db: Database, files: Files, tmp_path: Path, fmt: str
) -> None:
    _load(db, files)
    public = tmp_path / f"public.{fmt}"
    full = tmp_path / f"full.{fmt}"
    with db.session() as s:
        assert export(s, ANALYST, public, fmt=fmt, public=True) == 3
        assert export(s, ANALYST, full, fmt=fmt, public=False) == 3
        # Whoever cannot see personal data gets the public export, whatever they ask for;
        # an anonymous visitor sees no cooperative-level data at all.
        anonymous = tmp_path / f"anonymous.{fmt}"
        assert export(s, ANONYMOUS, anonymous, fmt=fmt, public=False) == 0

    def text(path: Path) -> str:
        if fmt == "xlsx":
            sheet = load_workbook(path, read_only=True).worksheets[0]
            rows = [list(r) for r in sheet.iter_rows(values_only=True)]
            return json.dumps(rows, default=str, ensure_ascii=False)
        return path.read_text("utf-8")

    for path in (public, tmp_path / f"anonymous.{fmt}"):
        content = text(path)
        assert ("Cooperativa Agrícola La Unión Ltda." in content) == (path == public)
        for secret in PERSONAL:
            assert secret not in content
        assert "email" not in content and "representative" not in content
    assert all(secret in text(full) for secret in PERSONAL)


def test_csv_export_columns(db: Database, files: Files, tmp_path: Path) -> None:
    _load(db, files)
    out = tmp_path / "r.csv"
    with db.session() as s:
        export(s, ANALYST, out, fmt="csv", public=True)
    records = list(csv.DictReader(out.open(encoding="utf-8")))
    assert {r["tax_id"] for r in records} == {"76086428-5", "65000012-9", "65000013-7"}
    assert records[0]["constituted_on"] == "1999-03-05"


def test_list_filters_sorting_and_keyset_pages(db: Database, files: Files) -> None:
    _load(db, files)
    with db.session() as s:
        page = queries.list_cooperatives(s, ANALYST, limit=2)
        assert [i["legal_name"] for i in page.items] == [
            "Cooperativa Agrícola La Unión Ltda.",
            "Cooperativa Campesina Los Aromos",
        ]
        assert page.has_next and page.count == 3 and not page.count_capped
        rest = queries.list_cooperatives(s, ANALYST, limit=2, after=page.next_after)
        assert [i["legal_name"] for i in rest.items] == ["Cooperativa de Vivienda El Roble"]
        assert not rest.has_next

        def names(**filters: object) -> list[str]:
            found = queries.list_cooperatives(s, ANALYST, queries.Filters(**filters))  # type: ignore[arg-type]
            return [i["legal_name"] for i in found.items]

        assert names(rural_class="rural") == ["Cooperativa Campesina Los Aromos"]
        assert names(region=13) == ["Cooperativa de Vivienda El Roble"]
        assert names(comuna=16101) == ["Cooperativa Agrícola La Unión Ltda."]
        assert names(legal_class="campesina", ilo_type="producer") == [
            "Cooperativa Campesina Los Aromos"
        ]
        assert names(status="disuelta") == ["Cooperativa de Vivienda El Roble"]
        assert names(size_band="micro") == [
            "Cooperativa Agrícola La Unión Ltda.",
            "Cooperativa de Vivienda El Roble",
        ]
        assert names(q="aromos") == ["Cooperativa Campesina Los Aromos"]
        assert names(q="LA UNIÓN") == ["Cooperativa Agrícola La Unión Ltda."]
        assert names(q="76.086.428-5") == ["Cooperativa Agrícola La Unión Ltda."]
        by_members = queries.list_cooperatives(s, ANALYST, sort="-members")
        assert [i["members_total"] for i in by_members.items] == [1234, 300, 15]


def test_coop_role_sees_only_its_own_cooperative(db: Database, files: Files) -> None:
    _load(db, files)
    own = _ids(db)["Cooperativa Campesina Los Aromos"]
    other = _ids(db)["Cooperativa Agrícola La Unión Ltda."]
    coop = Principal(user_id=None, username="c", role=Role.COOP, cooperative_id=own)
    with db.session() as s:
        assert [i["id"] for i in queries.list_cooperatives(s, coop).items] == [own]
        assert queries.get_cooperative(s, coop, other) is None
        assert queries.get_cooperative(s, coop, own) is not None
        assert queries.get_cooperative(s, ANONYMOUS, own) is None
        detail = queries.get_cooperative(s, ANALYST, other)
        assert detail is not None and detail["contact"]["email"] == "contacto@launion.cl"


def test_duplicates_are_proposed_and_merge_keeps_both_histories(db: Database, files: Files) -> None:
    import_file(
        db,
        files.csv(
            [
                row(rut="999", name="Cooperativa Agrícola La Unión Ltda."),
            ],
            header=["Rol", *files_header()[1:]],
            name="a.csv",
        ),
    )
    import_file(db, files.csv([row()], name="b.csv"))
    import_file(db, files.csv([row(members="1.240")], name="c.csv"), actor=Actor(None, "ana"))
    ids = _all_ids(db)
    with db.session() as s:
        found = duplicates.candidates(s)
        assert [(c.first_id, c.second_id, c.reason) for c in found] == [
            (ids[0], ids[1], "similar_name")
        ]
    with db.session() as s:
        merge_cooperatives(s, ids[1], ids[0], Actor(None, "luis"))
    with db.session() as s:
        kept = queries.get_cooperative(s, ANALYST, ids[1])
        assert kept is not None and kept["merged_ids"] == [ids[0]]
        assert kept["registry_number"] is None
        log = queries.history(s, ANALYST, ids[1])
        fields = {(h["cooperative_id"], h["field"], h["username"]) for h in log}
        assert (ids[1], "members_total", "ana") in fields
        assert (ids[1], "merged_from", "luis") in fields
        assert (ids[0], "merged_into_id", "luis") in fields
        assert duplicates.candidates(s) == []
        assert s.execute(select(DuplicateDecision.decision)).scalar_one() == "merged"
        page = queries.list_cooperatives(s, ANALYST)
        assert [i["id"] for i in page.items] == [ids[1]]
    with db.session() as s, pytest.raises(MergeError):
        merge_cooperatives(s, ids[1], ids[0], Actor(None, "luis"))


def test_pair_marked_distinct_is_not_proposed_again(db: Database, files: Files) -> None:
    import_file(
        db, files.csv([row(), row(rut="65.000.012-9", name="Cooperativa Agricola La Union")])
    )
    ids = _all_ids(db)
    with db.session() as s:
        assert len(duplicates.candidates(s)) == 1
        decide_pair(s, ids[1], ids[0], "distinct", Actor(None, "ana"))
    with db.session() as s:
        assert duplicates.candidates(s) == []


def files_header() -> list[str]:
    from tests.registry.conftest import HEADER

    return HEADER


def test_same_tax_id_under_two_spellings_where_no_validator(db: Database, files: Files) -> None:
    header = ["País", "NIT", "Nombre", "Comuna"]
    import_file(
        db,
        files.csv(
            [
                ["BO", "1020304-A", "Cooperativa Minera Uno", "La Paz"],
                ["BO", "1020304A", "Cooperativa Totalmente Otra", "Oruro"],
            ],
            header=header,
        ),
    )
    with db.session() as s:
        found = duplicates.candidates(s)
    assert [(c.reason, c.first["tax_id"], c.second["tax_id"]) for c in found] == [
        ("same_tax_id", "1020304-A", "1020304A")
    ]
