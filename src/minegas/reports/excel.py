"""Excel workbook of the MRV report (XlsxWriter): the sheets people file, headers in Chinese and English.

Sheets (names ``<中文> <English>``): 封面 cover · 测点汇总 point totals · 甲烷平衡 methane balance · 数据替代
substitutions · 合规发现 findings · 日报 daily report · 核查附录 verification appendix.

- Numbers are written as numbers (full precision; display formats only round), units in the headers.
- Table sheets: title in row 1, notes in row 2, header in row 3 (:data:`HEADER_ROW`), data from row 4; the rows
  above the data are frozen; an autofilter covers the table.
- Totals a verifier recomputes are formulas (``SUM``, ``SUMIF``, ratios) with their computed value cached, so
  the file shows the numbers without recalculation and recalculates to the same numbers.
- Text is written with ``write_string`` (never interpreted as a formula). Fonts: 等线 (DengXian), the default
  Office font for Chinese; Excel renders with the user's fonts, nothing is embedded.
- Times are China Standard Time without an offset (Excel has no time zones); headers say so.
- The workbook is deterministic: its creation time is the report's ``generated_at``, so writing the same
  report twice gives the same bytes.
"""

from __future__ import annotations

import io
import json
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.utility import xl_rowcol_to_cell
from xlsxwriter.worksheet import Worksheet

from minegas.i18n import LABELS, label
from minegas.periods import CST
from minegas.physics.constants import CO2_PER_CH4_T_PER_T
from minegas.reports.model import MrvReport

FONT_NAME = "等线"
"""Cell font: 等线 (DengXian), Office's default font for Simplified Chinese (Windows 10+/Office 2016+)."""

TITLE_ROW, NOTE_ROW, HEADER_ROW = 0, 1, 2
FIRST_DATA_ROW = HEADER_ROW + 1

SHEET_KEYS: tuple[str, ...] = ("cover", "points", "balance", "substitutions", "findings", "daily", "appendix")


def sheet_name(key: str) -> str:
    """``<中文> <English>`` name of a sheet (``report.sheet.<key>`` label), at most 31 characters."""
    zh, en = LABELS[f"report.sheet.{key}"]
    return f"{zh} {en}"[:31]


def bi(key: str, unit: str = "") -> str:
    """Bilingual header text: Chinese line, English line, unit line."""
    zh, en = LABELS[key]
    return f"{zh}\n{en}" + (f"\n({unit})" if unit else "")


def _cst_naive(t: datetime) -> datetime:
    return t.astimezone(CST).replace(tzinfo=None)


def _ref(sheet: str, row: int, col: int, absolute: bool = True) -> str:
    return f"'{sheet}'!{xl_rowcol_to_cell(row, col, row_abs=absolute, col_abs=absolute)}"


@dataclass
class _Formats:
    title: Format
    note: Format
    header: Format
    text: Format
    wrap: Format
    code: Format
    int_: Format
    num1: Format
    num2: Format
    num3: Format
    num4: Format
    pct: Format
    dt: Format
    day: Format
    banner: Format
    section: Format
    total_text: Format
    total_int: Format
    total_num2: Format
    total_num3: Format
    total_pct: Format
    key: Format

    def total(self, fmt: Format) -> Format:
        return {id(self.int_): self.total_int, id(self.num2): self.total_num2, id(self.num3): self.total_num3,
                id(self.pct): self.total_pct}.get(id(fmt), self.total_num3)


def _formats(wb: xlsxwriter.Workbook) -> _Formats:
    def f(**kw: Any) -> Format:
        return wb.add_format({"font_name": FONT_NAME, "font_size": 10, "valign": "top", **kw})

    b = {"border": 1, "border_color": "#9AA5B1"}
    tot = {**b, "bold": True, "bg_color": "#F3F6F9", "top": 2}
    return _Formats(
        title=f(bold=True, font_size=14, font_color="#0D3B66"),
        note=f(font_size=9, font_color="#555555"),
        header=f(bold=True, text_wrap=True, align="center", valign="vcenter", bg_color="#E8EEF4", **b),
        text=f(**b), wrap=f(text_wrap=True, **b), code=f(font_name="Consolas", **b),
        int_=f(num_format="#,##0", **b), num1=f(num_format="#,##0.0", **b), num2=f(num_format="#,##0.00", **b),
        num3=f(num_format="#,##0.000", **b), num4=f(num_format="#,##0.0000", **b),
        pct=f(num_format="0.00%", **b), dt=f(num_format="yyyy-mm-dd hh:mm", align="left", **b),
        day=f(num_format="yyyy-mm-dd", align="left", **b),
        banner=f(bold=True, font_color="#B71C1C", font_size=12),
        section=f(bold=True, bg_color="#D9E3EC", **b),
        total_text=f(**tot), total_int=f(num_format="#,##0", **tot), total_num2=f(num_format="#,##0.00", **tot),
        total_num3=f(num_format="#,##0.000", **tot), total_pct=f(num_format="0.00%", **tot),
        key=f(bg_color="#F3F6F9", **b),
    )


@dataclass(frozen=True)
class _Col:
    header: str
    width: float
    kind: str  # text | wrap | code | int | num1..num4 | pct | dt | day
    get: Callable[[Any], Any]


def _write(ws: Worksheet, row: int, col: int, value: Any, fmt: Format, kind: str) -> None:
    """Write one value with the writer for its kind (None → blank cell with the format)."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        ws.write_blank(row, col, None, fmt)
    elif kind in ("dt",):
        ws.write_datetime(row, col, _cst_naive(value), fmt)
    elif kind == "day":
        ws.write_datetime(row, col, datetime(value.year, value.month, value.day), fmt)
    elif kind in ("text", "wrap", "code"):
        ws.write_string(row, col, str(value), fmt)
    else:
        ws.write_number(row, col, float(value), fmt)


def _fmt(fm: _Formats, kind: str) -> Format:
    return {"text": fm.text, "wrap": fm.wrap, "code": fm.code, "int": fm.int_, "num1": fm.num1, "num2": fm.num2,
            "num3": fm.num3, "num4": fm.num4, "pct": fm.pct, "dt": fm.dt, "day": fm.day}[kind]


def _table(ws: Worksheet, fm: _Formats, cols: Sequence[_Col], rows: Sequence[Any], header_row: int,
           *, header_height: float = 48, widths: bool = True, autofilter: bool = True) -> tuple[int, int]:
    """Header at ``header_row`` and one row per item; returns (first, last) data row (last < first if none)."""
    ws.set_row(header_row, header_height)
    for j, c in enumerate(cols):
        ws.write_string(header_row, j, c.header, fm.header)
        if widths:
            ws.set_column(j, j, c.width)
    r0 = header_row + 1
    for i, item in enumerate(rows):
        for j, c in enumerate(cols):
            _write(ws, r0 + i, j, c.get(item), _fmt(fm, c.kind), c.kind)
    last = r0 + len(rows) - 1
    if autofilter:
        ws.autofilter(header_row, 0, max(header_row, last), len(cols) - 1)
    return r0, last


def _title(ws: Worksheet, fm: _Formats, r: MrvReport, key: str, note: str = "") -> None:
    m = r.meta
    zh, en = LABELS[f"report.sheet.{key}"]
    ws.write_string(TITLE_ROW, 0, f"{zh} {en} — {m.mine_name_zh} {m.mine_name_en} ({m.mine_code}) · "
                    f"{m.period_label}" + (" · 示例 EXAMPLE" if m.example else ""), fm.title)
    ws.write_string(NOTE_ROW, 0, note or f"{label('report.units_note', 'zh')} · {label('report.units_note', 'en')}",
                    fm.note)


def _sum(col: int, r0: int, r1: int) -> str:
    if r1 < r0:
        return "=0"
    return f"=SUM({xl_rowcol_to_cell(r0, col)}:{xl_rowcol_to_cell(r1, col)})"


# --------------------------------------------------------------------------------------------------------------
# sheets


def _points(ws: Worksheet, fm: _Formats, r: MrvReport) -> None:
    _title(ws, fm, r, "points")

    def role(lang: int) -> Callable[[Any], str]:
        return lambda p: LABELS.get(f"report.role.{p.station_role}", (p.station_role, p.station_role))[lang]

    cols = [
        _Col(bi("report.col.station_code"), 11, "code", lambda p: p.station_code),
        _Col(bi("report.col.station") + "\n(中文)", 22, "text", lambda p: p.station_name_zh),
        _Col(bi("report.col.station") + "\n(English)", 24, "text", lambda p: p.station_name_en),
        _Col(bi("report.col.role") + "\n(code)", 14, "code", lambda p: p.station_role),
        _Col(bi("report.col.role"), 12, "text", lambda p: f"{role(0)(p)} {role(1)(p)}"),
        _Col(bi("report.col.point_code"), 30, "code", lambda p: p.point_code),
        _Col(bi("report.col.mixed", "Nm³"), 15, "int", lambda p: p.mixed_nm3),
        _Col(bi("report.col.pure", "Nm³"), 14, "int", lambda p: p.pure_ch4_nm3),
        _Col(bi("ch4_mass", "t"), 12, "num3", lambda p: p.ch4_t),
        _Col(bi("report.col.mean_flow", "Nm³/min"), 12, "num2", lambda p: p.mean_flow_nm3_min),
        _Col(bi("report.col.mean_ch4", "%"), 10, "num2", lambda p: p.mean_ch4_pct),
        _Col(bi("report.col.mean_t", "°C"), 11, "num2", lambda p: p.mean_t_c),
        _Col(bi("report.col.mean_p", "kPa"), 10, "num2", lambda p: p.mean_p_kpa),
        _Col(bi("report.col.pressure_kind"), 10, "text", lambda p: p.pressure_kind),
        _Col(bi("report.col.measured", "s"), 11, "int", lambda p: p.measured_s),
        _Col(bi("report.col.substituted", "s"), 11, "int", lambda p: p.substituted_s),
        _Col(bi("report.col.missing", "s"), 11, "int", lambda p: p.missing_s),
        _Col(bi("report.col.coverage", "%"), 10, "pct", lambda p: None),  # formula below
        _Col(bi("report.col.flags"), 26, "wrap", lambda p: f"{p.flags_text('zh')}\n{p.flags_text('en')}".strip()),
    ]
    r0, r1 = _table(ws, fm, cols, r.points, HEADER_ROW, header_height=62)
    c_meas, c_sub, c_miss, c_cov = 14, 15, 16, 17
    for i, p in enumerate(r.points):
        row = r0 + i
        m, s, x = (xl_rowcol_to_cell(row, c) for c in (c_meas, c_sub, c_miss))
        ws.write_formula(row, c_cov, f"=IF({m}+{s}+{x}>0,({m}+{s})/({m}+{s}+{x}),\"\")", fm.pct,
                         p.coverage_frac if p.coverage_frac is not None else "")
    ws.freeze_panes(FIRST_DATA_ROW, 1)
    # totals by station role (SUMIF over the role-code column): a sum over all rows would double count
    row = r1 + 2
    role_col = 3
    roles = list(dict.fromkeys(p.station_role for p in r.points))
    for rl in roles:
        zh, en = LABELS.get(f"report.role.{rl}", (rl, rl))
        ws.write_string(row, 0, f"{label('report.bal.total', 'zh')} {label('report.bal.total', 'en')}",
                        fm.total_text)
        ws.write_string(row, 1, zh, fm.total_text)
        ws.write_string(row, 2, en, fm.total_text)
        ws.write_string(row, role_col, rl, fm.total_text)
        rows = [p for p in r.points if p.station_role == rl]
        rng = f"{xl_rowcol_to_cell(r0, role_col, True, True)}:{xl_rowcol_to_cell(r1, role_col, True, True)}"
        for c, attr, f in ((6, "mixed_nm3", fm.total_int), (7, "pure_ch4_nm3", fm.total_int),
                           (8, "ch4_t", fm.total_num3)):
            srng = f"{xl_rowcol_to_cell(r0, c)}:{xl_rowcol_to_cell(r1, c)}"
            ws.write_formula(row, c, f'=SUMIF({rng},{xl_rowcol_to_cell(row, role_col)},{srng})', f,
                             math.fsum(getattr(p, attr) for p in rows))
        row += 1


@dataclass
class _BalanceRefs:
    drained_nm3: str = ""
    used_nm3: str = ""
    util_rate: str = ""
    drainage_rate: str = ""
    emitted_t: str = ""
    co2e_headline: str = ""


def _balance(ws: Worksheet, fm: _Formats, r: MrvReport, name: str) -> _BalanceRefs:
    b, m = r.balance, r.meta
    _title(ws, fm, r, "balance")
    headers = [bi("report.col.section"), bi("report.col.code"), bi("report.col.item") + "\n(中文)",
               bi("report.col.item") + "\n(English)", bi("report.col.pure", "Nm³"), bi("ch4_mass", "t"),
               bi("report.col.note")]
    widths = [18, 10, 30, 34, 16, 14, 40]
    ws.set_row(HEADER_ROW, 48)
    for j, (h, w) in enumerate(zip(headers, widths, strict=True)):
        ws.write_string(HEADER_ROW, j, h, fm.header)
        ws.set_column(j, j, w)
    ws.freeze_panes(FIRST_DATA_ROW, 0)
    refs = _BalanceRefs()
    row = FIRST_DATA_ROW
    C_NM3, C_T = 4, 5

    def cell(rw: int, c: int) -> str:
        return xl_rowcol_to_cell(rw, c)

    def section(key: str) -> None:
        nonlocal row
        zh, en = LABELS[key]
        ws.merge_range(row, 0, row, 6, f"{zh} {en}", fm.section)
        row += 1

    def lines(key: str, items: Sequence[Any]) -> tuple[int, float, float]:
        """Lines and a SUM subtotal; returns the subtotal's row."""
        nonlocal row
        zh, en = LABELS[key]
        first = row
        for ln in items:
            ws.write_string(row, 0, f"{zh} {en}", fm.text)
            ws.write_string(row, 1, ln.code, fm.code)
            ws.write_string(row, 2, ln.name_zh, fm.text)
            ws.write_string(row, 3, ln.name_en, fm.text)
            ws.write_number(row, C_NM3, ln.pure_ch4_nm3, fm.int_)
            ws.write_number(row, C_T, ln.ch4_t, fm.num3)
            ws.write_blank(row, 6, None, fm.text)
            row += 1
        nm3 = math.fsum(x.pure_ch4_nm3 for x in items)
        t = math.fsum(x.ch4_t for x in items)
        ws.write_string(row, 0, f"{zh} {en}", fm.total_text)
        ws.write_blank(row, 1, None, fm.total_text)
        ws.write_string(row, 2, f"{zh}{label('report.bal.subtotal', 'zh')}", fm.total_text)
        ws.write_string(row, 3, f"{en} {label('report.bal.subtotal', 'en')}", fm.total_text)
        ws.write_formula(row, C_NM3, _sum(C_NM3, first, row - 1), fm.total_int, nm3)
        ws.write_formula(row, C_T, _sum(C_T, first, row - 1), fm.total_num3, t)
        ws.write_string(row, 6, "SUM", fm.total_text)
        sub = row
        row += 1
        return sub, nm3, t

    def item(key: str, nm3: float | str | None, t: float | str | None, note: str = "", *, total: bool = False,
             cached: tuple[float | None, float | None] = (None, None), pct: bool = False) -> int:
        """One item; a str value is a formula (with ``cached`` values)."""
        nonlocal row
        zh, en = LABELS[key]
        tf = fm.total_text if total else fm.text
        ws.write_blank(row, 0, None, tf)
        ws.write_blank(row, 1, None, tf)
        ws.write_string(row, 2, zh, tf)
        ws.write_string(row, 3, en, tf)
        for c, v, cv, nf in ((C_NM3, nm3, cached[0], fm.pct if pct else fm.int_), (C_T, t, cached[1], fm.num3)):
            f = fm.total(nf) if total else nf
            if isinstance(v, str):
                ws.write_formula(row, c, v, f, cv if cv is not None else "")
            elif v is None:
                ws.write_blank(row, c, None, f)
            else:
                ws.write_number(row, c, v, f)
        ws.write_string(row, 6, note, tf)
        row += 1
        return row - 1

    section("report.bal.section.drainage")
    r_dr, _, dr_t = lines("report.bal.drained", b.drained)
    r_ut, _, ut_t = lines("report.bal.utilized", b.utilized)
    r_tr, _, tr_t = lines("report.bal.transferred", b.transferred)
    r_fl, _, fl_t = lines("report.bal.flared", b.flared)
    r_ve, _, ve_t = lines("report.bal.vented", b.vented)
    r_res = item("report.bal.residual", b.residual_nm3, b.residual_t,
                 "drained − utilized − transferred − flared − vented")
    outflows = [r_ut, r_tr, r_fl, r_ve, r_res]
    item("report.bal.closure",
         f"={cell(r_dr, C_NM3)}-(" + "+".join(cell(x, C_NM3) for x in outflows) + ")",
         f"={cell(r_dr, C_T)}-(" + "+".join(cell(x, C_T) for x in outflows) + ")",
         "0", total=True, cached=(b.closure_nm3, dr_t - (ut_t + tr_t + fl_t + ve_t + b.residual_t)))
    section("report.bal.section.vam")
    r_vl, _, vl_t = lines("report.bal.vam_liberated", b.vam_liberated)
    r_vo, _, vo_t = lines("report.bal.vam_oxidized", b.vam_oxidized)
    item("report.bal.vam_released", f"={cell(r_vl, C_NM3)}-{cell(r_vo, C_NM3)}",
         f"={cell(r_vl, C_T)}-{cell(r_vo, C_T)}", total=True, cached=(b.vam_released_nm3, vl_t - vo_t))
    section("report.bal.section.emissions")
    item("report.bal.destroyed", b.destroyed_nm3, b.destroyed_t, m.methodology_id)
    r_eu = item("report.bal.emitted_ug", b.emitted_underground_nm3, b.emitted_underground_t, m.methodology_id)
    r_pm = item("report.bal.post_mining", None, b.post_mining_ch4_t, m.methodology_id)
    r_em = item("report.bal.emitted", None, f"={cell(r_eu, C_T)}+{cell(r_pm, C_T)}", total=True,
                cached=(None, b.emitted_ch4_t))
    section("report.bal.section.rates")
    r_used = item("report.bal.used", f"={cell(r_ut, C_NM3)}+{cell(r_tr, C_NM3)}",
                  f"={cell(r_ut, C_T)}+{cell(r_tr, C_T)}", cached=(b.used_nm3, ut_t + tr_t))
    r_lib = item("report.bal.liberated", f"={cell(r_dr, C_NM3)}+{cell(r_vl, C_NM3)}", None,
                 cached=(b.liberated_nm3, None))

    def ratio(num: int, den: int) -> str:
        return f'=IF({cell(den, C_NM3)}>0,{cell(num, C_NM3)}/{cell(den, C_NM3)},"")'

    r_ur = item("report.rate.util_drained", ratio(r_used, r_dr), None, "seed 000: 12.35 / 20.7 = 59.66 %",
                pct=True, cached=(b.utilization_rate_drained_frac, None))
    item("report.rate.util_liberated", ratio(r_used, r_lib), None, pct=True,
         cached=(b.utilization_rate_liberated_frac, None))
    r_drr = item("report.rate.drainage", ratio(r_dr, r_lib), None, "煤矿瓦斯抽采达标暂行规定 [U]", pct=True,
                 cached=(b.drainage_rate_frac, None))

    # CO2e table
    row += 1
    zh, en = LABELS["report.co2e.title"]
    ws.write_string(row, 0, f"{zh} {en}", fm.title)
    row += 1
    co2e_headers = [bi("report.col.convention"), bi("report.col.basis"), "CH4\n(t)", bi("report.col.gwp"),
                    bi("report.col.co2e", "t"), bi("report.col.note"), "GWP set"]
    ws.set_row(row, 48)
    for j, h in enumerate(co2e_headers):
        ws.write_string(row, j, h, fm.header)
    row += 1
    for c in b.co2e:
        czh, cen = LABELS[f"report.co2e.{c.convention}"]
        bzh, ben = LABELS[f"report.co2e.{c.basis}"]
        ws.write_string(row, 0, f"{czh} {cen}", fm.text)
        ws.write_string(row, 1, f"{bzh} {ben}", fm.text)
        ws.write_number(row, 2, c.ch4_t, fm.num3)
        ws.write_number(row, 3, c.gwp_value, fm.num1)
        ch4, g = cell(row, 2), cell(row, 3)
        if c.convention == "gross":
            formula, note = f"={ch4}*{g}", "t CH4 × GWP"
        elif c.convention == "net":
            formula, note = f"={ch4}*({g}-44/16)", "t CH4 destroyed × (GWP − 44/16)"
        else:
            formula = (f"={ch4}*({g}-44/16)+{c.power_mwh!r}*{c.grid_ef_t_per_mwh!r}"
                       f"+{c.heat_gj!r}*{c.heat_ef_t_per_gj!r}")
            note = (f"net + {c.power_mwh:g} MWh × {c.grid_ef_t_per_mwh:g} t/MWh + {c.heat_gj:g} GJ × "
                    f"{c.heat_ef_t_per_gj:g} t/GJ")
        assert math.isclose(CO2_PER_CH4_T_PER_T, 44 / 16)
        ws.write_formula(row, 4, formula, fm.num1, c.co2e_t)
        ws.write_string(row, 5, note, fm.text)
        ws.write_string(row, 6, f"{c.gwp_set}/{c.gwp_horizon}", fm.text)
        if c.convention == m.co2e_convention and not refs.co2e_headline:
            refs.co2e_headline = _ref(name, row, 4)
        row += 1
    refs.drained_nm3 = _ref(name, r_dr, C_NM3)
    refs.used_nm3 = _ref(name, r_used, C_NM3)
    refs.util_rate = _ref(name, r_ur, C_NM3)
    refs.drainage_rate = _ref(name, r_drr, C_NM3)
    refs.emitted_t = _ref(name, r_em, C_T)
    return refs


def _cover(ws: Worksheet, fm: _Formats, r: MrvReport, refs: _BalanceRefs) -> None:
    m, b = r.meta, r.balance
    ws.write_string(TITLE_ROW, 0, f"{label('report.title', 'zh')} · {label('report.title', 'en')}", fm.title)
    ws.write_string(NOTE_ROW, 0, f"{label('report.example_banner', 'zh')} · {label('report.example_banner', 'en')}"
                    if m.example else f"{m.mine_name_zh} {m.mine_name_en} · {m.period_label}",
                    fm.banner if m.example else fm.note)
    ws.set_row(HEADER_ROW, 32)
    for j, (h, w) in enumerate(((bi("report.col.item") + "\n(中文)", 26), (bi("report.col.item") + "\n(English)", 30),
                                (bi("value"), 60))):
        ws.write_string(HEADER_ROW, j, h, fm.header)
        ws.set_column(j, j, w)
    ws.freeze_panes(FIRST_DATA_ROW, 0)
    rows: list[tuple[str, Any, str]] = [
        ("report.mine_name", f"{m.mine_name_zh} / {m.mine_name_en}", "text"),
        ("report.mine_code", m.mine_code, "code"),
        ("report.enterprise", f"{m.enterprise_zh} / {m.enterprise_en}", "text"),
        ("report.county", f"{m.county_zh} / {m.county_en}", "text"),
        ("report.period", m.period_label, "text"),
        ("report.period_start", m.period_start, "dt"),
        ("report.period_end", m.period_end, "dt"),
        ("report.app.close", " / ".join(LABELS[f"report.close.{r.appendix.period_close.status}"]), "text"),
        ("report.language", m.language, "text"),
        ("report.generated_at", m.generated_at, "dt"),
        ("report.software_version", f"minegas {m.software_version}", "text"),
        ("report.methodology", m.methodology_id, "text"),
        ("report.methodology_version", m.methodology_version, "wrap"),
        ("report.paramsets", "\n".join(f"{p.id} v{p.version}" for p in m.paramsets) or "—", "wrap"),
        ("report.gwp_set", f"{m.gwp_set}, {m.gwp_horizon} a, GWP = {m.gwp_value:g}", "text"),
        ("ref_state", f"{m.ref_state}: {m.state.label_zh} / {m.state.label_en}", "text"),
        ("density", f"{m.density_name}: {m.density.kg_m3:g} kg/m³", "text"),
        ("report.co2e_convention", m.co2e_convention, "text"),
        ("report.gap_rule", m.gap_rule, "text"),
        ("report.example", "是 yes" if m.example else "否 no", "text"),
    ]
    row = FIRST_DATA_ROW
    for key, value, kind in rows:
        zh, en = LABELS[key]
        ws.write_string(row, 0, zh, fm.key)
        ws.write_string(row, 1, en, fm.key)
        _write(ws, row, 2, value, _fmt(fm, kind), kind)
        row += 1
    row += 1
    zh, en = LABELS["report.section.indicators"]
    ws.write_string(row, 0, f"{zh} {en}", fm.title)
    row += 1
    head = b.co2e_headline(m.co2e_convention)
    figures: list[tuple[str, str, float | None, Format, str]] = [
        ("report.bal.drained", refs.drained_nm3, b.drained_nm3, fm.int_, "Nm³"),
        ("report.bal.used", refs.used_nm3, b.used_nm3, fm.int_, "Nm³"),
        ("report.rate.util_drained", refs.util_rate, b.utilization_rate_drained_frac, fm.pct, ""),
        ("report.rate.drainage", refs.drainage_rate, b.drainage_rate_frac, fm.pct, ""),
        ("report.bal.emitted", refs.emitted_t, b.emitted_ch4_t, fm.num3, "t"),
    ]
    if head is not None and refs.co2e_headline:
        figures.append(("report.co2e.title", refs.co2e_headline, head.co2e_t, fm.num1,
                        f"t CO2e ({m.co2e_convention}, {m.gwp_set}/{m.gwp_horizon})"))
    for key, ref, cached, f, unit in figures:
        zh, en = LABELS[key]
        ws.write_string(row, 0, zh + (f" ({unit})" if unit else ""), fm.key)
        ws.write_string(row, 1, en + (f" ({unit})" if unit else ""), fm.key)
        ws.write_formula(row, 2, f"={ref}", f, cached if cached is not None else "")
        row += 1


def _substitutions(ws: Worksheet, fm: _Formats, r: MrvReport) -> None:
    _title(ws, fm, r, "substitutions")

    def lab(prefix: str, key: str, i: int) -> str:
        return LABELS.get(prefix + key, (key, key))[i]

    cols = [
        _Col(bi("report.col.station_code"), 11, "code", lambda s: s.station_code),
        _Col(bi("report.col.point_code"), 30, "code", lambda s: s.point_code),
        _Col(bi("report.col.parameter") + "\n(code)", 14, "code", lambda s: s.parameter),
        _Col(bi("report.col.parameter"), 16, "text",
             lambda s: f"{lab('report.param.', s.parameter, 0)} {lab('report.param.', s.parameter, 1)}"),
        _Col(bi("report.col.window_start", "CST"), 17, "dt", lambda s: s.window_start),
        _Col(bi("report.col.window_end", "CST"), 17, "dt", lambda s: s.window_end),
        _Col(bi("report.col.rule"), 14, "code", lambda s: s.rule),
        _Col(bi("report.col.before"), 12, "num4", lambda s: s.before_value),
        _Col(bi("report.col.after"), 12, "num4", lambda s: s.after_value),
        _Col(bi("report.col.value_used"), 12, "num4", lambda s: s.value_used),
        _Col(bi("unit"), 10, "text", lambda s: s.unit),
        _Col(bi("report.col.duration", "s"), 11, "int", lambda s: s.seconds),
        _Col(bi("report.col.duration", "h"), 10, "num2", lambda s: None),  # formula
        _Col(bi("report.col.reason") + "\n(中文)", 26, "wrap", lambda s: s.reason_zh),
        _Col(bi("report.col.reason") + "\n(English)", 30, "wrap", lambda s: s.reason_en),
    ]
    r0, r1 = _table(ws, fm, cols, r.substitutions, HEADER_ROW, header_height=62)
    for i, s in enumerate(r.substitutions):
        ws.write_formula(r0 + i, 12, f"={xl_rowcol_to_cell(r0 + i, 11)}/3600", fm.num2, s.seconds / 3600.0)
    ws.freeze_panes(FIRST_DATA_ROW, 0)
    row = max(r1, r0 - 1) + 1
    ws.write_string(row, 0, f"{label('report.bal.total', 'zh')} {label('report.bal.total', 'en')}", fm.total_text)
    secs = math.fsum(s.seconds for s in r.substitutions)
    ws.write_formula(row, 11, _sum(11, r0, r1), fm.total_int, secs)
    ws.write_formula(row, 12, _sum(12, r0, r1), fm.total_num2, secs / 3600.0)


def _findings(ws: Worksheet, fm: _Formats, r: MrvReport) -> None:
    _title(ws, fm, r, "findings")
    cols = [
        _Col(bi("report.col.rule_id"), 30, "code", lambda f: f.rule_id),
        _Col(bi("report.col.severity") + "\n(code)", 14, "code", lambda f: f.severity),
        _Col(bi("report.col.severity"), 12, "text",
             lambda f: " ".join(LABELS.get(f"report.sev.{f.severity}", (f.severity, f.severity)))),
        _Col(bi("report.col.window_start", "CST"), 17, "dt", lambda f: f.window_start),
        _Col(bi("report.col.window_end", "CST"), 17, "dt", lambda f: f.window_end),
        _Col(bi("report.col.clause"), 36, "wrap", lambda f: f.clause),
        _Col(bi("report.col.message_zh"), 50, "wrap", lambda f: f.message_zh),
        _Col(bi("report.col.message_en"), 50, "wrap", lambda f: f.message_en),
        _Col(bi("report.col.evidence", "JSON"), 50, "wrap",
             lambda f: json.dumps(f.evidence, ensure_ascii=False, sort_keys=True, default=str)),
    ]
    _table(ws, fm, cols, r.findings, HEADER_ROW)
    ws.freeze_panes(FIRST_DATA_ROW, 1)


def _daily(ws: Worksheet, fm: _Formats, r: MrvReport) -> None:
    _title(ws, fm, r, "daily", f"{label('report.units_note', 'zh')} · {label('report.units_note', 'en')} · "
           "合计行浓度 = 纯量/混合量 (flow-weighted)")
    cols = [
        _Col(bi("report.col.day"), 12, "day", lambda d: d.day),
        _Col(bi("report.col.station_code"), 11, "code", lambda d: d.station_code),
        _Col(bi("report.col.station") + "\n(中文)", 20, "text", lambda d: d.station_name_zh),
        _Col(bi("report.col.station") + "\n(English)", 24, "text", lambda d: d.station_name_en),
        _Col(bi("report.col.mixed", "Nm³"), 14, "int", lambda d: d.mixed_nm3),
        _Col(bi("report.col.pure", "Nm³"), 14, "int", lambda d: d.pure_ch4_nm3),
        _Col(bi("report.col.mean_ch4", "%"), 10, "num2", lambda d: d.mean_ch4_pct),
        _Col(bi("report.col.used_day", "Nm³"), 14, "int", lambda d: d.utilized_nm3),
        _Col(bi("report.bal.flared", "Nm³"), 12, "int", lambda d: d.flared_nm3),
        _Col(bi("report.bal.vented", "Nm³"), 12, "int", lambda d: d.vented_nm3),
        _Col(bi("report.col.util_rate", "%"), 11, "pct", lambda d: None),  # formula
    ]
    r0, r1 = _table(ws, fm, cols, r.daily, HEADER_ROW)
    C_MIX, C_PURE, C_PCT, C_USED, C_FL, C_VE, C_RATE = 4, 5, 6, 7, 8, 9, 10

    def rate_formula(row: int) -> str:
        p, u = xl_rowcol_to_cell(row, C_PURE), xl_rowcol_to_cell(row, C_USED)
        return f'=IF({p}>0,{u}/{p},"")'

    for i, d in enumerate(r.daily):
        v = d.utilization_rate_frac
        ws.write_formula(r0 + i, C_RATE, rate_formula(r0 + i), fm.pct, v if v is not None else "")
    ws.freeze_panes(FIRST_DATA_ROW, 2)
    if not r.daily:
        return
    row = r1 + 2
    code_rng = f"{xl_rowcol_to_cell(r0, 1, True, True)}:{xl_rowcol_to_cell(r1, 1, True, True)}"
    stations = list(dict.fromkeys((d.station_code, d.station_name_zh, d.station_name_en) for d in r.daily))
    total_zh, total_en = LABELS["report.daily.total_station"]

    def totals_row(row: int, rows: Sequence[Any], sum_of: Callable[[int], str]) -> None:
        mixed = math.fsum(d.mixed_nm3 for d in rows)
        pure = math.fsum(d.pure_ch4_nm3 for d in rows)
        used = math.fsum(d.utilized_nm3 for d in rows)
        for c, v in ((C_MIX, mixed), (C_PURE, pure), (C_USED, used),
                     (C_FL, math.fsum(d.flared_nm3 for d in rows)), (C_VE, math.fsum(d.vented_nm3 for d in rows))):
            ws.write_formula(row, c, sum_of(c), fm.total_int, v)
        mx, pu, us = (xl_rowcol_to_cell(row, c) for c in (C_MIX, C_PURE, C_USED))
        ws.write_formula(row, C_PCT, f'=IF({mx}>0,{pu}/{mx}*100,"")', fm.total_num2,
                         pure / mixed * 100.0 if mixed > 0 else "")
        ws.write_formula(row, C_RATE, f'=IF({pu}>0,{us}/{pu},"")', fm.total_pct, used / pure if pure > 0 else "")

    for code, zh, en in stations:
        ws.write_string(row, 0, f"{total_zh} {total_en}", fm.total_text)
        ws.write_string(row, 1, code, fm.total_text)
        ws.write_string(row, 2, zh, fm.total_text)
        ws.write_string(row, 3, en, fm.total_text)
        rows = [d for d in r.daily if d.station_code == code]
        crit = xl_rowcol_to_cell(row, 1)

        def sumif(c: int, crit: str = crit) -> str:
            return f"=SUMIF({code_rng},{crit},{xl_rowcol_to_cell(r0, c)}:{xl_rowcol_to_cell(r1, c)})"

        totals_row(row, rows, sumif)
        row += 1
    ws.write_string(row, 0, f"{label('report.bal.total', 'zh')} {label('report.bal.total', 'en')}", fm.total_text)
    for c in (1, 2, 3):
        ws.write_blank(row, c, None, fm.total_text)
    totals_row(row, list(r.daily), lambda c: _sum(c, r0, r1))


def _appendix(ws: Worksheet, fm: _Formats, r: MrvReport) -> None:
    m, a = r.meta, r.appendix
    _title(ws, fm, r, "appendix")
    ws.freeze_panes(HEADER_ROW, 0)
    widths = [34, 14, 14, 14, 14, 17, 14, 68]
    for j, w in enumerate(widths):
        ws.set_column(j, j, w)
    row = HEADER_ROW

    def heading(key: str) -> None:
        nonlocal row
        zh, en = LABELS[key]
        ws.write_string(row, 0, f"{zh} {en}", fm.title)
        row += 1

    heading("report.app.settings")
    settings: list[tuple[str, str]] = [
        ("report.methodology", m.methodology_id),
        ("report.methodology_version", m.methodology_version),
        ("report.paramsets", "; ".join(f"{p.id} v{p.version}" for p in m.paramsets) or "—"),
        ("report.gwp_set", f"{m.gwp_set}, {m.gwp_horizon} a, GWP = {m.gwp_value:g}"),
        ("ref_state", f"{m.ref_state}: {m.state.label_zh} / {m.state.label_en}"),
        ("density", f"{m.density_name}: {m.density.kg_m3:g} kg/m³ — {m.density.source}"),
        ("report.co2e_convention", m.co2e_convention),
        ("report.gap_rule", m.gap_rule),
        ("report.software_version", f"minegas {m.software_version}"),
        ("report.generated_at", f"{_cst_naive(m.generated_at):%Y-%m-%d %H:%M} CST"),
    ]
    for key, value in settings:
        zh, en = LABELS[key]
        ws.write_string(row, 0, f"{zh} {en}", fm.key)
        ws.merge_range(row, 1, row, 7, value, fm.wrap)
        row += 1
    row += 1

    heading("report.app.batches")
    cols = [
        _Col(bi("report.col.file"), 0, "code", lambda b: b.file_name),
        _Col(bi("report.col.batch_id"), 0, "code", lambda b: b.batch_id),
        _Col(bi("report.col.bytes"), 0, "int", lambda b: b.bytes),
        _Col(bi("report.col.accepted"), 0, "int", lambda b: b.records_accepted),
        _Col(bi("report.col.rejected"), 0, "int", lambda b: b.records_rejected),
        _Col(bi("report.col.received_at", "CST"), 0, "dt", lambda b: b.received_at),
        _Col(bi("report.col.format"), 0, "code", lambda b: b.format),
        _Col(bi("report.col.sha256"), 0, "code", lambda b: b.sha256),
    ]
    r0, r1 = _table(ws, fm, cols, a.batches, row, widths=False)
    row = max(r1, r0 - 1) + 1
    ws.write_string(row, 0, f"{label('report.bal.total', 'zh')} {label('report.bal.total', 'en')}", fm.total_text)
    for c, v in ((2, sum(b.bytes for b in a.batches)), (3, sum(b.records_accepted for b in a.batches)),
                 (4, sum(b.records_rejected for b in a.batches))):
        ws.write_formula(row, c, _sum(c, r0, r1), fm.total_int, v)
    row += 2

    heading("report.app.calibrations")

    def lab(prefix: str, key: str | None) -> str | None:
        return None if key is None else " ".join(LABELS.get(prefix + key, (key, "")))

    cols = [
        _Col(bi("report.col.point_code"), 0, "code", lambda c: c.point_code),
        _Col(bi("report.col.quantity"), 0, "code", lambda c: c.quantity),
        _Col(bi("report.col.last_cal"), 0, "day", lambda c: c.last_performed_on),
        _Col(bi("report.col.cal_kind"), 0, "text", lambda c: lab("report.calkind.", c.last_kind)),
        _Col(bi("report.col.cal_result"), 0, "text", lambda c: lab("report.calresult.", c.last_result)),
        _Col(bi("report.col.certificate"), 0, "text", lambda c: c.certificate),
        _Col(bi("report.col.next_due"), 0, "day", lambda c: c.next_due),
        _Col(bi("report.col.status"), 0, "text", lambda c: lab("report.cal.", c.status)),
    ]
    r0, r1 = _table(ws, fm, cols, a.calibrations, row, widths=False, autofilter=False)
    row = max(r1, r0 - 1) + 2

    heading("report.app.close")
    pc = a.period_close
    close_rows: list[tuple[str, Any, str]] = [
        ("report.col.status", " ".join(LABELS[f"report.close.{pc.status}"]) + f" ({pc.status})", "text"),
        ("report.col.closed_at", pc.closed_at, "dt"),
        ("report.col.restatement_no", pc.restatement_no, "int"),
        ("report.col.reason", f"{pc.reason_zh}\n{pc.reason_en}".strip(), "wrap"),
    ]
    for key, value, kind in close_rows:
        zh, en = LABELS[key]
        ws.write_string(row, 0, f"{zh} {en}", fm.key)
        if kind == "wrap":
            ws.merge_range(row, 1, row, 7, value, fm.wrap)
        else:
            _write(ws, row, 1, value, _fmt(fm, kind), kind)
        row += 1
    if pc.diffs:
        row += 1
        cols = [
            _Col(bi("report.col.item"), 0, "text", lambda d: f"{d.label_zh} {d.label_en}"),
            _Col(bi("unit"), 0, "text", lambda d: d.unit),
            _Col(bi("report.col.previous"), 0, "num3", lambda d: d.previous),
            _Col(bi("report.col.current"), 0, "num3", lambda d: d.current),
            _Col(bi("report.col.delta"), 0, "num3", lambda d: None),  # formula
            _Col(bi("report.col.item") + "\n(code)", 0, "code", lambda d: d.quantity),
        ]
        r0, _ = _table(ws, fm, cols, pc.diffs, row, widths=False, autofilter=False)
        for i, d in enumerate(pc.diffs):
            ws.write_formula(r0 + i, 4, f"={xl_rowcol_to_cell(r0 + i, 3)}-{xl_rowcol_to_cell(r0 + i, 2)}", fm.num3,
                             d.delta)


def render_xlsx(report: MrvReport) -> bytes:
    """The report as an .xlsx workbook (bytes); sheets and layout as in the module docstring."""
    r = report
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True, "strings_to_numbers": False, "strings_to_formulas": False,
                                   "strings_to_urls": False,
                                   "default_format_properties": {"font_name": FONT_NAME, "font_size": 10}})
    m = r.meta
    created = m.generated_at.astimezone(UTC).replace(tzinfo=None)
    wb.set_properties({"title": f"{label('report.title', 'zh')} {m.mine_code} {m.period_label}",
                       "subject": f"{m.mine_name_zh} {m.mine_name_en}", "author": "minegas",
                       "company": m.enterprise_zh, "comments": f"minegas {m.software_version}; {m.methodology_id}",
                       "keywords": "MRV, CMM, 煤矿瓦斯" + (", 示例 example" if m.example else ""),
                       "created": created})
    fm = _formats(wb)
    sheets = {k: wb.add_worksheet(sheet_name(k)) for k in SHEET_KEYS}
    _points(sheets["points"], fm, r)
    refs = _balance(sheets["balance"], fm, r, sheet_name("balance"))
    _cover(sheets["cover"], fm, r, refs)
    _substitutions(sheets["substitutions"], fm, r)
    _findings(sheets["findings"], fm, r)
    _daily(sheets["daily"], fm, r)
    _appendix(sheets["appendix"], fm, r)
    for ws in sheets.values():
        ws.set_landscape()
        ws.set_paper(9)  # A4
        ws.fit_to_pages(1, 0)
        ws.repeat_rows(HEADER_ROW)
    sheets["cover"].activate()
    wb.close()
    return buf.getvalue()


__all__ = ["FIRST_DATA_ROW", "FONT_NAME", "HEADER_ROW", "SHEET_KEYS", "bi", "render_xlsx", "sheet_name"]
