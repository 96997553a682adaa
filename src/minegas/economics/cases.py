"""The seed report's published case figures against the engine: computed value, deviation and explanation.

The published figures and their sources are the reference parameter set ``reference.seed003.case-figures``
(``src/minegas/data/cases/published-figures.yaml``); the scenarios are ``src/minegas/data/scenarios/<case>.toml``.
Each row's computed value comes from evaluating the scenario with the gas physics — never from the table. Where
the two differ by more than :data:`TOLERANCE_PCT`, the row's explanation says why, with the arithmetic: the report's
own inconsistencies (SEEDS-DIGEST), the CO2e convention and the GWP a published CO2e implies (gross, net of
combustion CO2, with displaced power), or the tce convention (heating value vs displaced power at a coal rate).

Every row has its own computation (:data:`COMPUTE`); a row without one, or a deviating row without an explanation,
is reported as ``unexplained`` — the test suite fails on it.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np

from minegas.economics.evaluation import Evaluation, evaluate
from minegas.economics.scenario import SCENARIO_DIR, load_scenario
from minegas.physics.blending import two_stream_split
from minegas.physics.climate import GWP_SETS, implied_gwp
from minegas.physics.constants import CO2_PER_CH4_T_PER_T, MJ_PER_KGCE
from minegas.physics.density import ch4_mass_t
from minegas.physics.energy import LHV_MJ_PER_NM3_0C, heating_value_mj_per_m3

TOLERANCE_PCT = 2.0
"""A published figure is *reproduced* when the computed value is within ±2 % of it."""

FIGURES_ID = "reference.seed003.case-figures"

SHIPPED_CASES = ("sanzhang", "zhaiyadi", "chengzhuang-baisha", "fuyan", "bofang", "westvamp", "gaohe")
"""The cases in the table (the names of their scenarios)."""

WESTVAMP_YUAN_PER_AUD = 6.0
"""Exchange rate used to enter WestVAMP's A$30 M in 元 (assumption, range 4.5–6.5; scenario westvamp.toml)."""

WIND_PV_YUAN_PER_KW = 4000.0
"""Onshore wind / PV unit cost the seed compares against (seed 003 §5.1: 「单位千瓦造价4000元左右」)."""

ADSORBENT_YUAN_PER_T = 2.5e4
"""Mid-point of the seed's adsorbent price 2–3万元/t (§4.3.3)."""


@dataclass(frozen=True)
class CaseRow:
    """One published figure, the engine's value and the verdict."""

    case: str
    quantity: str
    label: str
    unit: str
    published: float
    computed: float | None
    deviation_pct: float | None
    explanation: str | None
    role: str
    source: str
    status: str  # input | reproduced | explained | unexplained
    note: str | None = None

    def as_json(self) -> dict[str, Any]:
        """The JSON object of ``minegas econ cases --json`` (exactly the documented keys)."""
        return {"case": self.case, "quantity": self.quantity, "unit": self.unit, "published": self.published,
                "computed": self.computed, "deviation_pct": self.deviation_pct, "explanation": self.explanation}


@dataclass(frozen=True)
class Ctx:
    """What a row computation sees: the evaluation and the column of the first full normal year."""

    e: Evaluation
    t_full: int

    def q(self, line: str) -> float:
        """A physical quantity in the first full normal operating year."""
        return float(self.e.line(line)[self.t_full])

    def money(self, line: str, esc: str = "escalation_energy") -> float:
        """A money line of the first full normal year in year-0 prices (divided by its escalation factor)."""
        return float(self.e.line(line)[self.t_full] / self.e.line(esc)[self.t_full])

    def base(self, name: str) -> float:
        return float(self.e.compiled.base[name])

    def price_paid(self, year: int) -> float:
        """Grid price paid at once per kWh exported in a calendar year [元/kWh]."""
        t = int(np.nonzero(self.e.batch.years == year)[0][0])
        kwh = float(self.e.line("power_grid_kwh")[t])
        return float(self.e.line("rev_grid_now")[t]) / kwh / float(self.e.line("escalation_tariff")[t])


Result = tuple[float | None, str | None]
Compute = Callable[[Ctx, float], Result]


def _first_full_year(e: Evaluation) -> int:
    st = e.compiled.static
    comm = e.compiled.calendar.commissioning_share()
    for t in range(st.n):
        if st.op_time[t] >= 1.0 - 1e-9 and comm[t] == 0.0:
            return t
    raise ValueError(f"{e.scenario.scenario}: no full operating year")  # pragma: no cover


def _nearest_gwp(g: float) -> str:
    best = min(((abs(v - g), f"{n} {h}-yr = {v:g}") for n, s in GWP_SETS.items() for h, v in s.values.items()),
               key=lambda x: x[0])
    return best[1]


def co2e_note(published_t: float, bases: list[tuple[str, float]], gwp_name: str) -> str:
    """Implied GWPs of a published CO2e figure on each CH4 basis (label, t CH4), gross and net of combustion CO2."""
    parts = []
    for label, ch4_t in bases:
        g = implied_gwp(published_t, ch4_t, "gross")
        gn = implied_gwp(published_t, ch4_t, "net")
        parts.append(f"on {label} ({ch4_t:,.0f} t CH4) the figure implies GWP {g:.1f} gross (nearest {_nearest_gwp(g)})"
                     f" or {gn:.1f} net of combustion CO2 (nearest {_nearest_gwp(gn)})")
    return (f"CO2e convention: the engine reports {gwp_name}; " + "; ".join(parts)
            + ". The source states no GWP; seed 003's CO2e figures imply different ones (SEEDS-DIGEST).")


def _t(nm3: float) -> float:
    return float(ch4_mass_t(nm3, "0C", "real-0C"))


# --- per-row computations -----------------------------------------------------------------------------------

def _input(path: Callable[[Ctx], float]) -> Compute:
    def f(c: Ctx, pub: float) -> Result:
        return path(c), None
    return f


def _sz_text_ch4(c: Ctx, pub: float) -> Result:
    v = c.q("ch4_destroyed_nm3")
    design = c.q("ch4_used_nm3")
    fuel = pub * LHV_MJ_PER_NM3_0C
    eff = (c.q("power_gross_kwh") * 3.6 + c.q("heat_gj") * 1000.0) / fuel
    return v, (f"{pub / 1e4:,.0f}万 / {design / 1e4:,.0f}万 = {pub / design:.1%} of the design throughput: the text "
               f"estimates the operating throughput from average hourly generation (§5.1: cases 1 and 4 run at 50–70 % "
               f"of design). With the published {c.q('power_gross_kwh') / 1e8:.2f}亿 kWh and the modelled heat, "
               f"{pub / 1e4:,.0f}万 Nm³ corresponds to a plant efficiency of {eff:.1%} — the table's '全厂热效率 40 %' "
               f"— i.e. it is the gas a 40 % plant needs for 1.2亿 kWh (η_el {c.q('power_gross_kwh') * 3.6 / fuel:.1%},"
               " above the 19–28 % of VAM plants in research note §4.8).")


def _sz_co2(c: Ctx, pub: float) -> Result:
    v = c.q("co2e_gross_t")
    design_t = c.q("ch4_destroyed_t")
    text_t = _t(3.504e7 * c.base("destruction_frac"))
    disp = c.q("co2e_displaced_t")
    return v, (co2e_note(pub, [("the design 5184万 Nm³", design_t), ("the text's 3504万 Nm³", text_t)],
                         f"{c.e.compiled.static.gwp_name} gross = {v:,.0f} t")
               + f" With displaced grid power (EF {c.e.compiled.static.grid_ef_t_per_mwh} t/MWh) the design case gives "
                 f"{disp:,.0f} t.")


def _sz_eff(c: Ctx, pub: float) -> Result:
    fuel = c.q("fuel_lhv_mj")
    p = c.q("power_gross_kwh") * 3.6
    h = c.q("heat_gj") * 1000.0
    v = (p + h) / fuel
    alt = (p + h) / (3.504e7 * LHV_MJ_PER_NM3_0C)
    return v, (f"on the design 5184万 Nm³ (LHV {fuel / 1e6:,.0f} TJ) power is {p / fuel:.1%} and the 10 t/h heating "
               f"season {h / fuel:.1%} of the fuel, {v:.1%} in all; on the text's 3504万 Nm³ the same outputs are "
               f"{alt:.1%} — the 40 % belongs to the operating estimate, not to the design throughput.")


def _sz_tce(c: Ctx, pub: float) -> Result:
    v = c.q("tce_heat")
    heat = c.q("heat_gj")
    eta = c.e.compiled.static.coal_boiler_eff
    steam = c.e.scenario.plant
    gj_per_h = float(steam.steam_t_per_h or 0) * float(steam.steam_enthalpy_gj_per_t or 0)
    implied_gj = pub * MJ_PER_KGCE * eta
    return v, (f"tce_heat convention (displaced coal-boiler heat at η {eta:.0%}): 10 t/h × "
               f"{steam.steam_enthalpy_gj_per_t} GJ/t over a {steam.heating_hours_per_year:,.0f} h heating season = "
               f"{heat:,.0f} GJ → {v:,.0f} tce. 1750 tce is {implied_gj:,.0f} GJ at η {eta:.0%} "
               f"({pub * MJ_PER_KGCE:,.0f} GJ at η 1), i.e. {implied_gj / gj_per_h:,.0f} full-load hours of 10 t/h — "
               "the report's heat load, hours and boiler efficiency are not stated.")


def _table13_14(c: Ctx, pub: float) -> Result:
    v = c.e.metrics["capex_per_kw_yuan"] or math.nan
    return v, (f"表13 gives 12,333 元/kW for 'cases 1 and 4, 1.7–2亿, 15 MW' = the mid-point 1.85亿 / 15 MW; this case's "
               f"own investment {(c.e.metrics['capex_total_yuan'] or math.nan) / 1e8:.2f}亿 / 15 MW = {v:,.0f} 元/kW "
               "(case 1: 13,333; case 4: 11,333).")


def _premium(c: Ctx, pub: float) -> Result:
    v = ((c.e.metrics["capex_per_kw_yuan"] or math.nan) / WIND_PV_YUAN_PER_KW - 1.0) * 100.0
    return v, (f"against 4,000 元/kW (wind/PV), 表13's own unit costs are {(12333 / WIND_PV_YUAN_PER_KW - 1) * 100:.0f} % "
               f"(12,333) and {(13333 / WIND_PV_YUAN_PER_KW - 1) * 100:.0f} % (13,333) higher, this case's "
               f"{c.e.metrics['capex_per_kw_yuan']:,.0f} 元/kW {v:.0f} % — '高出150%' matches none of them.")


def _power_check(c: Ctx, pub: float) -> Result:
    v = c.q("power_gross_kwh")
    used = c.q("ch4_used_nm3")
    return v, (f"{pub / 1e8:.2f}亿 kWh from {used / 1e4:,.0f}万 Nm³ implies η_el = {pub * 3.6 / (used * 35.8):.1%} "
               f"(LHV); the scenario uses {c.base('electrical_efficiency_frac'):.0%} capped at "
               f"{c.base('capacity_kw') / 1000:g} MW × {c.base('availability_frac') * 8760:,.0f} h.")


def _zy_13mw(c: Ctx, pub: float) -> Result:
    v = c.base("capacity_kw") / 1000.0
    hours = c.base("availability_frac") * 8760
    return v, (f"'13MW' conflicts with 3 MW in the title, §4.2.2 and 表13: {v:g} MW × {hours:,.0f} h × (1 − "
               f"{c.base('parasitic_frac'):.0%}) = {v * 1000 * hours * (1 - c.base('parasitic_frac')) / 1e4:,.0f}万 kWh "
               f"reproduces the published 1,920万 kWh, 13 MW would give {13000 * hours * 0.8 / 1e4:,.0f}万.")


def _zy_co2e(c: Ctx, pub: float) -> Result:
    v = c.q("co2e_gross_t")
    return v, co2e_note(pub, [("the 1200万 Nm³ destroyed", c.q("ch4_destroyed_t"))],
                        f"{c.e.compiled.static.gwp_name} gross = {v:,.0f} t")


def _zy_inv13(c: Ctx, pub: float) -> Result:
    v = c.e.metrics["capex_total_yuan"] or math.nan
    return v, ("表13's column is headed 'case 3' but holds case 2's 3 MW and 3–8 % with ≈4000万元; case 2's own "
               f"§4.2.3 says {v / 1e4:,.0f}万元 — the two investment figures for the same plant differ by "
               f"{(pub / v - 1) * 100:.0f} %.")


def _zy_kw13(c: Ctx, pub: float) -> Result:
    v = c.e.metrics["capex_per_kw_yuan"] or math.nan
    return v, (f"13,333 元/kW = 4000万 / 3 MW (表13); with case 2's own 2469万元 the unit cost is {v:,.0f} 元/kW.")


def _zy_rev(c: Ctx, pub: float) -> Result:
    v = c.money("rev_power_mine")
    return v, (f"calibration: the price of power sold to the mine is not printed; the scenario's "
               f"{c.base('electricity_to_mine_yuan_per_kwh')} 元/kWh = 1249万元 ÷ 1920万 kWh was derived from this "
               "figure, so the row is not an independent check.")


def _cz_split(c: Ctx) -> tuple[float, float]:
    p = c.e.scenario.plant
    prod_share, _ = two_stream_split(float(p.product_ch4_pct or 0), float(p.tail_ch4_pct or 0),
                                     float(p.feed_ch4_pct or 0), 1.0)
    return prod_share, float(p.intake_mixed_nm3_per_h or 0)


def _cz_feed_text(c: Ctx, pub: float) -> Result:
    v = float(c.e.scenario.supply.ch4_pct or 0)
    prod15, _ = two_stream_split(30.0, 2.0, pub, 12000.0)
    return v, (f"the feed is printed as 13 % (表10), 15 % (§4.3.1) and 10–20 % (§4.3.2); the scenario follows the "
               f"technical table (13 %). At 15 % the mass balance would give {prod15:,.0f} Nm³/h of 30 % product.")


def _cz_product_flow(c: Ctx, pub: float) -> Result:
    share, feed = _cz_split(c)
    v = share * feed
    c_for_4000 = (0.30 * pub + 0.02 * (feed - pub)) / feed * 100
    return v, (f"mass balance (two_stream_split): 12,000 Nm³/h at 13 % into 30 % product and a 2 % tail gives {v:,.0f} "
               f"Nm³/h of product; '近4000' holds only for a feed of {c_for_4000:.1f} % CH4.")


def _cz_adsorbent_t(c: Ctx, pub: float) -> Result:
    item = next(i for i in c.e.scenario.capex.items if i.name.startswith("adsorbent"))
    v = item.total_yuan / ADSORBENT_YUAN_PER_T
    return v, (f"'200多万吨' is a unit slip: 400–600万元 of adsorbent at 2–3万元/t is 200 t ({item.total_yuan / 1e4:,.0f}"
               f"万元 / {ADSORBENT_YUAN_PER_T / 1e4:g}万元/t = {v:,.0f} t); 200万 t would cost 400–600亿元.")


def _cz_design_note(c: Ctx) -> str:
    prod = c.q("product_ch4_nm3")
    return (f"at design (12,000 Nm³/h × 13 %, 2 % tail, {c.base('availability_frac') * 8760:,.0f} h) the plant sells "
            f"{prod / 1e4:,.0f}万 Nm³ CH4 ({prod * c.base('gas_sale_yuan_per_nm3') / 1e4:,.0f}万元 at 1.7 元/m³)")


def _cz_revenue(c: Ctx, pub: float) -> Result:
    v = c.money("rev_gas")
    sold = pub / c.base("gas_sale_yuan_per_nm3")
    return v, (f"{pub / 1e4:,.0f}万元 ÷ 1.7 元/m³ = {sold / 1e4:,.0f}万 m³ sold, {sold / 9.12e6:.0%} of the report's "
               f"912万 and {sold / c.q('product_ch4_nm3'):.0%} of the mass-balance design volume; "
               f"912万 × 1.7 = {9.12e6 * 1.7 / 1e4:,.0f}万 ≠ 896万. {_cz_design_note(c)}.")


def _cz_profit(c: Ctx, pub: float) -> Result:
    v = c.money("ebit", "escalation_inflation")
    return v, (f"the report's own figures disagree: 0.8 元/m³ pre-tax profit × 912万 m³ = {0.8 * 912:,.0f}万 ≠ 335万; "
               f"the engine's design-year profit before interest and tax is {v / 1e4:,.0f}万 ({_cz_design_note(c)}, "
               "O&M 312万 electricity + 2 % upkeep, depreciation).")


def _cz_roi(c: Ctx, pub: float) -> Result:
    ebit = c.money("ebit", "escalation_inflation")
    capex = c.e.metrics["capex_total_yuan"] or math.nan
    v = ebit / capex
    return v, (f"{pub:.2%} ROI on 335万 implies {3.35e6 / pub / 1e4:,.0f}万 invested, not the '4000多万' of the same "
               f"section (335万 / 4000万 = {3.35e6 / 4e7:.1%}); the engine's design-year EBIT / investment is {v:.1%}.")


def _cz_per_day(c: Ctx, pub: float) -> Result:
    share, feed = _cz_split(c)
    v = share * feed * 0.30 * 24.0
    return v, (f"'3万多' (more than 30,000) is a lower bound: at full load the mass balance gives "
               f"{share * feed:,.0f} Nm³/h × 30 % × 24 h = {v:,.0f} Nm³/d of pure CH4.")


def _cz_profit_per_nm3(c: Ctx, pub: float) -> Result:
    prod = c.q("product_ch4_nm3")
    v = (c.money("rev_gas") - c.money("opex_total", "escalation_inflation")) / prod
    return v, (f"at design throughput revenue minus O&M is {v:.2f} 元 per m³ sold (1.7 − "
               f"{c.money('opex_total', 'escalation_inflation') / prod:.2f}); 0.8 元/m³ implies "
               f"{1.7 - 0.8:.1f} 元/m³ of costs — the report's profit figures (0.8 元/m³, 335万/yr, 12.43 %) come from "
               "a 2014 feasibility study with throughput and costs it does not state.")


def _cz_ch4(c: Ctx, pub: float) -> Result:
    v = c.q("product_ch4_nm3")
    return v, (f"912万 = 12,000 Nm³/h × 10 % × 7,600 h, or 3万 m³/d × 304 d; with the table's 13 % feed and 2 % tail "
               f"the mass balance gives {v / 1e4:,.0f}万 Nm³ of product CH4 in "
               f"{c.base('availability_frac') * 8760:,.0f} h ({c.q('ch4_used_nm3') / 1e4:,.0f}万 Nm³ fed).")


def _cz_cost(c: Ctx, pub: float) -> Result:
    prod = c.q("product_ch4_nm3")
    v = c.money("opex_total", "escalation_inflation") / prod
    return v, (f"1.0–1.5 元/m³ is the cost of a winter top-up run at low throughput; at design throughput the O&M is "
               f"{v:.2f} 元/m³ (the 312万元/yr electricity alone is {3.12e6 / prod:.2f} 元/m³). The plant 'rarely "
               "runs' (§4.3.3), which is what makes each run expensive.")


def _fy_export(c: Ctx, pub: float) -> Result:
    v = c.q("power_grid_kwh")
    gross = c.q("power_gross_kwh")
    return v, (f"{pub / 1e8:.2f}亿 kWh exported of {gross / 1e8:.2f}亿 gross (15 MW × 8,000 h) implies "
               f"{1 - pub / gross:.1%} own use; the scenario uses case 1's printed 20 % (厂用电率).")


def _fy_tariff_comm(c: Ctx, pub: float) -> Result:
    return c.price_paid(c.e.compiled.calendar.operation_start.year), None


def _fy_scheme(c: Ctx, pub: float) -> Result:
    year = int(c.e.batch.years[c.t_full])
    v = c.price_paid(year)
    return v, (f"the report says 伏岩 settles by 以收定支 (0.509) but also that, approved under the 2020 notice, it gets "
               f"no tariff subsidy (§4.4.4); with approval after the cut-off "
               f"({c.e.scenario.tariff.approval_date}) the engine pays the coal base {v:.3f} 元/kWh after commissioning.")


def _fy_destroyed(c: Ctx, pub: float) -> Result:
    load = c.e.scenario.timeline.commissioning_load_frac
    design = c.q("ch4_destroyed_nm3")
    v = design * load
    used = c.q("ch4_used_nm3")
    return v, (f"at the commissioning load 1/6 the plant destroys {v / 1e4:,.0f}万 Nm³/yr; 1095万 / 5184万 = "
               f"{1.095e7 / used:.3f} of design, not 1/6 = {1 / 6:.3f} (5184万 / 6 = {used / 6 / 1e4:,.0f}万) — the "
               "report's operating figures are mutually inconsistent.")


def _fy_tce(c: Ctx, pub: float) -> Result:
    v = c.q("tce_hv")
    used = c.q("ch4_used_nm3")
    mj = pub * MJ_PER_KGCE * 1000 / used
    return v, (f"tce_hv convention (heating value, 1 kgce = 29.3076 MJ): {used / 1e4:,.0f}万 Nm³ × 35.8 MJ = "
               f"{v:,.0f} tce; 4.91万 tce ÷ 5184万 Nm³ = {pub * 1000 / used:.3f} kgce/m³ = {mj:.1f} MJ/m³, "
               f"{mj / LHV_MJ_PER_NM3_0C:.0%} of the LHV at 0 °C (35.8) and below the 20 °C value "
               f"({heating_value_mj_per_m3('20C'):.1f}): the convention behind the figure is not stated.")


def _fy_release(c: Ctx, pub: float) -> Result:
    v = c.q("ch4_used_nm3")
    return v, (f"the design intake {v / 1e4:,.0f}万 Nm³/yr pure CH4 is {v / pub:.0%} of the {pub / 1e4:,.0f}万 m³ the "
               "mine releases in a year (§4.4.1): the plant cannot reach design on this mine's gas — consistent with "
               "its running at ≈1/6 of design for lack of gas.")


def _bf_heat(c: Ctx, pub: float) -> Result:
    v = c.q("heat_gj")
    used = c.q("ch4_used_nm3")
    hv = pub * 1000 / 2.028e6
    return v, (f"{used / 1e4:,.1f}万 Nm³ × 35.8 MJ × 88 % = {v:,.0f} GJ of useful heat; 6.8万 GJ ÷ 202.8万 m³ (the "
               f"report's volume) = {hv:.1f} MJ/m³ — the fuel heat at about the 20 °C LHV "
               f"({heating_value_mj_per_m3('20C'):.1f} MJ/m³) without the 88 % efficiency.")


def _bf_co2e(c: Ctx, pub: float) -> Result:
    v = c.q("co2e_gross_t")
    return v, co2e_note(pub, [("the CH4 destroyed", c.q("ch4_destroyed_t"))],
                        f"{c.e.compiled.static.gwp_name} gross = {v:,.0f} t")


def _bf_per_mw(c: Ctx, pub: float) -> Result:
    heat = c.q("heat_gj")
    hours = c.base("availability_frac") * 8760
    mw = heat / (hours * 3.6)
    capex = c.e.metrics["capex_total_yuan"] or math.nan
    v = capex / mw
    return v, (f"280万元/MW is the technology's unit cost quoted 'for 1 MW'; the project's {capex / 1e4:,.0f}万元 over the "
               f"{mw:.1f} MW_th its {heat / 1e4:,.2f}万 GJ need in a {hours:,.0f} h heating season is {v / 1e4:,.0f}万元/MW "
               f"(at 280万/MW, 2000万 would buy {capex / pub:.1f} MW).")


def _wv_co2e(c: Ctx, pub: float) -> Result:
    v = c.q("co2e_net_t")
    return v, co2e_note(pub, [("the CH4 destroyed", c.q("ch4_destroyed_t"))],
                        f"{c.e.compiled.static.gwp_name} net of combustion CO2 = {v:,.0f} t")


def _gh_power(c: Ctx, pub: float) -> Result:
    v = c.q("power_net_kwh")
    return v, (f"calibration: the CH4 supply is not published; {c.e.scenario.supply.ch4_nm3_per_year:.3g} Nm³/yr is "
               f"what a {c.base('electrical_efficiency_frac'):.0%} plant needs for ≈200 GWh, so the row is not an "
               f"independent check (capacity factor {v / (c.base('capacity_kw') * 8760):.0%}).")


def _gh_co2e(c: Ctx, pub: float) -> Result:
    v = c.q("co2e_net_t")
    ch4 = c.q("ch4_destroyed_t")
    eta_net21 = 2e8 * 3.6 / (pub / (21 - CO2_PER_CH4_T_PER_T) * 1000 / 0.7175 * 35.8)
    return v, (co2e_note(pub, [("the CH4 a 21 % plant destroys for 200 GWh", ch4)],
                         f"{c.e.compiled.static.gwp_name} net = {v:,.0f} t")
               + f" At GWP 21 net the published 1.4 Mt needs {pub / (21 - CO2_PER_CH4_T_PER_T) / 1e3:,.1f} kt CH4, "
                 f"i.e. a net electric efficiency of {eta_net21:.1%}.")


def _gh_temp(c: Ctx, pub: float) -> Result:
    return None, ("context: the oxidation temperature (> 950 °C) is not modelled — the cash-flow model has no thermal "
                  "model of the oxidiser bed; it enters only through the efficiency assumptions.")


COMPUTE: dict[tuple[str, str], Compute] = {
    # case 1
    ("sanzhang", "capacity_mw"): _input(lambda c: c.base("capacity_kw") / 1000.0),
    ("sanzhang", "power_gross_kwh_per_yr"): _power_check,
    ("sanzhang", "power_grid_kwh_per_yr"): lambda c, p: (c.q("power_grid_kwh"), None),
    ("sanzhang", "own_use_frac"): _input(lambda c: c.base("parasitic_frac")),
    ("sanzhang", "ch4_destroyed_design_nm3_per_yr"): lambda c, p: (c.q("ch4_destroyed_nm3"), None),
    ("sanzhang", "ch4_destroyed_text_nm3_per_yr"): _sz_text_ch4,
    ("sanzhang", "destruction_frac"): _input(lambda c: c.base("destruction_frac")),
    ("sanzhang", "co2_t_per_yr"): _sz_co2,
    ("sanzhang", "plant_efficiency_frac"): _sz_eff,
    ("sanzhang", "heat_t_per_h"): _input(lambda c: float(c.e.scenario.plant.steam_t_per_h or 0)),
    ("sanzhang", "tce_per_heating_season"): _sz_tce,
    ("sanzhang", "investment_yuan"): _input(lambda c: c.e.metrics["capex_total_yuan"] or math.nan),
    ("sanzhang", "rto_unit_yuan"): _input(lambda c: float(next(i.unit_yuan for i in c.e.scenario.capex.items
                                                               if i.unit_yuan is not None))),
    ("sanzhang", "tariff_2019_yuan_per_kwh"): lambda c, p: (c.price_paid(2019), None),
    ("sanzhang", "tariff_after_2021_yuan_per_kwh"): lambda c, p: (c.price_paid(2022), None),
    ("sanzhang", "grid_connection_year"): _input(lambda c: float(c.e.compiled.calendar.operation_start.year)),
    ("sanzhang", "capex_per_kw_table13"): _table13_14,
    ("sanzhang", "premium_over_wind_pv_pct"): _premium,
    # case 2
    ("zhaiyadi", "capacity_mw"): _input(lambda c: c.base("capacity_kw") / 1000.0),
    ("zhaiyadi", "capacity_mw_text"): _zy_13mw,
    ("zhaiyadi", "pure_flow_nm3_min"): _input(lambda c: float(c.e.scenario.supply.ch4_flow_nm3_min or 0)),
    ("zhaiyadi", "power_to_mine_kwh_per_yr"): lambda c, p: (c.q("power_mine_kwh"), None),
    ("zhaiyadi", "tce_saved_per_yr"): lambda c, p: (c.q("tce_power"), None),
    ("zhaiyadi", "ch4_destroyed_nm3_per_yr"): lambda c, p: (c.q("ch4_destroyed_nm3"), None),
    ("zhaiyadi", "co2e_t_per_yr"): _zy_co2e,
    ("zhaiyadi", "investment_yuan"): _input(lambda c: c.e.metrics["capex_total_yuan"] or math.nan),
    ("zhaiyadi", "investment_table13_yuan"): _zy_inv13,
    ("zhaiyadi", "capex_per_kw_table13"): _zy_kw13,
    ("zhaiyadi", "power_revenue_yuan_per_yr"): _zy_rev,
    ("zhaiyadi", "subsidy_yuan_per_nm3"): _input(lambda c: c.base("utilization_subsidy_yuan_per_nm3")),
    ("zhaiyadi", "grid_connection_year"): _input(lambda c: float(c.e.compiled.calendar.operation_start.year)),
    # case 3
    ("chengzhuang-baisha", "feed_nm3_per_h"): _input(lambda c: float(c.e.scenario.plant.intake_mixed_nm3_per_h or 0)),
    ("chengzhuang-baisha", "feed_ch4_pct"): _input(lambda c: float(c.e.scenario.supply.ch4_pct or 0)),
    ("chengzhuang-baisha", "feed_ch4_pct_text"): _cz_feed_text,
    ("chengzhuang-baisha", "product_ch4_pct"): _input(lambda c: float(c.e.scenario.plant.product_ch4_pct or 0)),
    ("chengzhuang-baisha", "tail_ch4_pct"): _input(lambda c: float(c.e.scenario.plant.tail_ch4_pct or 0)),
    ("chengzhuang-baisha", "product_nm3_per_h"): _cz_product_flow,
    ("chengzhuang-baisha", "investment_yuan"): _input(lambda c: c.e.metrics["capex_total_yuan"] or math.nan),
    ("chengzhuang-baisha", "adsorbent_t"): _cz_adsorbent_t,
    ("chengzhuang-baisha", "adsorbent_yuan"): _input(lambda c: next(i.total_yuan for i in c.e.scenario.capex.items
                                                                    if i.name.startswith("adsorbent"))),
    ("chengzhuang-baisha", "power_cost_yuan_per_month"): _input(lambda c: c.base("fixed_opex_yuan_per_year") / 12.0),
    ("chengzhuang-baisha", "revenue_yuan_per_yr"): _cz_revenue,
    ("chengzhuang-baisha", "profit_yuan_per_yr"): _cz_profit,
    ("chengzhuang-baisha", "roi_frac"): _cz_roi,
    ("chengzhuang-baisha", "product_price_yuan_per_nm3"): _input(lambda c: c.base("gas_sale_yuan_per_nm3")),
    ("chengzhuang-baisha", "product_ch4_nm3_per_day"): _cz_per_day,
    ("chengzhuang-baisha", "pretax_profit_yuan_per_nm3"): _cz_profit_per_nm3,
    ("chengzhuang-baisha", "ch4_nm3_per_yr"): _cz_ch4,
    ("chengzhuang-baisha", "enrichment_cost_yuan_per_nm3"): _cz_cost,
    # case 4
    ("fuyan", "capacity_mw"): _input(lambda c: c.base("capacity_kw") / 1000.0),
    ("fuyan", "rto_flow_nm3_per_h"): _input(lambda c: float(c.e.scenario.plant.intake_mixed_nm3_per_h or 0) / 6.0),
    ("fuyan", "blend_ch4_pct"): _input(lambda c: float(c.e.scenario.plant.intake_ch4_pct or 0)),
    ("fuyan", "destruction_frac"): _input(lambda c: c.base("destruction_frac")),
    ("fuyan", "investment_yuan"): _input(lambda c: c.e.metrics["capex_total_yuan"] or math.nan),
    ("fuyan", "rto_investment_yuan"): _input(lambda c: next(i.total_yuan for i in c.e.scenario.capex.items
                                                            if "RTO" in i.name)),
    ("fuyan", "vam_design_nm3_per_yr"): lambda c, p: (c.q("ch4_used_nm3"), None),
    ("fuyan", "power_export_kwh_per_yr"): _fy_export,
    ("fuyan", "heat_gj_per_yr"): _input(lambda c: c.q("heat_gj")),
    ("fuyan", "daily_power_kwh"): _input(lambda c: c.base("capacity_kw") * 24.0
                                         * c.e.scenario.timeline.commissioning_load_frac),
    ("fuyan", "tariff_commissioning_yuan_per_kwh"): _fy_tariff_comm,
    ("fuyan", "tariff_scheme_yuan_per_kwh"): _fy_scheme,
    ("fuyan", "ch4_destroyed_nm3_per_yr"): _fy_destroyed,
    ("fuyan", "energy_use_tce_per_yr"): _fy_tce,
    ("fuyan", "mine_gas_release_nm3_per_yr"): _fy_release,
    ("fuyan", "capex_per_kw_table13"): _table13_14,
    # case 5
    ("bofang", "vented_nm3_per_yr"): _input(lambda c: float(c.e.scenario.supply.ch4_nm3_per_year or 0)),
    ("bofang", "ch4_used_nm3_per_yr"): lambda c, p: (c.q("ch4_used_nm3"), None),
    ("bofang", "used_share_frac"): lambda c, p: (c.q("ch4_used_nm3") / c.q("supply_nm3"), None),
    ("bofang", "heat_gj_per_yr"): _bf_heat,
    ("bofang", "heat_efficiency_frac"): _input(lambda c: c.base("heat_efficiency_frac")),
    ("bofang", "tce_saved_per_yr"): lambda c, p: (c.q("tce_hv"), None),
    ("bofang", "natural_gas_saving_yuan_per_yr"): lambda c, p: (c.money("avoided_natural_gas"), None),
    ("bofang", "natural_gas_price_yuan_per_nm3"): _input(lambda c: c.base("natural_gas_yuan_per_nm3")),
    ("bofang", "subsidy_rate_yuan_per_nm3"): _input(lambda c: c.base("utilization_subsidy_yuan_per_nm3")),
    ("bofang", "subsidy_yuan_per_yr"): lambda c, p: (c.q("util_subsidy"), None),
    ("bofang", "co2e_t_per_yr"): _bf_co2e,
    ("bofang", "investment_yuan"): _input(lambda c: c.e.metrics["capex_total_yuan"] or math.nan),
    ("bofang", "capex_per_mw_yuan"): _bf_per_mw,
    ("bofang", "destruction_frac"): _input(lambda c: c.base("destruction_frac")),
    # WestVAMP
    ("westvamp", "vam_flow_scfm"): _input(lambda c: float(c.e.scenario.supply.mixed_flow_scfm or 0)),
    ("westvamp", "vam_ch4_pct"): _input(lambda c: float(c.e.scenario.supply.ch4_pct or 0)),
    ("westvamp", "capacity_mw"): _input(lambda c: c.base("capacity_kw") / 1000.0),
    ("westvamp", "investment_aud"): _input(lambda c: (c.e.metrics["capex_total_yuan"] or math.nan)
                                           / WESTVAMP_YUAN_PER_AUD),
    ("westvamp", "co2e_t_per_yr"): _wv_co2e,
    # Gaohe
    ("gaohe", "capacity_mw"): _input(lambda c: c.base("capacity_kw") / 1000.0),
    ("gaohe", "power_kwh_per_yr"): _gh_power,
    ("gaohe", "co2e_t_per_yr"): _gh_co2e,
    ("gaohe", "oxidation_temperature_c"): _gh_temp,
}
"""The computation of every published row: (case, quantity) → f(context, published) → (computed, explanation)."""


@cache
def _evaluation(case: str) -> Evaluation:
    return evaluate(load_scenario(SCENARIO_DIR / f"{case}.toml"))


def figures() -> list[dict[str, Any]]:
    """The published-figure rows (from ``reference.seed003.case-figures``)."""
    from minegas import data

    return [dict(r) for r in data.load(FIGURES_ID).tables["figures"].rows]


def case_rows(cases: Iterable[str] | None = None, *, fresh: bool = False) -> list[CaseRow]:
    """Every published figure with the engine's value, the deviation [%] and an explanation where they differ.

    Parameters
    ----------
    cases : restrict to these case names (default: all).
    fresh : re-evaluate the scenarios instead of using the cached evaluations.
    """
    if fresh:
        _evaluation.cache_clear()
    wanted = set(cases) if cases else None
    out: list[CaseRow] = []
    for r in figures():
        case, qty = str(r["case"]), str(r["quantity"])
        if wanted is not None and case not in wanted:
            continue
        pub = float(r["published"])
        fn = COMPUTE.get((case, qty))
        computed: float | None = None
        expl: str | None = None
        if fn is None:
            expl = None
            status = "unexplained"
        else:
            e = _evaluation(case)
            computed, expl = fn(Ctx(e, _first_full_year(e)), pub)
            if computed is not None and not math.isfinite(computed):
                computed = None
        dev = None if computed is None or pub == 0 else (computed - pub) / pub * 100.0
        role = str(r.get("role") or "output")
        if fn is None:
            status = "unexplained"
        elif dev is not None and abs(dev) <= TOLERANCE_PCT and role == "input":
            status = "input"  # the scenario takes this figure: the row shows the engine used it, it is no check
            if expl is not None and "CO2e convention" not in expl:
                expl = None
        elif dev is not None and abs(dev) <= TOLERANCE_PCT and role != "calibration":
            status = "reproduced"
            if expl is not None and "CO2e convention" not in expl:
                expl = None  # a reproduced row needs no explanation (CO2e rows keep their implied-GWP note)
        elif expl:
            status = "explained"
        else:
            status = "unexplained"
        out.append(CaseRow(case, qty, str(r.get("label") or ""), str(r.get("unit") or ""), pub,
                           None if computed is None else float(computed), None if dev is None else round(dev, 3),
                           expl, role, str(r.get("source") or ""), status, r.get("note")))
    return out
