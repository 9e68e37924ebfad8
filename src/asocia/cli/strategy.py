"""``asocia strategy``: the strategy to 2030, its plan and actions."""

from __future__ import annotations

import typer

from asocia.cli.common import _, console, fail, language, number, open_database, print_json

app = typer.Typer(help="Strategy monitoring: strategy, plan and actions.", no_args_is_help=True)


@app.command("show")
def show(as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """Show the strategy: vision, values, objectives, committees, plans and timeline."""
    from asocia.monitoring import strategy

    db = open_database()
    try:
        with db.session() as session:
            view = strategy.strategy_view(session)
    finally:
        db.dispose()
    if as_json:
        print_json(view)
        return
    console.print(f"[bold]{view['name']}[/] ({view['period'][0]}–{view['period'][1]})")
    console.print(_("Vision: {vision}").format(vision=view["vision"]))
    console.print(_("Values: {values}").format(values=", ".join(view["values"])))
    for o in view["objectives"]:
        console.print(f"  {o['code']}  {o['name']}")
    for c in view["committees"]:
        console.print(f"  {c['name']} → {c['objective']}")
    for p in view["plans"]:
        console.print(f"[bold]{p['name']}[/]: {p['purpose']}")
    for t in view["timeline"]:
        console.print(f"  {t['on']:%Y-%m}  {t['title']}")
    console.print(f"[dim]{view['provenance']}[/]")


@app.command("actions")
def actions(
    plan: str | None = typer.Option(None, "--plan", help="Only this plan (e.g. PB-2022-23)."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """List the plan actions with objective, committee, status and progress."""
    from rich.table import Table

    from asocia.monitoring import strategy
    from asocia.monitoring.labels import label

    db = open_database()
    try:
        with db.session() as session:
            rows = strategy.list_actions(session, plan)
    finally:
        db.dispose()
    if as_json:
        print_json(rows)
        return
    if not rows:
        console.print(_("No actions yet."))
        return
    lang = language()
    table = Table(
        _("Plan"), _("Code"), _("Action"), _("OE"), _("Committee"), _("Due"), _("Status"), "%"
    )
    for r in rows:
        table.add_row(
            r["plan"], r["code"], r["title"], r["objective"] or "", r["committee"] or "",
            str(r["due_on"] or ""), label(r["status"], lang), number(r["progress"]),
        )  # fmt: skip
    console.print(table)


@app.command("add-action")
def add_action(
    code: str = typer.Argument(..., help="Action code, unique in the plan."),
    title: str = typer.Option(..., "--title", help="What is to be done."),
    plan: str = typer.Option("PB-2022-23", "--plan", help="Plan code."),
    objective: str | None = typer.Option(None, "--objective", help="Objective code, e.g. OE1."),
    committee: str | None = typer.Option(None, "--committee", help="Committee code, e.g. fomento."),
    responsible: str | None = typer.Option(None, "--responsible", help="Institution."),
    due: str | None = typer.Option(None, "--due", help="Due date, YYYY-MM-DD."),
) -> None:
    """Add an action to a plan."""
    from asocia.i18n import error_text
    from asocia.monitoring import strategy

    db = open_database()
    try:
        with db.session() as session:
            values = {"title": title, "objective": objective, "committee": committee,
                      "responsible": responsible, "due_on": due}  # fmt: skip
            action = strategy.create_action(session, plan, code, values, "cli")
            console.print(_("action {id} created").format(id=action.id))
    except strategy.MonitoringError as exc:
        fail(error_text(exc, language()))
    finally:
        db.dispose()
