"""A visitor opens the dashboard in a real browser, sees the charts and downloads a chart's
data."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import LiveServer
from tests.stats.conftest import ROWS, add_cooperatives

pytestmark = pytest.mark.browser


def test_open_dashboard_and_download_a_chart(live_server: LiveServer, page: Any) -> None:
    add_cooperatives(live_server.db, ROWS)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(live_server.url + "/stats")
    assert page.get_by_role("heading", level=1).inner_text() == "Estadísticas de cooperativas"
    # Public figures are perturbed (cell key method): within D = 2 of the true 9.
    shown = page.get_by_test_id("kpi-cooperatives").locator(".value").inner_text()
    assert abs(int(shown) - 9) <= 2
    # vega-embed (served from /static/vendor) draws the chart as SVG.
    chart = page.get_by_test_id("chart-cooperatives_by_ilo_type")
    chart.locator("svg").first.wait_for(state="attached", timeout=15_000)
    assert chart.get_attribute("data-rendered") == "1"
    assert not errors, errors

    with page.expect_download() as info:
        page.get_by_test_id("download-cooperatives_by_ilo_type").click()
    download = info.value
    assert download.suggested_filename == "cooperatives_by_ilo_type.csv"
    text = Path(download.path()).read_text(encoding="utf-8")
    rows = list(csv.DictReader(io.StringIO(text)))
    by_type = {r["ilo_type"]: r for r in rows}
    assert abs(int(by_type["Cooperativa de productores"]["cooperatives"]) - 5) <= 2
    # Anonymous visitor: the worker cooperative (1 < k) is shown as "< 3".
    assert by_type["Cooperativa de trabajadores"]["status"] == "below_k"
    assert by_type["Cooperativa de trabajadores"]["cooperatives"] == ""


def test_filters_in_the_browser(live_server: LiveServer, page: Any) -> None:
    add_cooperatives(live_server.db, ROWS)
    page.goto(live_server.url + "/stats")
    page.get_by_test_id("filter-region").select_option("3")
    page.get_by_test_id("apply-filters").click()
    page.wait_for_url("**/stats?*region=3*")
    shown = page.get_by_test_id("kpi-cooperatives").locator(".value").inner_text()
    assert shown == "< 3" or abs(int(shown) - 3) <= 2
    href: Any = page.get_by_test_id("download-cooperatives_by_region").get_attribute("href")
    assert "region=3" in href


def test_analyst_builds_a_crosstab_and_downloads_it(live_server: LiveServer, page: Any) -> None:
    from tests.conftest import TEST_PASSWORD

    add_cooperatives(live_server.db, ROWS)
    username = live_server.web.create_user("analyst", username="analista")
    page.goto(live_server.url + "/login")
    page.get_by_label("Usuario").fill(username)
    page.get_by_label("Contraseña").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Iniciar sesión").click()
    page.wait_for_url(live_server.url + "/")
    page.goto(live_server.url + "/stats")
    page.get_by_test_id("crosstab-builder").click()
    page.get_by_label("Filas").select_option("legal_class")
    page.get_by_label("Columnas").select_option("rural_class")
    page.get_by_label("Medida").select_option("members")
    page.get_by_role("button", name="Construir").click()
    page.wait_for_url("**/stats/crosstab?*rows=legal_class*")
    table = page.get_by_test_id("table-crosstab")
    assert "Agrícola" in table.inner_text()
    with page.expect_download() as info:
        page.get_by_test_id("download-crosstab").click()
    text = Path(info.value.path()).read_text(encoding="utf-8")
    rows = list(csv.DictReader(io.StringIO(text)))
    agricola_rural = next(
        r for r in rows if r["legal_class"] == "Agrícola" and r["rural_class"] == "Rural"
    )
    # Cooperatives 1, 2 and 4 (10 + 15 + 8 members); analysts see every cell.
    assert agricola_rural["members"] == "33" and agricola_rural["status"] == ""
