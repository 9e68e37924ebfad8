"""foundation: accounts, sessions, jobs, cooperatives

Revision ID: 0001_foundation
Revises:
Create Date: 2026-11-22 19:43:02.431872
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import asocia.db.base

revision: str = "0001_foundation"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table(
        "cooperatives",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("tax_id", sa.String(length=40), nullable=True),
        sa.Column("registry_number", sa.String(length=40), nullable=True),
        sa.Column("legal_name", sa.String(length=300), nullable=False),
        sa.Column("trade_name", sa.String(length=300), nullable=True),
        sa.Column("name_key", sa.String(length=300), nullable=False),
        sa.Column("organisation_type", sa.String(length=40), nullable=False),
        sa.Column("legal_class", sa.String(length=40), nullable=True),
        sa.Column("ilo_type", sa.String(length=40), nullable=True),
        sa.Column("ilo_type_overridden", sa.Boolean(), nullable=False),
        sa.Column("isic_section", sa.String(length=1), nullable=True),
        sa.Column("rubro", sa.String(length=200), nullable=True),
        sa.Column("sub_rubro", sa.String(length=200), nullable=True),
        sa.Column("region_code", sa.Integer(), nullable=True),
        sa.Column("province_code", sa.Integer(), nullable=True),
        sa.Column("comuna_code", sa.Integer(), nullable=True),
        sa.Column("rural_class", sa.String(length=10), nullable=True),
        sa.Column("admin_division", sa.String(length=200), nullable=True),
        sa.Column("city", sa.String(length=200), nullable=True),
        sa.Column("legal_status", sa.String(length=30), nullable=True),
        sa.Column("activity", sa.String(length=10), nullable=True),
        sa.Column("constituted_on", sa.Date(), nullable=True),
        sa.Column("in_force_on", sa.Date(), nullable=True),
        sa.Column("dissolved_on", sa.Date(), nullable=True),
        sa.Column("cancelled_on", sa.Date(), nullable=True),
        sa.Column("members_total", sa.Integer(), nullable=True),
        sa.Column("members_women", sa.Integer(), nullable=True),
        sa.Column("members_men", sa.Integer(), nullable=True),
        sa.Column("members_legal_persons", sa.Integer(), nullable=True),
        sa.Column("members_founding", sa.Integer(), nullable=True),
        sa.Column("employees", sa.Integer(), nullable=True),
        sa.Column("worker_members", sa.Integer(), nullable=True),
        sa.Column("sales_amount", sa.Float(), nullable=True),
        sa.Column("sales_currency", sa.String(length=3), nullable=True),
        sa.Column("sales_year", sa.Integer(), nullable=True),
        sa.Column(
            "extra",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column("source_file", sa.String(length=300), nullable=True),
        sa.Column("source_row", sa.Integer(), nullable=True),
        sa.Column("import_run_id", sa.Integer(), nullable=True),
        sa.Column("last_verified_on", sa.Date(), nullable=True),
        sa.Column("merged_into_id", sa.Integer(), nullable=True),
        sa.Column("created_at", asocia.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", asocia.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["merged_into_id"],
            ["cooperatives.id"],
            name=op.f("fk_cooperatives_merged_into_id_cooperatives"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cooperatives")),
        sa.UniqueConstraint("country", "registry_number", name="uq_cooperatives_country_registry"),
        sa.UniqueConstraint("country", "tax_id", name="uq_cooperatives_country_tax_id"),
    )
    with op.batch_alter_table("cooperatives", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_cooperatives_comuna_code"), ["comuna_code"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_cooperatives_country"), ["country"], unique=False)
        batch_op.create_index(batch_op.f("ix_cooperatives_ilo_type"), ["ilo_type"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_cooperatives_import_run_id"), ["import_run_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_cooperatives_isic_section"), ["isic_section"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_cooperatives_legal_class"), ["legal_class"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_cooperatives_merged_into_id"), ["merged_into_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_cooperatives_name_key"), ["name_key"], unique=False)
        batch_op.create_index(
            "ix_cooperatives_region_class", ["region_code", "legal_class"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_cooperatives_region_code"), ["region_code"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_cooperatives_rural_class"), ["rural_class"], unique=False
        )
        batch_op.create_index(
            "ix_cooperatives_status_activity", ["legal_status", "activity"], unique=False
        )

    op.create_table(
        "instance_settings",
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_instance_settings")),
    )
    op.create_table(
        "login_attempts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("attempted_at", asocia.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("succeeded", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_attempts")),
    )
    with op.batch_alter_table("login_attempts", schema=None) as batch_op:
        batch_op.create_index("ix_login_attempts_key_at", ["key", "attempted_at"], unique=False)

    op.create_table(
        "cooperative_contacts",
        sa.Column("cooperative_id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=300), nullable=True),
        sa.Column("phone", sa.String(length=100), nullable=True),
        sa.Column("address", sa.Text(), nullable=True),
        sa.Column("representative", sa.String(length=300), nullable=True),
        sa.ForeignKeyConstraint(
            ["cooperative_id"],
            ["cooperatives.id"],
            name=op.f("fk_cooperative_contacts_cooperative_id_cooperatives"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("cooperative_id", name=op.f("pk_cooperative_contacts")),
    )
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=80), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("display_name", sa.String(length=200), nullable=True),
        sa.Column("cooperative_id", sa.Integer(), nullable=True),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("created_at", asocia.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_login_at", asocia.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["cooperative_id"],
            ["cooperatives.id"],
            name=op.f("fk_users_cooperative_id_cooperatives"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("username", name=op.f("uq_users_username")),
    )
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_users_cooperative_id"), ["cooperative_id"], unique=False
        )

    op.create_table(
        "api_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("prefix", sa.String(length=16), nullable=False),
        sa.Column("created_at", asocia.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_used_at", asocia.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", asocia.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_api_tokens_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_api_tokens_token_hash")),
    )
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_api_tokens_user_id"), ["user_id"], unique=False)

    op.create_table(
        "jobs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=50), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("total", sa.Integer(), nullable=True),
        sa.Column("done", sa.Integer(), nullable=False),
        sa.Column("message", sa.Text(), nullable=True),
        sa.Column(
            "params",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column(
            "result",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", asocia.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("started_at", asocia.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("finished_at", asocia.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_jobs_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_jobs")),
    )
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_jobs_kind"), ["kind"], unique=False)

    op.create_table(
        "web_sessions",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", asocia.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", asocia.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", asocia.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_web_sessions_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_web_sessions")),
    )
    with op.batch_alter_table("web_sessions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_web_sessions_expires_at"), ["expires_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_web_sessions_user_id"), ["user_id"], unique=False)


def downgrade() -> None:

    with op.batch_alter_table("web_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_web_sessions_user_id"))
        batch_op.drop_index(batch_op.f("ix_web_sessions_expires_at"))

    op.drop_table("web_sessions")
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_jobs_kind"))

    op.drop_table("jobs")
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_api_tokens_user_id"))

    op.drop_table("api_tokens")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_users_cooperative_id"))

    op.drop_table("users")
    op.drop_table("cooperative_contacts")
    with op.batch_alter_table("login_attempts", schema=None) as batch_op:
        batch_op.drop_index("ix_login_attempts_key_at")

    op.drop_table("login_attempts")
    op.drop_table("instance_settings")
    with op.batch_alter_table("cooperatives", schema=None) as batch_op:
        batch_op.drop_index("ix_cooperatives_status_activity")
        batch_op.drop_index(batch_op.f("ix_cooperatives_rural_class"))
        batch_op.drop_index(batch_op.f("ix_cooperatives_region_code"))
        batch_op.drop_index("ix_cooperatives_region_class")
        batch_op.drop_index(batch_op.f("ix_cooperatives_name_key"))
        batch_op.drop_index(batch_op.f("ix_cooperatives_merged_into_id"))
        batch_op.drop_index(batch_op.f("ix_cooperatives_legal_class"))
        batch_op.drop_index(batch_op.f("ix_cooperatives_isic_section"))
        batch_op.drop_index(batch_op.f("ix_cooperatives_import_run_id"))
        batch_op.drop_index(batch_op.f("ix_cooperatives_ilo_type"))
        batch_op.drop_index(batch_op.f("ix_cooperatives_country"))
        batch_op.drop_index(batch_op.f("ix_cooperatives_comuna_code"))

    op.drop_table("cooperatives")
