"""The import pipeline on SQLite and PostgreSQL: every validation rule, upserts, history."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from asocia.db import Database
from asocia.db.models import Cooperative, CooperativeContact
from asocia.db.models.registry import CooperativeChange, ImportProblem, ImportRun
from asocia.registry.importer import SAVING, ImportFailed, import_file
from asocia.registry.readers import ReadError
from asocia.registry.store import Actor
from asocia.registry.validation import Problem
from tests.registry.conftest import Files, row

TODAY = date(2025, 6, 30)


def run(db: Database, path: Path, **kwargs: object):  # type: ignore[no-untyped-def]
    kwargs.setdefault("today", TODAY)
    return import_file(db, path, **kwargs)  # type: ignore[arg-type]


def only(problems: list[Problem], reason: str) -> Problem:
    found = [p for p in problems if reason in p.reason]
    assert len(found) == 1, problems
    return found[0]


def test_valid_row_is_imported_with_derived_fields(db: Database, files: Files) -> None:
    result = run(db, files.csv([row()]), actor=Actor(None, "ana"))
    assert result.summary() == {
        "read": 1,
        "created": 1,
        "updated": 0,
        "unchanged": 0,
        "rejected": 0,
        "flagged": 0,
    }
    with db.session() as s:
        coop = s.execute(select(Cooperative)).scalar_one()
        assert coop.tax_id == "76086428-5"
        assert coop.members_total == 1234 and coop.members_women == 600
        assert (coop.comuna_code, coop.province_code, coop.region_code) == (16101, 161, 16)
        assert coop.rural_class == "urbana"
        assert coop.legal_class == "agricola" and coop.ilo_type == "producer"
        assert coop.constituted_on == date(1999, 3, 5)
        assert coop.legal_status == "vigente"
        assert coop.sales_amount == 1234567.5 and coop.sales_currency == "CLP"
        assert coop.size_band == "micro"
        assert coop.name_key == "cooperativa agricola la union ltda"
        assert coop.source_file == "registro.csv" and coop.source_row == 2
        assert coop.import_run_id == result.import_run_id
        contact = s.get(CooperativeContact, coop.id)
        assert contact is not None and contact.email == "contacto@launion.cl"
        run_row = s.get(ImportRun, result.import_run_id)
        assert run_row is not None and run_row.status == "committed" and run_row.created == 1
        assert run_row.username == "ana"


@pytest.mark.parametrize(
    ("changes", "column", "value", "reason", "outcome"),
    [
        ({"rut": "76.086.428-4"}, "RUT", "76.086.428-4", "invalid RUT check digit", "rejected"),
        ({"name": ""}, "Razón Social", "", "legal name is required", "rejected"),
        ({"rut": ""}, "RUT", "", "tax id or registry number is required", "rejected"),
        (
            {"women": "900", "men": "900"},
            "Socios Mujeres",
            "1800",
            "members by sex (1800) exceed the total (1234)",
            "flagged",
        ),
        (
            {"constituted": "01-01-2031"},
            "Fecha de Constitución",
            "2031-01-01",
            "date in the future",
            "flagged",
        ),
        (
            {"dissolved": "01-01-1990"},
            "Fecha de Disolución",
            "1990-01-01",
            "dissolution (1990-01-01) before constitution (1999-03-05)",
            "flagged",
        ),
        (
            {"comuna": "Chilan"},
            "Comuna",
            "Chilan",
            "unknown comuna; did you mean Chillán?",
            "flagged",
        ),
        ({"members": "muchos"}, "N° Socios", "muchos", "not a number", "flagged"),
        (
            {"constituted": "32/13/1999"},
            "Fecha de Constitución",
            "32/13/1999",
            "not a calendar date",
            "flagged",
        ),
        ({"status": "Durmiente"}, "Estado", "Durmiente", "unknown legal status", "flagged"),
        ({"legal_class": "Minera"}, "Clase", "Minera", "unknown legal class", "flagged"),
        ({"region": "Valparaíso"}, "Región", "5", "region does not match", "flagged"),
        ({"email": "no-es-correo"}, "Correo", "no-es-correo", "not an email address", "flagged"),
        (
            {"members": "-3", "women": "", "men": ""},
            "N° Socios",
            "-3",
            "a count cannot be negative",
            "flagged",
        ),
    ],
)
def test_each_rule_reports_line_column_value_reason(
    db: Database,
    files: Files,
    changes: dict[str, str],
    column: str,
    value: str,
    reason: str,
    outcome: str,
) -> None:
    good = row(rut="65.000.012-9", name="Cooperativa Buena")
    path = files.csv([good, row(**changes)])
    result = run(db, path)
    problem = only(result.problems, reason)
    assert (problem.line, problem.column, problem.value, problem.outcome) == (
        3,
        column,
        value,
        outcome,
    )
    assert result.read == 2
    assert result.rejected == (1 if outcome == "rejected" else 0)
    assert result.flagged == (1 if outcome == "flagged" else 0)
    assert result.created == (1 if outcome == "rejected" else 2)
    with db.session() as s:
        stored = s.execute(select(ImportProblem)).scalars().all()
        assert [(p.line, p.column, p.reason) for p in stored] == [(3, column, problem.reason)]
        if outcome == "flagged":
            coop = s.execute(select(Cooperative).where(Cooperative.source_row == 3)).scalar_one()
            refused = not reason.startswith(
                ("members by sex", "dissolution", "region does not", "not an email")
            )
            if refused:  # the refused value is kept as an extra attribute, not lost
                assert coop.extra is not None and column in coop.extra


def test_duplicate_key_inside_the_file_rejects_the_second(db: Database, files: Files) -> None:
    result = run(db, files.csv([row(), row(rut="76086428-5", name="Otra")]))
    problem = only(result.problems, "duplicate key inside the file")
    assert (problem.line, problem.column, problem.outcome) == (3, "RUT", "rejected")
    assert "first on line 2" in problem.reason
    assert (result.created, result.rejected) == (1, 1)


def test_reimporting_the_same_file_changes_nothing(db: Database, files: Files) -> None:
    path = files.csv([row(), row(rut="65.000.012-9", name="Cooperativa Dos", comuna="13101")])
    first = run(db, path)
    second = run(db, path)
    assert (first.created, second.created, second.updated, second.unchanged) == (2, 0, 0, 2)
    with db.session() as s:
        assert s.execute(select(func.count()).select_from(CooperativeChange)).scalar_one() == 0
        assert s.execute(select(func.count()).select_from(Cooperative)).scalar_one() == 2


def test_changed_value_records_history_and_keeps_the_old_value(db: Database, files: Files) -> None:
    first = run(db, files.csv([row()], name="v1.csv"), actor=Actor(None, "ana"))
    second = run(
        db,
        files.csv([row(members="1.300", email="nuevo@launion.cl", women="")], name="v2.csv"),
        actor=Actor(None, "luis"),
    )
    assert (second.updated, second.unchanged) == (1, 0)
    with db.session() as s:
        coop = s.execute(select(Cooperative)).scalar_one()
        assert coop.members_total == 1300
        # An empty cell does not erase what was known.
        assert coop.members_women == 600
        assert coop.import_run_id == second.import_run_id
        changes = {c.field: c for c in s.execute(select(CooperativeChange)).scalars()}
        assert set(changes) == {"members_total", "email"}
        members = changes["members_total"]
        assert (members.old_value, members.new_value) == ("1234", "1300")
        assert members.username == "luis" and members.import_run_id == second.import_run_id
        assert members.import_run_id != first.import_run_id
        assert changes["email"].personal is True
        assert s.get(CooperativeContact, coop.id).email == "nuevo@launion.cl"  # type: ignore[union-attr]


def test_reimport_compares_dates_and_sees_what_was_edited_since(db: Database, files: Files) -> None:
    # A re-import compares each row at once with the stored co-op (dates as ISO text on both
    # engines): the same row is unchanged, a new date is a change with both dates in history,
    # and a value edited in asocia since the last import differs from the file again.
    run(db, files.csv([row(), row(rut="65.000.012-9", name="Dos")], name="v1.csv"))
    with db.session() as s:
        dos = s.execute(select(Cooperative).where(Cooperative.name_key == "dos")).scalar_one()
        dos.members_total = 7  # edited by hand since the import
        s.commit()
    second = run(
        db,
        files.csv([row(constituted="06-03-1999"), row(rut="65.000.012-9", name="Dos")]),
    )
    assert (second.updated, second.unchanged) == (2, 0)
    third = run(
        db,
        files.csv([row(constituted="06-03-1999"), row(rut="65.000.012-9", name="Dos")]),
    )
    assert (third.updated, third.unchanged) == (0, 2)
    with db.session() as s:
        changes = {
            (c.field, c.old_value, c.new_value)
            for c in s.execute(select(CooperativeChange)).scalars()
        }
        assert changes == {
            ("constituted_on", "1999-03-05", "1999-03-06"),
            ("members_total", "7", "1234"),
        }


def test_many_changes_in_one_batch_each_leave_their_history(db: Database, files: Files) -> None:
    # Updates of a batch are written together, grouped by the columns they change: each
    # cooperative still gets exactly its own values, contacts and history entries.
    two, three = "65.000.012-9", "76.543.210-3"
    run(
        db,
        files.csv(
            [
                row(),
                row(rut=two, name="Cooperativa Dos", email="", representative=""),
                row(rut=three, name="Tres"),
            ],
            name="v1.csv",
        ),
    )
    second = run(
        db,
        files.csv(
            [
                row(members="1.300", email="nuevo@launion.cl"),  # a fact and a contact
                row(
                    rut=two,
                    name="Cooperativa Dos",
                    email="dos@coop.cl",
                    status="Disuelta",
                    representative="",
                ),
                row(rut=three, name="Tres"),  # unchanged
            ],
            name="v2.csv",
        ),
        actor=Actor(None, "luis"),
    )
    assert (second.updated, second.unchanged, second.created) == (2, 1, 0)
    with db.session() as s:
        coops = {c.tax_id: c for c in s.execute(select(Cooperative)).scalars()}
        one, dos, tres = coops["76086428-5"], coops["65000012-9"], coops["76543210-3"]
        assert (one.members_total, one.legal_status) == (1300, "vigente")
        assert (dos.members_total, dos.legal_status) == (1234, "disuelta")
        assert one.source_row == 2 and dos.source_row == 3
        assert one.import_run_id == dos.import_run_id == second.import_run_id
        assert tres.import_run_id != second.import_run_id
        contacts = {
            c.cooperative_id: c.email for c in s.execute(select(CooperativeContact)).scalars()
        }
        assert contacts[one.id] == "nuevo@launion.cl"  # updated
        assert contacts[dos.id] == "dos@coop.cl"  # inserted: it had no contact row
        changes = {
            (c.cooperative_id, c.field): (c.old_value, c.new_value, c.username)
            for c in s.execute(select(CooperativeChange)).scalars()
        }
        assert changes == {
            (one.id, "members_total"): ("1234", "1300", "luis"),
            (one.id, "email"): ("contacto@launion.cl", "nuevo@launion.cl", "luis"),
            (dos.id, "legal_status"): ("vigente", "disuelta", "luis"),
            (dos.id, "email"): (None, "dos@coop.cl", "luis"),
        }


def test_two_rows_reaching_one_cooperative_apply_in_file_order(db: Database, files: Files) -> None:
    # One row finds the cooperative by its RUT, the next by its registry number: both
    # changes are kept (the second does not replace the first's contacts), in file order.
    header = ["RUT", "Rol", "Razón Social", "Correo Electrónico", "Teléfono", "Ciudad"]
    name = "Cooperativa Uno"
    run(db, files.csv([["76.086.428-5", "77", name, "a@uno.cl", "111", "Talca"]], header=header))
    second = run(
        db,
        files.csv(
            [
                ["76.086.428-5", "", name, "b@uno.cl", "", "Curicó"],
                ["", "77", name, "", "222", "Linares"],
            ],
            header=header,
            name="v2.csv",
        ),
    )
    assert (second.updated, second.rejected) == (2, 0)
    with db.session() as s:
        coop = s.execute(select(Cooperative)).scalar_one()
        contact = s.get(CooperativeContact, coop.id)
        assert contact is not None and (contact.email, contact.phone) == ("b@uno.cl", "222")
        assert coop.city == "Linares" and coop.source_row == 3
        changes = [
            (c.field, c.old_value, c.new_value)
            for c in s.execute(select(CooperativeChange).order_by(CooperativeChange.id)).scalars()
        ]
        assert changes == [
            ("email", "a@uno.cl", "b@uno.cl"),
            ("city", "Talca", "Curicó"),
            ("phone", "111", "222"),
            ("city", "Curicó", "Linares"),
        ]


def test_progress_reports_reading_then_saving(db: Database, files: Files) -> None:
    path = files.csv([row(), row(rut="65.000.012-9", name="Cooperativa Dos")])
    size = path.stat().st_size
    checked: list[tuple[int, int | None, str | None]] = []
    run(db, path, dry_run=True, progress=lambda *report: checked.append(report))
    imported: list[tuple[int, int | None, str | None]] = []
    run(db, path, progress=lambda *report: imported.append(report))
    assert checked == [(size, size, "2 rows read")]
    # A real import says when it has read everything and is building indexes and committing
    # (a long, silent phase at a million rows).
    assert imported == [(size, size, "2 rows read"), (size, size, SAVING)]


def test_upsert_by_registry_number_when_there_is_no_tax_id(db: Database, files: Files) -> None:
    header = ["Rol", "Nombre", "Socios"]
    run(db, files.csv([["1234", "Cooperativa Sin RUT", "10"]], header=header, name="a.csv"))
    result = run(
        db, files.csv([["1234", "Cooperativa Sin RUT", "12"]], header=header, name="b.csv")
    )
    assert (result.created, result.updated) == (0, 1)


def test_registry_number_of_another_cooperative_is_rejected(db: Database, files: Files) -> None:
    header = ["RUT", "Rol", "Nombre"]
    run(db, files.csv([["76.086.428-5", "1234", "Uno"]], header=header, name="a.csv"))
    result = run(db, files.csv([["65.000.012-9", "1234", "Dos"]], header=header, name="b.csv"))
    problem = only(result.problems, "registry number already belongs to another cooperative")
    assert (problem.line, problem.column, result.rejected, result.created) == (2, "Rol", 1, 0)


def test_two_rows_of_one_batch_reaching_one_cooperative_see_each_other(
    db: Database, files: Files
) -> None:
    # A re-import compares stored rows as read, but a row reaching a cooperative that an
    # earlier row of the same batch changed compares with (and records as old) the new values.
    header = ["RUT", "Rol", "Nombre", "Socios"]
    run(db, files.csv([["76.086.428-5", "1234", "Uno", "10"]], header=header, name="a.csv"))
    result = run(
        db,
        files.csv(
            [["76.086.428-5", "", "Uno", "12"], ["", "1234", "Uno", "10"]],
            header=header,
            name="b.csv",
        ),
    )
    assert (result.updated, result.unchanged, result.created, result.rejected) == (2, 0, 0, 0)
    with db.session() as s:
        changes = [
            (c.field, c.old_value, c.new_value)
            for c in s.execute(select(CooperativeChange).order_by(CooperativeChange.id)).scalars()
        ]
        assert changes == [("members_total", "10", "12"), ("members_total", "12", "10")]
        assert s.execute(select(Cooperative.members_total)).scalar_one() == 10


def test_dry_run_counts_but_writes_nothing(db: Database, files: Files) -> None:
    result = run(db, files.csv([row(), row(rut="1-1")]), dry_run=True)
    assert (result.created, result.rejected, result.committed) == (1, 1, False)
    with db.session() as s:
        assert s.execute(select(func.count()).select_from(Cooperative)).scalar_one() == 0
        assert s.execute(select(func.count()).select_from(ImportRun)).scalar_one() == 0


def test_an_interrupted_import_writes_nothing(db: Database, files: Files) -> None:
    rows = [row(rut=f"{65_000_000 + i}-{_dv(65_000_000 + i)}", name=f"Coop {i}") for i in range(30)]
    path = files.csv(rows)

    def stop_after_first_batch(done: int, total: int | None, message: str | None) -> None:
        raise RuntimeError("disk full")

    with pytest.raises(ImportFailed, match="nothing was imported"):
        run(db, path, batch_size=10, progress=stop_after_first_batch)
    with db.session() as s:
        assert s.execute(select(func.count()).select_from(Cooperative)).scalar_one() == 0
        failed = s.execute(select(ImportRun)).scalar_one()
        assert failed.status == "failed" and "disk full" in (failed.message or "")
    # Indexes deferred during the bulk write came back with the rollback.
    assert run(db, path).created == 30


def test_unreadable_file_raises_one_line(db: Database, tmp_path: Path) -> None:
    empty = tmp_path / "vacio.csv"
    empty.write_text("")
    with pytest.raises(ReadError, match="empty"):
        run(db, empty)
    no_name = tmp_path / "sin_nombre.csv"
    no_name.write_text("RUT;Socios\n76.086.428-5;10\n")
    with pytest.raises(ReadError, match="legal name"):
        run(db, no_name)


def test_country_column_and_other_validators(db: Database, files: Files) -> None:
    header = ["País", "Tax ID", "Registered Name"]
    result = run(
        db,
        files.csv(
            [
                ["CO", "213.123.432-1", "Cooperativa Colombiana"],
                ["AR", "20-26756539-4", "Cooperativa Argentina"],
                ["Chile", "76.086.428-5", "País escrito con su nombre"],
                ["Narnia", "76.086.428-5", "Mal país"],
            ],
            header=header,
        ),
    )
    assert (result.created, result.rejected) == (2, 2)
    with db.session() as s:
        coop = s.execute(select(Cooperative).where(Cooperative.country == "CO")).scalar_one()
        assert (coop.country, coop.tax_id) == ("CO", "2131234321")
        named = s.execute(select(Cooperative).where(Cooperative.country == "CL")).scalar_one()
        assert named.tax_id == "76086428-5"  # a known country name reads as its code


def _dv(body: int) -> str:
    from asocia.registry.taxid import rut_check_digit

    return rut_check_digit(body)


def test_a_file_of_another_country_keeps_its_territory_as_given(db: Database, files: Files) -> None:
    header = ["NIT", "Razón Social", "Departamento", "Municipio"]
    result = run(
        db,
        files.csv([["213.123.432-1", "Cooperativa Cafetera", "Huila", "Pitalito"]], header=header),
        country="CO",
    )
    assert (result.created, result.flagged) == (1, 0)
    with db.session() as s:
        coop = s.execute(select(Cooperative)).scalar_one()
        assert (coop.country, coop.tax_id) == ("CO", "2131234321")
        assert (coop.admin_division, coop.city, coop.comuna_code) == ("Huila", "Pitalito", None)


def test_imported_cooperatives_get_their_secret_record_keys(db: Database, files: Files) -> None:
    """The bulk insert bypasses the model's default: it must give every new row a record key
    for the cell key method, distinct and in [0, 2³¹), before any statistics refresh."""
    path = files.csv([row(), row(rut="65.000.012-9", name="Cooperativa Dos", comuna="13101")])
    assert run(db, path).created == 2
    with db.session() as s:
        keys = s.scalars(select(Cooperative.cell_key)).all()
    assert len(keys) == 2 and all(k is not None and 0 <= k < 2**31 for k in keys)
    assert keys[0] != keys[1]
