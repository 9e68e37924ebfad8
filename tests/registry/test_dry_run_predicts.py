"""A dry run goes through the same checks as the real run and predicts it exactly."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from asocia.db import Database
from asocia.registry.importer import import_file
from tests.registry.real_files import daes_panel, rut, uk_file

TODAY = date(2026, 1, 1)


def _nasty_files(root: Path) -> list[Path]:
    files = []
    empty_type = root / "tipo_vacio.csv"
    empty_type.write_text(
        "RUT;Razón Social;Tipo de organización;N° Registro\n"
        f"{rut(76086428)};Coop Uno;Cooperativa;1\n"
        f"{rut(65000012)};Coop Dos;;2\n"
        f"{rut(70000123)};Coop Tres;Asociación gremial;3\n",
        "utf-8",
    )
    files.append(empty_type)
    keys = root / "claves.csv"
    keys.write_text(
        "RUT;Razón Social;N° Registro;Email\n"
        f"{rut(76086428)};Coop Uno bis;10;a@b.cl; c@d.cl\n"
        f"{rut(76086428)};Coop Otra;11;x@y.cl\n"
        f"{rut(71111111)};Coop Repetida;11;\n"
        "12.345.678-0;Coop RUT malo;12;no-es-correo\n"
        "Región;Coop desplazada;13;\n"
        "1-2;Coop sin registro;;\n"
        f"{rut(72222222)};;14;\n",
        "utf-8",
    )
    files.append(keys)
    banner = root / "titulo.csv"
    banner.write_text(
        "MINISTERIO DE ECONOMÍA\n\nRUT;Razón Social;N° Socios\n"
        f"{rut(73333333)};Coop Cuatro;doce\n"
        f"{rut(74444444)};Coop Cinco;Socios mujeres\nTOTAL;;12\n",
        "utf-8",
    )
    files.append(banner)
    utf16 = root / "unicode.txt"
    utf16.write_text(
        "RUT\tRazón Social\tComuna\r\n"
        f"{rut(75555555)}\tCoop Ñandú\tÑuñoa\r\n"
        f"{rut(76666666)}\tCoop Añil\tPAIHUANO\r\n",
        "utf-16",
    )
    files.append(utf16)
    jsonl = root / "lineas.ndjson"
    jsonl.write_text(
        '{"RUT": "' + rut(77777777) + '", "Razón Social": "Coop JSON"}\n[1, 2]\n{broken\n',
        "utf-8",
    )
    files.append(jsonl)
    daes = root / "daes.xlsx"
    daes_panel(daes, 60, banner=True)
    files.append(daes)
    uk = root / "uk.csv"
    uk_file(uk, 10)
    files.append(uk)
    return files


def test_dry_run_predicts_the_real_run_on_nasty_files(db: Database, tmp_path: Path) -> None:
    for path in _nasty_files(tmp_path):
        country = "GB" if path.name == "uk.csv" else None
        dry = import_file(db, path, dry_run=True, today=TODAY, country=country)
        real = import_file(db, path, today=TODAY, country=country)
        assert real.committed, path.name
        assert dry.summary() == real.summary(), path.name
        assert [p.as_dict() for p in dry.problems] == [p.as_dict() for p in real.problems], (
            path.name
        )
        assert real.read > 0, path.name


def test_empty_organisation_type_cell_is_the_default_type(db: Database, tmp_path: Path) -> None:
    path = _nasty_files(tmp_path)[0]
    result = import_file(db, path, today=TODAY)
    assert (result.created, result.rejected) == (3, 0)
    from sqlalchemy import select

    from asocia.db.models.registry import Cooperative

    with db.session() as session:
        kinds = dict(
            session.execute(select(Cooperative.legal_name, Cooperative.organisation_type)).all()
        )
    assert kinds == {
        "Coop Uno": "cooperativa",
        "Coop Dos": "cooperativa",
        "Coop Tres": "asociacion_gremial",
    }


def test_utf16_text_saved_by_excel(db: Database, tmp_path: Path) -> None:
    path = _nasty_files(tmp_path)[3]
    result = import_file(db, path, today=TODAY)
    assert (result.encoding, result.delimiter) == ("utf-16", "\t")
    assert (result.created, result.flagged) == (2, 0)


def test_key_rules_on_a_nasty_file(db: Database, tmp_path: Path) -> None:
    path = _nasty_files(tmp_path)[1]
    result = import_file(db, path, today=TODAY)
    outcomes = {(p.line, p.outcome) for p in result.problems}
    # Line 3: the same RUT as line 2 with another registry number: kept, tax id dropped.
    assert (3, "flagged") in outcomes
    # Line 4: registry number 11 again (line 3): rejected.
    assert (4, "rejected") in outcomes
    # Lines 5 and 6: invalid RUTs with a registry number: kept; line 7: no registry number.
    assert (5, "flagged") in outcomes and (6, "flagged") in outcomes
    assert (7, "rejected") in outcomes and (8, "rejected") in outcomes
    assert (result.read, result.created, result.rejected) == (7, 4, 3)
