"""The traffic light of a diagnosis node and the message it carries."""

from __future__ import annotations

from enum import StrEnum

from asocia.diagnosis.instrument import Thresholds, localize


class TrafficLight(StrEnum):
    """Green, yellow, red, or not enough answers to say."""

    GREEN = "green"
    YELLOW = "yellow"
    RED = "red"
    INSUFFICIENT_DATA = "insufficient_data"

    def message(self, lang: str = "es") -> str:
        """The message shown with this light, in ``lang`` (``es`` or ``en``)."""
        return localize(LIGHT_MESSAGES[self], lang)

    @property
    def rank(self) -> int:
        """Ordering for priorities: red 0, yellow 1, green 2, insufficient data 3."""
        return _RANK[self]


# The three messages are those of the field diagnosis described in the product brief.
LIGHT_MESSAGES: dict[TrafficLight, dict[str, str]] = {
    TrafficLight.GREEN: {
        "es": "La gestión de su cooperativa es buena; ¡Siga adelante!",
        "en": "Your cooperative is well managed; keep going!",
    },
    TrafficLight.YELLOW: {
        "es": "Señal de precaución; algunas buenas prácticas son adoptadas, pero hay algunas "
        "otras que necesitan atención; ¡Deténgase y analice!",
        "en": "Warning sign; some good practices are in place, but others need attention; "
        "stop and analyse!",
    },
    TrafficLight.RED: {
        "es": "Urgencia en la atención a una determinada categoría o subcategoría; ¡Tome "
        "medidas antes de continuar!",
        "en": "This category or subcategory needs urgent attention; take action before going on!",
    },
    TrafficLight.INSUFFICIENT_DATA: {
        "es": "Datos insuficientes: menos de la mitad de las preguntas (según su peso) tiene "
        "respuesta.",
        "en": "Insufficient data: less than half of the questions (by weight) are answered.",
    },
}

_RANK = {
    TrafficLight.RED: 0,
    TrafficLight.YELLOW: 1,
    TrafficLight.GREEN: 2,
    TrafficLight.INSUFFICIENT_DATA: 3,
}

MIN_COVERAGE = 0.5
"""A node with less than this share of its applicable weight answered gets no colour."""


def light_for(percentage: float | None, coverage: float, thresholds: Thresholds) -> TrafficLight:
    """The light for a node's percentage and coverage under ``thresholds``."""
    if percentage is None or coverage < MIN_COVERAGE:
        return TrafficLight.INSUFFICIENT_DATA
    if percentage >= thresholds.green:
        return TrafficLight.GREEN
    if percentage >= thresholds.yellow:
        return TrafficLight.YELLOW
    return TrafficLight.RED
