"""Creating and editing cooperatives by hand: domain, then the API with a token (SQLite and
PostgreSQL)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlalchemy import func, select

from asocia.auth import accounts
from asocia.db.models.registry import CooperativeChange, CooperativeFlag
from asocia.db.session import Database
from asocia.registry import editing, flags
from asocia.registry.importer import import_file
from asocia.registry.store import Actor
from tests.conftest import Web
from tests.registry.conftest import Files, row

ANA = Actor(None, "ana")


def _create(db: Database, **values: Any) -> int:
    values.setdefault("legal_name", "Cooperativa Agrícola La Unión")
    values.setdefault("tax_id", "76.086.428-5")
    with db.session() as session:
        return editing.create_cooperative(
            session, values, actor=ANA, may_edit_contacts=True
        ).cooperative_id


def test_create_validates_like_the_importer(db: Database) -> None:
    with db.session() as session, pytest.raises(editing.EditError) as error:
        editing.create_cooperative(
            session,
            {
                "legal_name": "",
                "tax_id": "76.086.428-4",
                "comuna": "Chilan",
                "members_total": "10",
                "members_women": "8",
                "members_men": "5",
                "constituted_on": "31-02-2001",
            },
            actor=ANA,
        )
    errors = error.value.errors
    assert errors["tax_id"] == "invalid RUT check digit: expected 5, found 4"
    assert errors["legal_name"] == "legal name is required"
    assert errors["comuna"].startswith("unknown comuna; did you mean")
    assert errors["members_women"] == "members by sex (13) exceed the total (10)"
    assert errors["constituted_on"] == "not a calendar date"
    with db.session() as session:
        assert session.scalar(select(func.count()).select_from(CooperativeChange)) == 0

    coop_id = _create(
        db, comuna="Chillán", legal_class="Agrícola", members_total="1.234", email="a@b.cl"
    )
    with db.session() as session:
        record = editing.current_record(session, coop_id)
        assert record["tax_id"] == "76086428-5"
        assert (record["comuna_code"], record["region_code"], record["rural_class"]) == (
            16101,
            16,
            "urbana",
        )
        assert record["members_total"] == 1234
        assert record["ilo_type"] == "producer"
        assert record["email"] == "a@b.cl"
        assert record["version"] == 1
        created = session.scalars(select(CooperativeChange)).one()
        assert (created.action, created.username) == ("create", "ana")


def test_create_refuses_a_key_of_another_cooperative(db: Database) -> None:
    first = _create(db)
    with db.session() as session, pytest.raises(editing.EditError) as error:
        editing.create_cooperative(
            session, {"legal_name": "Otra", "tax_id": "76086428-5"}, actor=ANA
        )
    assert error.value.errors["tax_id"] == f"tax id already belongs to cooperative #{first}"


def test_contacts_only_for_who_may_see_them(db: Database) -> None:
    coop_id = _create(db)
    with db.session() as session, pytest.raises(editing.EditError) as error:
        editing.edit_cooperative(
            session, coop_id, {"phone": "+56 9 1234 5678"}, version=1, actor=ANA
        )
    assert "phone" in error.value.errors


def test_edit_records_history_and_checks_the_version(db: Database) -> None:
    coop_id = _create(db, comuna="Chillán", members_total="20", members_women="10")
    with db.session() as session:
        result = editing.edit_cooperative(
            session,
            coop_id,
            {"comuna": "Ninhue", "members_men": "10", "trade_name": "La Unión"},
            version=1,
            actor=Actor(None, "bea"),
            comment="llamó la gerente",
        )
    assert result.version == 2
    assert result.changed["comuna_code"] == 16204
    with db.session() as session:
        changes = {
            c.field: c
            for c in session.scalars(
                select(CooperativeChange).where(CooperativeChange.action == "update")
            )
        }
        assert (changes["comuna_code"].old_value, changes["comuna_code"].new_value) == (
            "16101",
            "16204",
        )
        assert changes["rural_class"].new_value == "rural"
        assert changes["members_men"].old_value is None
        assert {c.username for c in changes.values()} == {"bea"}
        assert {c.comment for c in changes.values()} == {"llamó la gerente"}
    # The same edit from version 1 again: refused, nothing written.
    with db.session() as session, pytest.raises(editing.StaleVersion) as stale:
        editing.edit_cooperative(session, coop_id, {"trade_name": "Otra"}, version=1, actor=ANA)
    assert stale.value.current == 2
    with db.session() as session:
        assert editing.current_record(session, coop_id)["trade_name"] == "La Unión"


def test_edit_checks_fields_together_and_clears(db: Database) -> None:
    coop_id = _create(db, members_total="20", members_women="10", members_men="10")
    with db.session() as session, pytest.raises(editing.EditError) as error:
        editing.edit_cooperative(session, coop_id, {"members_total": "15"}, version=1, actor=ANA)
    assert error.value.errors == {"members_women": "members by sex (20) exceed the total (15)"}
    with db.session() as session:
        result = editing.edit_cooperative(
            session, coop_id, {"members_women": "", "legal_status": "Vigente"}, version=1, actor=ANA
        )
    assert result.changed == {"members_women": None, "legal_status": "vigente"}
    with db.session() as session, pytest.raises(editing.EditError) as error:
        editing.edit_cooperative(
            session,
            coop_id,
            {"constituted_on": "01-01-2999", "colour": "red"},
            version=2,
            actor=ANA,
        )
    assert error.value.errors == {"colour": "not a field that can be edited"}


def test_edit_of_an_imported_record_keeps_untouched_values(db: Database, files: Files) -> None:
    import_file(db, files.csv([row(sales="1.234.567,5")]))
    with db.session() as session:
        coop_id = session.scalar(select(func.min(editing.COOPS.c.id)))
        assert coop_id is not None
        before = editing.current_record(session, coop_id)
        result = editing.edit_cooperative(
            session, coop_id, {"city": "Chillán Viejo"}, version=1, actor=ANA
        )
    assert result.changed == {"city": "Chillán Viejo"}
    with db.session() as session:
        after = editing.current_record(session, coop_id)
    for column in ("comuna_code", "members_total", "sales_amount", "size_band", "email"):
        assert after[column] == before[column]


def test_mark_verified(db: Database) -> None:
    coop_id = _create(db)
    with db.session() as session:
        editing.mark_verified(session, coop_id, actor=ANA, how="confirmed", on=date(2026, 5, 1))
        again = editing.mark_verified(
            session, coop_id, actor=ANA, how="marked", on=date(2026, 4, 1)
        )
    assert again.changed == {}
    with db.session() as session:
        assert editing.current_record(session, coop_id)["last_verified_on"] == date(2026, 5, 1)
        entry = session.scalars(
            select(CooperativeChange).where(CooperativeChange.action == "verify")
        ).one()
        assert entry.comment == "the cooperative confirmed its data"


# -- API ---------------------------------------------------------------------------------------


def _token(web: Web, role: str, cooperative_id: int | None = None) -> dict[str, str]:
    username = web.create_user(role, cooperative_id=cooperative_id)
    with web.db.session() as session:
        user = accounts.get_user(session, username)
        assert user is not None
        secret = accounts.create_token(session, user, "script").secret
    return {"Authorization": f"Bearer {secret}"}


def test_api_create_read_patch_and_stale_patch(web: Web) -> None:
    analyst = _token(web, "analyst")
    client = web.client
    created = client.post(
        "/api/v1/registry/cooperatives",
        json={"legal_name": "Cooperativa Los Aromos", "tax_id": "65.000.012-9", "comuna": "Ninhue",
              "members_total": 15, "phone": "+56 9 8765 4321", "comment": "llamó al ministerio"},
        headers=analyst,
    )  # fmt: skip
    assert created.status_code == 201, created.text
    coop_id = created.json()["id"]
    read = client.get(f"/api/v1/registry/cooperatives/{coop_id}", headers=analyst).json()
    assert read["version"] == 1
    assert read["contact"]["phone"] == "+56 9 8765 4321"
    patched = client.patch(
        f"/api/v1/registry/cooperatives/{coop_id}",
        json={"version": read["version"], "values": {"members_total": 18}, "comment": "visita"},
        headers=analyst,
    )
    assert patched.status_code == 200, patched.text
    assert patched.json()["version"] == 2
    history = client.get(f"/api/v1/registry/cooperatives/{coop_id}/history", headers=analyst)
    entry = next(h for h in history.json() if h["field"] == "members_total")
    assert (entry["old_value"], entry["new_value"]) == ("15", "18")
    stale = client.patch(
        f"/api/v1/registry/cooperatives/{coop_id}",
        json={"version": read["version"], "values": {"members_total": 99}},
        headers=analyst,
    )
    assert stale.status_code == 409
    assert stale.json()["version"] == 2
    again = client.get(f"/api/v1/registry/cooperatives/{coop_id}", headers=analyst).json()
    assert (again["members_total"], again["version"]) == (18, 2)
    bad = client.patch(
        f"/api/v1/registry/cooperatives/{coop_id}",
        json={"version": 2, "values": {"comuna": "Atlantis"}},
        headers=analyst,
    )
    assert bad.status_code == 422
    assert bad.json()["errors"]["comuna"]["reason"] == "unknown comuna"
    changes = client.get(f"/api/v1/registry/cooperatives/{coop_id}/changes", headers=analyst)
    assert {c["comment"] for c in changes.json() if c["field"] == "members_total"} == {"visita"}


def test_api_field_users_read_but_do_not_edit(web: Web) -> None:
    coop_id = web.make_cooperative()
    field_user = _token(web, "field")
    response = web.client.patch(
        f"/api/v1/registry/cooperatives/{coop_id}",
        json={"version": 1, "values": {"trade_name": "x"}},
        headers=field_user,
    )
    assert response.status_code == 403


def test_an_import_between_read_and_edit_makes_the_edit_stale(db: Database, files: Files) -> None:
    import_file(db, files.csv([row(members="20", women="", men="")]))
    with db.session() as session:
        coop_id = session.scalar(select(func.min(editing.COOPS.c.id)))
        assert coop_id is not None
        read = editing.current_record(session, coop_id)["version"]
    import_file(db, files.csv([row(members="25", women="", men="")], name="segundo.csv"))
    with db.session() as session:
        now = editing.current_record(session, coop_id)
        assert (now["members_total"], now["version"]) == (25, read + 1)
        with pytest.raises(editing.StaleVersion):
            editing.edit_cooperative(
                session, coop_id, {"members_total": "30"}, version=read, actor=ANA
            )
    # Re-importing the same file changes nothing, so the version stays.
    import_file(db, files.csv([row(members="25", women="", men="")], name="segundo.csv"))
    with db.session() as session:
        result = editing.edit_cooperative(
            session, coop_id, {"trade_name": "La Unión", "email": ""}, version=read + 1,
            actor=ANA, may_edit_contacts=True,
        )  # fmt: skip
        assert result.version == read + 2  # one edit, one version (contacts included)


def test_web_form_refuses_a_stale_version_and_shows_field_errors(web: Web) -> None:
    coop_id = web.make_cooperative(legal_name="Cooperativa Los Aromos", tax_id="65000012-9")
    analyst = web.login_as("analyst")
    form = analyst.get(f"/registry/{coop_id}/edit")
    assert form.status_code == 200
    assert 'name="version" value="1"' in form.text
    created = analyst.post(
        "/registry/new",
        data={"csrf_token": web.csrf(analyst), "legal_name": "Otra", "tax_id": "65000012-9"},
    )
    assert created.status_code == 422
    assert 'data-testid="error-tax_id"' in created.text
    assert "RUT ya pertenece a la cooperativa #" in created.text
    saved = analyst.post(
        f"/registry/{coop_id}/edit",
        data={"csrf_token": web.csrf(analyst), "version": "1", "trade_name": "Aromos"},
    )
    assert saved.status_code == 303
    stale = analyst.post(
        f"/registry/{coop_id}/edit",
        data={"csrf_token": web.csrf(analyst), "version": "1", "trade_name": "Otro nombre"},
    )
    assert stale.status_code == 409
    assert 'data-testid="stale"' in stale.text
    assert 'value="Otro nombre"' in stale.text  # the person's value is kept in the form
    with web.db.session() as session:
        record = editing.current_record(session, coop_id)
    assert (record["trade_name"], record["version"]) == ("Aromos", 2)


def test_editing_a_flagged_field_clears_it_from_the_correction_queue(db: Database) -> None:
    """Issue 9's correction queue meets issue 10's edit form: fixing a value resolves its flag."""
    coop_id = _create(db, comuna="Chillán", members_total="10", members_women="4")
    with db.session() as session:
        flags.add_flags(
            session,
            [
                {
                    "cooperative_id": coop_id,
                    "field": field,
                    "code": code,
                    "value": value,
                    "reason": reason,
                    "import_run_id": None,
                    "line": 7,
                }
                for field, code, value, reason in (
                    ("comuna", "unknown_comuna", "CHILLAN VIEJO (EX)", "unknown comuna"),
                    ("members_women", "members", "40", "members by sex exceed the total"),
                    ("legal_name", "other", "X", "kept as given"),
                )
            ],
        )
    with db.session() as session:
        version = editing.current_record(session, coop_id)["version"]
        editing.edit_cooperative(
            session, coop_id, {"comuna": "Chillán Viejo", "members_total": "12"},
            version=version, actor=ANA,
        )  # fmt: skip
    with db.session() as session:
        queue = flags.open_flags(session, flags.FlagFilters(cooperative_id=coop_id))
        left = [flag["field"] for item in queue["items"] for flag in item["flags"]]
        resolved = session.scalars(
            select(CooperativeFlag.resolved_by_username).where(
                CooperativeFlag.resolved_at.is_not(None)
            )
        ).all()
    # comuna fixed, members_women checked again with the new total; the name was not touched
    assert left == ["legal_name"]
    assert resolved == ["ana", "ana"]
