"""Who is asking is read in the request's own database session: a logged-in page checks out
one pooled connection, not two; the sliding expiry and a token's last use are still written,
at most every few minutes, in a short session of their own; and a change of rights shows on
the very next request (nothing about a visitor is cached between requests)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

from sqlalchemy import event, select, update

from asocia.auth import accounts
from asocia.db.base import utcnow
from asocia.db.models import ApiToken, User, WebSession
from tests.conftest import Web


@contextmanager
def _checkouts(web: Web) -> Iterator[list[int]]:
    """Count the pool checkouts made inside the block."""
    counted = [0]

    def count(*_: object) -> None:
        counted[0] += 1

    event.listen(web.db.engine.pool, "checkout", count)
    try:
        yield counted
    finally:
        event.remove(web.db.engine.pool, "checkout", count)


def test_a_logged_in_request_checks_out_one_connection(web: Web) -> None:
    web.make_cooperative(legal_name="Cooperativa Alfa", name_key="alfa")
    client = web.login_as("analyst")
    client.get("/registry")  # warm: the filter options, the layout's caches
    for path in ("/registry", "/api/v1/me", "/api/v1/registry/cooperatives", "/"):
        with _checkouts(web) as counted:
            response = client.get(path)
        assert response.status_code == 200, (path, response.text[:200])
        assert counted[0] == 1, (path, counted[0])


def test_the_sliding_expiry_is_written_when_due_and_only_then(web: Web) -> None:
    client = web.login_as("analyst")
    stale = utcnow() - timedelta(hours=1)
    with web.db.session() as session:
        session.execute(
            update(WebSession)
            .where(WebSession.user_id == client.user_id)  # type: ignore[attr-defined]
            .values(last_seen_at=stale, expires_at=utcnow() + timedelta(minutes=10))
        )
    assert client.get("/registry").status_code == 200
    with web.db.session() as session:
        seen, expires = session.execute(
            select(WebSession.last_seen_at, WebSession.expires_at).where(
                WebSession.user_id == client.user_id  # type: ignore[attr-defined]
            )
        ).one()
    assert seen > stale + timedelta(minutes=59)
    assert expires > utcnow() + timedelta(hours=1)  # moved on by the session's hours

    # Fresh now: the next request writes nothing.
    with _checkouts(web) as counted:
        assert client.get("/api/v1/me").status_code == 200
    assert counted[0] == 1
    with web.db.session() as session:
        again = session.scalar(
            select(WebSession.last_seen_at).where(
                WebSession.user_id == client.user_id  # type: ignore[attr-defined]
            )
        )
    assert again == seen


def test_an_expired_session_is_anonymous(web: Web) -> None:
    client = web.login_as("analyst")
    with web.db.session() as session:
        session.execute(update(WebSession).values(expires_at=utcnow() - timedelta(seconds=1)))
    assert client.get("/api/v1/me").json()["authenticated"] is False
    assert client.get("/registry/corrections").status_code in (302, 303)


def test_role_changes_and_deactivation_show_on_the_next_request(web: Web) -> None:
    client = web.login_as("analyst")
    me = client.get("/api/v1/me").json()
    assert me["role"] == "analyst"
    with web.db.session() as session:
        session.execute(
            update(User)
            .where(User.id == client.user_id)  # type: ignore[attr-defined]
            .values(role="field")
        )
    assert client.get("/api/v1/me").json()["role"] == "field"
    with web.db.session() as session:
        session.execute(
            update(User)
            .where(User.id == client.user_id)  # type: ignore[attr-defined]
            .values(is_active=False)
        )
    assert client.get("/api/v1/me").json()["authenticated"] is False


def test_api_tokens_record_their_use_and_stop_when_revoked_or_deactivated(web: Web) -> None:
    username = web.create_user("analyst")
    with web.db.session() as session:
        user = accounts.get_user(session, username)
        assert user is not None
        user_id = user.id
        new = accounts.create_token(session, user, "script")
    headers = {"Authorization": f"Bearer {new.secret}"}
    client = web.new_client()
    me = client.get("/api/v1/me", headers=headers)
    assert me.status_code == 200 and me.json()["username"] == username
    with web.db.session() as session:
        used = session.scalar(select(ApiToken.last_used_at).where(ApiToken.id == new.id))
    assert used is not None and utcnow() - used < timedelta(minutes=1)

    with web.db.session() as session:
        session.execute(update(User).where(User.id == user_id).values(is_active=False))
    assert client.get("/api/v1/me", headers=headers).status_code == 401
    with web.db.session() as session:
        session.execute(update(User).where(User.id == user_id).values(is_active=True))
        accounts.revoke_token(session, user_id, new.id)
    assert client.get("/api/v1/me", headers=headers).status_code == 401
    wrong = client.get("/api/v1/me", headers={"Authorization": "Bearer asc_nothing"})
    assert wrong.status_code == 401


def test_a_cooperative_page_with_recommendations_checks_out_one_connection(web: Web) -> None:
    coop = web.make_cooperative(legal_name="Cooperativa Alfa", name_key="alfa", region_code=13)
    client = web.login_as("analyst")
    first = client.get(f"/registry/{coop}")
    assert first.status_code == 200
    # The first page writes the default programme catalogue; the next reads it into the
    # worker's cache (each in a session of its own). From then on, one connection.
    client.get(f"/registry/{coop}")
    assert 'data-testid="recommendations"' in first.text
    with _checkouts(web) as counted:
        again = client.get(f"/registry/{coop}")
    assert again.status_code == 200 and again.text.count("Cooperativa Alfa") >= 1
    assert counted[0] == 1
