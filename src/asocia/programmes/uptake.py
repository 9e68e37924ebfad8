"""Uptake: which cooperative received which instrument, when and how much.

Two file shapes, CSV or XLSX, read with the registry's readers and parsers:

- an agency's **beneficiary list**: RUT, instrument (code or name) or agency, year or date,
  amount;
- a **Ley 19.862 transfers** file (the public register of transfers of public funds to private
  bodies): receiving RUT, issuing agency, amount, date, purpose.

Every row is matched to the registry by tax id. As in the registry import, the whole file is
validated first and the report lists each problem (line, column, value, reason); when any row
is rejected nothing is written.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from asocia.db.models import Cooperative
from asocia.db.models.programmes import Uptake, UptakeRun
from asocia.i18n import N_, MessageError
from asocia.programmes import catalogue
from asocia.registry.parsers import ValueProblem, parse_date, parse_int, parse_number
from asocia.registry.readers import ReadError, open_table
from asocia.registry.taxid import InvalidTaxId, canonical_tax_id
from asocia.registry.validation import Problem

ALIASES: dict[str, tuple[str, ...]] = {
    "rut": (
        "rut",
        "rut_receptor",
        "rut_beneficiario",
        "rut_organizacion",
        "tax_id",
        "receiving_rut",
        "rut_persona_juridica_receptora",
    ),
    "agency": (
        "agencia",
        "agency",
        "institucion",
        "servicio",
        "organismo",
        "issuing_agency",
        "institucion_que_transfiere",
        "servicio_que_transfiere",
        "organismo_otorgante",
    ),
    "instrument": ("instrumento", "programa", "instrument", "programme", "program"),
    "year": ("ano", "anio", "year", "periodo"),
    "date": ("fecha", "date", "fecha_transferencia", "fecha_de_transferencia"),
    "amount": ("monto", "amount", "monto_transferido", "monto_clp", "monto_total"),
    "purpose": (
        "finalidad",
        "proposito",
        "purpose",
        "objetivo",
        "objeto",
        "finalidad_de_la_transferencia",
    ),
}


class UptakeFileError(MessageError):
    """The file cannot be read, or lacks the columns an uptake file needs."""

    domain = "programmes"


def _key(header: object) -> str:
    text = unicodedata.normalize("NFKD", str(header or "")).encode("ascii", "ignore").decode()
    return "_".join(text.lower().replace(".", " ").replace("-", " ").split())


@dataclass
class Report:
    """What an import found: counts, problems, and what was (or would be) written."""

    source_file: str
    shape: str = "beneficiaries"
    read: int = 0
    created: int = 0
    rejected: int = 0
    dry_run: bool = False
    written: bool = False
    run_id: int | None = None
    problems: list[Problem] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "source_file": self.source_file,
            "shape": self.shape,
            "read": self.read,
            "created": self.created,
            "rejected": self.rejected,
            "dry_run": self.dry_run,
            "written": self.written,
            "run_id": self.run_id,
            "problems": [p.as_dict() for p in self.problems],
        }


def _agency_codes() -> dict[str, str]:
    codes: dict[str, str] = {}
    for code, info in catalogue.agencies().items():
        codes[_key(code)] = code
        codes[_key(info["name"])] = code
    codes[_key("Banco del Estado de Chile")] = "BANCOESTADO"
    codes[_key("Comision Nacional de Riego")] = "CNR"
    codes[_key("Servicio de Cooperacion Tecnica")] = "SERCOTEC"
    return codes


def import_file(
    session: Session,
    path: Path,
    *,
    username: str | None = None,
    dry_run: bool = False,
    recent_years: int | None = None,
) -> Report:
    """Validate ``path`` and, when every row is valid and not ``dry_run``, write it."""
    report = Report(source_file=path.name, dry_run=dry_run)
    instruments = catalogue.list_instruments(session, include_retired=True)
    by_code = {i.code: i for i in instruments}
    by_name = {_key(i.name): i for i in instruments}
    agency_codes = _agency_codes()
    rows: list[dict[str, Any]] = []
    pending: list[tuple[dict[str, Any], list[Problem], str | None, int, Any]] = []
    original: dict[str, str] = {}
    try:
        with open_table(path) as table:
            headers = [_key(h) for h in table.headers]
            columns: dict[str, int] = {}
            for name, aliases in ALIASES.items():
                for index, header in enumerate(headers):
                    if header in aliases and name not in columns:
                        columns[name] = index
            original = {name: str(table.headers[i]) for name, i in columns.items()}
            if "rut" not in columns:
                raise UptakeFileError(
                    N_("%(file)s: no RUT column (expected one of: rut, rut receptor)"),
                    file=path.name,
                )
            if "agency" not in columns and "instrument" not in columns:
                raise UptakeFileError(
                    N_("%(file)s: needs an agency or an instrument column"), file=path.name
                )
            if "year" not in columns and "date" not in columns:
                raise UptakeFileError(N_("%(file)s: needs a year or a date column"), file=path.name)
            if "purpose" in columns and "agency" in columns and "instrument" not in columns:
                report.shape = "ley19862"
            for line, cells in table.rows:
                if cells is None:
                    continue
                report.read += 1
                raw = {n: (cells[i] if i < len(cells) else None) for n, i in columns.items()}
                found: list[Problem] = []

                def bad(
                    name: str,
                    reason: str,
                    raw: dict[str, Any] = raw,
                    line: int = line,
                    found: list[Problem] = found,
                ) -> None:
                    value = raw.get(name)
                    found.append(
                        Problem(
                            line,
                            original.get(name, name),
                            None if value is None else str(value),
                            reason,
                            "rejected",
                        )
                    )

                record: dict[str, Any] = {"source_row": line}
                tax_id = None
                try:
                    tax_id = canonical_tax_id("CL", str(raw.get("rut") or ""))
                except InvalidTaxId as exc:
                    bad("rut", f"not a valid RUT: {exc}")
                instrument = None
                if raw.get("instrument") not in (None, ""):
                    text = str(raw["instrument"]).strip()
                    instrument = by_code.get(text) or by_name.get(_key(text))
                    if instrument is None:
                        bad(
                            "instrument",
                            "unknown instrument (give its code or name in the catalogue)",
                        )
                agency = None
                if raw.get("agency") not in (None, ""):
                    agency = (
                        agency_codes.get(_key(raw["agency"])) or str(raw["agency"]).strip()[:80]
                    )
                if instrument is not None:
                    if agency and agency != instrument.agency:
                        bad("agency", f"the instrument belongs to {instrument.agency}")
                    agency = instrument.agency
                if not agency and instrument is None:
                    bad("agency" if "agency" in columns else "instrument", "required")
                record["instrument_id"] = instrument.id if instrument else None
                record["agency"] = agency
                granted: date | None = None
                if raw.get("date") not in (None, ""):
                    try:
                        granted = parse_date(raw["date"])
                    except ValueProblem as exc:
                        bad("date", str(exc))
                year = granted.year if granted else None
                if raw.get("year") not in (None, ""):
                    try:
                        year = parse_int(raw["year"])
                        if not 1950 <= year <= date.today().year:
                            bad("year", "not a plausible year")
                        elif granted and granted.year != year:
                            bad("year", f"does not match the date ({granted.isoformat()})")
                    except ValueProblem as exc:
                        bad("year", str(exc))
                if year is None and not any(
                    p.column in (original.get("date"), original.get("year")) for p in found
                ):
                    bad("date" if "date" in columns else "year", "required")
                record["year"] = year
                record["granted_on"] = granted
                amount = None
                if raw.get("amount") not in (None, ""):
                    try:
                        amount = parse_number(raw["amount"])
                        if amount < 0:
                            bad("amount", "a negative amount")
                    except ValueProblem as exc:
                        bad("amount", str(exc))
                record["amount_clp"] = amount
                purpose = raw.get("purpose")
                record["purpose"] = None if purpose in (None, "") else str(purpose).strip()
                pending.append((record, found, tax_id, line, raw.get("rut")))
    except ReadError as exc:
        raise UptakeFileError(N_("cannot read the file: %(reason)s"), reason=str(exc)) from None
    # Match to the registry by tax id, a thousand at a time (not one query per row).
    known = sorted({tax_id for _, _, tax_id, _, _ in pending if tax_id})
    ids: dict[str, int] = {}
    for start in range(0, len(known), 1000):
        query = select(Cooperative.tax_id, Cooperative.id).where(
            Cooperative.tax_id.in_(known[start : start + 1000]),
            Cooperative.merged_into_id.is_(None),
        )
        ids.update({str(t): int(i) for t, i in session.execute(query)})
    for record, found, tax_id, line, rut_value in pending:
        if tax_id and tax_id not in ids:
            found.append(
                Problem(
                    line,
                    original.get("rut", "rut"),
                    None if rut_value is None else str(rut_value),
                    "no cooperative with this RUT in the registry",
                    "rejected",
                )
            )
        if found:
            report.rejected += 1
            report.problems.extend(sorted(found, key=lambda p: p.line))
        else:
            record["cooperative_id"] = ids[str(tax_id)]
            rows.append(record)
    if dry_run or report.rejected:
        if report.rejected and not dry_run:
            run = UptakeRun(
                username=username,
                source_file=path.name,
                shape=report.shape,
                status="rejected",
                read=report.read,
                created=0,
                rejected=report.rejected,
                problems=[p.as_dict() for p in report.problems[:1000]],
            )
            session.add(run)
            session.flush()
            report.run_id = run.id
        return report
    run = UptakeRun(
        username=username,
        source_file=path.name,
        shape=report.shape,
        status="done",
        read=report.read,
        created=len(rows),
        rejected=0,
        problems=[],
    )
    session.add(run)
    session.flush()
    # One executemany per chunk: an ORM object per row would cost most of the import.
    for start in range(0, len(rows), 5000):
        chunk = [
            r | {"source_file": path.name, "run_id": run.id} for r in rows[start : start + 5000]
        ]
        session.execute(insert(Uptake), chunk)
    report.created = len(rows)
    report.written = True
    report.run_id = run.id
    return report
