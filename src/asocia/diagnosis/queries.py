"""Reading diagnoses: lists, results, progress over time, peer benchmarks, portfolio.

Every query that returns cooperative-level data goes through
``asocia.auth.policy.cooperative_scope`` so that the ``coop`` role sees only its own.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from asocia.auth.policy import Permission, Principal, can, can_view_cooperative, cooperative_scope
from asocia.db.models import Cooperative
from asocia.db.models.diagnosis import Diagnosis
from asocia.diagnosis.instrument import Instrument, localize
from asocia.diagnosis.lights import TrafficLight
from asocia.diagnosis.loader import load_instruments
from asocia.diagnosis.scoring import DiagnosisResult, score, score_batch
from asocia.diagnosis.store import answers_from_json
from asocia.i18n import N_, gettext
from asocia.spreadsheets import safe_dict, xlsx_row

MIN_PEERS = 5
"""A benchmark is shown only against at least this many peers (disclosure and meaning)."""
SAME_MARGIN = 0.5
"""Changes of less than half a percentage point count as "same"."""


class DiagnosisNotFound(LookupError):
    """No such diagnosis, or not one the asking person may see."""


def instrument_of(
    diagnosis: Diagnosis, instruments: dict[str, Instrument] | None = None
) -> Instrument:
    """The instrument version a diagnosis was made with."""
    known = instruments if instruments is not None else load_instruments()
    key = f"{diagnosis.instrument_id}@{diagnosis.instrument_version}"
    try:
        return known[key]
    except KeyError:
        raise LookupError(f"instrument {key} is not installed") from None


def result_of(
    diagnosis: Diagnosis, instruments: dict[str, Instrument] | None = None
) -> DiagnosisResult:
    """The scored tree of a stored diagnosis."""
    instrument = instrument_of(diagnosis, instruments)
    return score(instrument, answers_from_json(instrument, diagnosis.answers or {}))


def _visible(principal: Principal, query: Any) -> Any:
    # ``Any``: the scoped select keeps whatever columns the caller selected.
    query = cooperative_scope(principal, query, Diagnosis.cooperative_id)
    if not can(principal, Permission.ENTER_DIAGNOSIS):
        query = query.where(Diagnosis.status == "submitted")  # drafts stay with the team
    return query


def get_diagnosis(session: Session, principal: Principal, diagnosis_id: int) -> Diagnosis:
    """The diagnosis if ``principal`` may see it; raises :class:`DiagnosisNotFound` otherwise."""
    query = _visible(principal, select(Diagnosis).where(Diagnosis.id == diagnosis_id))
    diagnosis: Diagnosis | None = session.scalars(query).first()
    if diagnosis is None or not can_view_cooperative(principal, diagnosis.cooperative_id):
        raise DiagnosisNotFound(f"no diagnosis {diagnosis_id}")
    return diagnosis


@dataclass(frozen=True)
class DiagnosisRow:
    """One line of a diagnosis list."""

    id: int
    cooperative_id: int
    cooperative_name: str
    instrument: str
    diagnosed_on: date
    diagnostician: str | None
    status: str
    percentage: float | None
    light: TrafficLight


def _list_filters(
    query: Any, cooperative_id: int | None, instrument_id: str | None, status: str | None
) -> Any:
    if cooperative_id is not None:
        query = query.where(Diagnosis.cooperative_id == cooperative_id)
    if instrument_id is not None:
        query = query.where(Diagnosis.instrument_id == instrument_id)
    if status is not None:
        query = query.where(Diagnosis.status == status)
    return query


def count_diagnoses(
    session: Session,
    principal: Principal,
    *,
    cooperative_id: int | None = None,
    instrument_id: str | None = None,
    status: str | None = None,
) -> int:
    """How many diagnoses :func:`list_diagnoses` would list over all its pages."""
    query = _visible(principal, select(func.count()).select_from(Diagnosis))
    query = _list_filters(query, cooperative_id, instrument_id, status)
    return int(session.execute(query).scalar_one())


def list_diagnoses(
    session: Session,
    principal: Principal,
    *,
    cooperative_id: int | None = None,
    instrument_id: str | None = None,
    status: str | None = None,
    limit: int = 200,
    offset: int = 0,
    after: tuple[date, int] | None = None,
) -> list[DiagnosisRow]:
    """Diagnoses ``principal`` may see, newest first, with their overall score.

    ``after`` is a keyset cursor: the (date, id) of the last row of the previous page.
    """
    query = _visible(
        principal,
        select(Diagnosis, Cooperative.legal_name).join(
            Cooperative, Cooperative.id == Diagnosis.cooperative_id
        ),
    )
    query = _list_filters(query, cooperative_id, instrument_id, status)
    if after is not None:
        day, last_id = after
        query = query.where(
            or_(
                Diagnosis.diagnosed_on < day,
                and_(Diagnosis.diagnosed_on == day, Diagnosis.id < last_id),
            )
        )
    query = query.order_by(Diagnosis.diagnosed_on.desc(), Diagnosis.id.desc())
    rows = session.execute(query.limit(limit).offset(offset)).all()
    instruments = load_instruments()
    out = []
    for diagnosis, name in rows:
        try:
            root = result_of(diagnosis, instruments).root
            percentage, light = root.percentage, root.light
        except LookupError:
            percentage, light = None, TrafficLight.INSUFFICIENT_DATA
        out.append(
            DiagnosisRow(
                id=diagnosis.id,
                cooperative_id=diagnosis.cooperative_id,
                cooperative_name=name,
                instrument=f"{diagnosis.instrument_id}@{diagnosis.instrument_version}",
                diagnosed_on=diagnosis.diagnosed_on,
                diagnostician=diagnosis.diagnostician,
                status=diagnosis.status,
                percentage=percentage,
                light=light,
            )
        )
    return out


# -- progress ---------------------------------------------------------------------------


@dataclass(frozen=True)
class NodeChange:
    """How one category moved since the previous diagnosis."""

    node_id: str
    label: dict[str, str]
    previous: float | None
    current: float | None
    change: str  # better, worse, same, unknown


@dataclass(frozen=True)
class Progress:
    """The change since the previous diagnosis of the same cooperative."""

    previous_id: int
    previous_on: date
    previous_instrument: str
    comparable: bool
    changes: list[NodeChange] = field(default_factory=list)

    def notice(self, lang: str = "es") -> str | None:
        """The not-comparable notice, when instrument versions differ."""
        if self.comparable:
            return None
        message = gettext(
            lang,
            N_(
                "The previous diagnosis (%(date)s) used instrument %(instrument)s: results "
                "from different versions are not comparable."
            ),
            "diagnosis",
        )
        when = self.previous_on.strftime("%d-%m-%Y" if lang == "es" else "%Y-%m-%d")
        return message % {"date": when, "instrument": self.previous_instrument}


def _change(previous: float | None, current: float | None) -> str:
    if previous is None or current is None:
        return "unknown"
    if current - previous >= SAME_MARGIN:
        return "better"
    if previous - current >= SAME_MARGIN:
        return "worse"
    return "same"


def progress(session: Session, diagnosis: Diagnosis) -> Progress | None:
    """The change since the cooperative's previous submitted diagnosis (None if first)."""
    previous = session.scalars(
        select(Diagnosis)
        .where(
            Diagnosis.cooperative_id == diagnosis.cooperative_id,
            Diagnosis.status == "submitted",
            Diagnosis.id != diagnosis.id,
            Diagnosis.diagnosed_on <= diagnosis.diagnosed_on,
        )
        .order_by(Diagnosis.diagnosed_on.desc(), Diagnosis.id.desc())
    ).first()
    if previous is None:
        return None
    same_version = (previous.instrument_id, previous.instrument_version) == (
        diagnosis.instrument_id,
        diagnosis.instrument_version,
    )
    result = Progress(
        previous_id=previous.id,
        previous_on=previous.diagnosed_on,
        previous_instrument=f"{previous.instrument_id}@{previous.instrument_version}",
        comparable=same_version,
    )
    if not same_version:
        return result
    instruments = load_instruments()
    before, now = result_of(previous, instruments), result_of(diagnosis, instruments)
    for node in [now.root, *now.nodes("category")]:
        old = before.node(node.id)
        result.changes.append(
            NodeChange(
                node.id,
                dict(node.label),
                old.percentage,
                node.percentage,
                _change(old.percentage, node.percentage),
            )
        )
    return result


# -- peers --------------------------------------------------------------------------------


def latest_per_cooperative(
    session: Session, instrument: Instrument, cooperative_ids: Sequence[int] | None = None
) -> list[Diagnosis]:
    """Each cooperative's latest submitted diagnosis on this instrument version."""
    query = (
        select(Diagnosis)
        .where(
            Diagnosis.instrument_id == instrument.id,
            Diagnosis.instrument_version == instrument.version,
            Diagnosis.status == "submitted",
        )
        .order_by(Diagnosis.cooperative_id, Diagnosis.diagnosed_on.desc(), Diagnosis.id.desc())
    )
    if cooperative_ids is not None:
        query = query.where(Diagnosis.cooperative_id.in_(list(cooperative_ids)))
    latest: dict[int, Diagnosis] = {}
    for diagnosis in session.scalars(query):
        latest.setdefault(diagnosis.cooperative_id, diagnosis)
    return list(latest.values())


@dataclass(frozen=True)
class Benchmark:
    """Percentile of the cooperative per category among its peers."""

    peers: int
    available: bool
    group: dict[str, object]
    percentiles: dict[str, float | None] = field(default_factory=dict)


def peer_benchmark(session: Session, diagnosis: Diagnosis) -> Benchmark:
    """Percentile per category among peers (same region, class and size band).

    Peers are the other cooperatives' latest submitted diagnoses on the same instrument
    version; nothing is shown with fewer than :data:`MIN_PEERS`.
    """
    coop = session.get(Cooperative, diagnosis.cooperative_id)
    assert coop is not None
    group: dict[str, object] = {
        "region_code": coop.region_code,
        "legal_class": coop.legal_class,
        "size_band": coop.size_band,
    }
    if any(v is None for v in group.values()):
        return Benchmark(peers=0, available=False, group=group)
    peer_ids = session.scalars(
        select(Cooperative.id).where(
            Cooperative.region_code == coop.region_code,
            Cooperative.legal_class == coop.legal_class,
            Cooperative.size_band == coop.size_band,
            Cooperative.id != coop.id,
        )
    ).all()
    instrument = instrument_of(diagnosis)
    peers = latest_per_cooperative(session, instrument, peer_ids) if peer_ids else []
    if len(peers) < MIN_PEERS:
        return Benchmark(peers=len(peers), available=False, group=group)
    own = result_of(diagnosis)
    batch = score_batch(instrument, [answers_from_json(instrument, p.answers) for p in peers])
    percentiles: dict[str, float | None] = {}
    for node in [own.root, *own.nodes("category")]:
        column = batch.column(node.id)
        values = [row[column] for row in batch.percentages if row[column] is not None]
        if node.percentage is None or len(values) < MIN_PEERS:
            percentiles[node.id] = None
            continue
        below = sum(1 for v in values if v is not None and v < node.percentage)
        equal = sum(1 for v in values if v == node.percentage)
        percentiles[node.id] = round(100.0 * (below + 0.5 * equal) / len(values), 1)
    return Benchmark(peers=len(peers), available=True, group=group, percentiles=percentiles)


# -- portfolio ----------------------------------------------------------------------------

PORTFOLIO_COLUMNS = [
    "region_code",
    "legal_class",
    "category",
    "diagnoses",
    "green",
    "yellow",
    "red",
    "insufficient_data",
    "green_share",
    "yellow_share",
    "red_share",
]


def portfolio(
    session: Session, principal: Principal, instrument: Instrument, lang: str = "es"
) -> list[dict[str, object]]:
    """Share of green / yellow / red per category, by region and legal class.

    One row per (region, class, category) over each cooperative's latest submitted
    diagnosis on this instrument version; shares are of the diagnoses with a colour.
    """
    query: Any = (
        select(Diagnosis, Cooperative.region_code, Cooperative.legal_class)
        .join(Cooperative, Cooperative.id == Diagnosis.cooperative_id)
        .where(
            Diagnosis.instrument_id == instrument.id,
            Diagnosis.instrument_version == instrument.version,
            Diagnosis.status == "submitted",
        )
        .order_by(Diagnosis.cooperative_id, Diagnosis.diagnosed_on.desc(), Diagnosis.id.desc())
    )
    query = cooperative_scope(principal, query, Diagnosis.cooperative_id)
    latest: dict[int, tuple[Diagnosis, int | None, str | None]] = {}
    for diagnosis, region, legal_class in session.execute(query):
        latest.setdefault(diagnosis.cooperative_id, (diagnosis, region, legal_class))
    entries = list(latest.values())
    batch = score_batch(
        instrument, [answers_from_json(instrument, d.answers) for d, _r, _c in entries]
    )
    categories = [c for c in instrument.iter_categories()]
    counts: dict[tuple[int | None, str | None, str], dict[str, int]] = defaultdict(
        lambda: {light.value: 0 for light in TrafficLight}
    )
    for row_lights, (_d, region, legal_class) in zip(batch.lights, entries, strict=True):
        for category in categories:
            light = row_lights[batch.column(category.id)]
            counts[(region, legal_class, category.id)][light.value] += 1
    order = {c.id: i for i, c in enumerate(categories)}
    rows: list[dict[str, object]] = []
    for (region, legal_class, category_id), c in sorted(
        counts.items(), key=lambda kv: (kv[0][0] or 0, kv[0][1] or "", order[kv[0][2]])
    ):
        coloured = c["green"] + c["yellow"] + c["red"]
        label = localize(next(x.label for x in categories if x.id == category_id), lang)
        rows.append(
            {
                "region_code": region,
                "legal_class": legal_class,
                "category": category_id,
                "category_label": label,
                "diagnoses": sum(c.values()),
                "green": c["green"],
                "yellow": c["yellow"],
                "red": c["red"],
                "insufficient_data": c["insufficient_data"],
                "green_share": round(c["green"] / coloured, 4) if coloured else None,
                "yellow_share": round(c["yellow"] / coloured, 4) if coloured else None,
                "red_share": round(c["red"] / coloured, 4) if coloured else None,
            }
        )
    return rows


def portfolio_csv(rows: Sequence[dict[str, object]]) -> str:
    """Portfolio rows as CSV text."""
    buffer = io.StringIO()
    writer = csv.DictWriter(
        buffer,
        fieldnames=[*PORTFOLIO_COLUMNS, "category_label"],
        lineterminator="\n",
        extrasaction="ignore",
    )
    writer.writeheader()
    writer.writerows(safe_dict(row) for row in rows)
    return buffer.getvalue()


def portfolio_xlsx(rows: Sequence[dict[str, object]], path: str | Path | io.BytesIO) -> None:
    """Portfolio rows as an XLSX workbook."""
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "portfolio"
    columns = [*PORTFOLIO_COLUMNS, "category_label"]
    sheet.append(columns)
    for row in rows:
        sheet.append(xlsx_row(sheet, [row.get(c) for c in columns]))
    workbook.save(path)
