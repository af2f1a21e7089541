"""notifications: what the last e-mail notices to moderators announced

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-24 09:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # No row yet: the first `notify send` after SMTP is set up announces whatever is there.
    op.create_table('notify_state',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('reports', sa.Integer(), nullable=False),
    sa.Column('reporter_messages', sa.Integer(), nullable=False),
    sa.Column('reporter_files', sa.Integer(), nullable=False),
    sa.Column('meeting_requests', sa.Integer(), nullable=False),
    sa.Column('deadlines_sent_on', sa.Date(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notify_state'))
    )


def downgrade() -> None:
    op.drop_table('notify_state')
