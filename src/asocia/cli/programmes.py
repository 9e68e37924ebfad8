"""``asocia programmes``: the catalogue of support instruments, matrix, series, recommendations,
uptake and coverage."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from asocia.cli.common import (
    _,
    console,
    fail,
    growth,
    language,
    load_settings,
    number,
    open_database,
    print_json,
)

# The programmes code (SQLAlchemy, the models, the statistics) loads in the commands that use
# it. The default window of `coverage` is asocia.programmes.coverage.DEFAULT_YEARS, named here
# for the help (tests/cli/test_startup.py checks they agree).
COVERAGE_YEARS = 5

app = typer.Typer(
    help="Programmes: catalogue of public support instruments, matrix, uptake and coverage.",
    no_args_is_help=True,
)
uptake_app = typer.Typer(help="Uptake: who received which instrument.", no_args_is_help=True)
app.add_typer(uptake_app, name="uptake")

JSON = typer.Option(False, "--json", help="Machine-readable output.")


@app.command("list")
def list_command(
    as_json: bool = JSON,
    retired: bool = typer.Option(False, "--retired", help="Include retired instruments."),
) -> None:
    """List the instruments of the catalogue (agency, stages, purposes, support types)."""
    from rich.table import Table

    from asocia.programmes import catalogue
    from asocia.programmes.labels import label

    db = open_database()
    with db.session() as session:
        items = [
            catalogue.to_dict(i)
            for i in catalogue.list_instruments(session, include_retired=retired)
        ]
    if as_json:
        print_json(items)
        return
    lang = language()
    table = Table("id", _("agency"), _("name"), _("stages"), _("purposes"), _("support"))
    for i in items:
        table.add_row(
            str(i["id"]),
            i["agency"],
            i["name"],
            ", ".join(label("stage", s, lang) for s in i["stages"]),
            ", ".join(label("purpose", p, lang) for p in i["purposes"]),
            ", ".join(label("support_type", s, lang) for s in i["support_types"]),
        )
    console.print(table)


@app.command("show")
def show(key: str = typer.Argument(..., help="Id, code or name."), as_json: bool = JSON) -> None:
    """Show one instrument with its eligibility rule, series and provenance."""
    from asocia.programmes import catalogue

    db = open_database()
    with db.session() as session:
        found = catalogue.find(session, key)
        if found is None:
            fail(_("no instrument {key!r}").format(key=key))
        data = catalogue.to_dict(found)
    if as_json:
        print_json(data)
        return
    from asocia.programmes.rules import describe

    for name, value in data.items():
        if name == "eligibility":
            value = describe(value, language())
        console.print(f"[bold]{name}[/]: {value}", highlight=False)


@app.command("import")
def import_command(
    path: Path = typer.Argument(..., help="CSV, XLSX or YAML catalogue file."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Validate only; write nothing."),
    as_json: bool = JSON,
) -> None:
    """Import instruments (create or update by code, with history); all or nothing."""
    from asocia.programmes import catalogue, exchange

    db = open_database()
    try:
        with db.session() as session:
            result = exchange.import_file(session, path, username="cli", dry_run=dry_run)
    except catalogue.CatalogueError as exc:
        if as_json:
            print_json({"ok": False, "problems": [p.as_dict() for p in exc.problems]})
        else:
            for problem in exc.problems:
                console.print(problem.text(language()), highlight=False)
        fail(
            _("{count} problem(s) in {file}; nothing was imported").format(
                count=number(len(exc.problems)), file=path.name
            ),
            code=1,
        )
    if as_json:
        print_json(result)
    else:
        console.print(
            _("read {read}, created {created}, updated {updated}, unchanged {unchanged}").format(
                **{k: number(result[k]) for k in ("read", "created", "updated", "unchanged")}
            )
            + (" " + _("(dry run)") if dry_run else "")
        )


@app.command("export")
def export_command(
    fmt: str = typer.Option(..., "--format", help="csv, xlsx, yaml or hsds."),
    out: Path = typer.Option(..., "--out", help="File to write."),
    retired: bool = typer.Option(False, "--retired", help="Include retired instruments."),
) -> None:
    """Export the catalogue as CSV, XLSX, YAML or Open Referral HSDS 3.0 (JSON)."""
    from asocia.programmes import catalogue, exchange

    if fmt not in exchange.FORMATS:
        fail(
            _("unknown format {format!r}; expected one of {formats}").format(
                format=fmt, formats=", ".join(exchange.FORMATS)
            )
        )
    db = open_database()
    with db.session() as session:
        items = catalogue.list_instruments(session, include_retired=retired)
        exchange.export(session, items, fmt, out)
    console.print(
        _("{count} instruments written to {file}").format(count=number(len(items)), file=out)
    )


@app.command("matrix")
def matrix_command(
    as_json: bool = JSON,
    by: str | None = typer.Option(None, "--by", help="Third axis: support_type or region."),
    out: Path | None = typer.Option(None, "--out", help="Write the matrix as .csv or .xlsx."),
) -> None:
    """The stage × purpose matrix: instruments and agencies per cell, overlaps and gaps."""
    from rich.table import Table

    from asocia.i18n import error_text
    from asocia.programmes import catalogue, matrix
    from asocia.programmes.labels import label

    db = open_database()
    with db.session() as session:
        try:
            result = matrix.build(catalogue.list_instruments(session), by)
        except ValueError as exc:
            fail(error_text(exc, language()))
    if out:
        if out.suffix.lower() == ".xlsx":
            matrix.to_xlsx(result, out)
        else:
            out.write_text(matrix.to_csv(result), encoding="utf-8")
    if as_json:
        print_json(result)
        return
    lang = language()
    table = Table(_("stage"), _("purpose"), _("instruments"), _("agencies"), _("overlaps"))
    for c in result["cells"]:
        table.add_row(
            label("stage", c["stage"], lang),
            label("purpose", c["purpose"], lang),
            number(len(c["instruments"])),
            ", ".join(c["agencies"]) or "— (" + _("gap") + ")",
            "; ".join(f"{k}: {', '.join(v)}" for k, v in c["overlaps"].items()),
        )
    console.print(table)
    console.print(
        _("{overlaps} overlaps, {gaps} gaps").format(
            overlaps=number(len(result["overlaps"])), gaps=number(len(result["gaps"]))
        )
    )


@app.command("series")
def series_command(
    key: str = typer.Argument(..., help="Instrument id, code or name."), as_json: bool = JSON
) -> None:
    """Yearly budget and beneficiaries with growth over the whole series and CAGR."""
    from rich.table import Table

    from asocia.programmes import catalogue
    from asocia.programmes.series import series_of

    db = open_database()
    with db.session() as session:
        found = catalogue.find(session, key)
        if found is None:
            fail(_("no instrument {key!r}").format(key=key))
        data = series_of(found)
    if as_json:
        print_json(data)
        return
    table = Table(_("year"), _("budget (CLP)"), _("beneficiaries"))
    for year, budget, count, estimated in zip(
        data["years"], data["budget_clp"], data["beneficiaries"], data["estimated"], strict=True
    ):
        table.add_row(
            f"{year}{'*' if estimated else ''}",
            number(budget),
            number(count),
        )
    console.print(table)
    console.print(
        _(
            "budget {budget} (CAGR {budget_cagr}), beneficiaries {beneficiaries} "
            "(CAGR {beneficiaries_cagr})"
        ).format(
            budget=growth(data["budget_growth"]),
            budget_cagr=growth(data["budget_cagr"]),
            beneficiaries=growth(data["beneficiaries_growth"]),
            beneficiaries_cagr=growth(data["beneficiaries_cagr"]),
        )
    )


@app.command("recommend")
def recommend_command(
    key: str = typer.Argument(..., help="Cooperative id or RUT."), as_json: bool = JSON
) -> None:
    """Instruments a cooperative may use, ranked by stage, purpose and diagnosis, with why."""
    from asocia.programmes import recommend
    from asocia.programmes.labels import label

    db = open_database()
    with db.session() as session:
        coop = recommend.find_cooperative(session, key)
        if coop is None:
            fail(_("no cooperative {key!r}").format(key=key))
        data = recommend.for_cooperative(session, coop)
    if as_json:
        print_json(data)
        return
    lang = language()
    stage = label("stage", data["stage"], lang)
    console.print(f"[bold]{data['cooperative']['name']}[/] ({stage})")
    for item in data["recommendations"]:
        console.print(
            f"{item['score']:>3}  {item['instrument']['name']} ({item['instrument']['agency']})",
            highlight=False,
        )
        for why in item["why"].get(lang, item["why"]["es"]):
            console.print(f"      · {why}", highlight=False)


@uptake_app.command("import")
def uptake_import(
    path: Path = typer.Argument(..., help="Beneficiary list or Ley 19.862 transfers (CSV/XLSX)."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Validate only; write nothing."),
    as_json: bool = JSON,
) -> None:
    """Import who received which instrument, matched by RUT; nothing is written if a row fails."""
    from asocia.i18n import error_text
    from asocia.programmes import uptake

    db = open_database()
    try:
        with db.session() as session:
            report = uptake.import_file(session, path, username="cli", dry_run=dry_run)
    except uptake.UptakeFileError as exc:
        fail(error_text(exc, language()))
    from asocia.registry.reasons import localized_reason

    data = report.as_dict()
    if as_json:
        print_json(data)
    else:
        for p in report.problems:
            console.print(
                _("line {line}, {column} ({value!r}): {reason}").format(
                    line=p.line,
                    column=p.column,
                    value=p.value,
                    reason=localized_reason(p.reason, _),
                ),
                highlight=False,
            )
        console.print(
            _("{shape}: read {read}, written {written}, rejected {rejected}").format(
                shape=report.shape,
                read=number(report.read),
                written=number(report.created),
                rejected=number(report.rejected),
            )
            + (" " + _("(dry run)") if dry_run else "")
        )
    if report.rejected:
        raise typer.Exit(1)


@app.command("coverage")
def coverage_command(
    as_json: bool = JSON,
    years: int = typer.Option(COVERAGE_YEARS, "--years", help="Window in years."),
    public: bool = typer.Option(False, "--public", help="Apply disclosure control."),
) -> None:
    """Share of cooperatives reached (by region, class, rural class, light) and targeting gap."""
    from asocia.programmes import coverage
    from asocia.stats.cellkey import Perturbation

    settings = load_settings()
    db = open_database()
    with db.session() as session:
        data: dict[str, Any] = coverage.coverage(
            session,
            years=years,
            control=Perturbation.from_settings(settings) if public else None,
        )
    if as_json:
        print_json(data)
        return
    total = data["total"]
    k = data["suppressed_below"]

    def shown(value: Any) -> str:
        return f"< {number(k)}" if value is None else number(value)

    console.print(
        f"{data['years'][0]}–{data['years'][1]}: "
        + _("{reached} of {cooperatives} cooperatives reached").format(
            reached=shown(total["reached"]), cooperatives=shown(total["cooperatives"])
        )
    )
    for gap in data["targeting_gap"]:
        console.print(
            _("targeting gap {category}: {count} (of {red} red)").format(
                category=gap["category"], count=shown(gap["count"]), red=shown(gap["red"])
            )
        )
