"""User accounts, web sessions, API tokens and login rate limiting.

These functions are the one place that writes accounts; the CLI and the web call them.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Row, delete, func, select, update
from sqlalchemy.orm import Session

from asocia.auth.passwords import (
    MIN_PASSWORD_LENGTH,
    hash_password,
    needs_rehash,
    verify_password,
)
from asocia.auth.policy import ANONYMOUS, Principal, Role
from asocia.db.base import utcnow
from asocia.db.models import ApiToken, Cooperative, LoginAttempt, User, WebSession


class AccountError(ValueError):
    """An account operation was refused; the message says why."""


class TooManyAttempts(AccountError):
    """Login refused because of too many recent failures."""


def _sha256(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _parse_role(role: str) -> Role:
    try:
        return Role(role)
    except ValueError:
        valid = ", ".join(r.value for r in Role)
        raise AccountError(f"unknown role {role!r}; roles are: {valid}") from None


def _check_cooperative(session: Session, role: Role, cooperative_id: int | None) -> None:
    if role is Role.COOP:
        if cooperative_id is None:
            raise AccountError("the coop role needs the cooperative the person represents")
        if session.get(Cooperative, cooperative_id) is None:
            raise AccountError(f"there is no cooperative with id {cooperative_id}")
    elif cooperative_id is not None:
        raise AccountError("only the coop role is tied to a cooperative")


def create_user(
    session: Session,
    username: str,
    password: str,
    role: str,
    *,
    display_name: str | None = None,
    cooperative_id: int | None = None,
) -> User:
    """Create a user; raises :class:`AccountError` for a taken name, weak password or bad role."""
    username = username.strip()
    if not username or len(username) > 80 or any(c.isspace() for c in username):
        raise AccountError("a username is 1 to 80 characters with no spaces")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"a password needs at least {MIN_PASSWORD_LENGTH} characters")
    parsed = _parse_role(role)
    _check_cooperative(session, parsed, cooperative_id)
    if session.scalar(select(User.id).where(func.lower(User.username) == username.lower())):
        raise AccountError(f"the username {username!r} is taken")
    user = User(
        username=username,
        password_hash=hash_password(password),
        role=parsed.value,
        display_name=display_name,
        cooperative_id=cooperative_id,
    )
    session.add(user)
    session.flush()
    return user


def get_user(session: Session, username: str) -> User | None:
    """The user called ``username`` (case-insensitive), if any."""
    return session.scalar(select(User).where(func.lower(User.username) == username.lower()))


def list_users(session: Session) -> list[User]:
    """Every user, by username."""
    return list(session.scalars(select(User).order_by(User.username)))


def set_role(
    session: Session, username: str, role: str, *, cooperative_id: int | None = None
) -> User:
    """Change a user's role (and the cooperative, for the coop role)."""
    user = get_user(session, username)
    if user is None:
        raise AccountError(f"there is no user {username!r}")
    parsed = _parse_role(role)
    _check_cooperative(session, parsed, cooperative_id)
    user.role = parsed.value
    user.cooperative_id = cooperative_id
    # A change of role must not leave old powers in open browsers.
    session.execute(delete(WebSession).where(WebSession.user_id == user.id))
    return user


def set_password(session: Session, username: str, password: str) -> User:
    """Change a user's password and log them out everywhere."""
    user = get_user(session, username)
    if user is None:
        raise AccountError(f"there is no user {username!r}")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"a password needs at least {MIN_PASSWORD_LENGTH} characters")
    user.password_hash = hash_password(password)
    session.execute(delete(WebSession).where(WebSession.user_id == user.id))
    return user


def principal_for(user: User | Row[*tuple[Any, ...]]) -> Principal:
    """The :class:`Principal` acting for ``user`` (a user, or a row of :data:`_USER_COLUMNS`)."""
    return Principal(
        user_id=user.id,
        username=user.username,
        role=Role(user.role),
        cooperative_id=user.cooperative_id,
    )


# --- login and rate limiting -------------------------------------------------------------------


def _recent_failures(session: Session, key: str, since: datetime) -> int:
    return (
        session.scalar(
            select(func.count())
            .select_from(LoginAttempt)
            .where(LoginAttempt.key == key, LoginAttempt.attempted_at >= since)
            .where(LoginAttempt.succeeded.is_(False))
        )
        or 0
    )


def authenticate(
    session: Session,
    username: str,
    password: str,
    *,
    client: str,
    max_failures: int,
    window: timedelta,
) -> User | None:
    """Check a login; records the attempt. Raises :class:`TooManyAttempts` when rate-limited.

    Attempts are limited per username and per client address, so that neither guessing one
    account's password nor trying many accounts from one address goes fast.

    The attempt is recorded (as a failure) *before* the count, and concurrent attempts on a
    key are serialised (SQLite: the write lock the insert takes; PostgreSQL: a transaction
    advisory lock per key), so each sees the others: at most ``max_failures`` of them are
    checked, however many arrive at once. An unknown username is checked against a dummy hash,
    so the time taken does not tell which usernames exist.
    """
    now = utcnow()
    # A NUL cannot be stored in PostgreSQL text and is in no username.
    name = username.strip().replace("\x00", "\ufffd")[:200]
    keys = [f"user:{name.lower()}"[:200], f"client:{client}"[:200]]
    since = now - window
    if session.get_bind().dialect.name == "postgresql":
        for key in sorted(keys):
            session.execute(select(func.pg_advisory_xact_lock(func.hashtextextended(key, 0))))
    attempts = [LoginAttempt(key=key, attempted_at=now, succeeded=False) for key in keys]
    session.add_all(attempts)
    session.flush()
    if any(_recent_failures(session, key, since) > max_failures for key in keys):
        raise TooManyAttempts("too many failed logins; try again later")
    user = None if name != username.strip() else get_user(session, name)
    if user is None or not user.is_active:
        verify_password(_dummy_hash(), password)
        ok = False
    else:
        ok = verify_password(user.password_hash, password)
    session.execute(delete(LoginAttempt).where(LoginAttempt.attempted_at < now - 4 * window))
    if not ok or user is None:
        return None
    for attempt in attempts:
        attempt.succeeded = True
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = now
    return user


_dummy: list[str] = []


def _dummy_hash() -> str:
    """A hash of a random password with today's parameters (made once per process)."""
    if not _dummy:
        _dummy.append(hash_password(secrets.token_urlsafe(16)))
    return _dummy[0]


#: How often a session's sliding expiry is written (at most).
SESSION_REFRESH = timedelta(minutes=5)


def open_web_session(session: Session, user: User, *, hours: int) -> str:
    """Start a browser session for ``user``; returns the cookie secret (stored hashed)."""
    secret = secrets.token_urlsafe(32)
    now = utcnow()
    session.add(
        WebSession(
            id=_sha256(secret),
            user_id=user.id,
            created_at=now,
            last_seen_at=now,
            expires_at=now + timedelta(hours=hours),
        )
    )
    return secret


# What a request reads of the user asking (with its session's or token's own columns): plain
# columns, no ORM object, on every logged-in request.
_USER_COLUMNS = (User.id, User.username, User.role, User.cooperative_id, User.is_active)


def read_web_session(session: Session, secret: str) -> tuple[Principal, bool]:
    """The principal of a session cookie (anonymous when unknown or expired), and whether its
    sliding expiry is due to be written (:func:`touch_web_session`).

    One query of plain columns and no write: it runs on every request of a logged-in visitor,
    inside the request's own session.
    """
    row = session.execute(
        select(
            WebSession.expires_at,
            WebSession.last_seen_at,
            *_USER_COLUMNS,
        )
        .join(User, User.id == WebSession.user_id)
        .where(WebSession.id == _sha256(secret))
    ).first()
    now = utcnow()
    if row is None or row.expires_at < now or not row.is_active:
        return ANONYMOUS, False
    principal = principal_for(row)
    # Sliding expiry, written at most every few minutes: reads must not need the write lock
    # (on SQLite an import holds it for minutes).
    return principal, now - row.last_seen_at > SESSION_REFRESH


def touch_web_session(session: Session, secret: str, *, hours: int) -> None:
    """Move a session's expiry ``hours`` from now (the sliding expiry)."""
    now = utcnow()
    session.execute(
        update(WebSession)
        .where(WebSession.id == _sha256(secret))
        .values(last_seen_at=now, expires_at=now + timedelta(hours=hours))
    )


def principal_from_web_session(session: Session, secret: str, *, hours: int) -> Principal:
    """The principal of a session cookie, its expiry moved on when due (read and touch)."""
    principal, due = read_web_session(session, secret)
    if due:
        touch_web_session(session, secret, hours=hours)
    return principal


def close_web_session(session: Session, secret: str) -> None:
    """End a browser session."""
    session.execute(delete(WebSession).where(WebSession.id == _sha256(secret)))


# --- API tokens ----------------------------------------------------------------------------------

TOKEN_PREFIX = "asc_"


@dataclass(frozen=True)
class NewToken:
    """A token just created: ``secret`` is shown once and never stored."""

    id: int
    name: str
    secret: str


def create_token(session: Session, user: User, name: str) -> NewToken:
    """Create an API token for ``user``."""
    name = name.strip()
    if not name or len(name) > 100:
        raise AccountError("a token needs a name of 1 to 100 characters")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user_id=user.id, name=name, token_hash=_sha256(secret), prefix=secret[:10])
    session.add(token)
    session.flush()
    return NewToken(id=token.id, name=name, secret=secret)


def list_tokens(session: Session, user_id: int) -> list[ApiToken]:
    """The tokens of a user, newest first, revoked ones included."""
    return list(
        session.scalars(
            select(ApiToken).where(ApiToken.user_id == user_id).order_by(ApiToken.id.desc())
        )
    )


def revoke_token(session: Session, user_id: int, token_id: int) -> None:
    """Revoke one of ``user_id``'s tokens."""
    token = session.get(ApiToken, token_id)
    if token is None or token.user_id != user_id:
        raise AccountError("no such token")
    if token.revoked_at is None:
        token.revoked_at = utcnow()


def read_token(session: Session, secret: str) -> tuple[Principal | None, bool]:
    """The principal of an API token (None when unknown, revoked or its user deactivated), and
    whether its last use is due to be written (:func:`touch_token`). One query, no write."""
    row = session.execute(
        select(
            ApiToken.revoked_at,
            ApiToken.last_used_at,
            *_USER_COLUMNS,
        )
        .join(User, User.id == ApiToken.user_id)
        .where(ApiToken.token_hash == _sha256(secret))
    ).first()
    if row is None or row.revoked_at is not None or not row.is_active:
        return None, False
    principal = principal_for(row)
    due = row.last_used_at is None or utcnow() - row.last_used_at > SESSION_REFRESH
    return principal, due


def touch_token(session: Session, secret: str) -> None:
    """Record that an API token was used now."""
    session.execute(
        update(ApiToken).where(ApiToken.token_hash == _sha256(secret)).values(last_used_at=utcnow())
    )


def principal_from_token(session: Session, secret: str) -> Principal | None:
    """The principal of an API token, or None when unknown or revoked (read and touch)."""
    principal, due = read_token(session, secret)
    if due:
        touch_token(session, secret)
    return principal
