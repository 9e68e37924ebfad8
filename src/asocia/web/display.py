"""Labels people read instead of internal codes: import fields, regions, classes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from asocia.i18n import N_

#: The label of each field an import can fill (asocia.registry.columns.FIELDS).
FIELD_LABELS: dict[str, str] = {
    "country": N_("Country"),
    "tax_id": N_("RUT"),
    "registry_number": N_("Registry number"),
    "legal_name": N_("Legal name"),
    "trade_name": N_("Trade name"),
    "organisation_type": N_("Organisation type"),
    "legal_class": N_("Class"),
    "ilo_type": N_("ILO type"),
    "isic_section": N_("Sector (ISIC section)"),
    "rubro": N_("Line of business"),
    "sub_rubro": N_("Sub-line of business"),
    "region": N_("Region"),
    "province": N_("Province"),
    "comuna": N_("Comuna"),
    "admin_division": N_("Administrative division"),
    "city": N_("City"),
    "legal_status": N_("Legal status"),
    "activity": N_("Activity"),
    "constituted_on": N_("Constituted"),
    "in_force_on": N_("In force since"),
    "dissolved_on": N_("Dissolved"),
    "cancelled_on": N_("Cancelled"),
    "members_total": N_("Members"),
    "members_women": N_("Women members"),
    "members_men": N_("Men members"),
    "members_legal_persons": N_("Members that are legal persons"),
    "members_founding": N_("Founding members"),
    "employees": N_("Employees"),
    "worker_members": N_("Worker-members"),
    "sales_amount": N_("Annual sales"),
    "sales_currency": N_("Currency of sales"),
    "sales_year": N_("Year of sales"),
    "last_verified_on": N_("Last verified"),
    "email": N_("Email"),
    "phone": N_("Phone"),
    "address": N_("Address"),
    "representative": N_("Legal representative"),
}


def field_choices(fields: list[str], gettext: Callable[[str], str]) -> list[tuple[str, str]]:
    """(code, label) of each import field, in ``fields``' order."""
    return [(f, gettext(FIELD_LABELS[f]) if f in FIELD_LABELS else f) for f in fields]


def region_name(code: Any) -> str:
    """The name of a region from its code (``1`` → Región de Tarapacá); "—" when unknown."""
    from asocia.registry.territory import territory

    if code is None or code == "":
        return "—"
    try:
        return territory().regions[int(code)].name
    except (KeyError, ValueError):
        return str(code)


def class_label(code: str | None, lang: str) -> str:
    """The label of a cooperative class code (``agua_potable`` → De agua potable)."""
    from asocia.registry.vocabulary import vocabulary

    if not code:
        return "—"
    return str(vocabulary("legal_classes").label(code, lang))
