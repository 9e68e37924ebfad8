"""Spanish and English labels of the catalogue's codes (stages, purposes, support types...)."""

from __future__ import annotations

LABELS: dict[str, dict[str, dict[str, str]]] = {
    "stage": {
        "individual": {"es": "Individual", "en": "Individual"},
        "pre_associative": {"es": "Pre-asociativo", "en": "Pre-associative"},
        "associative": {"es": "Asociativo", "en": "Associative"},
    },
    "purpose": {
        "agribusiness": {"es": "Agronegocio", "en": "Agribusiness"},
        "extension": {
            "es": "Extensión y transferencia tecnológica",
            "en": "Extension and technology transfer",
        },
        "natural_resources": {
            "es": "Administración de recursos naturales",
            "en": "Natural-resource management",
        },
        "representation": {
            "es": "Representación y organización local, regional y nacional",
            "en": "Representation and local, regional and national organisation",
        },
    },
    "support_type": {
        "financing": {"es": "Financiamiento", "en": "Financing"},
        "technical_assistance": {"es": "Asistencia técnica", "en": "Technical assistance"},
        "training": {"es": "Capacitación", "en": "Training"},
        "market_access": {"es": "Acceso a mercados", "en": "Market access"},
        "irrigation_investment": {"es": "Riego e inversión", "en": "Irrigation and investment"},
        "networks": {"es": "Redes", "en": "Networks"},
    },
    "topic": {
        "accounting_finance": {"es": "Contabilidad y finanzas", "en": "Accounting and finance"},
        "organisational_strengthening": {
            "es": "Fortalecimiento organizacional",
            "en": "Organisational strengthening",
        },
        "business_development": {"es": "Desarrollo del negocio", "en": "Business development"},
        "market_access": {"es": "Acceso a mercados", "en": "Market access"},
        "cooperative_education": {"es": "Educación cooperativa", "en": "Cooperative education"},
        "technology": {"es": "Tecnología", "en": "Technology"},
        "water": {"es": "Agua y riego", "en": "Water and irrigation"},
    },
    "outcome": {
        "eligible": {"es": "Elegible", "en": "Eligible"},
        "not_eligible": {"es": "No elegible", "en": "Not eligible"},
        "unknown": {"es": "Por confirmar", "en": "To be confirmed"},
    },
}


def label(kind: str, code: str | None, lang: str = "es") -> str:
    """The label of ``code`` in ``lang`` (the code itself when unknown)."""
    if code is None:
        return "—"
    entry = LABELS.get(kind, {}).get(str(code))
    return entry.get(lang, entry["es"]) if entry else str(code)


def labels(kind: str, lang: str = "es") -> list[tuple[str, str]]:
    """(code, label) pairs of ``kind`` in their order."""
    return [(code, text.get(lang, text["es"])) for code, text in LABELS[kind].items()]
