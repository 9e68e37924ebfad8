"""Open Referral HSDS 3.0 export of the catalogue.

Agency → ``organization``; instrument → ``service`` (``status`` active/inactive); stages,
purposes and support types → ``taxonomy_term`` of three asocia taxonomies, linked to each
service by ``attribute``; regions → ``service_area`` (a national instrument has one area,
"Chile"). Identifiers are UUID 5 derived from the codes, so an export is stable.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from asocia.db.models.programmes import Instrument
from asocia.programmes.catalogue import agencies
from asocia.programmes.labels import LABELS
from asocia.programmes.rules import describe
from asocia.registry.territory import territory

NAMESPACE = uuid.UUID("6f1e1b0a-3c1d-5b9e-9a57-6173636f6369")
TAXONOMIES = {
    "stage": "asocia-stage",
    "purpose": "asocia-purpose",
    "support_type": "asocia-support-type",
}
FIELD_OF = {"stage": "stages", "purpose": "purposes", "support_type": "support_types"}


def _id(*parts: object) -> str:
    return str(uuid.uuid5(NAMESPACE, "/".join(str(p) for p in parts)))


def _region_name(code: int) -> str:
    try:
        return territory().regions[code].name
    except (KeyError, AttributeError):
        return f"Región {code}"


def to_hsds(instruments: Sequence[Instrument], lang: str = "es") -> dict[str, Any]:
    """The HSDS document: organizations, services, taxonomies and taxonomy_terms."""
    known = agencies()
    taxonomies = [
        {
            "id": _id("taxonomy", name),
            "name": name,
            "description": f"asocia {kind.replace('_', ' ')}",
            "version": "1",
        }
        for kind, name in TAXONOMIES.items()
    ]
    terms: dict[tuple[str, str], dict[str, Any]] = {}
    for kind, name in TAXONOMIES.items():
        for code, text in LABELS[kind].items():
            terms[(kind, code)] = {
                "id": _id("term", kind, code),
                "code": code,
                "name": text.get(lang, text["es"]),
                "description": text.get("en", code),
                "taxonomy": name,
                "taxonomy_id": _id("taxonomy", name),
            }
    organizations = []
    for code in sorted({i.agency for i in instruments}):
        info = known.get(code, {})
        organization: dict[str, Any] = {
            "id": _id("organization", code),
            "name": info.get("name", code),
            "alternate_name": code,
            "description": info.get("ministry", code),
        }
        if info.get("url"):
            organization["website"] = info["url"]
        organizations.append(organization)
    services = []
    for instrument in instruments:
        service_id = _id("service", instrument.code)
        attributes = []
        for kind, field in FIELD_OF.items():
            for code in getattr(instrument, field) or []:
                term = terms.get((kind, code))
                if term is None:
                    continue
                attributes.append(
                    {
                        "id": _id("attribute", instrument.code, kind, code),
                        "link_id": service_id,
                        "link_type": kind,
                        "link_entity": "service",
                        "taxonomy_term_id": term["id"],
                        "taxonomy_term": {
                            k: term[k] for k in ("id", "code", "name", "description", "taxonomy")
                        },
                    }
                )
        areas = [
            {
                "id": _id("area", instrument.code, r),
                "service_id": service_id,
                "name": _region_name(r),
                "extent_type": "text",
                "extent": _region_name(r),
            }
            for r in instrument.regions or []
        ] or [
            {
                "id": _id("area", instrument.code, "national"),
                "service_id": service_id,
                "name": "Chile",
                "extent_type": "text",
                "extent": "Chile",
            }
        ]
        service: dict[str, Any] = {
            "id": service_id,
            "organization_id": _id("organization", instrument.agency),
            "name": instrument.name if lang == "es" else instrument.name_en or instrument.name,
            "alternate_name": instrument.name_en if lang == "es" else instrument.name,
            "description": instrument.description or instrument.name,
            "status": "active" if instrument.status == "active" else "inactive",
            "application_process": instrument.how_to_apply,
            "eligibility_description": describe(instrument.eligibility, lang),
            "service_areas": areas,
            "attributes": attributes,
        }
        if instrument.legal_url:
            service["url"] = instrument.legal_url
        services.append({k: v for k, v in service.items() if v is not None})
    return {
        "organizations": organizations,
        "services": services,
        "taxonomies": taxonomies,
        "taxonomy_terms": list(terms.values()),
    }
