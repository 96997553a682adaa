"""Regional allocation: time-varying gas sources → utilization units over pipelines, as an LP/MILP solved with
HiGHS (highspy), with schedules, unused gas, binding constraints and shadow prices.

Model (per step ``t`` of ``step_hours``; flows in Nm³/min at 0 °C, ``M = 60 × step_hours`` minutes per step)
----------------------------------------------------------------------------------------------------------
Variables: ``x[l,t]`` mixed flow on link ``l`` (source → unit), ``0 ≤ x ≤ link capacity``; ``v[s,t] ≥ 0`` gas
vented at source ``s`` (unused); ``a[u,t] ≥ 0`` dilution air into unit ``u`` (if allowed); gas-holder charge,
discharge and level ``ch, dis, L``; on/off ``y[u,t] ∈ {0,1}`` for units with a minimum load; contract shortfall
``sh ≥ 0`` for soft contracts.

- source balance:      ``Σ_{l from s} x + v + ch − dis = A[s,t]`` (available flow)
- gas holder:          ``L[t] = L[t−1] + M (ch − dis)``, ``0 ≤ L ≤ capacity``, ``L[T] ≥ final`` — **links steps**
- unit capacity:       ``Σ_{l→u} x + a ≤ Q_u y`` (``≤ Q_u`` without commitment)
- minimum load:        ``Σ_{l→u} x ≥ m_u Q_u y`` (mine gas only: dilution air does not keep a unit loaded)
- concentration spec:  ``Σ c_s x ≥ c_min (Σ x + a)`` and ``Σ c_s x ≤ c_max (Σ x + a)`` (linear because the source
  concentrations ``c[s,t]`` are data)
- contracts:           ``Σ_{t ∈ period} M Σ c_s x / 100 (+ sh) ≥ min`` and ``≤ max`` per month or over the horizon
  — **link steps**

Objectives: ``max_ch4_destroyed`` (Σ η_u × CH4 into u), ``max_profit`` (energy, heat and gas sales, subsidies and
carbon revenue per Nm³ of CH4, minus variable, link, on-step and venting costs and shortfall penalties),
``min_co2e`` (vented CH4 × GWP + unburnt slip × GWP + combustion CO2 44/16 − optional displaced power and heat,
t CO2e with density ``real-0C``).

Mixing at a unit inlet follows :mod:`minegas.utilization.blending`'s topology: a unit without a safe-transport system
must have a window outside the explosive band (checked), so a lean- or rich-carrier header never passes through it;
a unit with one may take gas inside the band. A gas holder stores one source's gas, so that source's concentration
must be constant (checked) — otherwise the holder's content would mix concentrations (a non-linear pooling problem).

Shadow prices and binding constraints come from the LP with the on/off decisions fixed at the MILP solution.
"""

from __future__ import annotations

import datetime as dt
import math
import time
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo

import numpy as np
import numpy.typing as npt
import pandas as pd
import scipy.sparse as sp
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from minegas.errors import InfeasibleError, InputError, Problem, ProblemList
from minegas.physics.climate import gwp as gwp_value
from minegas.physics.constants import CO2_PER_CH4_T_PER_T
from minegas.physics.density import density
from minegas.physics.energy import LHV_MJ_PER_NM3_0C
from minegas.physics.safety import ExplosiveRange
from minegas.utilization.catalog import Catalog, load_catalog
from minegas.utilization.lp import LpResult, solve

CST = ZoneInfo("Asia/Shanghai")
RHO_T_PER_NM3 = density("real-0C").kg_m3 / 1000.0
"""CH4 density for masses, ``real-0C`` 0.7175 kg/Nm³ (docs/conventions.md §2) [t/Nm³]."""

Objective = Literal["max_ch4_destroyed", "max_profit", "min_co2e"]
FloatArray = npt.NDArray[np.float64]


# --- scenario schema -----------------------------------------------------------------------------------------

class SeriesRef(BaseModel):
    """A per-step series read from a CSV file: one row per step, in order; ``column`` holds the values."""

    model_config = ConfigDict(extra="forbid")
    file: str
    column: str


Series = float | list[float] | SeriesRef


class SourceSpec(BaseModel):
    """A gas source (a mine's station): available flow and concentration per step."""

    model_config = ConfigDict(extra="forbid")
    id: str = Field(min_length=1)
    mine: str | None = None
    kind: Literal["vam", "drained"] = "drained"
    flow_nm3_min: Series
    ch4_pct: Series
    vent_penalty_yuan_per_nm3_ch4: float = Field(default=0.0, ge=0)


class ContractSpec(BaseModel):
    """A delivery contract on a unit's pure CH4 intake per period (month = CST calendar month, or the horizon)."""

    model_config = ConfigDict(extra="forbid")
    period: Literal["month", "all"] = "month"
    min_ch4_nm3: float | None = Field(default=None, ge=0)
    max_ch4_nm3: float | None = Field(default=None, ge=0)
    shortfall_penalty_yuan_per_nm3: float | None = Field(default=None, ge=0)


class UnitSpec(BaseModel):
    """A utilization unit; omitted technical values come from the technology catalog."""

    model_config = ConfigDict(extra="forbid")
    id: str = Field(min_length=1)
    technology: str
    capacity_flow_nm3_min: float = Field(gt=0)
    ch4_min_pct: float | None = Field(default=None, ge=0, le=100)
    ch4_max_pct: float | None = Field(default=None, ge=0, le=100)
    min_load_frac: float | None = Field(default=None, ge=0, le=1)
    commit: bool | None = None
    dilution_air: bool = True
    safe_transport: bool | None = None
    destruction_efficiency_frac: float | None = Field(default=None, ge=0, le=1)
    eff_el_frac: float | None = Field(default=None, ge=0, le=1)
    eff_heat_frac: float | None = Field(default=None, ge=0, le=1)
    own_use_frac: float | None = Field(default=None, ge=0, le=1)
    heat_used: bool | None = None
    price_electricity_yuan_per_kwh: float = 0.0
    price_heat_yuan_per_gj: float = 0.0
    price_gas_yuan_per_nm3_ch4: float = 0.0
    subsidy_yuan_per_nm3_ch4: float = 0.0
    carbon_price_yuan_per_t: float = 0.0
    var_cost_yuan_per_nm3_ch4: float = 0.0
    fixed_cost_yuan_per_step_on: float = 0.0
    contracts: list[ContractSpec] = Field(default_factory=list)


class LinkSpec(BaseModel):
    """A pipeline from a source to a unit."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    from_: str = Field(alias="from", min_length=1)
    to: str = Field(min_length=1)
    capacity_nm3_min: float | None = Field(default=None, ge=0)
    cost_yuan_per_nm3: float = Field(default=0.0, ge=0)


class StorageSpec(BaseModel):
    """A gas holder on a source (stores that source's gas; its concentration must be constant)."""

    model_config = ConfigDict(extra="forbid")
    id: str = Field(min_length=1)
    source: str
    capacity_nm3: float = Field(gt=0)
    initial_nm3: float = Field(default=0.0, ge=0)
    final_min_nm3: float | None = Field(default=None, ge=0)
    max_in_nm3_min: float | None = Field(default=None, ge=0)
    max_out_nm3_min: float | None = Field(default=None, ge=0)


class GwpSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")
    set: str = "AR6-fossil"
    horizon: int = 100


class Scenario(BaseModel):
    """An allocation scenario (YAML or TOML; schema in docs/utilization.md)."""

    model_config = ConfigDict(extra="forbid")
    scenario: str = Field(min_length=1)
    description: str | None = None
    start: dt.date
    steps: int = Field(gt=0)
    step_hours: float = Field(default=24.0, gt=0, le=24 * 31)
    objective: Objective = "max_ch4_destroyed"
    gwp: GwpSpec = Field(default_factory=GwpSpec)
    grid_ef_t_per_mwh: float = Field(default=0.0, ge=0)
    heat_ef_t_per_gj: float = Field(default=0.0, ge=0)
    mip_rel_gap: float = Field(default=0.01, ge=0, le=1)
    time_limit_s: float | None = Field(default=None, gt=0)
    threads: int | None = Field(default=None, gt=0)
    sources: list[SourceSpec] = Field(min_length=1)
    units: list[UnitSpec] = Field(min_length=1)
    links: list[LinkSpec] = Field(min_length=1)
    storage: list[StorageSpec] = Field(default_factory=list)

    @field_validator("start", mode="before")
    @classmethod
    def _date(cls, v: Any) -> Any:
        return v.date() if isinstance(v, dt.datetime) else v

    @model_validator(mode="after")
    def _refs(self) -> Scenario:
        src = [s.id for s in self.sources]
        uni = [u.id for u in self.units]
        for kind, ids in (("source", src), ("unit", uni), ("storage", [h.id for h in self.storage])):
            dup = sorted({i for i in ids if ids.count(i) > 1})
            if dup:
                raise ValueError(f"duplicate {kind} id(s): {dup}")
        for ln in self.links:
            if ln.from_ not in src:
                raise ValueError(f"link from unknown source {ln.from_!r}")
            if ln.to not in uni:
                raise ValueError(f"link to unknown unit {ln.to!r}")
        pairs = [(ln.from_, ln.to) for ln in self.links]
        if len(set(pairs)) != len(pairs):
            raise ValueError("duplicate link (same source and unit)")
        for h in self.storage:
            if h.source not in src:
                raise ValueError(f"storage {h.id!r} on unknown source {h.source!r}")
            if h.initial_nm3 > h.capacity_nm3:
                raise ValueError(f"storage {h.id!r}: initial_nm3 exceeds capacity_nm3")
        if len({h.source for h in self.storage}) != len(self.storage):
            raise ValueError("at most one gas holder per source")
        return self


def load_scenario(path: str | Path) -> tuple[Scenario, Path]:
    """Read and validate a scenario file (YAML or TOML). Returns the scenario and its folder (for series files).

    Raises
    ------
    InputError
        With the file and the field path of every problem (exit code 2).
    """
    p = Path(path)
    origin = str(p)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(f"{origin}: cannot read", [Problem(str(exc), file=origin)]) from None
    try:
        data = tomllib.loads(text) if p.suffix.lower() == ".toml" else yaml.safe_load(text)
    except (yaml.YAMLError, tomllib.TOMLDecodeError) as exc:
        mark = getattr(exc, "problem_mark", None)
        raise InputError(f"{origin}: not valid {'TOML' if p.suffix.lower() == '.toml' else 'YAML'}",
                         [Problem(str(exc).splitlines()[0], file=origin, line=(mark.line + 1) if mark else None,
                                  fix="correct the syntax")]) from None
    try:
        sc = Scenario.model_validate(data)
    except ValidationError as exc:
        raise InputError(f"{origin}: not a valid allocation scenario", [
            Problem(e["msg"], file=origin, field=".".join(str(x) for x in e["loc"]) or None,
                    fix="see docs/utilization.md, 'Allocation scenario'") for e in exc.errors()]) from None
    return sc, p.parent


# --- the model -----------------------------------------------------------------------------------------------

@dataclass
class _Unit:
    id: str
    technology: str
    cap: float
    cmin: float
    cmax: float
    min_load: float
    commit: bool
    air: bool
    safe: bool
    eta: float
    eff_el: float
    eff_heat: float
    own: float
    heat_used: bool
    spec: UnitSpec


@dataclass
class Model:
    """The assembled LP/MILP in row form, with the index maps needed to read a solution back."""

    scenario: Scenario
    c: FloatArray
    a: sp.csr_array
    row_lo: FloatArray
    row_hi: FloatArray
    col_lo: FloatArray
    col_hi: FloatArray
    integer: npt.NDArray[np.bool_]
    maximize: bool
    offset: float
    steps: int
    minutes: float
    source_ids: list[str]
    unit_ids: list[str]
    link_src: npt.NDArray[np.int64]
    link_unit: npt.NDArray[np.int64]
    avail: FloatArray
    conc: FloatArray
    units: list[_Unit]
    col: dict[str, tuple[int, tuple[int, ...]]]
    rows: list[tuple[str, int, tuple[int, ...]]]
    row_names: list[tuple[str, str, str]] = field(default_factory=list)
    step_start: list[dt.datetime] = field(default_factory=list)
    contracts: list[tuple[int, ContractSpec, str, list[int]]] = field(default_factory=list)
    holders: list[StorageSpec] = field(default_factory=list)

    def block(self, name: str) -> tuple[int, tuple[int, ...]]:
        return self.col[name]

    @property
    def size(self) -> dict[str, int]:
        return {"rows": int(self.a.shape[0]), "cols": int(self.a.shape[1]), "nonzeros": int(self.a.nnz),
                "integers": int(self.integer.sum())}


def _series(v: Series, steps: int, where: str, base: Path, problems: ProblemList) -> FloatArray:
    if isinstance(v, SeriesRef):
        fpath = base / v.file if not Path(v.file).is_absolute() else Path(v.file)
        try:
            df = pd.read_csv(fpath)
        except (OSError, ValueError) as exc:
            problems.add(f"cannot read series file: {exc}", file=str(fpath), field=where)
            return np.zeros(steps)
        if v.column not in df.columns:
            problems.add(f"column {v.column!r} not in {list(df.columns)}", file=str(fpath), field=where)
            return np.zeros(steps)
        arr = pd.to_numeric(df[v.column], errors="coerce").to_numpy(dtype=float)
    elif isinstance(v, list):
        arr = np.asarray(v, dtype=float)
    else:
        arr = np.full(steps, float(v))
    if arr.size != steps:
        problems.add(f"series has {arr.size} values, the scenario has {steps} steps", field=where)
        return np.zeros(steps)
    if np.isnan(arr).any():
        problems.add(f"series has {int(np.isnan(arr).sum())} missing/non-numeric values", field=where,
                     fix="fill every step (0 for no gas)")
    return np.nan_to_num(arr)


def build_model(sc: Scenario, base: Path | None = None, catalog: Catalog | None = None) -> Model:
    """Assemble the sparse LP/MILP of a scenario (see module docstring).

    Raises
    ------
    InputError
        Bad series, unknown technologies, windows that reach into the explosive band without a safe-transport
        system, gas holders on sources with varying concentration.
    """
    base = base or Path()
    cat = catalog or load_catalog()
    pl = ProblemList()
    T = sc.steps
    minutes = 60.0 * sc.step_hours
    S, U, L = len(sc.sources), len(sc.units), len(sc.links)
    sid = {s.id: i for i, s in enumerate(sc.sources)}
    uid = {u.id: i for i, u in enumerate(sc.units)}
    avail = np.zeros((S, T))
    conc = np.zeros((S, T))
    for i, src in enumerate(sc.sources):
        avail[i] = _series(src.flow_nm3_min, T, f"sources.{src.id}.flow_nm3_min", base, pl)
        conc[i] = _series(src.ch4_pct, T, f"sources.{src.id}.ch4_pct", base, pl)
        if (avail[i] < 0).any():
            pl.add("flows must be ≥ 0", field=f"sources.{src.id}.flow_nm3_min")
        if ((conc[i] < 0) | (conc[i] > 100)).any():
            pl.add("CH4 must be within 0–100 %", field=f"sources.{src.id}.ch4_pct")
    band = ExplosiveRange()
    units: list[_Unit] = []
    for us in sc.units:
        if us.technology not in cat:
            pl.add(f"unknown technology {us.technology!r}", field=f"units.{us.id}.technology",
                   fix=f"use one of {', '.join(cat)}")
            continue
        tech = cat[us.technology]
        cmin = tech.ch4_min_pct if us.ch4_min_pct is None else us.ch4_min_pct
        cmax = tech.ch4_max_pct if us.ch4_max_pct is None else us.ch4_max_pct
        safe = tech.safe_transport if us.safe_transport is None else us.safe_transport
        if cmin > cmax:
            pl.add("ch4_min_pct > ch4_max_pct", field=f"units.{us.id}")
        if not safe and tech.output != "vent" and cmin <= band.uel_pct and cmax >= band.lel_pct:
            pl.add(f"window {cmin:g}–{cmax:g} % reaches into the explosive band {band.lel_pct:g}–{band.uel_pct:g} % "
                   "but the unit has no safe-transport system", field=f"units.{us.id}",
                   fix="narrow the window or set safe_transport: true")
        ml = tech.min_load_frac if us.min_load_frac is None else us.min_load_frac
        commit = (ml > 0) if us.commit is None else us.commit
        units.append(_Unit(
            us.id, us.technology, us.capacity_flow_nm3_min, cmin, cmax, ml if commit else 0.0, commit,
            us.dilution_air, safe,
            tech.destruction_efficiency_frac if us.destruction_efficiency_frac is None else us.destruction_efficiency_frac,
            tech.eff_el_frac if us.eff_el_frac is None else us.eff_el_frac,
            tech.eff_heat_frac if us.eff_heat_frac is None else us.eff_heat_frac,
            tech.own_use_frac if us.own_use_frac is None else us.own_use_frac,
            tech.heat_used_default if us.heat_used is None else us.heat_used, us))
    holders = list(sc.storage)
    for h in holders:
        row = conc[sid[h.source]]
        if row.size and np.ptp(row) > 1e-12:
            pl.add("a gas holder needs a source of constant concentration (it stores one gas)",
                   field=f"storage.{h.id}", fix="give the source a constant ch4_pct or remove the holder")
    pl.raise_if_any(f"scenario {sc.scenario!r}: input rejected")
    gwp = gwp_value(sc.gwp.set, sc.gwp.horizon)

    link_src = np.array([sid[ln.from_] for ln in sc.links], dtype=np.int64)
    link_unit = np.array([uid[ln.to] for ln in sc.links], dtype=np.int64)
    link_cap = np.array([math.inf if ln.capacity_nm3_min is None else ln.capacity_nm3_min for ln in sc.links])
    link_cost = np.array([ln.cost_yuan_per_nm3 for ln in sc.links])

    # column blocks
    col: dict[str, tuple[int, tuple[int, ...]]] = {}
    ncol = 0

    def block(name: str, *shape: int) -> int:
        nonlocal ncol
        col[name] = (ncol, shape)
        ncol += int(np.prod(shape))
        return col[name][0]

    ux = block("x", L, T)
    air_units = [k for k, u in enumerate(units) if u.air]
    ua = block("air", len(air_units), T)
    uv = block("vent", S, T)
    H = len(holders)
    uch = block("charge", H, T)
    udis = block("discharge", H, T)
    ulev = block("level", H, T)
    com_units = [k for k, u in enumerate(units) if u.commit]
    uy = block("on", len(com_units), T)
    contracts: list[tuple[int, ContractSpec, str, list[int]]] = []
    step_start = [dt.datetime.combine(sc.start, dt.time(0), CST) + dt.timedelta(hours=sc.step_hours * t)
                  for t in range(T)]
    for k, u in enumerate(units):
        for cs in u.spec.contracts:
            if cs.period == "all":
                contracts.append((k, cs, "all", list(range(T))))
            else:
                months: dict[str, list[int]] = {}
                for t, st in enumerate(step_start):
                    months.setdefault(st.strftime("%Y-%m"), []).append(t)
                for mon, ts in months.items():
                    contracts.append((k, cs, mon, ts))
    soft = [i for i, (_, cs, _, _) in enumerate(contracts) if cs.shortfall_penalty_yuan_per_nm3 is not None
            and cs.min_ch4_nm3 is not None]
    ush = block("shortfall", len(soft))

    c = np.zeros(ncol)
    col_lo = np.zeros(ncol)
    col_hi = np.full(ncol, np.inf)
    integer = np.zeros(ncol, dtype=bool)
    tt = np.arange(T)
    xi = ux + np.arange(L)[:, None] * T + tt[None, :]           # (L, T)
    col_hi[xi] = np.broadcast_to(link_cap[:, None], (L, T))
    yi = uy + np.arange(len(com_units))[:, None] * T + tt[None, :]
    col_hi[yi] = 1.0
    integer[yi] = True
    for j, h in enumerate(holders):
        base_l = ulev + j * T
        col_hi[base_l:base_l + T] = h.capacity_nm3
        # end-of-horizon level: at least the initial level (cyclic) unless final_min_nm3 says otherwise
        col_lo[base_l + T - 1] = h.initial_nm3 if h.final_min_nm3 is None else h.final_min_nm3
        if h.max_in_nm3_min is not None:
            col_hi[uch + j * T:uch + (j + 1) * T] = h.max_in_nm3_min
        if h.max_out_nm3_min is not None:
            col_hi[udis + j * T:udis + (j + 1) * T] = h.max_out_nm3_min

    # rows as COO
    R: list[npt.NDArray[Any]] = []
    C: list[npt.NDArray[Any]] = []
    V: list[npt.NDArray[Any]] = []
    lo: list[npt.NDArray[Any]] = []
    hi: list[npt.NDArray[Any]] = []
    rows: list[tuple[str, int, tuple[int, ...]]] = []
    nrow = 0

    def add(kind: str, shape: tuple[int, ...], r: npt.ArrayLike, cc: npt.ArrayLike, v: npt.ArrayLike,
            rlo: npt.ArrayLike, rhi: npt.ArrayLike) -> None:
        nonlocal nrow
        n = int(np.prod(shape))
        rows.append((kind, nrow, shape))
        R.append(np.asarray(r, dtype=np.int64).reshape(-1) + nrow)
        C.append(np.asarray(cc, dtype=np.int64).reshape(-1))
        V.append(np.asarray(v, dtype=float).reshape(-1))
        lo.append(np.broadcast_to(np.asarray(rlo, dtype=float), (n,)).reshape(-1).copy())
        hi.append(np.broadcast_to(np.asarray(rhi, dtype=float), (n,)).reshape(-1).copy())
        nrow += n

    # source balance (S, T)
    r_x = link_src[:, None] * T + tt[None, :]
    parts_r = [r_x.reshape(-1), (np.arange(S)[:, None] * T + tt).reshape(-1)]
    parts_c = [xi.reshape(-1), (uv + np.arange(S)[:, None] * T + tt).reshape(-1)]
    parts_v = [np.ones(L * T), np.ones(S * T)]
    for j, h in enumerate(holders):
        si = sid[h.source]
        parts_r += [si * T + tt, si * T + tt]
        parts_c += [uch + j * T + tt, udis + j * T + tt]
        parts_v += [np.ones(T), -np.ones(T)]
    add("balance", (S, T), np.concatenate(parts_r), np.concatenate(parts_c), np.concatenate(parts_v),
        avail.reshape(-1), avail.reshape(-1))
    # gas holder levels (H, T): L_t − L_{t−1} − M ch + M dis = 0 (L_{−1} = initial)
    if H:
        rr: list[npt.NDArray[Any]] = []
        cc_: list[npt.NDArray[Any]] = []
        vv: list[npt.NDArray[Any]] = []
        rhs: list[npt.NDArray[Any]] = []
        for j, h in enumerate(holders):
            r0 = j * T + tt
            rr += [r0, r0, r0, r0[1:]]
            cc_ += [ulev + j * T + tt, uch + j * T + tt, udis + j * T + tt, ulev + j * T + tt[:-1]]
            vv += [np.ones(T), -minutes * np.ones(T), minutes * np.ones(T), -np.ones(T - 1)]
            b = np.zeros(T)
            b[0] = h.initial_nm3
            rhs.append(b)
        bb = np.concatenate(rhs)
        add("level", (H, T), np.concatenate(rr), np.concatenate(cc_), np.concatenate(vv), bb, bb)
    # unit rows (U, T)
    u_of_link = link_unit
    air_pos = {k: i for i, k in enumerate(air_units)}
    com_pos = {k: i for i, k in enumerate(com_units)}
    cmin_a = np.array([u.cmin for u in units])
    cmax_a = np.array([u.cmax for u in units])
    capv = np.array([u.cap for u in units])
    ru_x = (u_of_link[:, None] * T + tt[None, :]).reshape(-1)
    cu_x = xi.reshape(-1)
    cs_lt = conc[link_src]                                       # (L, T) concentration on each link
    a_r = np.concatenate([k * T + tt for k in air_units]) if air_units else np.zeros(0)
    a_c = np.concatenate([ua + air_pos[k] * T + tt for k in air_units]) if air_units else np.zeros(0)
    y_r = np.concatenate([k * T + tt for k in com_units]) if com_units else np.zeros(0)
    y_c = np.concatenate([uy + com_pos[k] * T + tt for k in com_units]) if com_units else np.zeros(0)
    y_cap = np.concatenate([-capv[k] * np.ones(T) for k in com_units]) if com_units else np.zeros(0)
    y_min = np.concatenate([-units[k].min_load * capv[k] * np.ones(T) for k in com_units]) if com_units \
        else np.zeros(0)
    ucap_hi = np.where(np.array([u.commit for u in units])[:, None], 0.0, capv[:, None]) * np.ones((1, T))
    add("capacity", (U, T), np.concatenate([ru_x, a_r, y_r]), np.concatenate([cu_x, a_c, y_c]),
        np.concatenate([np.ones(L * T), np.ones(a_r.size), y_cap]), -np.inf, ucap_hi.reshape(-1))
    if com_units:
        ml_lo = np.full((U, T), -np.inf)
        ml_lo[com_units] = 0.0
        # dilution air does not keep a unit loaded: the minimum load counts mine gas only
        add("min_load", (U, T), np.concatenate([ru_x, y_r]), np.concatenate([cu_x, y_c]),
            np.concatenate([np.ones(L * T), y_min]), ml_lo.reshape(-1), np.inf)
    a_cmin_a = np.concatenate([-cmin_a[k] * np.ones(T) for k in air_units]) if air_units else np.zeros(0)
    a_cmax_a = np.concatenate([-cmax_a[k] * np.ones(T) for k in air_units]) if air_units else np.zeros(0)
    add("conc_min", (U, T), np.concatenate([ru_x, a_r]), np.concatenate([cu_x, a_c]),
        np.concatenate([(cs_lt - cmin_a[u_of_link][:, None]).reshape(-1), a_cmin_a]), 0.0, np.inf)
    add("conc_max", (U, T), np.concatenate([ru_x, a_r]), np.concatenate([cu_x, a_c]),
        np.concatenate([(cs_lt - cmax_a[u_of_link][:, None]).reshape(-1), a_cmax_a]), -np.inf, 0.0)
    # contracts
    if contracts:
        rr, cc_, vv = [], [], []
        rlo: list[float] = []
        rhi: list[float] = []
        for ci, (k, cs, _per, ts) in enumerate(contracts):
            links_k = np.flatnonzero(u_of_link == k)
            tsa = np.asarray(ts)
            idx = xi[np.ix_(links_k, tsa)]
            rr.append(np.full(idx.size, ci))
            cc_.append(idx.reshape(-1))
            vv.append((cs_lt[np.ix_(links_k, tsa)] / 100.0 * minutes).reshape(-1))
            if ci in soft:
                rr.append(np.array([ci]))
                cc_.append(np.array([ush + soft.index(ci)]))
                vv.append(np.array([1.0]))
            rlo.append(cs.min_ch4_nm3 if cs.min_ch4_nm3 is not None else -np.inf)
            rhi.append(cs.max_ch4_nm3 if cs.max_ch4_nm3 is not None else np.inf)
        add("contract", (len(contracts),), np.concatenate(rr), np.concatenate(cc_), np.concatenate(vv),
            np.array(rlo), np.array(rhi))
    a = sp.csr_array((np.concatenate(V), (np.concatenate(R), np.concatenate(C))), shape=(nrow, ncol))
    a.sum_duplicates()

    # objective
    eta = np.array([un.eta for un in units])
    pure_per_x = cs_lt / 100.0 * minutes                         # Nm³ CH4 per (Nm³/min on the link for a step)
    maximize = sc.objective != "min_co2e"
    offset = 0.0
    if sc.objective == "max_ch4_destroyed":
        c[xi] = pure_per_x * eta[u_of_link][:, None]
    elif sc.objective == "max_profit":
        per_ch4 = np.zeros(U)
        for k, un in enumerate(units):
            us_ = un.spec
            kwh = LHV_MJ_PER_NM3_0C * un.eff_el / 3.6 * (1.0 - un.own)
            gj = LHV_MJ_PER_NM3_0C * un.eff_heat / 1000.0 if un.heat_used else 0.0
            per_ch4[k] = (us_.price_electricity_yuan_per_kwh * kwh + us_.price_heat_yuan_per_gj * gj
                          + us_.price_gas_yuan_per_nm3_ch4 + us_.subsidy_yuan_per_nm3_ch4
                          + us_.carbon_price_yuan_per_t * RHO_T_PER_NM3 * un.eta * (gwp - CO2_PER_CH4_T_PER_T)
                          - us_.var_cost_yuan_per_nm3_ch4)
        c[xi] = pure_per_x * per_ch4[u_of_link][:, None] - link_cost[:, None] * minutes
        if com_units:
            c[yi] = -np.array([units[k].spec.fixed_cost_yuan_per_step_on for k in com_units])[:, None]
        pen = np.array([src.vent_penalty_yuan_per_nm3_ch4 for src in sc.sources])
        c[uv + np.arange(S)[:, None] * T + tt] = -(pen[:, None] * conc / 100.0 * minutes)
        for i, ci in enumerate(soft):
            c[ush + i] = -float(contracts[ci][1].shortfall_penalty_yuan_per_nm3 or 0.0)
    else:  # min_co2e [t CO2e]
        credit = np.array([sc.grid_ef_t_per_mwh * LHV_MJ_PER_NM3_0C * un.eff_el / 3600.0 * (1.0 - un.own)
                           + (sc.heat_ef_t_per_gj * LHV_MJ_PER_NM3_0C * un.eff_heat / 1000.0 if un.heat_used
                              else 0.0) for un in units])
        per_ch4 = RHO_T_PER_NM3 * (gwp * (1.0 - eta) + CO2_PER_CH4_T_PER_T * eta) - credit
        c[xi] = pure_per_x * per_ch4[u_of_link][:, None]
        c[uv + np.arange(S)[:, None] * T + tt] = RHO_T_PER_NM3 * gwp * conc / 100.0 * minutes
        for i, ci in enumerate(soft):
            c[ush + i] = float(contracts[ci][1].shortfall_penalty_yuan_per_nm3 or 0.0) * 1e-6
    return Model(sc, c, a, np.concatenate(lo), np.concatenate(hi), col_lo, col_hi, integer, maximize, offset, T,
                 minutes, [s.id for s in sc.sources], [u.id for u in units], link_src, link_unit, avail, conc,
                 units, col, rows, step_start=step_start, contracts=contracts, holders=holders)


# --- solving and reading back --------------------------------------------------------------------------------

@dataclass
class Allocation:
    """Solution of a scenario.

    Frames (long format, flows Nm³/min at 0 °C, volumes per step in Nm³): ``schedule`` (per step and link),
    ``units`` (per step and unit: on/off, inlet flow and concentration, CH4 in and destroyed, energy), ``unused``
    (per step and source: vented flow and CH4), ``storage`` (holder levels), ``shadow_prices`` (per constraint
    group, entity and step: the LP dual with binaries fixed), ``binding`` (rows at a bound with a non-zero dual).
    """

    scenario: str
    objective: Objective
    status: str
    optimal: bool
    objective_value: float
    mip_gap: float | None
    seconds_build: float
    seconds_solve: float
    size: dict[str, int]
    totals: dict[str, float]
    schedule: pd.DataFrame
    units: pd.DataFrame
    unused: pd.DataFrame
    storage: pd.DataFrame
    shadow_prices: pd.DataFrame
    binding: pd.DataFrame
    notes: list[str] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        return {"scenario": self.scenario, "objective": self.objective, "status": self.status,
                "optimal": self.optimal, "objective_value": self.objective_value, "mip_gap": self.mip_gap,
                "seconds_build": self.seconds_build, "seconds_solve": self.seconds_solve, "size": self.size,
                "totals": self.totals, "notes": self.notes, "ref_state": "0C"}


def _row_labels(m: Model) -> list[tuple[str, str, int | str]]:
    sc = m.scenario
    out: list[tuple[str, str, int | str]] = []
    for kind, _start, shape in m.rows:
        if kind == "balance":
            out += [(kind, s, t) for s in m.source_ids for t in range(m.steps)]
        elif kind == "level":
            out += [(kind, h.id, t) for h in m.holders for t in range(m.steps)]
        elif kind in ("capacity", "min_load", "conc_min", "conc_max"):
            out += [(kind, u, t) for u in m.unit_ids for t in range(m.steps)]
        elif kind == "contract":
            out += [(kind, m.unit_ids[k], per) for (k, _cs, per, _ts) in m.contracts]
        else:  # pragma: no cover
            out += [(kind, "?", i) for i in range(int(np.prod(shape)))]
    del sc
    return out


def solve_model(m: Model, *, mip_rel_gap: float | None = None, time_limit_s: float | None = None,
                threads: int | None = None, duals: bool = True) -> tuple[LpResult, LpResult | None]:
    """Solve the MILP (or LP), then, if ``duals``, the LP with the on/off decisions fixed (for shadow prices)."""
    sc = m.scenario
    res = solve(m.c, m.a, m.row_lo, m.row_hi, m.col_lo, m.col_hi, maximize=m.maximize, integer=m.integer,
                mip_rel_gap=sc.mip_rel_gap if mip_rel_gap is None else mip_rel_gap,
                time_limit_s=sc.time_limit_s if time_limit_s is None else time_limit_s,
                threads=sc.threads if threads is None else threads, feasibility_tol=1e-7, offset=m.offset)
    fixed: LpResult | None = None
    if duals and res.has_solution:
        if m.integer.any():
            lo, hi = m.col_lo.copy(), m.col_hi.copy()
            yv = np.round(res.x[m.integer])
            lo[m.integer] = yv
            hi[m.integer] = yv
            fixed = solve(m.c, m.a, m.row_lo, m.row_hi, lo, hi, maximize=m.maximize, feasibility_tol=1e-7,
                          offset=m.offset, threads=sc.threads if threads is None else threads)
        else:
            fixed = res
    return res, fixed


def allocate(sc: Scenario, base: Path | None = None, *, catalog: Catalog | None = None,
             mip_rel_gap: float | None = None, time_limit_s: float | None = None, threads: int | None = None,
             duals: bool = True) -> Allocation:
    """Build, solve and read back a scenario.

    Raises
    ------
    InfeasibleError
        When hard constraints cannot all hold (e.g. a contract minimum above what the sources can deliver); the
        message names the constraint groups whose relaxation makes it feasible.
    """
    t0 = time.perf_counter()
    m = build_model(sc, base, catalog)
    t_build = time.perf_counter() - t0
    res, fixed = solve_model(m, mip_rel_gap=mip_rel_gap, time_limit_s=time_limit_s, threads=threads,
                             duals=duals)
    if not res.has_solution:
        groups = _diagnose(m) if res.status.lower().startswith("infeasible") else []
        raise InfeasibleError(f"scenario {sc.scenario!r}: no feasible allocation ({res.status})", groups)
    return read_solution(m, res, fixed, t_build)


def _diagnose(m: Model) -> list[str]:
    """Relax one constraint group at a time (contracts, minimum loads, holder final levels)."""
    out: list[str] = []
    for kind in ("contract", "min_load"):
        if not any(k == kind for k, _, _ in m.rows):
            continue
        lo, hi = m.row_lo.copy(), m.row_hi.copy()
        for k, start, shape in m.rows:
            if k == kind:
                n = int(np.prod(shape))
                lo[start:start + n] = -np.inf
                hi[start:start + n] = np.inf
        r = solve(m.c, m.a, lo, hi, m.col_lo, m.col_hi, maximize=m.maximize, integer=m.integer, mip_rel_gap=0.5)
        if r.has_solution:
            out.append({"contract": "contracts", "min_load": "minimum loads"}[kind])
    if m.holders:
        clo = m.col_lo.copy()
        start, (hh, tt) = m.col["level"]
        clo[start:start + hh * tt] = 0.0
        r = solve(m.c, m.a, m.row_lo, m.row_hi, clo, m.col_hi, maximize=m.maximize, integer=m.integer,
                  mip_rel_gap=0.5)
        if r.has_solution:
            out.append("gas-holder final levels")
    return out


def read_solution(m: Model, res: LpResult, fixed: LpResult | None, t_build: float = 0.0) -> Allocation:
    """Turn a solver result into frames and totals."""
    x = res.x
    T, M = m.steps, m.minutes
    L = m.link_src.size

    def blk(name: str) -> FloatArray:
        start, shape = m.col[name]
        n = int(np.prod(shape))
        return x[start:start + n].reshape(shape) if n else np.zeros(shape)

    xf = np.clip(blk("x"), 0.0, None)
    vent = np.clip(blk("vent"), 0.0, None)
    airv = np.clip(blk("air"), 0.0, None)
    on = np.round(blk("on"))
    conc_l = m.conc[m.link_src]
    pure_l = xf * conc_l / 100.0
    ts = pd.DatetimeIndex(m.step_start)
    sched = pd.DataFrame({
        "step": np.tile(np.arange(T), L), "start": np.tile(ts, L),
        "source": np.repeat([m.source_ids[s] for s in m.link_src], T),
        "unit": np.repeat([m.unit_ids[u] for u in m.link_unit], T),
        "flow_nm3_min": xf.reshape(-1), "ch4_pct": conc_l.reshape(-1), "ch4_nm3_min": pure_l.reshape(-1)})
    sched = sched[sched["flow_nm3_min"] > 1e-9].reset_index(drop=True)
    U = len(m.units)
    inflow = np.zeros((U, T))
    pure_in = np.zeros((U, T))
    np.add.at(inflow, m.link_unit, xf)
    np.add.at(pure_in, m.link_unit, pure_l)
    air_units = [k for k, u in enumerate(m.units) if u.air]
    air_full = np.zeros((U, T))
    if air_units:
        air_full[air_units] = airv
    on_full = np.where(inflow + air_full > 1e-9, 1.0, 0.0)
    com_units = [k for k, u in enumerate(m.units) if u.commit]
    if com_units:
        on_full[com_units] = on
    eta = np.array([u.eta for u in m.units])[:, None]
    kwh = np.array([LHV_MJ_PER_NM3_0C * u.eff_el / 3.6 for u in m.units])[:, None]
    own = np.array([u.own for u in m.units])[:, None]
    gj = np.array([LHV_MJ_PER_NM3_0C * u.eff_heat / 1000.0 if u.heat_used else 0.0 for u in m.units])[:, None]
    tot = inflow + air_full
    with np.errstate(invalid="ignore", divide="ignore"):
        inlet_pct = np.where(tot > 0, 100.0 * pure_in / tot, 0.0)
    ch4_step = pure_in * M
    units_df = pd.DataFrame({
        "step": np.tile(np.arange(T), U), "start": np.tile(ts, U), "unit": np.repeat(m.unit_ids, T),
        "technology": np.repeat([u.technology for u in m.units], T), "on": on_full.reshape(-1).astype(int),
        "inlet_flow_nm3_min": tot.reshape(-1), "air_nm3_min": air_full.reshape(-1),
        "inlet_ch4_pct": inlet_pct.reshape(-1), "ch4_in_nm3": ch4_step.reshape(-1),
        "ch4_destroyed_nm3": (ch4_step * eta).reshape(-1),
        "electricity_net_kwh": (ch4_step * kwh * (1 - own)).reshape(-1), "heat_gj": (ch4_step * gj).reshape(-1)})
    S = len(m.source_ids)
    unused = pd.DataFrame({
        "step": np.tile(np.arange(T), S), "start": np.tile(ts, S), "source": np.repeat(m.source_ids, T),
        "available_nm3_min": m.avail.reshape(-1), "vented_nm3_min": vent.reshape(-1),
        "vented_ch4_nm3": (vent * m.conc / 100.0 * M).reshape(-1)})
    stor_rows = []
    if m.holders:
        lev, chg, dis = blk("level"), blk("charge"), blk("discharge")
        for j, h in enumerate(m.holders):
            stor_rows.append(pd.DataFrame({"step": np.arange(T), "start": ts, "holder": h.id, "source": h.source,
                                           "level_nm3": lev[j], "charge_nm3_min": chg[j],
                                           "discharge_nm3_min": dis[j]}))
    storage = pd.concat(stor_rows, ignore_index=True) if stor_rows else pd.DataFrame(
        columns=["step", "start", "holder", "source", "level_nm3", "charge_nm3_min", "discharge_nm3_min"])
    # duals
    shadow = pd.DataFrame(columns=["constraint", "entity", "step", "dual", "unit"])
    binding = pd.DataFrame(columns=["constraint", "entity", "step", "dual", "activity", "bound"])
    if fixed is not None and fixed.dual_valid:
        labels = _row_labels(m)
        rd = fixed.row_dual
        sign = 1.0
        per = {"balance": "objective per (Nm³/min for one step)", "capacity": "objective per (Nm³/min for one step)",
               "min_load": "objective per (Nm³/min for one step)", "conc_min": "objective per (%·Nm³/min)",
               "conc_max": "objective per (%·Nm³/min)", "level": "objective per Nm³",
               "contract": "objective per Nm³ CH4"}
        shadow = pd.DataFrame({"constraint": [lb[0] for lb in labels], "entity": [lb[1] for lb in labels],
                               "step": [lb[2] for lb in labels], "dual": sign * rd,
                               "unit": [per.get(lb[0], "") for lb in labels]})
        act = fixed.row_value
        at_lo = np.isfinite(m.row_lo) & (np.abs(act - m.row_lo) <= 1e-6 * np.maximum(1.0, np.abs(m.row_lo)))
        at_hi = np.isfinite(m.row_hi) & (np.abs(act - m.row_hi) <= 1e-6 * np.maximum(1.0, np.abs(m.row_hi)))
        eq = np.isfinite(m.row_lo) & (m.row_lo == m.row_hi)
        tight = (at_lo | at_hi) & (np.abs(rd) > 1e-9) & ~eq
        tight |= eq & (np.abs(rd) > 1e-9)
        idx = np.flatnonzero(tight)
        binding = pd.DataFrame({"constraint": [labels[i][0] for i in idx], "entity": [labels[i][1] for i in idx],
                                "step": [labels[i][2] for i in idx], "dual": rd[idx], "activity": act[idx],
                                "bound": np.where(at_hi[idx], m.row_hi[idx], m.row_lo[idx])})
        # link capacities (column bounds)
        xs, _ = m.col["x"]
        cd = fixed.col_dual[xs:xs + L * T].reshape(L, T)
        cap = m.col_hi[xs:xs + L * T].reshape(L, T)
        xl = fixed.x[xs:xs + L * T].reshape(L, T)
        hit = np.isfinite(cap) & (np.abs(xl - cap) <= 1e-6 * np.maximum(1.0, cap)) & (np.abs(cd) > 1e-9)
        li, ti = np.nonzero(hit)
        if li.size:
            extra = pd.DataFrame({"constraint": "link_capacity",
                                  "entity": [f"{m.source_ids[m.link_src[i]]}→{m.unit_ids[m.link_unit[i]]}"
                                             for i in li], "step": ti, "dual": cd[li, ti],
                                  "activity": xl[li, ti], "bound": cap[li, ti]})
            binding = pd.concat([binding, extra], ignore_index=True)
        if m.holders:
            ls, (hh, _) = m.col["level"]
            lcd = fixed.col_dual[ls:ls + hh * T].reshape(hh, T)
            lvl = fixed.x[ls:ls + hh * T].reshape(hh, T)
            lcap = np.array([h.capacity_nm3 for h in m.holders])[:, None]
            hit = (np.abs(lvl - lcap) <= 1e-6 * np.maximum(1.0, lcap)) & (np.abs(lcd) > 1e-9)
            hi_, ti = np.nonzero(hit)
            if hi_.size:
                extra = pd.DataFrame({"constraint": "holder_capacity", "entity": [m.holders[i].id for i in hi_],
                                      "step": ti, "dual": lcd[hi_, ti], "activity": lvl[hi_, ti],
                                      "bound": lcap[hi_, 0]})
                binding = pd.concat([binding, extra], ignore_index=True)
    destroyed = float(units_df["ch4_destroyed_nm3"].sum())
    t_destroyed = destroyed * RHO_T_PER_NM3
    gwp = gwp_value(m.scenario.gwp.set, m.scenario.gwp.horizon)
    vented = float(unused["vented_ch4_nm3"].sum())
    ch4_in = float(units_df["ch4_in_nm3"].sum())
    totals = {
        "ch4_available_nm3": float((m.avail * m.conc / 100.0).sum() * M),
        "ch4_in_units_nm3": ch4_in, "ch4_destroyed_nm3": destroyed, "ch4_destroyed_t": t_destroyed,
        "ch4_vented_nm3": vented, "ch4_slip_nm3": ch4_in - destroyed,
        "electricity_net_kwh": float(units_df["electricity_net_kwh"].sum()),
        "heat_gj": float(units_df["heat_gj"].sum()),
        "co2e_net_avoided_t": t_destroyed * (gwp - CO2_PER_CH4_T_PER_T),
        "co2e_emitted_t": (vented + ch4_in - destroyed) * RHO_T_PER_NM3 * gwp + t_destroyed * CO2_PER_CH4_T_PER_T,
    }
    notes = [f"GWP {m.scenario.gwp.set} {m.scenario.gwp.horizon} yr = {gwp:g}; CH4 density real-0C "
             f"{RHO_T_PER_NM3 * 1000:g} kg/Nm³; flows at 0 °C, 101.325 kPa"]
    if m.integer.any():
        notes.append("shadow prices are LP duals with the on/off decisions fixed at the MILP solution")
    return Allocation(m.scenario.scenario, m.scenario.objective, res.status, res.optimal, res.objective,
                      res.mip_gap, t_build, res.seconds + (fixed.seconds if fixed is not None and fixed is not res
                                                           else 0.0),
                      m.size, totals, sched, units_df, unused, storage, shadow, binding, notes)


# --- a deterministic synthetic region (benchmarks, tests, demos) -----------------------------------------------

def synthetic_scenario(n_sources: int = 100, n_units: int = 50, steps: int = 365, links_per_source: int = 3,
                       seed: int = 7, holders: int = 10, contracts: int = 5,
                       objective: Objective = "max_profit") -> Scenario:
    """A synthetic region: drained high (30–60 %) and low (3–8 %) concentration stations and VAM shafts
    (0.2–0.6 %), gas engines, low-concentration engines, thermal islands and RTOs with minimum loads, sparse
    links (each source reaches ``links_per_source`` compatible units), gas holders on high-concentration
    sources and monthly contract minimums on some units — so the model links time steps.

    Flows decline slowly, vary day to day and stop on maintenance days. Deterministic for a given seed.
    """
    rng = np.random.default_rng(seed)
    t = np.arange(steps)
    kinds = rng.choice(["high", "low", "vam"], size=n_sources, p=[0.4, 0.3, 0.3])
    sources: list[dict[str, Any]] = []
    for i, k in enumerate(kinds):
        decline = np.exp(-rng.uniform(0.0, 0.3) * t / 365.0)
        noise = np.clip(1.0 + 0.15 * rng.standard_normal(steps), 0.3, 1.7)
        stop = rng.random(steps) < 0.02
        if k == "high":
            base, pct = rng.uniform(10, 60), rng.uniform(30, 60)
            c: float | list[float] = round(float(pct), 2)
        elif k == "low":
            base, pct = rng.uniform(50, 300), rng.uniform(3, 8)
            c = list(np.round(np.clip(pct + 0.5 * rng.standard_normal(steps), 2.5, 9.0), 3))
        else:
            base, pct = rng.uniform(5000, 15000), rng.uniform(0.2, 0.6)
            c = list(np.round(np.clip(pct + 0.03 * rng.standard_normal(steps), 0.1, 0.75), 4))
        flow = np.where(stop, 0.0, base * decline * noise)
        sources.append({"id": f"S{i:03d}", "mine": f"M{i // 3:03d}", "kind": "vam" if k == "vam" else "drained",
                        "flow_nm3_min": list(np.round(flow, 3)), "ch4_pct": c})
    ukinds = rng.choice(["gas-engine", "low-conc-gas-engine", "thermal-island", "rto-vam"], size=n_units,
                        p=[0.35, 0.2, 0.15, 0.3])
    units: list[dict[str, Any]] = []
    for j, k in enumerate(ukinds):
        cap = {"gas-engine": rng.uniform(20, 80), "low-conc-gas-engine": rng.uniform(50, 200),
               "thermal-island": rng.uniform(100, 400), "rto-vam": rng.uniform(3000, 12000)}[k]
        price = {"gas-engine": 0.4048, "low-conc-gas-engine": 0.4048, "thermal-island": 0.4048,
                 "rto-vam": 0.332}[k]
        units.append({"id": f"U{j:03d}", "technology": str(k), "capacity_flow_nm3_min": round(float(cap), 2),
                      "price_electricity_yuan_per_kwh": price, "subsidy_yuan_per_nm3_ch4": 0.3,
                      "var_cost_yuan_per_nm3_ch4": 0.05, "fixed_cost_yuan_per_step_on": round(float(cap), 1)})
    # compatible units per source kind: high → engines (and RTO top-up); low → low-conc engines, thermal islands
    # (with air) and RTO top-up; vam → RTOs
    fits = {"high": ("gas-engine", "low-conc-gas-engine", "rto-vam"),
            "low": ("thermal-island", "low-conc-gas-engine", "rto-vam"), "vam": ("rto-vam",)}
    links: list[dict[str, Any]] = []
    for i, k in enumerate(kinds):
        cand = [j for j, uk in enumerate(ukinds) if uk in fits[str(k)]]
        if not cand:
            continue
        pick = rng.choice(cand, size=min(links_per_source, len(cand)), replace=False)
        for j in sorted(int(p) for p in pick):
            links.append({"from": f"S{i:03d}", "to": f"U{j:03d}",
                          "cost_yuan_per_nm3": round(float(rng.uniform(0.0, 0.002)), 5)})
    highs = [i for i, k in enumerate(kinds) if k == "high"][:holders]
    storage = [{"id": f"H{i:03d}", "source": f"S{i:03d}", "capacity_nm3": 2.0e5, "initial_nm3": 5.0e4}
               for i in highs]
    linked_units = sorted({int(ln["to"][1:]) for ln in links if units[int(ln["to"][1:])]["technology"] ==
                           "gas-engine"})
    for j in linked_units[:contracts]:
        monthly = float(units[j]["capacity_flow_nm3_min"]) * 0.3 * 0.2 * 1440 * 30
        units[j]["contracts"] = [{"period": "month", "min_ch4_nm3": round(monthly, 0),
                                  "shortfall_penalty_yuan_per_nm3": 2.0}]
    return Scenario.model_validate({
        "scenario": f"synthetic-{n_sources}x{n_units}x{steps}", "start": "2025-01-01", "steps": steps,
        "step_hours": 24, "objective": objective, "sources": sources, "units": units, "links": links,
        "storage": storage, "mip_rel_gap": 0.01})
