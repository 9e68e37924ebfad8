"""Everyday use of the web app: error pages, API document, account page, uploads, caching."""

from __future__ import annotations

import gzip
import re
from pathlib import Path

from fastapi import HTTPException

from asocia.web import caching
from tests.conftest import Web


def test_pages_answer_html_error_pages_in_spanish_and_the_api_json(web: Web) -> None:
    client = web.login_as("analyst")
    for path, status in (("/registry/abc", 404), ("/registry/999999", 404), ("/nothing", 404)):
        response = client.get(path)
        assert response.status_code == status, path
        assert response.headers["content-type"].startswith("text/html"), path
        assert '<html lang="es"' in response.text and 'class="site-header"' in response.text
        assert "Página no encontrada" in response.text, path
    assert "La dirección nombra algo que no existe." in client.get("/registry/abc").text
    assert "no existe esa cooperativa" in client.get("/registry/999999").text

    api = client.get("/api/v1/registry/cooperatives/abc")
    assert api.status_code == 422 and api.json()["detail"] == "invalid request"
    missing = client.get("/api/v1/nothing")
    assert missing.status_code == 404 and missing.json() == {"detail": "Not Found"}

    english = web.new_client()
    english.cookies.set("asocia_lang", "en")
    assert "Page not found" in english.get("/nothing").text


def test_an_unexpected_failure_is_a_500_page_in_the_layout(web: Web) -> None:
    def boom() -> None:
        raise RuntimeError("internal detail that must not leak")

    def refuse() -> None:
        raise HTTPException(409, "no such job")

    web.app.add_api_route("/boom", boom)
    web.app.add_api_route("/api/v1/boom", boom)
    web.app.add_api_route("/conflict", refuse)
    from fastapi.testclient import TestClient

    with TestClient(web.app, raise_server_exceptions=False) as client:
        page = client.get("/boom")
        assert page.status_code == 500 and page.headers["content-type"].startswith("text/html")
        assert "Algo salió mal" in page.text or "salió mal" in page.text
        assert "internal detail" not in page.text
        api = client.get("/api/v1/boom")
        assert api.status_code == 500 and api.json() == {"detail": "internal error"}
        conflict = client.get("/conflict")
        assert conflict.status_code == 409 and "no existe ese trabajo" in conflict.text


def test_the_openapi_document_lists_only_the_api_with_bearer_auth(web: Web) -> None:
    document = web.client.get("/api/v1/openapi.json").json()
    paths = list(document["paths"])
    assert len(paths) > 15
    assert all(p.startswith("/api/v1/") for p in paths), [p for p in paths if "/api/" not in p]
    assert "/login" not in paths and "/registry" not in paths
    scheme = document["components"]["securitySchemes"]["bearerAuth"]
    assert scheme == {**scheme, "type": "http", "scheme": "bearer"}
    assert {"bearerAuth": []} in document["security"]


def test_account_page_shows_the_bearer_placeholder_as_text(web: Web) -> None:
    page = web.login_as("field").get("/account").text
    assert "Authorization: Bearer &lt;token&gt;" in page
    assert "<token>" not in page


def test_uploads_go_to_a_temporary_folder_not_the_checkout(web: Web, tmp_path: Path) -> None:
    checkout_uploads = Path.cwd() / "asocia-uploads"
    before = set(checkout_uploads.rglob("*")) if checkout_uploads.exists() else set()
    client = web.login_as("analyst")
    response = client.post(
        "/registry/import",
        files={"file": ("empty.csv", b"razon_social,rut\nCooperativa A,76.086.428-5\n")},
        data={"csrf_token": web.csrf(client)},
    )
    assert response.status_code == 303
    folder = web.app.state.settings.upload_dir
    assert folder.is_relative_to(tmp_path)
    assert list((folder / "registry").glob("*.csv"))
    after = set(checkout_uploads.rglob("*")) if checkout_uploads.exists() else set()
    assert after == before


def test_dashboard_is_cached_by_data_version_with_etag_and_304(web: Web) -> None:
    caching.clear()
    for i in range(5):
        web.make_cooperative(legal_name=f"Cooperativa {i}", region_code=13, legal_status="vigente")
    client = web.login_as("analyst")
    first = client.get("/stats")
    assert first.status_code == 200
    etag, modified = first.headers["etag"], first.headers["last-modified"]
    misses = caching.PAGES.misses
    second = client.get("/stats")
    assert second.status_code == 200 and caching.PAGES.misses == misses  # served from the cache
    assert second.headers["etag"] == etag
    assert client.get("/stats", headers={"If-None-Match": etag}).status_code == 304
    assert client.get("/stats", headers={"If-Modified-Since": modified}).status_code == 304
    # Another language, other filters and the public view are other entries.
    assert client.get("/stats?region=13").headers["etag"] != etag
    anonymous = web.new_client().get("/stats")
    assert anonymous.status_code == 200 and anonymous.headers["etag"] != etag
    # A change of the registry changes the data version: a new page, not the cached one.
    web.make_cooperative(legal_name="Cooperativa nueva", region_code=13, legal_status="vigente")
    third = client.get("/stats", headers={"If-None-Match": etag})
    assert third.status_code == 200 and third.headers["etag"] != etag
    assert caching.PAGES.misses == misses + 3

    api = client.get("/api/v1/stats/dashboard")
    assert api.status_code == 200 and api.json()["headline"]["cooperatives"] == 6
    again = client.get("/api/v1/stats/dashboard", headers={"If-None-Match": api.headers["etag"]})
    assert again.status_code == 304
    summary = client.get("/api/v1/stats/summary")
    assert summary.status_code == 200 and summary.json()["cooperatives"] == 6
    cached = client.get("/api/v1/stats/summary", headers={"If-None-Match": summary.headers["etag"]})
    assert cached.status_code == 304


def test_responses_are_compressed_for_clients_that_accept_gzip(web: Web) -> None:
    client = web.login_as("analyst")
    response = client.get("/stats", headers={"Accept-Encoding": "gzip"})
    assert response.headers["content-encoding"] == "gzip"
    raw = client.get("/stats", headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in raw.headers
    assert len(gzip.compress(raw.content)) < len(raw.content) / 3


def _new_diagnosis(web: Web, client: object) -> int:
    coop = web.make_cooperative()
    created = client.post(  # type: ignore[attr-defined]
        "/api/v1/diagnoses",
        json={
            "cooperative_id": coop,
            "instrument": "diagnostico-cooperativo",
            "diagnosed_on": "2026-02-01",
        },
        headers={"X-CSRF-Token": web.csrf(client)},  # type: ignore[arg-type]
    )
    assert created.status_code == 201, created.text
    return int(created.json()["id"])


def test_numbers_are_typed_and_shown_in_the_interface_language(web: Web) -> None:
    field = web.login_as("field")
    diagnosis = _new_diagnosis(web, field)
    page = f"/diagnosis/{diagnosis}/edit/gestion_financiera"
    saved = field.post(
        page,
        data={
            "fin_activo_corriente": "1.234,5",
            "fin_pasivo_corriente": "824,77",
            "intent": "save",
            "csrf_token": web.csrf(field),
        },
    )
    assert saved.status_code == 200, saved.text
    api = field.get(f"/api/v1/diagnoses/{diagnosis}").json()
    assert api["answers"]["fin_activo_corriente"] == 1234.5
    assert api["answers"]["fin_pasivo_corriente"] == 824.77
    shown = field.get(page).text
    assert 'name="fin_activo_corriente" value="1.234,5"' in shown
    assert 'name="fin_pasivo_corriente" value="824,77"' in shown

    field.cookies.set("asocia_lang", "en")
    english = field.get(page).text
    assert 'name="fin_activo_corriente" value="1,234.5"' in english
    field.post(
        page,
        data={"fin_activo_corriente": "2,000.25", "intent": "save", "csrf_token": web.csrf(field)},
    )
    assert (
        field.get(f"/api/v1/diagnoses/{diagnosis}").json()["answers"]["fin_activo_corriente"]
        == 2000.25
    )


def test_form_errors_are_in_spanish_and_name_the_question(web: Web) -> None:
    field = web.login_as("field")
    diagnosis = _new_diagnosis(web, field)
    bad = field.post(
        f"/diagnosis/{diagnosis}/edit/gestion_financiera",
        data={"fin_activo_corriente": "mucho", "intent": "save", "csrf_token": web.csrf(field)},
    )
    assert bad.status_code == 422
    assert "se esperaba un número" in bad.text and "expected a number" not in bad.text
    submit = field.post(
        f"/diagnosis/{diagnosis}/edit/gobernanza",
        data={"intent": "submit", "csrf_token": web.csrf(field)},
    )
    assert submit.status_code == 422
    assert "falta una respuesta obligatoria" in submit.text
    assert "required answer missing" not in submit.text


def test_one_date_format_per_language() -> None:
    from datetime import date, datetime

    from asocia.web.forms import input_number, parse_number
    from asocia.web.templating import _format_date

    assert _format_date(date(2026, 2, 7), "es") == "7 feb 2026"
    assert _format_date("2024-12-25", "es") == "25 dic 2024"
    assert _format_date(datetime(2024, 12, 25, 10, 30), "en") == "Dec 25, 2024"
    assert parse_number("1.234,5", "es") == "1234.5"
    assert parse_number("1.234", "es") == "1234"
    assert parse_number("824,77", "es") == "824.77"
    assert parse_number("824.77", "es") == "824.77"
    assert parse_number("1,234.5", "en") == "1234.5"
    assert parse_number("1.2.3", "es") == "1.2.3"  # left for the validator to refuse
    assert input_number(824.77, "es") == "824,77" and input_number(1500, "es") == "1.500"


def test_upload_errors_name_the_persons_file_in_spanish(web: Web) -> None:
    client = web.login_as("analyst")
    response = client.post(
        "/registry/import",
        files={"file": ("empty.csv", b"")},
        data={"csrf_token": web.csrf(client)},
    )
    assert response.status_code == 303
    token = response.headers["location"].rsplit("/", 1)[1]
    page = client.get(f"/registry/import/{token}")
    assert page.status_code == 400
    assert "empty.csv: el archivo está vacío o no tiene línea de encabezados" in page.text
    assert token not in page.text.split("<main", 1)[1]


def test_upload_error_text_keeps_the_line_and_translates() -> None:
    from asocia.web.forms import upload_error

    spanish = {"line": "línea", "cannot decode the file as %(value)s": "no se puede leer %(value)s"}
    text = upload_error(
        "/srv/up/abc123.csv, line 4: field larger than field limit",
        ["/srv/up/abc123.csv", "abc123.csv"],
        "socios.csv",
        lambda m: spanish.get(m, m),
    )
    assert text == "socios.csv, línea 4: field larger than field limit"
    text = upload_error(
        "abc123.csv: cannot decode the file as utf-8: bad byte",
        ["abc123.csv"],
        "socios.csv",
        lambda m: spanish.get(m, m),
    )
    assert text == "socios.csv: no se puede leer utf-8"


def test_diagnosis_list_is_paged_with_a_count(web: Web) -> None:
    from datetime import date, timedelta

    from asocia.diagnosis import store
    from asocia.diagnosis.loader import get_instrument

    instrument = get_instrument("diagnostico-rapido")
    coop = web.make_cooperative()
    with web.db.session() as session:
        for i in range(57):
            store.create_diagnosis(
                session,
                cooperative_id=coop,
                instrument=instrument,
                diagnosed_on=date(2025, 1, 1) + timedelta(days=i // 2),
                diagnostician="M. Soto",
                actor=store.Actor(username="test"),
            )
    client = web.login_as("analyst")
    first = client.get("/diagnosis")
    assert first.status_code == 200
    assert "57 diagnósticos." in first.text and "Se muestran 50 en esta página." in first.text
    assert first.text.count('href="/diagnosis/') - first.text.count('href="/diagnosis/new') >= 50
    following = first.text.split('rel="next" href="', 1)[1].split('"', 1)[0]
    second = client.get(following.replace("&amp;", "&"))
    assert second.status_code == 200 and 'rel="next"' not in second.text
    ids = lambda html: set(re.findall(r'href="/diagnosis/(\d+)"', html))  # noqa: E731
    assert len(ids(first.text)) == 50 and len(ids(second.text)) == 7
    assert not ids(first.text) & ids(second.text)
    assert client.get("/diagnosis?after=nonsense").status_code == 400


def test_long_validation_reports_are_summarised_then_paged(web: Web, tmp_path: Path) -> None:
    from asocia.registry.synthetic_files import CSV_NAME, write_files

    write_files(400, tmp_path, seed=7, formats=["csv"], broken_share=0.6)
    client = web.login_as("analyst")
    upload = client.post(
        "/registry/import",
        files={"file": ("registro.csv", (tmp_path / CSV_NAME).read_bytes())},
        data={"csrf_token": web.csrf(client)},
    )
    token = upload.headers["location"].rsplit("/", 1)[1]
    report = client.post(
        f"/registry/import/{token}/validate", data={"csrf_token": web.csrf(client), "country": "CL"}
    )
    assert report.status_code == 200, report.text[:500]
    html = report.text
    summary = html.split('data-testid="problem-summary"', 1)[1].split("</table>", 1)[0]
    rows = html.split('data-testid="problems"', 1)[1].split("</table>", 1)[0]
    assert summary.count("<tr>") >= 2  # header and at least one reason
    assert html.index('data-testid="problem-summary"') < html.index('data-testid="problems"')
    assert rows.count("<tr>") <= 101  # one page of rows
    total = int(re.search(r'problem-total">([\d.]+) problemas', html)[1].replace(".", ""))  # type: ignore[index]
    assert total > 100 and "El informe enumera los primeros 100 problemas." in html

    # A stored import run pages its problems.
    from asocia.db.models.registry import ImportRun

    confirm = client.post(
        f"/registry/import/{token}/confirm", data={"csrf_token": web.csrf(client), "mapping": "{}"}
    )
    assert confirm.status_code == 303
    import time

    deadline = time.monotonic() + 60
    run_id = None
    while run_id is None and time.monotonic() < deadline:
        with web.db.session() as session:
            run = session.query(ImportRun).filter(ImportRun.status != "running").first()
            run_id = run.id if run else None
        time.sleep(0.2)
    assert run_id is not None
    page = client.get(f"/registry/imports/{run_id}").text
    assert 'data-testid="problem-pages"' in page and "Página 1 de" in page
    second = client.get(f"/registry/imports/{run_id}?problems_page=2").text
    assert "Página 2 de" in second and "Problemas 101 a" in second


def test_portfolio_and_column_mapping_show_labels_not_codes(web: Web) -> None:
    from datetime import date

    from asocia.diagnosis import store
    from asocia.diagnosis.loader import get_instrument
    from asocia.diagnosis.sample import extreme_answers

    instrument = get_instrument("diagnostico-cooperativo")
    coop = web.make_cooperative(region_code=1, legal_class="agua_potable")
    with web.db.session() as session:
        diagnosis = store.create_diagnosis(
            session,
            cooperative_id=coop,
            instrument=instrument,
            diagnosed_on=date(2025, 3, 1),
            diagnostician="M. Soto",
            actor=store.Actor(username="test"),
        )
        store.save_answers(
            session,
            diagnosis,
            instrument,
            store.answers_to_json(extreme_answers(instrument, best=True)),
            submit=True,
        )
    client = web.login_as("analyst")
    page = client.get("/diagnosis/portfolio").text
    table = page.split('data-testid="portfolio"', 1)[1]
    assert "Región de Tarapacá" in table and "De agua potable" in table
    assert "<tr><td>1</td>" not in table and "<td>agua_potable</td>" not in table

    upload = client.post(
        "/registry/import",
        files={"file": ("socios.csv", b"razon_social,rut\nCooperativa A,76.086.428-5\n")},
        data={"csrf_token": web.csrf(client)},
    )
    preview = client.get(upload.headers["location"]).text
    assert '<option value="tax_id" selected>RUT</option>' in preview
    assert '<option value="legal_name" selected>Razón social</option>' in preview
    assert ">members_total<" not in preview and ">Socios<" in preview


def test_settings_from_the_environment_upload_to_a_temporary_folder(tmp_path: Path) -> None:
    from asocia.settings import Settings

    assert Settings.from_env().upload_dir == tmp_path / "uploads"


def test_dashboard_traffic_lights_follow_the_region_filter_and_say_so(web: Web) -> None:
    from datetime import date

    from asocia.diagnosis import store
    from asocia.diagnosis.loader import get_instrument
    from asocia.diagnosis.sample import extreme_answers

    caching.clear()
    instrument = get_instrument("diagnostico-cooperativo")
    answers = store.answers_to_json(extreme_answers(instrument, best=True))
    coops = [
        web.make_cooperative(legal_name=f"Coop {n}", region_code=region, legal_class="agricola")
        for n, region in enumerate((1, 13, 13))
    ]
    with web.db.session() as session:
        for coop in coops:
            diagnosis = store.create_diagnosis(
                session,
                cooperative_id=coop,
                instrument=instrument,
                diagnosed_on=date(2025, 3, 1),
                diagnostician="M. Soto",
                actor=store.Actor(username="test"),
            )
            store.save_answers(session, diagnosis, instrument, answers, submit=True)
    client = web.login_as("analyst")

    def diagnoses(query: str) -> tuple[set[str], str]:
        page = client.get("/stats" + query).text
        section = page.split('data-testid="diagnosis-aggregates"', 1)[1].split("</section>", 1)[0]
        counts = set(re.findall(r'</th><td class="num">(\d+)</td>', section))
        return counts, section

    everything, section = diagnoses("")
    assert everything == {"3"}
    assert "Esta tabla sigue los filtros de región y clase." in section
    north, section = diagnoses("?region=1")
    assert north == {"1"}
    assert diagnoses("?region=13")[0] == {"2"}
    assert "no se aplican" not in section
    _, section = diagnoses("?rural_class=rural")
    assert "Los filtros de clase rural y tipo OIT no se aplican a ella." in section
