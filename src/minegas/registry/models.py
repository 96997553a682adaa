"""SQLAlchemy models of the registry: regions, enterprises, mines, stations, points, point configurations,
units, the gas network, coal production and meter calibrations.

Identity: every table has an integer surrogate key ``id`` used by foreign keys, and a *natural key* — the stable
codes users see in files and on screen (``mine.code``; ``(mine, station.code)``; ``(point, valid_from)`` …).
The importer upserts by natural key; nothing outside this package should rely on ``id`` values.

Enumerations are strings checked by :mod:`minegas.registry.vocab` (with located messages) and by CHECK
constraints. Times are timezone-aware and stored as UTC (:class:`UTCDateTime`); dates are ``Date``.
The same models serve SQLite and PostgreSQL; the schema is created by the Alembic migrations in
``minegas/registry/migrations`` (a test checks that the migrations and these models agree).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

from minegas.registry import vocab

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
"""Deterministic constraint names (needed by Alembic batch mode on SQLite)."""


def utcnow() -> datetime:
    """The current time, aware, in UTC."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware datetime stored as UTC.

    PostgreSQL: ``timestamp with time zone``. SQLite has no time-zone type: the value is stored as naive UTC
    text and read back with ``tzinfo=UTC``. Naive datetimes are refused on the way in (a bug, not data).
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if value is None:
            return None
        if not isinstance(value, datetime):
            raise TypeError(f"UTCDateTime needs a datetime, got {type(value).__name__}")
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"UTCDateTime refuses a naive datetime ({value.isoformat()}): give it a time zone")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def _in(col: str, values: tuple[str, ...] | list[str]) -> str:
    return f"{col} IN ({', '.join(repr(v) for v in values)})"


class Base(DeclarativeBase):
    """Declarative base of the registry models."""

    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)


class _Stamped:
    """Surrogate key and audit time stamps shared by every table."""

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, comment="surrogate key (internal)")
    created_at: Mapped[datetime] = mapped_column(
        UTCDateTime, nullable=False, default=utcnow, server_default=sa.text("CURRENT_TIMESTAMP"),
        comment="row created [UTC]")
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime, nullable=False, default=utcnow, onupdate=utcnow,
        server_default=sa.text("CURRENT_TIMESTAMP"), comment="row last changed [UTC]")


class Region(_Stamped, Base):
    """Administrative region (行政区划): province, city or county, with its parent."""

    __tablename__ = "region"
    __table_args__ = (
        sa.CheckConstraint(_in("level", vocab.REGION_LEVELS), name="level"),
        {"comment": "administrative regions (行政区划): province, city, county"},
    )

    code: Mapped[str] = mapped_column(sa.String(32), unique=True, nullable=False,
                                      comment="region code, e.g. the 6-digit GB/T 2260 code")
    name_zh: Mapped[str] = mapped_column(sa.String(200), nullable=False, comment="name in Chinese")
    name_en: Mapped[str | None] = mapped_column(sa.String(200), comment="name in English")
    level: Mapped[str] = mapped_column(sa.String(16), nullable=False, comment="province | city | county")
    parent_id: Mapped[int | None] = mapped_column(sa.ForeignKey("region.id"), index=True,
                                                  comment="enclosing region")

    parent: Mapped[Region | None] = relationship(remote_side="Region.id")


class Enterprise(_Stamped, Base):
    """Mining enterprise (煤矿企业 / 集团)."""

    __tablename__ = "enterprise"
    __table_args__ = (
        sa.CheckConstraint(_in("ownership", vocab.OWNERSHIPS), name="ownership"),
        {"comment": "coal mining enterprises (企业)"},
    )

    code: Mapped[str] = mapped_column(sa.String(64), unique=True, nullable=False, comment="enterprise code")
    name_zh: Mapped[str] = mapped_column(sa.String(200), nullable=False, comment="name in Chinese")
    name_en: Mapped[str | None] = mapped_column(sa.String(200), comment="name in English")
    ownership: Mapped[str] = mapped_column(sa.String(32), nullable=False,
                                           comment="central-soe | provincial-soe | municipal-soe | private | "
                                                   "foreign | other")
    region_id: Mapped[int | None] = mapped_column(sa.ForeignKey("region.id"), index=True,
                                                  comment="region of registration")

    region: Mapped[Region | None] = relationship()


class Mine(_Stamped, Base):
    """Coal mine (煤矿). ``code`` is the 煤矿编码 used in KJ monitoring file names (usually 12 digits)."""

    __tablename__ = "mine"
    __table_args__ = (
        sa.CheckConstraint(_in("gas_class", vocab.GAS_CLASSES), name="gas_class"),
        sa.CheckConstraint(_in("mining_method", vocab.MINING_METHODS), name="mining_method"),
        sa.CheckConstraint(_in("status", vocab.MINE_STATUSES), name="status"),
        {"comment": "coal mines (煤矿)"},
    )

    code: Mapped[str] = mapped_column(sa.String(64), unique=True, nullable=False,
                                      comment="煤矿编码 (mine code of the monitoring files)")
    name_zh: Mapped[str] = mapped_column(sa.String(200), nullable=False, comment="name in Chinese")
    name_en: Mapped[str | None] = mapped_column(sa.String(200), comment="name in English")
    enterprise_id: Mapped[int | None] = mapped_column(sa.ForeignKey("enterprise.id"), index=True,
                                                      comment="owning enterprise")
    county_id: Mapped[int] = mapped_column(sa.ForeignKey("region.id"), index=True, nullable=False,
                                           comment="county (region of level county)")
    gas_class: Mapped[str] = mapped_column(sa.String(16), nullable=False,
                                           comment="high | outburst | low (高瓦斯/突出/低瓦斯)")
    mining_method: Mapped[str] = mapped_column(sa.String(16), nullable=False, comment="underground | surface")
    capacity_mt_per_yr: Mapped[float | None] = mapped_column(sa.Double, comment="approved capacity [Mt/yr]")
    status: Mapped[str] = mapped_column(sa.String(16), nullable=False,
                                        comment="producing | construction | suspended | closed | abandoned")
    latitude_deg: Mapped[float | None] = mapped_column(sa.Double, comment="latitude [degrees, WGS 84]")
    longitude_deg: Mapped[float | None] = mapped_column(sa.Double, comment="longitude [degrees, WGS 84]")
    elevation_m: Mapped[float | None] = mapped_column(sa.Double, comment="surface elevation [m]")
    barometric_kpa: Mapped[float | None] = mapped_column(
        sa.Double, comment="local barometric pressure [kPa] (gauge → absolute pressure)")
    relative_emission_m3_per_t: Mapped[float | None] = mapped_column(
        sa.Double, comment="相对瓦斯涌出量, relative gas emission [m³/t]")
    absolute_emission_m3_min: Mapped[float | None] = mapped_column(
        sa.Double, comment="绝对瓦斯涌出量, absolute gas emission [m³/min]")
    closed_on: Mapped[date | None] = mapped_column(sa.Date, comment="date of closure")
    flooded: Mapped[bool | None] = mapped_column(sa.Boolean, comment="closed mine flooded (for abandoned-mine "
                                                                     "emission methods)")

    enterprise: Mapped[Enterprise | None] = relationship()
    county: Mapped[Region] = relationship()


class Unit(_Stamped, Base):
    """A sink of gas at a mine: utilization unit (利用装置), flare (火炬), vent stack (放空) or off-site transfer."""

    __tablename__ = "unit"
    __table_args__ = (
        sa.UniqueConstraint("mine_id", "code"),
        sa.CheckConstraint(_in("kind", vocab.UNIT_KINDS), name="kind"),
        sa.CheckConstraint(_in("technology", list(vocab.TECHNOLOGIES)), name="technology"),
        sa.CheckConstraint(_in("feeds", vocab.FEEDS), name="feeds"),
        sa.CheckConstraint(_in("status", vocab.UNIT_STATUSES), name="status"),
        sa.CheckConstraint("ch4_min_pct IS NULL OR (ch4_min_pct >= 0 AND ch4_min_pct <= 100)", name="ch4_min"),
        sa.CheckConstraint("ch4_max_pct IS NULL OR (ch4_max_pct >= 0 AND ch4_max_pct <= 100)", name="ch4_max"),
        sa.CheckConstraint("ch4_min_pct IS NULL OR ch4_max_pct IS NULL OR ch4_min_pct <= ch4_max_pct",
                           name="ch4_window"),
        sa.CheckConstraint("destruction_efficiency_frac IS NULL OR "
                           "(destruction_efficiency_frac >= 0 AND destruction_efficiency_frac <= 1)",
                           name="destruction_efficiency"),
        {"comment": "gas sinks: utilization units, flares, vent stacks, off-site transfers"},
    )

    mine_id: Mapped[int] = mapped_column(sa.ForeignKey("mine.id"), index=True, nullable=False, comment="mine")
    code: Mapped[str] = mapped_column(sa.String(64), nullable=False, comment="unit code (unique within the mine)")
    name_zh: Mapped[str] = mapped_column(sa.String(200), nullable=False, comment="name in Chinese")
    name_en: Mapped[str | None] = mapped_column(sa.String(200), comment="name in English")
    kind: Mapped[str] = mapped_column(sa.String(24), nullable=False,
                                      comment="utilization | flare | vent_stack | offsite_transfer")
    technology: Mapped[str] = mapped_column(sa.String(32), nullable=False, comment="technology catalog key")
    capacity_el_kw: Mapped[float | None] = mapped_column(sa.Double, comment="electric capacity [kW]")
    capacity_heat_kw: Mapped[float | None] = mapped_column(sa.Double, comment="heat capacity [kW]")
    capacity_flow_nm3_min: Mapped[float | None] = mapped_column(
        sa.Double, comment="inlet gas (mixed) flow capacity [Nm³/min at 0 °C, 101.325 kPa]")
    ch4_min_pct: Mapped[float | None] = mapped_column(sa.Double, comment="lowest accepted inlet CH4 [vol %]")
    ch4_max_pct: Mapped[float | None] = mapped_column(sa.Double, comment="highest accepted inlet CH4 [vol %]")
    destruction_efficiency_frac: Mapped[float | None] = mapped_column(
        sa.Double, comment="CH4 destruction efficiency [0–1]")
    heat_used: Mapped[bool] = mapped_column(sa.Boolean, nullable=False, comment="recovered heat is used")
    safe_transport: Mapped[bool] = mapped_column(
        sa.Boolean, nullable=False, comment="safe-conveyance equipment (flame arresters, explosion suppression, "
                                            "water seals)")
    feeds: Mapped[str] = mapped_column(sa.String(16), nullable=False, comment="drained | vam | blend")
    commissioned_on: Mapped[date | None] = mapped_column(sa.Date, comment="commissioning date")
    status: Mapped[str] = mapped_column(sa.String(16), nullable=False,
                                        comment="operating | construction | standby | retired")

    mine: Mapped[Mine] = relationship()


class Station(_Stamped, Base):
    """Measurement station (测站): a place in the gas network where the gas stream is measured."""

    __tablename__ = "station"
    __table_args__ = (
        sa.UniqueConstraint("mine_id", "code"),
        sa.CheckConstraint(_in("role", vocab.STATION_ROLES), name="role"),
        sa.CheckConstraint(_in("drainage_system", vocab.DRAINAGE_SYSTEMS), name="drainage_system"),
        sa.CheckConstraint(_in("primary_measurement", vocab.PRIMARY_MEASUREMENTS), name="primary_measurement"),
        {"comment": "measurement stations (测站)"},
    )

    mine_id: Mapped[int] = mapped_column(sa.ForeignKey("mine.id"), index=True, nullable=False, comment="mine")
    code: Mapped[str] = mapped_column(sa.String(64), nullable=False,
                                      comment="station code (unique within the mine)")
    name_zh: Mapped[str] = mapped_column(sa.String(200), nullable=False, comment="name in Chinese")
    name_en: Mapped[str | None] = mapped_column(sa.String(200), comment="name in English")
    role: Mapped[str] = mapped_column(sa.String(32), nullable=False, comment="role in the gas network")
    drainage_system: Mapped[str] = mapped_column(sa.String(8), nullable=False,
                                                 comment="high | low | none (高负压/低负压)")
    primary_measurement: Mapped[str] = mapped_column(sa.String(24), nullable=False,
                                                     comment="the measurement that counts")
    unit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("unit.id"), index=True,
                                                comment="unit served (unit_inlet, unit_outlet, flare_inlet)")

    mine: Mapped[Mine] = relationship()
    unit: Mapped[Unit | None] = relationship()


class Point(_Stamped, Base):
    """Monitoring point (测点): one measured series, e.g. a KJ point code (测点编码)."""

    __tablename__ = "point"
    __table_args__ = (
        sa.UniqueConstraint("mine_id", "code"),
        sa.CheckConstraint(_in("quantity", vocab.QUANTITIES), name="quantity"),
        {"comment": "monitoring points (测点)"},
    )

    mine_id: Mapped[int] = mapped_column(sa.ForeignKey("mine.id"), index=True, nullable=False, comment="mine")
    code: Mapped[str] = mapped_column(sa.String(128), nullable=False,
                                      comment="external point code, e.g. the KJ 测点编码 (unique within the mine)")
    station_id: Mapped[int | None] = mapped_column(sa.ForeignKey("station.id"), index=True,
                                                   comment="station (null: registered, not attached)")
    quantity: Mapped[str] = mapped_column(sa.String(24), nullable=False, comment="what the point measures")
    name_zh: Mapped[str | None] = mapped_column(sa.String(200), comment="name / location in Chinese (安装位置)")
    kj_sensor_type: Mapped[str | None] = mapped_column(sa.String(8),
                                                       comment="KJ sensor type code (传感器类型), e.g. 0022")

    mine: Mapped[Mine] = relationship()
    station: Mapped[Station | None] = relationship()


class PointConfig(_Stamped, Base):
    """Configuration of a point over a validity interval ``[valid_from, valid_to)`` (meter set-up changes)."""

    __tablename__ = "point_config"
    __table_args__ = (
        sa.UniqueConstraint("point_id", "valid_from"),
        sa.CheckConstraint("valid_to IS NULL OR valid_to > valid_from", name="validity"),
        sa.CheckConstraint("flow_basis IS NULL OR " + _in("flow_basis", vocab.FLOW_BASES), name="flow_basis"),
        sa.CheckConstraint("ref_state IS NULL OR " + _in("ref_state", vocab.REF_STATES), name="ref_state"),
        sa.CheckConstraint("pressure_kind IS NULL OR " + _in("pressure_kind", vocab.PRESSURE_KINDS),
                           name="pressure_kind"),
        sa.CheckConstraint(_in("integration", vocab.INTEGRATIONS), name="integration"),
        sa.CheckConstraint("counter_reset IS NULL OR " + _in("counter_reset", vocab.COUNTER_RESETS),
                           name="counter_reset"),
        sa.CheckConstraint("max_gap_s > 0 AND max_gap_s <= 86400", name="max_gap"),
        {"comment": "point configurations with validity intervals"},
    )

    point_id: Mapped[int] = mapped_column(sa.ForeignKey("point.id"), index=True, nullable=False, comment="point")
    valid_from: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, comment="valid from [UTC, inclusive]")
    valid_to: Mapped[datetime | None] = mapped_column(UTCDateTime,
                                                      comment="valid to [UTC, exclusive]; null = open")
    unit: Mapped[str | None] = mapped_column(sa.String(16), comment="unit of the readings (canonical spelling)")
    unit_factor: Mapped[float | None] = mapped_column(
        sa.Double, comment="factor to the quantity's canonical unit (canonical = raw × factor + offset)")
    unit_offset: Mapped[float | None] = mapped_column(sa.Double, comment="offset to the canonical unit (K → °C)")
    flow_basis: Mapped[str | None] = mapped_column(sa.String(16), comment="working | reference (flows)")
    ref_state: Mapped[str | None] = mapped_column(sa.String(8), comment="0C | 20C | 60F (reference basis)")
    pressure_kind: Mapped[str | None] = mapped_column(sa.String(16), comment="absolute | gauge (pressure points)")
    max_gap_s: Mapped[float] = mapped_column(sa.Double, nullable=False,
                                             comment="longest interval integrated across [s]")
    integration: Mapped[str] = mapped_column(sa.String(16), nullable=False, comment="trapezoid | hold")
    counter_reset: Mapped[str | None] = mapped_column(sa.String(16), comment="none | daily | monthly (cumulatives)")
    counter_max: Mapped[float | None] = mapped_column(sa.Double, comment="counter rollover value [unit]")
    range_low: Mapped[float | None] = mapped_column(sa.Double, comment="instrument range low [unit]")
    range_high: Mapped[float | None] = mapped_column(sa.Double, comment="instrument range high [unit]")
    scale: Mapped[float] = mapped_column(sa.Double, nullable=False, comment="multiplier applied to raw readings")

    point: Mapped[Point] = relationship()


class GasLink(_Stamped, Base):
    """One edge of the gas network: from a station to a station or to a unit, over a validity interval."""

    __tablename__ = "gas_link"
    __table_args__ = (
        sa.CheckConstraint("(to_station_id IS NULL) <> (to_unit_id IS NULL)", name="one_target"),
        sa.CheckConstraint("valid_to IS NULL OR valid_to > valid_from", name="validity"),
        sa.Index("ux_gas_link_station_edge", "from_station_id", "to_station_id", "valid_from", unique=True,
                 sqlite_where=sa.text("to_station_id IS NOT NULL"),
                 postgresql_where=sa.text("to_station_id IS NOT NULL")),
        sa.Index("ux_gas_link_unit_edge", "from_station_id", "to_unit_id", "valid_from", unique=True,
                 sqlite_where=sa.text("to_unit_id IS NOT NULL"),
                 postgresql_where=sa.text("to_unit_id IS NOT NULL")),
        {"comment": "gas network topology (station → station or unit)"},
    )

    mine_id: Mapped[int] = mapped_column(sa.ForeignKey("mine.id"), index=True, nullable=False, comment="mine")
    from_station_id: Mapped[int] = mapped_column(sa.ForeignKey("station.id"), index=True, nullable=False,
                                                 comment="upstream station")
    to_station_id: Mapped[int | None] = mapped_column(sa.ForeignKey("station.id"), index=True,
                                                      comment="downstream station")
    to_unit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("unit.id"), index=True,
                                                   comment="downstream unit")
    valid_from: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, comment="valid from [UTC, inclusive]")
    valid_to: Mapped[datetime | None] = mapped_column(UTCDateTime,
                                                      comment="valid to [UTC, exclusive]; null = open")

    mine: Mapped[Mine] = relationship()
    from_station: Mapped[Station] = relationship(foreign_keys=[from_station_id])
    to_station: Mapped[Station | None] = relationship(foreign_keys=[to_station_id])
    to_unit: Mapped[Unit | None] = relationship()


class CoalProduction(_Stamped, Base):
    """Raw coal production of a mine in one month (China Standard Time month)."""

    __tablename__ = "coal_production"
    __table_args__ = (
        sa.UniqueConstraint("mine_id", "month"),
        sa.CheckConstraint("production_t >= 0", name="production"),
        {"comment": "monthly coal production"},
    )

    mine_id: Mapped[int] = mapped_column(sa.ForeignKey("mine.id"), index=True, nullable=False, comment="mine")
    month: Mapped[str] = mapped_column(sa.String(7), nullable=False, comment="month YYYY-MM (CST)")
    production_t: Mapped[float] = mapped_column(sa.Double, nullable=False, comment="raw coal produced [t]")
    source: Mapped[str | None] = mapped_column(sa.String(200), comment="where the figure comes from")

    mine: Mapped[Mine] = relationship()


class Calibration(_Stamped, Base):
    """A meter calibration / verification record of a point."""

    __tablename__ = "calibration"
    __table_args__ = (
        sa.UniqueConstraint("point_id", "performed_on", "kind"),
        sa.CheckConstraint(_in("kind", vocab.CALIBRATION_KINDS), name="kind"),
        sa.CheckConstraint(_in("result", vocab.CALIBRATION_RESULTS), name="result"),
        {"comment": "meter calibration records (校准/检定)"},
    )

    point_id: Mapped[int] = mapped_column(sa.ForeignKey("point.id"), index=True, nullable=False, comment="point")
    performed_on: Mapped[date] = mapped_column(sa.Date, nullable=False, comment="date performed")
    kind: Mapped[str] = mapped_column(sa.String(16), nullable=False,
                                      comment="calibration | verification | zero-span | replacement")
    result: Mapped[str] = mapped_column(sa.String(16), nullable=False, comment="pass | fail | adjusted")
    certificate: Mapped[str | None] = mapped_column(sa.String(200), comment="certificate number")
    next_due: Mapped[date | None] = mapped_column(sa.Date, comment="next calibration due")
    performed_by: Mapped[str | None] = mapped_column(sa.String(200), comment="who performed it")
    note: Mapped[str | None] = mapped_column(sa.Text, comment="free text")

    point: Mapped[Point] = relationship()


MODELS: dict[str, type[Base]] = {
    "region": Region,
    "enterprise": Enterprise,
    "mine": Mine,
    "unit": Unit,
    "station": Station,
    "point": Point,
    "point_config": PointConfig,
    "gas_link": GasLink,
    "coal_production": CoalProduction,
    "calibration": Calibration,
}
"""Table name → model, in dependency order (a table only refers to tables before it, or to itself)."""


# The measurement store's bookkeeping tables (minegas.registry.store_models, migration 0002_store) and the period
# close tables (minegas.registry.close_models, migration 0003_close) share this metadata, so that one chain of
# Alembic migrations builds them all. Imported last: they build on the classes above.
from minegas.registry import close_models as _close_models  # noqa: E402, F401
from minegas.registry import store_models as _store_models  # noqa: E402, F401
