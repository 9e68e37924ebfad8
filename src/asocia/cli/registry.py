"""``asocia registry``: import, export, review duplicates, merge, list and show cooperatives."""

from __future__ import annotations

import csv
import getpass
from pathlib import Path
from typing import Any

import typer

from asocia.auth.policy import Principal, Role
from asocia.cli.common import console, fail, load_settings, open_database, print_json, progress
from asocia.locks import EXIT_BUSY, ImportBusy
from asocia.registry import duplicates as duplicates_module
from asocia.registry import queries
from asocia.registry.columns import Mapping, MappingError
from asocia.registry.export import FORMATS
from asocia.registry.export import export as export_registry
from asocia.registry.importer import ImportFailed, import_file
from asocia.registry.readers import ReadError
from asocia.registry.store import Actor, MergeError, merge_cooperatives
from asocia.spreadsheets import safe_row
from asocia.stats.summary import warm as warm_statistics_summary

app = typer.Typer(
    help="The cooperative registry: import, export, duplicates.", no_args_is_help=True
)

# Whoever runs the CLI holds the database itself: they act with every permission.
OPERATOR = Principal(role=Role.ADMIN, username="cli")


def _actor() -> Actor:
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
    dry_run: bool = typer.Option(False, "--dry-run", help="Validate and count; write nothing."),
    report: Path | None = typer.Option(None, "--report", help="Write every problem to a CSV."),
    as_json: bool = typer.Option(False, "--json", help="Print the summary as JSON."),
) -> None:
    """Import a registry file; exit 0 when processed (even with rejected rows), 2 if unreadable."""
    try:
        overrides = Mapping.load(mapping) if mapping else None
    except MappingError as exc:
        fail(str(exc))
    settings = load_settings()
    db = open_database()
    with progress(transient=True, disable=as_json) as bar:
        task = bar.add_task(f"importing {file.name}", total=None)

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
            )
        except ReadError as exc:
            fail(str(exc))
        except ImportFailed as exc:
            fail(str(exc), code=1)
        except ImportBusy as exc:
            fail(str(exc), code=EXIT_BUSY)
        if not dry_run and (result.created or result.updated):
            bar.update(task, description="updating the statistics summary")
            warm_statistics_summary(db, uf_clp=settings.uf_clp)
    if report:
        with report.open("w", encoding="utf-8", newline="") as f:
            writer = csv.writer(f)
            writer.writerow(["line", "column", "value", "reason", "outcome"])
            for p in result.problems:
                writer.writerow(
                    safe_row([p.line, p.column or "", p.value or "", p.reason, p.outcome])
                )
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
    verb = "would import" if dry_run else "imported"
    console.print(f"{file.name}: {verb} — " + ", ".join(f"{k} {v:,}" for k, v in summary.items()))
    for p in result.problems[:20]:
        console.print(
            f"  line {p.line}, {p.column or '-'}: {p.reason}"
            + (f" [{p.value}]" if p.value else "")
            + f" ({p.outcome})",
            highlight=False,
        )
    if result.problem_count > 20:
        hint = " (see --report)" if not report else f" (all in {report})"
        console.print(f"  … {result.problem_count - 20:,} more problems{hint}")
    if result.import_run_id:
        console.print(f"import run {result.import_run_id}")


@app.command()
def export(
    out: Path = typer.Option(..., "--out", help="File to write."),
    fmt: str = typer.Option("csv", "--format", help=f"One of {', '.join(FORMATS)}."),
    public: bool = typer.Option(False, "--public", help="Leave out personal data."),
) -> None:
    """Export the registry (with --public: without contacts or extra attributes)."""
    if fmt not in FORMATS:
        fail(f"unknown format {fmt!r}; one of {', '.join(FORMATS)}")
    db = open_database()
    with db.session() as session:
        count = export_registry(session, OPERATOR, out, fmt=fmt, public=public)
    console.print(f"{count:,} cooperatives written to {out}" + (" (public)" if public else ""))


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
    limit: int = typer.Option(20, "--limit", help="Rows to show."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """List cooperatives, filtered, by name."""
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
    console.print(f"{page.count:,}{more} matching")


@app.command()
def show(
    cooperative_id: int = typer.Argument(..., help="Cooperative id."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Show one cooperative with its history."""
    db = open_database()
    with db.session() as session:
        data = queries.get_cooperative(session, OPERATOR, cooperative_id)
        if data is None:
            fail(f"no cooperative {cooperative_id}")
        data["history"] = queries.history(session, OPERATOR, cooperative_id)
    if as_json:
        print_json(data)
        return
    for key, value in data.items():
        if key != "history" and value not in (None, "", [], {}):
            console.print(f"{key}: {value}", highlight=False)
    for change in data["history"]:
        console.print(
            f"  {change['changed_at']:%Y-%m-%d %H:%M} {change['username'] or '-'} "
            f"{change['field']}: {change['old_value']} → {change['new_value']}",
            highlight=False,
        )


@app.command()
def duplicates(
    limit: int = typer.Option(50, "--limit", help="Candidates to show."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """List duplicate candidates for review (nothing is merged)."""
    db = open_database()
    with db.session() as session:
        found = duplicates_module.candidates(session, limit=limit)
    if as_json:
        print_json([c.as_dict() for c in found])
        return
    for c in found:
        console.print(
            f"{c.first_id} ↔ {c.second_id}  {c.reason} ({c.score:.2f}): "
            f"{c.first['legal_name']} | {c.second['legal_name']}",
            highlight=False,
        )
    console.print(f"{len(found)} candidates; merge with `asocia registry merge KEEP OTHER`")


@app.command()
def merge(
    keep: int = typer.Argument(..., help="Id of the record to keep."),
    other: int = typer.Argument(..., help="Id of the record merged into it."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Merge OTHER into KEEP: both histories are kept, OTHER is marked merged."""
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
        console.print(f"{other} merged into {keep}")
