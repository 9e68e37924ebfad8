"""``asocia indicators``: indicator definitions, value import and status."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from asocia.cli.common import console, fail, open_database, print_json
from asocia.monitoring import indicators
from asocia.monitoring.labels import label
from asocia.monitoring.strategy import MonitoringError

app = typer.Typer(help="Indicators: definitions, values and status.", no_args_is_help=True)
values_app = typer.Typer(help="Indicator values.", no_args_is_help=True)
app.add_typer(values_app, name="values")


@app.command("list")
def list_(as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """List the indicators (code, name, unit, direction, objective)."""
    db = open_database()
    try:
        with db.session() as session:
            rows = indicators.list_indicators(session)
    finally:
        db.dispose()
    if as_json:
        print_json(rows)
        return
    table = Table("Code", "Name", "Unit", "Direction", "OE", "Computed")
    for r in rows:
        table.add_row(
            r["code"], r["name_es"], r["unit"] or "", r["direction"], r["objective"] or "",
            "sí" if r["computed"] else "",
        )  # fmt: skip
    console.print(table)


@values_app.command("import")
def import_(
    file: Path = typer.Argument(..., exists=True, dir_okay=False, help="CSV file."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Import values from CSV (indicator, period, kind, value or numerator/denominator,
    territory, disaggregation, comment, evidence) as drafts; all or nothing."""
    try:
        text = file.read_text("utf-8-sig")
    except UnicodeDecodeError as exc:
        fail(f"{file}: not UTF-8 text ({exc.reason} at byte {exc.start})")
    db = open_database()
    try:
        with db.session() as session:
            result = indicators.import_values(session, text, "cli")
    except MonitoringError as exc:
        fail(f"{file}: {exc}")
    finally:
        db.dispose()
    if as_json:
        print_json(result)
    else:
        for e in result["errors"]:
            console.print(
                f"{file}:{e['line']}: {e['column']}={e['value']!r}: {e['reason']}",
                soft_wrap=True,
                highlight=False,
                markup=False,
            )
        console.print(f"{result['written']} values written")
    if result["errors"]:
        raise typer.Exit(1)


@app.command("status")
def status(
    period: str | None = typer.Option(None, "--period", help="e.g. 2021, 2021S1, 2022-2023."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Baseline, target, actual, achievement and status of every indicator."""
    db = open_database()
    try:
        with db.session() as session:
            rows = indicators.status_panel(session, period)
    except MonitoringError as exc:
        fail(str(exc))
    finally:
        db.dispose()
    if as_json:
        print_json(rows)
        return
    table = Table("Code", "Period", "Baseline", "Target", "Actual", "Achiev.", "Status")
    for r in rows:
        ach = "" if r["achievement"] is None else f"{r['achievement'] * 100:.0f} %"
        table.add_row(
            r["code"], r["period"] or "", str(r["baseline"] or ""), str(r["target"] or ""),
            "" if r["actual"] is None else f"{r['actual']:g}", ach, label(r["status"], "es"),
        )  # fmt: skip
    console.print(table)
