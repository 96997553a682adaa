"""Period close and restatement: period_close (the original close of a mine's period: frozen figures, inputs and
their SHA-256) and restatement (numbered restatements with their diff and the previous version's hash); see
minegas.registry.close_models and docs/reports.md "Period close and restatement".

Revision ID: 0003_close
Revises: 0002_store
Create Date: 2026-11-22
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0003_close'
down_revision: str | None = '0002_store'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('period_close',
    sa.Column('mine_code', sa.String(length=64), nullable=False, comment='煤矿编码'),
    sa.Column('period_label', sa.String(length=32), nullable=False, comment='period as parsed (2025-03, 2025-Q1, 2025-03-01..2025-03-07)'),
    sa.Column('period_start', sa.DateTime(timezone=True), nullable=False, comment='period start [UTC]'),
    sa.Column('period_end', sa.DateTime(timezone=True), nullable=False, comment='period end, exclusive [UTC]'),
    sa.Column('closed_by', sa.String(length=200), nullable=False, comment='who closed the period'),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=False, comment='when [UTC]'),
    sa.Column('note', sa.Text(), nullable=True, comment='free text'),
    sa.Column('methodology_id', sa.String(length=64), nullable=False, comment='accounting methodology id, e.g. CN-NDRC-2015-COAL'),
    sa.Column('methodology_version', sa.String(length=200), nullable=False, comment='methodology version text'),
    sa.Column('gwp_set', sa.String(length=32), nullable=False, comment='GWP set (SAR, AR5, AR6 …)'),
    sa.Column('gwp_horizon', sa.Integer(), nullable=False, comment='GWP horizon [years]'),
    sa.Column('gap_rule', sa.String(length=32), nullable=False, comment='gap rule (epa_98_325 | exclude | conservative)'),
    sa.Column('density_name', sa.String(length=32), nullable=False, comment='named CH4 density'),
    sa.Column('ref_state', sa.String(length=16), nullable=False, comment='reference state of volumes'),
    sa.Column('co2e_convention', sa.String(length=16), nullable=False, comment='headline CO2e convention (gross | net | displaced)'),
    sa.Column('software_version', sa.String(length=64), nullable=False, comment='minegas version that computed the figures'),
    sa.Column('paramsets_json', sa.Text(), nullable=False, comment='parameter sets used: JSON list of {id, version}'),
    sa.Column('figures_json', sa.Text(), nullable=False, comment='the frozen figures (canonical JSON)'),
    sa.Column('inputs_json', sa.Text(), nullable=False, comment='the frozen inputs: batches + SHA-256, data and registry digests, store files (canonical JSON)'),
    sa.Column('figures_sha256', sa.String(length=64), nullable=False, comment='SHA-256 of figures_json'),
    sa.Column('inputs_sha256', sa.String(length=64), nullable=False, comment='SHA-256 of the hashed part of the inputs'),
    sa.Column('content_sha256', sa.String(length=64), nullable=False, comment='SHA-256 of the whole (settings, figures, inputs)'),
    sa.Column('id', sa.Integer(), nullable=False, comment='surrogate key (internal)'),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('CURRENT_TIMESTAMP'), nullable=False, comment='row created [UTC]'),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('CURRENT_TIMESTAMP'), nullable=False, comment='row last changed [UTC]'),
    sa.CheckConstraint("co2e_convention IN ('gross', 'net', 'displaced')", name=op.f('ck_period_close_co2e_convention')),
    sa.CheckConstraint('period_end > period_start', name=op.f('ck_period_close_period_order')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_period_close')),
    sa.UniqueConstraint('mine_code', 'period_label', name=op.f('uq_period_close_mine_code_period_label')),
    comment='period close (期间关账): frozen figures and inputs of one mine and period, hashed'
    )
    op.create_table('restatement',
    sa.Column('close_id', sa.Integer(), nullable=False, comment='the closed period restated'),
    sa.Column('restatement_no', sa.Integer(), nullable=False, comment='1 for the first restatement, then 2, 3 …'),
    sa.Column('restated_by', sa.String(length=200), nullable=False, comment='who restated'),
    sa.Column('restated_at', sa.DateTime(timezone=True), nullable=False, comment='when [UTC]'),
    sa.Column('reason', sa.Text(), nullable=False, comment='why (late data, registry correction …)'),
    sa.Column('previous_sha256', sa.String(length=64), nullable=False, comment='content_sha256 of the version this one replaces'),
    sa.Column('diff_json', sa.Text(), nullable=False, comment='changes against the previous version (JSON: figures with old, new, delta, %; inputs added and removed)'),
    sa.Column('methodology_id', sa.String(length=64), nullable=False, comment='accounting methodology id, e.g. CN-NDRC-2015-COAL'),
    sa.Column('methodology_version', sa.String(length=200), nullable=False, comment='methodology version text'),
    sa.Column('gwp_set', sa.String(length=32), nullable=False, comment='GWP set (SAR, AR5, AR6 …)'),
    sa.Column('gwp_horizon', sa.Integer(), nullable=False, comment='GWP horizon [years]'),
    sa.Column('gap_rule', sa.String(length=32), nullable=False, comment='gap rule (epa_98_325 | exclude | conservative)'),
    sa.Column('density_name', sa.String(length=32), nullable=False, comment='named CH4 density'),
    sa.Column('ref_state', sa.String(length=16), nullable=False, comment='reference state of volumes'),
    sa.Column('co2e_convention', sa.String(length=16), nullable=False, comment='headline CO2e convention (gross | net | displaced)'),
    sa.Column('software_version', sa.String(length=64), nullable=False, comment='minegas version that computed the figures'),
    sa.Column('paramsets_json', sa.Text(), nullable=False, comment='parameter sets used: JSON list of {id, version}'),
    sa.Column('figures_json', sa.Text(), nullable=False, comment='the frozen figures (canonical JSON)'),
    sa.Column('inputs_json', sa.Text(), nullable=False, comment='the frozen inputs: batches + SHA-256, data and registry digests, store files (canonical JSON)'),
    sa.Column('figures_sha256', sa.String(length=64), nullable=False, comment='SHA-256 of figures_json'),
    sa.Column('inputs_sha256', sa.String(length=64), nullable=False, comment='SHA-256 of the hashed part of the inputs'),
    sa.Column('content_sha256', sa.String(length=64), nullable=False, comment='SHA-256 of the whole (settings, figures, inputs)'),
    sa.Column('id', sa.Integer(), nullable=False, comment='surrogate key (internal)'),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('CURRENT_TIMESTAMP'), nullable=False, comment='row created [UTC]'),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('CURRENT_TIMESTAMP'), nullable=False, comment='row last changed [UTC]'),
    sa.CheckConstraint("co2e_convention IN ('gross', 'net', 'displaced')", name=op.f('ck_restatement_co2e_convention')),
    sa.CheckConstraint('restatement_no >= 1', name=op.f('ck_restatement_restatement_no')),
    sa.ForeignKeyConstraint(['close_id'], ['period_close.id'], name=op.f('fk_restatement_close_id_period_close')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_restatement')),
    sa.UniqueConstraint('close_id', 'restatement_no', name=op.f('uq_restatement_close_id_restatement_no')),
    comment='restatements (更正) of closed periods: numbered, with a diff against the previous version'
    )
    op.create_index(op.f('ix_restatement_close_id'), 'restatement', ['close_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_restatement_close_id'), table_name='restatement')
    op.drop_table('restatement')
    op.drop_table('period_close')
