"""Accounts: creation rules, password hashing, tokens stored hashed."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from asocia.auth import accounts
from asocia.auth.passwords import hash_password, verify_password
from asocia.auth.policy import ANONYMOUS, Permission, Principal, Role, can, cooperative_scope
from asocia.db import Database
from asocia.db.models import ApiToken, Cooperative


def test_password_hash_is_argon2_and_verifies() -> None:
    hashed = hash_password("correct horse battery")
    assert hashed.startswith("$argon2id$")
    assert verify_password(hashed, "correct horse battery")
    assert not verify_password(hashed, "wrong horse battery")
    assert not verify_password("not-a-hash", "x")


def test_create_user_rules(db: Database) -> None:
    with db.session() as session:
        accounts.create_user(session, "Ana", "a-long-password", "analyst")
    with db.session() as session:
        with pytest.raises(accounts.AccountError, match="taken"):
            accounts.create_user(session, "ana", "a-long-password", "field")
        with pytest.raises(accounts.AccountError, match="at least 10"):
            accounts.create_user(session, "bob", "short", "field")
        with pytest.raises(accounts.AccountError, match="unknown role"):
            accounts.create_user(session, "bob", "a-long-password", "boss")
        with pytest.raises(accounts.AccountError, match="needs the cooperative"):
            accounts.create_user(session, "bob", "a-long-password", "coop")
        with pytest.raises(accounts.AccountError, match="no cooperative with id 999"):
            accounts.create_user(session, "bob", "a-long-password", "coop", cooperative_id=999)
        with pytest.raises(accounts.AccountError, match="no spaces"):
            accounts.create_user(session, "bo b", "a-long-password", "field")


def test_authenticate_counts_failures_per_user(db: Database) -> None:
    with db.session() as session:
        accounts.create_user(session, "carla", "a-long-password", "field")
    window = timedelta(minutes=15)
    with db.session() as session:
        for _ in range(3):
            assert (
                accounts.authenticate(
                    session,
                    "carla",
                    "bad-password",
                    client="1.2.3.4",
                    max_failures=3,
                    window=window,
                )
                is None
            )
    with db.session() as session, pytest.raises(accounts.TooManyAttempts):
        accounts.authenticate(
            session, "CARLA", "a-long-password", client="5.6.7.8", max_failures=3, window=window
        )


def test_tokens_are_stored_hashed(db: Database) -> None:
    with db.session() as session:
        user = accounts.create_user(session, "dora", "a-long-password", "analyst")
        new = accounts.create_token(session, user, "etl")
    with db.session() as session:
        stored = session.scalar(select(ApiToken))
        assert stored is not None
        assert new.secret not in (stored.token_hash, stored.prefix)
        assert stored.prefix == new.secret[:10]
        principal = accounts.principal_from_token(session, new.secret)
        assert principal is not None and principal.role is Role.ANALYST
        assert accounts.principal_from_token(session, new.secret + "x") is None


def test_policy_scopes_a_cooperative_representative(db: Database) -> None:
    with db.session() as session:
        mine = Cooperative(legal_name="Mía", name_key="mia")
        other = Cooperative(legal_name="Otra", name_key="otra")
        session.add_all([mine, other])
        session.flush()
        coop = Principal(user_id=1, username="c", role=Role.COOP, cooperative_id=mine.id)
        analyst = Principal(user_id=2, username="a", role=Role.ANALYST)
        query = select(Cooperative.legal_name).order_by(Cooperative.id)
        assert session.scalars(cooperative_scope(coop, query)).all() == ["Mía"]
        assert session.scalars(cooperative_scope(analyst, query)).all() == ["Mía", "Otra"]
        assert session.scalars(cooperative_scope(ANONYMOUS, query)).all() == []
    assert not can(ANONYMOUS, Permission.VIEW_PERSONAL_DATA)
    assert not can(coop, Permission.BROWSE_REGISTRY)
    assert can(analyst, Permission.EXPORT_DATA) and not can(analyst, Permission.MANAGE_USERS)
