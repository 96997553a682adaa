"""Vectorised, deterministic signal generation of one synthetic mine, one China-Standard-Time day at a time.

Determinism: every random number comes from a NumPy ``Generator`` seeded through ``SeedSequence`` from
``(seed, crc32(mine code), crc32(stream name), block or day number)``. Streams are keyed by mine and point or
system, and random draws are organised by absolute time (smooth-noise knots in fixed blocks of absolute time,
white noise and events per CST day), so any subset of mines, points or days regenerates identically, whatever
period or mine selection it is generated with. The only exception is a totaliser without scheduled reset
(``counter_reset = none``), whose reading at the first generated sample is an assumed meter reading
(:func:`MineSimulator._counter_initial`).

Physics of a drainage system (抽采系统), per sample, before measurement noise (docs/synth.md §2):

* gas released into the system: ``G = pure_design × decline × (1 + a (P − 1)) × (1 + σ_g s_g)``, ``P`` the
  production factor (three shifts, weekly rest), ``s_g`` smooth noise; decline ``exp(−λ (t − t_ref))``;
* air drawn in: ``A = (mixed_design − pure_design) × (1 + σ_a s_a)``; concentration ``c = G / (G + A)`` clipped to
  the plausible band, mixed flow ``M = G / c`` — so flow and CH4 are anticorrelated when the air varies;
* pump maintenance stops: ``M = 0``, the measured CH4 decays to a floor (air ingress), part of the gas not drained
  reaches the return air;
* routing: units fed by the system in priority order take ``min(remaining, capacity × availability)`` while the
  CH4 lies in their window (a blending oxidiser takes drained gas as far as its blend flow allows and draws VAM to
  dilute it to its target); the vent stack takes the rest. Hence **main = Σ downstream stations exactly**
  (Nm³ at 0 °C, before noise), mixed and pure;
* return shafts: air at working conditions, VAM ``= design × decline × (1 + b (P − 1)) × (1 + σ_v s_v)`` plus
  the share of stopped drainage, CH4 clipped to 0.1–0.75 %.

Readings are produced in each meter's basis and unit (working → ``V_work = V_0C × (101.325 / p_abs) ×
(T / 273.15)``, ideal gas, research note china-monitoring-formats §7; 20 °C → × 293.15 / 273.15; m³/h = × 60;
万m³ = ÷ 10⁴) and then get Gaussian measurement noise and the meter's resolution.
"""

from __future__ import annotations

import math
import zlib
from dataclasses import dataclass, field
from datetime import UTC, datetime

import numpy as np
import numpy.typing as npt

from minegas.physics.constants import P_ATM_KPA, T0_K
from minegas.synth.model import CONFIG_EPOCH, MineLayout, PointDef, Region, UnitDef

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]
B = npt.NDArray[np.bool_]

DAY_S = 86_400
CST_OFFSET_S = 8 * 3600
"""China Standard Time = UTC + 8 h, no daylight saving (docs/conventions.md §4)."""

T20_K = T0_K + 20.0
"""20 °C [K] (reference state ``20C``, docs/conventions.md §1)."""

_BLOCK_KNOTS = 256
"""Smooth-noise knots drawn per generator (blocks of absolute time)."""


def stable_key(text: str) -> int:
    """A stable non-negative 32-bit key of a name (CRC-32), used to seed per-entity random streams."""
    return zlib.crc32(text.encode("utf-8"))


def rng(seed: int, *keys: int) -> np.random.Generator:
    """A PCG64 generator seeded by ``SeedSequence([seed, *keys])`` (all non-negative integers)."""
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence([seed, *keys])))


def cst_day(ts_s: int) -> int:
    """Index of the China-Standard-Time day containing the UTC epoch second ``ts_s`` (day 0 = 1970-01-01 CST)."""
    return (ts_s + CST_OFFSET_S) // DAY_S


def day_start_s(day: int) -> int:
    """UTC epoch second at which CST day ``day`` starts (00:00 Beijing time)."""
    return day * DAY_S - CST_OFFSET_S


def epoch_s(d: datetime) -> int:
    """Whole UTC epoch seconds of an aware datetime."""
    return int(d.astimezone(UTC).timestamp())


def sample_grid(day: int, cadence_s: int, phase_s: int) -> I64:
    """Sample times of one CST day: ``phase + k × cadence`` (UTC epoch seconds) within ``[day start, +1 day)``."""
    t0 = day_start_s(day)
    first = t0 + ((phase_s - t0) % cadence_s)
    return np.arange(first, t0 + DAY_S, cadence_s, dtype=np.int64)


def smooth_noise(seed: int, mine_key: int, key: int, ts: I64, step_s: int) -> F64:
    """Smooth standard-normal noise: N(0, 1) values at knots every ``step_s`` seconds of absolute time, joined by
    smoothstep interpolation. Knot ``j`` (at ``j × step_s``) comes from the generator of block
    ``j // 256``, so the curve depends only on (seed, mine, key, time)."""
    if ts.size == 0:
        return np.zeros(0)
    j = ts // step_s
    frac = (ts - j * step_s) / step_s
    b0, b1 = int(j.min() // _BLOCK_KNOTS), int((j.max() + 1) // _BLOCK_KNOTS)
    knots = np.concatenate([rng(seed, mine_key, key, 1, b).standard_normal(_BLOCK_KNOTS) for b in range(b0, b1 + 1)])
    base = b0 * _BLOCK_KNOTS
    k0 = knots[j - base]
    k1 = knots[j + 1 - base]
    w = frac * frac * (3.0 - 2.0 * frac)
    return np.asarray(k0 + (k1 - k0) * w, dtype=np.float64)


def white_noise(seed: int, mine_key: int, key: int, day: int, n: int) -> F64:
    """``n`` standard-normal draws of one (stream, CST day)."""
    return rng(seed, mine_key, key, 2, day).standard_normal(n)


def day_events(seed: int, mine_key: int, key: int, day: int, rate_per_day: float, hours_lo: float,
               hours_hi: float) -> list[tuple[int, int]]:
    """Events (maintenance stops, outages) starting in one CST day: a Poisson number with mean ``rate_per_day``,
    uniform start time in the day, uniform duration in ``[hours_lo, hours_hi]`` h. Returns ``(start, end)`` epoch
    seconds."""
    if rate_per_day <= 0:
        return []
    g = rng(seed, mine_key, key, 3, day)
    n = int(g.poisson(rate_per_day))
    t0 = day_start_s(day)
    starts = t0 + g.uniform(0, DAY_S, n)
    durs = g.uniform(hours_lo, hours_hi, n) * 3600.0
    return [(int(s), int(s + d)) for s, d in zip(starts, durs, strict=True)]


def event_mask(ts: I64, events: list[tuple[int, int]]) -> B:
    """True where ``ts`` lies in any ``[start, end)``."""
    m = np.zeros(ts.shape, dtype=bool)
    for s, e in events:
        m |= (ts >= s) & (ts < e)
    return m


def _since_event(ts: I64, events: list[tuple[int, int]]) -> F64:
    """Seconds since the start of the event covering each sample (0 outside events)."""
    out = np.zeros(ts.shape)
    for s, e in events:
        m = (ts >= s) & (ts < e)
        out[m] = (ts[m] - s).astype(float)
    return out


@dataclass
class DayResult:
    """One simulated CST day of one mine.

    Attributes
    ----------
    day : CST day index.
    ts : sample times (UTC epoch seconds), shape (n,).
    true : noise-free reading of every point (layout order) in its meter's unit and basis, shape (points, n).
    clean : reading with measurement noise and the meter's resolution (what is sent when no fault alters it).
    stations : per station code, physical truth arrays: ``flow_nm3_min`` (mixed or air, 0 °C), ``ch4_pct``,
        ``pure_nm3_min`` (CH4, 0 °C), ``p_kpa`` (gauge), ``t_c``; mains also ``running`` (pump on).
    """

    day: int
    ts: I64
    true: F64
    clean: F64
    stations: dict[str, dict[str, F64]]


@dataclass
class _CounterState:
    value: float | None = None
    last_ts: int | None = None
    last_flow: float = 0.0


@dataclass
class MineSimulator:
    """Generates one mine day by day (days must be requested in increasing order for totalisers).

    Parameters
    ----------
    region : the region (its parameters are the model's assumptions).
    layout : the mine's derived plant (:func:`minegas.synth.model.mine_layout`).
    seed : the generation seed.
    cadence_s : sampling interval [s], 1–300.
    noise : add measurement noise (False: readings are the physical truth in each meter's basis).
    precision : ``meter`` (round to each meter's resolution) or ``full`` (no rounding).
    """

    region: Region
    layout: MineLayout
    seed: int
    cadence_s: int
    noise: bool = True
    precision: str = "meter"
    _counters: dict[str, _CounterState] = field(default_factory=dict)
    _last_day: int | None = None

    def __post_init__(self) -> None:
        m = self.layout.mine
        self.mine_key = stable_key(m.code)
        self.phase_s = stable_key(m.code + "/phase") % self.cadence_s
        p = self.region.param
        self.t_ref = epoch_s(datetime.fromisoformat(str(p("t_ref"))))
        self.p = {k: p(k) for k in self.region.paramset.parameters}
        self.baro = m.barometric_kpa
        self._points = self.layout.points
        self._point_index = {pt.code: i for i, pt in enumerate(self._points)}
        self._shift_mean = self._shift_levels(np.arange(0, 24 * 60) / 60.0).mean()

    # --- shared factors -------------------------------------------------------------------------------------

    def _k(self, name: str) -> int:
        return stable_key(name)

    def _smooth(self, name: str, ts: I64) -> F64:
        fast = smooth_noise(self.seed, self.mine_key, self._k(name + "/f"), ts, int(self.p["knot_fast_s"]))
        slow = smooth_noise(self.seed, self.mine_key, self._k(name + "/s"), ts, int(self.p["knot_slow_s"]))
        return np.asarray(0.6 * fast + 0.8 * slow)

    def _shift_levels(self, hour: F64) -> F64:
        n, d, e = (float(self.p[k]) for k in ("night_shift_level", "day_shift_level", "evening_shift_level"))
        r = float(self.p["shift_ramp_min"]) / 60.0 / 2.0
        xp = [-r, r, 8 - r, 8 + r, 16 - r, 16 + r, 24 - r, 24 + r]
        fp = [e, n, n, d, d, e, e, n]
        return np.interp(hour, xp, fp)

    def production(self, ts: I64, day: int) -> F64:
        """Production factor (mean ≈ 1 on a working day): shift pattern × weekly rest × smooth variation."""
        hour = ((ts + CST_OFFSET_S) % DAY_S) / 3600.0
        f = self._shift_levels(hour) / self._shift_mean
        if self.layout.mine.weekly_rest and (day + 3) % 7 == 6:  # 1970-01-01 was a Thursday; 6 = Sunday
            f = f * float(self.p["weekly_rest_level"])
        f = f * (1.0 + float(self.p["production_variation_frac"]) * self._smooth("production", ts))
        return np.clip(f, 0.0, None)

    def decline(self, ts: I64) -> F64:
        """Slow exponential decline ``(1 − r)^((t − t_ref) / year)`` with r the mine's decline per year."""
        r = self.layout.mine.decline_pct_per_yr / 100.0
        lam = -math.log(1.0 - r) if r < 1 else 0.0
        return np.exp(-lam * (ts - self.t_ref) / (365.25 * DAY_S))

    def air_temp(self, ts: I64) -> F64:
        """Surface air temperature [°C]: monthly means (parameter ``air_temp_monthly_c``) interpolated by day of
        year, plus a daily cycle of ±4 °C peaking at 15:00 CST."""
        monthly = np.asarray(self.p["air_temp_monthly_c"], dtype=float)
        local = (ts + CST_OFFSET_S).astype("datetime64[s]")
        doy = (local.astype("datetime64[D]") - local.astype("datetime64[Y]")).astype(np.int64) + 0.5
        mids = (np.arange(12) + 0.5) * 365.25 / 12.0
        xp = np.concatenate([[mids[-1] - 365.25], mids, [mids[0] + 365.25]])
        fp = np.concatenate([[monthly[-1]], monthly, [monthly[0]]])
        hour = ((ts + CST_OFFSET_S) % DAY_S) / 3600.0
        return np.interp(doy, xp, fp) + 4.0 * np.sin(2 * np.pi * (hour - 9.0) / 24.0)

    def heating(self, day: int) -> bool:
        """True if the CST day lies in the heating season ``[heating_season_start, heating_season_end)``."""
        d = np.datetime64(day, "D").astype(object)
        mmdd = d.month * 100 + d.day
        s = int(str(self.p["heating_season_start"]).replace("-", ""))
        e = int(str(self.p["heating_season_end"]).replace("-", ""))
        return mmdd >= s or mmdd < e if s > e else s <= mmdd < e

    def _events(self, name: str, day: int, rate_per_month: float, lo: float, hi: float) -> list[tuple[int, int]]:
        key = self._k(name)
        ev: list[tuple[int, int]] = []
        for d in (day - 1, day):
            ev += day_events(self.seed, self.mine_key, key, d, rate_per_month / 30.0, lo, hi)
        return ev

    def unit_availability(self, u: UnitDef, ts: I64, day: int) -> F64:
        """Capacity multiplier of a unit: 0 during outages and on days it is not run (``duty_frac``), the
        off-season fraction outside the heating season for heating units, else 1."""
        if u.kind == "vent_stack":
            return np.ones(ts.shape)
        ev = self._events(f"unit/{u.code}/outage", day, u.outages_per_month, float(self.p["unit_outage_hours_min"]),
                          min(24.0, float(self.p["unit_outage_hours_max"])))
        a = np.where(event_mask(ts, ev), 0.0, 1.0)
        if u.duty_frac < 1.0:
            on = rng(self.seed, self.mine_key, self._k(f"unit/{u.code}/duty"), 4, day).random() < u.duty_frac
            a = a * (1.0 if on else 0.0)
        if u.season == "heating" and not self.heating(day):
            a = a * u.offseason_frac
        return a

    # --- one day --------------------------------------------------------------------------------------------

    def day(self, day: int) -> DayResult:
        """Simulate CST day ``day`` (call with increasing days; totaliser state is carried)."""
        if self._last_day is not None and day <= self._last_day:
            raise ValueError("days must be simulated in increasing order")
        if self._last_day is None:
            self._warm_up(day)
        self._last_day = day
        return self._simulate(day)

    def _warm_up(self, day: int) -> None:
        """Integrate monthly-reset totalisers from the first day of the month up to ``day`` (exclusive)."""
        if not any(p.counter_reset == "monthly" for p in self._points):
            return
        d = np.datetime64(day, "D").astype(object)
        first = int(np.datetime64(d.replace(day=1), "D").astype(np.int64))
        for dd in range(first, day):
            self._simulate(dd, warm_up=True)

    def _simulate(self, day: int, warm_up: bool = False) -> DayResult:
        m = self.layout.mine
        p = self.p
        ts = sample_grid(day, self.cadence_s, self.phase_s)
        n = ts.size
        P = self.production(ts, day)
        D = self.decline(ts)
        t_air = self.air_temp(ts)
        hour = ((ts + CST_OFFSET_S) % DAY_S) / 3600.0
        st: dict[str, dict[str, F64]] = {}
        lost_total = np.zeros(n)
        sys_state: dict[str, dict[str, F64]] = {}
        cmin, cmax = float(p["ch4_min_drained_pct"]), float(p["ch4_max_drained_pct"])
        for s in m.drainage:
            tag = s.tag
            a = float(p["prod_coupling_high"] if s.system == "high" else p["prod_coupling_low"])
            G = s.pure_nm3_min * D * (1.0 + a * (P - 1.0)) * (
                1.0 + float(p["drainage_variation_frac"]) * self._smooth(f"{tag}/gas", ts))
            G = np.clip(G, 0.0, None)
            sa = float(p["air_leak_variation_frac"] if s.system == "high" else p["air_leak_variation_low_frac"])
            A = (s.mixed_nm3_min - s.pure_nm3_min) * np.clip(1.0 + sa * self._smooth(f"{tag}/air", ts), 0.2, None)
            c = np.clip(100.0 * G / np.maximum(G + A, 1e-12), cmin, cmax)
            stops = self._events(f"{tag}/stop", day, s.stops_per_month, float(p["stop_hours_min"]),
                                 float(p["stop_hours_max"]))
            stopped = event_mask(ts, stops)
            running = (~stopped).astype(float)
            M = np.where(stopped, 0.0, G / (c / 100.0))
            floor = float(p["stop_ch4_floor_pct"])
            decay = np.exp(-_since_event(ts, stops) / (float(p["stop_ch4_tau_min"]) * 60.0))
            c_meas = np.where(stopped, floor + (c - floor) * decay, c)
            lost_total += np.where(stopped, G, 0.0)
            lo_kpa, hi_kpa = (-60.0, -10.0) if s.system == "high" else (-25.0, -5.0)
            p_g = s.suction_kpa * (0.85 + 0.15 * M / max(s.mixed_nm3_min, 1e-9)) * (
                1.0 + 0.03 * self._smooth(f"{tag}/p", ts))
            p_g = np.where(stopped, -0.3, np.clip(p_g, lo_kpa, hi_kpa))
            t_gas = s.gas_temp_c + 0.3 * (t_air - 12.0) + 0.3 * self._smooth(f"{tag}/t", ts)
            main = {"flow_nm3_min": M, "ch4_pct": c_meas, "pure_nm3_min": M * c_meas / 100.0, "p_kpa": p_g,
                    "t_c": t_gas, "running": running}
            st[f"{tag}-MAIN"] = main
            sys_state[s.system] = {"remaining": M.copy(), "c": c_meas, "t": t_gas}

        # return shafts (VAM) — needed before blend units draw VAM
        total_air = sum(r.air_m3_min for r in m.shafts)
        for r in m.shafts:
            air = r.air_m3_min * (1.0 + 0.02 * self._smooth(f"{r.code}/air", ts))
            fan = r.fan_pa * (1.0 + 0.03 * self._smooth(f"{r.code}/fan", ts))
            t_r = r.air_temp_c + 0.25 * (t_air - 12.0) + 0.2 * self._smooth(f"{r.code}/t", ts)
            air_nm3 = air * (self.baro + fan / 1000.0) / P_ATM_KPA * T0_K / (T0_K + t_r)
            design_nm3 = r.air_m3_min * (self.baro + r.fan_pa / 1000.0) / P_ATM_KPA * T0_K / (T0_K + r.air_temp_c)
            b = float(p["prod_coupling_vam"])
            vam = design_nm3 * r.ch4_pct / 100.0 * D * (1.0 + b * (P - 1.0)) * (
                1.0 + float(p["vam_variation_frac"]) * self._smooth(f"{r.code}/vam", ts))
            vam = vam + lost_total * float(p["stop_loss_to_vam_frac"]) * r.air_m3_min / total_air
            cv = np.clip(100.0 * vam / air_nm3, float(p["vam_min_pct"]), float(p["vam_max_pct"]))
            st[r.code] = {"flow_nm3_min": air_nm3, "ch4_pct": cv, "pure_nm3_min": air_nm3 * cv / 100.0,
                          "p_kpa": fan / 1000.0, "t_c": t_r, "air_m3_min": air, "fan_pa": fan}

        # routing to units, in priority order
        units = sorted((u for u in self.layout.units if u.kind != "vent_stack"), key=lambda u: (u.priority, u.code))
        for u in units:
            cap = u.capacity_flow_nm3_min * self.unit_availability(u, ts, day)
            multi = len(u.sources) > 1
            if u.blend_target_pct is not None:
                self._route_blend(u, cap, sys_state, st, ts)
                continue
            for src in u.drained_sources:
                ss = sys_state[src]
                ok = (ss["c"] >= u.ch4_min_pct) & (ss["c"] <= u.ch4_max_pct)
                take = np.where(ok, np.minimum(ss["remaining"], cap), 0.0)
                ss["remaining"] = ss["remaining"] - take
                cap = cap - take
                code = f"{u.code}-IN-{'H' if src == 'high' else 'L'}" if multi else f"{u.code}-IN"
                st[code] = self._inlet(u, take, ss["c"], ss["t"], f"{code}")
                if u.technology == "vpsa" and u.product_ch4_pct is not None and u.recovery_frac is not None:
                    pure_out = take * ss["c"] / 100.0 * u.recovery_frac
                    c_out = u.product_ch4_pct * (1.0 + 0.02 * self._smooth(f"{u.code}/prod", ts))
                    st[f"{u.code}-OUT"] = {"flow_nm3_min": pure_out / (c_out / 100.0), "ch4_pct": c_out,
                                           "pure_nm3_min": pure_out, "p_kpa": np.full(n, u.inlet_kpa),
                                           "t_c": ss["t"] + 5.0}
        for s in m.drainage:
            ss = sys_state[s.system]
            rem = np.clip(ss["remaining"], 0.0, None)
            M = st[f"{s.tag}-MAIN"]["flow_nm3_min"]
            frac = np.divide(rem, M, out=np.zeros(n), where=M > 0)
            st[f"{s.tag}-VENT"] = {"flow_nm3_min": rem, "ch4_pct": ss["c"], "pure_nm3_min": rem * ss["c"] / 100.0,
                                   "p_kpa": 0.3 + 1.2 * frac, "t_c": ss["t"] + 0.5 * np.sin(2 * np.pi * hour / 24)}

        true = self._readings(ts, st, day, warm_up)
        if warm_up:
            return DayResult(day, ts, true, true, st)
        clean = self._measure(true, day, ts)
        return DayResult(day, ts, true, clean, st)

    def _inlet(self, u: UnitDef, take: F64, c: F64, t: F64, code: str) -> dict[str, F64]:
        frac = take / max(u.capacity_flow_nm3_min, 1e-9)
        p_in = np.where(take > 0, u.inlet_kpa * (0.7 + 0.3 * np.clip(frac, 0.0, 1.0)), 0.3)
        return {"flow_nm3_min": take, "ch4_pct": c, "pure_nm3_min": take * c / 100.0, "p_kpa": p_in, "t_c": t + 3.0}

    def _route_blend(self, u: UnitDef, cap: F64, sys_state: dict[str, dict[str, F64]],
                     st: dict[str, dict[str, F64]], ts: I64) -> None:
        """A blending VAM oxidiser: drained gas from its sources is diluted with VAM to ``blend_target_pct``.

        Per Nm³ of drained gas at concentration ``c_s`` the blend needs ``(c_s − t)/(t − c_v)`` Nm³ of VAM at
        ``c_v``, i.e. ``(c_s − c_v)/(t − c_v)`` Nm³ of blend capacity (mass balance of CH4). Drained intake is
        limited by the remaining capacity and the VAM draw by ``vam_intake_max_frac`` of the shaft's air.
        """
        assert u.blend_target_pct is not None
        tgt = u.blend_target_pct
        shaft = st[u.vam_sources[0]]
        cv = shaft["ch4_pct"]
        takes: dict[str, F64] = {}
        need = np.zeros(ts.size)
        for src in u.drained_sources:
            ss = sys_state[src]
            c = ss["c"]
            ok = c > tgt + 0.1
            per = np.where(ok, (c - cv) / (tgt - cv), np.inf)
            take = np.where(ok, np.minimum(ss["remaining"], np.clip(cap, 0.0, None) / per), 0.0)
            cap = cap - take * np.where(ok, per, 0.0)
            need = need + take * np.where(ok, (c - tgt) / (tgt - cv), 0.0)
            takes[src] = take
        vmax = float(self.p["vam_intake_max_frac"]) * shaft["flow_nm3_min"]
        scale = np.where(need > vmax, vmax / np.maximum(need, 1e-12), 1.0)
        for src, take in takes.items():
            take = take * scale
            ss = sys_state[src]
            ss["remaining"] = ss["remaining"] - take
            code = f"{u.code}-IN-{'H' if src == 'high' else 'L'}"
            st[code] = self._inlet(u, take, ss["c"], ss["t"], code)
        vam = need * scale
        st[f"{u.code}-IN-{u.vam_sources[0]}"] = {"flow_nm3_min": vam, "ch4_pct": cv, "pure_nm3_min": vam * cv / 100,
                                                  "p_kpa": np.full(ts.size, 1.0), "t_c": shaft["t_c"]}

    # --- readings -------------------------------------------------------------------------------------------

    def _basis_factor(self, meter: str | None, station: dict[str, F64], n: int) -> F64:
        """Factor from a 0 °C flow [Nm³/min] to the meter's basis (still per minute)."""
        if meter == "20C":
            return np.full(n, T20_K / T0_K)
        if meter == "working":
            p_abs = self.baro + station["p_kpa"]
            return (P_ATM_KPA / p_abs) * ((station["t_c"] + T0_K) / T0_K)
        return np.ones(n)

    def _readings(self, ts: I64, st: dict[str, dict[str, F64]], day: int, warm_up: bool) -> F64:
        n = ts.size
        out = np.zeros((len(self._points), n))
        for i, pt in enumerate(self._points):
            s = st[pt.station]
            if warm_up and pt.counter_reset != "monthly":
                continue
            if pt.signal == "ch4":
                out[i] = s["ch4_pct"]
            elif pt.signal == "p":
                out[i] = s["p_kpa"]
            elif pt.signal == "t":
                out[i] = s["t_c"]
            elif pt.signal == "fan":
                out[i] = s["fan_pa"]
            elif pt.signal == "air":
                if "air_m3_min" in s and pt.meter == "working":
                    out[i] = s["air_m3_min"]
                else:
                    out[i] = s["flow_nm3_min"] * self._basis_factor(pt.meter, s, n) * (60.0 if pt.unit == "m³/h" else 1.0)
            elif pt.signal in ("flow", "pure"):
                q = s["flow_nm3_min"] if pt.signal == "flow" else s["pure_nm3_min"]
                out[i] = self._configured_flow(pt, q, s, ts)
            elif pt.signal == "counter":
                q = s["pure_nm3_min"] if pt.quantity == "cumulative_pure" else s["flow_nm3_min"]
                f = q * self._basis_factor(pt.meter, s, n)  # m³/min in the counter's reference state
                out[i] = self._integrate(pt, f, ts, day) / (1e4 if pt.unit == "万m³" else 1.0)
        return out

    def _configured_flow(self, pt: PointDef, q_nm3: F64, s: dict[str, F64], ts: I64) -> F64:
        """A flow reading in the point's configured basis and unit, following dated meter changes."""
        n = ts.size
        out = np.empty(n)
        for c in self.layout.configs:
            if c.point_code != pt.code:
                continue
            lo = epoch_s(c.valid_from)
            hi = epoch_s(c.valid_to) if c.valid_to is not None else np.iinfo(np.int64).max
            mk = (ts >= lo) & (ts < hi)
            if not mk.any():
                continue
            f = self._basis_factor(c.meter, s, n) * (60.0 if c.unit == "m³/h" else 1.0)
            out[mk] = (q_nm3 * f)[mk]
        return out

    def _counter_initial(self, pt: PointDef, t_first: int) -> float:
        """Assumed reading of a never-reset totaliser at the first generated sample: 2 × 10⁶ m³ plus 90 % of the
        design flow integrated since :data:`CONFIG_EPOCH` (a plausible meter reading, not a simulated one)."""
        s = next(x for x in self.layout.mine.drainage if f"{x.tag}-MAIN" == pt.station)
        q = s.pure_nm3_min if pt.quantity == "cumulative_pure" else s.mixed_nm3_min
        q *= T20_K / T0_K if pt.meter == "20C" else 1.0
        return 2.0e6 + 0.9 * q * (t_first - epoch_s(CONFIG_EPOCH)) / 60.0

    def _integrate(self, pt: PointDef, f_m3_min: F64, ts: I64, day: int) -> F64:
        """Totaliser reading [m³]: the trapezoid integral of the flow, reset at CST midnight (daily) or on the first
        of the month (monthly) — the first sample after a reset holds ``flow × (t − reset time)``."""
        stt = self._counters.setdefault(pt.code, _CounterState())
        t0 = day_start_s(day)
        first_of_month = np.datetime64(day, "D").astype(object).day == 1
        reset = pt.counter_reset == "daily" or (pt.counter_reset == "monthly" and first_of_month)
        if ts.size == 0:
            return np.zeros(0)
        if stt.value is None and pt.counter_reset == "none":
            stt.value, stt.last_ts, stt.last_flow = self._counter_initial(pt, int(ts[0])), int(ts[0]), float(f_m3_min[0])
        if reset or stt.value is None or stt.last_ts is None:
            start = f_m3_min[0] * (ts[0] - t0) / 60.0
        else:
            start = stt.value + 0.5 * (stt.last_flow + f_m3_min[0]) * (ts[0] - stt.last_ts) / 60.0
        steps = 0.5 * (f_m3_min[1:] + f_m3_min[:-1]) * np.diff(ts) / 60.0
        out = start + np.concatenate([[0.0], np.cumsum(steps)])
        stt.value, stt.last_ts, stt.last_flow = float(out[-1]), int(ts[-1]), float(f_m3_min[-1])
        return out

    def _measure(self, true: F64, day: int, ts: I64) -> F64:
        """Readings as the meters send them: Gaussian noise (parameters ``noise_*``) and the meter's resolution."""
        out = true.copy()
        n = ts.size
        p = self.p
        for i, pt in enumerate(self._points):
            if self.noise and pt.signal != "counter":
                z = white_noise(self.seed, self.mine_key, self._k("noise/" + pt.code), day, n)
                x = true[i]
                if pt.signal == "ch4":
                    if (pt.range_high or 100.0) <= 4.0:
                        x = x + float(p["noise_vam_abs_pct"]) * z
                    else:
                        x = x * (1.0 + float(p["noise_ch4_rel"]) * z)
                    x = np.clip(x, 0.0, 100.0)
                elif pt.signal in ("flow", "pure"):
                    x = np.clip(x * (1.0 + float(p["noise_flow_rel"]) * z), 0.0, None)
                elif pt.signal == "air":
                    x = np.clip(x * (1.0 + float(p["noise_air_rel"]) * z), 0.0, None)
                elif pt.signal == "p":
                    x = x + float(p["noise_p_kpa"]) * z
                elif pt.signal == "fan":
                    x = x + float(p["noise_fan_pa"]) * z
                elif pt.signal == "t":
                    x = x + float(p["noise_t_c"]) * z
                out[i] = x
            if self.precision == "meter":
                out[i] = np.round(out[i], pt.decimals)
        out[out == 0.0] = 0.0  # no negative zeros in the files
        return out
