"""``asocia partnerships``: cooperation projects, IATI import and export."""

from __future__ import annotations

from pathlib import Path

import typer

from asocia.cli.common import _, console, fail, language, number, open_database, print_json

app = typer.Typer(help="International cooperation projects (IATI).", no_args_is_help=True)


@app.command("projects")
def projects(
    country: str | None = typer.Option(None, "--country", help="ISO 3166-1 alpha-2, e.g. BO."),
    sector: str | None = typer.Option(None, "--sector", help="DAC code or prefix, e.g. 31194."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """List the cooperation projects, optionally of one recipient country or sector."""
    from rich.table import Table

    from asocia.partnerships import store

    db = open_database()
    try:
        with db.session() as session:
            rows = store.list_projects(session, country, sector)
    finally:
        db.dispose()
    if as_json:
        print_json(rows)
        return
    table = Table(
        "ID", _("Project"), _("Countries"), _("Organisations"), _("Start date"), _("End date")
    )
    for r in rows:
        table.add_row(
            r["iati_identifier"], r["title"], ", ".join(r["countries"]),
            ", ".join(x["acronym"] or x["name"] for x in r["participants"]),
            str(r["start"] or ""), str(r["end"] or ""),
        )  # fmt: skip
    console.print(table)


@app.command("import-iati")
def import_iati(
    file: Path = typer.Argument(..., exists=True, dir_okay=False, help="IATI 2.03 activity XML."),
    country: str | None = typer.Option(None, "--country", help="Only activities in this country."),
    sector: str | None = typer.Option(None, "--sector", help="Only this DAC sector (or prefix)."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Import the activities of an IATI activity file that match the filters."""
    from asocia.i18n import error_text
    from asocia.partnerships import iati
    from asocia.partnerships.store import PartnershipError

    db = open_database()
    try:
        with db.session() as session:
            result = iati.import_iati(session, file.read_bytes(), country, sector).as_dict()
    except PartnershipError as exc:
        fail(f"{file}: {error_text(exc, language())}")
    finally:
        db.dispose()
    if as_json:
        print_json(result)
    else:
        for e in result["errors"]:
            console.print(
                _("{file}: activity {activity}: {reason}").format(
                    file=file, activity=e["activity"], reason=e["reason"]
                ),
                markup=False,
            )
        console.print(
            _(
                "read {read}, created {created}, updated {updated}, skipped by the filters "
                "{skipped}, with errors {errors}"
            ).format(
                read=number(result["read"]),
                created=number(result["created"]),
                updated=number(result["updated"]),
                skipped=number(result["skipped"]),
                errors=number(len(result["errors"])),
            )
        )
    if result["errors"]:
        raise typer.Exit(1)


@app.command("export")
def export(
    out: Path = typer.Option(..., "--out", help="File to write (.xml or .csv)."),
    fmt: str = typer.Option("xml", "--format", help="xml (IATI 2.03) or csv."),
    country: str | None = typer.Option(None, "--country", help="Only this country."),
) -> None:
    """Export the projects as IATI XML or CSV."""
    from asocia.partnerships import iati, store

    if fmt not in ("xml", "csv"):
        fail(_("--format {format!r}: use xml or csv").format(format=fmt))
    db = open_database()
    try:
        with db.session() as session:
            rows = store.list_projects(session, country)
    finally:
        db.dispose()
    if fmt == "xml":
        out.write_bytes(iati.to_iati_xml(rows))
    else:
        out.write_text(iati.to_csv(rows), encoding="utf-8")
    console.print(_("{file}: {count} projects").format(file=out, count=number(len(rows))))
