"""Differencing attacks against the public statistics, replayed through the public API and the
CSV downloads (anonymous visitor), on SQLite and PostgreSQL.

Issue 13 recovered suppressed cells exactly by subtracting two public answers. Each attack
below is run as an attacker would run it; the test asserts that no small cell is recovered:

* for counts, the published figures are consistent with more than one true value of the
  target (the attacker knows the method and its parameters, D included, but cannot tell);
* for sums (sales, members), the attacker's estimate is never the true value.

Each attack is also run against an analyst's exact figures, where it must succeed: the attacks
are real, and the tests fail if public figures ever become exact again.
"""

from __future__ import annotations

import csv
import io
import random
from dataclasses import replace
from typing import Any

import pytest
from starlette.testclient import TestClient

from asocia.registry.vocabulary import vocabulary
from asocia.stats.cellkey import Perturbation
from asocia.stats.labels import value_labels
from tests.conftest import Web
from tests.stats.conftest import UF, add_cooperatives

M = 1_000_000.0
CONTROL = Perturbation()  # the default settings, which the app uses here
LEGAL_CLASSES = list(vocabulary("legal_classes").terms)

# Region 15 (Arica y Parinacota): 28 cooperatives in force, one of them of class `consumo` with
# large sales; comunas Arica (urbana) 20, Putre (rural) 4, General Lagos (rural) 3 and
# Camarones (rural) 1. Region 13: 30 more. Region 12: a few, for small cells nationwide.
COMUNAS_15 = [(15101, "urbana", 20), (15201, "rural", 4), (15202, "rural", 3), (15102, "rural", 1)]
# Ley 20.416 bands with the tests' UF of 1,000 pesos.
BANDS = {
    "micro": (0.0, 2.4 * M),
    "small": (2.4 * M, 25 * M),
    "medium": (25 * M, 100 * M),
    "large": (100 * M, 1e18),
}
CLASSES = ["agricola", "trabajo", "servicios", "campesina", "vivienda"]


def _rows() -> list[dict[str, Any]]:
    rng = random.Random(13)
    rows: list[dict[str, Any]] = []
    for comuna, rural, n in COMUNAS_15:
        for _ in range(n):
            rows.append(
                dict(
                    region_code=15,
                    comuna_code=comuna,
                    rural_class=rural,
                    legal_class=CLASSES[len(rows) % len(CLASSES)],
                    ilo_type="producer" if rural == "rural" else "worker",
                    members_total=rng.randint(8, 120),
                    sales_amount=float(rng.randint(1, 90)) * M,
                )
            )
    # The single consumer cooperative of region 15, in Arica (replacing one of its 20).
    rows[0].update(legal_class="consumo", ilo_type="consumer_user", members_total=4321)
    rows[0]["sales_amount"] = 777 * M
    # Camarones' only cooperative: the one the comuna attack goes after.
    rows[-1].update(members_total=55, sales_amount=12 * M)
    for i in range(30):
        rows.append(
            dict(
                region_code=13,
                comuna_code=13101,
                rural_class="urbana",
                legal_class=CLASSES[i % 3],
                ilo_type=["producer", "worker", "multi_stakeholder"][i % 3],
                members_total=rng.randint(10, 300),
                sales_amount=float(rng.randint(1, 200)) * M,
            )
        )
    # Region 12: two cooperatives, one of a class found nowhere else (pesquera).
    for legal_class in ("pesquera", "agricola"):
        rows.append(
            dict(
                region_code=12,
                comuna_code=12101,
                rural_class="urbana",
                legal_class=legal_class,
                ilo_type="producer",
                members_total=33,
                sales_amount=40 * M,
            )
        )
    return rows


ROWS = _rows()


@pytest.fixture
def site(web: Web) -> Web:
    add_cooperatives(web.db, ROWS)
    web.app.state.settings = replace(web.app.state.settings, uf_clp=UF)
    return web


def truth(**where: Any) -> dict[str, float]:
    """Exact count, members and sales of the cooperatives matching ``where`` (field → values)."""
    chosen = [r for r in ROWS if all(r.get(k) in v for k, v in where.items())]
    return {
        "cooperatives": len(chosen),
        "members": sum(r.get("members_total") or 0 for r in chosen),
        "sales": sum(r.get("sales_amount") or 0 for r in chosen),
    }


# -- what the attacker can conclude ---------------------------------------------------------------


def candidates(published: int | None) -> set[int]:
    """True counts consistent with a published count under the (public) perturbation table."""
    table = CONTROL.ptable
    if published == 0:  # a line absent from a table: known to be empty
        return {0}
    if published is None:  # "< k": anything whose perturbed value can fall below k
        return {n for n in range(0, CONTROL.k + CONTROL.max_noise) if n == 0 or _can_be_below(n)}
    return {
        n
        for n in range(max(0, published - CONTROL.max_noise), published + CONTROL.max_noise + 1)
        if n > 0 and published - n in table.support(n)
    }


def _can_be_below(n: int) -> bool:
    return any(n + d < CONTROL.k for d in CONTROL.ptable.support(n))


def differences(plus: list[int | None], minus: list[int | None]) -> set[int]:
    """Values of Σ plus − Σ minus that the published figures allow."""
    values = {0}
    for published in plus:
        values = {v + c for v in values for c in candidates(published)}
    for published in minus:
        values = {v - c for v in values for c in candidates(published)}
    return {v for v in values if v >= 0}


def assert_count_not_recovered(target: int, plus: list[int | None], minus: list[int | None]):
    allowed = differences(plus, minus)
    assert target in allowed  # the method never rules the truth out...
    assert len(allowed) >= 2, f"count {target} recovered exactly from {plus} − {minus}"


def assert_sum_not_recovered(target: float, estimate: float | None) -> None:
    assert estimate is None or abs(estimate - target) >= 1, (target, estimate)


def estimate(plus: list[Any], minus: list[Any]) -> float | None:
    if any(v is None for v in [*plus, *minus]):
        return None  # the attacker lacks a figure
    return float(sum(plus) - sum(minus))


# -- access to the public outputs ------------------------------------------------------------


def summary(client: TestClient, **params: Any) -> dict[str, Any]:
    response = client.get("/api/v1/stats/summary", params=params)
    assert response.status_code == 200, response.text
    return dict(response.json())


def chart(client: TestClient, name: str, **params: Any) -> dict[str, dict[str, str]]:
    response = client.get(f"/stats/data/{name}.csv", params=params)
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.text)))
    first = next(iter(rows[0]))
    return {r[first]: r for r in rows}


def number(value: str) -> int | None:
    return int(float(value)) if value != "" else None


def table(client: TestClient, **params: Any) -> dict[str, Any]:
    response = client.get("/api/v1/stats/crosstab", params=params)
    assert response.status_code == 200, response.text
    return dict(response.json())


def _clients(site: Web) -> tuple[TestClient, TestClient]:
    return site.client, site.login_as("analyst")


# -- the attacks of issue 13 ---------------------------------------------------------------------


def test_region_minus_every_class_but_one(site: Web) -> None:
    """`/api/v1/stats/summary?region=15` minus the same with every class but `consumo`."""
    public, analyst = _clients(site)
    others = [c for c in LEGAL_CLASSES if c != "consumo"]
    target = truth(region_code={15}, legal_class={"consumo"})
    assert target["cooperatives"] == 1

    exact_a = summary(analyst, region=15)
    exact_b = summary(analyst, region=15, legal_class=others)
    assert exact_a["cooperatives"] - exact_b["cooperatives"] == 1
    assert exact_a["sales"] - exact_b["sales"] == target["sales"]  # the attack is real

    a = summary(public, region=15)
    b = summary(public, region=15, legal_class=others)
    assert_count_not_recovered(1, [a["cooperatives"]], [b["cooperatives"]])
    assert_sum_not_recovered(target["sales"], estimate([a["sales"]], [b["sales"]]))
    assert_sum_not_recovered(target["members"], estimate([a["members"]], [b["members"]]))
    # Asked directly, the cell is "< k" with no sales at all.
    direct = summary(public, region=15, legal_class="consumo")
    assert direct["cooperatives"] is None and direct["sales"] is None


@pytest.mark.parametrize(
    ("dimension", "field", "value"),
    [
        ("legal_class", "legal_class", "consumo"),
        ("legal_class", "legal_class", "pesquera"),
        ("region", "region_code", 12),
        ("ilo_type", "ilo_type", "consumer_user"),
    ],
)
def test_headline_minus_complement_filter(
    site: Web, dimension: str, field: str, value: Any
) -> None:
    """The unfiltered headline figures minus the figures filtered to every other value."""
    public, analyst = _clients(site)
    every = {r[field] for r in ROWS}
    complement = sorted(v for v in every if v != value)
    target = truth(**{field: {value}})
    assert 0 < target["cooperatives"] < CONTROL.k

    exact = summary(analyst)["sales"] - summary(analyst, **{dimension: complement})["sales"]
    assert exact == pytest.approx(target["sales"])

    whole = summary(public)
    rest = summary(public, **{dimension: complement})
    assert_count_not_recovered(
        target["cooperatives"], [whole["cooperatives"]], [rest["cooperatives"]]
    )
    assert_sum_not_recovered(target["sales"], estimate([whole["sales"]], [rest["sales"]]))
    assert_sum_not_recovered(target["members"], estimate([whole["members"]], [rest["members"]]))


def test_chart_csv_minus_complement_filtered_chart_csv(site: Web) -> None:
    """Cooperatives by ILO type, unfiltered minus filtered to every region but 15: region 15's
    distribution by type, whose small cells (consumer_user: 1) must not come out."""
    public, _ = _clients(site)
    regions = sorted({r["region_code"] for r in ROWS} - {15})
    whole = chart(public, "cooperatives_by_ilo_type")
    rest = chart(public, "cooperatives_by_ilo_type", region=regions)
    checked = 0
    for label, row in whole.items():
        if label == "total":
            continue
        ilo = next(
            code
            for code, term in vocabulary("ilo_types").terms.items()
            if term.label("es") == label
        )
        target = truth(region_code={15}, ilo_type={ilo})["cooperatives"]
        other = rest.get(label, {"cooperatives": "0", "status": ""})  # absent: empty
        assert_count_not_recovered(
            int(target), [number(row["cooperatives"])], [number(other["cooperatives"])]
        )
        checked += 1
    assert checked >= 3
    # The same with sums: sales by size, unfiltered minus every region but 15.
    sales_whole = chart(public, "sales_by_size_sales")
    sales_rest = chart(public, "sales_by_size_sales", region=regions)
    labels = value_labels("size_sales", list(BANDS), "es")
    for band, (low, high) in BANDS.items():
        row = sales_whole.get(labels[band])
        if row is None:
            continue
        other = sales_rest.get(labels[band], {"sales": "0"})
        in_15 = [r for r in ROWS if r["region_code"] == 15 and low < r["sales_amount"] <= high]
        guess = estimate([number(row["sales"])], [number(other["sales"])])
        assert_sum_not_recovered(sum(r["sales_amount"] for r in in_15), guess)
    total_guess = estimate(
        [number(sales_whole["total"]["sales"])], [number(sales_rest["total"]["sales"])]
    )
    assert_sum_not_recovered(truth(region_code={15})["sales"], total_guess)


def test_comuna_table_minus_rural_class_table(site: Web) -> None:
    """Region 15's rural cooperatives (rural-class table) minus its visible rural comunas
    (comuna table): the hidden comuna (Camarones, 1 cooperative)."""
    public, analyst = _clients(site)
    for measure in ("cooperatives", "members"):
        exact_rural = table(analyst, rows="rural_class", measure=measure, region=15)
        exact_comunas = table(analyst, rows="comuna", measure=measure, region=15)
        row = exact_rural["row_values"].index("rural")
        visible = [
            exact_comunas["values"][i][0]
            for i, code in enumerate(exact_comunas["row_values"])
            if code in (15201, 15202)
        ]
        target = truth(comuna_code={15102})[measure]
        assert exact_rural["values"][row][0] - sum(visible) == target  # the attack is real

        rural = table(public, rows="rural_class", measure=measure, region=15)
        comunas = table(public, rows="comuna", measure=measure, region=15)
        i = comunas["row_values"].index(15102)
        assert comunas["counts"][i][0] is None and comunas["values"][i][0] is None
        rural_value = rural["values"][rural["row_values"].index("rural")][0]
        shown = [
            comunas["values"][i][0]
            for i, code in enumerate(comunas["row_values"])
            if code in (15201, 15202)
        ]
        if measure == "cooperatives":
            assert_count_not_recovered(int(target), [rural_value], shown)
        else:
            assert_sum_not_recovered(target, estimate([rural_value], shown))


def test_members_of_one_cooperative_cells_are_never_published(site: Web) -> None:
    public, _ = _clients(site)
    for rows, columns in (("region", "legal_class"), ("comuna", "ilo_type")):
        data = table(public, rows=rows, columns=columns, measure="members")
        exact = table(site.login_as("analyst"), rows=rows, columns=columns, measure="members")
        small = 0
        for i, line in enumerate(exact["counts"]):
            for j, n in enumerate(line):
                if n < CONTROL.k:
                    small += 1
                    assert data["values"][i][j] is None and data["counts"][i][j] is None
                    assert data["status"][i][j] == "below_k"
        assert small >= 4


# -- attacks of our own ---------------------------------------------------------------------------


def test_asking_again_or_rephrasing_gives_the_same_noise(site: Web) -> None:
    """Averaging repeated or equivalent queries does not wash the noise out: the same set of
    cooperatives always gets the same figures."""
    public, _ = _clients(site)
    first = summary(public, region=15)
    again = summary(public, region=15)
    rephrased = summary(
        public,
        region=15,
        rural_class=["rural", "mixta", "urbana"],
        ilo_type=list(vocabulary("ilo_types").terms),
    )
    for key in ("cooperatives", "members", "sales", "workers"):
        assert first[key] == again[key] == rephrased[key]
    region_chart = chart(public, "cooperatives_by_region")
    assert {number(r["cooperatives"]) for k, r in region_chart.items() if "Arica" in k} == {
        first["cooperatives"]
    }


def test_csv_and_api_agree_so_one_cannot_be_played_against_the_other(site: Web) -> None:
    public, _ = _clients(site)
    api = site.client.get("/api/v1/stats/dashboard").json()
    csv_rows = chart(public, "cooperatives_by_region")
    assert number(csv_rows["total"]["cooperatives"]) == api["headline"]["cooperatives"]
    members = chart(public, "members_by_region")
    assert number(members["total"]["members"]) == api["headline"]["members"]


def test_the_attacks_rarely_hit_even_by_chance() -> None:
    """Over many draws of record keys, the attacker's natural estimate (a plain difference)
    is right for a one-cooperative count only by chance, and never for its sales."""
    rng = random.Random(7)
    exact_counts = 0
    draws = 400
    sales = [float(rng.randint(1, 90)) * M for _ in range(27)]
    target_sales = 777 * M
    for _ in range(draws):
        keys = [rng.randrange(2**31) for _ in range(28)]
        a_keys, b_keys = sum(keys), sum(keys[1:])
        count_a = CONTROL.count(28, a_keys)
        count_b = CONTROL.count(27, b_keys)
        exact_counts += count_a - count_b == 1
        sales_a = CONTROL.sum(sum(sales) + target_sales, 28, target_sales, a_keys, "sales")
        sales_b = CONTROL.sum(sum(sales), 27, max(sales), b_keys, "sales")
        assert sales_a is not None and sales_b is not None
        assert abs((sales_a - sales_b) - target_sales) >= 1
    # With D = 2 and V = 1 the two adjustments agree about 28 % of the time, and the attacker
    # cannot tell when.
    assert exact_counts / draws < 0.4


def test_public_counts_are_really_perturbed(site: Web) -> None:
    """The count checks above reason as an attacker who knows the method; this one makes sure
    the method runs: over the dashboard's cells, published counts differ from the exact ones
    about 60 % of the time (1 − p(0) of the perturbation table), and never by more than D."""
    public, analyst = _clients(site)
    shown = public.get("/api/v1/stats/dashboard").json()
    exact = analyst.get("/api/v1/stats/dashboard").json()
    changed = compared = 0
    for name, data in shown["charts"].items():
        for line, exact_line in zip(data["counts"], exact["charts"][name]["counts"], strict=True):
            for published, true in zip(line, exact_line, strict=True):
                if published is None:
                    continue
                compared += 1
                changed += published != true
                assert abs(published - true) <= CONTROL.max_noise
    assert compared >= 20 and changed / compared > 0.3
