"""XLSForm generation, checked by converting with pyxform for every shipped instrument."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import openpyxl
import pytest
from pyxform.xls2xform import convert

from asocia.diagnosis.instrument import Instrument, QuestionKind
from asocia.diagnosis.loader import shipped_instruments
from asocia.diagnosis.xlsform import CooperativeChoice, build_xlsform, write_xlsform

COOPS = [
    CooperativeChoice("76123456-7", "Cooperativa Campesina Uno (76.123.456-7)"),
    CooperativeChoice("reg-1234", "Cooperativa Agrícola Dos"),
]
XF = "{http://www.w3.org/2002/xforms}"


def _convert(path: Path) -> ET.Element:
    warnings: list[str] = []
    result = convert(str(path), warnings=warnings)
    assert warnings == []
    return ET.fromstring(result.xform)


def _binds(root: ET.Element) -> dict[str, dict[str, str]]:
    return {b.attrib["nodeset"].rsplit("/", 1)[1]: b.attrib for b in root.iter(f"{XF}bind")}


@pytest.mark.parametrize("instrument", shipped_instruments(), ids=lambda i: i.key)
@pytest.mark.parametrize("mode", ["typed", "choices", "file"])
def test_every_shipped_instrument_converts_with_pyxform(
    instrument: Instrument, mode: str, tmp_path: Path
) -> None:
    form = build_xlsform(
        instrument,
        cooperatives=None if mode == "typed" else COOPS,
        cooperative_file="cooperatives.csv" if mode == "file" else None,
    )
    written = write_xlsform(form, tmp_path / "form.xlsx")
    root = _convert(written[0])
    binds = _binds(root)
    instance = next(root.iter(f"{XF}instance"))[0]
    assert instance.attrib["id"] == instrument.id.replace("-", "_")
    assert instance.attrib["version"] == instrument.version
    for question in instrument.iter_questions():
        bind = binds[question.id]
        if question.required:
            assert bind["required"] == "true()"
        if question.when:
            assert "relevant" in bind and question.when[0].question in bind["relevant"]
        if question.kind is QuestionKind.NUMERIC and question.minimum is not None:
            assert ">=" in bind["constraint"]
        if question.kind is QuestionKind.RATIO:
            assert question.numerator in bind["calculate"]
    assert binds["asocia_version"]["calculate"] == f"'{instrument.version}'"
    assert binds["cooperative"]["required"] == "true()"
    if mode == "file":
        assert [p.name for p in written] == ["form.xlsx", "cooperatives.csv"]
        assert (tmp_path / "cooperatives.csv").read_text("utf-8").splitlines()[1] == (
            "76123456-7,Cooperativa Campesina Uno (76.123.456-7)"
        )
        assert "cooperatives" in ET.tostring(root, encoding="unicode")


def test_sheets_columns_and_bilingual_labels(tmp_path: Path) -> None:
    instrument = shipped_instruments()[0]
    form = build_xlsform(instrument, cooperatives=COOPS, revision="202611")
    write_xlsform(form, tmp_path / "f.xlsx")
    book = openpyxl.load_workbook(tmp_path / "f.xlsx")
    assert book.sheetnames == ["survey", "choices", "settings"]
    header = [c.value for c in book["survey"][1]]
    assert {
        "type",
        "name",
        "label::Español (es)",
        "label::English (en)",
        "required",
        "relevant",
        "constraint",
        "calculation",
    } <= set(header)
    settings = dict(
        zip(
            [c.value for c in book["settings"][1]],
            [c.value for c in book["settings"][2]],
            strict=True,
        )
    )
    assert settings["version"] == f"{instrument.version}_202611"
    choices = [[c.value for c in row] for row in book["choices"].iter_rows(min_row=2)]
    assert ["yes_no_na", "na", "No aplica", "Not applicable"] in choices
    assert ["cooperative", "76123456-7", COOPS[0].label, COOPS[0].label] in choices
    relevant = header.index("relevant")
    gated = [
        r
        for r in book["survey"].iter_rows(min_row=2, values_only=True)
        if r[1] == "neg_contratos_trabajo"
    ]
    assert gated[0][relevant] == "${neg_tiene_trabajadores} = 'yes'"
