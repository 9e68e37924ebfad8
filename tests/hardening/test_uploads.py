"""Upload bombs and oversized uploads are refused clearly, with bounded memory.

The bombs are built here, streamed to disk (1.5 MB for a 1.5 GB string), on both engines,
through the registry and the diagnosis imports, via the API and the web pages.
"""

from __future__ import annotations

import io
import tracemalloc
from collections.abc import Iterator
from pathlib import Path

import pytest

from asocia import archives
from asocia.archives import ArchiveRefused, check_xlsx
from tests.conftest import Web
from tests.hardening import bombs

MEMORY_BOUND = 64 << 20  # Python allocations while one bomb is refused


@pytest.fixture(scope="module")
def bomb_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("bombs")
    built = {
        "string": folder / "string.xlsx",
        "row": folder / "row.xlsx",
        "columns": folder / "columns.csv",
    }
    bombs.huge_string_xlsx(built["string"])
    bombs.wide_row_xlsx(built["row"])
    bombs.wide_csv(built["columns"])
    return built


@pytest.fixture
def peak_memory() -> Iterator[list[int]]:
    tracemalloc.start()
    peak: list[int] = []
    try:
        yield peak
    finally:
        peak.append(tracemalloc.get_traced_memory()[1])
        tracemalloc.stop()


def test_bombs_are_small_files(bomb_files: dict[str, Path]) -> None:
    assert bomb_files["string"].stat().st_size < 3 << 20
    assert bomb_files["row"].stat().st_size < 1 << 20
    assert bomb_files["columns"].stat().st_size < 3 << 20


@pytest.mark.parametrize("bomb", ["string", "row"])
def test_registry_api_refuses_xlsx_bombs(
    hardened: Web, bomb_files: dict[str, Path], bomb: str
) -> None:
    analyst = hardened.login_as("analyst")
    data = bomb_files[bomb].read_bytes()
    tracemalloc.start()
    try:
        response = analyst.post(
            "/api/v1/registry/imports",
            files={"file": ("registro.xlsx", data)},
            data={"dry_run": "true"},
            headers={"X-CSRF-Token": hardened.csrf(analyst)},
        )
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert response.status_code == 422, response.text
    assert "registro.xlsx" not in response.json()["error"] or "limit" in response.json()["error"]
    assert "limit" in response.json()["error"]
    assert peak < MEMORY_BOUND + 2 * len(data), peak
    folder = hardened.app.state.settings.upload_dir / "registry"
    assert not any(folder.glob("*.xlsx")), "the API upload was not cleaned up"


@pytest.mark.parametrize("bomb", ["string", "row", "columns"])
def test_registry_wizard_refuses_bombs(
    hardened: Web, bomb_files: dict[str, Path], bomb: str
) -> None:
    analyst = hardened.login_as("analyst")
    path = bomb_files[bomb]
    uploaded = analyst.post(
        "/registry/import",
        files={"file": (f"registro{path.suffix}", path.read_bytes())},
        data={"csrf_token": hardened.csrf(analyst)},
    )
    assert uploaded.status_code == 303, uploaded.text
    tracemalloc.start()
    try:
        page = analyst.get(uploaded.headers["location"])
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert page.status_code == 400
    assert "limit" in page.text or "at most 1000" in page.text
    assert len(page.content) < 200_000
    assert peak < MEMORY_BOUND, peak
    folder = hardened.app.state.settings.upload_dir / "registry"
    assert not any(folder.glob(f"*{path.suffix}")), "a refused upload was kept"


@pytest.mark.parametrize("bomb", ["string", "row"])
def test_diagnosis_import_refuses_xlsx_bombs(
    hardened: Web, bomb_files: dict[str, Path], bomb: str
) -> None:
    analyst = hardened.login_as("analyst")
    data = bomb_files[bomb].read_bytes()
    tracemalloc.start()
    try:
        api = analyst.post(
            "/api/v1/diagnoses/import",
            files={"file": ("export.xlsx", data)},
            headers={"X-CSRF-Token": hardened.csrf(analyst)},
        )
        page = analyst.post(
            "/diagnosis/import",
            files={"file": ("export.xlsx", data)},
            data={"csrf_token": hardened.csrf(analyst)},
        )
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert api.status_code == 422, api.text
    assert "limit" in api.json()["detail"]
    assert page.status_code == 422
    assert "limit" in page.text
    assert peak < MEMORY_BOUND + 4 * len(data), peak


def test_upload_over_the_limit_is_413_page_and_json(hardened: Web) -> None:
    analyst = hardened.login_as("analyst")
    big = b"x" * (3 << 20)  # the fixture's limit is 2 MB
    page = analyst.post(
        "/registry/import",
        files={"file": ("registro.csv", big)},
        data={"csrf_token": hardened.csrf(analyst)},
    )
    assert page.status_code == 413
    assert "text/html" in page.headers["content-type"]
    assert "2 MB" in page.text
    api = analyst.post(
        "/api/v1/registry/imports",
        files={"file": ("registro.csv", big)},
        headers={"X-CSRF-Token": hardened.csrf(analyst)},
    )
    assert api.status_code == 413
    assert "2 MB" in api.json()["detail"]
    folder = hardened.app.state.settings.upload_dir / "registry"
    assert not folder.exists() or not any(folder.iterdir())


def test_upload_limit_holds_without_content_length(hardened: Web) -> None:
    """A chunked body (no Content-Length) is cut off once it passes the limit."""
    analyst = hardened.login_as("analyst")
    boundary = "asociaboundary"
    sent = [0]

    def body() -> Iterator[bytes]:
        yield (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
            'filename="registro.csv"\r\nContent-Type: text/csv\r\n\r\n'
        ).encode()
        for _ in range(64):  # 64 MB if nobody stopped reading
            sent[0] += 1
            yield b"y" * (1 << 20)
        yield f"\r\n--{boundary}--\r\n".encode()

    response = analyst.post(
        "/api/v1/registry/imports",
        content=body(),
        headers={
            "X-CSRF-Token": hardened.csrf(analyst),
            "Content-Type": f"multipart/form-data; boundary={boundary}",
        },
    )
    assert response.status_code == 413
    assert "content-length" not in {k.lower() for k in response.request.headers}
    folder = hardened.app.state.settings.upload_dir / "registry"
    assert not folder.exists() or not any(folder.iterdir())


def test_string_length_and_dimension_checks() -> None:
    longer = io.BytesIO()
    bombs.long_string_xlsx(longer)
    with pytest.raises(ArchiveRefused, match="32767") as caught:
        check_xlsx(longer)
    assert "caracteres" in caught.value.spanish()
    assert longer.tell() == 0


def test_cells_per_row_counted_when_the_ratio_looks_normal(tmp_path: Path) -> None:
    """A wide row of varied values (ratio under the limit) is caught by the cell count."""
    import random
    import zipfile

    rng = random.Random(2)
    cells = b"".join(
        f'<c t="n"><v>{rng.randint(0, 10**9)}</v></c>'.encode()
        for _ in range(archives.MAX_CELLS_PER_ROW + 5)
    )
    path = tmp_path / "wide.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        out.writestr(
            "xl/worksheets/sheet1.xml",
            b'<worksheet><dimension ref="A1:B2"/><sheetData><row r="1">'
            + cells
            + b"</row></sheetData></worksheet>",
        )
    with pytest.raises(ArchiveRefused, match="row 1 has more than 16384 cells"):
        check_xlsx(path)


def test_declared_dimension_is_checked(tmp_path: Path) -> None:
    import zipfile

    path = tmp_path / "dim.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        out.writestr(
            "xl/worksheets/sheet1.xml",
            b'<worksheet><dimension ref="A1:ZZZZ5"/><sheetData/></worksheet>',
        )
    with pytest.raises(ArchiveRefused, match="declares 5 rows"):
        check_xlsx(path)


def test_a_real_workbook_passes(tmp_path: Path) -> None:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    for i in range(2000):
        sheet.append([f"Cooperativa {i}", "65.000.001-1", "Ñuble", i * 1000, "=SUM(A1:A2)"])
    path = tmp_path / "real.xlsx"
    workbook.save(path)
    check_xlsx(path)
