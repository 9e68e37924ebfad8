"""``asocia registry``: import, export, review duplicates, merge, list and show cooperatives."""

from __future__ import annotations

import csv
import getpass
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from asocia.auth.policy import Principal, Role
from asocia.cli.common import (
    N_,
    _,
    console,
    fail,
    load_settings,
    number,
    open_database,
    print_json,
    progress,
)

# Every command imports the registry code it uses (the queries, the importer with its
# validators, multiprocessing and XML readers, the statistics, the writers): `registry --help`
# loads neither SQLAlchemy nor the models, and `registry list` not the importer.
if TYPE_CHECKING:
    from asocia.registry.store import Actor
    from asocia.registry.validation import Problem

# The export formats (asocia.registry.export.FORMATS, checked by tests/cli/test_startup.py),
# named here so that the help does not import the exporter.
EXPORT_FORMATS = ("csv", "xlsx", "json")

app = typer.Typer(
    help="The cooperative registry: import, export, duplicates.", no_args_is_help=True
)

# Whoever runs the CLI holds the database itself: they act with every permission.
OPERATOR = Principal(role=Role.ADMIN, username="cli")


# Fields of `registry show` that are quantities (shown as numbers; codes and years are not).
QUANTITIES = frozenset(
    [
        "members_total",
        "members_women",
        "members_men",
        "members_legal_persons",
        "members_founding",
        "employees",
        "worker_members",
        "sales_amount",
    ]
)
OUTCOMES = {"rejected": N_("row rejected"), "flagged": N_("row flagged")}
DUPLICATE_REASONS = {
    "same_tax_id": "same tax id",
    "similar_name": "similar name in the same comuna",
}


def _actor() -> Actor:
    from asocia.registry.store import Actor

    try:
        return Actor(None, f"cli:{getpass.getuser()}")
    except (KeyError, OSError):
        return Actor(None, "cli")


@app.command("import")
def import_(
    file: Path = typer.Argument(..., help="CSV, XLSX or JSON-lines file."),
    country: str | None = typer.Option(None, "--country", help="Default country (ISO code)."),
    mapping: Path | None = typer.Option(None, "--mapping", help="Column mapping YAML file."),
    sheet: str | None = typer.Option(None, "--sheet", help="XLSX sheet (default: the first)."),
    header_row: int | None = typer.Option(
        None, "--header-row", help="Line (CSV) or row (XLSX) of the header (default: detected)."
    ),
    dry_run: bool = typer.Option(False, "--dry-run", help="Validate and count; write nothing."),
    report: Path | None = typer.Option(None, "--report", help="Write every problem to a CSV."),
    as_json: bool = typer.Option(False, "--json", help="Print the summary as JSON."),
) -> None:
    """Import a registry file; exit 0 when processed (even with rejected rows), 2 if unreadable."""
    from asocia.locks import EXIT_BUSY, ImportBusy
    from asocia.registry.columns import Mapping, MappingError
    from asocia.registry.importer import ImportFailed, import_file
    from asocia.registry.readers import ReadError
    from asocia.registry.reasons import localized_reason
    from asocia.spreadsheets import safe_row
    from asocia.stats.summary import warm as warm_statistics_summary

    try:
        overrides = Mapping.load(mapping) if mapping else None
    except MappingError as exc:
        fail(str(exc))
    if header_row is not None:
        if header_row < 1:
            fail(_("--header-row must be a line number (1 or more)"))
        overrides = overrides or Mapping()
        overrides.header_row = header_row
    settings = load_settings()
    db = open_database()
    report_file = None
    report_writer = None
    if report:
        try:
            report_file = report.open("w", encoding="utf-8", newline="")
        except OSError as exc:
            fail(
                _("cannot write the report {file}: {reason}").format(
                    file=report, reason=exc.strerror or exc
                )
            )
        report_writer = csv.writer(report_file)
        report_writer.writerow(["line", "column", "value", "reason", "outcome"])

    def write_problems(problems: Sequence[Problem]) -> None:
        if report_writer is not None:
            report_writer.writerows(
                safe_row([p.line, p.column or "", p.value or "", p.reason, p.outcome])
                for p in problems
            )

    with progress(transient=True, disable=as_json) as bar:
        task = bar.add_task(_("importing {file}").format(file=file.name), total=None)

        def report_progress(done: int, total: int | None, message: str | None) -> None:
            bar.update(task, completed=done, total=total, description=message or file.name)

        try:
            result = import_file(
                db,
                file,
                country=country,
                mapping=overrides,
                sheet=sheet,
                dry_run=dry_run,
                actor=_actor(),
                uf_clp=settings.uf_clp,
                progress=report_progress,
                problem_sink=write_problems,
            )
        except ReadError as exc:
            fail(str(exc))
        except ImportFailed as exc:
            fail(str(exc), code=1)
        except ImportBusy as exc:
            fail(str(exc), code=EXIT_BUSY)
        finally:
            if report_file is not None:
                report_file.close()
        if not dry_run and (result.created or result.updated):
            bar.update(task, description=_("updating the statistics summary"))
            warm_statistics_summary(db, uf_clp=settings.uf_clp)
    if as_json:
        print_json(
            {
                **result.summary(),
                "dry_run": dry_run,
                "import_run_id": result.import_run_id,
                "problems": [p.as_dict() for p in result.problems[:100]],
            }
        )
        return
    summary = result.summary()
    verb = _("would import") if dry_run else _("imported")
    console.print(
        f"{file.name}: {verb} — " + ", ".join(f"{_(k)} {number(v)}" for k, v in summary.items()),
        highlight=False,
    )
    for p in result.problems[:20]:
        console.print(
            "  "
            + _("line {line}, {column}: {reason}").format(
                line=p.line, column=p.column or "-", reason=localized_reason(p.reason, _)
            )
            + (f" [{p.value}]" if p.value else "")
            + f" ({_(OUTCOMES.get(p.outcome, p.outcome))})",
            highlight=False,
            markup=False,
        )
    if result.problem_count > 20:
        hint = _(" (see --report)") if not report else _(" (all in {report})").format(report=report)
        more = _("… {count} more problems").format(count=number(result.problem_count - 20))
        console.print(f"  {more}{hint}", highlight=False)
    if result.import_run_id:
        console.print(_("import run {id}").format(id=result.import_run_id))


@app.command()
def export(
    out: Path = typer.Option(..., "--out", help="File to write."),
    fmt: str = typer.Option("csv", "--format", help=f"One of {', '.join(EXPORT_FORMATS)}."),
    public: bool = typer.Option(False, "--public", help="Leave out personal data."),
) -> None:
    """Export the registry (with --public: without contacts or extra attributes)."""
    from asocia.registry.export import FORMATS
    from asocia.registry.export import export as export_registry

    if fmt not in FORMATS:
        fail(
            _("unknown format {format!r}; one of {known}").format(
                format=fmt, known=", ".join(FORMATS)
            )
        )
    if not out.parent.is_dir():
        fail(
            _("cannot write {file}: the folder {folder} does not exist").format(
                file=out, folder=out.parent
            )
        )
    db = open_database()
    with db.session() as session:
        count = export_registry(session, OPERATOR, out, fmt=fmt, public=public)
    message = _("{count} cooperatives written to {file}").format(count=number(count), file=out)
    console.print(message + (_(" (public)") if public else ""), highlight=False)


@app.command("list")
def list_(
    q: str | None = typer.Option(None, "--search", help="Name or tax id."),
    region: int | None = typer.Option(None, "--region", help="Region code (1–16)."),
    comuna: int | None = typer.Option(None, "--comuna", help="Comuna code (CUT)."),
    rural_class: str | None = typer.Option(None, "--rural-class", help="rural, mixta, urbana."),
    legal_class: str | None = typer.Option(None, "--class", help="Legal class code."),
    ilo_type: str | None = typer.Option(None, "--ilo-type", help="ILO type code."),
    status: str | None = typer.Option(None, "--status", help="Legal status code."),
    size_band: str | None = typer.Option(None, "--size", help="micro, small, medium, large."),
    limit: int = typer.Option(20, "--limit", min=1, help="Rows to show."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """List cooperatives, filtered, by name."""
    from asocia.registry import queries

    filters = queries.Filters(
        q=q,
        region=region,
        comuna=comuna,
        rural_class=rural_class,
        legal_class=legal_class,
        ilo_type=ilo_type,
        status=status,
        size_band=size_band,
    )
    db = open_database()
    with db.session() as session:
        page = queries.list_cooperatives(session, OPERATOR, filters, limit=limit)
    if as_json:
        print_json({"count": page.count, "count_capped": page.count_capped, "items": page.items})
        return
    for item in page.items:
        console.print(
            f"{item['id']:>8}  {item['tax_id'] or item['registry_number'] or '-':<12}  "
            f"{item['legal_name']}  [{item['comuna_name'] or '-'}]",
            highlight=False,
        )
    more = "+" if page.count_capped else ""
    console.print(_("{count} matching").format(count=f"{number(page.count)}{more}"))


@app.command()
def show(
    cooperative_id: int = typer.Argument(..., help="Cooperative id."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Show one cooperative with its history."""
    from asocia.registry import queries

    db = open_database()
    with db.session() as session:
        data = queries.get_cooperative(session, OPERATOR, cooperative_id)
        if data is None:
            fail(_("no cooperative {id}").format(id=cooperative_id))
        data["history"] = queries.history(session, OPERATOR, cooperative_id)
    if as_json:
        print_json(data)
        return
    for key, value in data.items():
        if key != "history" and value not in (None, "", [], {}):
            shown = number(value, 2 if key == "sales_amount" else 0) if key in QUANTITIES else value
            console.print(f"{key}: {shown}", highlight=False, markup=False)
    for change in data["history"]:
        console.print(
            f"  {change['changed_at']:%Y-%m-%d %H:%M} {change['username'] or '-'} "
            f"{change['field']}: {change['old_value']} → {change['new_value']}",
            highlight=False,
        )


@app.command()
def duplicates(
    limit: int = typer.Option(50, "--limit", min=1, help="Candidates to show."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """List duplicate candidates for review (nothing is merged)."""
    from asocia.registry import duplicates as duplicates_module

    db = open_database()
    with db.session() as session:
        found = duplicates_module.candidates(session, limit=limit)
    if as_json:
        print_json([c.as_dict() for c in found])
        return
    for c in found:
        reason = _(DUPLICATE_REASONS.get(c.reason, c.reason))
        console.print(
            f"{c.first_id} ↔ {c.second_id}  {reason} ({number(c.score, 2)}): "
            f"{c.first['legal_name']} | {c.second['legal_name']}",
            highlight=False,
        )
    console.print(
        _("{count} candidates; merge with `asocia registry merge KEEP OTHER`").format(
            count=number(len(found))
        )
    )


@app.command()
def merge(
    keep: int = typer.Argument(..., help="Id of the record to keep."),
    other: int = typer.Argument(..., help="Id of the record merged into it."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Merge OTHER into KEEP: both histories are kept, OTHER is marked merged."""
    from asocia.registry.store import MergeError, merge_cooperatives

    db = open_database()
    try:
        with db.session() as session:
            merge_cooperatives(session, keep, other, _actor())
    except MergeError as exc:
        fail(str(exc))
    result: dict[str, Any] = {"kept": keep, "merged": other}
    if as_json:
        print_json(result)
    else:
        console.print(_("{other} merged into {keep}").format(other=other, keep=keep))


@app.command()
def corrections(
    field: str | None = typer.Option(None, "--field", help="Only flags on this field."),
    code: str | None = typer.Option(None, "--code", help="Only this kind (e.g. invalid_tax_id)."),
    run: int | None = typer.Option(None, "--run", help="Only flags of this import run."),
    limit: int = typer.Option(50, "--limit", help="Cooperatives to show."),
    offset: int = typer.Option(0, "--offset", help="Cooperatives to skip."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """The correction queue: open flags of kept cooperatives, by cooperative, with reasons."""
    from asocia.registry.flags import FlagFilters, open_flags

    db = open_database()
    with db.session() as session:
        queue = open_flags(
            session,
            FlagFilters(field=field, code=code, import_run_id=run),
            limit=limit,
            offset=offset,
        )
    if as_json:
        print_json(queue)
        return
    for item in queue["items"]:
        key = item["tax_id"] or item["registry_number"] or "-"
        console.print(f"{item['id']:>8}  {key:<12}  {item['legal_name']}", highlight=False)
        for flag in item["flags"]:
            value = f" [{flag['value']}]" if flag["value"] else ""
            console.print(
                _("          {field}: {reason}{value} (line {line})").format(
                    field=flag["field"], reason=flag["reason"], value=value, line=flag["line"]
                ),
                highlight=False,
            )
    console.print(
        _(
            "{flags} open flags on {cooperatives} cooperatives; edit a cooperative at "
            "/registry/ID/edit to resolve its flags"
        ).format(flags=number(queue["count"]), cooperatives=number(queue["cooperatives"])),
        highlight=False,
    )
