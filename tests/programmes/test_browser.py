"""A group answers the public self-assessment on a phone, from the first question to the PDF."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from asocia.programmes import feasibility
from tests.conftest import LiveServer

pytestmark = pytest.mark.browser


def _fits(page: Any) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"))


def test_self_assessment_from_first_question_to_pdf(live_server: LiveServer, page: Any) -> None:
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(live_server.url + "/")
    page.get_by_test_id("nav-toggle").click()  # on a phone the menu is behind its button
    page.get_by_role("link", name="Programas").first.click()
    page.wait_for_url("**/programmes")
    assert _fits(page)
    page.get_by_role("link", name="¿Piensan formar una cooperativa?").click()
    page.wait_for_url("**/asociarse")
    assert _fits(page)
    page.get_by_test_id("purpose").select_option("agribusiness")
    page.get_by_label("¿Cuántas personas forman el grupo?").fill("12")
    questions = [q["id"] for t in feasibility.questionnaire()["topics"] for q in t["questions"]]
    for question in questions:
        weak = question.startswith("market_")
        page.get_by_test_id(f"{question}-{'0' if weak else '2'}").check()
    page.get_by_test_id("see-result").click()
    page.wait_for_url("**/asociarse")
    assert page.get_by_test_id("reading").get_attribute("data-reading") == "work_on_weak"
    assert page.locator('[data-topic="market"]').get_attribute("data-light") == "red"
    assert page.locator('[data-topic="finance"]').get_attribute("data-light") == "green"
    assert page.get_by_test_id("steps").locator("li").count() == 9
    assert page.get_by_test_id("matching").locator("li").count() > 3
    assert _fits(page)
    with page.expect_download() as info:
        page.get_by_test_id("pdf").click()
    download = info.value
    assert download.suggested_filename == "asociarse.pdf"
    content = Path(download.path()).read_bytes()
    assert content.startswith(b"%PDF") and len(content) > 1500
    # Save with a private link.
    page.get_by_label("Nombre del grupo").fill("Hortaliceros de Pumanque")
    page.get_by_test_id("save").click()
    page.wait_for_url("**/asociarse/r/*")
    assert page.get_by_test_id("saved").is_visible()


@pytest.mark.parametrize(
    "path", ["/programmes/indap-pae", "/programmes/matrix", "/programmes/coverage"]
)
def test_programme_pages_fit_a_phone(live_server: LiveServer, page: Any, path: str) -> None:
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(live_server.url + path)
    assert _fits(page), path
