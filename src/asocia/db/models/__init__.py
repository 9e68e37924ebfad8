"""All models, imported so that ``Base.metadata`` knows every table.

Each capability keeps its models in its own module here.
"""

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
    "ApiToken",
    "Cooperative",
    "CooperativeContact",
    "InstanceSetting",
    "Job",
    "LoginAttempt",
    "User",
    "WebSession",
]

# Capability modules register their tables on import; they are optional while a capability is
# being built, so a missing module is not an error here.
for _module in ("diagnosis", "stats", "programmes", "monitoring", "partnerships"):
    try:
        __import__(f"asocia.db.models.{_module}")
    except ModuleNotFoundError as exc:  # pragma: no cover - depends on which capabilities exist
        if exc.name != f"asocia.db.models.{_module}":
            raise
