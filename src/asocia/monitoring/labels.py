"""Labels of the monitoring vocabularies (English message ids, translated where shown)."""

from __future__ import annotations

from asocia import i18n
from asocia.i18n import N_

DOMAIN = "monitoring"

STATUS_LABELS = {
    # plan actions and agreements (keys are the Spanish terms of the secretariat)
    "pendiente": N_("Pending"),
    "en_curso": N_("In progress"),
    "realizado": N_("Done"),
    "atrasado": N_("Late"),
    "cancelado": N_("Cancelled"),
    "descartado": N_("Discarded"),
    # indicator status
    "on_track": N_("On track"),
    "at_risk": N_("At risk"),
    "off_track": N_("Off track"),
    "not_reported": N_("Not reported"),
    "no_target": N_("No target"),
    # value workflow
    "draft": N_("Draft"),
    "submitted": N_("Submitted"),
    "approved": N_("Approved"),
    "returned": N_("Returned"),
    # kinds
    "baseline": N_("Baseline"),
    "target": N_("Target"),
    "actual": N_("Actual"),
    # session bodies (a committee's code is shown as it is)
    "council": N_("Advisory Council"),
}

TEXT = {
    "briefing": N_("Session briefing"),
    "previous": N_("Agreements of the previous session"),
    "carried": N_("Open agreements carried over"),
    "agreement": N_("Agreement"),
    "responsible": N_("Responsible"),
    "status": N_("Status"),
    "by_objective": N_("Plan progress by strategic objective"),
    "by_committee": N_("Plan progress by committee"),
    "actions": N_("Actions"),
    "done": N_("Done"),
    "late": N_("Late"),
    "progress": N_("Progress"),
    "indicators": N_("Indicator panel"),
    "indicator": N_("Indicator"),
    "period": N_("Period"),
    "baseline": N_("Baseline"),
    "target": N_("Target"),
    "actual": N_("Actual"),
    "achievement": N_("Achievement"),
    "none": N_("None"),
    "agenda": N_("Agenda"),
    "no_previous": N_("No previous session of this body."),
}


def label(key: str | None, lang: str) -> str:
    if key is None:
        return "—"
    return i18n.gettext(lang, STATUS_LABELS.get(key, key), DOMAIN)


def text(key: str, lang: str) -> str:
    return i18n.gettext(lang, TEXT[key], DOMAIN)
