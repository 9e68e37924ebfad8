"""``asocia diagnosis``: instruments, XLSForms, ODK/Kobo imports, results and portfolio."""

from __future__ import annotations

import getpass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from asocia.auth.policy import Principal, Role
from asocia.cli.common import _, command_language, console, fail, number, open_database, print_json

# The diagnosis code (instruments and their schema, the store, SQLAlchemy and the models, the
# PDF and XLSForm writers) loads in the commands that use it: `diagnosis --help` imports none.
if TYPE_CHECKING:
    from asocia.diagnosis import store
    from asocia.diagnosis.instrument import Instrument
    from asocia.diagnosis.xlsform import CooperativeChoice

app = typer.Typer(
    help="Cooperative diagnosis: instruments, XLSForms, ODK/Kobo imports, results.",
    no_args_is_help=True,
)

# The command line is run by whoever operates the installation: it sees everything.
OPERATOR = Principal(user_id=None, username="cli", role=Role.ADMIN)
JSON_HELP = "Print machine-readable JSON."
DIAGNOSIS_STATUSES = {"draft": "Draft", "submitted": "Submitted"}
LANG_HELP = "Language of labels and messages: es or en."


def _actor() -> store.Actor:
    from asocia.diagnosis import store

    try:
        return store.Actor(username=getpass.getuser())
    except OSError:
        return store.Actor(username="cli")


def _instrument(spec: str, version: str | None) -> Instrument:
    from asocia.diagnosis.loader import get_instrument

    instrument_id, _, at_version = spec.partition("@")
    try:
        return get_instrument(instrument_id, version or at_version or None)
    except LookupError as exc:
        fail(str(exc).strip("'\""))


@app.command("instruments")
def instruments_command(json_output: bool = typer.Option(False, "--json", help=JSON_HELP)) -> None:
    """List the installed instruments and their versions."""
    from rich.table import Table

    from asocia.diagnosis.instrument import localize
    from asocia.diagnosis.loader import load_instruments

    lang = command_language(None)
    rows = [
        {
            "key": i.key,
            "id": i.id,
            "version": i.version,
            "title": localize(i.title, lang),
            "questions": len(i.questions),
            "scored": i.scored_question_count,
        }
        for i in load_instruments().values()
    ]
    if json_output:
        print_json(rows)
        return
    table = Table(_("instrument"), _("title"), _("questions"), _("scored"))
    for row in rows:
        table.add_row(str(row["key"]), str(row["title"]), str(row["questions"]), str(row["scored"]))
    console.print(table)


@app.command("validate")
def validate_command(path: Path = typer.Argument(..., help="Instrument YAML file.")) -> None:
    """Check an instrument file against the schema and rules; list every problem."""
    from asocia.diagnosis.loader import InstrumentError, load_instrument_file

    try:
        instrument = load_instrument_file(path)
    except FileNotFoundError:
        fail(_("no such file: {path}").format(path=path))
    except InstrumentError as exc:
        for problem in exc.problems:
            typer.echo(f"{exc.source}: {problem.path}: {problem.message}", err=True)
        raise typer.Exit(1) from None
    typer.echo(
        _("{path}: valid instrument {key} ({count} questions)").format(
            path=path, key=instrument.key, count=number(len(instrument.questions))
        )
    )


@app.command("xlsform")
def xlsform_command(
    instrument_spec: str = typer.Argument(
        ..., metavar="INSTRUMENT", help="Instrument id (or id@version)."
    ),
    version: str | None = typer.Option(None, "--version", help="Instrument version."),
    out: Path = typer.Option(..., "--out", help="The .xlsx file to write."),
    cooperatives: str = typer.Option(
        "file",
        "--cooperatives",
        help="Cooperative selector: 'file' (CSV for select_one_from_file, from the registry), "
        "'choices' (choices sheet, from the registry) or 'typed' (no registry needed).",
    ),
    region: int | None = typer.Option(
        None, "--region", help="Only cooperatives of this region code."
    ),
    revision: str | None = typer.Option(
        None,
        "--revision",
        help="Suffix of the form version, so ODK Central accepts a "
        "regenerated form of the same instrument version.",
    ),
) -> None:
    """Write the XLSForm of an instrument for ODK Collect / KoboCollect."""
    from asocia.diagnosis.xlsform import build_xlsform, write_xlsform

    if cooperatives not in ("file", "choices", "typed"):
        fail(_("--cooperatives must be file, choices or typed"))
    instrument = _instrument(instrument_spec, version)
    choices: list[CooperativeChoice] | None = None
    if cooperatives != "typed":
        db = open_database()
        try:
            with db.session() as session:
                choices = cooperative_choices(session, region)
        finally:
            db.dispose()
    form = build_xlsform(
        instrument,
        cooperatives=choices,
        cooperative_file="cooperatives.csv" if cooperatives == "file" else None,
        revision=revision,
    )
    for path in write_xlsform(form, out):
        typer.echo(_("wrote {path}").format(path=path))


def cooperative_choices(session: Any, region: int | None = None) -> list[CooperativeChoice]:
    """Registry cooperatives as form choices: tax id when known, else ``reg-<number>``."""
    from sqlalchemy import select

    from asocia.db.models import Cooperative
    from asocia.diagnosis import store
    from asocia.diagnosis.xlsform import CooperativeChoice
    from asocia.registry.taxid import format_rut

    query = select(
        Cooperative.tax_id, Cooperative.registry_number, Cooperative.legal_name, Cooperative.country
    ).where(Cooperative.merged_into_id.is_(None))
    if region is not None:
        query = query.where(Cooperative.region_code == region)
    out = []
    for tax_id, registry_number, name, country in session.execute(
        query.order_by(Cooperative.legal_name)
    ):
        if tax_id:
            shown = format_rut(tax_id) if country == "CL" and "-" in tax_id else tax_id
            out.append(CooperativeChoice(tax_id, f"{name} ({shown})"))
        elif registry_number:
            out.append(
                CooperativeChoice(
                    f"{store.REGISTRY_PREFIX}{registry_number}",
                    f"{name} (registro {registry_number})",
                )
            )
    return out


@app.command("import")
def import_command(
    path: Path = typer.Argument(
        ..., help="ODK Central or KoboToolbox export (.csv, .xlsx, or ODK Central's .zip)."
    ),
    instrument_spec: str | None = typer.Option(
        None,
        "--instrument",
        help="Instrument (id or id@version) for exports that do not say which they belong to.",
    ),
    json_output: bool = typer.Option(False, "--json", help=JSON_HELP),
) -> None:
    """Import submissions from an ODK Central or KoboToolbox export."""
    from asocia.diagnosis import store
    from asocia.diagnosis.loader import load_instruments
    from asocia.diagnosis.submissions import ExportError, parse_export_file

    if not path.is_file():
        fail(_("no such file: {path}").format(path=path))
    instruments = load_instruments()
    default = _instrument(instrument_spec, None) if instrument_spec else None
    try:
        export = parse_export_file(path, instruments, default)
    except ExportError as exc:
        fail(f"{path.name}: {exc}")
    db = open_database()
    try:
        with db.session() as session:
            summary = store.import_submissions(session, export, instruments, _actor())
    finally:
        db.dispose()
    result = summary.as_dict()
    if json_output:
        print_json(result)
        return
    counts = _(
        "read {read}, created {created}, updated {updated}, unchanged {unchanged}, "
        "rejected {rejected}"
    ).format(
        **{
            k: number(getattr(summary, k))
            for k in ("read", "created", "updated", "unchanged", "rejected")
        }
    )
    typer.echo(f"{path.name} ({export.dialect}): {counts}")
    for problem in summary.problems:
        typer.echo(
            "  " + _("row {row}: {reason}").format(row=problem["row"], reason=problem["reason"])
        )


@app.command("list")
def list_command(
    cooperative: int | None = typer.Option(None, "--cooperative", help="Cooperative id."),
    instrument_id: str | None = typer.Option(None, "--instrument", help="Instrument id."),
    limit: int = typer.Option(200, "--limit", min=1, help="At most this many diagnoses."),
    json_output: bool = typer.Option(False, "--json", help=JSON_HELP),
) -> None:
    """List diagnoses, newest first, with their overall light."""
    from rich.table import Table

    from asocia.diagnosis import queries, store

    db = open_database()
    try:
        with db.session() as session:
            rows = queries.list_diagnoses(
                session,
                OPERATOR,
                cooperative_id=cooperative,
                instrument_id=instrument_id,
                limit=limit,
            )
    finally:
        db.dispose()
    if json_output:
        print_json([{**r.__dict__, "light": r.light.value} for r in rows])
        return
    lang = command_language(None)
    table = Table("id", _("cooperative"), _("instrument"), _("date"), _("status"), "%", _("light"))
    for r in rows:
        table.add_row(
            str(r.id),
            r.cooperative_name,
            r.instrument,
            r.diagnosed_on.isoformat(),
            _(DIAGNOSIS_STATUSES.get(r.status, r.status)),
            number(r.percentage, 1),
            store.light_label(r.light, lang),
        )
    console.print(table)


def _report_data(diagnosis_id: int, lang: str) -> dict[str, Any]:
    """The report of a diagnosis as data, or exit with one line when there is none."""
    from asocia.diagnosis import queries
    from asocia.diagnosis.report import report_data

    db = open_database()
    try:
        with db.session() as session:
            try:
                diagnosis = queries.get_diagnosis(session, OPERATOR, diagnosis_id)
            except queries.DiagnosisNotFound as exc:
                fail(str(exc))
            data = report_data(session, diagnosis, lang)
    finally:
        db.dispose()
    return data


@app.command("show")
def show_command(
    diagnosis_id: int = typer.Argument(..., help="Diagnosis id."),
    lang: str | None = typer.Option(None, "--lang", help=LANG_HELP),
    json_output: bool = typer.Option(False, "--json", help=JSON_HELP),
) -> None:
    """Show a diagnosis: lights, priorities, action plan, progress and peer benchmark."""
    from asocia.diagnosis import store
    from asocia.diagnosis.lights import TrafficLight

    lang = command_language(lang)
    data = _report_data(diagnosis_id, lang)
    if json_output:
        print_json(data)
        return
    typer.echo(
        f"{data['cooperative']['name']} — {data['instrument']['title']} "
        f"{data['instrument']['version']} — {data['diagnosed_on']}"
    )
    for node in data["nodes"]:
        indent = {"instrument": "", "dimension": "  ", "category": "    ", "subcategory": "      "}[
            node["level"]
        ]
        pct = "—" if node["percentage"] is None else f"{number(node['percentage'], 1)} %"
        light = store.light_label(TrafficLight(node["light"]), lang)
        typer.echo(f"{indent}{node['label']}: {pct} ({light})")
    if data["actions"]:
        typer.echo(_("Action plan") + ":")
        for item in data["actions"]:
            typer.echo(f"  - {item['action']} ({_(item['status'])})")


@app.command("report")
def report_command(
    diagnosis_id: int = typer.Argument(..., help="Diagnosis id."),
    out: Path = typer.Option(..., "--out", help="The .pdf file to write."),
    lang: str | None = typer.Option(None, "--lang", help=LANG_HELP),
) -> None:
    """Write a diagnosis report as PDF."""
    from asocia.diagnosis.report import render_pdf

    lang = command_language(lang)
    if not out.parent.is_dir():
        fail(
            _("cannot write {file}: the folder {folder} does not exist").format(
                file=out, folder=out.parent
            )
        )
    data = _report_data(diagnosis_id, lang)
    out.write_bytes(render_pdf(data, lang))
    typer.echo(_("wrote {path}").format(path=out))


@app.command("demo")
def demo_command(
    count: int = typer.Option(300, "--count", min=1, help="How many cooperatives to diagnose."),
    seed: int = typer.Option(1, "--seed", help="Random seed."),
    if_empty: bool = typer.Option(
        False, "--if-empty", help="Do nothing when diagnoses already exist."
    ),
) -> None:
    """Create demo diagnoses for cooperatives already in the registry."""
    from asocia.diagnosis import demo

    instrument = _instrument("diagnostico-cooperativo", None)
    db = open_database()
    try:
        with db.session() as session:
            if if_empty and demo.has_diagnoses(session):
                typer.echo(_("diagnoses already exist: nothing done"))
                return
            written = demo.create_demo_diagnoses(session, instrument, count, seed)
    finally:
        db.dispose()
    typer.echo(_("created {count} demo diagnoses").format(count=number(written)))


@app.command("portfolio")
def portfolio_command(
    instrument_spec: str = typer.Argument(
        ..., metavar="INSTRUMENT", help="Instrument id (or id@version)."
    ),
    version: str | None = typer.Option(None, "--version", help="Instrument version."),
    out: Path | None = typer.Option(None, "--out", help="Write .csv or .xlsx instead."),
    lang: str | None = typer.Option(None, "--lang", help=LANG_HELP),
    json_output: bool = typer.Option(False, "--json", help=JSON_HELP),
) -> None:
    """Share of green / yellow / red per category, by region and legal class."""
    from rich.table import Table

    from asocia.diagnosis import queries

    lang = command_language(lang)
    instrument = _instrument(instrument_spec, version)
    db = open_database()
    try:
        with db.session() as session:
            rows = queries.portfolio(session, OPERATOR, instrument, lang)
    finally:
        db.dispose()
    if out is not None:
        if out.suffix.lower() == ".xlsx":
            queries.portfolio_xlsx(rows, out)
        elif out.suffix.lower() == ".csv":
            out.write_text(queries.portfolio_csv(rows), encoding="utf-8")
        else:
            fail(_("--out must end in .csv or .xlsx"))
        typer.echo(_("wrote {path}").format(path=out))
        return
    if json_output:
        print_json(rows)
        return
    from asocia.stats.labels import value_label

    def label(dim: str, value: object) -> str:
        return "—" if value is None else value_label(dim, value, lang)

    table = Table(_("region"), _("class"), _("category"), "n", _("green"), _("yellow"), _("red"))
    for row in rows:
        table.add_row(
            label("region", row["region_code"]),
            label("legal_class", row["legal_class"]),
            str(row["category_label"]),
            number(row["diagnoses"]),
            number(row["green"]),
            number(row["yellow"]),
            number(row["red"]),
        )
    console.print(table)
