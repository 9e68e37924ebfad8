"""A cooperative proposes its own data; an analyst accepts (all or some) or rejects
(SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from asocia.db.models.registry import CooperativeChange
from asocia.db.session import Database
from asocia.registry import editing, proposals
from asocia.registry.store import Actor
from tests.conftest import Web
from tests.registry.test_editing import _create, _token

COOP = Actor(None, "coop-la-union")
REVIEWER = Actor(None, "analista")


def test_accept_some_fields_names_proposer_and_reviewer(db: Database) -> None:
    coop_id = _create(db, members_total="20", comuna="Chillán")
    with db.session() as session:
        proposal = proposals.propose(
            session,
            coop_id,
            {"phone": "+56 9 1111 2222", "members_total": "25", "trade_name": "La Unión",
             "comuna": "16101"},
            actor=COOP,
            comment="cambiamos de teléfono",
        )  # fmt: skip
        # The comuna is the stored one: not part of the proposal.
        assert set(proposal.values) == {"phone", "members_total", "trade_name"}
        assert proposal.current["members_total"] == "20"
        proposal_id = proposal.id
    with db.session() as session:
        assert [p["id"] for p in proposals.queue(session)] == [proposal_id]
        result = proposals.decide(
            session, proposal_id, accept=["phone", "members_total"], actor=REVIEWER,
            reason="el nombre de fantasía no corresponde",
        )  # fmt: skip
        assert result is not None
        assert set(result.changed) == {"phone", "members_total"}
    with db.session() as session:
        record = editing.current_record(session, coop_id)
        assert (record["phone"], record["members_total"], record["trade_name"]) == (
            "+56 9 1111 2222", 25, None
        )  # fmt: skip
        entries = session.scalars(
            select(CooperativeChange).where(CooperativeChange.action == "proposal")
        ).all()
        assert {e.field for e in entries} == {"phone", "members_total"}
        assert {(e.username, e.proposed_by) for e in entries} == {("analista", "coop-la-union")}
        assert all(e.comment == f"proposal #{proposal_id}: cambiamos de teléfono" for e in entries)
        assert proposals.of_cooperative(session, coop_id)[0]["status"] == "partial"
        assert proposals.queue(session) == []
        with pytest.raises(proposals.ProposalError):
            proposals.decide(session, proposal_id, accept=["trade_name"], actor=REVIEWER)


def test_invalid_or_unchanged_proposals_are_refused(db: Database) -> None:
    coop_id = _create(db, members_total="20")
    with db.session() as session:
        with pytest.raises(editing.EditError) as error:
            proposals.propose(session, coop_id, {"members_women": "30"}, actor=COOP)
        assert error.value.errors == {"members_women": "members by sex (30) exceed the total (20)"}
        with pytest.raises(editing.EditError):
            proposals.propose(session, coop_id, {"legal_name": "Otra"}, actor=COOP)
        with pytest.raises(editing.EditError):
            proposals.propose(session, coop_id, {"members_total": "20"}, actor=COOP)


def test_rejection_needs_a_reason_and_changes_nothing(db: Database) -> None:
    coop_id = _create(db)
    with db.session() as session:
        proposal_id = proposals.propose(session, coop_id, {"trade_name": "X"}, actor=COOP).id
    with db.session() as session, pytest.raises(proposals.ProposalError):
        proposals.decide(session, proposal_id, accept=[], actor=REVIEWER)
    with db.session() as session:
        assert (
            proposals.decide(session, proposal_id, accept=[], actor=REVIEWER, reason="no") is None
        )
        assert editing.current_record(session, coop_id)["trade_name"] is None
        assert proposals.of_cooperative(session, coop_id)[0]["status"] == "rejected"


def test_api_coop_proposal_accepted_by_analyst(web: Web) -> None:
    coop_id = web.make_cooperative(legal_name="Cooperativa Los Aromos", tax_id="65000012-9")
    other = web.make_cooperative(legal_name="Cooperativa Ajena")
    coop = _token(web, "coop", cooperative_id=coop_id)
    analyst = _token(web, "analyst")
    client = web.client
    denied = client.post(
        f"/api/v1/registry/cooperatives/{other}/proposals",
        json={"values": {"trade_name": "x"}},
        headers=coop,
    )
    assert denied.status_code == 404
    sent = client.post(
        f"/api/v1/registry/cooperatives/{coop_id}/proposals",
        json={"values": {"email": "nueva@aromos.cl", "employees": "4"}},
        headers=coop,
    )
    assert sent.status_code == 201, sent.text
    proposal_id = sent.json()["id"]
    mine = client.get(f"/api/v1/registry/cooperatives/{coop_id}/proposals", headers=coop).json()
    assert [p["status"] for p in mine] == ["pending"]
    assert client.get("/api/v1/registry/proposals", headers=coop).status_code == 403
    decided = client.post(
        f"/api/v1/registry/proposals/{proposal_id}/decision",
        json={"accept": "all"},
        headers=analyst,
    )
    assert decided.status_code == 200, decided.text
    assert decided.json()["status"] == "accepted"
    history = client.get(f"/api/v1/registry/cooperatives/{coop_id}/changes", headers=coop).json()
    entry = next(h for h in history if h["field"] == "employees")
    assert entry["new_value"] == "4"
    assert entry["proposed_by"].startswith("coop-")
    assert entry["username"].startswith("analyst-")
    again = client.post(
        f"/api/v1/registry/proposals/{proposal_id}/decision",
        json={"accept": "all"},
        headers=analyst,
    )
    assert again.status_code == 409


def test_web_propose_page_and_review(web: Web) -> None:
    coop_id = web.make_cooperative(legal_name="Cooperativa Los Aromos", tax_id="65000012-9")
    coop = web.login_as("coop", cooperative_id=coop_id)
    page = coop.get(f"/registry/{coop_id}")
    assert "Actualizar nuestros datos" in page.text
    assert "Nuestros datos están al día" in page.text
    form = coop.get(f"/registry/{coop_id}/propose")
    assert form.status_code == 200
    assert 'name="legal_name"' not in form.text
    bad = coop.post(
        f"/registry/{coop_id}/propose",
        data={"csrf_token": web.csrf(coop), "members_total": "diez"},
    )
    assert bad.status_code == 422
    assert 'data-testid="error-members_total"' in bad.text
    assert "no es un número" in bad.text.lower() or "número" in bad.text
    sent = coop.post(
        f"/registry/{coop_id}/propose",
        data={
            "csrf_token": web.csrf(coop),
            "members_total": "12",
            "phone": "22 333 4444",
            "comuna": "16204",
        },
    )
    assert sent.status_code == 303
    assert "pendiente" in coop.get(f"/registry/{coop_id}/proposals").text
    confirmed = coop.post(f"/registry/{coop_id}/confirm", data={"csrf_token": web.csrf(coop)})
    assert confirmed.status_code == 303
    analyst = web.login_as("analyst")
    queue = analyst.get("/registry/proposals")
    assert queue.status_code == 200
    assert "Cooperativa Los Aromos" in queue.text
    with web.db.session() as session:
        proposal_id = proposals.queue(session)[0]["id"]
        assert editing.current_record(session, coop_id)["last_verified_on"] is not None
    review = analyst.get(f"/registry/proposals/{proposal_id}")
    assert review.status_code == 200
    assert "Ninhue" in review.text  # a comuna by its name, not its code
    decided = analyst.post(
        f"/registry/proposals/{proposal_id}/decide",
        data={"csrf_token": web.csrf(analyst), "decision": "accept", "field": ["phone"]},
    )
    assert decided.status_code == 303
    with web.db.session() as session:
        record = editing.current_record(session, coop_id)
    assert (record["phone"], record["members_total"]) == ("22 333 4444", None)
