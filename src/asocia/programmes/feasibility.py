"""The public feasibility self-assessment: a versioned questionnaire (data, es/en), its lights
per topic, the overall reading, the steps to form a co-op in Chile, the matching instruments,
and a PDF. Nothing is stored unless the group saves its result (:func:`save`)."""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from functools import cache
from importlib import resources
from typing import Any

import yaml
from fpdf import FPDF
from sqlalchemy import select
from sqlalchemy.orm import Session

from asocia.db.base import utcnow
from asocia.db.models.programmes import FeasibilityResult, Instrument, PreAssociativeGroup
from asocia.programmes.labels import label

GREEN, YELLOW = 70.0, 40.0
READINGS = {
    "ready": {
        "es": "Listos para iniciar los pasos formales.",
        "en": "Ready to start the formal steps.",
    },
    "work_on_weak": {
        "es": "Trabajen primero los temas débiles antes de constituirse.",
        "en": "Work on the weak topics first, then form the co-op.",
    },
    "pre_associative": {
        "es": "Comiencen como grupo pre-asociativo: fortalezcan la base del grupo.",
        "en": "Begin as a pre-associative group: strengthen the group's foundations first.",
    },
    "incomplete": {
        "es": "Faltan respuestas para dar una lectura.",
        "en": "More answers are needed for a reading.",
    },
}


@cache
def questionnaire() -> dict[str, Any]:
    """The current questionnaire (``data/feasibility-1.yaml``)."""
    text = (
        resources.files("asocia.programmes").joinpath("data/feasibility-1.yaml").read_text("utf-8")
    )
    data: dict[str, Any] = yaml.safe_load(text)
    return data


def _t(text: Mapping[str, str], lang: str) -> str:
    return text.get(lang) or text["es"]


def localized(lang: str = "es") -> dict[str, Any]:
    """The questionnaire in one language, for a page or the API."""
    q = questionnaire()
    return {
        "id": q["id"],
        "version": q["version"],
        "title": _t(q["title"], lang),
        "purposes": [(k, _t(v, lang)) for k, v in q["purposes"].items()],
        "topics": [
            {
                "id": t["id"],
                "label": _t(t["label"], lang),
                "questions": [
                    {
                        "id": qq["id"],
                        "label": _t(qq["label"], lang),
                        "options": [(o["id"], _t(o["label"], lang)) for o in qq["options"]],
                    }
                    for qq in t["questions"]
                ],
            }
            for t in q["topics"]
        ],
    }


def clean_answers(raw: Mapping[str, Any]) -> dict[str, Any]:
    """Only known questions with allowed options, the purpose and a member count."""
    q = questionnaire()
    answers: dict[str, Any] = {}
    for topic in q["topics"]:
        for question in topic["questions"]:
            value = raw.get(question["id"])
            if value is not None and str(value) in {o["id"] for o in question["options"]}:
                answers[question["id"]] = str(value)
    purpose = raw.get("purpose")
    if purpose in q["purposes"]:
        answers["purpose"] = purpose
    try:
        members = int(str(raw.get("members") or "").strip())
        if 0 < members < 100000:
            answers["members"] = members
    except ValueError:
        pass
    return answers


def assess(
    answers: Mapping[str, Any], instruments: Sequence[Instrument], lang: str = "es"
) -> dict[str, Any]:
    """Lights per topic, overall reading, steps and matching instruments."""
    q = questionnaire()
    topics = []
    for topic in q["topics"]:
        score = maximum = 0
        answered = 0
        for question in topic["questions"]:
            best = max(o["score"] for o in question["options"])
            value = answers.get(question["id"])
            if value is None:
                continue
            option = next(o for o in question["options"] if o["id"] == value)
            score += option["score"]
            maximum += best
            answered += 1
        percentage = 100 * score / maximum if maximum else None
        if percentage is None or answered < len(topic["questions"]) / 2:
            light = "insufficient_data"
        elif percentage >= GREEN:
            light = "green"
        elif percentage >= YELLOW:
            light = "yellow"
        else:
            light = "red"
        topics.append(
            {
                "id": topic["id"],
                "label": _t(topic["label"], lang),
                "light": light,
                "percentage": None if percentage is None else round(percentage, 1),
            }
        )
    lights = {t["id"]: t["light"] for t in topics}
    if sum(light == "insufficient_data" for light in lights.values()) > len(lights) / 2:
        reading = "incomplete"
    elif any(lights[t] == "red" for t in q["foundation"]):
        reading = "pre_associative"
    elif (
        any(v == "red" for v in lights.values()) or sum(v == "yellow" for v in lights.values()) >= 3
    ):
        reading = "work_on_weak"
    else:
        reading = "ready"
    stage = "associative" if reading == "ready" else "pre_associative"
    purpose = answers.get("purpose")
    matching = [
        {
            "id": i.id,
            "code": i.code,
            "name": i.name if lang == "es" else i.name_en or i.name,
            "agency": i.agency,
            "support_types": [label("support_type", s, lang) for s in i.support_types],
        }
        for i in instruments
        if i.status == "active"
        and "pre_associative" in i.stages
        and (purpose is None or purpose in i.purposes)
    ]
    return {
        "questionnaire": {"id": q["id"], "version": q["version"]},
        "topics": topics,
        "reading": reading,
        "reading_text": _t(READINGS[reading], lang),
        "stage": stage,
        "purpose": purpose,
        "purpose_label": _t(q["purposes"][purpose], lang) if purpose else None,
        "steps": [_t(s, lang) for s in q["steps"]],
        "instruments": matching,
    }


def save(
    session: Session,
    answers: Mapping[str, Any],
    *,
    lang: str,
    group_name: str | None,
    comuna_code: int | None,
) -> FeasibilityResult:
    """Store a result the group chose to save; it is reached again only by its token."""
    q = questionnaire()
    result = FeasibilityResult(
        token=secrets.token_urlsafe(24),
        questionnaire=q["id"],
        version=q["version"],
        lang=lang,
        answers=dict(answers),
        group_name=(group_name or "").strip()[:200] or None,
        comuna_code=comuna_code,
    )
    session.add(result)
    session.flush()
    return result


def find(session: Session, token: str) -> FeasibilityResult | None:
    return session.scalars(
        select(FeasibilityResult).where(FeasibilityResult.token == token)
    ).first()


def register_group(
    session: Session,
    result: FeasibilityResult,
    *,
    contact_person: str | None,
    contact_email: str | None,
    contact_phone: str | None,
    region_code: int | None,
) -> PreAssociativeGroup:
    """With the group's consent, register it as a pre-associative group (the pipeline)."""
    group = PreAssociativeGroup(
        name=result.group_name or f"Grupo {result.id}",
        contact_person=(contact_person or "").strip()[:200] or None,
        contact_email=(contact_email or "").strip()[:200] or None,
        contact_phone=(contact_phone or "").strip()[:60] or None,
        comuna_code=result.comuna_code,
        region_code=region_code,
        purpose=result.answers.get("purpose"),
        members_count=result.answers.get("members"),
        feasibility_id=result.id,
        consent_at=utcnow(),
    )
    session.add(group)
    session.flush()
    return group


def _latin1(text: object) -> str:
    return (
        str(text)
        .replace("→", "->")
        .replace("–", "-")
        .replace("·", "-")
        .encode("latin-1", "replace")
        .decode("latin-1")
    )


def render_pdf(result: Mapping[str, Any], lang: str = "es") -> bytes:
    """The self-assessment's result as a PDF (core fonts: Latin-1 text)."""
    es = lang == "es"
    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(True, margin=15)
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 15)
    title = "Autoevaluación: ¿formar una cooperativa?" if es else "Self-assessment: form a co-op?"
    pdf.multi_cell(0, 8, _latin1(title), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 11)
    pdf.multi_cell(0, 6, _latin1(result["reading_text"]), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    colours = {"green": (46, 125, 50), "yellow": (249, 168, 37), "red": (198, 40, 40)}
    words = {
        "green": "verde" if es else "green",
        "yellow": "amarillo" if es else "yellow",
        "red": "rojo" if es else "red",
        "insufficient_data": "sin datos" if es else "no data",
    }
    pdf.set_font("Helvetica", "B", 12)
    pdf.cell(0, 8, _latin1("Temas" if es else "Topics"), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 11)
    for topic in result["topics"]:
        r, g, b = colours.get(topic["light"], (150, 150, 150))
        pdf.set_fill_color(r, g, b)
        pdf.cell(5, 5, "", fill=True)
        pdf.cell(
            0,
            6,
            _latin1(f"  {topic['label']}: {words[topic['light']]}"),
            new_x="LMARGIN",
            new_y="NEXT",
        )
    pdf.ln(2)
    pdf.set_font("Helvetica", "B", 12)
    pdf.cell(
        0,
        8,
        _latin1(
            "Pasos para formar una cooperativa en Chile" if es else "Steps to form a co-op in Chile"
        ),
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.set_font("Helvetica", "", 10)
    for n, step in enumerate(result["steps"], start=1):
        pdf.multi_cell(0, 5, _latin1(f"{n}. {step}"), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    pdf.set_font("Helvetica", "B", 12)
    pdf.cell(
        0,
        8,
        _latin1("Instrumentos de apoyo" if es else "Support instruments"),
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.set_font("Helvetica", "", 10)
    for item in result["instruments"]:
        pdf.multi_cell(
            0, 5, _latin1(f"- {item['name']} ({item['agency']})"), new_x="LMARGIN", new_y="NEXT"
        )
    return bytes(pdf.output())
