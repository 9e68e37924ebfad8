"""Registry files as Chile's DAES and Co-operatives UK publish them: nothing lost, all classified.

Each test writes a file of the real shape (tests/registry/real_files.py) and imports it.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from asocia.db import Database
from asocia.db.models.registry import Cooperative, CooperativeContact, CooperativeFlag
from asocia.registry.columns import Mapping
from asocia.registry.flags import open_flags, resolve_flags
from asocia.registry.importer import import_file
from asocia.registry.names import fold
from asocia.registry.rubros import daes_rubros
from asocia.registry.territory import territory
from asocia.stats.engine import StatsEngine
from tests.registry.real_files import (
    DAES_PLACES,
    UK_MAPPING,
    daes_pairs,
    daes_panel,
    uk_file,
)

UF = 39_000.0

#: What every (rubro, subrubro) pair DAES uses means: class, ILO type, ISIC section.
EXPECTED_PAIRS = {
    ("Agrícola", ""): ("agricola", "producer", "A"),
    ("Agrícola", "Lechera"): ("agricola", "producer", "A"),
    ("Agrícola", "Vitivinícola"): ("agricola", "producer", "C"),
    ("Agrícola", "Pisquera"): ("agricola", "producer", "C"),
    ("Agropecuarias", ""): ("agricola", "producer", "A"),
    ("Campesinas", ""): ("campesina", "producer", "A"),
    ("Pesquera", ""): ("pesquera", "producer", "A"),
    ("Pesquera", "Pesca Artesanal"): ("pesquera", "producer", "A"),
    ("Producción y Trabajo", ""): ("trabajo", "worker", None),
    ("Trabajo", ""): ("trabajo", "worker", None),
    ("Consumo", ""): ("consumo", "consumer_user", "G"),
    ("Extractivas y Mineras", ""): ("other", "producer", "B"),
    ("Turismo", ""): ("servicios", "producer", "I"),
    ("Transporte de Pasajeros", ""): ("servicios", "producer", "H"),
    ("Transporte", ""): ("servicios", "producer", "H"),
    ("Tipos Federativos e Institutos Auxiliares", ""): ("other", "multi_stakeholder", "S"),
    ("Servicios", ""): ("servicios", "consumer_user", "S"),
    ("Servicios", "Agua Potable"): ("agua_potable", "consumer_user", "E"),
    ("Servicios", "Ahorro y Crédito"): ("ahorro_credito", "consumer_user", "K"),
    ("Servicios", "Eléctrica"): ("electrica", "consumer_user", "D"),
    ("Servicios", "Vivienda Cerrada"): ("vivienda", "consumer_user", "F"),
    ("Servicios", "Vivienda Abierta"): ("vivienda", "consumer_user", "F"),
    ("Servicios", "Escolar"): ("escolar", "consumer_user", "P"),
    ("Servicios", "Abastecimiento y Distribución de Energía Eléctrica"): (
        "electrica",
        "consumer_user",
        "D",
    ),
    ("Servicios", "Salud"): ("servicios", "consumer_user", "Q"),
    ("Servicios", "Educación"): ("servicios", "consumer_user", "P"),
    ("Servicios", "Servicios Varios"): ("servicios", "consumer_user", "S"),
    ("Vivienda", ""): ("vivienda", "consumer_user", "F"),
    ("Ahorro y Crédito", ""): ("ahorro_credito", "consumer_user", "K"),
    ("Agua Potable", ""): ("agua_potable", "consumer_user", "E"),
    ("Eléctrica", ""): ("electrica", "consumer_user", "D"),
    ("Escolar", ""): ("escolar", "consumer_user", "P"),
    ("Otros", ""): ("other", None, None),
}


@pytest.mark.parametrize(("rubro", "subrubro"), sorted(EXPECTED_PAIRS))
def test_every_daes_rubro_pair_has_its_class_ilo_type_and_sector(rubro: str, subrubro: str) -> None:
    found = daes_rubros().lookup(rubro.upper(), subrubro.upper() or None)
    assert found is not None
    assert (found.legal_class, found.ilo_type, found.isic_section) == EXPECTED_PAIRS[
        (rubro, subrubro)
    ]


def test_the_test_covers_every_shipped_pair() -> None:
    assert {(r, s) for r, s in daes_pairs()} == set(EXPECTED_PAIRS)


def test_a_mapping_file_overrides_a_rubro_pair(tmp_path: Path, db: Database) -> None:
    path = tmp_path / "daes.xlsx"
    daes_panel(path, 40)
    mapping = Mapping.from_dict(
        {"rubros": [{"rubro": "Turismo", "subrubro": "*", "legal_class": "trabajo", "isic": "I"}]}
    )
    import_file(db, path, mapping=mapping, today=_TODAY)
    with db.session() as session:
        classes = set(
            session.scalars(select(Cooperative.legal_class).where(Cooperative.rubro == "Turismo"))
        )
    assert classes == {"trabajo"}


def test_daes_territory_spellings_resolve() -> None:
    t = territory()
    for region, comuna, cut, region_code in DAES_PLACES:
        found = t.comuna(comuna)
        assert found is not None and found.code == cut, comuna
        assert t.region(region) is not None and t.region(region).code == region_code, region  # type: ignore[union-attr]


from datetime import date  # noqa: E402

_TODAY = date(2026, 1, 1)


def test_daes_panel_keeps_every_coop_with_a_registry_number(tmp_path: Path, db: Database) -> None:
    path = tmp_path / "daes.xlsx"
    panel = daes_panel(path)
    result = import_file(db, path, country="CL", uf_clp=UF, today=_TODAY)
    assert result.read == panel.rows
    assert result.created == panel.rows and result.rejected == 0
    invalid = len(panel.invalid_tax_ids) + panel.repeated_tax_ids
    assert result.flagged == invalid + len(panel.shifted_lines)
    with db.session() as session:
        coops = list(session.scalars(select(Cooperative)))
        total = len(coops)
        assert total == panel.rows

        def share(attr: str) -> float:
            return sum(1 for c in coops if getattr(c, attr) is not None) / total

        for attr in ("region_code", "comuna_code", "legal_class", "ilo_type", "activity"):
            assert share(attr) >= 0.95, attr
        assert sum(1 for c in coops if c.constituted_on or c.in_force_on) / total >= 0.95
        # The three DAES dates: celebration = constitution, publication = in force, update.
        first = next(c for c in coops if c.registry_number == "1000")
        assert (first.constituted_on, first.in_force_on, first.last_verified_on) == (
            date(1990, 1, 10),
            date(1990, 3, 1),
            date(2024, 1, 15),
        )
        assert {c.activity for c in coops} == {"activa", "inactiva"}
        assert {c.legal_status for c in coops} == {"vigente"}
        # Invalid tax ids: kept, stored as given, marked invalid, not used as a key.
        invalid_rows = [c for c in coops if c.tax_id is None]
        assert len(invalid_rows) == invalid
        given = {v for c in invalid_rows for v in (c.extra or {}).values()}
        assert set(panel.invalid_tax_ids) <= given
        flags = list(session.scalars(select(CooperativeFlag)))
        assert {f.code for f in flags if f.field == "tax_id"} == {
            "invalid_tax_id",
            "repeated_tax_id",
        }
        assert sum(1 for f in flags if f.field == "tax_id") == invalid
        # Several e-mails in one cell are all kept.
        emails = dict(
            session.execute(
                select(Cooperative.registry_number, CooperativeContact.email).join(
                    CooperativeContact
                )
            ).all()
        )
        for number, cell in panel.several_emails.items():
            assert emails[number] == cell
        # SII sales band → size class (no sales amount in the file); workers from the SII.
        by_number = {c.registry_number: c for c in coops}
        assert by_number["1000"].size_band is None  # band 1: no sales
        assert by_number["1001"].size_band == "micro"  # band 2
        assert by_number["1004"].size_band == "small"  # band 5
        assert by_number["1007"].size_band == "medium"  # band 8
        assert by_number["1012"].size_band == "large"  # band 13
        assert by_number["1012"].extra["size_band_source"].startswith("SII")
        assert by_number["1030"].employees == 30
    shifted = [p for p in result.problems if "looks shifted" in p.reason]
    assert [p.line for p in shifted] == panel.shifted_lines
    # Statistics by region equal the file's own counts.
    with db.session() as session:
        grouped = StatsEngine(session, uf_clp=UF).grouped(
            ["region"], ["cooperatives"], population="registered"
        )
        counts = {key["region"]: value["cooperatives"] for key, value in grouped.keyed()}
    assert counts == panel.by_region


def test_correction_queue_lists_and_resolves(tmp_path: Path, db: Database) -> None:
    path = tmp_path / "daes.xlsx"
    panel = daes_panel(path, 40)
    import_file(db, path, today=_TODAY)
    with db.session() as session:
        queue = open_flags(session)
        expected = len(panel.invalid_tax_ids) + panel.repeated_tax_ids + len(panel.shifted_lines)
        assert queue["count"] == expected
        first = queue["items"][0]
        assert first["flags"][0]["reason"]
        only_tax = open_flags(session, _filters(field="tax_id"))
        assert only_tax["count"] == len(panel.invalid_tax_ids) + panel.repeated_tax_ids
        resolved = resolve_flags(session, first["id"], ["tax_id"], None, "ana")
        assert resolved == sum(1 for f in first["flags"] if f["field"] == "tax_id") >= 1
    with db.session() as session:
        assert open_flags(session)["count"] == expected - resolved
        who = session.scalar(
            select(CooperativeFlag.resolved_by_username).where(
                CooperativeFlag.resolved_at.is_not(None)
            )
        )
        assert who == "ana"
    # Importing the same file again adds no second copy of a flag (open or resolved).
    import_file(db, path, today=_TODAY)
    with db.session() as session:
        assert open_flags(session)["count"] == expected - resolved


def _filters(**kwargs: object) -> object:
    from asocia.registry.flags import FlagFilters

    return FlagFilters(**kwargs)  # type: ignore[arg-type]


def test_daes_panel_under_a_banner(tmp_path: Path, db: Database) -> None:
    path = tmp_path / "daes_banner.xlsx"
    panel = daes_panel(path, 30, banner=True)
    result = import_file(db, path, today=_TODAY)
    assert (result.read, result.created, result.rejected) == (30, 30, 0)
    skipped = [p for p in result.problems if p.outcome == "skipped"]
    assert [p.line for p in skipped] == [1, 3]
    assert "MINISTERIO" in (skipped[0].value or "")
    assert panel.rows == 30


def test_uk_file_with_a_mapping_of_columns_and_values(tmp_path: Path, db: Database) -> None:
    path = tmp_path / "open_data.csv"
    facts = uk_file(path)
    mapping_path = tmp_path / "uk.yaml"
    mapping_path.write_text(UK_MAPPING, "utf-8")
    result = import_file(db, path, mapping=Mapping.load(mapping_path), today=_TODAY)
    assert (result.read, result.created, result.rejected, result.flagged) == (
        facts["rows"],
        facts["rows"],
        0,
        0,
    )
    with db.session() as session:
        statuses = dict(
            session.execute(
                select(Cooperative.legal_status, func.count()).group_by(Cooperative.legal_status)
            ).all()
        )
        assert statuses == {"vigente": facts["live"], "disuelta": facts["dead"]}
        one = session.scalar(select(Cooperative).where(Cooperative.registry_number == "IP30001R"))
        assert one is not None
        assert one.country == "GB" and one.region_code is None
        assert one.admin_division == "North West" and one.city == "Manchester"
        assert one.constituted_on == date(1951, 2, 2)
        assert "Unit 1" in (one.extra or {})["Registered Street"]
        engine = StatsEngine(session, uf_clp=UF)
        live = engine.grouped([], ["cooperatives"]).total(["cooperatives"])
    assert live == facts["live"]


def test_uk_headers_are_known_without_a_mapping(tmp_path: Path, db: Database) -> None:
    path = tmp_path / "open_data.csv"
    uk_file(path, 8)
    result = import_file(db, path, country="GB", today=_TODAY)
    fields = {c["column"]: c["field"] for c in result.columns}
    assert fields["Registered Number"] == "registry_number"
    assert fields["Registered Status"] == "legal_status"
    assert fields["Trading Name"] == "trade_name"
    assert fields["Dissolved Date"] == "dissolved_on"
    assert fields["Incorporation Date"] == "constituted_on"
    assert fields["Legal Form"] == "organisation_type"
    assert result.created == 8


def test_rows_of_other_countries_keep_their_own_region(tmp_path: Path, db: Database) -> None:
    path = tmp_path / "mixed.csv"
    path.write_text(
        "País;RUT;N° Registro;Razón Social;Región;Comuna\n"
        "IT;;R-1;Cooperativa Roma;RM;Roma\n"
        "ES;;E-1;Cooperativa Valencia;V;Valencia\n"
        f"CL;{_rut(76086428)};C-1;Cooperativa Chile;RM;Santiago\n",
        "utf-8",
    )
    result = import_file(db, path, today=_TODAY)
    assert (result.created, result.flagged) == (3, 0), result.problems
    with db.session() as session:
        rows = {
            c.country: (c.region_code, c.comuna_code, c.admin_division, c.city)
            for c in session.scalars(select(Cooperative))
        }
    assert rows["IT"] == (None, None, "RM", "Roma")
    assert rows["ES"] == (None, None, "V", "Valencia")
    assert rows["CL"] == (13, 13101, None, None)


def _rut(body: int) -> str:
    from tests.registry.real_files import rut

    return rut(body)


def test_fold_of_sii_headers() -> None:
    assert fold("sii_tramo_ventas") == "sii tramo ventas"


def test_daes_panel_read_in_a_second_process_gives_the_same_result(
    tmp_path: Path, db: Database
) -> None:
    path = tmp_path / "daes.xlsx"
    daes_panel(path, 120, banner=True)
    alone = import_file(db, path, dry_run=True, today=_TODAY, parallel=False, batch_size=50)
    shared = import_file(db, path, dry_run=True, today=_TODAY, parallel=True, batch_size=50)
    assert alone.summary() == shared.summary()
    assert sorted(p.as_dict().items() for p in alone.problems) == sorted(
        p.as_dict().items() for p in shared.problems
    )


def test_statistics_by_country_and_filtered_to_one(tmp_path: Path, db: Database) -> None:
    from asocia.stats.engine import Filters

    daes = tmp_path / "daes.xlsx"
    panel = daes_panel(daes, 40)
    uk = tmp_path / "uk.csv"
    facts = uk_file(uk, 20)
    mapping = tmp_path / "uk.yaml"
    mapping.write_text(UK_MAPPING, "utf-8")
    import_file(db, daes, today=_TODAY)
    import_file(db, uk, mapping=Mapping.load(mapping), today=_TODAY)
    with db.session() as session:
        engine = StatsEngine(session, uf_clp=UF)
        by_country = {
            key["country"]: value["cooperatives"]
            for key, value in engine.grouped(
                ["country"], ["cooperatives"], population="registered"
            ).keyed()
        }
        gb = engine.grouped(
            ["region"], ["cooperatives"], Filters.of({"country": ["GB"]}), "registered"
        )
        gb_regions = {key["region"]: value["cooperatives"] for key, value in gb.keyed()}
    assert by_country == {"CL": panel.rows, "GB": facts["rows"]}
    assert gb_regions == {None: facts["rows"]}  # no Chilean region for a British co-op
