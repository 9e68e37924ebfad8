"""Secret key, CSRF tokens and cookie names.

CSRF uses the double-submit pattern with a signed token: a random value lives in the
``asocia_csrf`` cookie, and forms (or the ``X-CSRF-Token`` header) must carry its HMAC under
the instance secret. A cross-site page can neither read the cookie nor compute the HMAC.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from sqlalchemy.exc import IntegrityError
from starlette.responses import Response

from asocia.db.models import InstanceSetting
from asocia.db.session import Database
from asocia.settings import Settings

SESSION_COOKIE = "asocia_session"
CSRF_COOKIE = "asocia_csrf"
LANGUAGE_COOKIE = "asocia_lang"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})


def resolve_secret_key(settings: Settings, database: Database) -> str:
    """``ASOCIA_SECRET_KEY``, else the key stored in the database, else a new stored one.

    Storing it in the database gives every worker of a deployment the same key.
    """
    if settings.secret_key:
        return settings.secret_key
    with database.session() as session:
        stored = session.get(InstanceSetting, "secret_key")
        if stored is not None:
            return stored.value
    try:
        with database.session() as session:
            session.add(InstanceSetting(key="secret_key", value=secrets.token_urlsafe(48)))
    except IntegrityError:
        pass  # another worker stored one first: use theirs
    with database.session() as session:
        stored = session.get(InstanceSetting, "secret_key")
        assert stored is not None
        return stored.value


def cookies_secure(settings: Settings, scheme: str) -> bool:
    """Whether cookies get the ``Secure`` flag: over HTTPS (as the proxy reports it) or forced."""
    return settings.force_secure_cookies or scheme == "https"


def cookie_header(
    name: str, value: str, *, secure: bool, max_age: int | None = None
) -> tuple[bytes, bytes]:
    """The raw ``Set-Cookie`` header of an HttpOnly, SameSite=Lax cookie, written exactly as
    ``Response.set_cookie`` writes it (for ASGI middleware, which sees raw headers)."""
    response = Response()
    response.set_cookie(name, value, max_age=max_age, httponly=True, samesite="lax", secure=secure)
    return response.raw_headers[-1]


def new_csrf_seed() -> str:
    """A fresh random value for the CSRF cookie."""
    return secrets.token_urlsafe(24)


def csrf_token_for(secret_key: str, seed: str) -> str:
    """The token forms must carry for the CSRF cookie value ``seed``."""
    return hmac.new(secret_key.encode(), f"csrf:{seed}".encode(), hashlib.sha256).hexdigest()


def csrf_valid(secret_key: str, seed: str | None, token: str | None) -> bool:
    """True when ``token`` matches the cookie value ``seed``."""
    if not seed or not token:
        return False
    return hmac.compare_digest(csrf_token_for(secret_key, seed), token)
