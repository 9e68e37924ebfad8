"""A small hand-made registry whose statistics are worked out by hand in the tests.

UF = 1,000 pesos here, so that Ley 20.416 classes are: micro ≤ 2.4 M, small ≤ 25 M,
medium ≤ 100 M, large above. Amounts below are in millions of pesos.

  #  region rural  class          ILO type          members (w/m)   emp w-m  sales M const. status
  1  1      rural  agricola       producer          10 (4/6)        1   0    1       2000
  2  1      rural  agricola       producer          15 (5/10)       2   0    2       2010
  3  1      rural  campesina      producer          30 (10/20)      3   0    10      2015
  4  2      rural  agricola       producer          8 (2/6)         0   0    0       2020
  5  2      mixta  trabajo        worker            12 (6/6)        0   12   3       2021
  6  2      urbana consumo        consumer_user     300 (150/150)   20  0    500     1990
  7  3      urbana ahorro_credito consumer_user     1000 (600/400)  50  0    200     1980
  8  3      urbana servicios      multi_stakeholder 60 (20/40)      5   0    50      2005
  9  3      rural  agricola       producer          —               —   —    —       2023
  10 1      rural  agricola       producer          25 (10/15)      1   0    4       1995 dissolved
  11 1      rural  agricola       producer          40 (20/20)      1   0    9       1999 merged

Cooperative 10 was dissolved in 2022, 11 merged into 1; 1–9 are in force and active.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest

from asocia.db import Database
from asocia.db.models import Cooperative, CooperativeContact

UF = 1000.0
AS_OF = date(2026, 6, 30)
M = 1_000_000.0

ROWS: list[dict[str, Any]] = [
    dict(
        region_code=1,
        rural_class="rural",
        legal_class="agricola",
        ilo_type="producer",
        members_total=10,
        members_women=4,
        members_men=6,
        employees=1,
        worker_members=0,
        sales_amount=1 * M,
        constituted_on=date(2000, 5, 1),
    ),
    dict(
        region_code=1,
        rural_class="rural",
        legal_class="agricola",
        ilo_type="producer",
        members_total=15,
        members_women=5,
        members_men=10,
        employees=2,
        worker_members=0,
        sales_amount=2 * M,
        constituted_on=date(2010, 1, 1),
    ),
    dict(
        region_code=1,
        rural_class="rural",
        legal_class="campesina",
        ilo_type="producer",
        members_total=30,
        members_women=10,
        members_men=20,
        employees=3,
        worker_members=0,
        sales_amount=10 * M,
        constituted_on=date(2015, 3, 3),
    ),
    dict(
        region_code=2,
        rural_class="rural",
        legal_class="agricola",
        ilo_type="producer",
        members_total=8,
        members_women=2,
        members_men=6,
        employees=0,
        worker_members=0,
        sales_amount=0.0,
        constituted_on=date(2020, 7, 7),
    ),
    dict(
        region_code=2,
        rural_class="mixta",
        legal_class="trabajo",
        ilo_type="worker",
        members_total=12,
        members_women=6,
        members_men=6,
        employees=0,
        worker_members=12,
        sales_amount=3 * M,
        constituted_on=date(2021, 1, 1),
    ),
    dict(
        region_code=2,
        rural_class="urbana",
        legal_class="consumo",
        ilo_type="consumer_user",
        members_total=300,
        members_women=150,
        members_men=150,
        employees=20,
        worker_members=0,
        sales_amount=500 * M,
        constituted_on=date(1990, 1, 1),
    ),
    dict(
        region_code=3,
        rural_class="urbana",
        legal_class="ahorro_credito",
        ilo_type="consumer_user",
        members_total=1000,
        members_women=600,
        members_men=400,
        employees=50,
        worker_members=0,
        sales_amount=200 * M,
        constituted_on=date(1980, 1, 1),
    ),
    dict(
        region_code=3,
        rural_class="urbana",
        legal_class="servicios",
        ilo_type="multi_stakeholder",
        members_total=60,
        members_women=20,
        members_men=40,
        employees=5,
        worker_members=0,
        sales_amount=50 * M,
        constituted_on=date(2005, 1, 1),
    ),
    dict(
        region_code=3,
        rural_class="rural",
        legal_class="agricola",
        ilo_type="producer",
        constituted_on=date(2023, 1, 1),
    ),
    dict(
        region_code=1,
        rural_class="rural",
        legal_class="agricola",
        ilo_type="producer",
        members_total=25,
        members_women=10,
        members_men=15,
        employees=1,
        worker_members=0,
        sales_amount=4 * M,
        constituted_on=date(1995, 1, 1),
        legal_status="disuelta",
        activity="inactiva",
        dissolved_on=date(2022, 4, 4),
    ),
    dict(
        region_code=1,
        rural_class="rural",
        legal_class="agricola",
        ilo_type="producer",
        members_total=40,
        members_women=20,
        members_men=20,
        employees=1,
        worker_members=0,
        sales_amount=9 * M,
        constituted_on=date(1999, 1, 1),
        merged_into=1,
    ),
]


def add_cooperatives(db: Database, rows: list[dict[str, Any]]) -> list[int]:
    """Insert cooperatives (in force and active unless the row says otherwise)."""
    ids: list[int] = []
    with db.session() as session:
        objects = []
        for n, raw in enumerate(rows, start=1):
            row = dict(raw)
            merged_into = row.pop("merged_into", None)
            # Fixed record keys, so that public (perturbed) figures are the same at every run.
            row.setdefault("cell_key", random.Random(n).randrange(2**31))
            coop = Cooperative(
                legal_name=f"Cooperativa {n}",
                name_key=f"cooperativa {n}",
                legal_status=row.pop("legal_status", "vigente"),
                activity=row.pop("activity", "activa"),
                sales_currency="CLP" if row.get("sales_amount") is not None else None,
                **row,
            )
            # Personal data that statistics must never read.
            coop.contact = CooperativeContact(email=f"persona{n}@example.org", phone="+56 9 1")
            objects.append((coop, merged_into))
            session.add(coop)
        session.flush()
        for coop, merged_into in objects:
            if merged_into is not None:
                coop.merged_into_id = objects[merged_into - 1][0].id
            ids.append(coop.id)
    return ids


@pytest.fixture
def registry(db: Database) -> Iterator[Database]:
    """The hand-made registry above, on SQLite and PostgreSQL."""
    add_cooperatives(db, ROWS)
    yield db
