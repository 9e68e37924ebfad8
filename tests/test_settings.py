"""Settings from the environment, validated with clear messages, and documented."""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path

import pytest

from asocia.settings import Settings, SettingsError

DOCS = Path(__file__).resolve().parents[1] / "docs"


def test_defaults() -> None:
    settings = Settings.from_env({})
    assert settings.database_url.startswith("sqlite:///")
    assert settings.database_url.endswith("asocia.db")
    assert settings.default_language == "es"
    assert settings.disclosure_k == 3


def test_values_are_converted() -> None:
    settings = Settings.from_env(
        {
            "ASOCIA_DATABASE_URL": "postgresql://u:p@db/asocia",
            "ASOCIA_DEFAULT_LANGUAGE": "en",
            "ASOCIA_SESSION_HOURS": "8",
            "ASOCIA_UF_CLP": "38500.5",
            "ASOCIA_FORCE_SECURE_COOKIES": "yes",
            "ASOCIA_UPLOAD_DIR": "/srv/uploads",
        }
    )
    assert settings.session_hours == 8
    assert settings.uf_clp == 38500.5
    assert settings.force_secure_cookies is True
    assert settings.upload_dir == Path("/srv/uploads")


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"ASOCIA_DEFAULT_LANGUAGE": "fr"}, "ASOCIA_DEFAULT_LANGUAGE must be one of es, en"),
        ({"ASOCIA_SESSION_HOURS": "many"}, "ASOCIA_SESSION_HOURS has an invalid value: 'many'"),
        ({"ASOCIA_DISCLOSURE_K": "0"}, "ASOCIA_DISCLOSURE_K must be a positive whole number"),
        ({"ASOCIA_DATABASE_URL": "mysql://x/y"}, "ASOCIA_DATABASE_URL must start with"),
        ({"ASOCIA_SECRET_KEY": "short"}, "ASOCIA_SECRET_KEY must be at least 32"),
        ({"ASOCIA_FORCE_SECURE_COOKIES": "maybe"}, "ASOCIA_FORCE_SECURE_COOKIES has an invalid"),
    ],
)
def test_invalid_values_name_the_variable(environ: dict[str, str], message: str) -> None:
    with pytest.raises(SettingsError, match=message):
        Settings.from_env(environ)


def test_every_setting_is_documented() -> None:
    text = (DOCS / "configuration.md").read_text()
    missing = [
        f"ASOCIA_{f.name.upper()}"
        for f in fields(Settings)
        if f"ASOCIA_{f.name.upper()}" not in text
    ]
    assert not missing, f"settings missing from docs/configuration.md: {missing}"
