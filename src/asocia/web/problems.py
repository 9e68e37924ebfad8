"""Long validation reports, summarised: how many problems of each reason first, then the
problems themselves a page at a time (``?problems_page=N``)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from fastapi import Request
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from asocia.db.models.registry import ImportProblem
from asocia.registry.reasons import localized_reason
from asocia.web.templating import translator

PAGE_SIZE = 100


def reason_text(request: Request) -> Callable[[str], str]:
    """The reports' ``reason(text)``: a problem's reason in the request's language (the
    registry's reasons and the uptake files', which report in the same form)."""
    gettext = translator(request, "registry")
    return lambda text: localized_reason(text, gettext)


def _get(problem: Any, name: str) -> Any:
    return problem.get(name) if isinstance(problem, dict) else getattr(problem, name)


def count_reasons(problems: Iterable[Any]) -> list[dict[str, Any]]:
    """One row per reason: how many rows it rejected and flagged, most frequent first."""
    counts: Counter[tuple[str, str]] = Counter(
        (str(_get(p, "reason")), str(_get(p, "outcome"))) for p in problems
    )
    return _rows(counts)


def _rows(counts: Counter[tuple[str, str]]) -> list[dict[str, Any]]:
    by_reason: dict[str, dict[str, Any]] = {}
    for (reason, outcome), n in counts.items():
        row = by_reason.setdefault(
            reason, {"reason": reason, "rejected": 0, "flagged": 0, "skipped": 0}
        )
        # skipped: a banner or totals row the reader passed over (not a cooperative)
        row[outcome if outcome in ("rejected", "skipped") else "flagged"] += n
    for row in by_reason.values():
        row["total"] = row["rejected"] + row["flagged"] + row["skipped"]
    return sorted(by_reason.values(), key=lambda r: (-r["total"], r["reason"]))


def _page(request: Request, total: int) -> tuple[int, int]:
    pages = max(1, -(-total // PAGE_SIZE))
    raw = request.query_params.get("problems_page", "1")
    page = int(raw) if raw.isdigit() else 1
    return min(max(page, 1), pages), pages


def _link(request: Request, page: int) -> str:
    return str(request.url.include_query_params(problems_page=page))


def view(
    request: Request,
    problems: Sequence[Any],
    *,
    counts: list[dict[str, Any]] | None = None,
    total: int | None = None,
) -> dict[str, Any]:
    """The summary and one page of ``problems`` (a report's list, maybe cut short).

    A report answered to a form (POST) cannot link to its other pages: it lists the first
    page only, and the counts cover every problem."""
    if request.method != "GET":
        problems = problems[:PAGE_SIZE]
    listed = len(problems)
    page, pages = _page(request, listed)
    start = (page - 1) * PAGE_SIZE
    return {
        "counts": counts if counts is not None else count_reasons(problems),
        "total": total if total is not None else listed,
        "listed": listed,
        "rows": list(problems[start : start + PAGE_SIZE]),
        "page": page,
        "pages": pages,
        "first": start + 1,
        "last": min(start + PAGE_SIZE, listed),
        "previous": _link(request, page - 1) if page > 1 else None,
        "next": _link(request, page + 1) if page < pages else None,
    }


def run_view(request: Request, session: Session, run_id: int) -> dict[str, Any]:
    """The summary and one page of the stored problems of an import run."""
    table = ImportProblem
    grouped = session.execute(
        select(table.reason, table.outcome, func.count())
        .where(table.import_run_id == run_id)
        .group_by(table.reason, table.outcome)
    ).all()
    counts: Counter[tuple[str, str]] = Counter({(r, o): int(n) for r, o, n in grouped})
    total = sum(counts.values())
    page, pages = _page(request, total)
    start = (page - 1) * PAGE_SIZE
    rows = list(
        session.execute(
            select(table)
            .where(table.import_run_id == run_id)
            .order_by(table.line, table.id)
            .offset(start)
            .limit(PAGE_SIZE)
        ).scalars()
    )
    return {
        "counts": _rows(counts),
        "total": total,
        "listed": total,
        "rows": rows,
        "page": page,
        "pages": pages,
        "first": start + 1,
        "last": min(start + PAGE_SIZE, total),
        "previous": _link(request, page - 1) if page > 1 else None,
        "next": _link(request, page + 1) if page < pages else None,
    }
