"""Reading ODK Central and KoboToolbox exports into per-submission answer sets.

One reader for both servers and their layouts across versions. Columns are recognised by
the *names* in the XLSForm that asocia generates: a header is split on the separators the
servers use (``-`` for ODK Central groups, ``/`` for Kobo groups, ``/`` or ``.`` for split
select_multiple columns) and its last parts are matched against question ids, options and
geopoint parts, so group names may be present or absent. Every submission gets its own list
of problems; a bad submission never stops the good ones.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

from openpyxl import load_workbook

from asocia.archives import ArchiveRefused, check_xlsx
from asocia.diagnosis.answers import AnswerValue, normalize_answers
from asocia.diagnosis.instrument import Instrument, QuestionKind
from asocia.diagnosis.xlsform import (
    COMMENT_SUFFIX,
    COOPERATIVE_FIELD,
    DATE_FIELD,
    DIAGNOSTICIAN_FIELD,
    INSTRUMENT_FIELD,
    LOCATION_FIELD,
    VERSION_FIELD,
)
from asocia.registry.readers import detect_delimiter, detect_encoding

_EXCEL_EPOCH = datetime(1899, 12, 30)
# Dates as Spanish Excel writes them when it saves a CSV again: 26-06-2025, 26/06/2025 10:15.
_DMY = re.compile(
    r"^(?P<d>\d{1,2})[-/.](?P<m>\d{1,2})[-/.](?P<y>\d{4})"
    r"(?:[ T](?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2}))?)?$"
)
_SPLIT = re.compile(r"[-/.]")
_GEO_PARTS = {"latitude": 0, "longitude": 1, "altitude": 2, "accuracy": 3, "precision": 3}
_KOBO_GEO = re.compile(
    r"^_(?P<name>[a-z][a-z0-9_]*)_(?P<part>latitude|longitude|altitude|precision)$"
)
_TRUE = {"1", "1.0", "true", "yes", "si", "sí"}
_META_FIELDS = {
    COOPERATIVE_FIELD,
    DATE_FIELD,
    DIAGNOSTICIAN_FIELD,
    LOCATION_FIELD,
    INSTRUMENT_FIELD,
    VERSION_FIELD,
}


class ExportError(ValueError):
    """The file is not a readable ODK Central or KoboToolbox export."""


@dataclass
class ParsedSubmission:
    """One submission of an export, with its answers and what is wrong with it."""

    row: int
    key: str
    instrument_key: str | None
    submitted_at: datetime | None
    cooperative: str | None
    diagnosis_date: date | None
    diagnostician: str | None
    location: tuple[float, ...] | None
    answers: dict[str, AnswerValue] = field(default_factory=dict)
    comments: dict[str, str] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Whether the submission can become a diagnosis (cooperative still to be resolved)."""
        return not self.problems


@dataclass
class ParsedExport:
    """An export read into submissions; ``dialect`` is ``odk-central`` or ``kobotoolbox``."""

    source: str
    dialect: str
    columns: list[str]
    submissions: list[ParsedSubmission]


# -- reading the table -----------------------------------------------------------------


def _decode(data: bytes) -> str:
    """The text of an uploaded CSV in the encoding the registry's reader detects (UTF-8 with or
    without BOM, UTF-16, Windows-1252 as Spanish Excel saves a Kobo CSV, Latin-1)."""
    encoding = detect_encoding(io.BytesIO(data))
    try:
        return data.decode(encoding)
    except UnicodeDecodeError:  # a byte-order mark by chance, or a mixed file: every byte is
        return data.decode("latin-1")  # a Latin-1 character


def _read_csv(data: bytes) -> tuple[list[str], Iterator[list[object]]]:
    text = _decode(data)
    delimiter = detect_delimiter(text.split("\n", 1)[0])
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)

    def rows() -> Iterator[list[object]]:
        try:
            for record in reader:
                yield list[object](record)
        except csv.Error as exc:
            raise ExportError(f"line {reader.line_num}: {exc}") from None

    try:
        header = next(reader)
    except StopIteration:
        raise ExportError("the file is empty") from None
    except csv.Error as exc:
        raise ExportError(f"line 1: {exc}") from None
    return [h.strip() for h in header], rows()


def _read_xlsx(data: bytes) -> tuple[list[str], Iterator[list[object]]]:
    try:
        check_xlsx(io.BytesIO(data))
    except ArchiveRefused as exc:
        if exc.key != "bad_zip":  # not a zip at all: openpyxl says so below
            raise ExportError(str(exc)) from None
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises several unrelated types for a bad file
        raise ExportError(f"not a readable .xlsx file: {exc}") from exc
    sheet = workbook.worksheets[0]
    rows = sheet.iter_rows(values_only=True)
    try:
        header = [str(h).strip() if h is not None else "" for h in next(rows)]
    except StopIteration:
        raise ExportError("the first sheet is empty") from None
    return header, (list(r) for r in rows)


def _zip_members(data: bytes) -> list[str] | None:
    """The member names of a ZIP that is not an XLSX workbook, else None."""
    import zipfile

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = archive.namelist()
    except zipfile.BadZipFile:
        return None
    if "[Content_Types].xml" in names:
        return None  # an XLSX workbook
    return names


def _read_zip(data: bytes, names: list[str]) -> tuple[list[str], Iterator[list[object]]]:
    """ODK Central's full download: the submissions' CSV and one CSV per repeat group.

    The main table is the CSV without a ``PARENT_KEY`` column (repeat tables have one);
    asocia's forms have no repeat groups, so repeat tables are not read.
    """
    import zipfile

    csvs = sorted(
        (n for n in names if n.lower().endswith(".csv") and not n.startswith("__MACOSX")),
        key=lambda n: (n.count("/"), len(n), n),
    )
    if not csvs:
        raise ExportError("the .zip holds no CSV file (ODK Central's download holds one)")
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for member in csvs:
            header, rows = _read_csv(archive.read(member))
            if "PARENT_KEY" not in header:
                return header, rows
    raise ExportError("the .zip holds only repeat tables (every CSV has a PARENT_KEY column)")


def read_table(data: bytes, name: str) -> tuple[list[str], Iterator[list[object]]]:
    """Header and rows of a CSV, XLSX or ODK Central .zip export (by content, then name)."""
    if data[:2] == b"PK":
        members = _zip_members(data)
        if members is not None:
            return _read_zip(data, members)
        return _read_xlsx(data)
    if name.lower().endswith(".xlsx"):
        return _read_xlsx(data)
    return _read_csv(data)


# -- recognising columns ------------------------------------------------------------------


@dataclass(frozen=True)
class _Column:
    kind: str  # field, option, geo, meta
    name: str
    extra: str | int = ""


def _classify(header: str, fields: set[str], options: Mapping[str, set[str]]) -> _Column:
    parts = [p for p in _SPLIT.split(header) if p]
    if not parts:
        return _Column("meta", header)
    last = parts[-1]
    if len(parts) >= 2 and parts[-2] in options and last in options[parts[-2]]:
        return _Column("option", parts[-2], last)
    if last in fields:
        return _Column("field", last)
    if len(parts) >= 2 and parts[-2] == LOCATION_FIELD and last.lower() in _GEO_PARTS:
        return _Column("geo", LOCATION_FIELD, _GEO_PARTS[last.lower()])
    match = _KOBO_GEO.match(last)
    if match and match["name"] == LOCATION_FIELD:
        return _Column("geo", LOCATION_FIELD, _GEO_PARTS[match["part"]])
    return _Column("meta", last if header.startswith("meta") else header)


def _from_serial(days: float) -> datetime:
    # Excel keeps times to the millisecond; rounding removes binary float noise.
    return _EXCEL_EPOCH + timedelta(milliseconds=round(days * 86_400_000))


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _as_date(value: object) -> date | None:
    if _blank(value):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, int | float):
        return _from_serial(float(value)).date()
    text = str(value).strip()
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        pass
    match = _DMY.match(text)
    if match:
        try:
            return date(int(match["y"]), int(match["m"]), int(match["d"]))
        except ValueError:
            raise ValueError(f"not a date: {text!r}") from None
    try:
        return _from_serial(float(text)).date()
    except ValueError:
        raise ValueError(f"not a date: {text!r}") from None


def _as_datetime(value: object) -> datetime | None:
    if _blank(value):
        return None
    if isinstance(value, datetime):
        return value
    if isinstance(value, int | float):
        return _from_serial(float(value))
    text = str(value).strip().replace("Z", "+00:00")
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        pass
    match = _DMY.match(text)
    if match:
        try:
            return datetime(
                int(match["y"]), int(match["m"]), int(match["d"]),
                int(match["H"] or 0), int(match["M"] or 0), int(match["S"] or 0),
            )  # fmt: skip
        except ValueError:
            return None
    return None


def _float(value: object) -> float:
    """A number, with a decimal comma as Spanish Excel writes it (``-36,5648``)."""
    if isinstance(value, int | float):
        return float(value)
    text = _text(value)
    if "," in text and "." not in text:
        text = text.replace(",", ".")
    return float(text)


def _text(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return "" if value is None else str(value).strip()


def detect_dialect(header: Sequence[str]) -> str:
    """``odk-central`` or ``kobotoolbox`` from the export's own columns."""
    names = set(header)
    if "SubmissionDate" in names or "KEY" in names:
        return "odk-central"
    if names & {"_uuid", "_submission_time", "__version__", "_id"}:
        return "kobotoolbox"
    raise ExportError(
        "not an ODK Central or KoboToolbox export: no SubmissionDate/KEY or "
        "_uuid/_submission_time column"
    )


def _best_instrument(columns: list[_Column], instruments: Sequence[Instrument]) -> Instrument:
    present = {c.name for c in columns if c.kind in ("field", "option")}

    def overlap(instrument: Instrument) -> tuple[int, int, tuple[int, ...]]:
        version = tuple(int(p) for p in instrument.version.split("."))
        questions = set(instrument.questions)
        return len(present & questions), -len(questions - present), version

    return max(instruments, key=overlap)


def parse_export(
    data: bytes,
    name: str,
    instruments: Mapping[str, Instrument],
    default: Instrument | None = None,
) -> ParsedExport:
    """Read an export into submissions with normalized answers and per-submission problems.

    ``instruments`` maps ``id@version`` to the instruments the export may belong to. Each
    row names its instrument through the hidden ``asocia_instrument``/``asocia_version``
    fields, else through ODK Central's ``FormVersion``, else it is taken to be ``default``
    (or the instrument whose questions best match the columns).
    Raises :class:`ExportError` when the file as a whole cannot be read.
    """
    if not instruments:
        raise ExportError("no instrument to read the export against")
    header, rows = read_table(data, name)
    dialect = detect_dialect(header)
    fields: set[str] = set(_META_FIELDS)
    options: dict[str, set[str]] = {}
    for instrument in instruments.values():
        for q in instrument.iter_questions():
            fields.add(q.id)
            if q.kind is QuestionKind.MULTIPLE:
                options.setdefault(q.id, set()).update(o.id for o in q.options)
        fields.update(s.id + COMMENT_SUFFIX for s in instrument.iter_subcategories())
    columns = [_classify(h, fields, options) for h in header]
    if not any(c.kind == "field" and c.name not in _META_FIELDS for c in columns):
        raise ExportError(
            "no column matches a question of the known instruments: was the export made "
            "with XML names (not labels) from a form generated by asocia?"
        )
    fallback = default or _best_instrument(columns, list(instruments.values()))
    submissions: list[ParsedSubmission] = []
    seen: dict[str, int] = {}
    for number, row in enumerate(rows, start=2):
        if all(_blank(v) for v in row):
            continue
        sub = _parse_row(number, row, header, columns, dialect, instruments, fallback)
        if sub.key in seen:
            sub.problems.append(f"duplicate submission key (also on row {seen[sub.key]})")
        elif sub.key:
            seen[sub.key] = number
        submissions.append(sub)
    return ParsedExport(source=name, dialect=dialect, columns=header, submissions=submissions)


def _parse_row(
    number: int,
    row: list[object],
    header: list[str],
    columns: list[_Column],
    dialect: str,
    instruments: Mapping[str, Instrument],
    fallback: Instrument,
) -> ParsedSubmission:
    values: dict[str, object] = {}
    split: dict[str, set[str]] = {}
    split_seen: set[str] = set()
    geo: list[float | None] = [None, None, None, None]
    meta: dict[str, object] = {}
    problems: list[str] = []
    for column, value in zip(columns, row, strict=False):
        if column.kind == "field":
            if not _blank(value) or column.name not in values:
                values[column.name] = value
        elif column.kind == "option":
            if not _blank(value):
                split_seen.add(column.name)
                if _text(value).lower() in _TRUE:
                    split.setdefault(column.name, set()).add(str(column.extra))
        elif column.kind == "geo" and not _blank(value):
            try:
                geo[int(column.extra)] = _float(value)
            except ValueError:
                problems.append(f"location: not a number {value!r}")
        else:
            meta[column.name] = value
    if len(row) != len(header):
        problems.append(f"row has {len(row)} cells for {len(header)} columns")

    key = _text(meta.get("KEY") or meta.get("instanceID") or meta.get("_uuid"))
    key = key.removeprefix("uuid:")
    if not key:
        problems.append("no submission key (KEY / instanceID / _uuid)")
    submitted_at = _as_datetime(meta.get("SubmissionDate") or meta.get("_submission_time"))

    instrument_id = _text(values.pop(INSTRUMENT_FIELD, None)) or fallback.id
    version = _text(values.pop(VERSION_FIELD, None))
    if not version and dialect == "odk-central" and _text(meta.get("FormVersion")):
        version = _text(meta.get("FormVersion")).split("_", 1)[0]
    instrument_key = f"{instrument_id}@{version or fallback.version}"
    instrument = instruments.get(instrument_key)
    if instrument is None:
        problems.append(f"unknown instrument version {instrument_key!r}")

    review = _text(meta.get("ReviewState")).lower()
    validation = _text(meta.get("_validation_status")).lower()
    if review == "rejected" or validation == "validation_status_not_approved":
        problems.append("marked as rejected on the server")

    cooperative = _text(values.pop(COOPERATIVE_FIELD, None)) or None
    if cooperative is None:
        problems.append("required answer missing: cooperative")
    diagnosis_date: date | None = None
    try:
        diagnosis_date = _as_date(values.pop(DATE_FIELD, None))
    except ValueError as exc:
        problems.append(f"{DATE_FIELD}: {exc}")
    if diagnosis_date is None and not any(p.startswith(DATE_FIELD) for p in problems):
        problems.append(f"required answer missing: {DATE_FIELD}")
    diagnostician = _text(values.pop(DIAGNOSTICIAN_FIELD, None)) or None
    location_text = values.pop(LOCATION_FIELD, None)
    if geo[0] is None and not _blank(location_text):
        try:
            parts = [_float(p) for p in _text(location_text).split()]
            geo[: len(parts)] = parts[:4]
        except ValueError:
            problems.append(f"location: not a geopoint {location_text!r}")
    location = tuple(g for g in geo if g is not None) if geo[0] is not None else None

    comments = {
        name.removesuffix(COMMENT_SUFFIX): _text(value)
        for name, value in values.items()
        if name.endswith(COMMENT_SUFFIX) and not _blank(value)
    }
    answers: dict[str, AnswerValue] = {}
    if instrument is not None:
        raw: dict[str, object] = {}
        for name, value in values.items():
            if name.endswith(COMMENT_SUFFIX):
                continue
            if name not in instrument.questions:
                if not _blank(value):
                    problems.append(f"{name}: not a question of {instrument.key}")
                continue
            multiple = instrument.question(name).kind is QuestionKind.MULTIPLE
            if multiple and _blank(value) and name in split_seen:
                raw[name] = frozenset(split.get(name, ()))
                continue
            raw[name] = value
        answers, answer_problems = normalize_answers(instrument, raw)
        problems.extend(str(p) for p in answer_problems)
    return ParsedSubmission(
        row=number,
        key=key,
        instrument_key=instrument_key,
        submitted_at=submitted_at,
        cooperative=cooperative,
        diagnosis_date=diagnosis_date,
        diagnostician=diagnostician,
        location=location,
        answers=answers,
        comments=comments,
        problems=problems,
    )


def parse_export_file(
    path: str | Path, instruments: Mapping[str, Instrument], default: Instrument | None = None
) -> ParsedExport:
    """:func:`parse_export` on a file."""
    path = Path(path)
    return parse_export(path.read_bytes(), path.name, instruments, default)
