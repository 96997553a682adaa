"""The scenario model: one project evaluated by the cash-flow engine, loaded from YAML or TOML.

The schema (documented in docs/economics.md) is a pydantic model with the unit in every field name. Values left
out are taken from the policy library (``policy.*`` parameter sets) and recorded with their citation; a value given
in the scenario always wins. Validation errors name the file, the field (dotted path) and, for YAML, the line.

Shipped scenarios (the seed report's five cases, WestVAMP, Gaohe) are TOML files under
``src/minegas/data/scenarios/`` — TOML so that the parameter-set catalog, which reads every ``*.yaml`` under
``src/minegas/data``, does not mistake them for parameter sets. User scenarios may be YAML or TOML.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from minegas.errors import InputError, Problem

SCENARIO_DIR = Path(__file__).resolve().parent.parent / "data" / "scenarios"
"""Where the shipped scenarios live."""

SHIPPED = ("sanzhang", "zhaiyadi", "chengzhuang-baisha", "fuyan", "bofang", "westvamp", "gaohe")
"""The seven shipped scenarios, in the seed report's order, then the two research-note plants."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _month(v: Any) -> dt.date | None:
    if v is None:
        return None
    if isinstance(v, dt.datetime):
        return dt.date(v.year, v.month, 1)
    if isinstance(v, dt.date):
        return dt.date(v.year, v.month, 1)
    s = str(v).strip()
    if len(s) == 7:
        y, m = s.split("-")
        return dt.date(int(y), int(m), 1)
    d = dt.date.fromisoformat(s)
    return dt.date(d.year, d.month, 1)


class Timeline(_Strict):
    """Calendar: year 0 is the investment year; operation starts in ``operation_start`` (YYYY-MM, year ≥ 1)."""

    start_year: int = Field(ge=1990, le=2100, description="calendar year of t = 0 (investment)")
    operating_years: int = Field(ge=1, le=60, description="operating life N [yr]")
    operation_start: dt.date | None = Field(default=None, description="first operating month (grid connection), YYYY-MM")
    commissioning_months: int = Field(default=0, ge=0, le=60)
    commissioning_load_frac: float = Field(default=1.0, ge=0.0, le=1.0)
    monthly_shape: tuple[float, ...] | None = Field(default=None, description="12 output weights Jan…Dec")

    @field_validator("operation_start", mode="before")
    @classmethod
    def _m(cls, v: Any) -> dt.date | None:
        return _month(v)

    @property
    def start(self) -> dt.date:
        return self.operation_start or dt.date(self.start_year + 1, 1, 1)


class Supply(_Strict):
    """Pure CH4 available to the plant (Nm³ at 0 °C unless a state is named)."""

    profile: Literal["constant", "decline", "series", "monitoring"] = "constant"
    ch4_nm3_per_year: float | None = Field(default=None, ge=0)
    ch4_flow_nm3_min: float | None = Field(default=None, ge=0)
    mixed_flow_m3_per_h: float | None = Field(default=None, ge=0)
    mixed_flow_state: Literal["0C", "20C", "60F"] = "0C"
    mixed_flow_scfm: float | None = Field(default=None, ge=0)
    ch4_pct: float | None = Field(default=None, ge=0, le=100)
    decline_frac_per_year: float = Field(default=0.0, ge=0.0, lt=1.0)
    series_ch4_nm3: list[float] | None = None
    monthly_ch4_nm3: list[float] | None = None
    fit_decline: bool = True
    kind: Literal["vam", "drained"] = "drained"
    diluted_from_pct: float | None = Field(default=None, ge=0, le=100)

    @model_validator(mode="after")
    def _one_level(self) -> Supply:
        if self.profile in ("constant", "decline"):
            given = [n for n in ("ch4_nm3_per_year", "ch4_flow_nm3_min", "mixed_flow_m3_per_h", "mixed_flow_scfm")
                     if getattr(self, n) is not None]
            if len(given) != 1:
                raise ValueError("give exactly one supply level: ch4_nm3_per_year, ch4_flow_nm3_min, "
                                 f"mixed_flow_m3_per_h (+ ch4_pct) or mixed_flow_scfm (+ ch4_pct); got {given or 'none'}")
            if given[0].startswith("mixed") and self.ch4_pct is None:
                raise ValueError("a mixed flow needs ch4_pct")
        if self.profile == "series" and not self.series_ch4_nm3:
            raise ValueError("profile 'series' needs series_ch4_nm3 (one value per operating year)")
        if self.profile == "monitoring" and not self.monthly_ch4_nm3:
            raise ValueError("profile 'monitoring' needs monthly_ch4_nm3 (monthly pure CH4, oldest first)")
        return self


class Plant(_Strict):
    """The utilization plant: how gas becomes power, heat or product."""

    technology: Literal["power", "heat", "chp", "gas-sales", "oxidation"]
    capacity_kw: float | None = Field(default=None, gt=0, description="electrical capacity [kW] (power, chp)")
    intake_ch4_nm3_per_h: float | None = Field(default=None, gt=0)
    intake_mixed_nm3_per_h: float | None = Field(default=None, gt=0)
    intake_ch4_pct: float | None = Field(default=None, gt=0, le=100)
    operating_hours_per_year: float = Field(default=8000.0, gt=0, le=8760)
    destruction_frac: float = Field(default=0.99, ge=0.0, le=1.0)
    flameless_oxidation: bool = False
    electrical_efficiency_frac: float = Field(default=0.0, ge=0.0, le=0.65)
    parasitic_frac: float = Field(default=0.0, ge=0.0, lt=1.0)
    grid_export_frac: float = Field(default=1.0, ge=0.0, le=1.0)
    heat_efficiency_frac: float = Field(default=0.0, ge=0.0, le=1.0)
    heat_demand_gj_per_year: float | None = Field(default=None, ge=0)
    steam_t_per_h: float | None = Field(default=None, gt=0)
    steam_enthalpy_gj_per_t: float | None = Field(default=None, gt=0)
    heating_hours_per_year: float | None = Field(default=None, gt=0, le=8760)
    heat_use: Literal["none", "sold", "natural-gas", "coal"] = "none"
    product_ch4_pct: float | None = Field(default=None, gt=0, le=100)
    tail_ch4_pct: float | None = Field(default=None, ge=0, le=100)
    feed_ch4_pct: float | None = Field(default=None, gt=0, le=100)
    product_recovery_frac: float | None = Field(default=None, gt=0, le=1.0)
    sold_gas_counts_as_destroyed: bool = True

    @model_validator(mode="after")
    def _consistent(self) -> Plant:
        if self.intake_mixed_nm3_per_h is not None and self.intake_ch4_pct is None:
            raise ValueError("intake_mixed_nm3_per_h needs intake_ch4_pct")
        if self.technology in ("power", "chp") and (self.capacity_kw is None or self.electrical_efficiency_frac <= 0):
            raise ValueError("power and chp plants need capacity_kw and electrical_efficiency_frac > 0")
        if self.technology in ("heat", "chp") and self.heat_efficiency_frac <= 0:
            raise ValueError("heat and chp plants need heat_efficiency_frac > 0")
        if self.technology == "gas-sales" and self.product_recovery_frac is None and (
                self.product_ch4_pct is None or self.tail_ch4_pct is None or self.feed_ch4_pct is None):
            raise ValueError("gas-sales plants need product_recovery_frac, or feed_ch4_pct, product_ch4_pct and "
                             "tail_ch4_pct for the mass balance")
        steam = [self.steam_t_per_h, self.steam_enthalpy_gj_per_t, self.heating_hours_per_year]
        if any(s is not None for s in steam) and not all(s is not None for s in steam):
            raise ValueError("a steam heat demand needs steam_t_per_h, steam_enthalpy_gj_per_t and "
                             "heating_hours_per_year together")
        if self.heat_demand_gj_per_year is not None and self.steam_t_per_h is not None:
            raise ValueError("give heat_demand_gj_per_year or a steam demand, not both")
        return self


class Prices(_Strict):
    """Prices in year-0 terms [元], escalated from year 1 by ``finance.energy_escalation_frac``."""

    electricity_to_mine_yuan_per_kwh: float = Field(default=0.0, ge=0)
    heat_yuan_per_gj: float = Field(default=0.0, ge=0)
    gas_sale_yuan_per_nm3: float = Field(default=0.0, ge=0, description="per Nm³ pure CH4 sold")
    natural_gas_yuan_per_nm3: float = Field(default=0.0, ge=0)
    natural_gas_lhv_mj_per_nm3: float = Field(default=35.8, gt=0)
    displaced_boiler_efficiency_frac: float = Field(default=0.9, gt=0, le=1.0)
    standard_coal_yuan_per_t: float = Field(default=0.0, ge=0)
    gas_cost_yuan_per_nm3: float = Field(default=0.0, ge=0, description="paid for gas used, per Nm³ pure CH4")
    include_vat: bool = True
    power_to_mine_is_sale: bool = True


class Tariff(_Strict):
    """Grid tariff for exported power."""

    kind: Literal["none", "shanxi", "flat"] = "none"
    scheme: Literal["yishou-dingzhi", "low-price", "coal-base"] = "yishou-dingzhi"
    approval_date: dt.date | None = None
    approval_cutoff: dt.date | None = None
    grid_connection: dt.date | None = None
    clearing_lag_years: int | None = Field(default=None, ge=0, le=10)
    deferral_years: int | None = Field(default=None, ge=0, le=20)
    paid_on_time_frac: float | None = Field(default=None, ge=0.0, le=1.0)
    price_yuan_per_kwh: float | None = Field(default=None, ge=0)
    adder_yuan_per_kwh: float = Field(default=0.0, ge=0)
    adder_years: int | None = Field(default=None, ge=1, le=60)
    commissioning_price_frac: float | None = Field(default=None, ge=0.0, le=1.0)
    escalation_frac: float = Field(default=0.0, gt=-1.0)

    @field_validator("grid_connection", mode="before")
    @classmethod
    def _m(cls, v: Any) -> dt.date | None:
        return _month(v)

    @model_validator(mode="after")
    def _flat(self) -> Tariff:
        if self.kind == "flat" and self.price_yuan_per_kwh is None:
            raise ValueError("a flat tariff needs price_yuan_per_kwh")
        return self


class Subsidies(_Strict):
    """Utilization subsidies, one-off awards and capital grants."""

    utilization_yuan_per_nm3: float | None = Field(default=None, ge=0)
    utilization_policies: list[str] = Field(default_factory=list)
    utilization_mode: Literal["fixed", "tiered"] = "fixed"
    tiered_yuan_per_award_nm3: float | None = Field(default=None, ge=0)
    utilization_basis: Literal["used", "destroyed"] = "used"
    utilization_years: int | None = Field(default=None, ge=1)
    mine_utilization_frac: float | None = Field(default=None, ge=0.0, le=1.0,
                                                description="the mine's gas utilization rate (Guizhou award tiers)")
    one_off_yuan: float = Field(default=0.0, ge=0)
    one_off_year: int = Field(default=1, ge=0)
    capex_grant_frac: float = Field(default=0.0, ge=0.0, le=1.0)
    grant_reduces_depreciation: bool = True
    taxable: bool = True


class CarbonSource(_Strict):
    """One gas stream in the blend a plant destroys, for the CCER eligibility check (its share of the pure CH4)."""

    name: str
    kind: Literal["vam", "drained"]
    ch4_pct: float = Field(ge=0, le=100)
    ch4_share_frac: float = Field(gt=0, le=1.0)
    diluted_from_pct: float | None = Field(default=None, ge=0, le=100)


class Carbon(_Strict):
    """Carbon credits (CCER-10-001-V01 by default). ``sources`` describes a blend stream by stream; without it the
    supply's own kind and concentration are checked."""

    enabled: bool = False
    price_yuan_per_t: float | None = Field(default=None, ge=0)
    escalation_frac: float = Field(default=0.0, gt=-1.0)
    networking: dt.date | None = None
    trial_months: int | None = Field(default=None, ge=0)
    crediting_years: int | None = Field(default=None, ge=1)
    convention: Literal["gross", "net", "displaced"] | None = None
    require_eligibility: bool = True
    sources: list[CarbonSource] = Field(default_factory=list)

    @model_validator(mode="after")
    def _shares(self) -> Carbon:
        if self.sources and abs(sum(s.ch4_share_frac for s in self.sources) - 1.0) > 1e-6:
            raise ValueError("the sources' ch4_share_frac must sum to 1")
        return self

    @field_validator("networking", mode="before")
    @classmethod
    def _m(cls, v: Any) -> dt.date | None:
        return _month(v)


class Emissions(_Strict):
    """CO2e and standard-coal conventions (docs/conventions.md §3)."""

    gwp: str = "SAR"
    horizon: int = 100
    density: str = "real-0C"
    grid_ef_t_per_mwh: float | None = Field(default=None, ge=0)
    heat_ef_t_per_gj: float = Field(default=0.0, ge=0)
    grid_coal_rate_gce_per_kwh: float = Field(default=300.0, gt=0)
    coal_boiler_efficiency_frac: float = Field(default=0.7, gt=0, le=1.0)


class CapexItem(_Strict):
    """One investment component: ``yuan``, or ``unit_yuan × count``."""

    name: str
    yuan: float | None = Field(default=None, ge=0)
    unit_yuan: float | None = Field(default=None, ge=0)
    count: float = Field(default=1.0, ge=0)
    year: int = Field(default=0, ge=0, description="year of the spend (0 = investment year)")
    note: str | None = None

    @model_validator(mode="after")
    def _amount(self) -> CapexItem:
        if (self.yuan is None) == (self.unit_yuan is None):
            raise ValueError("give yuan, or unit_yuan (with count)")
        return self

    @property
    def total_yuan(self) -> float:
        return float(self.yuan) if self.yuan is not None else float(self.unit_yuan or 0.0) * self.count


class Capex(_Strict):
    items: list[CapexItem] = Field(min_length=1)
    input_vat_frac: float = Field(default=0.0, ge=0.0, le=1.0, description="share of capex that is VAT-deductible purchases")

    @property
    def total_yuan(self) -> float:
        return sum(i.total_yuan for i in self.items)


class PeriodicCost(_Strict):
    name: str
    yuan: float = Field(ge=0)
    every_years: int = Field(ge=1)


class Opex(_Strict):
    fixed_yuan_per_year: float = Field(default=0.0, ge=0)
    fixed_frac_of_capex: float = Field(default=0.0, ge=0.0, le=0.5)
    variable_yuan_per_nm3: float = Field(default=0.0, ge=0, description="per Nm³ pure CH4 used")
    variable_yuan_per_kwh: float = Field(default=0.0, ge=0, description="per kWh gross generated")
    periodic: list[PeriodicCost] = Field(default_factory=list)
    input_vat_frac: float = Field(default=0.0, ge=0.0, le=1.0)


class Finance(_Strict):
    discount_rate_frac: float = Field(default=0.08, gt=-1.0, lt=1.0)
    npv_convention: Literal["t0", "excel"] = "t0"
    inflation_frac: float = Field(default=0.0, gt=-1.0, lt=1.0)
    energy_escalation_frac: float = Field(default=0.0, gt=-1.0, lt=1.0)
    debt_frac: float = 0.0
    interest_rate_frac: float = Field(default=0.05, ge=0.0, lt=1.0)
    debt_term_years: int = Field(default=10, ge=1, le=40)
    dscr_target: float | None = Field(default=None, gt=0)
    mirr_finance_rate_frac: float | None = None
    mirr_reinvest_rate_frac: float | None = None
    salvage_frac: float = Field(default=0.0, ge=0.0, le=1.0, description="residual value received at the end of life")


class Tax(_Strict):
    income_tax_rate_frac: float | None = Field(default=None, ge=0.0, lt=1.0)
    depreciation_years: int | None = Field(default=None, ge=1, le=60)
    salvage_frac: float | None = Field(default=None, ge=0.0, lt=1.0)
    loss_carryforward_years: int | None = Field(default=None, ge=0, le=20)
    holiday_exempt_years: int | None = Field(default=None, ge=0, le=10)
    holiday_half_years: int | None = Field(default=None, ge=0, le=10)
    vat_enabled: bool = True
    vat_refund_frac: float | None = Field(default=None, ge=0.0, le=1.0, description="refund of VAT paid on power sales")
    vat_refund_lag_years: int = Field(default=0, ge=0, le=5)
    vat_refund_taxable: bool | None = None


class RiskVariable(_Strict):
    """A drawn parameter. ``dist``: normal (mean, sd), lognormal (median, sigma), uniform (low, high),
    triangular / pert (low, mode, high). Values are absolute (same unit as the parameter)."""

    name: str
    dist: Literal["normal", "lognormal", "uniform", "triangular", "pert"]
    mean: float | None = None
    sd: float | None = Field(default=None, gt=0)
    median: float | None = Field(default=None, gt=0)
    sigma: float | None = Field(default=None, gt=0)
    low: float | None = None
    mode: float | None = None
    high: float | None = None

    @model_validator(mode="after")
    def _params(self) -> RiskVariable:
        need = {"normal": ("mean", "sd"), "lognormal": ("median", "sigma"), "uniform": ("low", "high"),
                "triangular": ("low", "mode", "high"), "pert": ("low", "mode", "high")}[self.dist]
        missing = [n for n in need if getattr(self, n) is None]
        if missing:
            raise ValueError(f"{self.dist} needs {', '.join(need)} (missing {', '.join(missing)})")
        if self.low is not None and self.high is not None and not self.low < self.high:
            raise ValueError("low must be < high")
        if self.mode is not None and self.low is not None and self.high is not None and not (
                self.low <= self.mode <= self.high):
            raise ValueError("mode must lie within [low, high]")
        return self


class Correlation(_Strict):
    a: str
    b: str
    rho: float = Field(ge=-1.0, le=1.0)


class Risk(_Strict):
    draws: int = Field(default=500, ge=10, le=2_000_000, description="RETScreen's default is 500")
    seed: int = 0
    variables: list[RiskVariable] = Field(default_factory=list)
    correlations: list[Correlation] = Field(default_factory=list)


class SensitivityVariable(_Strict):
    name: str
    low: float | None = None
    high: float | None = None


class Sensitivity(_Strict):
    swing_frac: float = Field(default=0.2, gt=0, lt=1.0, description="default ± swing when low/high are not given")
    variables: list[SensitivityVariable] = Field(default_factory=list)


class Scenario(_Strict):
    """A project scenario. See docs/economics.md for every field, its unit and default."""

    scenario: str = Field(min_length=1, description="identifier")
    title: dict[str, str] = Field(default_factory=dict)
    source: str | None = None
    notes: list[str] = Field(default_factory=list)
    timeline: Timeline
    supply: Supply
    plant: Plant
    prices: Prices = Field(default_factory=lambda: Prices())
    tariff: Tariff = Field(default_factory=lambda: Tariff())
    subsidies: Subsidies = Field(default_factory=lambda: Subsidies())
    carbon: Carbon = Field(default_factory=lambda: Carbon())
    emissions: Emissions = Field(default_factory=lambda: Emissions())
    capex: Capex
    opex: Opex = Field(default_factory=lambda: Opex())
    finance: Finance = Field(default_factory=lambda: Finance())
    tax: Tax = Field(default_factory=lambda: Tax())
    risk: Risk = Field(default_factory=lambda: Risk())
    sensitivity: Sensitivity = Field(default_factory=lambda: Sensitivity())
    origin: str | None = Field(default=None, exclude=True, description="file the scenario was read from")

    def with_updates(self, **sections: dict[str, Any]) -> Scenario:
        """A copy with fields of sections replaced, e.g. ``with_updates(tariff={"scheme": "low-price"})``.
        The original is never changed (scenarios are frozen)."""
        data = self.model_dump()
        for sec, upd in sections.items():
            if sec not in data or not isinstance(data[sec], dict):
                raise InputError("unknown scenario section", [Problem(f"no section {sec!r}", field=sec)])
            data[sec] = {**data[sec], **upd}
        return parse_scenario(data, self.origin or f"<{self.scenario}>")


# --- loading --------------------------------------------------------------------------------------------------

def _yaml_lines(text: str) -> dict[tuple[str, ...], int]:
    """Map of key paths (tuple of keys / list indices as strings) to 1-based line numbers in a YAML text."""
    out: dict[tuple[str, ...], int] = {}
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return out

    def walk(node: yaml.Node | None, path: tuple[str, ...]) -> None:
        if isinstance(node, yaml.MappingNode):
            for k, v in node.value:
                p = (*path, str(k.value))
                out[p] = k.start_mark.line + 1
                walk(v, p)
        elif isinstance(node, yaml.SequenceNode):
            for i, v in enumerate(node.value):
                p = (*path, str(i))
                out[p] = v.start_mark.line + 1
                walk(v, p)

    walk(root, ())
    return out


def parse_scenario(data: dict[str, Any], origin: str = "<memory>", lines: dict[tuple[str, ...], int] | None = None
                   ) -> Scenario:
    """Validate a mapping as a scenario; errors name ``origin``, the dotted field and (YAML) the line."""
    try:
        sc = Scenario.model_validate({**data, "origin": None})
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            loc = tuple(str(x) for x in err["loc"])
            line = None
            if lines:
                for k in range(len(loc), 0, -1):
                    if loc[:k] in lines:
                        line = lines[loc[:k]]
                        break
            problems.append(Problem(err["msg"], file=origin, line=line, field=".".join(loc) or None,
                                    value=None if err.get("input") is None or isinstance(err.get("input"), dict)
                                    else str(err.get("input"))[:80],
                                    fix="see docs/economics.md (scenario schema) for the field's unit and range"))
        raise InputError(f"{origin}: not a valid scenario", problems) from None
    return sc.model_copy(update={"origin": origin})


def load_scenario(path: str | Path) -> Scenario:
    """Load a scenario file (``.yaml``/``.yml`` or ``.toml``).

    Raises
    ------
    InputError
        Unreadable file, bad syntax (with the line), or an invalid scenario (file, line, field and fix).
    """
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(f"{p}: cannot read the scenario", [Problem(str(exc), file=str(p),
                                                                    fix="check the path")]) from None
    lines: dict[tuple[str, ...], int] | None = None
    if p.suffix.lower() == ".toml":
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise InputError(f"{p}: not valid TOML", [Problem(str(exc), file=str(p),
                                                              fix="correct the TOML syntax")]) from None
    elif p.suffix.lower() in (".yaml", ".yml"):
        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            raise InputError(f"{p}: not valid YAML", [Problem(str(exc).splitlines()[0], file=str(p),
                             line=(mark.line + 1) if mark else None, fix="correct the YAML syntax")]) from None
        lines = _yaml_lines(text)
    else:
        raise InputError(f"{p}: unknown scenario format", [Problem("the file must end in .yaml, .yml or .toml",
                                                                   file=str(p))])
    if not isinstance(data, dict):
        raise InputError(f"{p}: not a scenario", [Problem("the top level must be a mapping", file=str(p))])
    return parse_scenario(data, str(p), lines)


def resolve_scenario(name_or_path: str | Path) -> Scenario:
    """A scenario by file path, or by the name of a shipped scenario (e.g. ``bofang``)."""
    p = Path(name_or_path)
    if p.suffix.lower() in (".yaml", ".yml", ".toml") or p.exists():
        return load_scenario(p)
    shipped = SCENARIO_DIR / f"{name_or_path}.toml"
    if shipped.exists():
        return load_scenario(shipped)
    raise InputError("unknown scenario", [Problem(f"no file or shipped scenario named {str(name_or_path)!r}",
                                                  value=str(name_or_path),
                                                  fix=f"give a .yaml/.toml path or one of {', '.join(SHIPPED)}")])


def shipped_scenarios() -> dict[str, Scenario]:
    """The seven shipped scenarios by name."""
    return {n: load_scenario(SCENARIO_DIR / f"{n}.toml") for n in SHIPPED}
