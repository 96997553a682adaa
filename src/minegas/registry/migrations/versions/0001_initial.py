"""Initial registry schema: region, enterprise, mine, unit, station, point, point_config, gas_link,
coal_production, calibration (see minegas.registry.models for the meaning of each column).

Revision ID: 0001
Revises: (none)
Create Date: 2026-11-22
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0001'
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('region',
    sa.Column('code', sa.String(length=32), nullable=False, comment='region code, e.g. the 6-digit GB/T 2260 code'),
    sa.Column('name_zh', sa.String(length=200), nullable=False, comment='name in Chinese'),
    sa.Column('name_en', sa.String(length=200), nullable=True, comment='name in English'),
    sa.Column('level', sa.String(length=16), nullable=False, comment='province | city | county'),
    sa.Column('parent_id', sa.Integer(), nullable=True, comment='enclosing region'),
    sa.Column('id', sa.Integer(), nullable=False, comment='surrogate key (internal)'),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('CURRENT_TIMESTAMP'), nullable=False, comment='row created [UTC]'),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('CURRENT_TIMESTAMP'), nullable=False, comment='row last changed [UTC]'),
    sa.CheckConstraint("level IN ('province', 'city', 'county')", name=op.f('ck_region_level')),
    sa.ForeignKeyConstraint(['parent_id'], ['region.id'], name=op.f('fk_region_parent_id_region')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_region')),
    sa.UniqueConstraint('code', name=op.f('uq_region_code')),
    comment='administrative regions (行政区划): province, city, county'
    )
    op.create_index(op.f('ix_region_parent_id'), 'region', ['parent_id'], unique=False)

    op.create_table('enterprise',
    sa.Column('code', sa.String(length=64), nullable=False, comment='enterprise code'),
    sa.Column('name_zh', sa.String(length=200), nullable=False, comment='name in Chinese'),
    sa.Column('name_en', sa.String(length=200), nullable=True, comment='name in English'),
    sa.Column('ownership', sa.String(length=32), nullable=False, comment='central-soe | provincial-soe | municipal-soe | private | foreign | other'),
    sa.Column('region_id', sa.Integer(), nullable=True, comment='region of registration'),
    sa.Column('id', sa.Integer(), nullable=False, comment='surrogate key (internal)'),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('CURRENT_TIMESTAMP'), nullable=False, comment='row created [UTC]'),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('CURRENT_TIMESTAMP'), nullable=False, comment='row last changed [UTC]'),
    sa.CheckConstraint("ownership IN ('central-soe', 'provincial-soe', 'municipal-soe', 'private', 'foreign', 'other')", name=op.f('ck_enterprise_ownership')),
    sa.ForeignKeyConstraint(['region_id'], ['region.id'], name=op.f('fk_enterprise_region_id_region')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_enterprise')),
    sa.UniqueConstraint('code', name=op.f('uq_enterprise_code')),
    comment='coal mining enterprises (企业)'
    )
    op.create_index(op.f('ix_enterprise_region_id'), 'enterprise', ['region_id'], unique=False)

    op.create_table('mine',
    sa.Column('code', sa.String(length=64), nullable=False, comment='煤矿编码 (mine code of the monitoring files)'),
    sa.Column('name_zh', sa.String(length=200), nullable=False, comment='name in Chinese'),
    sa.Column('name_en', sa.String(length=200), nullable=True, comment='name in English'),
    sa.Column('enterprise_id', sa.Integer(), nullable=True, comment='owning enterprise'),
    sa.Column('county_id', sa.Integer(), nullable=False, comment='county (region of level county)'),
    sa.Column('gas_class', sa.String(length=16), nullable=False, comment='high | outburst | low (高瓦斯/突出/低瓦斯)'),
    sa.Column('mining_method', sa.String(length=16), nullable=False, comment='underground | surface'),
    sa.Column('capacity_mt_per_yr', sa.Double(), nullable=True, comment='approved capacity [Mt/yr]'),
    sa.Column('status', sa.String(length=16), nullable=False, comment='producing | construction | suspended | closed | abandoned'),
    sa.Column('latitude_deg', sa.Double(), nullable=True, comment='latitude [degrees, WGS 84]'),
    sa.Column('longitude_deg', sa.Double(), nullable=True, comment='longitude [degrees, WGS 84]'),
    sa.Column('elevation_m', sa.Double(), nullable=True, comment='surface elevation [m]'),
    sa.Column('barometric_kpa', sa.Double(), nullable=True, comment='local barometric pressure [kPa] (gauge → absolute pressure)'),
    sa.Column('relative_emission_m3_per_t', sa.Double(), nullable=True, comment='相对瓦斯涌出量, relative gas emission [m³/t]'),
    sa.Column('absolute_emission_m3_min', sa.Double(), nullable=True, comment='绝对瓦斯涌出量, absolute gas emission [m³/min]'),
    sa.Column('closed_on', sa.Date(), nullable=True, comment='date of closure'),
    sa.Column('flooded', sa.Boolean(), nullable=True, comment='closed mine flooded (for abandoned-mine emission methods)'),
    sa.Column('id', sa.Integer(), nullable=False, comment='surrogate key (internal)'),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('CURRENT_TIMESTAMP'), nullable=False, comment='row created [UTC]'),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('CURRENT_TIMESTAMP'), nullable=False, comment='row last changed [UTC]'),
    sa.CheckConstraint("gas_class IN ('high', 'outburst', 'low')", name=op.f('ck_mine_gas_class')),
    sa.CheckConstraint("mining_method IN ('underground', 'surface')", name=op.f('ck_mine_mining_method')),
    sa.CheckConstraint("status IN ('producing', 'construction', 'suspended', 'closed', 'abandoned')", name=op.f('ck_mine_status')),
    sa.ForeignKeyConstraint(['county_id'], ['region.id'], name=op.f('fk_mine_county_id_region')),
    sa.ForeignKeyConstraint(['enterprise_id'], ['enterprise.id'], name=op.f('fk_mine_enterprise_id_enterprise')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mine')),
    sa.UniqueConstraint('code', name=op.f('uq_mine_code')),
    comment='coal mines (煤矿)'
    )
    op.create_index(op.f('ix_mine_county_id'), 'mine', ['county_id'], unique=False)
    op.create_index(op.f('ix_mine_enterprise_id'), 'mine', ['enterprise_id'], unique=False)

    op.create_table('coal_production',
    sa.Column('mine_id', sa.Integer(), nullable=False, comment='mine'),
    sa.Column('month', sa.String(length=7), nullable=False, comment='month YYYY-MM (CST)'),
    sa.Column('production_t', sa.Double(), nullable=False, comment='raw coal produced [t]'),
    sa.Column('source', sa.String(length=200), nullable=True, comment='where the figure comes from'),
    sa.Column('id', sa.Integer(), nullable=False, comment='surrogate key (internal)'),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('CURRENT_TIMESTAMP'), nullable=False, comment='row created [UTC]'),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('CURRENT_TIMESTAMP'), nullable=False, comment='row last changed [UTC]'),
    sa.CheckConstraint('production_t >= 0', name=op.f('ck_coal_production_production')),
    sa.ForeignKeyConstraint(['mine_id'], ['mine.id'], name=op.f('fk_coal_production_mine_id_mine')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_coal_production')),
    sa.UniqueConstraint('mine_id', 'month', name=op.f('uq_coal_production_mine_id_month')),
    comment='monthly coal production'
    )
    op.create_index(op.f('ix_coal_production_mine_id'), 'coal_production', ['mine_id'], unique=False)

    op.create_table('unit',
    sa.Column('mine_id', sa.Integer(), nullable=False, comment='mine'),
    sa.Column('code', sa.String(length=64), nullable=False, comment='unit code (unique within the mine)'),
    sa.Column('name_zh', sa.String(length=200), nullable=False, comment='name in Chinese'),
    sa.Column('name_en', sa.String(length=200), nullable=True, comment='name in English'),
    sa.Column('kind', sa.String(length=24), nullable=False, comment='utilization | flare | vent_stack | offsite_transfer'),
    sa.Column('technology', sa.String(length=32), nullable=False, comment='technology catalog key'),
    sa.Column('capacity_el_kw', sa.Double(), nullable=True, comment='electric capacity [kW]'),
    sa.Column('capacity_heat_kw', sa.Double(), nullable=True, comment='heat capacity [kW]'),
    sa.Column('capacity_flow_nm3_min', sa.Double(), nullable=True, comment='inlet gas (mixed) flow capacity [Nm³/min at 0 °C, 101.325 kPa]'),
    sa.Column('ch4_min_pct', sa.Double(), nullable=True, comment='lowest accepted inlet CH4 [vol %]'),
    sa.Column('ch4_max_pct', sa.Double(), nullable=True, comment='highest accepted inlet CH4 [vol %]'),
    sa.Column('destruction_efficiency_frac', sa.Double(), nullable=True, comment='CH4 destruction efficiency [0–1]'),
    sa.Column('heat_used', sa.Boolean(), nullable=False, comment='recovered heat is used'),
    sa.Column('safe_transport', sa.Boolean(), nullable=False, comment='safe-conveyance equipment (flame arresters, explosion suppression, water seals)'),
    sa.Column('feeds', sa.String(length=16), nullable=False, comment='drained | vam | blend'),
    sa.Column('commissioned_on', sa.Date(), nullable=True, comment='commissioning date'),
    sa.Column('status', sa.String(length=16), nullable=False, comment='operating | construction | standby | retired'),
    sa.Column('id', sa.Integer(), nullable=False, comment='surrogate key (internal)'),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('CURRENT_TIMESTAMP'), nullable=False, comment='row created [UTC]'),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('CURRENT_TIMESTAMP'), nullable=False, comment='row last changed [UTC]'),
    sa.CheckConstraint("feeds IN ('drained', 'vam', 'blend')", name=op.f('ck_unit_feeds')),
    sa.CheckConstraint("kind IN ('utilization', 'flare', 'vent_stack', 'offsite_transfer')", name=op.f('ck_unit_kind')),
    sa.CheckConstraint("status IN ('operating', 'construction', 'standby', 'retired')", name=op.f('ck_unit_status')),
    sa.CheckConstraint("technology IN ('gas-engine', 'low-conc-gas-engine', 'gas-turbine', 'lean-burn-turbine', 'boiler', 'civil-gas', 'industrial-fuel', 'cng', 'lng', 'pipeline', 'thermal-island', 'porous-media-boiler', 'rto-vam', 'catalytic-oxidation', 'vpsa', 'cryogenic-enrichment', 'flare-enclosed', 'flare-open', 'vent', 'offsite')", name=op.f('ck_unit_technology')),
    sa.CheckConstraint('ch4_max_pct IS NULL OR (ch4_max_pct >= 0 AND ch4_max_pct <= 100)', name=op.f('ck_unit_ch4_max')),
    sa.CheckConstraint('ch4_min_pct IS NULL OR (ch4_min_pct >= 0 AND ch4_min_pct <= 100)', name=op.f('ck_unit_ch4_min')),
    sa.CheckConstraint('ch4_min_pct IS NULL OR ch4_max_pct IS NULL OR ch4_min_pct <= ch4_max_pct', name=op.f('ck_unit_ch4_window')),
    sa.CheckConstraint('destruction_efficiency_frac IS NULL OR (destruction_efficiency_frac >= 0 AND destruction_efficiency_frac <= 1)', name=op.f('ck_unit_destruction_efficiency')),
    sa.ForeignKeyConstraint(['mine_id'], ['mine.id'], name=op.f('fk_unit_mine_id_mine')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_unit')),
    sa.UniqueConstraint('mine_id', 'code', name=op.f('uq_unit_mine_id_code')),
    comment='gas sinks: utilization units, flares, vent stacks, off-site transfers'
    )
    op.create_index(op.f('ix_unit_mine_id'), 'unit', ['mine_id'], unique=False)

    op.create_table('station',
    sa.Column('mine_id', sa.Integer(), nullable=False, comment='mine'),
    sa.Column('code', sa.String(length=64), nullable=False, comment='station code (unique within the mine)'),
    sa.Column('name_zh', sa.String(length=200), nullable=False, comment='name in Chinese'),
    sa.Column('name_en', sa.String(length=200), nullable=True, comment='name in English'),
    sa.Column('role', sa.String(length=32), nullable=False, comment='role in the gas network'),
    sa.Column('drainage_system', sa.String(length=8), nullable=False, comment='high | low | none (高负压/低负压)'),
    sa.Column('primary_measurement', sa.String(length=24), nullable=False, comment='the measurement that counts'),
    sa.Column('unit_id', sa.Integer(), nullable=True, comment='unit served (unit_inlet, unit_outlet, flare_inlet)'),
    sa.Column('id', sa.Integer(), nullable=False, comment='surrogate key (internal)'),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('CURRENT_TIMESTAMP'), nullable=False, comment='row created [UTC]'),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('CURRENT_TIMESTAMP'), nullable=False, comment='row last changed [UTC]'),
    sa.CheckConstraint("drainage_system IN ('high', 'low', 'none')", name=op.f('ck_station_drainage_system')),
    sa.CheckConstraint("primary_measurement IN ('pure_flow', 'mixed_flow_x_ch4', 'cumulative_pure', 'cumulative_mixed', 'air_flow_x_ch4')", name=op.f('ck_station_primary_measurement')),
    sa.CheckConstraint("role IN ('drainage_main', 'drainage_branch', 'pump_outlet', 'return_shaft', 'unit_inlet', 'unit_outlet', 'flare_inlet', 'vent_stack', 'transfer_out', 'safety_conveyance_inlet')", name=op.f('ck_station_role')),
    sa.ForeignKeyConstraint(['mine_id'], ['mine.id'], name=op.f('fk_station_mine_id_mine')),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_station_unit_id_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_station')),
    sa.UniqueConstraint('mine_id', 'code', name=op.f('uq_station_mine_id_code')),
    comment='measurement stations (测站)'
    )
    op.create_index(op.f('ix_station_mine_id'), 'station', ['mine_id'], unique=False)
    op.create_index(op.f('ix_station_unit_id'), 'station', ['unit_id'], unique=False)

    op.create_table('gas_link',
    sa.Column('mine_id', sa.Integer(), nullable=False, comment='mine'),
    sa.Column('from_station_id', sa.Integer(), nullable=False, comment='upstream station'),
    sa.Column('to_station_id', sa.Integer(), nullable=True, comment='downstream station'),
    sa.Column('to_unit_id', sa.Integer(), nullable=True, comment='downstream unit'),
    sa.Column('valid_from', sa.DateTime(timezone=True), nullable=False, comment='valid from [UTC, inclusive]'),
    sa.Column('valid_to', sa.DateTime(timezone=True), nullable=True, comment='valid to [UTC, exclusive]; null = open'),
    sa.Column('id', sa.Integer(), nullable=False, comment='surrogate key (internal)'),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('CURRENT_TIMESTAMP'), nullable=False, comment='row created [UTC]'),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('CURRENT_TIMESTAMP'), nullable=False, comment='row last changed [UTC]'),
    sa.CheckConstraint('(to_station_id IS NULL) <> (to_unit_id IS NULL)', name=op.f('ck_gas_link_one_target')),
    sa.CheckConstraint('valid_to IS NULL OR valid_to > valid_from', name=op.f('ck_gas_link_validity')),
    sa.ForeignKeyConstraint(['from_station_id'], ['station.id'], name=op.f('fk_gas_link_from_station_id_station')),
    sa.ForeignKeyConstraint(['mine_id'], ['mine.id'], name=op.f('fk_gas_link_mine_id_mine')),
    sa.ForeignKeyConstraint(['to_station_id'], ['station.id'], name=op.f('fk_gas_link_to_station_id_station')),
    sa.ForeignKeyConstraint(['to_unit_id'], ['unit.id'], name=op.f('fk_gas_link_to_unit_id_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_gas_link')),
    comment='gas network topology (station → station or unit)'
    )
    op.create_index(op.f('ix_gas_link_from_station_id'), 'gas_link', ['from_station_id'], unique=False)
    op.create_index(op.f('ix_gas_link_mine_id'), 'gas_link', ['mine_id'], unique=False)
    op.create_index(op.f('ix_gas_link_to_station_id'), 'gas_link', ['to_station_id'], unique=False)
    op.create_index(op.f('ix_gas_link_to_unit_id'), 'gas_link', ['to_unit_id'], unique=False)
    op.create_index('ux_gas_link_station_edge', 'gas_link', ['from_station_id', 'to_station_id', 'valid_from'], unique=True, sqlite_where=sa.text('to_station_id IS NOT NULL'), postgresql_where=sa.text('to_station_id IS NOT NULL'))
    op.create_index('ux_gas_link_unit_edge', 'gas_link', ['from_station_id', 'to_unit_id', 'valid_from'], unique=True, sqlite_where=sa.text('to_unit_id IS NOT NULL'), postgresql_where=sa.text('to_unit_id IS NOT NULL'))

    op.create_table('point',
    sa.Column('mine_id', sa.Integer(), nullable=False, comment='mine'),
    sa.Column('code', sa.String(length=128), nullable=False, comment='external point code, e.g. the KJ 测点编码 (unique within the mine)'),
    sa.Column('station_id', sa.Integer(), nullable=True, comment='station (null: registered, not attached)'),
    sa.Column('quantity', sa.String(length=24), nullable=False, comment='what the point measures'),
    sa.Column('name_zh', sa.String(length=200), nullable=True, comment='name / location in Chinese (安装位置)'),
    sa.Column('kj_sensor_type', sa.String(length=8), nullable=True, comment='KJ sensor type code (传感器类型), e.g. 0022'),
    sa.Column('id', sa.Integer(), nullable=False, comment='surrogate key (internal)'),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('CURRENT_TIMESTAMP'), nullable=False, comment='row created [UTC]'),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('CURRENT_TIMESTAMP'), nullable=False, comment='row last changed [UTC]'),
    sa.CheckConstraint("quantity IN ('ch4_pct', 'flow_mixed', 'flow_pure', 'pressure', 'temperature', 'cumulative_mixed', 'cumulative_pure', 'air_flow', 'wind_speed', 'power_kw', 'energy_kwh', 'heat_kw', 'heat_gj', 'outlet_ch4_ppm', 'co_ppm', 'state')", name=op.f('ck_point_quantity')),
    sa.ForeignKeyConstraint(['mine_id'], ['mine.id'], name=op.f('fk_point_mine_id_mine')),
    sa.ForeignKeyConstraint(['station_id'], ['station.id'], name=op.f('fk_point_station_id_station')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_point')),
    sa.UniqueConstraint('mine_id', 'code', name=op.f('uq_point_mine_id_code')),
    comment='monitoring points (测点)'
    )
    op.create_index(op.f('ix_point_mine_id'), 'point', ['mine_id'], unique=False)
    op.create_index(op.f('ix_point_station_id'), 'point', ['station_id'], unique=False)

    op.create_table('calibration',
    sa.Column('point_id', sa.Integer(), nullable=False, comment='point'),
    sa.Column('performed_on', sa.Date(), nullable=False, comment='date performed'),
    sa.Column('kind', sa.String(length=16), nullable=False, comment='calibration | verification | zero-span | replacement'),
    sa.Column('result', sa.String(length=16), nullable=False, comment='pass | fail | adjusted'),
    sa.Column('certificate', sa.String(length=200), nullable=True, comment='certificate number'),
    sa.Column('next_due', sa.Date(), nullable=True, comment='next calibration due'),
    sa.Column('performed_by', sa.String(length=200), nullable=True, comment='who performed it'),
    sa.Column('note', sa.Text(), nullable=True, comment='free text'),
    sa.Column('id', sa.Integer(), nullable=False, comment='surrogate key (internal)'),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('CURRENT_TIMESTAMP'), nullable=False, comment='row created [UTC]'),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('CURRENT_TIMESTAMP'), nullable=False, comment='row last changed [UTC]'),
    sa.CheckConstraint("kind IN ('calibration', 'verification', 'zero-span', 'replacement')", name=op.f('ck_calibration_kind')),
    sa.CheckConstraint("result IN ('pass', 'fail', 'adjusted')", name=op.f('ck_calibration_result')),
    sa.ForeignKeyConstraint(['point_id'], ['point.id'], name=op.f('fk_calibration_point_id_point')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_calibration')),
    sa.UniqueConstraint('point_id', 'performed_on', 'kind', name=op.f('uq_calibration_point_id_performed_on_kind')),
    comment='meter calibration records (校准/检定)'
    )
    op.create_index(op.f('ix_calibration_point_id'), 'calibration', ['point_id'], unique=False)

    op.create_table('point_config',
    sa.Column('point_id', sa.Integer(), nullable=False, comment='point'),
    sa.Column('valid_from', sa.DateTime(timezone=True), nullable=False, comment='valid from [UTC, inclusive]'),
    sa.Column('valid_to', sa.DateTime(timezone=True), nullable=True, comment='valid to [UTC, exclusive]; null = open'),
    sa.Column('unit', sa.String(length=16), nullable=True, comment='unit of the readings (canonical spelling)'),
    sa.Column('unit_factor', sa.Double(), nullable=True, comment="factor to the quantity's canonical unit (canonical = raw × factor + offset)"),
    sa.Column('unit_offset', sa.Double(), nullable=True, comment='offset to the canonical unit (K → °C)'),
    sa.Column('flow_basis', sa.String(length=16), nullable=True, comment='working | reference (flows)'),
    sa.Column('ref_state', sa.String(length=8), nullable=True, comment='0C | 20C | 60F (reference basis)'),
    sa.Column('pressure_kind', sa.String(length=16), nullable=True, comment='absolute | gauge (pressure points)'),
    sa.Column('max_gap_s', sa.Double(), nullable=False, comment='longest interval integrated across [s]'),
    sa.Column('integration', sa.String(length=16), nullable=False, comment='trapezoid | hold'),
    sa.Column('counter_reset', sa.String(length=16), nullable=True, comment='none | daily | monthly (cumulatives)'),
    sa.Column('counter_max', sa.Double(), nullable=True, comment='counter rollover value [unit]'),
    sa.Column('range_low', sa.Double(), nullable=True, comment='instrument range low [unit]'),
    sa.Column('range_high', sa.Double(), nullable=True, comment='instrument range high [unit]'),
    sa.Column('scale', sa.Double(), nullable=False, comment='multiplier applied to raw readings'),
    sa.Column('id', sa.Integer(), nullable=False, comment='surrogate key (internal)'),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('CURRENT_TIMESTAMP'), nullable=False, comment='row created [UTC]'),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('CURRENT_TIMESTAMP'), nullable=False, comment='row last changed [UTC]'),
    sa.CheckConstraint("counter_reset IS NULL OR counter_reset IN ('none', 'daily', 'monthly')", name=op.f('ck_point_config_counter_reset')),
    sa.CheckConstraint("flow_basis IS NULL OR flow_basis IN ('working', 'reference')", name=op.f('ck_point_config_flow_basis')),
    sa.CheckConstraint("integration IN ('trapezoid', 'hold')", name=op.f('ck_point_config_integration')),
    sa.CheckConstraint("pressure_kind IS NULL OR pressure_kind IN ('absolute', 'gauge')", name=op.f('ck_point_config_pressure_kind')),
    sa.CheckConstraint("ref_state IS NULL OR ref_state IN ('0C', '20C', '60F')", name=op.f('ck_point_config_ref_state')),
    sa.CheckConstraint('max_gap_s > 0 AND max_gap_s <= 86400', name=op.f('ck_point_config_max_gap')),
    sa.CheckConstraint('valid_to IS NULL OR valid_to > valid_from', name=op.f('ck_point_config_validity')),
    sa.ForeignKeyConstraint(['point_id'], ['point.id'], name=op.f('fk_point_config_point_id_point')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_point_config')),
    sa.UniqueConstraint('point_id', 'valid_from', name=op.f('uq_point_config_point_id_valid_from')),
    comment='point configurations with validity intervals'
    )
    op.create_index(op.f('ix_point_config_point_id'), 'point_config', ['point_id'], unique=False)



def downgrade() -> None:
    op.drop_index(op.f('ix_point_config_point_id'), table_name='point_config')

    op.drop_table('point_config')
    op.drop_index(op.f('ix_calibration_point_id'), table_name='calibration')

    op.drop_table('calibration')
    op.drop_index(op.f('ix_point_station_id'), table_name='point')
    op.drop_index(op.f('ix_point_mine_id'), table_name='point')

    op.drop_table('point')
    op.drop_index('ux_gas_link_unit_edge', table_name='gas_link', sqlite_where=sa.text('to_unit_id IS NOT NULL'), postgresql_where=sa.text('to_unit_id IS NOT NULL'))
    op.drop_index('ux_gas_link_station_edge', table_name='gas_link', sqlite_where=sa.text('to_station_id IS NOT NULL'), postgresql_where=sa.text('to_station_id IS NOT NULL'))
    op.drop_index(op.f('ix_gas_link_to_unit_id'), table_name='gas_link')
    op.drop_index(op.f('ix_gas_link_to_station_id'), table_name='gas_link')
    op.drop_index(op.f('ix_gas_link_mine_id'), table_name='gas_link')
    op.drop_index(op.f('ix_gas_link_from_station_id'), table_name='gas_link')

    op.drop_table('gas_link')
    op.drop_index(op.f('ix_station_unit_id'), table_name='station')
    op.drop_index(op.f('ix_station_mine_id'), table_name='station')

    op.drop_table('station')
    op.drop_index(op.f('ix_unit_mine_id'), table_name='unit')

    op.drop_table('unit')
    op.drop_index(op.f('ix_coal_production_mine_id'), table_name='coal_production')

    op.drop_table('coal_production')
    op.drop_index(op.f('ix_mine_enterprise_id'), table_name='mine')
    op.drop_index(op.f('ix_mine_county_id'), table_name='mine')

    op.drop_table('mine')
    op.drop_index(op.f('ix_enterprise_region_id'), table_name='enterprise')

    op.drop_table('enterprise')
    op.drop_index(op.f('ix_region_parent_id'), table_name='region')

    op.drop_table('region')
