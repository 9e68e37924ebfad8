"""registry editing: a version per cooperative (optimistic concurrency), a comment and the
proposer on history entries, proposals by cooperatives, verification campaigns

Revision ID: 0007_registry_editing
Revises: 0006_registry_real_files
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import asocia.db.base

revision: str = "0007_registry_editing"
down_revision: str | None = "0006_registry_real_files"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
WHEN = asocia.db.base.UTCDateTime(timezone=True)


# Every update of a cooperative that changes its values (and so ``updated_at``) without setting
# ``version`` itself — an import, a merge — moves the version on, so that an edit based on the
# version read before is refused. Edits set it themselves (asocia.registry.editing).
SQLITE_TRIGGER = """
CREATE TRIGGER tr_cooperatives_version AFTER UPDATE ON cooperatives FOR EACH ROW
WHEN NEW.version = OLD.version AND NEW.updated_at IS NOT OLD.updated_at
BEGIN UPDATE cooperatives SET version = OLD.version + 1 WHERE id = NEW.id; END
"""
POSTGRES_FUNCTION = """
CREATE FUNCTION cooperatives_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.version = OLD.version AND NEW.updated_at IS DISTINCT FROM OLD.updated_at THEN
    NEW.version := OLD.version + 1;
  END IF;
  RETURN NEW;
END $$
"""
POSTGRES_TRIGGER = (
    "CREATE TRIGGER tr_cooperatives_version BEFORE UPDATE ON cooperatives "
    "FOR EACH ROW EXECUTE FUNCTION cooperatives_version()"
)


def upgrade() -> None:
    with op.batch_alter_table("cooperatives", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("version", sa.Integer(), server_default=sa.text("1"), nullable=False)
        )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(POSTGRES_FUNCTION)
        op.execute(POSTGRES_TRIGGER)
    else:
        op.execute(SQLITE_TRIGGER)
    with op.batch_alter_table("registry_changes", schema=None) as batch_op:
        batch_op.add_column(sa.Column("comment", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("proposed_by", sa.String(length=150), nullable=True))
    op.create_table(
        "registry_proposals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("cooperative_id", sa.Integer(), nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("proposed_by_id", sa.Integer(), nullable=True),
        sa.Column("proposed_by", sa.String(length=150), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("values", JSON, nullable=False),
        sa.Column("current", JSON, nullable=True),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("reviewed_at", WHEN, nullable=True),
        sa.Column("reviewed_by_id", sa.Integer(), nullable=True),
        sa.Column("reviewed_by", sa.String(length=150), nullable=True),
        sa.Column("accepted_fields", JSON, nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["cooperative_id"], ["cooperatives.id"],
            name=op.f("fk_registry_proposals_cooperative_id_cooperatives"), ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["proposed_by_id"], ["users.id"],
            name=op.f("fk_registry_proposals_proposed_by_id_users"), ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["reviewed_by_id"], ["users.id"],
            name=op.f("fk_registry_proposals_reviewed_by_id_users"), ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_registry_proposals")),
    )  # fmt: skip
    op.create_index(
        "ix_registry_proposals_status_coop", "registry_proposals", ["status", "cooperative_id"]
    )
    op.create_table(
        "registry_campaigns",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_by", sa.String(length=150), nullable=True),
        sa.Column("criteria", JSON, nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"],
            name=op.f("fk_registry_campaigns_created_by_id_users"), ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_registry_campaigns")),
    )  # fmt: skip
    op.create_table(
        "registry_campaign_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("cooperative_id", sa.Integer(), nullable=False),
        sa.Column("outcome", sa.String(length=20), nullable=True),
        sa.Column("outcome_at", WHEN, nullable=True),
        sa.Column("outcome_by", sa.String(length=150), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["campaign_id"], ["registry_campaigns.id"],
            name=op.f("fk_registry_campaign_items_campaign_id_registry_campaigns"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["cooperative_id"], ["cooperatives.id"],
            name=op.f("fk_registry_campaign_items_cooperative_id_cooperatives"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_registry_campaign_items")),
        sa.UniqueConstraint(
            "campaign_id", "cooperative_id", name=op.f("uq_registry_campaign_items_pair")
        ),
    )  # fmt: skip
    op.create_index(
        op.f("ix_registry_campaign_items_cooperative_id"),
        "registry_campaign_items",
        ["cooperative_id"],
    )


def downgrade() -> None:
    op.drop_index(
        op.f("ix_registry_campaign_items_cooperative_id"), table_name="registry_campaign_items"
    )
    op.drop_table("registry_campaign_items")
    op.drop_table("registry_campaigns")
    op.drop_index("ix_registry_proposals_status_coop", table_name="registry_proposals")
    op.drop_table("registry_proposals")
    with op.batch_alter_table("registry_changes", schema=None) as batch_op:
        batch_op.drop_column("proposed_by")
        batch_op.drop_column("comment")
    op.execute(
        "DROP TRIGGER IF EXISTS tr_cooperatives_version"
        + (" ON cooperatives" if op.get_bind().dialect.name == "postgresql" else "")
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS cooperatives_version()")
    with op.batch_alter_table("cooperatives", schema=None) as batch_op:
        batch_op.drop_column("version")
