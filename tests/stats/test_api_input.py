"""Malformed statistics requests get a clear 4xx, never a 500 (SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import Web
from tests.stats.conftest import ROWS, add_cooperatives

ROUTES = (
    "/api/v1/stats/summary",
    "/api/v1/stats/dashboard",
    "/api/v1/stats/crosstab?rows=region",
    "/stats",
    "/stats/data/cooperatives_by_region.csv",
)


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize("value", ["99999999999", "1e20", "-99999999999", "2147483648", "x"])
def test_out_of_range_or_malformed_integers_are_400(web: Web, route: str, value: str) -> None:
    separator = "&" if "?" in route else "?"
    response = web.client.get(f"{route}{separator}region={value}")
    assert response.status_code == 400, response.text
    assert "invalid filter" in response.text


def test_largest_valid_code_is_answered(web: Web) -> None:
    response = web.client.get("/api/v1/stats/summary", params={"region": str(2**31 - 1)})
    assert response.status_code == 200
    assert response.json()["cooperatives"] is None  # nothing there: shown as "< k"


values = st.one_of(
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
    st.text(max_size=12),
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.sampled_from(["region", "rural_class", "legal_class", "ilo_type"]),
    values,
    st.sampled_from(ROUTES[:3]),
)
def test_no_filter_value_reaches_a_500(web: Web, name: str, value: str, route: str) -> None:
    separator = "&" if "?" in route else "?"
    response = web.client.get(f"{route}{separator}", params={name: value})
    assert response.status_code < 500, (name, value, response.text)


def test_public_dashboard_explains_the_method(web: Web) -> None:
    add_cooperatives(web.db, ROWS)
    page = web.client.get("/stats").text
    assert "método de la llave de celda" in page and "&lt; 3" in page
