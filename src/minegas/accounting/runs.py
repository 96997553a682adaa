"""Methodology runs and compliance runs over store data.

**Methodology runs** (:func:`run_methodology`) feed the pure methodology functions
(:mod:`minegas.accounting.methods`) with totals from the store and record what they used — methodology id and
version, density (named, with its state), GWP set and horizon, reference state of the inputs, gap rule,
parameter sets — in a :class:`MethodologyRun`:

- ``epa-ff`` — 40 CFR 98 Subpart FF for a quarter: FF-1/FF-2 per return shaft (quarterly time-weighted averages
  of air flow, CH4, temperature and pressure, each parameter substituted on its own per §98.325), FF-3/FF-4 per
  drainage main day by day summed per ISO week (our reading of FF-3 [U]), FF-5/FF-6 per destruction device
  (registry DE capped at 0.99, off-site 1), FF-7 net, FF-8 CO2 of non-energy destruction;
- ``cn-2015`` — the NDRC 2015 China guideline, month by month (each CST month of the period):
  ``max(0, Q_vent + Q_drain − Q_flare − Q_util) × 7.17 t/10⁴ Nm³ × GWP``, post-mining by gas class, flare CO2;
- ``ipcc-2006`` — IPCC 2006 Tier 3 underground (measured ventilation + drainage, at 20 °C × 0.67 kg/m³) minus
  recovery (CH4 destroyed), plus Tier 1 post-mining;
- ``ccer-10-001`` — CCER-10-001-V01 per flameless-oxidation unit the registry has: eligibility of its streams,
  CH4 in and out (a measured outlet where it exists), metered power and heat, emission reductions.

**Compliance runs** (:func:`check`) build the monitored series of each station from the aligned samples (QA mask
from the flags, the registry's ``max_gap_s``) and apply :mod:`minegas.accounting.compliance` on rolling 24 h and
CST calendar days: GB 21522-2024 and -2008 per drainage system (the system's vent stacks as the vented flow),
the explosive band and direct-combustion rules at unit inlets, dilution between the pump side and the vent
stack, the CCER revocation rule at safety-conveyance inlets, and the utilisation-rate targets on the balance.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import asdict, dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from minegas.accounting import balance as B
from minegas.accounting import compliance as C
from minegas.accounting import engine as E
from minegas.accounting import totals as T
from minegas.errors import InputError, MethodologyError, Problem
from minegas.measurements.flags import EXCLUDE_MASK
from minegas.periods import CST, parse_period
from minegas.physics.constants import M3_PER_FT3
from minegas.physics.states import convert_state

if TYPE_CHECKING:
    from minegas.measurements.store import Store
    from minegas.registry.repository import StationInfo, UnitInfo

METHODOLOGY_RUNS = ("epa-ff", "cn-2015", "ipcc-2006", "ccer-10-001")
"""Names accepted by :func:`run_methodology`."""

FLAMELESS_TECHNOLOGIES = ("rto-vam", "catalytic-oxidation", "thermal-island")
"""Flameless oxidation (无焰氧化), the only destruction technology CCER-10-001-V01 admits [V]; the thermal island
(regenerative oxidation) is counted as flameless — our reading [U]."""

DIRECT_COMBUSTION_TECHNOLOGIES = ("gas-engine", "low-conc-gas-engine", "gas-turbine", "lean-burn-turbine", "boiler",
                                  "porous-media-boiler", "industrial-fuel")
"""Units that burn drained gas directly as a fuel (Coal Mine Safety Regulations, drained-gas article item (5))."""

P_ATM_KPA = 101.325
RANKINE_PER_K = 1.8


@dataclass(frozen=True)
class MethodologyRun:
    """One methodology applied to one mine and period, with everything it used.

    Attributes
    ----------
    name : run name (:data:`METHODOLOGY_RUNS`); methodology_id, version : as the methodology module declares.
    density, density_state : the named density and its reference state; ref_state : state of the input volumes.
    gwp_set, gwp_horizon : None where the methodology reports t CH4 only (Subpart FF).
    gap_rule : the rule the inputs were integrated with. paramsets : (id, version) of parameter sets used.
    results : the headline figures (units in the keys). rows : the detail (per point, week, month or unit).
    inputs : the figures fed in. notes : assumptions and data caveats of this run.
    """

    name: str
    methodology_id: str
    version: str
    mine_code: str
    period: str
    period_start: datetime
    period_end: datetime
    density: str
    density_state: str
    ref_state: str
    gwp_set: str | None
    gwp_horizon: int | None
    gap_rule: str
    paramsets: tuple[tuple[str, str], ...]
    results: dict[str, Any]
    rows: tuple[dict[str, Any], ...] = ()
    inputs: dict[str, Any] = field(default_factory=dict)
    notes: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["period_start"] = self.period_start.isoformat()
        d["period_end"] = self.period_end.isoformat()
        return d

    def rows_table(self) -> pa.Table:
        return pa.Table.from_pylist(list(self.rows)) if self.rows else pa.table({"item": pa.array([], pa.string())})

    def to_pandas(self) -> Any:
        return self.rows_table().to_pandas()

    def to_polars(self) -> Any:
        import polars as pl

        return pl.from_arrow(self.rows_table())


def _registry(store: Store, mine: str) -> tuple[Any, list[StationInfo], list[UnitInfo], list[Any], pa.Table]:
    from minegas.registry import repository as repo

    with store.session() as s:
        return (repo.mine(s, mine), repo.stations(s, mine), repo.units(s, mine), repo.topology(s, mine),
                repo.point_configs_frame(s, [mine]))


def _station_points(cfg: pa.Table) -> dict[str, dict[str, dict[str, Any]]]:
    """station → quantity → configuration row of its point (lowest code; latest configuration)."""
    out: dict[str, dict[str, dict[str, Any]]] = defaultdict(dict)
    for r in sorted(cfg.to_pylist(), key=lambda r: (r["point_code"], r["valid_from"])):
        st = r["station_code"]
        if st is None:
            continue
        have = out[st].get(r["quantity"])
        if have is None or have["point_code"] == r["point_code"]:
            out[st][r["quantity"]] = r
    return out


def run_methodology(store: Store, name: str, mine: str, period: str, *, gwp_set: str | None = None,
                    horizon: int = 100, engine: str | Any = "duckdb", **params: Any) -> MethodologyRun:
    """Apply methodology ``name`` (:data:`METHODOLOGY_RUNS`) to a mine's store data over a period.

    Parameters
    ----------
    store : the measurement store and registry.
    name : ``epa-ff``, ``cn-2015``, ``ipcc-2006`` or ``ccer-10-001``.
    mine, period : the mine code and the period (Subpart FF expects a quarter, e.g. ``2025-Q1``; another period
        is computed the same way and noted).
    gwp_set, horizon : GWP for CO2e figures (default: the methodology's; CCER has none — name it).
    engine : ``duckdb`` or ``pyspark``.
    params : methodology parameters — ``grid_ef_t_per_mwh``, ``heat_ef_t_per_gj``,
        ``heat_baseline_efficiency_frac`` (CCER); ``gap_rule`` (override the methodology's).
    """
    if name not in METHODOLOGY_RUNS:
        raise InputError("unknown methodology", [Problem(f"no methodology run {name!r}", field="methodology",
                                                         value=name, fix=f"use one of {', '.join(METHODOLOGY_RUNS)}")])
    if name == "epa-ff":
        return _run_epa(store, mine, period, engine=engine, **params)
    if name == "cn-2015":
        return _run_cn(store, mine, period, gwp_set=gwp_set, horizon=horizon, engine=engine, **params)
    if name == "ipcc-2006":
        return _run_ipcc(store, mine, period, gwp_set=gwp_set, horizon=horizon, engine=engine, **params)
    return _run_ccer(store, mine, period, gwp_set=gwp_set, horizon=horizon, engine=engine, **params)


# --- China 2015 ------------------------------------------------------------------------------------------------


def _month_slices(period: str) -> list[str]:
    """The period cut into CST months (partial months as day ranges)."""
    a, b = T.period_days(period)
    out = []
    d = a
    while d <= b:
        nxt = date(d.year + (d.month == 12), d.month % 12 + 1, 1)
        last = min(b, nxt - timedelta(days=1))
        out.append(f"{d:%Y-%m}" if d.day == 1 and last == nxt - timedelta(days=1) else f"{d}..{last}")
        d = nxt
    return out


def _run_cn(store: Store, mine: str, period: str, *, gwp_set: str | None, horizon: int, engine: str | Any,
            gap_rule: str | None = None, **_: Any) -> MethodologyRun:
    from minegas.accounting.methods import cn_guideline as cn

    g = gwp_set or cn.GWP_SET_DEFAULT
    months: list[cn.MonthlyUndergroundGas] = []
    rows: list[dict[str, Any]] = []
    flare_co2 = 0.0
    notes: list[str] = []
    whole = B.mine_balance(store, mine, period, methodology="cn-2015", gwp_set=g, horizon=horizon,
                           gap_rule=gap_rule, engine=engine)
    for sl in _month_slices(period):
        b = B.mine_balance(store, mine, sl, methodology="cn-2015", gwp_set=g, horizon=horizon, gap_rule=gap_rule,
                           engine=engine)
        flared_destroyed = math.fsum(x.destroyed_nm3 for x in b.destruction if x.kind == "flare")
        vam_used = b.vam_oxidized_nm3
        m = cn.MonthlyUndergroundGas(b.vam_liberated_nm3 / 1e4, b.drained_nm3 / 1e4, flared_destroyed / 1e4,
                                     (b.used_nm3 + vam_used) / 1e4, sl)
        months.append(m)
        flared_mixed = math.fsum(x.mixed_nm3 for x in b.lines_of("flared"))
        if flared_mixed > 0:
            phi = b.flared_nm3 / flared_mixed
            fr = cn.flare(flared_mixed / 1e4, {"CH4": phi})
            flare_co2 += fr.co2_t
        rows.append({"item": sl, "q_vent_wan_nm3": m.q_vent_wan_nm3, "q_drain_wan_nm3": m.q_drain_wan_nm3,
                     "q_flare_wan_nm3": m.q_flare_wan_nm3, "q_util_wan_nm3": m.q_util_wan_nm3,
                     "net_wan_nm3": m.net_wan_nm3, "flared_mixed_wan_nm3": flared_mixed / 1e4})
    ug = cn.underground_ch4(months, gwp_set=g, horizon=horizon)
    pm = cn.post_mining_ch4(whole.coal_production_t, whole.gas_class,  # type: ignore[arg-type]
                            underground=True, gwp_set=g, horizon=horizon)
    if ug.clamped_months:
        notes.append(f"months clamped at 0 (more destroyed/used than liberated): {', '.join(ug.clamped_months)}")
    notes.append("Q_vent = VAM liberated by the return shafts; Q_util = drained gas used (on site and transferred) + "
                 "VAM oxidised by units; Q_flare = flared × oxidation 0.98 (guideline convention [S/U])")
    notes.extend(whole.warnings)
    p = parse_period(period)
    return MethodologyRun(
        "cn-2015", cn.METHODOLOGY_ID, cn.VERSION, mine, p.label, p.start, p.end, cn.DENSITY_NAME, "0C", "0C", g,
        horizon, whole.gap_rule, (), {
            "underground_net_wan_nm3": ug.net_wan_nm3, "underground_ch4_t": ug.ch4_t,
            "underground_co2e_t": ug.co2e_t, "coal_production_t": whole.coal_production_t,
            "post_mining_ef_kg_per_t": pm.ef_kg_per_t, "post_mining_ch4_t": pm.ch4_t,
            "post_mining_co2e_t": pm.co2e_t, "flare_co2_t": flare_co2,
            "total_co2e_t": ug.co2e_t + pm.co2e_t + flare_co2},
        tuple(rows), {"months": [asdict(m) for m in months]}, tuple(notes))


# --- IPCC 2006 -------------------------------------------------------------------------------------------------


def _run_ipcc(store: Store, mine: str, period: str, *, gwp_set: str | None, horizon: int, engine: str | Any,
              gap_rule: str | None = None, **_: Any) -> MethodologyRun:
    from minegas.accounting.methods import ipcc
    from minegas.physics.climate import gwp

    b = B.mine_balance(store, mine, period, methodology="ipcc-2006", gwp_set=gwp_set, horizon=horizon,
                       gap_rule=gap_rule, engine=engine)
    to20 = float(convert_state(1.0, "0C", "20C"))
    vent_m3 = b.vam_liberated_nm3 * to20
    drain_m3 = b.drained_nm3 * to20
    rec_m3 = b.destroyed_nm3 * to20
    ug = ipcc.tier3_underground_gg(vent_m3, drain_m3)
    rec = ipcc.volume_to_gg(rec_m3)
    inv = ipcc.inventory(underground_mining_gg=ug, underground_post_mining_gg=b.post_mining_ch4_t / 1000.0,
                         recovered_gg=min(rec, ug))
    g = gwp(b.gwp_set, b.gwp_horizon)
    p = parse_period(period)
    return MethodologyRun(
        "ipcc-2006", ipcc.METHODOLOGY_ID, ipcc.VERSION, mine, p.label, p.start, p.end, ipcc.DENSITY_NAME,
        ipcc.DENSITY_STATE, "0C (converted to 20C)", b.gwp_set, b.gwp_horizon, b.gap_rule, (),
        {"underground_mining_gg": ug, "underground_post_mining_gg": inv.underground_post_mining_gg,
         "recovered_gg": inv.recovered_gg, "total_gg": inv.total_gg, "total_t": inv.total_t,
         "total_co2e_t": inv.total_t * g, "post_mining_ef_m3_per_t": b.post_mining_ef,
         "coal_production_t": b.coal_production_t},
        (), {"ventilation_m3_20c": vent_m3, "degasification_m3_20c": drain_m3, "recovered_m3_20c": rec_m3},
        ("Tier 3: measured volumes at 0 °C converted to 20 °C (× 293.15/273.15) before × 0.67 kg/m³",
         "recovered = CH4 destroyed by units (utilisation, flares, oxidisers)",
         f"post-mining Tier 1 level by gas class {B.POST_MINING_IPCC_LEVEL} [U]", *b.warnings))


# --- EPA Subpart FF ----------------------------------------------------------------------------------------------


def _acfm(v_m3_min: float, cfg: dict[str, Any], t_c: float | None, p_abs_kpa: float | None
          ) -> tuple[float, float | None, float | None, str]:
    """A flow [m³/min, the meter's basis] as FF parameters (V [ft³/min], T [°R], P [atm], basis note): a working
    meter gives actual cfm with the line T and P; a reference meter (0 °C, 20 °C, 60 °F) is actual flow at its
    reference state (T of the state, 1 atm) — FF's (520/T)(P/1) then converts it."""
    from minegas.physics.states import ref_state

    cfm = v_m3_min / M3_PER_FT3
    if cfg.get("flow_basis") == "reference":
        rs = ref_state(cfg.get("ref_state") or "0C")
        return cfm, rs.t_k * RANKINE_PER_K, rs.p_kpa / P_ATM_KPA, f"reference {rs.name}"
    if t_c is None or p_abs_kpa is None:
        return cfm, None, None, "working (T or P missing)"
    return cfm, (t_c + 273.15) * RANKINE_PER_K, p_abs_kpa / P_ATM_KPA, "working"


def _p_abs_kpa(cfg: dict[str, Any] | None, mean: float | None, baro: float | None) -> float | None:
    if cfg is None or mean is None:
        return None
    if cfg.get("pressure_kind") == "absolute":
        return mean
    return None if baro is None else baro + mean


def _run_epa(store: Store, mine: str, period: str, *, engine: str | Any, gap_rule: str | None = None,
             **_: Any) -> MethodologyRun:
    from minegas.accounting.methods import epa_ff as ff

    rule = E.gap_rule_of(gap_rule or "epa_98_325")
    con = E.connect(engine)
    p = parse_period(period)
    notes: list[str] = []
    if p.kind != "quarter":
        notes.append(f"period {p.label} is not a calendar quarter: FF-1 uses n ≤ 92 days and the period's averages")
    info, stations, units, _links, cfg = _registry(store, mine)
    pts = _station_points(cfg)
    baro = info.barometric_kpa
    a, bday = T.period_days(period)
    days = T.store_point_totals(store, period, mine_codes=[mine], con=con, gap_rule=rule)
    per_point: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in days.to_pylist():
        per_point[r["point_code"]].append(r)

    def mean_over(point: str | None, sel: set[date] | None = None) -> tuple[float | None, float]:
        if point is None:
            return None, 0.0
        rs = [r for r in per_point.get(point, []) if sel is None or r["day"] in sel]
        integ = math.fsum(r["value_integral"] for r in rs)
        cov = math.fsum(r["value_measured_s"] + r["value_substituted_s"] for r in rs)
        return (integ / cov if cov > 0 else None), cov

    rows: list[dict[str, Any]] = []
    vent_t: list[float] = []
    for st in stations:
        if st.role != "return_shaft":
            continue
        q = pts.get(st.code, {})
        air = q.get("air_flow")
        if air is None:
            notes.append(f"{st.code}: no air-flow point — FF-1 skipped")
            continue
        v, cov = mean_over(air["point_code"])
        c = mean_over(q.get("ch4_pct", {}).get("point_code"))[0]
        t_c = mean_over(q.get("temperature", {}).get("point_code"))[0]
        pg = mean_over(q.get("pressure", {}).get("point_code"))[0]
        if v is None or c is None:
            notes.append(f"{st.code}: no quality-assured air flow or CH4 in the period — FF-1 skipped")
            continue
        cfm, t_r, p_atm, basis = _acfm(v, air, t_c, _p_abs_kpa(q.get("pressure"), pg, baro))
        n = min(cov / 86_400.0, 92.0)
        params = ff.FlowParameters(cfm, c, "acfm", t_r, p_atm)
        t = ff.ff1_ventilation_t(params, n)
        vent_t.append(t)
        rows.append({"item": f"FF-1 {st.code}", "point": air["point_code"], "v_cfm": cfm, "c_pct": c, "t_r": t_r,
                     "p_atm": p_atm, "days": n, "basis": basis, "ch4_t": t})
    degas_weekly: list[float] = []
    for st in stations:
        if st.role != "drainage_main":
            continue
        q = pts.get(st.code, {})
        flow = q.get("flow_mixed")
        ch4 = q.get("ch4_pct")
        if flow is None or ch4 is None:
            notes.append(f"{st.code}: FF-3 needs a mixed-flow and a CH4 point — skipped")
            continue
        weeks: dict[tuple[int, int], list[ff.DegasDay]] = defaultdict(list)
        day = a
        while day <= bday:
            v, cov = mean_over(flow["point_code"], {day})
            c = mean_over(ch4["point_code"], {day})[0]
            t_c = mean_over(q.get("temperature", {}).get("point_code"), {day})[0]
            pg = mean_over(q.get("pressure", {}).get("point_code"), {day})[0]
            if v is not None and c is not None:
                cfm, t_r, p_atm, _b = _acfm(v, flow, t_c, _p_abs_kpa(q.get("pressure"), pg, baro))
                if t_r is None or p_atm is None:
                    notes.append(f"{st.code} {day}: no temperature/pressure for a working-basis meter — day skipped")
                else:
                    iso = day.isocalendar()
                    weeks[(iso.year, iso.week)].append(ff.DegasDay(
                        ff.FlowParameters(cfm, min(max(c, 0.0), 100.0), "acfm", t_r, p_atm),
                        min(cov / 86_400.0, 1.0)))
            day += timedelta(days=1)
        for (y, w), dd in sorted(weeks.items()):
            t = ff.ff3_degasification_t(dd)
            degas_weekly.append(t)
            rows.append({"item": f"FF-3 {st.code} {y}-W{w:02d}", "point": flow["point_code"], "days": len(dd),
                         "ch4_t": t})
    # destruction devices: CH4 routed from the balance (Subpart FF density at 60 °F)
    bal = B.mine_balance(store, mine, period, methodology="epa-ff", gap_rule=rule, engine=con)
    dens = B.methodology_density(B.method("epa-ff"))
    devices: list[ff.DestructionDevice] = []
    unit_by = {u.code: u for u in units}
    for x in bal.destruction:
        u = unit_by.get(x.unit_code)
        if x.kind == "offsite_transfer":
            devices.append(ff.DestructionDevice(x.unit_code, B.mass_t(x.input_nm3, dens), offsite=True))
        elif u is not None and u.destruction_efficiency_frac is not None:
            devices.append(ff.DestructionDevice(x.unit_code, B.mass_t(x.input_nm3, dens),
                                                u.destruction_efficiency_frac, energy_use=x.energy_use))
        else:
            notes.append(f"{x.unit_code}: no manufacturer DE in the registry — not a FF-5 destruction device")
    qr = ff.quarter(vent_t, degas_weekly, devices)
    for dv in devices:
        rows.append({"item": f"FF-5 {dv.name}", "ch4_t": dv.routed_ch4_t, "de_frac": dv.de_frac,
                     "destroyed_t": qr.destroyed_by_device_t.get(dv.name), "offsite": dv.offsite,
                     "energy_use": dv.energy_use})
    notes.append("FF-3 summed day by day within each ISO week (our reading of FF-3 [U]); each parameter averaged "
                 "per day with §98.325 substitution on its own series")
    notes.append("reference-basis meters enter FF as actual flow at their reference state (T of the state, 1 atm)")
    return MethodologyRun(
        "epa-ff", ff.METHODOLOGY_ID, ff.VERSION, mine, p.label, p.start, p.end, ff.DENSITY_NAME, "60F",
        "meter basis (FF parameters)", None, None, rule.name, (),
        {"ventilation_t": qr.ventilation_t, "degasification_t": qr.degasification_t, "destroyed_t": qr.destroyed_t,
         "net_ch4_t": qr.net_ch4_t, "co2_nonenergy_t": qr.co2_nonenergy_t},
        tuple(rows), {"barometric_kpa": baro}, tuple(notes))


# --- CCER-10-001 -------------------------------------------------------------------------------------------------


def _run_ccer(store: Store, mine: str, period: str, *, gwp_set: str | None, horizon: int, engine: str | Any,
              grid_ef_t_per_mwh: float = 0.0, heat_ef_t_per_gj: float = 0.0,
              heat_baseline_efficiency_frac: float = 1.0, gap_rule: str | None = None, **_: Any) -> MethodologyRun:
    from minegas.accounting.methods import ccer_cmm as cc

    if gwp_set is None:
        raise MethodologyError("CCER-10-001: the methodology's GWP is not known — name a GWP set (SAR for 21, AR5 "
                               "for 28)")
    info, stations, units, links, _cfg = _registry(store, mine)
    bal = B.mine_balance(store, mine, period, methodology="ccer-10-001", gwp_set=gwp_set, horizon=horizon,
                         gap_rule=gap_rule, engine=engine)
    st_tot = E.station_totals(store, period, mine_codes=[mine], gap_rule=bal.gap_rule, engine=engine)
    by_station = {r["station_code"]: r for r in st_tot.to_pylist()}
    assign = B.classify(stations, units, [lk for lk in links if lk.valid_at(bal.period_start)])
    rows: list[dict[str, Any]] = []
    notes: list[str] = []
    er_total = 0.0
    energy = B._energy(store, period, [mine], E.gap_rule_of(bal.gap_rule), E.connect(engine))
    for u in units:
        if u.technology not in FLAMELESS_TECHNOLOGIES:
            continue
        inlets = [s for s in stations if assign.get(s.code) is not None and assign[s.code].unit_code == u.code
                  and assign[s.code].category in ("utilized", "vam_oxidized")]
        sources = []
        for s in inlets:
            r = by_station.get(s.code)
            if r is None:
                continue
            kind: Literal["vam", "drained"] = "vam" if assign[s.code].category == "vam_oxidized" else "drained"
            conc = r["ch4_pct_mean"]
            if kind == "drained":   # concentration as delivered from the pump station: the system's main
                mains = [x for x in stations if x.role == "drainage_main" and x.drainage_system == s.drainage_system]
                if mains and by_station.get(mains[0].code, {}).get("ch4_pct_mean") is not None:
                    conc = by_station[mains[0].code]["ch4_pct_mean"]
            sources.append(cc.GasSource(s.code, kind, float(conc or 0.0), float(r["ch4_nm3"])))
        elig = cc.ccer_eligibility(sources, flameless_oxidation=True, heat_used=u.heat_used,
                                   underground_mine=info.mining_method == "underground",
                                   mine_closed=info.status in ("closed", "abandoned"))
        d = next((x for x in bal.destruction if x.unit_code == u.code), None)
        ch4_in = d.input_nm3 if d else 0.0
        if d is not None and d.outlet_nm3 is not None:
            ch4_out = min(d.outlet_nm3, ch4_in)
        else:
            ch4_out = ch4_in * (1.0 - (u.destruction_efficiency_frac or 0.0))
            notes.append(f"{u.code}: no outlet CH4 measurement — outlet from the registry DE "
                         f"{u.destruction_efficiency_frac} [U]; the methodology expects a measured outlet")
        pw, ht = energy.get(mine, (0.0, 0.0))
        if pw == 0.0 and ht == 0.0:
            notes.append(f"{u.code}: no power/heat meters in the registry — energy baseline terms 0")
        er = cc.emission_reductions(cc.CcerPeriodInputs(ch4_in, ch4_out, pw, ht), cc.BaselineFactors(
            grid_ef_t_per_mwh, heat_baseline_efficiency_frac, heat_ef_t_per_gj), eligibility=elig, gwp_set=gwp_set,
            horizon=horizon)
        er_total += er.er_t
        rows.append({"item": u.code, "technology": u.technology, "eligible": elig.eligible,
                     "eligible_ch4_share": elig.eligible_ch4_share, "sources": ",".join(x.name for x in sources),
                     "excluded_sources": ",".join(elig.excluded_sources), "ch4_in_nm3": ch4_in,
                     "ch4_out_nm3": ch4_out, "oxidation_frac": er.oxidation_frac, "be_t": er.be_t, "pe_t": er.pe_t,
                     "er_t": er.er_t, "reasons": " | ".join(er.reasons)})
    if not rows:
        notes.append("no flameless-oxidation unit in the registry — nothing to credit")
    p = parse_period(period)
    return MethodologyRun(
        "ccer-10-001", cc.METHODOLOGY_ID, cc.VERSION, mine, p.label, p.start, p.end, cc.CCER_DENSITY_NAME_DEFAULT,
        "0C", "0C", gwp_set, horizon, bal.gap_rule, (), {"er_t": er_total, "units": len(rows)}, tuple(rows),
        {"grid_ef_t_per_mwh": grid_ef_t_per_mwh, "heat_ef_t_per_gj": heat_ef_t_per_gj}, tuple(notes))


# --- compliance ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ComplianceRun:
    """Findings of a compliance run, with the rules applied and those skipped (and why)."""

    mine_code: str
    period: str
    findings: tuple[C.Finding, ...]
    rules_applied: tuple[str, ...]
    skipped: tuple[str, ...]
    parameters: dict[str, Any]

    def counts(self) -> dict[str, int]:
        """Findings per rule id."""
        out: dict[str, int] = defaultdict(int)
        for f in self.findings:
            out[f.rule_id] += 1
        return dict(sorted(out.items()))


def _series(store: Store, mine: str, t0: datetime, t1: datetime) -> dict[str, dict[str, Any]]:
    """Aligned samples of every station of a mine in [t0, t1) as arrays (UTC epoch s; ok = QA mask)."""
    months = sorted({f"{(t0 + timedelta(days=k)).astimezone(CST):%Y-%m}"
                     for k in range(int((t1 - t0).total_seconds() // 86400) + 2)})
    tab = store.read("aligned", [mine], months, columns=["station_code", "ts", "ch4_pct", "ch4_flow_nm3_min",
                                                         "flow_mixed_nm3_min", "flags", "max_gap_s", "integration"])
    if tab.num_rows == 0:
        return {}
    ts_us = tab.column("ts").cast(pa.int64())
    sel = pc.and_(pc.greater_equal(ts_us, int(t0.timestamp() * 1e6)), pc.less(ts_us, int(t1.timestamp() * 1e6)))
    tab = tab.filter(sel).sort_by([("station_code", "ascending"), ("ts", "ascending")])
    out: dict[str, dict[str, Any]] = {}
    codes = tab.column("station_code").to_pylist()
    t_s = np.asarray(tab.column("ts").cast(pa.int64()).to_numpy(), dtype=np.int64) / 1e6
    flags = np.asarray(tab.column("flags").to_numpy(), dtype=np.int64)
    cols = {c: np.asarray(tab.column(c).to_numpy(zero_copy_only=False), dtype=float)
            for c in ("ch4_pct", "ch4_flow_nm3_min", "flow_mixed_nm3_min", "max_gap_s")}
    integ = tab.column("integration").to_pylist()
    i = 0
    n = len(codes)
    while i < n:
        j = i
        while j < n and codes[j] == codes[i]:
            j += 1
        ok = (flags[i:j] & EXCLUDE_MASK) == 0
        method = "hold" if integ[i] == "hold" else "trapezoid"
        out[codes[i]] = {"t_s": t_s[i:j], "ok": ok, "max_gap_s": float(cols["max_gap_s"][i]), "method": method,
                         **{c: cols[c][i:j] for c in ("ch4_pct", "ch4_flow_nm3_min", "flow_mixed_nm3_min")}}
        i = j
    return out


def _ser(d: dict[str, Any], col: str, name: str) -> C.Series:
    return C.Series(d["t_s"], d[col], d["ok"], d["max_gap_s"], d["method"], name)



def _designed_for_band(unit: Any) -> bool:
    """A unit built to take gas inside the explosive band: a safe-transport system (registry ``safe_transport``)
    *and* a concentration window that overlaps the band (thermal island 3–8 %, porous-media boiler 6–8 %,
    low-concentration engines). A safe-transport system on a unit whose window lies outside the band (a gas engine
    for ≥ 25 % gas) does not make in-band inlet gas normal operation."""
    from minegas.physics.safety import ExplosiveRange

    er = ExplosiveRange()
    lo = 0.0 if unit.ch4_min_pct is None else float(unit.ch4_min_pct)
    hi = 100.0 if unit.ch4_max_pct is None else float(unit.ch4_max_pct)
    return bool(unit.safe_transport) and lo < er.uel_pct and hi > er.lel_pct

def check(store: Store, mine: str, period: str, *, mine_status: Literal["existing", "new"] = "existing", what_if_2024: bool = False,
          engine: str | Any = "duckdb", balance: B.MineBalance | None = None,
          min_coverage_frac: float = C.MIN_COVERAGE_FRAC_DEFAULT, rolling: bool = True) -> ComplianceRun:
    """Run the compliance rules over a mine's store data for a period.

    Parameters
    ----------
    mine_status : ``existing`` (GB 21522-2024 binding from 2027-04 [S]) or ``new`` (from 2025-04-01 [S]).
    what_if_2024 : also judge GB 21522-2024 as if it were in force since the day before the period (so the rolling
        24-h windows ending in the period are judged; findings marked ``what_if`` in their evidence, severity
        unchanged) — to show what the new standard would find.
    balance : the period's balance (computed when None) for the utilisation targets.
    min_coverage_frac : data coverage a window needs for a verdict (assumption 0.75 [U]).
    rolling : GB 21522-2024 on rolling 24-h windows too (else calendar days only).

    Returns
    -------
    :class:`ComplianceRun`; findings restricted to windows ending inside the period (rolling windows may start up
    to 24 h before it).
    """
    from minegas.accounting.methods.gb21522 import GB21522_2024

    if mine_status not in ("existing", "new"):
        raise InputError("bad mine status", [Problem("unknown mine status", field="mine_status", value=mine_status,
                                                     fix="use existing or new")])
    p = parse_period(period)
    info, stations, units, links, _cfg = _registry(store, mine)
    series = _series(store, mine, p.start - timedelta(hours=24), p.end)
    assign = B.classify(stations, units, [lk for lk in links if lk.valid_at(p.start)])
    unit_by = {u.code: u for u in units}
    findings: list[C.Finding] = []
    applied: list[str] = []
    skipped: list[str] = []

    def in_period(fs: list[C.Finding]) -> list[C.Finding]:
        return [f for f in fs if f.window_end > p.start and f.window_start < p.end]

    mains = [s for s in stations if s.role == "drainage_main"]
    for mst in mains:
        d = series.get(mst.code)
        if d is None:
            skipped.append(f"GB 21522 {mst.code}: no samples")
            continue
        vents = [s for s in stations if assign.get(s.code) is not None and assign[s.code].category == "vented"
                 and assign[s.code].system == mst.drainage_system]
        vented = _ser(series[vents[0].code], "ch4_flow_nm3_min", vents[0].code) if (
            vents and vents[0].code in series) else None
        outlet = f"{mst.code} ({mst.drainage_system})"
        ch4, flow = _ser(d, "ch4_pct", mst.code), _ser(d, "ch4_flow_nm3_min", mst.code)
        r24 = C.check_gb21522_2024(ch4, flow, mine_status=mine_status, vented_ch4_flow_nm3_min=vented,
                                   min_coverage_frac=min_coverage_frac, rolling=rolling, outlet=outlet)
        findings += in_period(r24.findings)
        if what_if_2024:
            eff = (p.start - timedelta(days=1)).astimezone(CST).date()   # rolling windows ending in the period
            wi = C.check_gb21522_2024(ch4, flow, mine_status="new", vented_ch4_flow_nm3_min=vented,
                                      params=replace(GB21522_2024, effective_new=eff),
                                      min_coverage_frac=min_coverage_frac, rolling=rolling, outlet=outlet)
            findings += [replace(f, evidence={**f.evidence, "what_if": True}) for f in in_period(wi.findings)
                         if f.severity != "data_quality"]
        r08 = C.check_gb21522_2008(ch4, vented_ch4_flow_nm3_min=vented, mine_status=mine_status,
                                   min_coverage_frac=min_coverage_frac, outlet=outlet)
        findings += [f for f in in_period(r08.findings) if f.window_start >= p.start]
        applied.append(f"GB21522 {mst.code}")
        # dilution between the pump side (pump outlet, else the main) and the vent stack
        pump = next((s for s in stations if s.role == "pump_outlet" and s.drainage_system == mst.drainage_system
                     and s.code in series), mst)
        for v in vents:
            if v.code not in series:
                continue
            pd_, vd = series[pump.code], series[v.code]
            findings += in_period(C.check_dilution(
                _ser(pd_, "ch4_pct", pump.code), _ser(vd, "ch4_pct", v.code),
                pump_ch4_flow_nm3_min=_ser(pd_, "ch4_flow_nm3_min", pump.code),
                stack_ch4_flow_nm3_min=_ser(vd, "ch4_flow_nm3_min", v.code), min_coverage_frac=min_coverage_frac,
                outlet=f"{pump.code}→{v.code}"))
            applied.append(f"SX-2022.no-dilution {pump.code}→{v.code}")
        # CCER revocation: safety-conveyance inlets of this system against the pump side
        for sc in stations:
            if sc.role == "safety_conveyance_inlet" and sc.drainage_system == mst.drainage_system and sc.code in series:
                rv = C.check_ccer_revocation(_ser(series[sc.code], "flow_mixed_nm3_min", sc.code),
                                             _ser(series[pump.code], "flow_mixed_nm3_min", pump.code),
                                             min_coverage_frac=min_coverage_frac, project=sc.code)
                findings += in_period(rv.findings)
                applied.append(f"CCER-10-001.revocation {sc.code}")
    if not mains:
        skipped.append("GB 21522: no drainage main in the registry")
    if not any(s.role == "safety_conveyance_inlet" for s in stations):
        skipped.append("CCER-10-001.revocation: no safety-conveyance inlet station in the registry")
    skipped.append("CMSR.dry-drainage: the registry does not record the drainage pump type (dry/wet)")
    # unit inlets: explosive band and direct combustion
    for s in stations:
        a = assign.get(s.code)
        if a is None or a.category not in ("utilized", "flared") or s.code not in series:
            continue
        u = unit_by.get(a.unit_code or "")
        if u is None:
            continue
        d = series[s.code]
        running = np.nan_to_num(d["ch4_flow_nm3_min"], nan=0.0) > 0
        ch4 = _ser(d, "ch4_pct", s.code)
        findings += in_period(C.check_explosive_inlet(ch4, unit=f"{u.code} ({s.code})", running=running,
                                                      min_duration_s=600.0, safe_transport=_designed_for_band(u)))
        applied.append(f"SAFETY.explosive-inlet {s.code}")
        if u.technology in DIRECT_COMBUSTION_TECHNOLOGIES:
            findings += in_period(C.check_direct_combustion(ch4, unit=f"{u.code} ({s.code})", running=running,
                                                            min_duration_s=600.0))
            applied.append(f"CMSR.direct-combustion {s.code}")
    # utilisation-rate targets on the balance
    bal = balance or B.mine_balance(store, mine, period, engine=engine)
    targets = []
    if info.city_code == "140500":
        targets.append(C.JINCHENG_UNDERGROUND)
    if info.province_code == "140000":
        targets.append(C.SHANXI_2025)
    for tg in targets:
        findings += C.check_utilization_target(bal.drained_nm3, bal.used_nm3, tg, window_start=p.start,
                                               window_end=p.end, scope=f"{info.code} {info.name_zh}")
        applied.append(f"TARGET.{tg.target_id}")
    if not targets:
        skipped.append("utilisation targets: the mine is outside Jincheng and Shanxi")
    findings.sort(key=lambda f: (f.window_start, f.rule_id))
    return ComplianceRun(mine, p.label, tuple(findings), tuple(applied), tuple(skipped),
                         {"mine_status": mine_status, "what_if_2024": what_if_2024,
                          "min_coverage_frac": min_coverage_frac, "rolling": rolling,
                          "gb21522_2024_flow_ref_state": GB21522_2024.flow_ref_state})


def findings_table(findings: list[C.Finding] | tuple[C.Finding, ...]) -> pa.Table:
    """Findings as a table (evidence as JSON text)."""
    import json

    rows = [{"rule_id": f.rule_id, "severity": f.severity, "window_start": f.window_start,
             "window_end": f.window_end, "message_zh": f.message_zh, "message_en": f.message_en,
             "clause": f.clause, "evidence_json": json.dumps(f.evidence, ensure_ascii=False, default=str)}
            for f in findings]
    schema = pa.schema([("rule_id", pa.string()), ("severity", pa.string()),
                        ("window_start", pa.timestamp("us", tz="UTC")), ("window_end", pa.timestamp("us", tz="UTC")),
                        ("message_zh", pa.string()), ("message_en", pa.string()), ("clause", pa.string()),
                        ("evidence_json", pa.string())])
    return pa.Table.from_pylist(rows, schema=schema)


__all__ = ["DIRECT_COMBUSTION_TECHNOLOGIES", "FLAMELESS_TECHNOLOGIES", "METHODOLOGY_RUNS", "ComplianceRun",
           "MethodologyRun", "check", "findings_table", "run_methodology"]
