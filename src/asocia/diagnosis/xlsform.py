"""XLSForm generation: an instrument as a form for ODK Collect and KoboCollect.

The form has a ``survey`` sheet (one group per dimension, category and subcategory, so that
exports carry the group path), a ``choices`` sheet and a ``settings`` sheet, with labels in
Spanish and English (``label::Español (es)``, ``label::English (en)``). Two hidden
``calculate`` fields, ``asocia_instrument`` and ``asocia_version``, travel with every
submission so that an export says which instrument version it belongs to even when the
server does not (older ODK Central exports have no ``FormVersion``; KoboToolbox's
``__version__`` is its own deployment id).

The cooperative is chosen from a list of choices built from the registry, from a CSV for
``select_one_from_file`` (large registries), or typed as a tax id when no list is given.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from openpyxl import Workbook

from asocia.diagnosis.instrument import (
    YES_NO_LABELS,
    Clause,
    Instrument,
    Question,
    QuestionKind,
    Text,
    localize,
)
from asocia.spreadsheets import safe_row, xlsx_row

LANGUAGES = {"es": "Español (es)", "en": "English (en)"}
COOPERATIVE_FIELD = "cooperative"
DATE_FIELD = "diagnosis_date"
DIAGNOSTICIAN_FIELD = "diagnostician"
LOCATION_FIELD = "location"
INSTRUMENT_FIELD = "asocia_instrument"
VERSION_FIELD = "asocia_version"
COMMENT_SUFFIX = "_comment"
"""Each subcategory gets a free-text comment field named ``<subcategory id>_comment``."""

_SCALE_LABELS = {
    1: {"es": "1 (muy bajo)", "en": "1 (very low)"},
    2: {"es": "2", "en": "2"},
    3: {"es": "3", "en": "3"},
    4: {"es": "4", "en": "4"},
    5: {"es": "5 (muy alto)", "en": "5 (very high)"},
}
_UI = {
    "cooperative": {"es": "Cooperativa", "en": "Cooperative"},
    "cooperative_hint": {"es": "RUT o número de registro", "en": "Tax id or registry number"},
    "date": {"es": "Fecha del diagnóstico", "en": "Date of the diagnosis"},
    "diagnostician": {"es": "Diagnosticador(a)", "en": "Diagnostician"},
    "location": {"es": "Ubicación de la visita", "en": "Location of the visit"},
    "comment": {"es": "Comentarios sobre esta sección", "en": "Comments on this section"},
    "range": {"es": "Valor fuera del rango permitido", "en": "Value outside the allowed range"},
}


@dataclass(frozen=True)
class CooperativeChoice:
    """One cooperative in the form's selector: ``value`` is its tax id or registry id."""

    value: str
    label: str


@dataclass
class XLSForm:
    """The three sheets of an XLSForm as rows (first row: headers)."""

    survey: list[list[object]] = field(default_factory=list)
    choices: list[list[object]] = field(default_factory=list)
    settings: list[list[object]] = field(default_factory=list)
    cooperative_csv: str | None = None
    """Contents of the CSV for ``select_one_from_file`` (when one is used)."""

    def as_dict(self) -> dict[str, list[list[object]]]:
        """Sheets by name."""
        return {"survey": self.survey, "choices": self.choices, "settings": self.settings}


def _labels(text: Text | None) -> list[object]:
    return [localize(text, lang) if text else None for lang in LANGUAGES]


def _literal(value: object) -> str:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return f"{value:g}"
    return "'" + str(value).replace("'", "") + "'"


def relevance(clauses: Sequence[Clause]) -> str:
    """The XLSForm ``relevant`` expression for a question's conditions."""
    parts = []
    for c in clauses:
        ref = "${" + c.question + "}"
        if c.op == "equals":
            parts.append(f"{ref} = {_literal(c.value)}")
        elif c.op == "in":
            values = c.value if isinstance(c.value, list) else [c.value]
            parts.append("(" + " or ".join(f"{ref} = {_literal(v)}" for v in values) + ")")
        elif c.op == "selected":
            parts.append(f"selected({ref}, {_literal(c.value)})")
        else:
            symbol = {"gt": ">", "gte": ">=", "lt": "<", "lte": "<="}[c.op]
            parts.append(f"{ref} {symbol} {_literal(c.value)}")
    return " and ".join(parts)


def _list_name(question: Question) -> str:
    if question.kind is QuestionKind.YES_NO:
        return "yes_no_na" if question.allow_na else "yes_no"
    if question.kind is QuestionKind.SCALE:
        return "scale_na" if question.allow_na else "scale"
    return question.id


def _question_row(q: Question) -> dict[str, object]:
    row: dict[str, object] = {"name": q.id, "label": q.label, "hint": q.hint}
    if q.kind in (QuestionKind.YES_NO, QuestionKind.SCALE, QuestionKind.SINGLE):
        row["type"] = f"select_one {_list_name(q)}"
    elif q.kind is QuestionKind.MULTIPLE:
        row["type"] = f"select_multiple {_list_name(q)}"
    elif q.kind is QuestionKind.NUMERIC:
        row["type"] = "integer" if q.integer else "decimal"
        bounds = []
        if q.minimum is not None:
            bounds.append(f". >= {q.minimum:g}")
        if q.maximum is not None:
            bounds.append(f". <= {q.maximum:g}")
        if bounds:
            row["constraint"] = " and ".join(bounds)
            row["constraint_message"] = _UI["range"]
        if q.unit and not q.hint:
            row["hint"] = q.unit
    elif q.kind is QuestionKind.RATIO:
        num, den = "${" + str(q.numerator) + "}", "${" + str(q.denominator) + "}"
        factor = " * 100" if q.percent else ""
        row["type"] = "calculate"
        row["label"] = None
        row["hint"] = None
        row["calculation"] = f"if({den} > 0, {num} div {den}{factor}, '')"
    else:
        row["type"] = "text"
    if q.required:
        row["required"] = "yes"
    if q.when:
        row["relevant"] = relevance(q.when)
    return row


def _choice_rows(instrument: Instrument) -> list[list[object]]:
    rows: list[list[object]] = []
    yes_no = ["yes", "partial", "no"]
    for name in yes_no:
        rows.append(["yes_no", name, *_labels(YES_NO_LABELS[name])])
    for name in [*yes_no, "na"]:
        rows.append(["yes_no_na", name, *_labels(YES_NO_LABELS[name])])
    for list_name, with_na in (("scale", False), ("scale_na", True)):
        for value, label in _SCALE_LABELS.items():
            rows.append([list_name, str(value), *_labels(label)])
        if with_na:
            rows.append([list_name, "na", *_labels(YES_NO_LABELS["na"])])
    for q in instrument.iter_questions():
        if q.kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE):
            for option in q.options:
                rows.append([q.id, option.id, *_labels(option.label)])
    return rows


def build_xlsform(
    instrument: Instrument,
    cooperatives: Sequence[CooperativeChoice] | None = None,
    cooperative_file: str | None = None,
    revision: str | None = None,
) -> XLSForm:
    """The XLSForm for ``instrument``.

    ``cooperatives`` become choices of a ``select_one``; with ``cooperative_file`` (a file
    name such as ``cooperatives.csv``) they go to a CSV for ``select_one_from_file`` instead.
    With neither, the cooperative is typed (tax id or registry number). ``revision`` is
    appended to the form version (``1_<revision>``) so that ODK Central accepts a
    regenerated form (e.g. with a newer cooperative list) for the same instrument version.
    """
    columns = [
        "type",
        "name",
        *(f"label::{n}" for n in LANGUAGES.values()),
        *(f"hint::{n}" for n in LANGUAGES.values()),
        "required",
        "relevant",
        "constraint",
        *(f"constraint_message::{n}" for n in LANGUAGES.values()),
        "calculation",
        "appearance",
        "default",
    ]
    form = XLSForm()
    form.survey.append(list(columns))

    def add(row: dict[str, object]) -> None:
        out: list[object] = []
        for column in columns:
            base, _, language = column.partition("::")
            value = row.get(base)
            if language:
                lang = next(code for code, name in LANGUAGES.items() if name == language)
                value = localize(value, lang) if isinstance(value, dict) else value
            out.append(value)
        form.survey.append(out)

    for meta in ("start", "end", "today", "deviceid"):
        add({"type": meta, "name": meta})
    cooperative_row: dict[str, object] = {
        "name": COOPERATIVE_FIELD,
        "label": _UI["cooperative"],
        "required": "yes",
    }
    if cooperative_file:
        cooperative_row["type"] = f"select_one_from_file {cooperative_file}"
        cooperative_row["appearance"] = "search"
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(["name", "label"])
        for choice in cooperatives or ():
            writer.writerow(safe_row([choice.value, choice.label]))
        form.cooperative_csv = buffer.getvalue()
    elif cooperatives:
        cooperative_row["type"] = "select_one cooperative"
        cooperative_row["appearance"] = "autocomplete"
    else:
        cooperative_row["type"] = "text"
        cooperative_row["hint"] = _UI["cooperative_hint"]
    add(cooperative_row)
    add(
        {
            "type": "date",
            "name": DATE_FIELD,
            "label": _UI["date"],
            "required": "yes",
            "default": "today()",
        }
    )
    add(
        {
            "type": "text",
            "name": DIAGNOSTICIAN_FIELD,
            "label": _UI["diagnostician"],
            "required": "yes",
        }
    )
    add({"type": "geopoint", "name": LOCATION_FIELD, "label": _UI["location"]})
    add({"type": "calculate", "name": INSTRUMENT_FIELD, "calculation": _literal(instrument.id)})
    add({"type": "calculate", "name": VERSION_FIELD, "calculation": _literal(instrument.version)})
    for dimension in instrument.dimensions:
        add({"type": "begin_group", "name": dimension.id, "label": dimension.label})
        for category in dimension.categories:
            add({"type": "begin_group", "name": category.id, "label": category.label})
            for sub in category.subcategories:
                add(
                    {
                        "type": "begin_group",
                        "name": sub.id,
                        "label": sub.label,
                        "appearance": "field-list",
                    }
                )
                for question in sub.questions:
                    add(_question_row(question))
                add({"type": "text", "name": sub.id + COMMENT_SUFFIX, "label": _UI["comment"]})
                add({"type": "end_group", "name": ""})
            add({"type": "end_group", "name": ""})
        add({"type": "end_group", "name": ""})

    form.choices.append(["list_name", "name", *(f"label::{n}" for n in LANGUAGES.values())])
    form.choices.extend(_choice_rows(instrument))
    if cooperatives and not cooperative_file:
        for choice in cooperatives:
            form.choices.append(["cooperative", choice.value, choice.label, choice.label])

    version = instrument.version if revision is None else f"{instrument.version}_{revision}"
    form.settings.append(["form_title", "form_id", "version", "default_language", "instance_name"])
    form.settings.append(
        [
            localize(instrument.title, "es"),
            instrument.id.replace("-", "_"),
            version,
            LANGUAGES["es"],
            "concat(${" + COOPERATIVE_FIELD + "}, ' ', ${" + DATE_FIELD + "})",
        ]
    )
    return form


def xlsform_bytes(form: XLSForm) -> bytes:
    """The ``.xlsx`` of ``form`` (without the cooperative CSV), for downloads."""
    buffer = io.BytesIO()
    _workbook(form).save(buffer)
    return buffer.getvalue()


def _workbook(form: XLSForm) -> Workbook:
    workbook = Workbook()
    default = workbook.active
    assert default is not None
    workbook.remove(default)
    for name, rows in form.as_dict().items():
        sheet = workbook.create_sheet(name)
        for row in rows:
            sheet.append(xlsx_row(sheet, row))
    return workbook


def write_xlsform(form: XLSForm, path: str | Path) -> list[Path]:
    """Write ``form`` as an ``.xlsx`` (and its cooperative CSV beside it, if any).

    Returns the paths written.
    """
    path = Path(path)
    _workbook(form).save(path)
    written = [path]
    if form.cooperative_csv is not None:
        csv_name = _csv_name(form)
        csv_path = path.parent / csv_name
        csv_path.write_text(form.cooperative_csv, encoding="utf-8")
        written.append(csv_path)
    return written


def _csv_name(form: XLSForm) -> str:
    for row in form.survey[1:]:
        kind = str(row[0] or "")
        if kind.startswith("select_one_from_file "):
            return kind.split(" ", 1)[1]
    raise ValueError("the form has no select_one_from_file field")
