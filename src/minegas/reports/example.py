"""A small, hand-made, internally consistent example report (示例) for tests and documentation.

The figures are invented — round numbers chosen so that every total can be checked by hand — and the report is
labelled as an example in every output (``meta.example``). The mine, enterprise and county names are those of
the synthetic demo region (``minegas/data/demo/jincheng-demo.yaml``: 青岚煤矿(示例), an outburst mine with a
high- and a low-suction drainage system, gas engines, an off-site pipeline and low-concentration engines). The
real report will be filled by the MRV engine from the measurement store.

Hand calculation (7 days, 2025-03-01..2025-03-07, pure CH4 at 0 °C, 101.325 kPa):

- drained: high 1 209 600 + low 302 400 = 1 512 000 Nm³;
- used: GE1 1 020 600 + LCE1 262 080 on site, PIPE1 120 960 off site = 1 403 640 Nm³ (92.83 % of drained);
- vented 65 600 + 39 720 = 105 320 Nm³; residual 2 440 + 600 = 3 040 Nm³; flared 0;
  1 403 640 + 105 320 + 3 040 = 1 512 000 — the balance closes;
- VAM liberated: R1 1 134 000 + R2 846 720 = 1 980 720 Nm³, nothing oxidised;
- drainage rate 1 512 000 / 3 492 720 = 43.29 %;
- CH4 masses with the NDRC 2015 density 7.17 t / 10⁴ Nm³ (``cn-2015``); emitted underground (guideline
  structure: VAM + vented + residual) 2 089 080 Nm³ = 1 497.870 36 t, post-mining 96 000 t coal × 2.01 kg/t =
  192.96 t; gross CO2e with SAR GWP 21: (1 497.870 36 + 192.96) × 21 = 35 507.437 56 t.
"""

from __future__ import annotations

import hashlib
import math
from datetime import UTC, date, datetime, timedelta

from minegas import __version__
from minegas.accounting.compliance import Finding
from minegas.accounting.methods import cn_guideline
from minegas.periods import CST, parse_period
from minegas.physics.climate import co2e_gross_t, co2e_net_t
from minegas.physics.density import resolve_density
from minegas.reports.model import (
    BalanceLine,
    CalibrationRow,
    Co2eFigure,
    DailyRow,
    InputBatch,
    MineBalance,
    MrvReport,
    ParamSetRef,
    PeriodClose,
    PointTotal,
    ReportLang,
    ReportMeta,
    RestatementDiff,
    Substitution,
    VerificationAppendix,
    sort_points,
)

MINE = "990521000001"
PERIOD = "2025-03-01..2025-03-07"
DENSITY = cn_guideline.DENSITY_NAME
GWP_SET = cn_guideline.GWP_SET_DEFAULT

# Daily figures [Nm³ pure CH4] of the two drainage systems (invented, round numbers).
H_PURE = (174_000.0, 172_000.0, 173_200.0, 170_800.0, 174_400.0, 172_800.0, 172_400.0)
H_PCT = (55.2, 54.8, 55.0, 54.6, 55.4, 55.1, 54.9)
H_GE1 = (151_200.0, 151_200.0, 151_200.0, 113_400.0, 151_200.0, 151_200.0, 151_200.0)  # 105 Nm³/min; 6-h outage day 4
H_PIPE1 = (17_280.0,) * 7  # 12 Nm³/min to the LNG plant
H_RESIDUAL = (360.0, 340.0, 350.0, 330.0, 370.0, 350.0, 340.0)
L_PURE = (43_500.0, 43_000.0, 43_300.0, 42_800.0, 43_400.0, 43_200.0, 43_200.0)
L_PCT = (18.2, 17.9, 18.0, 17.6, 18.3, 18.1, 17.9)
L_LCE1 = (37_440.0,) * 7  # 26 Nm³/min
L_RESIDUAL = (90.0, 80.0, 90.0, 70.0, 100.0, 90.0, 80.0)
R1_PURE_DAY = 162_000.0  # 25 000 Nm³/min air × 0.45 % × 1440 min
R2_PURE_DAY = 120_960.0  # 20 000 Nm³/min air × 0.42 % × 1440 min
COAL_T = 96_000.0
DE = {"GE1": 0.995, "LCE1": 0.98, "PIPE1": 1.0}
"""Destruction efficiencies: units of the demo region; off-site transfer counted as destroyed (DE 1, 40 CFR
98.323 FF-5 [V])."""


def _pt(code: str, n_station: int, sensor: str, n: int, kj: str = "02") -> str:
    """Point code in the synthetic generator's scheme (minegas.synth.model.mine_layout)."""
    return f"{MINE}{kj}MN{sensor}{n_station:05d}{n:03d}"


def _cst(y: int, mo: int, d: int, h: int = 0, mi: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=CST)


def example_report(lang: ReportLang = "zh") -> MrvReport:
    """The example report (示例) in ``lang`` ('zh' or 'en'); see the module docstring for the hand calculation."""
    period = parse_period(PERIOD)
    rho = resolve_density("0C", DENSITY).t_per_m3
    days = [period.start.date() + timedelta(days=i) for i in range(7)]
    period_s = period.seconds

    def t(nm3: float) -> float:
        return nm3 * rho

    h_vent = [p - g - x - r for p, g, x, r in zip(H_PURE, H_GE1, H_PIPE1, H_RESIDUAL, strict=True)]
    l_vent = [p - u - r for p, u, r in zip(L_PURE, L_LCE1, L_RESIDUAL, strict=True)]
    h_mixed = [round(p * 100.0 / c) for p, c in zip(H_PURE, H_PCT, strict=True)]
    l_mixed = [round(p * 100.0 / c) for p, c in zip(L_PURE, L_PCT, strict=True)]
    h_name = ("地面泵站高负压总管", "high-suction drainage main")
    l_name = ("地面泵站低负压总管", "low-suction drainage main")

    daily: list[DailyRow] = []
    for i, d in enumerate(days):
        daily.append(DailyRow(d, "H-MAIN", *h_name, float(h_mixed[i]), H_PURE[i], H_PCT[i],
                              H_GE1[i] + H_PIPE1[i], 0.0, h_vent[i]))
        daily.append(DailyRow(d, "L-MAIN", *l_name, float(l_mixed[i]), L_PURE[i], L_PCT[i], L_LCE1[i], 0.0,
                              l_vent[i]))

    h_pct_mean = math.fsum(H_PCT) / 7
    l_pct_mean = math.fsum(L_PCT) / 7
    minutes = period_s / 60.0

    def row(code: str, zh: str, en: str, role: str, point: str, mixed: float, pure: float, *, pct: float | None,
            t_c: float | None, p_kpa: float | None, pkind: str | None, sub_s: float = 0.0, miss_s: float = 0.0,
            flags: tuple[tuple[str, int], ...] = ()) -> PointTotal:
        covered_min = (period_s - miss_s) / 60.0
        return PointTotal(code, zh, en, role, point, mixed, pure, t(pure), mixed / covered_min, pct, t_c, p_kpa,
                          pkind, period_s - sub_s - miss_s, sub_s, miss_s, flags)

    ge1, pipe1, lce1 = math.fsum(H_GE1), math.fsum(H_PIPE1), math.fsum(L_LCE1)
    r1, r2 = R1_PURE_DAY * 7, R2_PURE_DAY * 7
    l_vent_miss_s = 900.0
    points = sort_points([
        row("H-MAIN", *h_name, "drainage_main", _pt("0037", 1, "0037", 5), float(sum(h_mixed)), math.fsum(H_PURE),
            pct=h_pct_mean, t_c=17.2, p_kpa=-45.3, pkind="gauge", sub_s=1200.0, flags=(("KJ_CALIBRATION", 20),)),
        row("GE1-IN", "瓦斯发电站(30×500kW)进气", "gas engine plant inlet", "unit_inlet", _pt("0036", 2, "0036", 2),
            round(ge1 * 100.0 / h_pct_mean), ge1, pct=h_pct_mean, t_c=None, p_kpa=None, pkind=None),
        row("PIPE1-IN", "外输管线(液化厂原料气)进气", "pipeline to LNG plant inlet", "unit_inlet",
            _pt("0036", 3, "0036", 2), round(pipe1 * 100.0 / h_pct_mean), pipe1, pct=h_pct_mean, t_c=None,
            p_kpa=None, pkind=None),
        row("H-VENT", "高负压放空管", "high-suction vent stack", "vent_stack", _pt("0036", 4, "0036", 2),
            round(math.fsum(h_vent) * 100.0 / h_pct_mean), math.fsum(h_vent), pct=h_pct_mean, t_c=None, p_kpa=None,
            pkind=None),
        row("L-MAIN", *l_name, "drainage_main", _pt("0036", 5, "0036", 2), float(sum(l_mixed)), math.fsum(L_PURE),
            pct=l_pct_mean, t_c=15.1, p_kpa=-20.4, pkind="gauge"),
        row("LCE1-IN", "低浓度瓦斯发电站(10×500kW)进气", "low-concentration gas engines inlet", "unit_inlet",
            _pt("0036", 6, "0036", 2), round(lce1 * 100.0 / l_pct_mean), lce1, pct=l_pct_mean, t_c=None, p_kpa=None,
            pkind=None),
        row("L-VENT", "低负压放空管", "low-suction vent stack", "vent_stack", _pt("0036", 7, "0036", 2),
            round(math.fsum(l_vent) * 100.0 / l_pct_mean), math.fsum(l_vent), pct=l_pct_mean, t_c=None, p_kpa=None,
            pkind=None, miss_s=l_vent_miss_s, flags=(("NOT_NUMERIC", 15),)),
        row("R1", "1号回风立井", "No. 1 return shaft", "return_shaft", _pt("0019", 8, "0019", 2, kj="01"),
            25_000.0 * minutes, r1, pct=0.45, t_c=18.0, p_kpa=-3.2, pkind="gauge"),
        row("R2", "2号回风立井", "No. 2 return shaft", "return_shaft", _pt("0019", 9, "0019", 2, kj="01"),
            20_000.0 * minutes, r2, pct=0.42, t_c=17.0, p_kpa=-2.9, pkind="gauge", sub_s=5400.0,
            flags=(("KJ_SUBSTATION_FAULT", 90),)),
    ])

    def line(code: str, zh: str, en: str, nm3: float) -> BalanceLine:
        return BalanceLine(code, zh, en, nm3, t(nm3))

    drained_nm3 = math.fsum(H_PURE) + math.fsum(L_PURE)
    residual = math.fsum(H_RESIDUAL) + math.fsum(L_RESIDUAL)
    destroyed = ge1 * DE["GE1"] + lce1 * DE["LCE1"] + pipe1 * DE["PIPE1"]
    vented = math.fsum(h_vent) + math.fsum(l_vent)
    vam = r1 + r2
    emitted_ug = vam + vented + residual  # NDRC 2015 guideline structure: Q_vent + Q_drain − Q_flare − Q_util
    post = cn_guideline.post_mining_ch4(COAL_T, "outburst", gwp_set=GWP_SET).ch4_t
    emitted_t = t(emitted_ug) + post
    assert math.isclose(drained_nm3, 1_512_000.0)
    balance = MineBalance(
        drained=(line("H", "高负压抽采系统", "high-suction drainage", math.fsum(H_PURE)),
                 line("L", "低负压抽采系统", "low-suction drainage", math.fsum(L_PURE))),
        utilized=(line("GE1", "瓦斯发电站(30×500kW)", "gas engine plant (30×500 kW)", ge1),
                  line("LCE1", "低浓度瓦斯发电站(10×500kW)", "low-concentration gas engines (10×500 kW)", lce1)),
        flared=(),
        vented=(line("VENT-H", "高负压放空管", "high-suction vent stack", math.fsum(h_vent)),
                line("VENT-L", "低负压放空管", "low-suction vent stack", math.fsum(l_vent))),
        transferred=(line("PIPE1", "外输管线(液化厂原料气)", "pipeline to LNG plant", pipe1),),
        residual_nm3=residual, residual_t=t(residual),
        vam_liberated=(line("R1", "1号回风立井", "No. 1 return shaft", r1),
                       line("R2", "2号回风立井", "No. 2 return shaft", r2)),
        vam_oxidized=(),
        destroyed_nm3=destroyed, destroyed_t=t(destroyed),
        emitted_underground_nm3=emitted_ug, emitted_underground_t=t(emitted_ug),
        post_mining_ch4_t=post,
        co2e=(Co2eFigure("gross", "emitted", emitted_t, GWP_SET, 100, float(co2e_gross_t(emitted_t, GWP_SET))),
              Co2eFigure("net", "destroyed", t(destroyed), GWP_SET, 100,
                         float(co2e_net_t(t(destroyed), GWP_SET)))),
    )

    subs = (
        Substitution("H-MAIN", _pt("0022", 1, "0022", 1), "ch4_pct", _cst(2025, 3, 3, 10, 0), _cst(2025, 3, 3, 10, 20),
                     "epa_98_325", 55.0, "%", 1200.0, 55.1, 54.9, "甲烷传感器标校（标校×20条）",
                     "CH4 sensor calibration (calibration ×20 readings)"),
        Substitution("R2", _pt("0019", 9, "0019", 2, kj="01"), "air_flow", _cst(2025, 3, 5, 2, 0),
                     _cst(2025, 3, 5, 3, 30), "epa_98_325", 20_000.0, "Nm³/min", 5400.0, 20_100.0, 19_900.0,
                     "分站故障（×90条）", "substation fault (×90 readings)"),
    )

    utc = UTC
    h_vent_total = math.fsum(h_vent)
    findings = (
        Finding("GB21522-2008.no-venting",
                "GB 21522-2008: drained gas with CH4 ≥ 30 % must not be vented [S; standard text not available]",
                "violation", _cst(2025, 3, 1).astimezone(utc), _cst(2025, 3, 8).astimezone(utc),
                {"outlet": "H-VENT", "basis": "calendar_day", "n_days": 7, "ch4_pct_min": min(H_PCT),
                 "vented_nm3": h_vent_total, "max_day": "2025-03-04", "max_day_vented_nm3": max(h_vent)},
                f"高负压放空管：7个日历日均排放甲烷浓度≥30%的抽采瓦斯（日均浓度{min(H_PCT):.1f}%–{max(H_PCT):.1f}%），"
                f"合计放空纯量{h_vent_total:,.0f} Nm³，其中2025-03-04瓦斯发电站停机6小时放空{max(h_vent):,.0f} Nm³，"
                "违反GB 21522-2008",
                f"High-suction vent stack: drained gas at ≥ 30 % CH4 (daily means {min(H_PCT):.1f}–{max(H_PCT):.1f} %) "
                f"vented on 7 calendar days, {h_vent_total:,.0f} Nm³ pure CH4 in total, {max(h_vent):,.0f} Nm³ on "
                "2025-03-04 during a 6-h gas engine outage — GB 21522-2008 venting ban"),
        Finding("CMSR.direct-combustion",
                "Coal Mine Safety Regulations, drained-gas article item (5): gas below 30 % must not be burned "
                "directly [S]", "approval_required", _cst(2025, 3, 1).astimezone(utc),
                _cst(2025, 3, 8).astimezone(utc),
                {"unit": "LCE1", "ch4_pct_mean": round(l_pct_mean, 2)},
                f"低浓度瓦斯发电站使用甲烷浓度约{l_pct_mean:.1f}%（<30%）的抽采瓦斯，须具备经批准的安全输送与利用措施",
                f"Low-concentration gas engines burn drained gas at about {l_pct_mean:.1f} % CH4 (< 30 %): needs "
                "approved safe conveyance and use"),
        Finding("L-VENT.data-coverage", "coverage of each day required for a verdict (assumption [U])",
                "data_quality", _cst(2025, 3, 7, 23, 45).astimezone(utc), _cst(2025, 3, 8).astimezone(utc),
                {"station": "L-VENT", "missing_s": l_vent_miss_s, "flag": "NOT_NUMERIC", "readings": 15},
                "低负压放空管：2025-03-07 23:45起15分钟为非数值读数，其后无有效数据，按缺失处理（不替代）",
                "Low-suction vent stack: 15 min of non-numeric readings from 2025-03-07 23:45 with no valid value "
                "after them — counted as missing (not substituted)"),
        Finding("TARGET.jincheng-60", "晋城 drained-gas utilization target ≥ 60 % (seed 000)", "info",
                _cst(2025, 3, 1).astimezone(utc), _cst(2025, 3, 8).astimezone(utc),
                {"utilization_rate_frac": round(balance.utilization_rate_drained_frac or 0.0, 6),
                 "target_frac": 0.6},
                f"瓦斯利用率{(balance.utilization_rate_drained_frac or 0) * 100:.2f}%，达到60%的目标",
                f"Utilization rate {(balance.utilization_rate_drained_frac or 0) * 100:.2f} % meets the 60 % target"),
    )

    batches = []
    for i, d in enumerate(days):
        name = f"{MINE}_KJ_{d:%Y%m%d}.zip"
        batches.append(InputBatch(
            f"B{d:%Y%m%d}01", name, 3_150_000 + 1_000 * i,
            hashlib.sha256(f"minegas example batch {name}".encode()).hexdigest(),
            48_960 - (2 if i == 2 else 0), 2 if i == 2 else 0,
            datetime(d.year, d.month, d.day, tzinfo=CST) + timedelta(days=1, minutes=5), "kj-cdss"))

    cals = (
        CalibrationRow(_pt("0022", 1, "0022", 1), "ch4_pct", date(2025, 2, 20), "calibration", "pass", "JZ-2025-0211",
                       date(2025, 3, 7), True, "overdue"),
        CalibrationRow(_pt("0037", 1, "0037", 5), "flow_pure", date(2024, 9, 15), "verification", "pass",
                       "JD-2024-1187", date(2025, 9, 15), False, "ok"),
        CalibrationRow(_pt("0036", 2, "0036", 2), "flow_mixed", date(2024, 11, 2), "verification", "pass",
                       "JD-2024-1390", date(2025, 11, 2), False, "ok"),
        CalibrationRow(_pt("0022", 5, "0022", 1), "ch4_pct", date(2025, 2, 28), "calibration", "pass", "JZ-2025-0236",
                       date(2025, 3, 15), False, "ok"),
        CalibrationRow(_pt("0022", 7, "0022", 1), "ch4_pct", None, None, None, None, None, False, "none"),
        CalibrationRow(_pt("0019", 9, "0019", 2, kj="01"), "air_flow", date(2025, 3, 5), "replacement", "pass",
                       "GH-2025-0031", date(2026, 3, 5), False, "ok"),
    )

    # Restatement no. 1: the R2 air-flow substitute was first 21 600 Nm³/min (the range maximum) and was corrected
    # to 20 000 (mean of the values around the gap, 40 CFR 98.325); 90 min × 1 600 Nm³/min × 0.42 % more VAM.
    vam_prev = vam + 1_600.0 * 90.0 * 0.0042
    emitted_prev = t(vam_prev + vented + residual) + post
    diffs = (
        RestatementDiff("vam_liberated_nm3", "风排瓦斯量", "VAM liberated", "Nm³", vam_prev, vam),
        RestatementDiff("emitted_ch4_t", "甲烷排放量(含采后)", "CH4 emitted (incl. post-mining)", "t", emitted_prev,
                        emitted_t),
        RestatementDiff("co2e_gross_t", "二氧化碳当量(总)", "CO2e (gross)", "t",
                        float(co2e_gross_t(emitted_prev, GWP_SET)), float(co2e_gross_t(emitted_t, GWP_SET))),
    )
    close = PeriodClose("restated", _cst(2025, 3, 9, 16, 0), 1, "2号回风立井风量替代值由量程上限更正为前后均值",
                        "R2 air-flow substitute corrected from the range maximum to the mean of the values around "
                        "the gap", diffs)

    meta = ReportMeta(
        mine_code=MINE, mine_name_zh="青岚煤矿(示例)", mine_name_en="Qinglan mine (demo)",
        enterprise_zh="晋岭煤业集团(示例)", enterprise_en="Jinling Coal Group (demo)",
        county_zh="山西省晋城市沁水县", county_en="Qinshui County, Jincheng, Shanxi",
        period_label=period.label, period_start=period.start, period_end=period.end, language=lang,
        generated_at=_cst(2025, 3, 10, 9, 30), software_version=__version__,
        methodology_id=cn_guideline.METHODOLOGY_ID, methodology_version=cn_guideline.VERSION,
        paramsets=(ParamSetRef("reference.demo.jincheng-demo", "2025.1"),),
        gwp_set=GWP_SET, gwp_horizon=100, ref_state="0C", density_name=DENSITY, co2e_convention="gross",
        gap_rule="epa_98_325", example=True,
    )
    return MrvReport(meta, points, balance, subs, findings, tuple(daily),
                     VerificationAppendix(tuple(batches), cals, close)).with_language(lang)
