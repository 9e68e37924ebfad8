"""Recommendations: the instruments an actor (a co-op, a pre-associative group, a person) may
use, ranked by fit with its stage, purpose and latest diagnosis, each with *why*.

The ranking rules are data (``data/recommendations.yaml``); eligibility is each instrument's
rule (``asocia.programmes.rules``).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from functools import cache
from importlib import resources
from typing import Any

import yaml
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from asocia.db.models import Cooperative
from asocia.db.models.programmes import Instrument
from asocia.programmes import catalogue
from asocia.programmes.labels import label
from asocia.programmes.rules import NOT_ELIGIBLE, UNKNOWN, category_label, evaluate


@cache
def ranking_rules() -> dict[str, Any]:
    text = (
        resources.files("asocia.programmes")
        .joinpath("data/recommendations.yaml")
        .read_text("utf-8")
    )
    data: dict[str, Any] = yaml.safe_load(text)
    return data


def find_cooperative(session: Session, key: str) -> Cooperative | None:
    """A cooperative by id or tax id (RUT in any usual spelling)."""
    from asocia.registry.taxid import InvalidTaxId, canonical_tax_id

    text = key.strip()
    if text.isdigit() and len(text) < 7:
        return session.get(Cooperative, int(text))
    candidates = [text]
    with contextlib.suppress(InvalidTaxId):
        candidates.append(canonical_tax_id("CL", text))
    found = session.scalars(
        select(Cooperative).where(or_(*(Cooperative.tax_id == c for c in candidates)))
    ).first()
    if found is None and text.isdigit():
        return session.get(Cooperative, int(text))
    return found


def diagnosis_lights(session: Session, cooperative_id: int) -> dict[str, str]:
    """Category → light of the cooperative's latest submitted diagnosis (empty when none)."""
    from asocia.db.models.diagnosis import Diagnosis
    from asocia.diagnosis.queries import result_of

    diagnosis = session.scalars(
        select(Diagnosis)
        .where(Diagnosis.cooperative_id == cooperative_id, Diagnosis.status == "submitted")
        .order_by(Diagnosis.diagnosed_on.desc(), Diagnosis.id.desc())
    ).first()
    if diagnosis is None:
        return {}
    try:
        result = result_of(diagnosis)
    except LookupError:  # the instrument version is not installed
        return {}
    return {node.id: node.light.value for node in result.nodes("category")}


def cooperative_facts(
    coop: Cooperative, lights: Mapping[str, str], today: date | None = None
) -> dict[str, Any]:
    """The attributes rules are written over, for one cooperative."""
    today = today or date.today()
    age = None
    if coop.constituted_on:
        age = (
            today.year
            - coop.constituted_on.year
            - ((today.month, today.day) < (coop.constituted_on.month, coop.constituted_on.day))
        )
    facts: dict[str, Any] = {
        "country": coop.country,
        "region": coop.region_code,
        "comuna": coop.comuna_code,
        "rural_class": coop.rural_class,
        "legal_class": coop.legal_class,
        "ilo_type": coop.ilo_type,
        "organisation_type": coop.organisation_type,
        "size_band": coop.size_band,
        "members": coop.members_total,
        "age": age,
        "status": coop.legal_status,
        "stage": "pre_associative" if coop.legal_status == "en_constitucion" else "associative",
    }
    facts.update({f"diagnosis.{k}": v for k, v in lights.items()})
    return facts


def cooperative_purposes(coop: Cooperative) -> list[str]:
    mapping = ranking_rules()["purposes"]
    found: list[str] = []
    for attribute, table in mapping.items():
        for purpose in table.get(getattr(coop, attribute, None) or "", []):
            if purpose not in found:
                found.append(purpose)
    return found


def _text(es: str, en: str) -> dict[str, str]:
    return {"es": es, "en": en}


def recommend(
    instruments: Iterable[Instrument],
    facts: Mapping[str, Any],
    purposes: Sequence[str] = (),
    *,
    limit: int | None = None,
) -> list[dict[str, Any]]:
    """Ranked recommendations for an actor described by ``facts`` (see ``rules.ATTRIBUTES``)."""
    rules = ranking_rules()
    weights = rules["weights"]
    stage = facts.get("stage")
    weak_topics: dict[str, tuple[str, str]] = {}  # topic → (light, category)
    for category, topics in rules["diagnosis"].items():
        light = facts.get(f"diagnosis.{category}")
        if light in ("red", "yellow"):
            for topic in topics:
                if topic not in weak_topics or light == "red":
                    weak_topics[topic] = (light, category)
    found: list[dict[str, Any]] = []
    for instrument in instruments:
        if instrument.status != "active" or stage not in instrument.stages:
            continue
        region = facts.get("region")
        if instrument.regions and region is not None and region not in instrument.regions:
            continue
        evaluation = evaluate(instrument.eligibility, facts)
        if evaluation.outcome == NOT_ELIGIBLE:
            continue
        score = 0
        why_es = [f"Sirve a la etapa {label('stage', stage, 'es').lower()}"]
        why_en = [f"Serves the {label('stage', stage, 'en').lower()} stage"]
        shared = [p for p in instrument.purposes if p in purposes]
        if shared:
            score += weights["purpose"]
            why_es.append("Propósito: " + ", ".join(label("purpose", p, "es") for p in shared))
            why_en.append("Purpose: " + ", ".join(label("purpose", p, "en") for p in shared))
        for topic in instrument.topics:
            if topic in weak_topics:
                light, category = weak_topics[topic]
                score += weights[light]
                category_text = {lang: category_label(category, lang) for lang in ("es", "en")}
                light_es = {"red": "roja", "yellow": "amarilla"}[light]
                why_es.append(
                    f"Luz {light_es} en {category_text['es']} → "
                    f"{label('topic', topic, 'es').lower()}"
                )
                why_en.append(
                    f"{light.capitalize()} light in {category_text['en']} → "
                    f"{label('topic', topic, 'en').lower()}"
                )
        if evaluation.outcome == UNKNOWN:
            score += weights["unknown"]
            why_es.append("Elegibilidad por confirmar. " + evaluation.words["es"])
            why_en.append("Eligibility to be confirmed. " + evaluation.words["en"])
        else:
            why_es.append("Cumple: " + evaluation.words["es"])
            why_en.append("Meets: " + evaluation.words["en"])
        found.append(
            {
                "instrument": {
                    "id": instrument.id,
                    "code": instrument.code,
                    "name": instrument.name,
                    "name_en": instrument.name_en,
                    "agency": instrument.agency,
                    "support_types": list(instrument.support_types),
                },
                "score": score,
                "eligibility": evaluation.as_dict(),
                "why": {"es": why_es, "en": why_en},
            }
        )
    found.sort(key=lambda r: (-r["score"], r["instrument"]["agency"], r["instrument"]["name"]))
    return found[:limit] if limit else found


def for_cooperative(
    session: Session,
    coop: Cooperative,
    *,
    limit: int | None = None,
    instruments: Sequence[Instrument] | None = None,
) -> dict[str, Any]:
    """Recommendations for one cooperative, with the facts they were computed from.

    ``instruments``: the active catalogue when the caller already holds it (the web keeps it
    between requests); read from the database otherwise.
    """
    lights = diagnosis_lights(session, coop.id)
    facts = cooperative_facts(coop, lights)
    purposes = cooperative_purposes(coop)
    if instruments is None:
        instruments = catalogue.list_instruments(session)
    items = recommend(instruments, facts, purposes, limit=limit)
    return {
        "cooperative": {"id": coop.id, "name": coop.legal_name, "tax_id": coop.tax_id},
        "stage": facts["stage"],
        "purposes": purposes,
        "lights": lights,
        "recommendations": items,
    }


def for_group(session: Session, group: Any, *, limit: int | None = None) -> list[dict[str, Any]]:
    """Recommendations for a pre-associative group (stage, region, members, purpose)."""
    facts = {
        "country": "CL",
        "region": group.region_code,
        "comuna": group.comuna_code,
        "members": group.members_count,
        "stage": "pre_associative",
    }
    purposes = [group.purpose] if group.purpose else []
    return recommend(catalogue.list_instruments(session), facts, purposes, limit=limit)
