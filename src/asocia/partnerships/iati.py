"""IATI 2.03 activity files: import (filtered by recipient country and DAC sector) and export
as IATI XML and CSV.

Parsing uses ``defusedxml`` (no entity expansion, no DTDs, no external references): a file
from outside is untrusted. Only the subset of the activity standard asocia keeps is read:
identifier, title, description, participating organisations with roles, recipient countries
and regions, sectors, status, dates, budgets and result titles.
"""

from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from defusedxml import DefusedXmlException  # type: ignore[import-untyped]
from defusedxml.ElementTree import fromstring  # type: ignore[import-untyped]
from sqlalchemy import select
from sqlalchemy.orm import Session

from asocia.db.models.partnerships import Project, ProjectParticipant
from asocia.i18n import N_
from asocia.partnerships.store import (
    PartnershipError,
    ensure_defaults,
    matches,
    organisation,
    project_dict,
)
from asocia.spreadsheets import safe_row

XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
DATE_TYPES = {"1": "start_planned", "2": "start_actual", "3": "end_planned", "4": "end_actual"}


@dataclass
class ImportResult:
    read: int = 0
    created: int = 0
    updated: int = 0
    skipped: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)
    identifiers: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "read": self.read,
            "created": self.created,
            "updated": self.updated,
            "skipped": self.skipped,
            "errors": self.errors,
            "identifiers": self.identifiers,
        }


def _narrative(element: ET.Element | None, lang: str = "es") -> str | None:
    if element is None:
        return None
    narratives = element.findall("narrative")
    if not narratives:
        return (element.text or "").strip() or None
    for wanted in (lang, "en", None):
        for n in narratives:
            if wanted is None or n.get(XML_LANG) == wanted:
                text = (n.text or "").strip()
                if text:
                    return text
    return None


def _date(value: str | None, where: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value.strip()[:10])
    except ValueError:
        raise PartnershipError(
            N_("%(where)s: iso-date %(value)r is not a date (YYYY-MM-DD)"), where=where, value=value
        ) from None


def _float(value: str | None, where: str) -> float | None:
    if value is None or not value.strip():
        return None
    try:
        return float(value.strip())
    except ValueError:
        raise PartnershipError(
            N_("%(where)s: %(value)r is not a number"), where=where, value=value
        ) from None


def parse_activity(activity: ET.Element, default_currency: str | None) -> dict[str, Any]:
    """One ``iati-activity`` as plain data (raises ``PartnershipError`` naming the field)."""
    identifier = (activity.findtext("iati-identifier") or "").strip()
    if not identifier:
        raise PartnershipError(N_("iati-identifier: missing"))
    title = _narrative(activity.find("title"))
    if not title:
        raise PartnershipError(N_("%(activity)s: title: missing"), activity=identifier)
    dates: dict[str, date | None] = {}
    for d in activity.findall("activity-date"):
        key = DATE_TYPES.get(d.get("type", ""))
        if key:
            dates[key] = _date(d.get("iso-date"), f"{identifier}: activity-date")
    currency = activity.get("default-currency") or default_currency
    budget = 0.0
    has_budget = False
    for b in activity.findall("budget"):
        value = b.find("value")
        if value is None:
            continue
        amount = _float(value.text, f"{identifier}: budget/value")
        if amount is not None:
            budget += amount
            has_budget = True
            currency = value.get("currency") or currency
    status = activity.find("activity-status")
    return {
        "iati_identifier": identifier,
        "title": title,
        "description": _narrative(activity.find("description")),
        "status": status.get("code") if status is not None else None,
        **dates,
        "budget_value": budget if has_budget else None,
        "budget_currency": currency if has_budget else None,
        "recipient_countries": [
            {
                "code": (c.get("code") or "").upper(),
                "percentage": _float(c.get("percentage"), f"{identifier}: recipient-country"),
            }
            for c in activity.findall("recipient-country")
            if c.get("code")
        ],
        "recipient_regions": [
            {"code": r.get("code"), "vocabulary": r.get("vocabulary", "1")}
            for r in activity.findall("recipient-region")
            if r.get("code")
        ],
        "sectors": [
            {
                "code": s.get("code"),
                "vocabulary": s.get("vocabulary", "1"),
                "percentage": _float(s.get("percentage"), f"{identifier}: sector"),
            }
            for s in activity.findall("sector")
            if s.get("code")
        ],
        "participants": [
            {
                "ref": o.get("ref"),
                "role": o.get("role") or "4",
                "name": _narrative(o) or o.get("ref"),
            }
            for o in activity.findall("participating-org")
            if _narrative(o) or o.get("ref")
        ],
        "results": [
            {"title": _narrative(r.find("title")), "type": r.get("type")}
            for r in activity.findall("result")
        ],
    }


def parse(data: bytes) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Activities of an IATI activity file, and errors (each with activity position and reason)."""
    try:
        root = fromstring(data)
    except ET.ParseError as exc:
        line, column = exc.position
        # expat counts columns from 0; people count from 1
        raise PartnershipError(
            N_("line %(line)s, column %(column)s: not well-formed XML"),
            line=line,
            column=column + 1,
        ) from None
    except DefusedXmlException as exc:
        raise PartnershipError(
            N_("refused: %(error)s (entities or DTD)"), error=exc.__class__.__name__
        ) from None
    if root.tag != "iati-activities":
        raise PartnershipError(N_("root element is <%(tag)s>, not <iati-activities>"), tag=root.tag)
    version = root.get("version")
    if version and not version.startswith("2."):
        raise PartnershipError(
            N_("IATI version %(version)s: only 2.0x activity files are read"), version=version
        )
    currency = root.get("default-currency")
    activities, errors = [], []
    for n, activity in enumerate(root.findall("iati-activity"), start=1):
        try:
            activities.append(parse_activity(activity, currency))
        except PartnershipError as exc:
            errors.append({"activity": n, "reason": str(exc)})
    return activities, errors


def import_iati(
    session: Session, data: bytes, country: str | None = None, sector: str | None = None
) -> ImportResult:
    """Create or update the activities of the file that match the filters."""
    ensure_defaults(session)
    activities, errors = parse(data)
    result = ImportResult(read=len(activities) + len(errors), errors=errors)
    for item in activities:
        countries = [c["code"] for c in item["recipient_countries"]]
        sectors = [s["code"] for s in item["sectors"] if s["vocabulary"] in ("1", "2")]
        if not matches(countries, sectors, country, sector):
            result.skipped += 1
            continue
        participants = item.pop("participants")
        project = session.scalars(
            select(Project).where(Project.iati_identifier == item["iati_identifier"])
        ).one_or_none()
        if project is None:
            project = Project(source="iati", chile_regions=[], national_instruments=[])
            session.add(project)
            result.created += 1
        else:
            result.updated += 1
        for key, value in item.items():
            setattr(project, key, value)
        project.provenance = f"IATI activity file ({item['iati_identifier']})"
        session.flush()
        project.participants.clear()
        session.flush()
        seen = set()
        for p in participants:
            org = organisation(session, p["name"] or p["ref"], ref=p["ref"])
            if (org.id, p["role"]) in seen:
                continue
            seen.add((org.id, p["role"]))
            project.participants.append(ProjectParticipant(organisation_id=org.id, role=p["role"]))
        session.flush()
        result.identifiers.append(item["iati_identifier"])
    return result


# --- export -------------------------------------------------------------------------------------


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: Any) -> ET.Element:
    element = ET.SubElement(parent, tag, {k.replace("_", "-"): str(v) for k, v in attrs.items()
                                          if v is not None})  # fmt: skip
    if text is not None:
        ET.SubElement(element, "narrative").text = text
    return element


def to_iati_xml(projects: list[dict[str, Any]]) -> bytes:
    """IATI 2.03 activities of ``projects`` (as returned by ``list_projects``)."""
    attributes = {"version": "2.03", "generated-datetime": date.today().isoformat()}
    root = ET.Element("iati-activities", attributes)
    for p in projects:
        activity = ET.SubElement(root, "iati-activity")
        ET.SubElement(activity, "iati-identifier").text = p["iati_identifier"]
        _sub(activity, "title", p["title"])
        if p["description"]:
            _sub(activity, "description", p["description"], type="1")
        for x in p["participants"]:
            _sub(activity, "participating-org", x["name"], ref=x["ref"], role=x["role"])
        if p["status"]:
            _sub(activity, "activity-status", code=p["status"])
        for code, key in (("1", "start_planned"), ("2", "start_actual"),
                          ("3", "end_planned"), ("4", "end_actual")):  # fmt: skip
            if p[key]:
                _sub(activity, "activity-date", type=code, iso_date=p[key].isoformat())
        for c in p["countries"]:
            _sub(activity, "recipient-country", code=c)
        for r in p["regions"]:
            _sub(activity, "recipient-region", code=r["code"], vocabulary=r.get("vocabulary"))
        for s in p["sectors"]:
            _sub(activity, "sector", code=s["code"], vocabulary=s.get("vocabulary", "1"),
                 percentage=s.get("percentage"))  # fmt: skip
        if p["budget"]:
            budget = _sub(activity, "budget")
            ET.SubElement(
                budget, "value", {"currency": p["budget"]["currency"] or ""}
            ).text = f"{p['budget']['value']:.2f}"
        for r in p["results"]:
            if r.get("title"):
                result = _sub(activity, "result", type=r.get("type") or "1")
                _sub(result, "title", r["title"])
    ET.indent(root)
    return bytes(ET.tostring(root, encoding="utf-8", xml_declaration=True))


CSV_HEADER = ["iati_identifier", "title", "countries", "sectors", "organisations", "start",
              "end", "status", "budget", "currency", "cooperatives", "national_instruments",
              "source"]  # fmt: skip


def to_csv(projects: list[dict[str, Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_HEADER)
    for p in projects:
        writer.writerow(safe_row([
            p["iati_identifier"], p["title"], ";".join(p["countries"]),
            ";".join(s["code"] for s in p["sectors"]),
            ";".join(f"{x['name']} ({x['role_name']})" for x in p["participants"]),
            p["start"] or "", p["end"] or "", p["status"] or "",
            (p["budget"] or {}).get("value", ""), (p["budget"] or {}).get("currency", ""),
            len(p["cooperatives"]), ";".join(p["national_instruments"]), p["source"],
        ]))  # fmt: skip
    return buffer.getvalue()


__all__ = ["ImportResult", "import_iati", "parse", "project_dict", "to_csv", "to_iati_xml"]
