"""Measurement-store bookkeeping: store_commit, ingest_batch, store_file (the manifest), store_point_month,
store_station_month, reading_conflict, kj_point_def (see minegas.registry.store_models and docs/store.md).

Revision ID: 0002_store
Revises: 0001
Create Date: 2026-11-23
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0002_store'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('store_commit',
    sa.Column('token', sa.String(length=32), nullable=False, comment='commit token, part of the names of the files it wrote'),
    sa.Column('kind', sa.String(length=16), nullable=False, comment='ingest | rebuild | compact'),
    sa.Column('created_by', sa.String(length=200), nullable=True, comment='user (or service) that committed'),
    sa.Column('n_batches', sa.Integer(), nullable=False, comment='input files recorded'),
    sa.Column('n_files_added', sa.Integer(), nullable=False, comment='Parquet files added'),
    sa.Column('n_files_removed', sa.Integer(), nullable=False, comment='Parquet files replaced'),
    sa.Column('note', sa.Text(), nullable=True, comment='free text (e.g. the command line)'),
    sa.Column('id', sa.Integer(), nullable=False, comment='surrogate key (internal)'),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('CURRENT_TIMESTAMP'), nullable=False, comment='row created [UTC]'),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('CURRENT_TIMESTAMP'), nullable=False, comment='row last changed [UTC]'),
    sa.CheckConstraint("kind IN ('ingest', 'rebuild', 'compact')", name=op.f('ck_store_commit_kind')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_store_commit')),
    sa.UniqueConstraint('token', name=op.f('uq_store_commit_token')),
    comment='measurement-store commits (one transaction each)'
    )
    op.create_table('kj_point_def',
    sa.Column('mine_code', sa.String(length=64), nullable=False, comment='煤矿编码'),
    sa.Column('point_code', sa.String(length=128), nullable=False, comment='测点编码'),
    sa.Column('system_code', sa.String(length=16), nullable=True, comment='系统编码'),
    sa.Column('station_code', sa.String(length=64), nullable=True, comment='分站编码'),
    sa.Column('sensor_type_code', sa.String(length=16), nullable=True, comment='传感器类型'),
    sa.Column('value_type', sa.String(length=16), nullable=True, comment='测点数值类型 (MN, LJ, KG …)'),
    sa.Column('unit_raw', sa.String(length=32), nullable=True, comment='测点数值单位 as received'),
    sa.Column('range_low', sa.Double(), nullable=True, comment='低量程 [unit_raw]'),
    sa.Column('range_high', sa.Double(), nullable=True, comment='高量程 [unit_raw]'),
    sa.Column('alarm_high', sa.Double(), nullable=True, comment='上限报警门限 [unit_raw]'),
    sa.Column('alarm_low', sa.Double(), nullable=True, comment='下限报警门限 [unit_raw]'),
    sa.Column('cut_high', sa.Double(), nullable=True, comment='上限断电门限 [unit_raw]'),
    sa.Column('cut_low', sa.Double(), nullable=True, comment='下限断电门限 [unit_raw]'),
    sa.Column('location', sa.String(length=300), nullable=True, comment='测点安装位置'),
    sa.Column('sensor_name', sa.String(length=200), nullable=True, comment='sensor name (DB14)'),
    sa.Column('relations_raw', sa.Text(), nullable=True, comment='传感器关联关系 as received'),
    sa.Column('raw_extra', sa.Text(), nullable=True, comment='other fields as received (JSON)'),
    sa.Column('def_ts', sa.DateTime(timezone=True), nullable=False, comment='definition time [UTC]'),
    sa.Column('batch_id', sa.BigInteger(), nullable=False, comment='batch that carried it'),
    sa.Column('id', sa.Integer(), nullable=False, comment='surrogate key (internal)'),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('CURRENT_TIMESTAMP'), nullable=False, comment='row created [UTC]'),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('CURRENT_TIMESTAMP'), nullable=False, comment='row last changed [UTC]'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_kj_point_def')),
    sa.UniqueConstraint('mine_code', 'point_code', name=op.f('uq_kj_point_def_mine_code_point_code')),
    comment='KJ point definitions (CDDY 测点定义) as received, latest per point'
    )
    op.create_table('reading_conflict',
    sa.Column('mine_code', sa.String(length=64), nullable=False, comment='mine'),
    sa.Column('point_code', sa.String(length=128), nullable=False, comment='point code'),
    sa.Column('ts', sa.DateTime(timezone=True), nullable=False, comment='reading time [UTC]'),
    sa.Column('kept_value', sa.Double(), nullable=True, comment='value kept in the store (raw)'),
    sa.Column('kept_value_raw', sa.String(length=200), nullable=True, comment='kept raw text when not numeric'),
    sa.Column('kept_kj_status', sa.Integer(), nullable=False, comment='kept KJ status'),
    sa.Column('kept_batch_id', sa.BigInteger(), nullable=False, comment='batch of the kept reading'),
    sa.Column('other_value', sa.Double(), nullable=True, comment='value not stored (raw)'),
    sa.Column('other_value_raw', sa.String(length=200), nullable=True, comment='its raw text when not numeric'),
    sa.Column('other_kj_status', sa.Integer(), nullable=False, comment='its KJ status'),
    sa.Column('other_batch_id', sa.BigInteger(), nullable=False, comment='batch that carried it'),
    sa.Column('other_record_no', sa.Integer(), nullable=False, comment='its record number'),
    sa.Column('id', sa.Integer(), nullable=False, comment='surrogate key (internal)'),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('CURRENT_TIMESTAMP'), nullable=False, comment='row created [UTC]'),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('CURRENT_TIMESTAMP'), nullable=False, comment='row last changed [UTC]'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reading_conflict')),
    comment='duplicate (point, time) readings with a different value (first received wins)'
    )
    op.create_index('ix_reading_conflict_point', 'reading_conflict', ['mine_code', 'point_code', 'ts'], unique=False)
    op.create_table('store_point_month',
    sa.Column('mine_code', sa.String(length=64), nullable=False, comment='mine'),
    sa.Column('point_code', sa.String(length=128), nullable=False, comment='point code as received'),
    sa.Column('month', sa.String(length=7), nullable=False, comment='month YYYY-MM (CST)'),
    sa.Column('n_readings', sa.Integer(), nullable=False, comment='readings stored'),
    sa.Column('n_unmapped', sa.Integer(), nullable=False, comment='of which flagged UNMAPPED'),
    sa.Column('first_ts', sa.DateTime(timezone=True), nullable=False, comment='first reading [UTC]'),
    sa.Column('last_ts', sa.DateTime(timezone=True), nullable=False, comment='last reading [UTC]'),
    sa.Column('last_value', sa.Double(), nullable=True, comment='raw value of the last reading (null: not numeric)'),
    sa.Column('last_flags', sa.BigInteger(), nullable=False, comment='QA flags of the last reading'),
    sa.Column('id', sa.Integer(), nullable=False, comment='surrogate key (internal)'),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('CURRENT_TIMESTAMP'), nullable=False, comment='row created [UTC]'),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('CURRENT_TIMESTAMP'), nullable=False, comment='row last changed [UTC]'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_store_point_month')),
    sa.UniqueConstraint('mine_code', 'point_code', 'month', name=op.f('uq_store_point_month_mine_code_point_code_month')),
    comment='per point and CST month: stored readings and the last one'
    )
    op.create_table('store_station_month',
    sa.Column('mine_code', sa.String(length=64), nullable=False, comment='mine'),
    sa.Column('station_code', sa.String(length=64), nullable=False, comment='station'),
    sa.Column('month', sa.String(length=7), nullable=False, comment='month YYYY-MM (CST)'),
    sa.Column('n_samples', sa.Integer(), nullable=False, comment='aligned samples stored'),
    sa.Column('first_ts', sa.DateTime(timezone=True), nullable=False, comment='first sample [UTC]'),
    sa.Column('last_ts', sa.DateTime(timezone=True), nullable=False, comment='last sample [UTC]'),
    sa.Column('last_ch4_flow_nm3_min', sa.Double(), nullable=True, comment='pure CH4 flow of the last sample [Nm³/min at 0 °C]'),
    sa.Column('last_flow_mixed_nm3_min', sa.Double(), nullable=True, comment='mixed flow of the last sample [Nm³/min at 0 °C]'),
    sa.Column('last_ch4_pct', sa.Double(), nullable=True, comment='CH4 of the last sample [vol %]'),
    sa.Column('last_flags', sa.BigInteger(), nullable=False, comment='QA flags of the last sample'),
    sa.Column('id', sa.Integer(), nullable=False, comment='surrogate key (internal)'),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('CURRENT_TIMESTAMP'), nullable=False, comment='row created [UTC]'),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('CURRENT_TIMESTAMP'), nullable=False, comment='row last changed [UTC]'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_store_station_month')),
    sa.UniqueConstraint('mine_code', 'station_code', 'month', name=op.f('uq_store_station_month_mine_code_station_code_month')),
    comment='per station and CST month: aligned samples and the last one'
    )
    op.create_table('ingest_batch',
    sa.Column('batch_id', sa.BigInteger(), nullable=False, comment='batch id of the readings (first 63 bits of the SHA-256)'),
    sa.Column('commit_id', sa.Integer(), nullable=False, comment='commit that recorded the batch'),
    sa.Column('status', sa.String(length=16), nullable=False, comment='committed | rejected'),
    sa.Column('source_path', sa.String(length=1000), nullable=False, comment='path as given to ingest'),
    sa.Column('file_name', sa.String(length=300), nullable=False, comment='base name of the file'),
    sa.Column('sha256', sa.String(length=64), nullable=False, comment='SHA-256 of the bytes (hex)'),
    sa.Column('n_bytes', sa.BigInteger(), nullable=False, comment='size [bytes]'),
    sa.Column('format', sa.String(length=16), nullable=True, comment='kj | db14 | csv | parquet'),
    sa.Column('kind', sa.String(length=8), nullable=True, comment='CDSS, CDDY, AQSS, long, wide …'),
    sa.Column('mine_code', sa.String(length=64), nullable=True, comment='mine of the file'),
    sa.Column('file_time', sa.DateTime(timezone=True), nullable=True, comment='data time of the file header [UTC]'),
    sa.Column('records_total', sa.Integer(), nullable=False, comment='records in the file'),
    sa.Column('records_rejected', sa.Integer(), nullable=False, comment='records rejected (with --partial; all when rejected)'),
    sa.Column('records_stored', sa.Integer(), nullable=False, comment='new readings (or definitions) stored'),
    sa.Column('records_duplicate', sa.Integer(), nullable=False, comment='readings identical to a stored one (dropped)'),
    sa.Column('records_conflict', sa.Integer(), nullable=False, comment='readings differing from a stored one (not stored)'),
    sa.Column('records_unmapped', sa.Integer(), nullable=False, comment='stored readings of points not mapped in the registry'),
    sa.Column('partial', sa.Boolean(), nullable=False, comment='ingested with --partial'),
    sa.Column('ingested_by', sa.String(length=200), nullable=True, comment='user that ran the ingest'),
    sa.Column('message', sa.Text(), nullable=True, comment='rejection summary / notes'),
    sa.Column('id', sa.Integer(), nullable=False, comment='surrogate key (internal)'),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('CURRENT_TIMESTAMP'), nullable=False, comment='row created [UTC]'),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('CURRENT_TIMESTAMP'), nullable=False, comment='row last changed [UTC]'),
    sa.CheckConstraint("status IN ('committed', 'rejected')", name=op.f('ck_ingest_batch_status')),
    sa.ForeignKeyConstraint(['commit_id'], ['store_commit.id'], name=op.f('fk_ingest_batch_commit_id_store_commit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ingest_batch')),
    comment='ingested input files (batches): source, bytes, SHA-256, record counts'
    )
    op.create_index(op.f('ix_ingest_batch_commit_id'), 'ingest_batch', ['commit_id'], unique=False)
    op.create_index(op.f('ix_ingest_batch_mine_code'), 'ingest_batch', ['mine_code'], unique=False)
    op.create_index('ux_ingest_batch_batch_id_committed', 'ingest_batch', ['batch_id'], unique=True, sqlite_where=sa.text("status = 'committed'"), postgresql_where=sa.text("status = 'committed'"))
    op.create_index('ux_ingest_batch_sha256_committed', 'ingest_batch', ['sha256'], unique=True, sqlite_where=sa.text("status = 'committed'"), postgresql_where=sa.text("status = 'committed'"))
    op.create_table('store_file',
    sa.Column('commit_id', sa.Integer(), nullable=False, comment='commit that added the file'),
    sa.Column('dataset', sa.String(length=16), nullable=False, comment='readings | aligned'),
    sa.Column('mine_code', sa.String(length=64), nullable=False, comment='mine (partition)'),
    sa.Column('month', sa.String(length=7), nullable=False, comment='month YYYY-MM (CST, partition)'),
    sa.Column('path', sa.String(length=500), nullable=False, comment='path relative to the store root'),
    sa.Column('n_rows', sa.BigInteger(), nullable=False, comment='rows in the file'),
    sa.Column('n_bytes', sa.BigInteger(), nullable=False, comment='file size [bytes]'),
    sa.Column('min_ts', sa.DateTime(timezone=True), nullable=True, comment='earliest ts in the file [UTC]'),
    sa.Column('max_ts', sa.DateTime(timezone=True), nullable=True, comment='latest ts in the file [UTC]'),
    sa.Column('id', sa.Integer(), nullable=False, comment='surrogate key (internal)'),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('CURRENT_TIMESTAMP'), nullable=False, comment='row created [UTC]'),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('CURRENT_TIMESTAMP'), nullable=False, comment='row last changed [UTC]'),
    sa.CheckConstraint("dataset IN ('readings', 'aligned')", name=op.f('ck_store_file_dataset')),
    sa.ForeignKeyConstraint(['commit_id'], ['store_commit.id'], name=op.f('fk_store_file_commit_id_store_commit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_store_file')),
    sa.UniqueConstraint('path', name=op.f('uq_store_file_path')),
    comment='manifest of the measurement store: the Parquet files that exist'
    )
    op.create_index(op.f('ix_store_file_commit_id'), 'store_file', ['commit_id'], unique=False)
    op.create_index('ix_store_file_partition', 'store_file', ['dataset', 'mine_code', 'month'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_store_file_partition', table_name='store_file')
    op.drop_index(op.f('ix_store_file_commit_id'), table_name='store_file')
    op.drop_table('store_file')
    op.drop_index('ux_ingest_batch_sha256_committed', table_name='ingest_batch', sqlite_where=sa.text("status = 'committed'"), postgresql_where=sa.text("status = 'committed'"))
    op.drop_index('ux_ingest_batch_batch_id_committed', table_name='ingest_batch', sqlite_where=sa.text("status = 'committed'"), postgresql_where=sa.text("status = 'committed'"))
    op.drop_index(op.f('ix_ingest_batch_mine_code'), table_name='ingest_batch')
    op.drop_index(op.f('ix_ingest_batch_commit_id'), table_name='ingest_batch')
    op.drop_table('ingest_batch')
    op.drop_table('store_station_month')
    op.drop_table('store_point_month')
    op.drop_table('store_commit')
    op.drop_index('ix_reading_conflict_point', table_name='reading_conflict')
    op.drop_table('reading_conflict')
    op.drop_table('kj_point_def')
