"""The session briefing: the previous session's agreements and their status, the open
agreements carried over, plan progress by objective and committee, and the indicator panel;
as HTML, PDF (fpdf2) and DOCX (python-docx, for the secretariat to edit in Word)."""

from __future__ import annotations

import io
from typing import Any

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.shared import Emu, Mm
from fpdf import FPDF
from jinja2 import Environment, PackageLoader, select_autoescape
from sqlalchemy.orm import Session

from asocia.monitoring import indicators, sessions, strategy
from asocia.monitoring.labels import label, text

FORMATS = ("html", "pdf", "docx")


def briefing_data(session: Session, session_id: int) -> dict[str, Any]:
    council = sessions.get_session(session, session_id)
    previous = sessions.previous_session(session, council)
    open_items = sessions.carried_over(session, council)
    return {
        "session": sessions.session_dict(council),
        "previous": sessions.session_dict(previous) if previous else None,
        "carried_over": [sessions.agreement_dict(a) for a in open_items],
        "agenda": sessions.agenda(session, session_id)["items"],
        "by_objective": strategy.progress_by(session, "objective"),
        "by_committee": strategy.progress_by(session, "committee"),
        "indicators": indicators.status_panel(session),
    }


def _fmt(value: Any, digits: int = 1) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        text_value = f"{value:,.{digits}f}"
        return text_value.replace(",", "\x00").replace(".", ",").replace("\x00", ".")
    return str(value)


def _pct(value: float | None) -> str:
    return "—" if value is None else _fmt(value * 100, 0) + " %"


def _rows(data: dict[str, Any], lang: str) -> dict[str, Any]:
    """Every table of the briefing as header + rows of strings (shared by the 3 formats)."""
    name_key = "name_es" if lang == "es" else "name_en"

    def agreements(items: list[dict[str, Any]]) -> list[list[str]]:
        return [
            [f"{a['number']}. {a['text']}", a["responsible"] or "—", label(a["status"], lang)]
            for a in items
        ]

    def progress(groups: list[dict[str, Any]]) -> list[list[str]]:
        return [
            [g["name"], str(g["actions"]), str(g["done"]), str(g["late"]),
             "—" if g["progress"] is None else f"{g['progress']} %"]
            for g in groups
        ]  # fmt: skip

    agreement_head = [text("agreement", lang), text("responsible", lang), text("status", lang)]
    progress_head = [
        "",
        text("actions", lang),
        text("done", lang),
        text("late", lang),
        text("progress", lang),
    ]
    indicator_head = [
        text("indicator", lang), text("period", lang), text("baseline", lang),
        text("target", lang), text("actual", lang), text("achievement", lang),
        text("status", lang),
    ]  # fmt: skip

    def value(row: dict[str, Any], key: str) -> str:
        if row["measure"] == "percent" and row[key] is not None:
            return _pct(row[key])
        return _fmt(row[key])

    return {
        "previous": (agreement_head, agreements(data["previous"]["agreements"]))
        if data["previous"]
        else None,
        "carried": (agreement_head, agreements(data["carried_over"])),
        "by_objective": (progress_head, progress(data["by_objective"])),
        "by_committee": (progress_head, progress(data["by_committee"])),
        "indicators": (
            indicator_head,
            [
                [
                    r[name_key],
                    r["period"] or "—",
                    value(r, "baseline"),
                    value(r, "target"),
                    value(r, "actual"),
                    _pct(r["achievement"]),
                    label(r["status"], lang),
                ]
                for r in data["indicators"]
            ],
        ),
    }


def sections_of(data: dict[str, Any], lang: str) -> list[tuple[str, Any]]:
    tables = _rows(data, lang)
    return [
        (text("previous", lang), tables["previous"]),
        (text("carried", lang), tables["carried"]),
        (text("by_objective", lang), tables["by_objective"]),
        (text("by_committee", lang), tables["by_committee"]),
        (text("indicators", lang), tables["indicators"]),
    ]


def title_of(data: dict[str, Any], lang: str) -> str:
    s = data["session"]
    return f"{text('briefing', lang)}: {s['title']} ({s['held_on'].strftime('%d-%m-%Y')})"


_env = Environment(
    loader=PackageLoader("asocia.web", "templates"), autoescape=select_autoescape(["html"])
)


def to_html(data: dict[str, Any], lang: str = "es") -> str:
    """A standalone HTML document (the web page shows the same sections inside the site)."""
    template = _env.get_template("monitoring/briefing_document.html")
    return template.render(
        lang=lang,
        title=title_of(data, lang),
        sections=sections_of(data, lang),
        none=text("none", lang),
        no_previous=text("no_previous", lang),
    )


def _latin1(value: object) -> str:
    out = str(value).replace("—", "-").replace("–", "-").replace("’", "'")
    out = out.replace("“", '"').replace("”", '"').replace("…", "...")
    return out.encode("latin-1", "replace").decode("latin-1")


def to_pdf(data: dict[str, Any], lang: str = "es") -> bytes:
    pdf = FPDF(format="A4", orientation="landscape")
    pdf.set_auto_page_break(auto=True, margin=12)
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 15)
    pdf.multi_cell(0, 8, _latin1(title_of(data, lang)), new_x="LMARGIN", new_y="NEXT")
    for heading, table in sections_of(data, lang):
        pdf.ln(3)
        pdf.set_font("Helvetica", "B", 12)
        pdf.multi_cell(0, 7, _latin1(heading), new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("Helvetica", "", 9)
        if table is None:
            pdf.multi_cell(0, 5, _latin1(text("no_previous", lang)), new_x="LMARGIN", new_y="NEXT")
            continue
        head, rows = table
        if not rows:
            pdf.multi_cell(0, 5, _latin1(text("none", lang)), new_x="LMARGIN", new_y="NEXT")
            continue
        first = 3 if len(head) > 3 else 4
        widths = (first, *([1] * (len(head) - 1)))
        with pdf.table(col_widths=widths, text_align="LEFT", line_height=5) as grid:
            header = grid.row()
            for cell in head:
                header.cell(_latin1(cell))
            for row in rows:
                line = grid.row()
                for cell in row:
                    line.cell(_latin1(cell))
    return bytes(pdf.output())


def to_docx(data: dict[str, Any], lang: str = "es") -> bytes:
    """A4 landscape like the PDF; the first column (names) wider, so LibreOffice and Word do
    not break the names letter by letter in equal-width columns."""
    document = Document()
    section = document.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Mm(297), Mm(210)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Mm(15))
    usable = Mm(297 - 30)
    document.add_heading(title_of(data, lang), level=1)
    for heading, table in sections_of(data, lang):
        document.add_heading(heading, level=2)
        if table is None:
            document.add_paragraph(text("no_previous", lang))
            continue
        head, rows = table
        if not rows:
            document.add_paragraph(text("none", lang))
            continue
        grid = document.add_table(rows=1, cols=len(head))
        grid.style = "Table Grid"
        grid.autofit = False
        first = 3 if len(head) > 3 else 4
        shares = (first, *([1] * (len(head) - 1)))
        widths = [Emu(int(usable * share / sum(shares))) for share in shares]
        for column, width in zip(grid.columns, widths, strict=True):
            column.width = width
        for cell, value in zip(grid.rows[0].cells, head, strict=True):
            cell.text = value
        for row in rows:
            cells = grid.add_row().cells
            for cell, value in zip(cells, row, strict=True):
                cell.text = value
        for line in grid.rows:
            for cell, width in zip(line.cells, widths, strict=True):
                cell.width = width
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def render(session: Session, session_id: int, fmt: str, lang: str = "es") -> bytes:
    """The briefing of ``session_id`` in ``fmt`` (html, pdf or docx)."""
    if fmt not in FORMATS:
        raise ValueError(f"format {fmt!r} is not one of {', '.join(FORMATS)}")
    data = briefing_data(session, session_id)
    if fmt == "pdf":
        return to_pdf(data, lang)
    if fmt == "docx":
        return to_docx(data, lang)
    return to_html(data, lang).encode("utf-8")
