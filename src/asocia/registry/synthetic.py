"""A synthetic Chilean cooperative registry, deterministic for a seed, calibrated to facts.

:func:`generate` yields plain records (dicts) for 100 to 1,000,000 cooperatives with valid RUTs,
plausible Spanish names, legal classes, comunas from the territory file, dates, members by sex,
workers, sales and contacts. The structure matches what is published for Chile (PRODUCT.md):

* about 57% of co-ops are rural (in a rural or *mixta* comuna, PNDR 2020);
* just over half (52%) of rural co-ops have fewer than 20 members;
* large co-ops (Ley 20.416, sales above 100,000 UF) are 1.9% of co-ops with 80% of sales;
* urban co-ops hold 68.7% of workers (employees + worker-members) and 95% of members.

Category counts are exact (a seeded shuffle of exactly-sized groups) and continuous values come
from stratified quantiles, so the shares hold within a fraction of a point at any size, not just
on average. Scales are then solved so that the shares are met by the generated values.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from statistics import NormalDist
from typing import Any

from asocia.db.base import utcnow
from asocia.db.session import Database
from asocia.registry.taxid import rut_check_digit
from asocia.registry.territory import Comuna, territory
from asocia.registry.vocabulary import default_ilo_type, default_isic_section

RURAL_SHARE = 0.57
RURAL_SMALL_SHARE = 0.52  # rural co-ops with fewer than 20 members
LARGE_SHARE = 0.019
LARGE_SALES_SHARE = 0.80
URBAN_WORKER_SHARE = 0.687
URBAN_MEMBER_SHARE = 0.95
BAND_SHARES = {"large": LARGE_SHARE, "medium": 0.04, "small": 0.20}  # micro: the rest
BAND_UF = {"micro": (50.0, 2_400.0), "small": (2_400.0, 25_000.0), "medium": (25_000.0, 100_000.0)}
WORKERS_BY_BAND = {"micro": (0, 4), "small": (2, 20), "medium": (10, 90), "large": (60, 900)}

_Z = NormalDist()

RURAL_CLASSES = {
    "agricola": 35, "campesina": 20, "pesquera": 10, "agua_potable": 15, "electrica": 3,
    "trabajo": 5, "servicios": 7, "other": 5,
}  # fmt: skip
URBAN_CLASSES = {
    "vivienda": 20, "ahorro_credito": 10, "consumo": 10, "trabajo": 20, "servicios": 25,
    "escolar": 8, "electrica": 2, "agua_potable": 2, "other": 3,
}  # fmt: skip
STATUSES = {
    "vigente": 70, "disuelta": 8, "cancelada": 5, "en_liquidacion": 2, "inexistente": 3,
    "en_constitucion": 2, "rol_asignado": 5, "no_constituida": 5,
}  # fmt: skip

CLASS_WORDS = {
    "agricola": ["Agrícola", "Agrícola y Lechera", "Agropecuaria", "Vitivinícola", "Frutícola",
                 "Agrícola y Ganadera", "Apícola"],
    "campesina": ["Campesina"],
    "pesquera": ["Pesquera", "de Pescadores Artesanales", "Pesquera y de Servicios"],
    "agua_potable": ["de Agua Potable Rural", "de Servicio de Agua Potable"],
    "electrica": ["Eléctrica", "de Abastecimiento de Energía Eléctrica"],
    "trabajo": ["de Trabajo", "de Trabajadores"],
    "servicios": ["de Servicios", "de Servicios Múltiples", "de Transporte"],
    "vivienda": ["de Vivienda", "Abierta de Vivienda"],
    "ahorro_credito": ["de Ahorro y Crédito"],
    "consumo": ["de Consumo", "de Consumidores"],
    "escolar": ["Escolar"],
    "other": ["Especial", ""],
}  # fmt: skip
RUBROS = {
    "agricola": ["Lechería", "Fruticultura", "Hortalizas", "Vitivinicultura", "Apicultura",
                 "Ganadería ovina", "Berries", "Cereales"],
    "campesina": ["Hortalizas", "Ganadería", "Apicultura", "Turismo rural", "Artesanía"],
    "pesquera": ["Pesca artesanal", "Recolección de algas", "Acuicultura"],
    "agua_potable": ["Agua potable rural"],
    "electrica": ["Distribución eléctrica"],
    "trabajo": ["Construcción", "Aseo industrial", "Gastronomía", "Confección", "Informática"],
    "servicios": ["Transporte", "Servicios funerarios", "Salud", "Educación", "Taxis colectivos"],
    "vivienda": ["Vivienda"],
    "ahorro_credito": ["Ahorro y crédito"],
    "consumo": ["Comercio minorista", "Farmacia"],
    "escolar": ["Educación"],
    "other": ["Cultura", "Deporte"],
}  # fmt: skip
NAME_WORDS = [
    "Los Aromos", "El Esfuerzo", "Nueva Esperanza", "Santa Rosa", "San José", "El Progreso",
    "Los Copihues", "La Unión", "Las Vertientes", "El Roble", "Los Canelos", "Tierra Fértil",
    "Valle Verde", "Manos Unidas", "El Amanecer", "Los Quillayes", "Renacer", "Futuro",
    "La Cosecha", "Los Boldos", "San Isidro", "Santa Teresa", "Las Brisas", "El Sauce",
    "Raíces", "Mar Azul", "Caleta Unida", "Horizonte", "Los Maitenes", "Lihuén", "Mapu",
    "Kume Mongen", "Newen", "Trayenko", "Las Palmas", "El Alba", "Solidaridad", "Fraternidad",
    "Los Pioneros", "El Trigal", "Las Araucarias", "Los Coigües", "Cordillera", "Pacífico",
    "Austral", "Del Sur", "Del Norte", "Altiplano", "La Frontera", "Los Andes", "El Milagro",
    "San Pedro", "San Antonio", "La Esperanza", "Villa Alegre", "Los Álamos", "El Molino",
    "Puerto Nuevo", "La Estrella", "Las Camelias", "El Litre", "Los Peumos", "Entre Ríos",
]  # fmt: skip
QUALIFIERS = ["", "", "", "Unida", "del Valle", "Campesina", "Limitada", "Regional", "Comunal",
              "de Productores", "Integral", "Sustentable", "y Compañía", "Solidaria"]  # fmt: skip
FIRST_NAMES = [
    "María",
    "José",
    "Juan",
    "Ana",
    "Luis",
    "Carmen",
    "Pedro",
    "Rosa",
    "Jorge",
    "Claudia",
    "Manuel",
    "Patricia",
    "Carlos",
    "Verónica",
    "Francisco",
    "Marcela",
    "Héctor",
    "Ximena",
    "Sergio",
    "Paola",
    "Mauricio",
    "Gladys",
    "Ricardo",
    "Nelly",
]
LAST_NAMES = ["González", "Muñoz", "Rojas", "Díaz", "Pérez", "Soto", "Contreras", "Silva",
              "Martínez", "Sepúlveda", "Morales", "Rodríguez", "López", "Fuentes", "Hernández",
              "Torres", "Araya", "Flores", "Espinoza", "Valenzuela", "Castillo", "Tapia",
              "Reyes", "Gutiérrez", "Castro", "Pizarro", "Álvarez", "Vásquez", "Sánchez",
              "Fernández", "Ramírez", "Carrasco", "Gómez", "Cortés", "Herrera", "Núñez",
              "Huenchumilla", "Painemal", "Catrileo", "Quilaqueo"]  # fmt: skip
STREETS = ["Camino Real", "Av. Libertador Bernardo O'Higgins", "Los Carrera", "Arturo Prat",
           "Manuel Rodríguez", "Balmaceda", "Freire", "Colón", "Lautaro", "Caupolicán",
           "Sector El Huape", "Parcela", "Ruta 5 Sur km", "Yungay", "Independencia"]  # fmt: skip

_RUT_BASE = 65_000_000
_RUT_SPAN = 15_000_000
_RUT_STRIDE = 7_919_111  # coprime with the span: unique RUTs for any n up to the span


def _shuffled(counts: dict[str, int], rng: random.Random) -> list[str]:
    items = [key for key, count in counts.items() for _ in range(count)]
    rng.shuffle(items)
    return items


def _exact_counts(n: int, shares: dict[str, float], rest: str) -> dict[str, int]:
    counts = {key: round(n * share) for key, share in shares.items()}
    counts[rest] = n - sum(counts.values())
    return counts


def _quantiles(m: int, rng: random.Random) -> list[float]:
    """Stratum midpoints (k + 0.5) / m in a seeded random order: an exact stratified sample."""
    values = [(k + 0.5) / m for k in range(m)]
    rng.shuffle(values)
    return values


def _rural_members(u: float) -> int:
    if u < RURAL_SMALL_SHARE:
        return 5 + min(14, int(u / RURAL_SMALL_SHARE * 15))
    v = (u - RURAL_SMALL_SHARE) / (1 - RURAL_SMALL_SHARE)
    return 20 + round(60 * math.exp(0.9 * _Z.inv_cdf(min(max(v, 1e-9), 1 - 1e-9))))


def _log_uniform(low: float, high: float, u: float) -> float:
    return float(low * (high / low) ** u)


class _Plan:
    """Everything decided up front for ``n`` co-ops: groups, quantiles and solved scales."""

    def __init__(self, n: int, rng: random.Random, uf_clp: float) -> None:
        self.uf_clp = uf_clp
        bands = _exact_counts(n, BAND_SHARES, "micro")
        # Rural/urban split exactly within each band, so the workers' split is exact too.
        cells: dict[str, int] = {}
        for band, count in bands.items():
            rural = round(count * RURAL_SHARE)
            cells[f"rural/{band}"] = rural
            cells[f"urban/{band}"] = count - rural
        rural_total = sum(v for k, v in cells.items() if k.startswith("rural"))
        urban_total = n - rural_total
        self.cells = _shuffled(cells, rng)
        self.rural_members = [_rural_members(u) for u in _quantiles(rural_total, rng)]
        urban_z = [math.exp(1.5 * _Z.inv_cdf(u)) for u in _quantiles(urban_total, rng)]
        members_scale = (
            URBAN_MEMBER_SHARE
            / (1 - URBAN_MEMBER_SHARE)
            * sum(self.rural_members)
            / max(sum(urban_z), 1e-9)
        )
        self.urban_members = [max(7, round(members_scale * z)) for z in urban_z]
        # Workers: from each band's range; urban co-ops scaled to hold the published share.
        self.workers: dict[str, list[int]] = {}
        rural_workers = urban_workers = 0.0
        for cell, count in cells.items():
            low, high = WORKERS_BY_BAND[cell.split("/")[1]]
            values = [round(_log_uniform(low + 1, high + 1, u)) - 1 for u in _quantiles(count, rng)]
            self.workers[cell] = values
            if cell.startswith("rural"):
                rural_workers += sum(values)
            else:
                urban_workers += sum(values)
        factor = (
            URBAN_WORKER_SHARE / (1 - URBAN_WORKER_SHARE) * rural_workers / max(urban_workers, 1)
        )
        for cell, values in self.workers.items():
            if cell.startswith("urban"):
                self.workers[cell] = [round(v * factor) for v in values]
        # Sales in UF per band; large co-ops scaled to hold the published share of sales.
        self.sales: dict[str, list[float]] = {}
        other_sales = 0.0
        for band in ("micro", "small", "medium"):
            uf_low, uf_high = BAND_UF[band]
            amounts = [_log_uniform(uf_low, uf_high, u) for u in _quantiles(bands[band], rng)]
            self.sales[band] = amounts
            other_sales += sum(amounts)
        large_z = [math.exp(1.2 * _Z.inv_cdf(u)) for u in _quantiles(bands["large"], rng)]
        needed = LARGE_SALES_SHARE / (1 - LARGE_SALES_SHARE) * other_sales
        floor = 100_000.0 * 1.001
        scale = max(needed - floor * len(large_z), 0.0) / max(sum(large_z), 1e-9)
        self.sales["large"] = [floor + scale * z for z in large_z]
        self.counters: dict[str, int] = {}

    def take(self, key: str, values: list[Any]) -> Any:
        index = self.counters.get(key, 0)
        self.counters[key] = index + 1
        return values[index]


def _weighted(rng: random.Random, weights: dict[str, int]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _date_between(rng: random.Random, start: date, end: date) -> date:
    return start + timedelta(days=rng.randrange(max((end - start).days, 1)))


def generate(
    n: int, seed: int = 0, *, uf_clp: float = 39_000.0, today: date | None = None
) -> Iterator[dict[str, Any]]:
    """Yield ``n`` synthetic cooperatives as plain records, the same for the same seed.

    Keys: ``country, tax_id, registry_number, legal_name, trade_name, organisation_type,
    legal_class, ilo_type, isic_section, rubro, region_code, province_code, comuna_code,
    comuna_name, rural_class, city, legal_status, activity, constituted_on, in_force_on,
    dissolved_on, cancelled_on, members_total, members_women, members_men,
    members_legal_persons, members_founding, employees, worker_members, sales_amount (CLP),
    sales_currency, sales_year, size_band, email, phone, address, representative``.
    Dates are :class:`datetime.date`; workers are ``employees + worker_members``.
    """
    if n < 1:
        return
    rng = random.Random(seed)
    plan = _Plan(n, rng, uf_clp)
    today = today or date(2025, 6, 30)
    comunas = list(territory().comunas.values())
    rural_comunas = [c for c in comunas if c.rural_class in ("rural", "mixta")]
    urban_comunas = [c for c in comunas if c.rural_class == "urbana"]
    offset = rng.randrange(_RUT_SPAN)
    for i in range(n):
        cell = plan.cells[i]
        area, band = cell.split("/")
        rural = area == "rural"
        comuna: Comuna = rng.choice(rural_comunas if rural else urban_comunas)
        legal_class = _weighted(rng, RURAL_CLASSES if rural else URBAN_CLASSES)
        if rural:
            members = plan.take("rural_members", plan.rural_members)
        else:
            members = plan.take("urban_members", plan.urban_members)
        workers = plan.take(cell, plan.workers[cell])
        worker_members = round(workers * rng.uniform(0.5, 0.9)) if legal_class == "trabajo" else 0
        sales_uf = plan.take(band, plan.sales[band])
        women = round(members * rng.uniform(0.25, 0.55))
        legal_persons = rng.randint(0, 2) if members > 30 and rng.random() < 0.2 else 0
        men = max(members - women - legal_persons, 0)
        constituted = _date_between(rng, date(1935, 1, 1), today - timedelta(days=120))
        status = _weighted(rng, STATUSES)
        dissolved = cancelled = None
        if status in ("disuelta", "en_liquidacion", "cancelada"):
            dissolved = _date_between(rng, constituted + timedelta(days=365), today)
            if status == "cancelada":
                cancelled = min(dissolved + timedelta(days=rng.randint(30, 700)), today)
        activity = "activa" if status == "vigente" and rng.random() < 0.85 else "inactiva"
        body = _RUT_BASE + (offset + i * _RUT_STRIDE) % _RUT_SPAN
        word = rng.choice(NAME_WORDS)
        qualifier = rng.choice(QUALIFIERS)
        class_word = rng.choice(CLASS_WORDS[legal_class])
        place = comuna.name if rng.random() < 0.3 else word
        legal_name = " ".join(
            p for p in ("Cooperativa", class_word, place, qualifier, "Ltda.") if p
        )
        acronym = "".join(w[0] for w in place.split() if w[:1].isupper())[:6]
        first, last1, last2 = (
            rng.choice(FIRST_NAMES),
            rng.choice(LAST_NAMES),
            rng.choice(LAST_NAMES),
        )
        slug = "".join(ch for ch in place.lower() if ch.isascii() and ch.isalnum())[:16]
        yield {
            "country": "CL",
            "tax_id": f"{body}-{rut_check_digit(body)}",
            # Different seeds give different registries: their registry numbers must not clash.
            "registry_number": str(10_000_000 * (seed % 1000) + 1000 + i),
            "legal_name": legal_name,
            "trade_name": f"COOP{acronym.upper()}" if acronym else None,
            "organisation_type": "cooperativa",
            "legal_class": legal_class,
            "ilo_type": default_ilo_type(legal_class),
            "isic_section": default_isic_section(legal_class),
            "rubro": rng.choice(RUBROS[legal_class]),
            "region_code": comuna.region_code,
            "province_code": comuna.province_code,
            "comuna_code": comuna.code,
            "comuna_name": comuna.name,
            "rural_class": comuna.rural_class,
            "city": comuna.name,
            "legal_status": status,
            "activity": activity,
            "constituted_on": constituted,
            "in_force_on": constituted + timedelta(days=rng.randint(10, 200)),
            "dissolved_on": dissolved,
            "cancelled_on": cancelled,
            "members_total": members,
            "members_women": women,
            "members_men": men,
            "members_legal_persons": legal_persons,
            "members_founding": min(members, rng.randint(5, 30)),
            "employees": workers - worker_members,
            "worker_members": worker_members,
            "sales_amount": round(sales_uf * uf_clp),
            "sales_currency": "CLP",
            "sales_year": 2024,
            "size_band": band,
            "email": f"contacto{i}@{slug or 'coop'}.cl",
            "phone": f"+56 9 {rng.randint(1000, 9999)} {rng.randint(1000, 9999)}",
            "address": f"{rng.choice(STREETS)} {rng.randint(1, 3000)}, {comuna.name}",
            "representative": f"{first} {last1} {last2}",
        }


def load(
    database: Database,
    n: int,
    seed: int = 0,
    *,
    uf_clp: float = 39_000.0,
    if_empty: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> int:
    """Write ``n`` synthetic cooperatives into ``database`` through the import store's bulk path.

    Recorded as an import run named ``demo (seed S)``. With ``if_empty``, does nothing when the
    registry already has cooperatives. Returns the number of cooperatives written.
    """
    from sqlalchemy import func, select, update

    from asocia.db.models import Cooperative
    from asocia.db.models.registry import ImportRun
    from asocia.registry.names import name_key
    from asocia.registry.store import Actor, RegistryWriter, start_import_run

    with database.session() as session:
        if (
            if_empty
            and session.execute(select(func.count()).select_from(Cooperative).limit(1)).scalar_one()
        ):
            return 0
        actor = Actor(None, "demo")
        name = f"demo (seed {seed})"
        run = start_import_run(
            session,
            source_file=name,
            file_format="synthetic",
            country="CL",
            actor=actor,
            columns=[],
        )
        writer = RegistryWriter(
            session, actor=actor, import_run_id=run.id, source_file=name, bulk=True
        )
        batch: list[dict[str, Any]] = []
        written = 0
        for number, record in enumerate(generate(n, seed, uf_clp=uf_clp), start=1):
            record.pop("comuna_name")
            for key in ("constituted_on", "in_force_on", "dissolved_on", "cancelled_on"):
                if record[key] is not None:
                    record[key] = record[key].isoformat()
            record["name_key"] = name_key(record["legal_name"])
            record["source_row"] = number
            batch.append(record)
            if len(batch) == 5_000:
                writer.create(batch)
                written += len(batch)
                batch = []
                if progress:
                    progress(written, n)
        writer.create(batch)
        written += len(batch)
        writer.finish(analyse=written > 10_000)
        session.execute(
            update(ImportRun)
            .where(ImportRun.id == run.id)
            .values(status="committed", read=written, created=written, finished_at=utcnow())
        )
        if progress:
            progress(written, n)
    return written
