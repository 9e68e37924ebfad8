"""Submission exports laid out the way ODK Central and KoboToolbox lay them out.

The layout is derived from the XLSForm that :mod:`.xlsform` generates (field order, group
paths, select_multiple and geopoint columns), then written in each server's dialect:

* ODK Central CSV: ``SubmissionDate`` first; group paths joined with ``-``; geopoints split
  into ``-Latitude``/``-Longitude``/``-Altitude``/``-Accuracy``; select_multiple as one
  space-separated column, optionally followed by ``q/option`` 0/1 columns; then
  ``meta-instanceID``, ``KEY``, ``SubmitterID``, ``SubmitterName``, ``AttachmentsPresent``,
  ``AttachmentsExpected``, ``Status`` and, in current versions, ``ReviewState``, ``DeviceID``,
  ``Edits``, ``FormVersion`` (older versions end at ``Status``).
* KoboToolbox CSV/XLSX: ``start``, ``end``, ... fields with group paths joined with ``/`` (or
  without groups); select_multiple split with ``/`` or ``.``; geopoints as one column plus
  ``_<name>_latitude``/``_longitude``/``_altitude``/``_precision``; then ``meta/instanceID``,
  ``_id``, ``_uuid``, ``_submission_time``, ``_validation_status``, ``_notes``, ``_status``,
  ``_submitted_by``, ``__version__``, ``_tags``, ``_index``. CSV uses ``;`` or ``,`` with every
  field quoted; XLSX may carry dates as Excel serial numbers.

Used by demo files, tests and benchmarks to exercise the importer without a server.
"""

from __future__ import annotations

import csv
import io
import random
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

from openpyxl import Workbook

from asocia.diagnosis.answers import AnswerValue
from asocia.diagnosis.instrument import Instrument, QuestionKind
from asocia.diagnosis.sample import random_answers
from asocia.diagnosis.xlsform import build_xlsform

_EXCEL_EPOCH = datetime(1899, 12, 30)


@dataclass
class SampleSubmission:
    """One filled-in form, before a server lays it out in an export."""

    cooperative: str
    diagnosis_date: date
    diagnostician: str
    answers: dict[str, AnswerValue]
    comments: dict[str, str] = field(default_factory=dict)
    key: str = field(default_factory=lambda: f"uuid:{uuid.uuid4()}")
    submitted_at: datetime = field(default_factory=lambda: datetime(2026, 3, 2, 14, 5, 9))
    location: tuple[float, float, float, float] | None = (-35.4264, -71.6554, 102.0, 4.5)
    instrument_id: str = ""
    instrument_version: str = ""


@dataclass(frozen=True)
class _Field:
    name: str
    type: str
    groups: tuple[str, ...]
    options: tuple[str, ...] = ()


def form_fields(instrument: Instrument) -> list[_Field]:
    """The data fields of the generated XLSForm, in order, with their group path."""
    form = build_xlsform(instrument)
    header = form.survey[0]
    t, n = header.index("type"), header.index("name")
    groups: list[str] = []
    fields: list[_Field] = []
    for row in form.survey[1:]:
        kind, name = str(row[t]), str(row[n] or "")
        if kind == "begin_group":
            groups.append(name)
        elif kind == "end_group":
            groups.pop()
        elif kind not in ("start", "end", "today", "deviceid"):
            options: tuple[str, ...] = ()
            if kind.startswith("select_multiple "):
                options = tuple(o.id for o in instrument.question(name).options)
            fields.append(_Field(name, kind.split(" ")[0], tuple(groups), options))
    return fields


def _value(sub: SampleSubmission, instrument: Instrument, f: _Field) -> str:
    if f.name == "cooperative":
        return sub.cooperative
    if f.name == "diagnosis_date":
        return sub.diagnosis_date.isoformat()
    if f.name == "diagnostician":
        return sub.diagnostician
    if f.name == "asocia_instrument":
        return sub.instrument_id or instrument.id
    if f.name == "asocia_version":
        return sub.instrument_version or instrument.version
    if f.name.endswith("_comment"):
        return sub.comments.get(f.name.removesuffix("_comment"), "")
    question = instrument.questions.get(f.name)
    if question is None:
        return ""
    if question.kind is QuestionKind.RATIO:
        num = sub.answers.get(question.numerator or "")
        den = sub.answers.get(question.denominator or "")
        if isinstance(num, int | float) and isinstance(den, int | float) and den > 0:
            return f"{num / den * (100 if question.percent else 1):.6g}"
        return ""
    value = sub.answers.get(f.name)
    if value is None:
        return ""
    if isinstance(value, frozenset):
        return " ".join(o for o in f.options if o in value)
    if isinstance(value, float) and value.is_integer() and question.integer:
        return str(int(value))
    return str(value)


def _geo(sub: SampleSubmission) -> list[str]:
    return ["" if sub.location is None else f"{v:g}" for v in (sub.location or (0, 0, 0, 0))]


def odk_central_csv(
    instrument: Instrument,
    submissions: Sequence[SampleSubmission],
    *,
    split_multiples: bool = False,
    legacy: bool = False,
) -> str:
    """An ODK Central ``.csv`` export (``legacy``: the older layout ending at ``Status``)."""
    fields = form_fields(instrument)
    header = ["SubmissionDate"]
    for f in fields:
        path = "-".join((*f.groups, f.name))
        if f.type == "geopoint":
            header += [f"{path}-{p}" for p in ("Latitude", "Longitude", "Altitude", "Accuracy")]
            continue
        header.append(path)
        if split_multiples and f.options:
            header += [f"{path}/{o}" for o in f.options]
    header += [
        "meta-instanceID",
        "KEY",
        "SubmitterID",
        "SubmitterName",
        "AttachmentsPresent",
        "AttachmentsExpected",
        "Status",
    ]
    if not legacy:
        header += ["ReviewState", "DeviceID", "Edits", "FormVersion"]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    for sub in submissions:
        row = [sub.submitted_at.strftime("%Y-%m-%dT%H:%M:%S.000Z")]
        for f in fields:
            if f.type == "geopoint":
                row += _geo(sub)
                continue
            value = _value(sub, instrument, f)
            row.append(value)
            if split_multiples and f.options:
                chosen = set(value.split())
                row += ["" if not value else ("1" if o in chosen else "0") for o in f.options]
        row += [sub.key, sub.key, "5", "Equipo de campo", "0", "0", ""]
        if not legacy:
            row += ["", "collect:abc123", "0", sub.instrument_version or instrument.version]
        writer.writerow(row)
    return buffer.getvalue()


def _kobo_rows(
    instrument: Instrument,
    submissions: Sequence[SampleSubmission],
    *,
    groups: bool,
    multiple_separator: str | None,
    excel_dates: bool,
) -> tuple[list[str], list[list[object]]]:
    fields = form_fields(instrument)
    header = ["start", "end", "today", "deviceid"]
    for f in fields:
        path = "/".join((*f.groups, f.name)) if groups else f.name
        header.append(path)
        if f.type == "geopoint":
            prefix = "/".join((*f.groups, "")) if groups else ""
            header += [
                f"{prefix}_{f.name}_{p}" for p in ("latitude", "longitude", "altitude", "precision")
            ]
        if multiple_separator and f.options:
            header += [f"{path}{multiple_separator}{o}" for o in f.options]
    header += [
        "meta/instanceID",
        "_id",
        "_uuid",
        "_submission_time",
        "_validation_status",
        "_notes",
        "_status",
        "_submitted_by",
        "__version__",
        "_tags",
        "_index",
    ]
    rows: list[list[object]] = []
    for index, sub in enumerate(submissions, start=1):
        when = sub.submitted_at
        row: list[object] = [
            f"{when:%Y-%m-%dT%H:%M:%S.000-03:00}",
            f"{when:%Y-%m-%dT%H:%M:%S.000-03:00}",
            when.date().isoformat(),
            "collect:abc123",
        ]
        for f in fields:
            if f.type == "geopoint":
                geo = _geo(sub)
                row.append(" ".join(geo))
                row += geo
                continue
            value = _value(sub, instrument, f)
            if excel_dates and f.type == "date" and value:
                row.append((datetime.fromisoformat(value) - _EXCEL_EPOCH).days)
            else:
                row.append(value)
            if multiple_separator and f.options:
                chosen = set(value.split())
                row += ["" if not value else ("1" if o in chosen else "0") for o in f.options]
        uid = sub.key.removeprefix("uuid:")
        submitted: object = f"{when:%Y-%m-%dT%H:%M:%S}"
        if excel_dates:
            submitted = (when - _EXCEL_EPOCH) / timedelta(days=1)
        row += [
            sub.key,
            100000 + index,
            uid,
            submitted,
            "",
            "",
            "submitted_via_web",
            "",
            "vGqaQwZZrGDPRoQTUiB5rd",
            "",
            index,
        ]
        rows.append(row)
    return header, rows


def kobo_csv(
    instrument: Instrument,
    submissions: Sequence[SampleSubmission],
    *,
    delimiter: str = ";",
    groups: bool = True,
    multiple_separator: str | None = "/",
) -> str:
    """A KoboToolbox ``.csv`` export: every field quoted, ``;`` or ``,`` between fields."""
    header, rows = _kobo_rows(
        instrument,
        submissions,
        groups=groups,
        multiple_separator=multiple_separator,
        excel_dates=False,
    )
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


def kobo_xlsx(
    instrument: Instrument,
    submissions: Sequence[SampleSubmission],
    path: str | Path,
    *,
    groups: bool = True,
    multiple_separator: str | None = "/",
    excel_dates: bool = True,
) -> Path:
    """A KoboToolbox ``.xlsx`` export (dates as Excel serial numbers when ``excel_dates``)."""
    header, rows = _kobo_rows(
        instrument,
        submissions,
        groups=groups,
        multiple_separator=multiple_separator,
        excel_dates=excel_dates,
    )
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = instrument.id[:31]
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    workbook.save(path)
    return Path(path)


def sample_submissions(
    instrument: Instrument, cooperatives: Sequence[str], n: int, seed: int = 1
) -> list[SampleSubmission]:
    """``n`` random submissions naming the given cooperatives (tax ids or registry ids)."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        answers = random_answers(instrument, rng)
        out.append(
            SampleSubmission(
                cooperative=cooperatives[i % len(cooperatives)],
                diagnosis_date=date(2026, 1, 5) + timedelta(days=rng.randint(0, 300)),
                diagnostician=rng.choice(["M. Soto", "J. Pérez", "Equipo UdeC"]),
                answers=answers,
                comments={"organos_gobierno": "Asamblea con buena asistencia"}
                if i % 7 == 0
                else {},
                key=f"uuid:{uuid.UUID(int=rng.getrandbits(128))}",
                submitted_at=datetime(2026, 1, 6, 9) + timedelta(minutes=37 * i),
            )
        )
    return out
