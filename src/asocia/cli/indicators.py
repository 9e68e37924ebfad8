"""``asocia indicators``: indicator definitions, value import and status."""

from __future__ import annotations

from pathlib import Path

import typer

from asocia.cli.common import (
    _,
    console,
    fail,
    growth,
    language,
    number,
    open_database,
    percent,
    print_json,
)

app = typer.Typer(help="Indicators: definitions, values and status.", no_args_is_help=True)
values_app = typer.Typer(help="Indicator values.", no_args_is_help=True)
app.add_typer(values_app, name="values")


def _value(value: float | None) -> str:
    """A value for people in the run's formats, with the decimals it has (up to three)."""
    if value is None:
        return ""
    decimals = f"{float(value):.3f}".rstrip("0").split(".")[1]
    return number(value, len(decimals))


@app.command("list")
def list_(as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """List the indicators (code, name, unit, direction, objective)."""
    from rich.table import Table

    from asocia.monitoring import indicators

    db = open_database()
    try:
        with db.session() as session:
            rows = indicators.list_indicators(session)
    finally:
        db.dispose()
    if as_json:
        print_json(rows)
        return
    table = Table(_("Code"), _("Name"), _("Unit"), _("Direction"), _("OE"), _("Computed"))
    for r in rows:
        table.add_row(
            r["code"], r["name_es"], r["unit"] or "", r["direction"], r["objective"] or "",
            _("yes") if r["computed"] else "",
        )  # fmt: skip
    console.print(table)


@values_app.command("import")
def import_(
    file: Path = typer.Argument(..., exists=True, dir_okay=False, help="CSV file."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Import values from CSV (indicator, period, kind, value or numerator/denominator,
    territory, disaggregation, comment, evidence) as drafts; all or nothing."""
    from asocia.i18n import error_text
    from asocia.monitoring import indicators
    from asocia.monitoring.strategy import MonitoringError

    try:
        text = file.read_text("utf-8-sig")
    except UnicodeDecodeError as exc:
        fail(
            _("{file}: not UTF-8 text ({reason} at byte {byte})").format(
                file=file, reason=exc.reason, byte=exc.start
            )
        )
    db = open_database()
    try:
        with db.session() as session:
            result = indicators.import_values(session, text, "cli")
    except MonitoringError as exc:
        fail(f"{file}: {error_text(exc, language())}")
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
        console.print(_("{count} values written").format(count=number(result["written"])))
    if result["errors"]:
        raise typer.Exit(1)


@app.command("status")
def status(
    period: str | None = typer.Option(None, "--period", help="e.g. 2021, 2021S1, 2022-2023."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Baseline, target, actual, achievement and status of every indicator."""
    from rich.table import Table

    from asocia.i18n import error_text
    from asocia.monitoring import indicators
    from asocia.monitoring.labels import label
    from asocia.monitoring.strategy import MonitoringError

    db = open_database()
    try:
        with db.session() as session:
            rows = indicators.status_panel(session, period)
    except MonitoringError as exc:
        fail(error_text(exc, language()))
    finally:
        db.dispose()
    if as_json:
        print_json(rows)
        return
    lang = language()
    table = Table(
        _("Code"), _("Period"), _("Baseline"), _("Target"), _("Actual"), _("Achiev."), _("Status")
    )
    for r in rows:
        ach = "" if r["achievement"] is None else percent(r["achievement"], 0)
        table.add_row(
            r["code"], r["period"] or "", _value(r["baseline"]), _value(r["target"]),
            _value(r["actual"]), ach, label(r["status"], lang),
        )  # fmt: skip
    console.print(table)


@app.command("series")
def series(
    code: str = typer.Argument(..., help="Indicator code, e.g. PAE_PRESUPUESTO."),
    deflator: str | None = typer.Option(None, "--deflator", help="Deflator series, e.g. IPC."),
    base: str | None = typer.Option(None, "--base", help="Base period of real terms."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Approved actuals of an indicator with growth, CAGR and, with a deflator, real terms."""
    from asocia.i18n import error_text
    from asocia.monitoring import indicators
    from asocia.monitoring.strategy import MonitoringError

    db = open_database()
    try:
        with db.session() as session:
            data = indicators.series_summary(session, code, deflator, base)
    except MonitoringError as exc:
        fail(error_text(exc, language()))
    finally:
        db.dispose()
    if as_json:
        print_json(data)
        return
    for p in data["points"]:
        console.print(f"{p['period']}: {number(p['value'])}")
    if data["growth"] is not None:
        console.print(
            _("growth {growth}, CAGR {cagr}").format(
                growth=growth(data["growth"], 0), cagr=percent(data["cagr"])
            )
        )
    if data["real"]:
        real = data["real"]
        console.print(
            _("real ({deflator}, prices of {base}): growth {growth}, CAGR {cagr}").format(
                deflator=real["deflator"],
                base=real["base"],
                growth=growth(real["growth"], 0),
                cagr=percent(real["cagr"]),
            )
        )


@app.command("deflator")
def deflator(
    series_name: str = typer.Argument(..., metavar="SERIES", help="e.g. IPC or UF."),
    period: str = typer.Argument(..., help="e.g. 2021."),
    value: float = typer.Argument(..., help="Index value for the period."),
) -> None:
    """Set one period of a deflator series (used for real terms)."""
    from asocia.i18n import error_text
    from asocia.monitoring import indicators
    from asocia.monitoring.strategy import MonitoringError

    db = open_database()
    try:
        with db.session() as session:
            indicators.set_deflator(session, series_name, period, value)
    except MonitoringError as exc:
        fail(error_text(exc, language()))
    finally:
        db.dispose()
    console.print(f"{series_name} {period} = {_value(value)}")


@app.command("lock")
def lock(
    period: str = typer.Argument(..., help="Period to lock, e.g. 2021."),
    unlock: bool = typer.Option(False, "--unlock", help="Unlock instead."),
) -> None:
    """Lock a period (no value of it may be entered or change state) or unlock it."""
    from asocia.i18n import error_text
    from asocia.monitoring import indicators
    from asocia.monitoring.strategy import MonitoringError

    db = open_database()
    try:
        with db.session() as session:
            if unlock:
                indicators.unlock_period(session, period)
            else:
                indicators.lock_period(session, period, "cli")
    except MonitoringError as exc:
        fail(error_text(exc, language()))
    finally:
        db.dispose()
    state = _("unlocked") if unlock else _("locked")
    console.print(f"{period} {state}")
