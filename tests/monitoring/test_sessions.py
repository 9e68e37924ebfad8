"""Sessions, agreements and the carry-over of open agreements."""

from __future__ import annotations

from datetime import date

from asocia.db import Database
from asocia.monitoring import sessions


def test_the_session_of_30_june_2020_ships_with_its_two_agreements_done(db: Database) -> None:
    with db.session() as session:
        rows = sessions.list_sessions(session)
        shipped = sessions.session_dict(sessions.get_session(session, rows[0]["id"]))
    assert shipped["held_on"] == date(2020, 6, 30)
    assert shipped["agenda"][0] == "Acuerdos sesión anterior"
    assert [(a["responsible"], a["status"]) for a in shipped["agreements"]] == [
        ("MINAGRI", "realizado"),
        (None, "realizado"),
    ]
    assert shipped["agreements"][1]["text"].startswith("Institucionalizar vía decreto")
    assert all(a["provenance"].startswith("seed 003") for a in shipped["agreements"])


def test_open_agreements_carry_over_into_the_next_agenda(db: Database) -> None:
    with db.session() as session:
        first = sessions.create_session(
            session, body="council", held_on=date(2021, 3, 1), title="Sesión marzo"
        )
        a1 = sessions.add_agreement(session, first.id, "Enviar borrador", responsible="ODEPA")
        a2 = sessions.add_agreement(session, first.id, "Convocar comités", status="en_curso")
        sessions.add_agreement(session, first.id, "Publicar acta", status="realizado")
        sessions.add_agreement(session, first.id, "Idea descartada", status="descartado")
        committee = sessions.create_session(
            session, body="fomento", held_on=date(2021, 4, 1), title="Comité"
        )
        sessions.add_agreement(session, committee.id, "Otro cuerpo")
        second = sessions.create_session(
            session, body="council", held_on=date(2021, 6, 1), title="Sesión junio",
            agenda=["Plan Bienal"],
        )  # fmt: skip
        agenda = sessions.agenda(session, second.id)
        sessions.set_agreement_status(session, a1.id, "realizado")
        later = sessions.agenda(session, second.id)
        previous = sessions.previous_session(session, second)
    first_item = agenda["items"][0]
    assert first_item["title"] == "Acuerdos sesión anterior"
    assert [(a["text"], a["responsible"], a["status"]) for a in first_item["agreements"]] == [
        ("Enviar borrador", "ODEPA", "pendiente"),
        ("Convocar comités", None, "en_curso"),
    ]
    assert [i["title"] for i in agenda["items"][1:]] == ["Plan Bienal"]
    assert [a["id"] for a in later["items"][0]["agreements"]] == [a2.id]
    assert previous is not None and previous.id == first.id
