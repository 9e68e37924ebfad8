"""Dashboard, downloads, builder and API in-process, on the hand-made registry."""

from __future__ import annotations

import csv
import io
from dataclasses import replace

import pytest

from asocia.db.models import Cooperative
from asocia.web.security import LANGUAGE_COOKIE
from tests.conftest import Web
from tests.stats.conftest import ROWS, UF, add_cooperatives


@pytest.fixture
def site(web: Web) -> Web:
    add_cooperatives(web.db, ROWS)
    # The hand-made registry is priced for a UF of 1,000 pesos.
    web.app.state.settings = replace(web.app.state.settings, uf_clp=UF)
    return web


def test_dashboard_in_spanish_and_english(site: Web) -> None:
    page = site.client.get("/stats")
    assert page.status_code == 200
    html = page.text
    assert "Estadísticas de cooperativas" in html
    assert 'data-testid="kpi-cooperatives"' in html and 'data-testid="region-map"' in html
    assert "/static/vendor/vega/vega-embed.min.js" in html
    assert "cdn" not in html.lower() and "persona1@example.org" not in html
    assert html.count("Descargar los datos (CSV)") >= 15
    client = site.new_client()
    client.cookies.set(LANGUAGE_COOKIE, "en")
    english = client.get("/stats").text
    assert "Statistics of cooperatives" in english and "Download the data (CSV)" in english


def test_anonymous_downloads_are_suppressed_and_analysts_are_not(site: Web) -> None:
    public = site.client.get("/stats/data/cooperatives_by_region.csv")
    assert public.status_code == 200
    assert public.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(public.text)))
    # Regions 1, 2 and 3 have 3 cooperatives each (9 in all): published within D = 2 of the
    # truth, or as "< 3" when the perturbed count falls below k.
    assert [r["region"] for r in rows][-1] == "total"
    for row, truth in zip(rows, [3, 3, 3, 9], strict=True):
        if row["status"] == "below_k":
            assert row["cooperatives"] == ""
        else:
            assert row["status"] == "" and abs(int(row["cooperatives"]) - truth) <= 2
    public_types = site.client.get("/stats/data/cooperatives_by_ilo_type.csv").text
    rows = list(csv.DictReader(io.StringIO(public_types)))
    by_type = {r["ilo_type"]: r for r in rows}
    # worker 1 and multi_stakeholder 1: a single cooperative is always shown as "< 3".
    for label in ("Cooperativa de trabajadores", "Cooperativa multiactor"):
        hidden = by_type[label]
        assert hidden["status"] == "below_k" and hidden["cooperatives"] == ""
    analyst = site.login_as("analyst")
    full = list(
        csv.DictReader(io.StringIO(analyst.get("/stats/data/cooperatives_by_ilo_type.csv").text))
    )
    assert all(r["status"] == "" for r in full)
    assert sorted(int(r["cooperatives"]) for r in full) == [1, 1, 2, 5, 9]


def test_filters_apply_to_page_and_api(site: Web) -> None:
    data = site.client.get("/api/v1/stats/summary", params={"region": "1"}).json()
    assert data["filters"] == {"region": [1]} and data["public"] is True
    assert data["cooperatives"] is None or abs(data["cooperatives"] - 3) <= 2
    assert (
        site.client.get("/stats", params={"region": "1", "ilo_type": "producer"}).status_code == 200
    )
    assert site.client.get("/api/v1/stats/summary", params={"region": "x"}).status_code == 400


def test_api_summary_public_and_full(site: Web) -> None:
    public = site.client.get("/api/v1/stats/summary").json()
    assert public["public"] is True and public["large_share"] is None
    analyst = site.login_as("analyst")
    full = analyst.get("/api/v1/stats/summary").json()
    assert full["public"] is False and full["large_share"] == pytest.approx(0.25)


def test_api_dashboard_and_crosstab(site: Web) -> None:
    board = site.client.get("/api/v1/stats/dashboard").json()
    assert abs(board["headline"]["cooperatives"] - 9) <= 2
    assert set(board["crosstabs"]) == {
        "region_by_legal_class",
        "rural_class_by_size_members",
        "ilo_type_by_size_sales",
    }
    table = site.client.get(
        "/api/v1/stats/crosstab", params={"rows": "region", "columns": "rural_class"}
    ).json()
    assert table["public"] is True and table["counts"][1][0] is None
    assert site.client.get("/api/v1/stats/crosstab", params={"rows": "nope"}).status_code == 400
    indicators = site.client.get("/api/v1/stats/indicators").json()
    assert {"es", "en"} <= set(indicators[0]["label"])


def test_crosstab_builder_is_for_analysts(site: Web) -> None:
    assert site.client.get("/stats/crosstab").status_code in (302, 303, 307)
    analyst = site.login_as("analyst")
    page = analyst.get(
        "/stats/crosstab", params={"rows": "comuna", "columns": "legal_class", "measure": "members"}
    )
    assert page.status_code == 200 and "Constructor de tablas" in page.text
    text = analyst.get("/stats/crosstab.csv", params={"rows": "legal_class"}).text
    assert "Agrícola" in text and "ahorro" not in text.lower().split("agrícola")[0]


def test_statistics_never_read_personal_data(site: Web) -> None:
    # Contacts exist (conftest) but no statistics output carries them.
    with site.db.session() as session:
        assert session.query(Cooperative).count() == 11
    outputs = [
        site.client.get("/stats").text,
        site.client.get("/api/v1/stats/dashboard").text,
        site.client.get("/stats/data/region_by_legal_class.csv").text,
    ]
    assert not any("example.org" in out or "+56 9 1" in out for out in outputs)


def test_diagnosis_aggregates_for_analysts_only(site: Web) -> None:
    assert site.client.get("/api/v1/stats/diagnosis").status_code == 401
    analyst = site.login_as("analyst")
    assert analyst.get("/api/v1/stats/diagnosis").json() == []
    assert 'data-testid="diagnosis-aggregates"' in analyst.get("/stats").text
    assert 'data-testid="diagnosis-aggregates"' not in site.client.get("/stats").text
    unknown = analyst.get("/api/v1/stats/diagnosis", params={"instrument": "nope"})
    assert unknown.status_code == 404


def test_diagnosis_aggregates_count_lights(web: Web) -> None:
    from datetime import date

    from asocia.diagnosis import store
    from asocia.diagnosis.loader import get_instrument
    from asocia.diagnosis.sample import extreme_answers

    quick = get_instrument("diagnostico-rapido")
    ids = add_cooperatives(web.db, ROWS)
    actor = store.Actor(user_id=None, username="test")
    for coop_id, best in ((ids[0], True), (ids[1], True), (ids[3], False)):
        answers = {
            k: sorted(v) if isinstance(v, frozenset) else v
            for k, v in extreme_answers(quick, best=best).items()
        }
        with web.db.session() as session:
            d = store.create_diagnosis(
                session,
                cooperative_id=coop_id,
                instrument=quick,
                diagnosed_on=date(2026, 1, 1),
                diagnostician=None,
                actor=actor,
            )
            store.save_answers(session, d, quick, answers, submit=False)
            d.status = "submitted"
    analyst = web.login_as("analyst")
    rows = analyst.get(
        "/api/v1/stats/diagnosis", params={"instrument": "diagnostico-rapido"}
    ).json()
    governance = [r for r in rows if r["category"] == "gobernanza"]
    # Cooperatives 1 and 2 (region 1, agricola) green; cooperative 4 (region 2) red.
    assert {(r["region_code"], r["green"], r["red"]) for r in governance} == {(1, 2, 0), (2, 0, 1)}
    page = analyst.get("/stats", params={"instrument": "diagnostico-rapido"}).text
    assert 'data-testid="diagnosis-aggregates"' in page and "Gobernanza" in page
    csv_text = analyst.get("/stats/diagnosis.csv", params={"instrument": "diagnostico-rapido"})
    assert csv_text.text.startswith("region_code,legal_class,category")
