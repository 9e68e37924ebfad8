"""The diagnosis report as plain data, and as a PDF.

:func:`report_data` gathers everything a report shows (lights and messages for every node,
strengths, priorities, the action plan, progress and the peer benchmark); the web page, the
JSON API, ``asocia diagnosis show`` and the PDF all render this one structure.
"""

from __future__ import annotations

from typing import Any

from fpdf import FPDF
from sqlalchemy.orm import Session

from asocia.db.models import Cooperative
from asocia.db.models.diagnosis import Diagnosis
from asocia.diagnosis import queries
from asocia.diagnosis.instrument import localize
from asocia.diagnosis.lights import TrafficLight
from asocia.diagnosis.scoring import NodeResult
from asocia.programmes.recommend import for_cooperative

PRIORITY_QUESTIONS = 3
"""How many weak answers are named under each priority."""


def _node(node: NodeResult, lang: str) -> dict[str, Any]:
    return {
        "id": node.id,
        "level": node.level,
        "label": localize(node.label, lang),
        "score": round(node.score, 4),
        "maximum": round(node.maximum, 4),
        "percentage": None if node.percentage is None else round(node.percentage, 1),
        "coverage": round(node.coverage, 3),
        "light": node.light.value,
        "message": node.light.message(lang),
    }


def report_data(session: Session, diagnosis: Diagnosis, lang: str = "es") -> dict[str, Any]:
    """Everything the report of ``diagnosis`` shows, as JSON-able data."""
    instrument = queries.instrument_of(diagnosis)
    result = queries.result_of(diagnosis)
    coop = session.get(Cooperative, diagnosis.cooperative_id)
    assert coop is not None
    nodes = [_node(n, lang) for n in result.root.walk()]
    subcategories = result.nodes("subcategory") + result.nodes("category")
    strengths = [localize(n.label, lang) for n in subcategories if n.light is TrafficLight.GREEN]
    # Priorities are subcategories: the level at which a board can act.
    weak = [
        n for n in result.nodes("subcategory") if n.light in (TrafficLight.RED, TrafficLight.YELLOW)
    ]
    weak.sort(key=lambda n: (n.light.rank, -n.maximum))
    priorities = [
        {
            **_node(n, lang),
            "answers": [
                localize(q.question.label, lang) for q in n.pulled_down[:PRIORITY_QUESTIONS]
            ],
        }
        for n in weak
    ]
    progress = queries.progress(session, diagnosis)
    benchmark = queries.peer_benchmark(session, diagnosis)
    labels = {n.id: localize(n.label, lang) for n in result.root.walk()}
    return {
        "id": diagnosis.id,
        "cooperative": {
            "id": coop.id,
            "name": coop.legal_name,
            "tax_id": coop.tax_id,
            "region_code": coop.region_code,
            "legal_class": coop.legal_class,
        },
        "instrument": {
            "id": instrument.id,
            "version": instrument.version,
            "title": localize(instrument.title, lang),
        },
        "diagnosed_on": diagnosis.diagnosed_on.isoformat(),
        "diagnostician": diagnosis.diagnostician,
        "status": diagnosis.status,
        "source": diagnosis.source,
        "overall": _node(result.root, lang),
        "nodes": nodes,
        "strengths": strengths,
        "priorities": priorities,
        "comments": dict(diagnosis.comments or {}),
        "actions": [
            {
                "id": a.id,
                "position": a.position,
                "question_id": a.question_id,
                "node_id": a.node_id,
                "action": a.action,
                "owner": a.owner,
                "due_on": a.due_on.isoformat() if a.due_on else None,
                "status": a.status,
            }
            for a in diagnosis.actions
        ],
        "progress": None
        if progress is None
        else {
            "previous_id": progress.previous_id,
            "previous_on": progress.previous_on.isoformat(),
            "previous_instrument": progress.previous_instrument,
            "comparable": progress.comparable,
            "notice": progress.notice(lang),
            "changes": [
                {
                    "id": c.node_id,
                    "label": labels.get(c.node_id, c.node_id),
                    "previous": c.previous,
                    "current": c.current,
                    "change": c.change,
                }
                for c in progress.changes
            ],
        },
        "recommendations": for_cooperative(session, coop, limit=5)["recommendations"],
        "benchmark": {
            "available": benchmark.available,
            "peers": benchmark.peers,
            "minimum_peers": queries.MIN_PEERS,
            "group": benchmark.group,
            "percentiles": [
                {"id": k, "label": labels.get(k, k), "percentile": v}
                for k, v in benchmark.percentiles.items()
            ],
        },
    }


# -- PDF ------------------------------------------------------------------------------------

_COLOURS = {
    "green": (46, 125, 50),
    "yellow": (249, 168, 37),
    "red": (198, 40, 40),
    "insufficient_data": (158, 158, 158),
}
_TEXT = {
    "es": {
        "diagnosed": "Fecha",
        "by": "Diagnosticador(a)",
        "overall": "Resultado general",
        "results": "Resultados por categoría y subcategoría",
        "strengths": "Fortalezas",
        "priorities": "Prioridades",
        "plan": "Plan de acción",
        "owner": "Responsable",
        "due": "Plazo",
        "status": "Estado",
        "progress": "Avance desde el diagnóstico anterior",
        "benchmark": "Comparación con cooperativas pares",
        "percentile": "percentil",
        "few_peers": "Sin comparación: se necesitan al menos {n} cooperativas pares (hay {p}).",
        "none": "Ninguna.",
        "better": "mejor",
        "worse": "peor",
        "same": "igual",
        "unknown": "sin dato",
    },
    "en": {
        "diagnosed": "Date",
        "by": "Diagnostician",
        "overall": "Overall result",
        "results": "Results by category and subcategory",
        "strengths": "Strengths",
        "priorities": "Priorities",
        "plan": "Action plan",
        "owner": "Owner",
        "due": "Due",
        "status": "Status",
        "progress": "Progress since the previous diagnosis",
        "benchmark": "Comparison with peer cooperatives",
        "percentile": "percentile",
        "few_peers": "No comparison: at least {n} peer cooperatives are needed (there are {p}).",
        "none": "None.",
        "better": "better",
        "worse": "worse",
        "same": "same",
        "unknown": "no data",
    },
}


def _latin1(text: object) -> str:
    # The PDF core fonts cover Latin-1, which has every Spanish letter; replace the rest.
    value = str(text).replace("—", "-").replace("–", "-").replace("’", "'")
    value = value.replace("“", '"').replace("”", '"').replace("…", "...")
    return value.encode("latin-1", "replace").decode("latin-1")


def render_pdf(data: dict[str, Any], lang: str = "es") -> bytes:
    """The report as a PDF (pure Python, fpdf2)."""
    t = _TEXT["es" if lang == "es" else "en"]
    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_page()
    width = pdf.w - pdf.l_margin - pdf.r_margin

    def line(text: object, size: int = 10, style: str = "", height: float = 5.5) -> None:
        pdf.set_font("Helvetica", style, size)
        pdf.set_x(pdf.l_margin)
        pdf.multi_cell(width, height, _latin1(text))

    def heading(text: str) -> None:
        pdf.ln(3)
        line(text, 13, "B", 7)

    def light_row(label: str, percentage: object, light: str, indent: int) -> None:
        pdf.set_x(pdf.l_margin + indent)
        pdf.set_fill_color(*_COLOURS[light])
        pdf.cell(4, 4, "", fill=True)
        pdf.set_font("Helvetica", "B" if indent == 0 else "", 10)
        pct = "-" if percentage is None else f"{percentage:.1f} %"
        pdf.cell(width - indent - 30, 5, _latin1(f"  {label}"))
        pdf.cell(26, 5, pct, align="R", new_x="LMARGIN", new_y="NEXT")

    line(data["cooperative"]["name"], 16, "B", 8)
    line(f"{data['instrument']['title']} (v{data['instrument']['version']})", 11)
    line(f"{t['diagnosed']}: {data['diagnosed_on']}    {t['by']}: {data['diagnostician'] or '-'}")
    heading(t["overall"])
    overall = data["overall"]
    light_row(overall["label"], overall["percentage"], overall["light"], 0)
    line(overall["message"], 10, "I")
    heading(t["results"])
    indents = {"dimension": 0, "category": 4, "subcategory": 10}
    for node in data["nodes"]:
        if node["level"] in indents:
            light_row(node["label"], node["percentage"], node["light"], indents[node["level"]])
    heading(t["strengths"])
    line(", ".join(data["strengths"]) or t["none"])
    heading(t["priorities"])
    if not data["priorities"]:
        line(t["none"])
    for item in data["priorities"]:
        light_row(item["label"], item["percentage"], item["light"], 0)
        line(item["message"], 9, "I")
        for answer in item["answers"]:
            line(f"   - {answer}", 9)
    heading(t["plan"])
    if not data["actions"]:
        line(t["none"])
    for i, action in enumerate(data["actions"], start=1):
        line(f"{i}. {action['action']}", 10)
        line(
            f"   {t['owner']}: {action['owner'] or '-'}   {t['due']}: "
            f"{action['due_on'] or '-'}   {t['status']}: {action['status']}",
            9,
        )
    progress = data["progress"]
    if progress is not None:
        heading(t["progress"])
        if not progress["comparable"]:
            line(progress["notice"], 10, "I")
        for change in progress["changes"]:
            line(
                f"{change['label']}: {change['previous']} -> {change['current']} "
                f"({t[change['change']]})"
            )
    heading(t["benchmark"])
    bench = data["benchmark"]
    if not bench["available"]:
        line(t["few_peers"].format(n=bench["minimum_peers"], p=bench["peers"]))
    for item in bench["percentiles"]:
        value = "-" if item["percentile"] is None else f"{item['percentile']:.0f}"
        line(f"{item['label']}: {t['percentile']} {value}")
    if data.get("recommendations"):
        heading("Programas de apoyo recomendados" if lang == "es" else "Recommended programmes")
        for r in data["recommendations"]:
            why = "; ".join(r["why"][lang][1:])
            line(f"- {r['instrument']['name']} ({r['instrument']['agency']}): {why}")
    return bytes(pdf.output())
