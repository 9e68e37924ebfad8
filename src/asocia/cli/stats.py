"""``asocia stats``: headline figures, cross-tabs, indicator definitions, exports."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from asocia.cli.common import (
    _,
    command_language,
    console,
    fail,
    load_settings,
    number,
    open_database,
    percent,
    print_json,
)

# The statistics (SQLAlchemy, the models, the engine) load in the commands that run them:
# `stats --help` imports none of it.
if TYPE_CHECKING:
    from asocia.stats import report
    from asocia.stats.engine import Filters, StatsEngine

# Named here for the help (asocia.stats.dimensions.PUBLIC_DIMENSIONS and CROSSTAB_MEASURES,
# checked by tests/cli/test_startup.py), so that `stats --help` does not import the engine.
PUBLIC_DIMENSIONS = (
    "region", "comuna", "rural_class", "legal_class", "ilo_type", "sector", "legal_status",
    "activity", "size_members", "size_sales", "age", "constitution_year", "dissolution_year",
    "country",
)  # fmt: skip
CROSSTAB_MEASURES = (
    "cooperatives", "members", "members_women", "members_men", "workers", "employees",
    "worker_members", "sales",
)  # fmt: skip

app = typer.Typer(
    help="Statistics: headline figures, cross-tabs, indicators and exports.",
    no_args_is_help=True,
)

PUBLIC_HELP = "Apply disclosure control (k from ASOCIA_DISCLOSURE_K), as for anonymous visitors."
FILTER_HELP = (
    "Filter as DIMENSION=VALUE[,VALUE…] (repeatable), e.g. region=13 or rural_class=rural."
)


def _filters(items: list[str] | None) -> Filters:
    from asocia.stats.engine import Filters

    mapping: dict[str, list[str]] = {}
    for item in items or []:
        if "=" not in item:
            fail(_("filter {filter!r} must look like DIMENSION=VALUE").format(filter=item))
        key, _sep, values = item.partition("=")
        mapping.setdefault(key.strip(), []).extend(v.strip() for v in values.split(","))
    try:
        return Filters.of(mapping)
    except (KeyError, ValueError) as exc:
        fail(str(exc).strip("'\""))


def _engine_run(fn: Any, *, use_summary: bool = True) -> Any:
    # The same engine and summary tables as the dashboard and the API; concentration exact.
    from asocia.stats.engine import StatsEngine

    settings = load_settings()
    db = open_database()
    try:
        with db.session() as session:
            engine = StatsEngine(
                session,
                uf_clp=settings.uf_clp,
                use_summary=use_summary,
                exact_concentration=True,
            )
            return fn(engine, settings)
    finally:
        db.dispose()


def _fmt(key: str, value: Any) -> str:
    if value is None:
        return "—"
    from asocia.stats.definitions import load_definitions

    unit = load_definitions().indicator(key).unit
    if unit == "fraction":
        return percent(value)
    if unit == "index":
        return number(value, 3)
    if unit == "CLP":
        return f"MM$ {number(value / 1e6)}"
    return number(value)


@app.command()
def summary(
    public: bool = typer.Option(False, "--public", help=PUBLIC_HELP),
    as_json: bool = typer.Option(False, "--json", help="Print JSON (shares as fractions)."),
    filter_: list[str] = typer.Option(None, "--filter", "-f", help=FILTER_HELP),
    population: str = typer.Option(
        "current", "--population", help="current (in force, default) or registered (all)."
    ),
    lang: str | None = typer.Option(None, "--lang", help="Language of the labels (es or en)."),
) -> None:
    """Print the headline figures: cooperatives, members, workers, structure, concentration."""
    from rich.table import Table

    from asocia.stats import report
    from asocia.stats.cellkey import Perturbation
    from asocia.stats.definitions import load_definitions

    lang = command_language(lang)
    filters = _filters(filter_)

    def run(engine: StatsEngine, settings: Any) -> dict[str, Any]:
        return report.summary(
            engine,
            filters,
            population=population,
            public=public,
            k=settings.disclosure_k,
            perturbation=Perturbation.from_settings(settings),
        )

    try:
        result = _engine_run(run)
    except KeyError as exc:
        fail(str(exc).strip("'\""))
    if as_json:
        print_json(result)
        return
    definitions = load_definitions()
    table = Table(title="asocia — " + (_("public summary") if public else _("summary")))
    table.add_column(_("indicator"))
    table.add_column(_("value"), justify="right")
    for key in report.HEADLINE:
        table.add_row(definitions.indicator(key).text(lang)["label"], _fmt(key, result[key]))
    console.print(table)
    if result["suppressed"]:
        console.print(
            _("suppressed (fewer than {k} cooperatives): ").format(k=result["k"])
            + ", ".join(result["suppressed"])
        )


@app.command()
def crosstab(
    rows: str = typer.Argument(..., help=f"Row dimension: {', '.join(PUBLIC_DIMENSIONS)}."),
    columns: str = typer.Argument(None, help="Column dimension (optional)."),
    measure: str = typer.Option(
        "cooperatives", "--measure", "-m", help=f"One of {', '.join(CROSSTAB_MEASURES)}."
    ),
    filter_: list[str] = typer.Option(None, "--filter", "-f", help=FILTER_HELP),
    public: bool = typer.Option(False, "--public", help=PUBLIC_HELP),
    population: str = typer.Option("current", "--population", help="current or registered."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
    as_csv: bool = typer.Option(False, "--csv", help="Print CSV (one line per cell)."),
    lang: str | None = typer.Option(None, "--lang", help="Language of value labels (es or en)."),
) -> None:
    """Cross-tabulate ROWS × COLUMNS × measure, with totals (and suppression with --public)."""
    from rich.table import Table

    from asocia.stats.cellkey import Perturbation
    from asocia.stats.crosstab import crosstab as build_crosstab
    from asocia.stats.crosstab import to_csv
    from asocia.stats.labels import value_labels

    lang = command_language(lang)
    if measure not in CROSSTAB_MEASURES:
        fail(
            _("unknown measure {measure!r}; known: {known}").format(
                measure=measure, known=", ".join(CROSSTAB_MEASURES)
            )
        )
    filters = _filters(filter_)

    def run(engine: StatsEngine, settings: Any) -> Any:
        return build_crosstab(
            engine,
            rows,
            columns,
            measure,
            filters=filters,
            population=population,
            public=public,
            k=settings.disclosure_k,
            perturbation=Perturbation.from_settings(settings),
        )

    try:
        table = _engine_run(run)
    except (KeyError, ValueError) as exc:
        fail(str(exc).strip("'\""))
    if as_json:
        print_json(table.to_dict())
        return
    labels = {rows: value_labels(rows, table.row_values, lang)}
    if columns:
        labels[columns] = value_labels(columns, table.column_values, lang)
    if as_csv:
        typer.echo(to_csv(table, labels), nl=False)
        return
    scale = 1e6 if measure == "sales" else 1.0  # pesos shown in millions (MM$)
    unit = " (MM$)" if measure == "sales" else ""
    out = Table(title=f"{measure}{unit}: {rows}" + (f" × {columns}" if columns else ""))
    out.add_column(rows)
    heads = [labels[columns][v] for v in table.column_values] if columns else [measure]
    for head in [*heads, _("total")] if columns else heads:
        out.add_column(str(head), justify="right")
    row_names = [labels[rows][v] for v in table.row_values] + [_("total")]
    for i, (name, values) in enumerate(zip(row_names, table.values, strict=True)):
        out.add_row(str(name), *[_cell(table, i, j, scale) for j in range(len(values))])
    console.print(out)
    if table.suppressed_cells:
        console.print(
            _("· suppressed cells: {count} (k = {k})").format(
                count=number(table.suppressed_cells), k=table.k
            )
        )


def _cell(table: Any, i: int, j: int, scale: float) -> str:
    value = table.values[i][j]
    if table.cell_status(i, j) == "below_k":
        return f"< {table.k}"
    return "·" if value is None else number(value / scale)


@app.command()
def indicators(
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
    lang: str | None = typer.Option(None, "--lang", help="Language (es or en)."),
) -> None:
    """List the indicator definitions: id, label, unit and the guideline or law followed."""
    from rich.table import Table

    from asocia.stats.definitions import load_definitions

    lang = command_language(lang)
    definitions = load_definitions()
    items = [
        {"id": ind.id, "unit": ind.unit, **ind.text(lang)}
        for ind in definitions.indicators.values()
    ]
    if as_json:
        print_json(items)
        return
    table = Table(title=_("indicators"))
    for head in ("id", _("label"), _("unit"), _("follows")):
        table.add_column(head)
    for item in items:
        table.add_row(item["id"], item["label"], item["unit"], item["follows"])
    console.print(table)


@app.command()
def export(
    directory: Path = typer.Argument(..., help="Folder to write the CSV files into."),
    public: bool = typer.Option(False, "--public", help=PUBLIC_HELP),
    filter_: list[str] = typer.Option(None, "--filter", "-f", help=FILTER_HELP),
    lang: str | None = typer.Option(None, "--lang", help="Language of value labels (es or en)."),
) -> None:
    """Write the dashboard's data (every chart and cross-tab, and the summary) as CSV files."""
    from asocia.stats import report
    from asocia.stats.cellkey import Perturbation
    from asocia.stats.crosstab import to_csv
    from asocia.stats.labels import value_labels

    lang = command_language(lang)
    filters = _filters(filter_)

    def run(engine: StatsEngine, settings: Any) -> report.Dashboard:
        return report.dashboard(
            engine,
            filters,
            public=public,
            k=settings.disclosure_k,
            perturbation=Perturbation.from_settings(settings),
        )

    board = _engine_run(run)
    directory.mkdir(parents=True, exist_ok=True)
    written = 0
    for name, table in [*board.charts.items(), *board.crosstabs.items()]:
        labels = {table.rows: value_labels(table.rows, table.row_values, lang)}
        if table.columns:
            labels[table.columns] = value_labels(table.columns, table.column_values, lang)
        (directory / f"{name}.csv").write_text(to_csv(table, labels), encoding="utf-8")
        written += 1
    lorenz = "population_share,sales_share\n" + "".join(
        f"{p:.6f},{s:.6f}\n" for p, s in board.lorenz
    )
    (directory / "lorenz_sales.csv").write_text(lorenz, encoding="utf-8")
    (directory / "summary.json").write_text(
        json.dumps(
            {
                **board.headline,
                "suppressed": board.suppressed,
                "concentration_exact": board.concentration.exact,
            },
            indent=2,
            default=str,
        ),
        encoding="utf-8",
    )
    console.print(
        _("wrote {count} files to {folder}").format(count=written + 2, folder=directory),
        highlight=False,
    )


@app.command()
def refresh() -> None:
    """Rebuild the materialised summary the dashboard reads (also done on demand)."""
    from asocia.stats.summary import refresh as refresh_summary

    def run(engine: StatsEngine, settings: Any) -> int:
        return refresh_summary(engine.session, engine.context, engine.definitions)

    count = _engine_run(run, use_summary=False)
    console.print(_("summary rebuilt: {count} cooperatives registered").format(count=number(count)))


@app.command()
def diagnosis(
    instrument: str = typer.Option(
        "diagnostico-cooperativo", "--instrument", help="Instrument id (latest version)."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Traffic lights per category of the latest diagnoses, by region and class (CSV or JSON)."""
    from asocia.auth.policy import Principal, Role
    from asocia.diagnosis.loader import get_instrument
    from asocia.diagnosis.queries import portfolio, portfolio_csv

    try:
        chosen = get_instrument(instrument)
    except LookupError as exc:
        fail(str(exc))

    def run(engine: StatsEngine, settings: Any) -> list[dict[str, object]]:
        # The command line acts with an analyst's reach (whoever runs it holds the database).
        return portfolio(engine.session, Principal(user_id=0, role=Role.ANALYST), chosen)

    rows = _engine_run(run, use_summary=False)
    if as_json:
        print_json(rows)
    else:
        typer.echo(portfolio_csv(rows), nl=False)
