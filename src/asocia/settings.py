"""Settings, read once from ``ASOCIA_*`` environment variables and validated.

Every setting is documented in docs/configuration.md (a test checks that).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path

LANGUAGES = ("es", "en")


class SettingsError(ValueError):
    """A setting has a value asocia cannot use; the message names the variable."""


@dataclass(frozen=True)
class Settings:
    """Configuration of one asocia instance."""

    #: SQLAlchemy URL of the database; SQLite file ``asocia.db`` in the working directory by
    #: default, ``postgresql://user:pass@host/dbname`` for a multi-user deployment.
    database_url: str = field(default_factory=lambda: f"sqlite:///{Path.cwd() / 'asocia.db'}")
    #: Secret for signing; when unset, one is generated and stored in the database.
    secret_key: str | None = None
    #: Language of the interface when the visitor has not chosen one.
    default_language: str = "es"
    #: Hours a login lasts without activity.
    session_hours: int = 12
    #: Failed logins allowed per username or client address within ``login_window_minutes``.
    login_max_failures: int = 5
    login_window_minutes: int = 15
    #: Smallest number of cooperatives a published statistics cell may count.
    disclosure_k: int = 3
    #: Cell key method: largest change to a published count (D), variance of the change (V),
    #: and the noise on published sums as a fraction of a cell's largest contribution (m).
    disclosure_max_noise: int = 2
    disclosure_noise_variance: float = 1.0
    disclosure_magnitude_noise: float = 0.1
    #: Value of the Unidad de Fomento in Chilean pesos, for firm size by sales (Ley 20.416).
    uf_clp: float = 39_000.0
    #: Mark cookies Secure even when the request does not look like HTTPS.
    force_secure_cookies: bool = False
    #: Where uploaded files wait for background imports.
    upload_dir: Path = field(default_factory=lambda: Path.cwd() / "asocia-uploads")
    #: Largest request body (an uploaded file) accepted, in megabytes; larger uploads get 413.
    max_upload_mb: int = 100
    #: A folder of extra diagnosis instruments (``*.yaml``) loaded beside the shipped ones.
    instruments_dir: Path | None = None

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Build settings from ``ASOCIA_<NAME>`` variables, raising :class:`SettingsError`."""
        environ = os.environ if environ is None else environ
        values: dict[str, object] = {}
        for f in fields(cls):
            name = f"ASOCIA_{f.name.upper()}"
            raw = environ.get(name)
            if raw is None or raw == "":
                continue
            values[f.name] = _convert(name, raw, str(f.type))
        settings = cls(**values)  # type: ignore[arg-type]
        settings.validate()
        return settings

    def validate(self) -> None:
        """Check the values that types alone cannot."""
        if self.default_language not in LANGUAGES:
            raise SettingsError(
                f"ASOCIA_DEFAULT_LANGUAGE must be one of {', '.join(LANGUAGES)}, "
                f"not {self.default_language!r}"
            )
        if not self.database_url.split(":", 1)[0].startswith(("sqlite", "postgresql", "postgres")):
            raise SettingsError(
                "ASOCIA_DATABASE_URL must start with sqlite:/// or postgresql://, "
                f"not {self.database_url.split(':', 1)[0]!r}"
            )
        if self.secret_key is not None and len(self.secret_key) < 32:
            raise SettingsError("ASOCIA_SECRET_KEY must be at least 32 characters long")
        for name in (
            "session_hours",
            "login_max_failures",
            "login_window_minutes",
            "disclosure_k",
            "max_upload_mb",
        ):
            if getattr(self, name) < 1:
                raise SettingsError(f"ASOCIA_{name.upper()} must be a positive whole number")
        if self.disclosure_max_noise < 1:
            raise SettingsError("ASOCIA_DISCLOSURE_MAX_NOISE must be a positive whole number")
        if not 0 < self.disclosure_noise_variance <= self.disclosure_max_noise**2:
            raise SettingsError(
                "ASOCIA_DISCLOSURE_NOISE_VARIANCE must be above 0 and at most "
                "ASOCIA_DISCLOSURE_MAX_NOISE squared"
            )
        if not 0 < self.disclosure_magnitude_noise <= 1:
            raise SettingsError("ASOCIA_DISCLOSURE_MAGNITUDE_NOISE must be above 0 and at most 1")
        if self.uf_clp <= 0:
            raise SettingsError("ASOCIA_UF_CLP must be a positive number")
        if self.instruments_dir is not None and not self.instruments_dir.is_dir():
            raise SettingsError(
                f"ASOCIA_INSTRUMENTS_DIR is not a folder: {str(self.instruments_dir)!r}"
            )


def _convert(name: str, raw: str, type_name: str) -> object:
    try:
        if type_name == "int":
            return int(raw)
        if type_name == "float":
            return float(raw)
        if type_name == "bool":
            lowered = raw.strip().lower()
            if lowered in ("1", "true", "yes", "on"):
                return True
            if lowered in ("0", "false", "no", "off"):
                return False
            raise ValueError(raw)
        if type_name in ("Path", "Path | None"):
            return Path(raw)
    except ValueError:
        raise SettingsError(
            f"{name} has an invalid value: {raw!r} (expected {type_name})"
        ) from None
    return raw
