"""The DOCX briefing is laid out for reading and editing: A4 landscape, the name column wider,
every table cell filled (checked here with python-docx reading the file back)."""

from __future__ import annotations

import io

from docx import Document
from docx.enum.section import WD_ORIENT

from asocia.db import Database
from asocia.monitoring import briefing, sessions
from asocia.monitoring.defaults import ensure_defaults


def test_docx_briefing_is_a4_landscape_with_a_wide_name_column(db: Database) -> None:
    with db.session() as session:
        ensure_defaults(session)
        session_id = int(sessions.list_sessions(session)[0]["id"])
        content = briefing.render(session, session_id, "docx", "es")
    document = Document(io.BytesIO(content))
    section = document.sections[0]
    assert section.orientation == WD_ORIENT.LANDSCAPE
    assert section.page_width is not None and section.page_height is not None
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (297, 210)
    assert document.tables
    panel = document.tables[-1]
    assert panel.rows[0].cells[0].text == "Indicador"
    names = [row.cells[0].text for row in panel.rows[1:]]
    assert "Programa Asociatividad Económica (INDAP): presupuesto" in names
    for table in document.tables:
        widths = [column.width for column in table.columns]
        assert all(w is not None for w in widths)
        assert widths[0] > 2 * widths[1]  # names get room; figures stay narrow
