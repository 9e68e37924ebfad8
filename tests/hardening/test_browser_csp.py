"""Under the Content-Security-Policy the pages still work in a real browser, and nothing
inline runs (no CSP violation is reported)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import LiveServer
from tests.stats.conftest import ROWS, add_cooperatives

pytestmark = pytest.mark.browser


def _watch(page: Any) -> list[str]:
    problems: list[str] = []
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    page.on(
        "console",
        lambda msg: (
            problems.append(msg.text)
            if "Content Security Policy" in msg.text or "Content-Security-Policy" in msg.text
            else None
        ),
    )
    return problems


def test_dashboard_charts_draw_under_the_policy(live_server: LiveServer, page: Any) -> None:
    add_cooperatives(live_server.db, ROWS)
    problems = _watch(page)
    response = page.goto(live_server.url + "/stats")
    assert "unsafe-inline" not in response.headers["content-security-policy"].split("style-src")[0]
    chart = page.get_by_test_id("chart-cooperatives_by_ilo_type")
    chart.locator("svg").first.wait_for(state="attached", timeout=15_000)
    assert chart.get_attribute("data-rendered") == "1"
    page.get_by_test_id("chart-lorenz").locator("svg").first.wait_for(
        state="attached", timeout=15_000
    )
    assert not problems, problems


def test_api_docs_render_under_the_policy(live_server: LiveServer, page: Any) -> None:
    problems = _watch(page)
    page.goto(live_server.url + "/api/v1/docs")
    page.locator(".swagger-ui .info").first.wait_for(state="attached", timeout=15_000)
    assert not problems, problems


def test_an_injected_inline_script_does_not_run(live_server: LiveServer, page: Any) -> None:
    """A stored name that reached a page unescaped would still not run (defence in depth)."""
    problems = _watch(page)
    page.goto(live_server.url + "/login")
    page.evaluate(
        "() => { const s = document.createElement('script');"
        " s.textContent = 'window.__ran = true'; document.body.appendChild(s); }"
    )
    assert page.evaluate("() => window.__ran === true") is False
    assert any("Content Security Policy" in p for p in problems), problems
