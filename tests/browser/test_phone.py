"""Every page fits a 390 px phone, for every role: no sideways scroll of the page itself.

The pages come from the app's routes (tests/web/site_map.py), so a new page is checked as soon
as it exists. Wide tables may scroll inside their own container; the page may not.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from asocia.web.security import SESSION_COOKIE
from tests.conftest import LiveServer
from tests.web.site_map import ROLES, DemoSite

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
SCREENSHOTS = os.environ.get("ASOCIA_SCREENSHOTS")  # a folder to keep phone screenshots in


@pytest.fixture
def site(live_server: LiveServer) -> DemoSite:
    return DemoSite.build(live_server.db, live_server.settings.upload_dir)


def _widths(page: Any) -> tuple[int, int]:
    return page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")  # type: ignore[no-any-return]


@pytest.mark.parametrize(
    ("role", "width"), [*((role, 390) for role in ROLES), ("admin", 360), ("anonymous", 360)]
)
def test_every_page_fits_a_phone(
    live_server: LiveServer, site: DemoSite, browser: Any, role: str, width: int
) -> None:
    viewport = {**PHONE, "width": width}
    context = browser.new_context(viewport=viewport, locale="es-CL", device_scale_factor=1)
    if role != "anonymous":
        context.add_cookies(
            [{"name": SESSION_COOKIE, "value": site.session_cookie(role), "url": live_server.url}]
        )
    page = context.new_page()
    too_wide = []
    pages = site.pages_for(live_server.app, role)
    assert len(pages) >= 15
    for path in pages:
        response = page.goto(live_server.url + path)
        assert response is not None and response.status < 500, (path, response and response.status)
        assert "html" in (response.headers.get("content-type") or ""), path
        scroll, inner = _widths(page)
        if scroll > inner:
            too_wide.append(f"{path} ({page.url}): {scroll} px > {inner} px")
        if SCREENSHOTS:
            name = f"{role}-{width}{path.replace('/', '_') or '_home'}.png"
            page.screenshot(path=str(Path(SCREENSHOTS) / name))
    context.close()
    assert not too_wide, f"pages wider than a {width} px phone:\n" + "\n".join(too_wide)


def test_wide_tables_scroll_inside_with_the_first_column_kept(
    live_server: LiveServer, site: DemoSite, browser: Any
) -> None:
    context = browser.new_context(viewport=PHONE, locale="es-CL")
    context.add_cookies(
        [{"name": SESSION_COOKIE, "value": site.session_cookie("analyst"), "url": live_server.url}]
    )
    page = context.new_page()
    page.goto(live_server.url + "/registry")
    box = page.locator(".table-scroll").first
    widths = box.evaluate("e => [e.scrollWidth, e.clientWidth]")
    assert widths[0] > widths[1]  # the table is wider than the phone: it scrolls in its box
    first = box.locator("tbody tr td, tbody tr th").first
    assert first.evaluate("e => getComputedStyle(e).position") == "sticky"
    before = first.bounding_box()
    box.evaluate("e => e.scrollLeft = 200")
    after = first.bounding_box()
    assert before is not None and after is not None and abs(before["x"] - after["x"]) < 1
    # The navigation collapses behind a menu button that opens it.
    toggle = page.get_by_test_id("nav-toggle")
    assert toggle.is_visible()
    assert not page.get_by_role("link", name="Estadísticas").is_visible()
    toggle.click()
    assert page.get_by_role("link", name="Estadísticas").is_visible()
    context.close()
