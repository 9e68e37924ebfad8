"""The models, one module per capability; the core ones are imported here.

Importing this package declares the accounts and registry tables (the ones every capability
refers to: users and cooperatives). A capability's own models load with its module
(``asocia.db.models.diagnosis`` …), so a command that lists cooperatives does not pay for
declaring the monitoring tables. Relationships only join models of the same module, so a
module's mappers configure without the others.

Whatever needs every table on ``Base.metadata`` (migrations, comparing the schema, the test
suite's cleanup) calls :func:`load_all_models` first.
"""

from __future__ import annotations

import importlib

from asocia.db.models.accounts import (
    ApiToken,
    InstanceSetting,
    Job,
    LoginAttempt,
    User,
    WebSession,
)
from asocia.db.models.registry import Cooperative, CooperativeContact

__all__ = [
    "CAPABILITY_MODULES",
    "ApiToken",
    "Cooperative",
    "CooperativeContact",
    "InstanceSetting",
    "Job",
    "LoginAttempt",
    "User",
    "WebSession",
    "load_all_models",
]

#: Model modules besides ``accounts`` and ``registry`` (imported above), each loaded on demand.
CAPABILITY_MODULES = ("diagnosis", "stats", "programmes", "monitoring", "partnerships")


def load_all_models() -> None:
    """Declare every table on ``Base.metadata`` (idempotent).

    A capability's module may be missing while it is being built: that is not an error here.
    """
    for module in CAPABILITY_MODULES:
        name = f"asocia.db.models.{module}"
        try:
            importlib.import_module(name)
        except ModuleNotFoundError as exc:  # pragma: no cover - depends on which capabilities exist
            if exc.name != name:
                raise
