"""Read API of the registry for the other modules (ingest, accounting, utilization, planning, reports).

Everything returned is plain data — frozen dataclasses or a :class:`pyarrow.Table` — never live ORM objects,
so callers may keep results after the session closes. This API is stable; extend it, don't change it.

Functions take an open :class:`sqlalchemy.orm.Session` (see :func:`minegas.registry.db.session_scope`).
Unknown mine codes raise :class:`minegas.errors.InputError` (exit code 2) naming the code and the fix.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime

import pyarrow as pa
import sqlalchemy as sa
from sqlalchemy.orm import Session, aliased

from minegas.errors import InputError, Problem
from minegas.registry.models import (
    Calibration,
    CoalProduction,
    GasLink,
    Mine,
    Point,
    PointConfig,
    Region,
    Station,
    Unit,
)
from minegas.registry.vocab import QUANTITY_UNITS

# --- plain records --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MineInfo:
    """A mine (煤矿) with its enterprise and region codes. Units in the field names."""

    code: str
    name_zh: str
    name_en: str | None
    enterprise_code: str | None
    enterprise_name_zh: str | None
    county_code: str
    county_name_zh: str
    city_code: str | None
    province_code: str | None
    gas_class: str
    mining_method: str
    capacity_mt_per_yr: float | None
    status: str
    latitude_deg: float | None
    longitude_deg: float | None
    elevation_m: float | None
    barometric_kpa: float | None
    relative_emission_m3_per_t: float | None
    absolute_emission_m3_min: float | None
    closed_on: date | None
    flooded: bool | None


@dataclass(frozen=True)
class StationInfo:
    """A measurement station (测站)."""

    mine_code: str
    code: str
    name_zh: str
    name_en: str | None
    role: str
    drainage_system: str
    primary_measurement: str
    unit_code: str | None


@dataclass(frozen=True)
class PointInfo:
    """A monitoring point (测点)."""

    mine_code: str
    code: str
    station_code: str | None
    quantity: str
    name_zh: str | None
    kj_sensor_type: str | None


@dataclass(frozen=True)
class UnitInfo:
    """A gas sink: utilization unit, flare, vent stack or off-site transfer."""

    mine_code: str
    code: str
    name_zh: str
    name_en: str | None
    kind: str
    technology: str
    capacity_el_kw: float | None
    capacity_heat_kw: float | None
    capacity_flow_nm3_min: float | None
    ch4_min_pct: float | None
    ch4_max_pct: float | None
    destruction_efficiency_frac: float | None
    heat_used: bool
    safe_transport: bool
    feeds: str
    commissioned_on: date | None
    status: str


@dataclass(frozen=True)
class GasLinkInfo:
    """An edge of the gas network: ``from_station_code`` → ``to_station_code`` or ``to_unit_code``, valid over
    ``[valid_from, valid_to)`` (UTC; ``valid_to`` None = open)."""

    mine_code: str
    from_station_code: str
    to_station_code: str | None
    to_unit_code: str | None
    valid_from: datetime
    valid_to: datetime | None

    def valid_at(self, at: datetime) -> bool:
        """True if the link exists at the aware instant ``at``."""
        return self.valid_from <= at and (self.valid_to is None or at < self.valid_to)


@dataclass(frozen=True)
class CoalProductionInfo:
    """Raw coal produced by a mine in one CST month [t]."""

    mine_code: str
    month: str
    production_t: float
    source: str | None


@dataclass(frozen=True)
class CalibrationStatus:
    """Calibration state of one point on a given date.

    ``status``: ``ok`` (last record passed or adjusted, not overdue), ``overdue`` (``next_due`` before the
    date), ``failed`` (the last record failed), ``none`` (no record on or before the date).
    """

    mine_code: str
    point_code: str
    quantity: str
    last_performed_on: date | None
    last_kind: str | None
    last_result: str | None
    certificate: str | None
    next_due: date | None
    overdue: bool
    status: str


# --- queries --------------------------------------------------------------------------------------------------


def _mine_row(session: Session, code: str) -> Mine:
    m = session.scalars(sa.select(Mine).where(Mine.code == code)).one_or_none()
    if m is None:
        raise InputError("unknown mine", [Problem(f"no mine with code {code!r} in the registry", field="mine",
                                                  value=code, fix="check the code (minegas registry show mines) "
                                                                  "or import it from mines.csv")])
    return m


def _ancestor(region: Region | None, level: str) -> str | None:
    seen = 0
    while region is not None and seen < 10:
        if region.level == level:
            return region.code
        region, seen = region.parent, seen + 1
    return None


def _mine_info(m: Mine) -> MineInfo:
    return MineInfo(
        code=m.code, name_zh=m.name_zh, name_en=m.name_en,
        enterprise_code=m.enterprise.code if m.enterprise else None,
        enterprise_name_zh=m.enterprise.name_zh if m.enterprise else None,
        county_code=m.county.code, county_name_zh=m.county.name_zh,
        city_code=_ancestor(m.county, "city"), province_code=_ancestor(m.county, "province"),
        gas_class=m.gas_class, mining_method=m.mining_method, capacity_mt_per_yr=m.capacity_mt_per_yr,
        status=m.status, latitude_deg=m.latitude_deg, longitude_deg=m.longitude_deg, elevation_m=m.elevation_m,
        barometric_kpa=m.barometric_kpa, relative_emission_m3_per_t=m.relative_emission_m3_per_t,
        absolute_emission_m3_min=m.absolute_emission_m3_min, closed_on=m.closed_on, flooded=m.flooded,
    )


def mine(session: Session, code: str) -> MineInfo:
    """The mine with 煤矿编码 ``code``.

    Raises
    ------
    InputError
        If there is no such mine.
    """
    return _mine_info(_mine_row(session, code))


def mines(session: Session) -> list[MineInfo]:
    """Every mine, sorted by code."""
    return [_mine_info(m) for m in session.scalars(sa.select(Mine).order_by(Mine.code))]


def stations(session: Session, mine_code: str) -> list[StationInfo]:
    """The measurement stations of a mine, sorted by code."""
    m = _mine_row(session, mine_code)
    rows = session.scalars(sa.select(Station).where(Station.mine_id == m.id).order_by(Station.code))
    return [StationInfo(m.code, s.code, s.name_zh, s.name_en, s.role, s.drainage_system, s.primary_measurement,
                        s.unit.code if s.unit else None) for s in rows]


def points(session: Session, mine_code: str) -> list[PointInfo]:
    """The monitoring points of a mine, sorted by code."""
    m = _mine_row(session, mine_code)
    rows = session.scalars(sa.select(Point).where(Point.mine_id == m.id).order_by(Point.code))
    return [PointInfo(m.code, p.code, p.station.code if p.station else None, p.quantity, p.name_zh,
                      p.kj_sensor_type) for p in rows]


def units(session: Session, mine_code: str) -> list[UnitInfo]:
    """The gas sinks (utilization units, flares, vent stacks, transfers) of a mine, sorted by code."""
    m = _mine_row(session, mine_code)
    rows = session.scalars(sa.select(Unit).where(Unit.mine_id == m.id).order_by(Unit.code))
    return [UnitInfo(m.code, u.code, u.name_zh, u.name_en, u.kind, u.technology, u.capacity_el_kw,
                     u.capacity_heat_kw, u.capacity_flow_nm3_min, u.ch4_min_pct, u.ch4_max_pct,
                     u.destruction_efficiency_frac, u.heat_used, u.safe_transport, u.feeds, u.commissioned_on,
                     u.status) for u in rows]


def topology(session: Session, mine_code: str, at: datetime | None = None) -> list[GasLinkInfo]:
    """The gas network links of a mine.

    Parameters
    ----------
    mine_code : the mine.
    at : an aware instant: only the links valid at it (``valid_from ≤ at < valid_to``). None: every link of
        every validity interval.

    Returns
    -------
    Links sorted by (from station, target, valid_from).
    """
    if at is not None and (at.tzinfo is None or at.utcoffset() is None):
        raise ValueError("topology(at=…) needs an aware datetime")
    m = _mine_row(session, mine_code)
    rows = session.scalars(sa.select(GasLink).where(GasLink.mine_id == m.id))
    out = [GasLinkInfo(m.code, g.from_station.code, g.to_station.code if g.to_station else None,
                       g.to_unit.code if g.to_unit else None, g.valid_from, g.valid_to) for g in rows]
    if at is not None:
        at_utc = at.astimezone(UTC)
        out = [g for g in out if g.valid_at(at_utc)]
    out.sort(key=lambda g: (g.from_station_code, g.to_station_code or "", g.to_unit_code or "", g.valid_from))
    return out


def coal_production(session: Session, mine_code: str, months: Iterable[str] | None = None
                    ) -> list[CoalProductionInfo]:
    """Monthly raw coal production of a mine [t].

    Parameters
    ----------
    months : 'YYYY-MM' labels (China Standard Time months) to return; None = all. Months without a record are
        absent from the result (callers decide whether a gap is an error).

    Returns
    -------
    Records sorted by month.
    """
    m = _mine_row(session, mine_code)
    q = sa.select(CoalProduction).where(CoalProduction.mine_id == m.id)
    if months is not None:
        wanted = sorted(set(months))
        q = q.where(CoalProduction.month.in_(wanted))
    rows = session.scalars(q.order_by(CoalProduction.month))
    return [CoalProductionInfo(m.code, r.month, r.production_t, r.source) for r in rows]


def calibration_status(session: Session, mine_code: str, on_date: date) -> list[CalibrationStatus]:
    """Calibration state of every point of a mine on ``on_date``.

    The last record is the one with the latest ``performed_on`` on or before ``on_date`` (later records are
    ignored). Several records of one point on the same day (different kinds): a failed one wins (conservative),
    then the one with the latest ``next_due``. ``overdue`` is True when that record's ``next_due`` is before
    ``on_date``; points without any record have status ``none`` and ``overdue`` False.

    Returns
    -------
    One :class:`CalibrationStatus` per point, sorted by point code.
    """
    m = _mine_row(session, mine_code)
    pts = session.scalars(sa.select(Point).where(Point.mine_id == m.id).order_by(Point.code)).all()
    cals = session.scalars(
        sa.select(Calibration).join(Point).where(Point.mine_id == m.id, Calibration.performed_on <= on_date)).all()

    def rank(c: Calibration) -> tuple[date, bool, date]:
        return (c.performed_on, c.result == "fail", c.next_due or date.min)

    last: dict[int, Calibration] = {}
    for cal in cals:
        if cal.point_id not in last or rank(cal) > rank(last[cal.point_id]):
            last[cal.point_id] = cal
    out = []
    for p in pts:
        c = last.get(p.id)
        if c is None:
            out.append(CalibrationStatus(m.code, p.code, p.quantity, None, None, None, None, None, False, "none"))
            continue
        overdue = c.next_due is not None and c.next_due < on_date
        status = "failed" if c.result == "fail" else ("overdue" if overdue else "ok")
        out.append(CalibrationStatus(m.code, p.code, p.quantity, c.performed_on, c.kind, c.result, c.certificate,
                                     c.next_due, overdue, status))
    return out


POINT_CONFIG_SCHEMA = pa.schema([
    pa.field("mine_code", pa.string(), nullable=False),
    pa.field("point_code", pa.string(), nullable=False),
    pa.field("station_code", pa.string()),
    pa.field("station_role", pa.string()),
    pa.field("drainage_system", pa.string()),
    pa.field("primary_measurement", pa.string()),
    pa.field("quantity", pa.string(), nullable=False),
    pa.field("unit", pa.string()),
    pa.field("unit_factor", pa.float64()),
    pa.field("flow_basis", pa.string()),
    pa.field("ref_state", pa.string()),
    pa.field("pressure_kind", pa.string()),
    pa.field("barometric_kpa", pa.float64()),
    pa.field("max_gap_s", pa.float64(), nullable=False),
    pa.field("integration", pa.string(), nullable=False),
    pa.field("counter_reset", pa.string()),
    pa.field("counter_max", pa.float64()),
    pa.field("range_low", pa.float64()),
    pa.field("range_high", pa.float64()),
    pa.field("scale", pa.float64(), nullable=False),
    pa.field("valid_from", pa.timestamp("us", tz="UTC"), nullable=False),
    pa.field("valid_to", pa.timestamp("us", tz="UTC")),
    pa.field("unit_offset", pa.float64()),
    pa.field("canonical_unit", pa.string()),
])
"""Schema of :func:`point_configs_frame`.

A reading ``raw`` of a point becomes a value in the canonical unit of its quantity (% / m³/min / m³ / kPa /
°C / kW / kWh / GJ / ppm / m/s, column ``canonical_unit``) as ``raw × scale × unit_factor + unit_offset``.
``unit_factor``/``unit_offset`` are null for ``state`` points.
"""


def point_configs_frame(session: Session, mine_codes: Iterable[str] | None = None) -> pa.Table:
    """Every point configuration interval joined with its point, station and mine (one row per interval).

    Parameters
    ----------
    mine_codes : restrict to these mines (unknown codes raise InputError); None = all mines.

    Returns
    -------
    pyarrow.Table with :data:`POINT_CONFIG_SCHEMA`, sorted by (mine_code, point_code, valid_from).
    Validity is ``[valid_from, valid_to)`` in UTC; ``valid_to`` null = open. Intervals of one point never
    overlap (the importer guarantees it). Points without any configuration are absent.
    """
    st = aliased(Station)
    q = (sa.select(Mine.code, Point.code, st.code, st.role, st.drainage_system, st.primary_measurement,
                   Point.quantity, PointConfig.unit, PointConfig.unit_factor, PointConfig.flow_basis,
                   PointConfig.ref_state, PointConfig.pressure_kind, Mine.barometric_kpa, PointConfig.max_gap_s,
                   PointConfig.integration, PointConfig.counter_reset, PointConfig.counter_max,
                   PointConfig.range_low, PointConfig.range_high, PointConfig.scale, PointConfig.valid_from,
                   PointConfig.valid_to, PointConfig.unit_offset)
         .select_from(PointConfig).join(Point, PointConfig.point_id == Point.id)
         .join(Mine, Point.mine_id == Mine.id).outerjoin(st, Point.station_id == st.id)
         .order_by(Mine.code, Point.code, PointConfig.valid_from))
    if mine_codes is not None:
        codes = sorted(set(mine_codes))
        for c in codes:
            _mine_row(session, c)
        q = q.where(Mine.code.in_(codes))
    rows = session.execute(q).all()
    names = POINT_CONFIG_SCHEMA.names[:-1]
    data: dict[str, list[object]] = {n: [r[i] for r in rows] for i, n in enumerate(names)}
    canonical = [QUANTITY_UNITS.get(str(q_)) for q_ in data["quantity"]]
    data["canonical_unit"] = [None if c is None else c[1] for c in canonical]
    return pa.Table.from_pydict(data, schema=POINT_CONFIG_SCHEMA)
