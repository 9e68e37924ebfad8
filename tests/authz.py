"""The authorization matrix: what every role may do on every route.

Each capability lists its routes in ``tests/<capability>/authz.py`` as ``CASES``;
``tests/web/test_authz_matrix.py`` runs them all and fails for a route no case covers.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

ROLES = ("anonymous", "admin", "analyst", "field", "coop")
EVERYONE = frozenset(ROLES)
LOGGED_IN = frozenset(ROLES) - {"anonymous"}
STAFF = frozenset({"admin", "analyst"})
ADMIN = frozenset({"admin"})


@dataclass(frozen=True)
class RouteCase:
    """One request and the roles allowed to make it.

    ``path`` may contain ``{coop}`` (a cooperative the coop user does NOT represent) or
    ``{own}`` (the coop user's own cooperative); ``setup`` may create data and return more
    placeholders. "Allowed" means the answer is not 401/403 and not a redirect to the login.
    """

    method: str
    path: str
    allowed: frozenset[str]
    data: dict[str, Any] | None = None
    json: Any = None
    files: dict[str, Any] | None = None
    setup: Callable[[Any], dict[str, Any]] | None = field(default=None, compare=False)
    # The route's template in the app (when path has concrete values), for coverage.
    route: str | None = None

    @property
    def id(self) -> str:
        return f"{self.method} {self.path}"


@dataclass
class MatrixContext:
    """What a case's ``setup`` gets: the web fixture and the acting user."""

    web: Any
    role: str
    user_id: int | None
    own_cooperative: int
    other_cooperative: int


def iter_routes(routes: Any, prefix: str = "") -> Iterator[tuple[str, Any]]:
    """Every route of an app with its full path, inside included routers too.

    FastAPI keeps an included router as one entry of ``app.routes`` (with its prefix), so a
    flat walk of ``app.routes`` would see none of the capability routes.
    """
    for route in routes:
        included = getattr(route, "original_router", None)
        if included is not None:
            yield from iter_routes(included.routes, prefix + route.include_context.prefix)
        elif hasattr(route, "path"):
            yield prefix + route.path, route
