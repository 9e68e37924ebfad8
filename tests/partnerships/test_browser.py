"""The partnership pages fit a 390 px phone; the map links to a country's projects."""

from __future__ import annotations

from typing import Any

import pytest

from asocia.partnerships import store
from tests.conftest import LiveServer

pytestmark = pytest.mark.browser


def test_pages_fit_a_phone_and_the_map_filters(live_server: LiveServer, page: Any) -> None:
    with live_server.db.session() as session:
        project_id = store.list_projects(session)[0]["id"]
    page.set_viewport_size({"width": 390, "height": 800})
    for path in ["/partnerships", f"/partnerships/projects/{project_id}"]:
        page.goto(live_server.url + path)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"{path} is {width} px wide"
    page.goto(live_server.url + "/partnerships")
    assert page.locator('[data-testid="map"] rect.s4').count() == 1  # Bolivia, 2 projects
    page.locator('[data-testid="map"] a[href="/partnerships?country=HN"]').click()
    page.wait_for_url("**country=HN")
    rows = page.get_by_test_id("projects").locator("tbody tr")
    assert rows.count() == 1 and "Forestry" in rows.first.inner_text()
