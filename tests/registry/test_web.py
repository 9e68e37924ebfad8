"""Registry pages and API in-process, on SQLite and PostgreSQL."""

from __future__ import annotations

import time
from typing import Any

from asocia.registry.importer import SAVING, import_file
from asocia.web.registry_import import _job_progress
from tests.conftest import Web
from tests.registry.conftest import Files, row


def _load(web: Web, files: Files) -> None:
    import_file(
        web.db,
        files.csv(
            [
                row(),
                row(
                    rut="65.000.012-9",
                    name="Cooperativa Campesina Los Aromos",
                    comuna="Ninhue",
                    region="",
                    legal_class="Campesina",
                    members="15",
                    women="",
                    men="",
                    sales="",
                    email="",
                    representative="",
                ),
                row(rut="65.000.013-7", name="Cooperativa Agricola La Union", comuna="Chillán"),
            ]
        ),
    )


def _wait_for_job(client: Any, location: str) -> dict[str, Any]:
    job_id = location.rsplit("/", 1)[1]
    for _ in range(200):
        status = client.get(f"/api/v1/jobs/{job_id}").json()
        if status["status"] in ("done", "failed"):
            return status  # type: ignore[no-any-return]
        time.sleep(0.05)
    raise AssertionError("job did not finish")


def test_list_filters_and_pages(web: Web, files: Files) -> None:
    _load(web, files)
    analyst = web.login_as("analyst")
    page = analyst.get("/registry", params={"rural_class": "rural"})
    assert page.status_code == 200
    assert "Cooperativa Campesina Los Aromos" in page.text
    assert "Cooperativa Agrícola La Unión Ltda." not in page.text
    first = analyst.get("/api/v1/registry/cooperatives", params={"limit": 2}).json()
    assert [i["legal_name"] for i in first["items"]] == [
        "Cooperativa Agricola La Union",
        "Cooperativa Agrícola La Unión Ltda.",
    ]
    assert first["count"] == 3 and first["has_next"]
    rest = analyst.get(
        "/api/v1/registry/cooperatives", params={"limit": 2, "after": first["next_after"]}
    ).json()
    assert [i["legal_name"] for i in rest["items"]] == ["Cooperativa Campesina Los Aromos"]
    searched = analyst.get(
        "/api/v1/registry/cooperatives", params={"q": "aromos", "comuna": "16204"}
    ).json()
    assert searched["count"] == 1
    assert analyst.get("/registry", params={"sort": "-members", "page": "1"}).status_code == 200
    assert web.client.get("/registry", follow_redirects=False).status_code in (302, 303)
    assert web.client.get("/api/v1/registry/cooperatives").status_code == 401


def test_cooperative_page_history_and_contacts(web: Web, files: Files) -> None:
    _load(web, files)
    import_file(web.db, files.csv([row(members="1.300")], name="v2.csv"))
    analyst = web.login_as("analyst")
    coop_id = analyst.get("/api/v1/registry/cooperatives", params={"q": "76086428"}).json()[
        "items"
    ][0]["id"]
    page = analyst.get(f"/registry/{coop_id}")
    assert page.status_code == 200
    assert "contacto@launion.cl" in page.text and "v2.csv" in page.text
    assert 'data-testid="coop-history"' in page.text and "1300" in page.text
    history = analyst.get(f"/api/v1/registry/cooperatives/{coop_id}/history").json()
    assert [(h["field"], h["old_value"], h["new_value"]) for h in history] == [
        ("members_total", "1234", "1300")
    ]
    coop = web.login_as("coop", cooperative_id=coop_id)
    assert coop.get(f"/api/v1/registry/cooperatives/{coop_id}").json()["contact"] is not None
    others = [i for i in range(1, coop_id + 3) if i != coop_id]
    assert all(coop.get(f"/registry/{i}").status_code in (403, 404) for i in others)
    assert web.client.get(f"/api/v1/registry/cooperatives/{coop_id}").status_code == 401


def test_import_wizard_upload_preview_validate_confirm(web: Web, files: Files) -> None:
    analyst = web.login_as("analyst")
    token = web.csrf(analyst)
    path = files.csv(
        [
            ["76.086.428-5", "Cooperativa Uno", "12", "azul"],
            ["1.234.567-5", "Cooperativa Mala", "3", ""],
            ["65.000.012-9", "Cooperativa Dos", "muchos", ""],
        ],
        header=["Código", "Razón Social", "Socios", "Color"],
    )
    uploaded = analyst.post(
        "/registry/import",
        data={"csrf_token": token},
        files={"file": ("registro.csv", path.read_bytes(), "text/csv")},
        follow_redirects=False,
    )
    assert uploaded.status_code == 303
    preview_url = uploaded.headers["location"]
    preview = analyst.get(preview_url)
    assert preview.status_code == 200 and "Código" in preview.text
    # "Código" is not a known header: the person maps it to the tax id (column 0).
    report = analyst.post(
        f"{preview_url}/validate",
        data={
            "csrf_token": token,
            "country": "CL",
            "map_0": "tax_id",
            "map_1": "legal_name",
            "map_2": "members_total",
            "map_3": "extra",
        },
    )
    assert report.status_code == 200
    assert 'data-key="created">2<' in report.text and 'data-key="rejected">1<' in report.text
    assert "dígito verificador del RUT inválido" in report.text  # reasons in Spanish
    mapping = report.text.split('name="mapping" value="')[1].split('"')[0]
    confirmed = analyst.post(
        f"{preview_url}/confirm",
        data={"csrf_token": token, "mapping": mapping.replace("&#34;", '"')},
        follow_redirects=False,
    )
    assert confirmed.status_code == 303 and confirmed.headers["location"].startswith("/jobs/")
    status = _wait_for_job(analyst, confirmed.headers["location"])
    assert status["status"] == "done", status
    assert (status["result"]["created"], status["result"]["flagged"]) == (2, 1)
    # The import reported its progress in bytes of the file read (on SQLite too, where its
    # transaction holds the write lock), with a message the job page shows in Spanish; its
    # last phase rebuilt the statistics summary.
    assert 0 < status["done"] <= status["total"] == path.stat().st_size
    assert status["message"] == "Updating the statistics"
    job_page = analyst.get(confirmed.headers["location"]).text
    assert "Importación de un archivo del registro" in job_page and "100 %" in job_page
    assert "Actualizando las estadísticas" not in job_page  # a finished job shows no phase
    assert analyst.get(preview_url).status_code == 404  # the upload is removed once imported
    run_page = analyst.get(status["result"]["url"])
    assert run_page.status_code == 200 and "registro.csv" in run_page.text
    assert "no es un número" in run_page.text
    assert "registro.csv" in analyst.get("/registry/imports").text
    runs = analyst.get("/api/v1/registry/imports").json()
    assert runs[0]["created"] == 2
    detail = analyst.get(f"/api/v1/registry/imports/{runs[0]['id']}").json()
    assert {p["reason"] for p in detail["problems"]} >= {"not a number"}


def test_api_import_summary_and_dry_run(web: Web, files: Files) -> None:
    analyst = web.login_as("analyst")
    token = web.csrf(analyst)
    content = files.csv([row(), row(rut="1-2")]).read_bytes()
    dry = analyst.post(
        "/api/v1/registry/imports",
        headers={"X-CSRF-Token": token},
        data={"dry_run": "true"},
        files={"file": ("r.csv", content, "text/csv")},
    ).json()
    assert (dry["created"], dry["rejected"], dry["import_run_id"]) == (1, 1, None)
    done = analyst.post(
        "/api/v1/registry/imports",
        headers={"X-CSRF-Token": token},
        files={"file": ("r.csv", content, "text/csv")},
    ).json()
    assert {
        k: done[k] for k in ("read", "created", "updated", "unchanged", "rejected", "flagged")
    } == {"read": 2, "created": 1, "updated": 0, "unchanged": 0, "rejected": 1, "flagged": 0}
    bad = analyst.post(
        "/api/v1/registry/imports",
        headers={"X-CSRF-Token": token},
        files={"file": ("r.csv", b"", "text/csv")},
    )
    assert bad.status_code == 422


def test_duplicates_review_and_public_export(web: Web, files: Files) -> None:
    _load(web, files)
    analyst = web.login_as("analyst")
    page = analyst.get("/registry/duplicates")
    assert page.status_code == 200 and "Cooperativa Agricola La Union" in page.text
    ids = analyst.get("/api/v1/registry/cooperatives", params={"comuna": "16101"}).json()["items"]
    keep, other = sorted(i["id"] for i in ids)
    merged = analyst.post(
        "/registry/duplicates/decide",
        data={"csrf_token": web.csrf(analyst), "keep": keep, "other": other, "decision": "merge"},
        follow_redirects=False,
    )
    assert merged.status_code == 303
    assert analyst.get("/api/v1/registry/cooperatives").json()["count"] == 2
    public = analyst.get("/registry/export", params={"format": "csv", "public": "true"})
    assert public.status_code == 200 and "Los Aromos" in public.text
    assert "contacto@launion.cl" not in public.text and "Ana Soto" not in public.text
    exports = web.app.state.settings.upload_dir / "exports"
    before = set(exports.glob("*"))
    full = analyst.get("/registry/export", params={"format": "csv"})
    assert "contacto@launion.cl" in full.text
    assert set(exports.glob("*")) == before  # each export file is removed once sent


def test_ilo_type_override_and_reset_leave_history(web: Web, files: Files) -> None:
    _load(web, files)
    analyst = web.login_as("analyst")
    coop_id = analyst.get("/api/v1/registry/cooperatives", params={"q": "aromos"}).json()["items"][
        0
    ]["id"]
    page = analyst.get(f"/registry/{coop_id}")
    assert 'data-testid="ilo-form"' in page.text
    token = web.csrf(analyst)
    changed = analyst.post(
        f"/registry/{coop_id}/ilo-type",
        data={"csrf_token": token, "ilo_type": "multi_stakeholder"},
        follow_redirects=False,
    )
    assert changed.status_code == 303
    detail = analyst.get(f"/api/v1/registry/cooperatives/{coop_id}").json()
    assert (detail["ilo_type"], detail["ilo_type_overridden"]) == ("multi_stakeholder", True)
    analyst.post(f"/registry/{coop_id}/ilo-type", data={"csrf_token": token, "ilo_type": ""})
    detail = analyst.get(f"/api/v1/registry/cooperatives/{coop_id}").json()
    assert (detail["ilo_type"], detail["ilo_type_overridden"]) == ("producer", False)
    history = analyst.get(f"/api/v1/registry/cooperatives/{coop_id}/history").json()
    assert [(h["old_value"], h["new_value"]) for h in history] == [
        ("multi_stakeholder", "producer"),
        ("producer", "multi_stakeholder"),
    ]
    bad = analyst.post(
        f"/registry/{coop_id}/ilo-type", data={"csrf_token": token, "ilo_type": "pirate"}
    )
    assert bad.status_code == 400
    field = web.login_as("field")
    assert 'data-testid="ilo-form"' not in field.get(f"/registry/{coop_id}").text


def test_job_progress_names_each_phase_of_an_import() -> None:
    seen: list[tuple[int, int | None, str | None]] = []
    report = _job_progress(lambda *r: seen.append(r), dry_run=False)
    report(10, 100, "5000 rows read")
    report(100, 100, SAVING)
    report(100, 100, "statistics")
    _job_progress(lambda *r: seen.append(r), dry_run=True)(5, 100, "10 rows read")
    assert [m for _, _, m in seen] == [
        "Importing the file",
        "Saving the import",
        "Updating the statistics",
        "Checking the file",
    ]
    assert [(d, t) for d, t, _ in seen] == [(10, 100), (100, 100), (100, 100), (5, 100)]
