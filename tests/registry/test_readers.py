"""File quirks: delimiters, encodings, BOM, quoted line breaks, XLSX sheets, JSON lines."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path

import pytest
from openpyxl import Workbook

from asocia.db import Database
from asocia.registry.importer import import_file
from asocia.registry.readers import ReadError, open_table

ROWS = [
    ["76.086.428-5", "Cooperativa Agrícola Ñuble", "12"],
    ["65.000.012-9", "Cooperativa de Consumo Peñalolén", "1.234"],
]
HEADER = ["RUT", "Razón Social", "N° Socios"]


def _write(path: Path, text: str, encoding: str) -> Path:
    path.write_bytes(text.encode(encoding))
    return path


@pytest.mark.parametrize("delimiter", [";", ",", "\t", "|"])
def test_any_common_delimiter(tmp_path: Path, delimiter: str) -> None:
    text = (
        "\r\n".join(delimiter.join(f'"{c}"' if "," in c else c for c in r) for r in [HEADER, *ROWS])
        + "\r\n"
    )
    with open_table(_write(tmp_path / "r.csv", text, "utf-8")) as table:
        assert table.delimiter == delimiter
        assert table.headers == HEADER
        assert [cells for _, cells in table.rows] == ROWS


@pytest.mark.parametrize(
    ("encoding", "detected"),
    [("utf-8", "utf-8"), ("utf-8-sig", "utf-8-sig"), ("cp1252", "cp1252"), ("latin-1", "cp1252")],
)
def test_encodings_are_detected(tmp_path: Path, encoding: str, detected: str) -> None:
    text = "\n".join(";".join(r) for r in [HEADER, *ROWS]) + "\n"
    with open_table(_write(tmp_path / "r.csv", text, encoding)) as table:
        assert table.encoding == detected
        assert table.headers[0] == "RUT"  # no BOM left on the first header
        assert [cells[1] for _, cells in table.rows] == [r[1] for r in ROWS]


def test_cp1252_after_a_long_ascii_start(tmp_path: Path) -> None:
    lines = [";".join(HEADER)] + [f"1-9;Coop {i};1" for i in range(70_000)]
    lines.append("76.086.428-5;Cooperativa Ñandú;3")
    path = _write(tmp_path / "r.csv", "\n".join(lines) + "\n", "cp1252")
    with open_table(path) as table:
        assert table.encoding == "cp1252"
        assert list(table.rows)[-1][1][1] == "Cooperativa Ñandú"


def test_quoted_fields_with_line_breaks_keep_line_numbers(tmp_path: Path) -> None:
    text = (
        'RUT;Razón Social;Notas\n76.086.428-5;"Cooperativa\nde dos líneas";x\n'
        '65.000.012-9;Otra;"nota\n\nlarga"\n1-9;Tercera;\n'
    )
    with open_table(_write(tmp_path / "r.csv", text, "utf-8")) as table:
        rows = list(table.rows)
    assert [line for line, _ in rows] == [2, 4, 7]
    assert rows[0][1][1] == "Cooperativa\nde dos líneas"


def test_xlsx_first_or_named_sheet(tmp_path: Path) -> None:
    workbook = Workbook()
    first = workbook.active
    assert first is not None
    first.title = "Portada"
    first.append(["Registro de cooperativas"])
    data = workbook.create_sheet("Registro")
    data.append([])
    data.append([*HEADER, "Fecha de Constitución"])
    data.append(["76.086.428-5", "Cooperativa Uno", 12, datetime(2001, 5, 4)])
    data.append([None, None, None, None])
    data.append(["65.000.012-9", "Cooperativa Dos", 1234, 36_000])
    path = tmp_path / "r.xlsx"
    workbook.save(path)
    with open_table(path) as table:
        assert table.headers == ["Registro de cooperativas"]
    with open_table(path, sheet="Registro") as table:
        assert table.format == "xlsx"
        rows = list(table.rows)
    assert [line for line, _ in rows] == [3, 5]
    assert rows[0][1][3] == datetime(2001, 5, 4)
    with pytest.raises(ReadError, match="no sheet named 'Datos'"), open_table(path, "Datos"):
        pass


def test_xlsx_values_import_natively(db: Database, tmp_path: Path) -> None:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Registro")
    sheet.append([*HEADER, "Fecha de Constitución"])
    sheet.append(["76.086.428-5", "Cooperativa Uno", 12, date(2001, 5, 4)])
    sheet.append(["65.000.012-9", "Cooperativa Dos", 1234.0, 36_000])
    path = tmp_path / "r.xlsx"
    workbook.save(path)
    result = import_file(db, path, sheet="Registro")
    assert (result.created, result.flagged, result.rejected) == (2, 0, 0)


def test_json_lines_with_a_broken_line(db: Database, tmp_path: Path) -> None:
    path = tmp_path / "r.jsonl"
    path.write_text(
        "\n".join(
            [
                json.dumps(
                    {"rut": "76.086.428-5", "razon_social": "Cooperativa Uno", "socios": 12}
                ),
                "{not json",
                json.dumps(
                    {"rut": "65.000.012-9", "razon_social": "Cooperativa Dos", "color": "azul"}
                ),
            ]
        )
        + "\n",
        encoding="utf-8",
    )
    result = import_file(db, path)
    assert (result.read, result.created, result.rejected) == (3, 2, 1)
    assert result.problems[0].line == 2 and result.problems[0].reason == "not a JSON object"


@pytest.mark.parametrize("content", [b"", b"\n\n", b"\x00\x01\x02binary"])
def test_unreadable_files(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "r.csv"
    path.write_bytes(content)
    with pytest.raises(ReadError), open_table(path):
        pass


def test_not_an_xlsx(tmp_path: Path) -> None:
    path = tmp_path / "r.xlsx"
    path.write_text("hola")
    with pytest.raises(ReadError, match="not a readable XLSX"), open_table(path):
        pass
