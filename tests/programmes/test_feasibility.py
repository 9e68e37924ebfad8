"""The feasibility self-assessment: questionnaire as data, lights, reading, saving with consent."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from asocia.db import Database
from asocia.db.models.programmes import FeasibilityResult, PreAssociativeGroup
from asocia.programmes import catalogue, feasibility
from tests.conftest import Web


def _all(value: str) -> dict[str, Any]:
    q = feasibility.questionnaire()
    return {question["id"]: value for t in q["topics"] for question in t["questions"]}


def test_the_questionnaire_is_complete_in_both_languages() -> None:
    q = feasibility.questionnaire()
    topics = [t["id"] for t in q["topics"]]
    assert topics == [
        "need",
        "core_group",
        "why_coop",
        "market",
        "production",
        "operations",
        "finance",
        "governance",
        "legal",
        "risks",
    ]
    ids = [question["id"] for t in q["topics"] for question in t["questions"]]
    assert len(ids) == len(set(ids))
    for lang in ("es", "en"):
        local = feasibility.localized(lang)
        assert all(question["label"] for t in local["topics"] for question in t["questions"])
    assert len(q["steps"]) == 9 and all(set(s) == {"es", "en"} for s in q["steps"])
    assert "DAES" in q["steps"][7]["es"] and "SII" in q["steps"][8]["es"]


def test_readings(db: Database) -> None:
    with db.session() as session:
        instruments = catalogue.list_instruments(session)
    ready = feasibility.assess(_all("2") | {"purpose": "agribusiness"}, instruments)
    assert ready["reading"] == "ready" and ready["stage"] == "associative"
    assert {t["light"] for t in ready["topics"]} == {"green"}
    weak = feasibility.assess(
        _all("2") | {"market_buyers": "0", "market_competition": "0"}, instruments
    )
    assert weak["reading"] == "work_on_weak"
    assert next(t for t in weak["topics"] if t["id"] == "market")["light"] == "red"
    shaky = feasibility.assess(
        _all("2") | {"group_trust": "0", "group_time": "0", "group_size": "1"}, instruments, "en"
    )
    assert shaky["reading"] == "pre_associative"
    assert shaky["reading_text"].startswith("Begin as a pre-associative group")
    assert feasibility.assess({}, instruments)["reading"] == "incomplete"
    codes = {
        i["code"]
        for i in feasibility.assess(_all("1") | {"purpose": "extension"}, instruments)[
            "instruments"
        ]
    }
    assert codes == {"inia-gtt", "corfo-red-transferencia-tecnologica-gtt"}


def test_clean_answers_drops_unknown_values() -> None:
    cleaned = feasibility.clean_answers(
        {
            "need_shared": "2",
            "need_benefit": "9",
            "evil": "x",
            "purpose": "weapons",
            "members": "12",
        }
    )
    assert cleaned == {"need_shared": "2", "members": 12}


def test_nothing_is_stored_unless_saved_then_private_link_and_consent(web: Web) -> None:
    client = web.client
    token = web.csrf(client)
    answers = _all("2") | {"purpose": "agribusiness", "members": "14", "csrf_token": token}
    result = client.post("/asociarse", data=answers)
    assert result.status_code == 200 and 'data-reading="ready"' in result.text
    pdf = client.post("/asociarse/pdf", data=answers)
    assert pdf.headers["content-type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    with web.db.session() as session:
        assert session.scalar(select(func.count()).select_from(FeasibilityResult)) == 0
    saved = client.post(
        "/asociarse/save",
        data=answers
        | {
            "group_name": "Productores de Ránquil",
            "comuna": "Ránquil",
            "consent": "yes",
            "contact_person": "María Soto",
            "contact_email": "maria@example.cl",
        },
    )
    assert saved.status_code == 303 and saved.headers["location"].startswith("/asociarse/r/")
    page = web.new_client().get(saved.headers["location"])
    assert page.status_code == 200 and 'data-testid="saved"' in page.text
    assert web.client.get("/asociarse/r/not-a-token").status_code == 404
    with web.db.session() as session:
        group = session.scalars(select(PreAssociativeGroup)).one()
        assert group.members_count == 14 and group.purpose == "agribusiness"
        assert group.region_code == 16 and group.contact_person == "María Soto"
    # Analysts see the pipeline with contacts; field users (no personal data? they have it) too.
    analyst = web.login_as("analyst")
    pipeline = analyst.get("/programmes/groups").text
    assert "María Soto" in pipeline and "Productores de Ránquil" in pipeline
    assert "Red Asociativa" in pipeline  # recommended for the group
    field = web.login_as("field")
    assert "Productores de Ránquil" in field.get("/programmes/groups").text
    assert web.client.get("/programmes/groups").status_code in (303, 401)


def test_without_consent_no_group_is_registered(web: Web) -> None:
    token = web.csrf(web.client)
    saved = web.client.post("/asociarse/save", data={"need_shared": "1", "csrf_token": token})
    assert saved.status_code == 303
    with web.db.session() as session:
        assert session.scalar(select(func.count()).select_from(PreAssociativeGroup)) == 0
        assert session.scalar(select(func.count()).select_from(FeasibilityResult)) == 1


def test_api(web: Web) -> None:
    questionnaire = web.client.get("/api/v1/feasibility?lang=en").json()
    assert questionnaire["title"] == "Should we form a cooperative?"
    token = web.csrf(web.client)
    result = web.client.post(
        "/api/v1/feasibility", json=_all("0") | {"lang": "en"}, headers={"X-CSRF-Token": token}
    )
    assert result.json()["reading"] == "pre_associative"


def test_the_page_in_english(web: Web) -> None:
    from asocia.web.security import LANGUAGE_COOKIE

    client = web.new_client()
    client.cookies.set(LANGUAGE_COOKIE, "en")
    page = client.get("/asociarse")
    assert "Should we form a cooperative?" in page.text
    assert "Shared need and purpose" in page.text
    token = web.csrf(client)
    result = client.post("/asociarse", data=_all("2") | {"csrf_token": token})
    assert "Steps to form a cooperative in Chile" in result.text
    assert "Ready to start the formal steps." in result.text
