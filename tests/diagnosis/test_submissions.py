"""ODK Central and KoboToolbox exports, in the layouts the servers produce, and bad rows."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path

import pytest

from asocia.diagnosis.instrument import Instrument
from asocia.diagnosis.loader import get_instrument, load_instruments
from asocia.diagnosis.sample_exports import (
    SampleSubmission,
    kobo_csv,
    kobo_xlsx,
    odk_central_csv,
    sample_submissions,
)
from asocia.diagnosis.submissions import ExportError, parse_export

INSTRUMENTS = load_instruments()
FULL = get_instrument("diagnostico-cooperativo", "1")
COOPS = ["76123456-7", "reg-204"]


def _xlsx(**kw: object) -> Callable[[Instrument, list[SampleSubmission], Path], bytes]:
    def write(instrument: Instrument, subs: list[SampleSubmission], tmp: Path) -> bytes:
        return kobo_xlsx(instrument, subs, tmp / "kobo.xlsx", **kw).read_bytes()  # type: ignore[arg-type]

    return write


LAYOUTS: dict[str, Callable[[Instrument, list[SampleSubmission], Path], bytes]] = {
    "odk-current": lambda i, s, _: odk_central_csv(i, s).encode(),
    "odk-legacy-no-formversion": lambda i, s, _: odk_central_csv(i, s, legacy=True).encode(),
    "odk-split-multiples": lambda i, s, _: odk_central_csv(i, s, split_multiples=True).encode(),
    "kobo-csv-semicolon-groups-slash": lambda i, s, _: kobo_csv(i, s).encode(),
    "kobo-csv-comma-no-groups-dot": lambda i, s, _: kobo_csv(
        i, s, delimiter=",", groups=False, multiple_separator="."
    ).encode(),
    "kobo-csv-not-split": lambda i, s, _: kobo_csv(i, s, multiple_separator=None).encode(),
    "kobo-xlsx-serial-dates": _xlsx(),
    "kobo-xlsx-no-groups-dot": _xlsx(groups=False, multiple_separator=".", excel_dates=False),
}


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_every_layout_reads_back_the_answers(layout: str, tmp_path: Path) -> None:
    subs = sample_submissions(FULL, COOPS, 25, seed=7)
    data = LAYOUTS[layout](FULL, subs, tmp_path)
    name = "export.xlsx" if "xlsx" in layout else "export.csv"
    export = parse_export(data, name, INSTRUMENTS)
    assert export.dialect == ("odk-central" if layout.startswith("odk") else "kobotoolbox")
    assert len(export.submissions) == 25
    for parsed, original in zip(export.submissions, subs, strict=True):
        assert parsed.problems == []
        assert parsed.key == original.key.removeprefix("uuid:")
        assert parsed.instrument_key == "diagnostico-cooperativo@1"
        assert parsed.cooperative == original.cooperative
        assert parsed.diagnosis_date == original.diagnosis_date
        assert parsed.diagnostician == original.diagnostician
        assert parsed.answers == original.answers
        assert parsed.comments == original.comments
        assert parsed.location == pytest.approx(original.location)
        assert parsed.submitted_at is not None
        assert parsed.submitted_at.replace(tzinfo=None) == original.submitted_at


def _rewrite_csv(text: str, change: Callable[[list[list[str]]], None]) -> bytes:
    rows = list(csv.reader(io.StringIO(text)))
    change(rows)
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue().encode()


def _drop(rows: list[list[str]], *names: str) -> None:
    keep = [i for i, h in enumerate(rows[0]) if not any(h.endswith(n) for n in names)]
    rows[:] = [[r[i] for i in keep] for r in rows]


def test_formversion_names_the_version_when_hidden_fields_are_missing() -> None:
    quick = get_instrument("diagnostico-rapido", "1")
    subs = sample_submissions(quick, COOPS, 3)
    subs[2].instrument_version = "7"
    data = _rewrite_csv(
        odk_central_csv(quick, subs),
        lambda rows: _drop(rows, "asocia_instrument", "asocia_version"),
    )
    export = parse_export(data, "quick.csv", INSTRUMENTS)
    assert [s.instrument_key for s in export.submissions] == [
        "diagnostico-rapido@1",
        "diagnostico-rapido@1",
        "diagnostico-rapido@7",
    ]
    assert export.submissions[2].problems == ["unknown instrument version 'diagnostico-rapido@7'"]


def test_bad_submissions_are_reported_one_by_one_and_good_ones_kept() -> None:
    subs = sample_submissions(FULL, COOPS, 6, seed=3)
    subs[1].instrument_version = "9"
    subs[2].answers["fin_contador"] = "jefe"
    del subs[3].answers["gob_asamblea_anual"]
    subs[4].cooperative = ""
    text = odk_central_csv(FULL, subs)

    def reject_last(rows: list[list[str]]) -> None:
        rows[6][rows[0].index("ReviewState")] = "rejected"

    export = parse_export(_rewrite_csv(text, reject_last), "bad.csv", INSTRUMENTS)
    problems = [s.problems for s in export.submissions]
    assert problems[0] == []
    assert problems[1] == ["unknown instrument version 'diagnostico-cooperativo@9'"]
    assert problems[2] == ["fin_contador: not one of the choices (got 'jefe')"]
    assert problems[3] == ["gob_asamblea_anual: required answer missing (got None)"]
    assert problems[4] == ["required answer missing: cooperative"]
    assert problems[5] == ["marked as rejected on the server"]


def test_duplicate_keys_and_short_rows() -> None:
    subs = sample_submissions(FULL, COOPS, 2)
    subs[1].key = subs[0].key
    text = odk_central_csv(FULL, subs)

    def cut(rows: list[list[str]]) -> None:
        rows.append(rows[1][:10])

    export = parse_export(_rewrite_csv(text, cut), "dup.csv", INSTRUMENTS)
    assert export.submissions[0].problems == []
    assert export.submissions[1].problems == ["duplicate submission key (also on row 2)"]
    assert any("cells for" in p for p in export.submissions[2].problems)


def test_xlsx_date_formats(tmp_path: Path) -> None:
    subs = sample_submissions(FULL, COOPS, 1)
    subs[0].diagnosis_date = date(2025, 12, 31)
    subs[0].submitted_at = datetime(2026, 1, 2, 18, 30)
    data = kobo_xlsx(FULL, subs, tmp_path / "k.xlsx", excel_dates=True).read_bytes()
    parsed = parse_export(data, "k.xlsx", INSTRUMENTS).submissions[0]
    assert parsed.diagnosis_date == date(2025, 12, 31)
    assert parsed.submitted_at == datetime(2026, 1, 2, 18, 30)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "the file is empty"),
        (b"a,b\n1,2\n", "not an ODK Central or KoboToolbox export"),
        (b"SubmissionDate,Cooperativa,KEY\n2026-01-01,x,uuid:1\n", "no column matches a question"),
        (b"PK\x03\x04 broken", "not a readable .xlsx file"),
    ],
)
def test_unreadable_exports_raise_a_clear_error(data: bytes, message: str) -> None:
    with pytest.raises(ExportError, match=message):
        parse_export(data, "x.csv", INSTRUMENTS)
