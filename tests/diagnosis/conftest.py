"""Fixtures for diagnosis tests that need stored cooperatives."""

from __future__ import annotations

from typing import Any

from asocia.db import Database
from asocia.db.models import Cooperative
from asocia.registry.taxid import rut_check_digit


def rut(body: int) -> str:
    """A valid RUT in canonical form for ``body``."""
    return f"{body}-{rut_check_digit(body)}"


def add_cooperatives(db: Database, n: int, **values: Any) -> list[tuple[int, str]]:
    """``n`` cooperatives (id, RUT) with the given region/class/size values."""
    out = []
    offset = values.pop("offset", 0)
    with db.session() as session:
        for i in range(offset, offset + n):
            tax_id = rut(76_100_000 + i)
            coop = Cooperative(
                legal_name=f"Cooperativa {tax_id}",
                name_key=f"cooperativa {i}",
                tax_id=tax_id,
                registry_number=str(1000 + i),
                **values,
            )
            session.add(coop)
            session.flush()
            out.append((coop.id, tax_id))
    return out
