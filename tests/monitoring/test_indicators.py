"""Achievement, status, aggregation, computed indicators, value workflow, series."""

from __future__ import annotations

import csv
from datetime import date

import pytest

from asocia.db import Database
from asocia.db.models import Cooperative
from asocia.i18n import error_text
from asocia.monitoring import indicators as ind
from asocia.monitoring.periods import parse_period
from asocia.monitoring.strategy import MonitoringError


@pytest.mark.parametrize(
    ("actual", "target", "baseline", "direction", "expected"),
    [
        (150, 200, 100, "up", 0.5),  # half-way from baseline to target
        (200, 200, 100, "up", 1.0),
        (90, 200, 100, "up", -0.1),  # went backwards
        (150, 200, None, "up", 0.75),  # no baseline: actual / target
        (15, 10, 20, "down", 0.5),  # down: from 20 towards 10, at 15
        (25, 10, 20, "down", -0.5),  # down and got worse
        (20, 10, None, "down", 0.5),  # no baseline, down: target / actual
        (8, 10, None, "down", 1.25),
    ],
)
def test_achievement_up_and_down_with_and_without_baseline(
    actual: float, target: float, baseline: float | None, direction: str, expected: float
) -> None:
    assert ind.achievement(actual, target, baseline, direction) == pytest.approx(expected)


def test_status_thresholds_are_data() -> None:
    assert ind.classify(0.86, 1.0) == "on_track"
    assert ind.classify(0.84, 1.0) == "at_risk"
    assert ind.classify(0.69, 1.0) == "off_track"
    assert ind.classify(0.84, 1.0, {"on_track": 0.2}) == "on_track"
    assert ind.classify(0.43, 0.5) == "on_track"  # half-way through the path
    assert ind.classify(0.42, 0.5) == "at_risk"
    assert ind.classify(None, 1.0) == "not_reported"


def test_percentages_aggregate_from_numerators_and_denominators() -> None:
    rows = [
        {"value": 0.5, "numerator": 1, "denominator": 2},
        {"value": 0.1, "numerator": 10, "denominator": 100},
    ]
    combined = ind.aggregate("percent", "sum", rows)
    assert combined["value"] == pytest.approx(11 / 102)  # not (0.5 + 0.1) / 2
    assert ind.aggregate("number", "average", rows)["value"] == pytest.approx(0.3)
    assert ind.aggregate("number", "sum", rows)["value"] == pytest.approx(0.6)


def test_periods() -> None:
    assert parse_period("2021").end == 2022
    assert parse_period("2021s2").start == 2021.5
    assert parse_period("2021Q4").end == 2022
    assert parse_period("2022-2023").end == 2024
    with pytest.raises(ValueError, match="two consecutive years"):
        parse_period("2022-2024")
    with pytest.raises(ValueError, match="is not a period"):
        parse_period("año 2021")


def _approve(session: object, row: ind.IndicatorValue) -> None:
    ind.transition(session, row.id, "submit", "ana")  # type: ignore[arg-type]
    ind.transition(session, row.id, "approve", "jefe")  # type: ignore[arg-type]


def test_status_moves_with_approved_actuals_and_not_reported_is_its_own(db: Database) -> None:
    with db.session() as session:
        code = "PAE_GRUPOS"
        for kind, period, value in [("baseline", "2017", 141), ("target", "2021", 241)]:
            _approve(session, ind.enter_value(session, code, period, kind, value=value))
        indicator = ind.get_indicator(session, code)
        # 2019 has an approved seed actual (188): (188-141)/(241-141)=0.47, path 2/4 = 0.5
        s2019 = ind.indicator_status(session, indicator, "2019")
        assert s2019["achievement"] == pytest.approx(0.47)
        assert s2019["expected"] == pytest.approx(0.5)
        assert s2019["status"] == "on_track"
        # 2022: nothing reported yet
        assert ind.indicator_status(session, indicator, "2022")["status"] == "not_reported"
        draft = ind.enter_value(session, code, "2022", "actual", value=150, user="ana")
        assert ind.indicator_status(session, indicator, "2022")["status"] == "not_reported"
        _approve(session, draft)
        # past the target period: expected 1.0; (150-141)/100 = 0.09
        assert ind.indicator_status(session, indicator, "2022")["status"] == "off_track"
        returned = ind.transition(session, draft.id, "return", "jefe", "revisar fuente")
        assert returned.status == "returned"
        assert ind.indicator_status(session, indicator, "2022")["status"] == "not_reported"


def test_a_down_indicator_on_track(db: Database) -> None:
    with db.session() as session:
        ind.get_indicator(session, "PAE_GRUPOS").direction = "down"
        _approve(session, ind.enter_value(session, "PAE_GRUPOS", "2021", "target", value=100))
        _approve(session, ind.enter_value(session, "PAE_GRUPOS", "2017", "baseline", value=300))
        status = ind.indicator_status(session, ind.get_indicator(session, "PAE_GRUPOS"), "2021")
    # from 300 towards 100, at 220: 80 / 200 = 0.4 of the way, all of it due -> off track
    assert status["achievement"] == pytest.approx(0.4)
    assert status["status"] == "off_track"


def test_locked_period_refuses_changes(db: Database) -> None:
    with db.session() as session:
        row = ind.enter_value(session, "PAE_GRUPOS", "2023", "actual", value=5)
        ind.lock_period(session, "2023", "admin")
        with pytest.raises(MonitoringError, match="period: 2023 is locked"):
            ind.enter_value(session, "PAE_GRUPOS", "2023", "actual", value=6)
        with pytest.raises(MonitoringError, match="locked"):
            ind.transition(session, row.id, "submit", "ana")
        ind.unlock_period(session, "2023")
        assert ind.transition(session, row.id, "submit", "ana").status == "submitted"
        with pytest.raises(MonitoringError, match="is submitted: cannot submit"):
            ind.transition(session, row.id, "submit", "ana")


def test_regional_values_aggregate_to_the_country(db: Database) -> None:
    with db.session() as session:
        for region, num, den in [("region:13", 30, 100), ("region:7", 1, 2)]:
            _approve(session, ind.enter_value(
                session, "COOP_MUJERES_SOCIAS", "2020", "actual",
                numerator=num, denominator=den, territory=region,
            ))  # fmt: skip
        indicator = ind.get_indicator(session, "COOP_MUJERES_SOCIAS")
        status = ind.indicator_status(session, indicator, "2020")
    assert status["actual"] == pytest.approx(31 / 102)
    assert (status["numerator"], status["denominator"]) == (31, 102)


def test_computed_indicators_follow_the_registry(db: Database) -> None:
    year = str(date.today().year)
    with db.session() as session:
        before = ind.indicator_status(session, ind.get_indicator(session, "COOP_VIGENTES"), year)
        for n, (status, region, women, men) in enumerate(
            [("vigente", 13, 30, 70), ("vigente", 7, 10, 10), ("disuelta", 13, 50, 0)]
        ):
            session.add(Cooperative(
                legal_name=f"Coop {n}", name_key=f"coop {n}", legal_status=status,
                region_code=region, members_women=women, members_men=men,
            ))  # fmt: skip
        session.flush()
        after = ind.indicator_status(session, ind.get_indicator(session, "COOP_VIGENTES"), year)
        women = ind.indicator_status(
            session, ind.get_indicator(session, "COOP_MUJERES_SOCIAS"), year
        )
        by_region = ind.computed.evaluate(
            session, ind.get_indicator(session, "COOP_VIGENTES").computed or {}
        )
    assert before["actual"] == 0
    assert after["actual"] == 2
    assert women["actual"] == pytest.approx(40 / 120)
    assert by_region["region:13"]["value"] == 1 and by_region["region:7"]["value"] == 1


def test_programme_series_growth_from_seed_003(db: Database) -> None:
    with db.session() as session:
        budget = ind.series_summary(session, "PAE_PRESUPUESTO")
        groups = ind.series_summary(session, "PAE_GRUPOS")
        irrigation = ind.series_summary(session, "OUA_RIEGO_PRESUPUESTO")
        for period, value in [("2017", 100.0), ("2021", 120.0)]:
            ind.set_deflator(session, "IPC", period, value)
        with pytest.raises(MonitoringError, match="lacks a period"):
            ind.series_summary(session, "PAE_PRESUPUESTO", deflator="IPC")
        for period, value in [("2018", 105.0), ("2019", 108.0), ("2020", 111.0)]:
            ind.set_deflator(session, "IPC", period, value)
        real = ind.series_summary(session, "PAE_PRESUPUESTO", deflator="IPC")["real"]
    assert round(budget["growth"] * 100) == 80
    assert round(groups["growth"] * 100) == 56
    assert round(irrigation["growth"] * 100) == 58
    assert budget["cagr"] == pytest.approx((1980 / 1097) ** 0.25 - 1)
    # In 2021 prices: 1097 * 120/100 = 1316.4 -> 1980 / 1316.4 - 1
    assert real["growth"] == pytest.approx(1980 / 1316.4 - 1)


def test_import_is_all_or_nothing_and_names_line_column_value(db: Database) -> None:
    good = "indicator,period,kind,value\nPAE_GRUPOS,2022,target,250\nPAE_GRUPOS,2023,target,260\n"
    bad = "indicator;period;kind;value\nPAE_GRUPOS;2022;target;250\nPAE_GRUPOS;2023;target;mucho\n"
    with db.session() as session:
        failed = ind.import_values(session, bad, "ana")
        assert failed["written"] == 0
        assert failed["errors"] == [{"line": 3, "column": "value", "value": "mucho",
                                     "reason": "value: 'mucho' is not a number"}]  # fmt: skip
        assert [v for v in ind.list_values(session, "PAE_GRUPOS") if v["kind"] == "target"] == []
        done = ind.import_values(session, good, "ana")
        assert done == {"written": 2, "errors": []}
        targets = [v for v in ind.list_values(session, "PAE_GRUPOS") if v["kind"] == "target"]
    assert [(v["period"], v["value"], v["status"]) for v in targets] == [
        ("2022", 250, "draft"),
        ("2023", 260, "draft"),
    ]


def test_share_verified_in_12_months_follows_the_registry(db: Database) -> None:
    from datetime import timedelta

    year = str(date.today().year)
    recent, old = date.today() - timedelta(days=30), date.today() - timedelta(days=400)
    with db.session() as session:
        for n, verified in enumerate([recent, old, None, recent]):
            session.add(Cooperative(
                legal_name=f"Coop {n}", name_key=f"coop {n}", legal_status="vigente",
                region_code=13, last_verified_on=verified,
            ))  # fmt: skip
        session.flush()
        status = ind.indicator_status(
            session, ind.get_indicator(session, "COOP_VERIFICADAS_12M"), year
        )
    assert (status["numerator"], status["denominator"]) == (2, 4)
    assert status["actual"] == pytest.approx(0.5)


def test_import_reads_any_line_ending_and_refuses_a_broken_csv_by_line(db: Database) -> None:
    # Old Mac line ends (\r), Windows (\r\n) and a quoted comment spanning two lines.
    mac = "indicator,period,kind,value\rPAE_GRUPOS,2022,target,250\r"
    windows = (
        'indicator,period,kind,value,comment\r\nPAE_GRUPOS,2023,target,260,"dos\r\nlíneas"\r\n'
    )
    # A stray quote swallows the rest of a long file into one field, past the csv module's limit.
    rows = "".join(f"PAE_GRUPOS,{2030 + i},target,{i}\n" for i in range(8000))
    broken = f'indicator,period,kind,value\nPAE_GRUPOS,2024,target,"270\n{rows}'
    with db.session() as session:
        assert ind.import_values(session, mac, "ana") == {"written": 1, "errors": []}
        assert ind.import_values(session, windows, "ana") == {"written": 1, "errors": []}
        # The csv module's default limit (another module may have lifted it for this process).
        limit = csv.field_size_limit(131_072)
        try:
            with pytest.raises(MonitoringError, match=r"line \d+: not a readable CSV") as caught:
                ind.import_values(session, broken, "ana")
        finally:
            csv.field_size_limit(limit)
        assert "línea" in error_text(caught.value, "es")
        values = [v for v in ind.list_values(session, "PAE_GRUPOS") if v["kind"] == "target"]
    assert [(v["period"], v["value"]) for v in values] == [("2022", 250), ("2023", 260)]
