"""Test data for programmes: cooperatives and a diagnosis with chosen weak categories."""

from __future__ import annotations

from datetime import date
from typing import Any

from asocia.db import Database
from asocia.db.models import Cooperative
from asocia.db.models.diagnosis import Diagnosis
from asocia.diagnosis.loader import load_instruments
from asocia.diagnosis.sample import extreme_answers
from asocia.diagnosis.store import answers_to_json
from asocia.registry.taxid import rut_check_digit


def rut(body: int) -> str:
    return f"{body}-{rut_check_digit(body)}"


def add_coop(db: Database, body: int, **values: Any) -> int:
    values.setdefault("legal_name", f"Cooperativa {body}")
    values.setdefault("name_key", f"cooperativa {body}")
    with db.session() as session:
        coop = Cooperative(tax_id=rut(body), **values)
        session.add(coop)
        session.flush()
        return coop.id


def add_diagnosis(
    db: Database, cooperative_id: int, weak_prefixes: tuple[str, ...] = ("fin_",)
) -> int:
    """A submitted diagnosis: best answers, worst for questions whose id starts with a prefix."""
    instrument = next(
        i for k, i in load_instruments().items() if k.startswith("diagnostico-cooperativo@")
    )
    best = extreme_answers(instrument, best=True)
    worst = extreme_answers(instrument, best=False)
    answers = {k: (worst.get(k, v) if k.startswith(weak_prefixes) else v) for k, v in best.items()}
    with db.session() as session:
        diagnosis = Diagnosis(
            cooperative_id=cooperative_id,
            instrument_id=instrument.id,
            instrument_version=instrument.version,
            diagnosed_on=date(2024, 5, 1),
            status="submitted",
            answers=answers_to_json(answers),
        )
        session.add(diagnosis)
        session.flush()
        return diagnosis.id
