"""``asocia sessions``: council sessions, their agreements, agenda and briefing."""

from __future__ import annotations

from pathlib import Path

import typer

from asocia.cli.common import _, console, fail, language, number, open_database, print_json

app = typer.Typer(help="Council sessions, agreements, agenda and briefing.", no_args_is_help=True)


@app.command("list")
def list_(as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """List the sessions, newest first."""
    from rich.table import Table

    from asocia.monitoring import sessions
    from asocia.monitoring.labels import label

    db = open_database()
    try:
        with db.session() as session:
            rows = sessions.list_sessions(session)
    finally:
        db.dispose()
    if as_json:
        print_json(rows)
        return
    lang = language()
    table = Table("ID", _("Date"), _("Body"), _("Title"), _("Agreements"))
    for r in rows:
        table.add_row(
            str(r["id"]),
            f"{r['held_on']:%d-%m-%Y}",
            label(r["body"], lang),
            r["title"],
            number(r["agreements"]),
        )
    console.print(table)


@app.command("show")
def show(
    session_id: int = typer.Argument(..., metavar="ID"),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Show a session with its agreements."""
    from asocia.i18n import error_text
    from asocia.monitoring import sessions
    from asocia.monitoring.labels import label
    from asocia.monitoring.strategy import MonitoringError

    db = open_database()
    try:
        with db.session() as session:
            data = sessions.session_dict(sessions.get_session(session, session_id))
    except MonitoringError as exc:
        fail(error_text(exc, language()))
    finally:
        db.dispose()
    if as_json:
        print_json(data)
        return
    console.print(f"[bold]{data['title']}[/] {data['held_on']:%d-%m-%Y} ({data['body']})")
    for item in data["agenda"]:
        console.print(f"  · {item}")
    lang = language()
    for a in data["agreements"]:
        console.print(
            f"  {a['number']}. {a['text']} — {a['responsible'] or '—'} — {label(a['status'], lang)}"
        )


@app.command("agenda")
def agenda(
    session_id: int = typer.Argument(..., metavar="ID"),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """The session's agenda: open agreements of earlier sessions first ("Acuerdos sesión
    anterior"), then its own items."""
    from asocia.i18n import error_text
    from asocia.monitoring import sessions
    from asocia.monitoring.labels import label
    from asocia.monitoring.strategy import MonitoringError

    db = open_database()
    try:
        with db.session() as session:
            data = sessions.agenda(session, session_id)
    except MonitoringError as exc:
        fail(error_text(exc, language()))
    finally:
        db.dispose()
    if as_json:
        print_json(data)
        return
    lang = language()
    for n, item in enumerate(data["items"], start=1):
        console.print(f"[bold]{n}. {item['title']}[/]")
        for a in item.get("agreements", []):
            console.print(
                f"   - {a['text']} ({a['session_date']:%d-%m-%Y}) — {a['responsible'] or '—'}"
                f" — {label(a['status'], lang)}"
            )


@app.command("briefing")
def briefing(
    session_id: int = typer.Argument(..., metavar="ID"),
    fmt: str = typer.Option("html", "--format", help="pdf, docx or html."),
    out: Path = typer.Option(..., "--out", help="File to write."),
    lang: str = typer.Option("es", "--lang", help="es or en."),
) -> None:
    """Write the session briefing (previous agreements, plan progress, indicator panel)."""
    from asocia.i18n import error_text
    from asocia.monitoring import briefing as briefings
    from asocia.monitoring.strategy import MonitoringError

    if fmt not in briefings.FORMATS:
        fail(
            _("--format {format!r}: use one of {formats}").format(
                format=fmt, formats=", ".join(briefings.FORMATS)
            )
        )
    db = open_database()
    try:
        with db.session() as session:
            content = briefings.render(session, session_id, fmt, lang)
    except MonitoringError as exc:
        fail(error_text(exc, language()))
    finally:
        db.dispose()
    out.write_bytes(content)
    console.print(_("{file} ({size} bytes)").format(file=out, size=number(len(content))))
