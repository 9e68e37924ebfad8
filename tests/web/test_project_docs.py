"""The project's files say what is true: licence metadata, documented addresses, make run."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from tests.authz import iter_routes
from tests.conftest import Web

ROOT = Path(__file__).resolve().parents[2]


def test_license_is_an_spdx_expression_string() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]
    assert project["license"] == "AGPL-3.0-or-later"
    assert not any(c.startswith("License ::") for c in project.get("classifiers", []))


def test_readme_says_make_run_takes_port_and_host() -> None:
    readme = (ROOT / "README.md").read_text("utf-8")
    assert re.search(r"make run HOST=\S+ PORT=\d+", readme)
    makefile = (ROOT / "Makefile").read_text("utf-8")
    assert "--host $(HOST) --port $(PORT)" in makefile


def test_addresses_in_the_diagnosis_docs_are_routes_of_the_app(web: Web) -> None:
    text = (ROOT / "docs" / "diagnosis.md").read_text("utf-8")
    documented = set(re.findall(r"`(?:GET |POST |PATCH )?(/[a-z0-9_{}/.\-]+)`", text))
    routes = {path for path, _route in iter_routes(web.app.routes)}
    pattern = re.compile(r"{[^}]+}")
    normal = {pattern.sub("{}", r) for r in routes}
    assert "/diagnosis/{id}/report.pdf" in documented
    missing = sorted(d for d in documented if pattern.sub("{}", d) not in normal)
    assert not missing, f"docs/diagnosis.md names addresses the app does not have: {missing}"
