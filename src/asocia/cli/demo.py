"""``asocia demo``: fill the database with a synthetic registry, or write it as office files."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from asocia.cli.common import (
    _,
    console,
    fail,
    load_settings,
    number,
    open_database,
    print_json,
    progress,
)

# The generator, the statistics and the file writers load in the commands that use them.

#: The sizes the synthetic registry is calibrated for.
MIN_COOPERATIVES, MAX_COOPERATIVES = 100, 1_000_000


def _check_size(cooperatives: int) -> None:
    if not MIN_COOPERATIVES <= cooperatives <= MAX_COOPERATIVES:
        fail(
            f"--cooperatives must be between {MIN_COOPERATIVES:,} and {MAX_COOPERATIVES:,} "
            f"(got {cooperatives:,})"
        )


app = typer.Typer(
    help="Synthetic demonstration data calibrated to Chile's cooperative registry.",
    invoke_without_command=True,
)


@app.callback()
def demo(
    ctx: typer.Context,
    cooperatives: int = typer.Option(
        3000, "--cooperatives", min=100, max=1_000_000, help="How many (100–1,000,000)."
    ),
    seed: int = typer.Option(0, "--seed", help="Same seed, same registry."),
    if_empty: bool = typer.Option(False, "--if-empty", help="Only when the registry is empty."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Load a synthetic registry into the database (`asocia demo files` writes files instead)."""
    if ctx.invoked_subcommand is not None:
        return
    from asocia.registry import synthetic
    from asocia.stats.summary import warm as warm_statistics_summary

    _check_size(cooperatives)
    settings = load_settings()
    db = open_database()
    if not if_empty:
        existing = _registered(db)
        if existing:
            fail(
                _(
                    "the registry already holds {count} cooperatives: the demo fills an empty "
                    "database (--if-empty does nothing when it is not empty)"
                ).format(count=number(existing))
            )
    with progress(transient=True, disable=as_json) as bar:
        task = bar.add_task(_("demo registry"), total=cooperatives)
        written = synthetic.load(
            db,
            cooperatives,
            seed,
            uf_clp=settings.uf_clp,
            if_empty=if_empty,
            progress=lambda done, total: bar.update(task, completed=done, total=total),
        )
        if written:
            bar.update(task, description=_("statistics summary"))
            warm_statistics_summary(db, uf_clp=settings.uf_clp)
    if as_json:
        print_json({"written": written, "seed": seed})
    elif written:
        console.print(
            _("{count} synthetic cooperatives written (seed {seed})").format(
                count=number(written), seed=seed
            )
        )
    else:
        console.print(_("the registry is not empty: nothing written"))


def _registered(db: Any) -> int:
    """How many cooperatives the registry holds."""
    from sqlalchemy import func, select

    from asocia.db.models import Cooperative

    with db.session() as session:
        return int(session.execute(select(func.count()).select_from(Cooperative)).scalar_one())


@app.command()
def files(
    cooperatives: int = typer.Option(
        3000, "--cooperatives", min=100, max=1_000_000, help="How many (100–1,000,000)."
    ),
    out: Path = typer.Option(..., "--out", help="Directory to write into."),
    seed: int = typer.Option(0, "--seed", help="Same seed, same registry."),
    fmt: list[str] = typer.Option(["csv", "xlsx"], "--format", help="csv and/or xlsx."),
    broken: float = typer.Option(0.02, "--broken", help="Share of deliberately broken rows."),
    as_json: bool = typer.Option(False, "--json", help="Print the manifest as JSON."),
) -> None:
    """Write the synthetic registry as offices publish it (cp1252 CSV, XLSX) with broken rows."""
    from asocia.registry.synthetic_files import write_files

    _check_size(cooperatives)
    unknown = [f for f in fmt if f not in ("csv", "xlsx")]
    if unknown:
        fail(f"unknown format {unknown[0]!r} (csv or xlsx)")
    if not 0 <= broken <= 1:
        fail("--broken must be a share between 0 and 1")
    settings = load_settings()
    try:
        manifest = write_files(
            cooperatives, out, seed, formats=fmt, broken_share=broken, uf_clp=settings.uf_clp
        )
    except OSError as exc:
        fail(f"cannot write into {out}: {exc.strerror or exc}")
    if as_json:
        print_json(manifest)
        return
    console.print(
        _(
            "{files} written to {out}: {rows} rows, {broken} broken on purpose "
            "(expect {rejected} rejected, {flagged} flagged; see manifest.json)"
        ).format(
            files=", ".join(manifest["files"]),
            out=out,
            rows=number(cooperatives),
            broken=number(sum(manifest["broken"].values())),
            rejected=number(manifest["expected"]["rejected"]),
            flagged=number(manifest["expected"]["flagged"]),
        ),
        highlight=False,
    )
