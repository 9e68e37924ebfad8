"""Labels of dimension values in Spanish and English, from the registry's vocabulary and
territory data (the one source of those names), and of the bands statistics define."""

from __future__ import annotations

from typing import Any

from asocia.registry.territory import territory
from asocia.registry.vocabulary import vocabulary

# Dimension → registry vocabulary category.
_VOCABULARY = {
    "rural_class": "rural_classes",
    "legal_class": "legal_classes",
    "ilo_type": "ilo_types",
    "legal_status": "legal_statuses",
    "activity": "activities",
    "size_sales": "size_bands",
}

_BANDS: dict[str, dict[str, tuple[str, str]]] = {
    "size_members": {
        "lt_20": ("Menos de 20 socios", "Fewer than 20 members"),
        "20_49": ("20 a 49 socios", "20 to 49 members"),
        "50_249": ("50 a 249 socios", "50 to 249 members"),
        "250_plus": ("250 socios o más", "250 members or more"),
    },
    "age": {
        "0_4": ("Menos de 5 años", "Under 5 years"),
        "5_9": ("5 a 9 años", "5 to 9 years"),
        "10_19": ("10 a 19 años", "10 to 19 years"),
        "20_49": ("20 a 49 años", "20 to 49 years"),
        "50_plus": ("50 años o más", "50 years or more"),
    },
}

# ISIC Rev.4 sections (CIIU Rev.4 in Spanish).
_ISIC: dict[str, tuple[str, str]] = {
    "A": ("Agricultura, ganadería, silvicultura y pesca", "Agriculture, forestry and fishing"),
    "B": ("Explotación de minas y canteras", "Mining and quarrying"),
    "C": ("Industrias manufactureras", "Manufacturing"),
    "D": ("Suministro de electricidad y gas", "Electricity and gas supply"),
    "E": ("Suministro de agua y saneamiento", "Water supply and sanitation"),
    "F": ("Construcción", "Construction"),
    "G": ("Comercio", "Wholesale and retail trade"),
    "H": ("Transporte y almacenamiento", "Transportation and storage"),
    "I": ("Alojamiento y comidas", "Accommodation and food service"),
    "J": ("Información y comunicaciones", "Information and communication"),
    "K": ("Actividades financieras y de seguros", "Financial and insurance activities"),
    "L": ("Actividades inmobiliarias", "Real estate activities"),
    "M": ("Actividades profesionales y técnicas", "Professional and technical activities"),
    "N": ("Servicios administrativos y de apoyo", "Administrative and support services"),
    "O": ("Administración pública", "Public administration"),
    "P": ("Enseñanza", "Education"),
    "Q": ("Salud y asistencia social", "Health and social work"),
    "R": ("Artes y recreación", "Arts and recreation"),
    "S": ("Otras actividades de servicios", "Other service activities"),
    "T": ("Hogares como empleadores", "Households as employers"),
    "U": ("Organizaciones extraterritoriales", "Extraterritorial organizations"),
}

# Chile's 16 regions from north to south (CUT codes): the order of maps and region tables.
REGIONS_NORTH_TO_SOUTH = (15, 1, 2, 3, 4, 5, 13, 6, 7, 16, 8, 9, 14, 10, 11, 12)

_UNKNOWN = ("Sin información", "Not reported")
_TOTAL = ("Total", "Total")

DIMENSION_LABELS: dict[str, tuple[str, str]] = {
    "region": ("Región", "Region"),
    "country": ("País", "Country"),
    "comuna": ("Comuna", "Comuna"),
    "rural_class": ("Clase rural de la comuna", "Rural class of the comuna"),
    "legal_class": ("Clase de cooperativa", "Class of cooperative"),
    "ilo_type": ("Tipo OIT", "ILO type"),
    "sector": ("Sector (CIIU)", "Sector (ISIC)"),
    "legal_status": ("Estado legal", "Legal status"),
    "activity": ("Actividad", "Activity"),
    "size_members": ("Tamaño por socios", "Size by members"),
    "size_sales": ("Tamaño por ventas (Ley 20.416)", "Size by sales (Law 20,416)"),
    "age": ("Antigüedad", "Age"),
    "constitution_year": ("Año de constitución", "Year of constitution"),
    "dissolution_year": ("Año de disolución", "Year of dissolution"),
}

MEASURE_LABELS: dict[str, tuple[str, str]] = {
    "cooperatives": ("Cooperativas", "Cooperatives"),
    "members": ("Socios", "Members"),
    "members_women": ("Socias", "Women members"),
    "members_men": ("Socios hombres", "Men members"),
    "workers": ("Trabajadores", "Workers"),
    "employees": ("Trabajadores asalariados", "Employees"),
    "worker_members": ("Socios trabajadores", "Worker-members"),
    "sales": ("Ventas (CLP)", "Sales (CLP)"),
}


def _pick(pair: tuple[str, str], lang: str) -> str:
    return pair[0] if lang == "es" else pair[1]


def dimension_label(key: str, lang: str) -> str:
    """The name of dimension ``key`` in ``lang``."""
    return _pick(DIMENSION_LABELS.get(key, (key, key)), lang)


def measure_label(key: str, lang: str) -> str:
    """The name of measure ``key`` in ``lang``."""
    return _pick(MEASURE_LABELS.get(key, (key, key)), lang)


def value_label(dim: str, value: Any, lang: str) -> str:
    """The label of ``value`` of dimension ``dim`` in ``lang``."""
    if value is None or value == "unknown":
        return _pick(_UNKNOWN, lang)
    if value == "total":
        return _pick(_TOTAL, lang)
    if dim == "region":
        region = territory().regions.get(int(value))
        return region.name if region else str(value)
    if dim == "comuna":
        comuna = territory().comunas.get(int(value))
        return comuna.name if comuna else str(value)
    if dim in _VOCABULARY:
        return vocabulary(_VOCABULARY[dim]).label(str(value), lang)
    if dim == "sector" and value in _ISIC:
        return f"{value} {_pick(_ISIC[value], lang)}"
    if dim in _BANDS and value in _BANDS[dim]:
        return _pick(_BANDS[dim][value], lang)
    return str(value)


def value_labels(dim: str, values: list[Any], lang: str) -> dict[Any, str]:
    """Labels of several values of ``dim``."""
    return {v: value_label(dim, v, lang) for v in values}


def short_region(name: str) -> str:
    """A region's name without "Región de/del" (for charts and maps)."""
    for prefix in ("Región de la ", "Región del ", "Región de ", "Región "):
        if name.startswith(prefix):
            return name[len(prefix) :]
    return name


def value_order(dim: str) -> tuple[Any, ...]:
    """The display order of a dimension's values where a data source defines one."""
    if dim == "region":
        return REGIONS_NORTH_TO_SOUTH
    if dim in _VOCABULARY:
        return tuple(vocabulary(_VOCABULARY[dim]).codes)
    return ()
