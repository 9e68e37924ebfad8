"""Who may see or do what: the one authorization module.

Routes and commands ask :func:`can` for a :class:`Permission`; queries that return
cooperative-level data go through :func:`cooperative_scope` so that a cooperative's
representative sees only its own cooperative. No other module checks roles by name.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any, TypeVar

# SQLAlchemy and the models load with cooperative_scope, the only function that needs them:
# roles and permissions stay cheap to import (the CLI's help and light commands use them).
if TYPE_CHECKING:
    from sqlalchemy import Select


class Role(StrEnum):
    """The roles a user account can have."""

    ADMIN = "admin"  # everything, including users
    ANALYST = "analyst"  # all data, imports, exports
    FIELD = "field"  # diagnosticians: read the registry, enter diagnoses
    COOP = "coop"  # a cooperative's representative: only its own cooperative


class Permission(StrEnum):
    """Things a visitor may do. Anonymous visitors only have ``VIEW_PUBLIC``."""

    VIEW_PUBLIC = "view_public"  # public pages, aggregate statistics with disclosure control
    USE_ACCOUNT = "use_account"  # any logged-in person: own profile, own API tokens
    VIEW_REGISTRY = "view_registry"  # cooperative-level data (coop: its own only)
    BROWSE_REGISTRY = "browse_registry"  # list and search every cooperative
    VIEW_PERSONAL_DATA = "view_personal_data"  # contacts of people
    EDIT_REGISTRY = "edit_registry"  # edit records, review and merge duplicates
    IMPORT_DATA = "import_data"  # registry and diagnosis imports
    EXPORT_DATA = "export_data"  # full (non-public) exports
    ENTER_DIAGNOSIS = "enter_diagnosis"
    VIEW_DIAGNOSIS = "view_diagnosis"  # diagnoses (coop: its own only)
    VIEW_PORTFOLIO = "view_portfolio"  # diagnosis aggregates across cooperatives
    VIEW_FULL_STATISTICS = "view_full_statistics"  # unsuppressed statistics, cross-tab builder
    MANAGE_USERS = "manage_users"
    PROPOSE_CHANGES = "propose_changes"  # a co-op proposes its own data, confirms it is current
    RUN_CAMPAIGNS = "run_campaigns"  # verification campaigns: selections, outcomes, mail merge
    VIEW_AUDIT = "view_audit"  # every write to the registry, by user and date (admin)
    VIEW_SESSIONS = "view_sessions"  # council sessions, agreements, briefings
    MANAGE_MONITORING = "manage_monitoring"  # plan actions, sessions, agreements
    ENTER_INDICATOR_VALUES = "enter_indicator_values"  # enter and submit indicator values
    APPROVE_INDICATOR_VALUES = "approve_indicator_values"  # approve/return values, lock periods
    MANAGE_PARTNERSHIPS = "manage_partnerships"  # cooperation projects, IATI import
    EDIT_PROGRAMMES = "edit_programmes"  # create, edit, retire and import support instruments


_ALL = frozenset(Permission)

ROLE_PERMISSIONS: dict[Role | None, frozenset[Permission]] = {
    None: frozenset({Permission.VIEW_PUBLIC}),
    Role.ADMIN: _ALL,
    # The audit of every write is for admins only.
    Role.ANALYST: _ALL - {Permission.MANAGE_USERS, Permission.VIEW_AUDIT},
    Role.FIELD: frozenset(
        {
            Permission.VIEW_PUBLIC,
            Permission.USE_ACCOUNT,
            Permission.VIEW_REGISTRY,
            Permission.BROWSE_REGISTRY,
            Permission.VIEW_PERSONAL_DATA,
            Permission.ENTER_DIAGNOSIS,
            Permission.VIEW_DIAGNOSIS,
        }
    ),
    Role.COOP: frozenset(
        {
            Permission.VIEW_PUBLIC,
            Permission.USE_ACCOUNT,
            Permission.VIEW_REGISTRY,
            Permission.VIEW_PERSONAL_DATA,
            Permission.VIEW_DIAGNOSIS,
            Permission.PROPOSE_CHANGES,
        }
    ),
}


@dataclass(frozen=True)
class Principal:
    """Who is asking: a user (id, role, cooperative) or an anonymous visitor."""

    user_id: int | None = None
    username: str | None = None
    role: Role | None = None
    cooperative_id: int | None = None

    @property
    def is_authenticated(self) -> bool:
        return self.user_id is not None

    @property
    def is_scoped_to_cooperative(self) -> bool:
        """True when this person may only see one cooperative's data."""
        return self.role is Role.COOP


ANONYMOUS = Principal()


def can(principal: Principal, permission: Permission) -> bool:
    """Whether ``principal`` holds ``permission``."""
    return permission in ROLE_PERMISSIONS[principal.role]


def can_view_cooperative(principal: Principal, cooperative_id: int) -> bool:
    """Whether ``principal`` may see cooperative-level data of ``cooperative_id``."""
    if not can(principal, Permission.VIEW_REGISTRY):
        return False
    if principal.is_scoped_to_cooperative:
        return principal.cooperative_id == cooperative_id
    return True


def can_view_personal_data(principal: Principal, cooperative_id: int) -> bool:
    """Whether contacts of people of ``cooperative_id`` may be shown to ``principal``."""
    return can(principal, Permission.VIEW_PERSONAL_DATA) and can_view_cooperative(
        principal, cooperative_id
    )


S = TypeVar("S", bound="Select[Any]")


def cooperative_scope(principal: Principal, query: S, column: Any = None) -> S:
    """Restrict ``query`` to the cooperatives ``principal`` may see.

    ``column`` is the cooperative id column the query filters on (``Cooperative.id`` by
    default; e.g. ``Diagnosis.cooperative_id`` for diagnoses).
    """
    from sqlalchemy import false

    from asocia.db.models import Cooperative

    column = Cooperative.id if column is None else column
    if not can(principal, Permission.VIEW_REGISTRY):
        return query.where(false())
    if principal.is_scoped_to_cooperative:
        if principal.cooperative_id is None:
            return query.where(false())
        return query.where(column == principal.cooperative_id)
    return query
