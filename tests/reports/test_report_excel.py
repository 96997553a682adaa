"""The Excel workbook: opens with openpyxl, sheet names and bilingual headers, frozen header rows, CJK font,
numbers equal to the model, totals as real formulas that recompute (with the small evaluator at the end of this
file) to the cached values and to independent hand figures."""

from __future__ import annotations

import dataclasses
import io
import re
from typing import Any

import openpyxl
import pytest
from openpyxl.utils.cell import range_boundaries
from openpyxl.workbook.workbook import Workbook

from minegas.reports import example_report
from minegas.reports.excel import FIRST_DATA_ROW, FONT_NAME, HEADER_ROW, render_xlsx, sheet_name

SHEETS = ["封面 cover", "测点汇总 point totals", "甲烷平衡 methane balance", "数据替代 substitutions",
          "合规发现 findings", "日报 daily report", "核查附录 verification appendix"]
HDR = HEADER_ROW + 1  # 1-based header row in openpyxl


@pytest.fixture(scope="module")
def xlsx() -> bytes:
    return render_xlsx(example_report("zh"))


@pytest.fixture(scope="module")
def wb(xlsx: bytes) -> Workbook:
    return openpyxl.load_workbook(io.BytesIO(xlsx))


@pytest.fixture(scope="module")
def wb_values(xlsx: bytes) -> Workbook:
    return openpyxl.load_workbook(io.BytesIO(xlsx), data_only=True)


def _headers(wb: Workbook, key: str) -> list[str]:
    ws = wb[sheet_name(key)]
    return [c.value for c in ws[HDR] if c.value is not None]


def _find_row(ws: object, col: int, text: str) -> int:
    for row in ws.iter_rows(min_col=col, max_col=col):  # type: ignore[attr-defined]
        c = row[0]
        if isinstance(c.value, str) and text in c.value:
            return c.row
    raise AssertionError(f"{text!r} not found")


def test_sheet_names(wb: Workbook) -> None:
    assert wb.sheetnames == SHEETS
    assert [sheet_name(k) for k in ("cover", "balance", "daily", "appendix")] == [SHEETS[0], SHEETS[2], SHEETS[5],
                                                                                 SHEETS[6]]


@pytest.mark.parametrize(("key", "expected"), [
    ("points", [("测站编码", "station code"), ("混合量", "mixed volume", "(Nm³)"), ("甲烷纯量", "pure CH4", "(Nm³)"),
                ("甲烷质量", "CH4 mass", "(t)"), ("平均甲烷浓度", "mean CH4", "(%)"), ("实测时长", "measured", "(s)"),
                ("替代时长", "substituted", "(s)"), ("缺失时长", "missing", "(s)"), ("质量标志", "QA flags")]),
    ("substitutions", [("参数", "parameter"), ("替代规则", "rule"), ("替代值", "value used"),
                       ("时长", "duration", "(s)")]),
    ("findings", [("规则", "rule"), ("性质", "severity"), ("发现(中文)",), ("发现(英文)", "finding (English)")]),
    ("daily", [("日期", "date"), ("混合量", "(Nm³)"), ("甲烷纯量",), ("平均甲烷浓度", "(%)"), ("利用量(含外输)",),
               ("放空量", "vented"), ("利用率", "utilization rate")]),
    ("balance", [("类别", "section"), ("甲烷纯量", "pure CH4", "(Nm³)"), ("甲烷质量", "CH4 mass", "(t)")]),
])
def test_bilingual_headers(wb: Workbook, key: str, expected: list[tuple[str, ...]]) -> None:
    headers = _headers(wb, key)
    for parts in expected:
        assert any(all(p in h for p in parts) for h in headers), (parts, headers)
    for h in headers:  # every header has a Chinese line and an English line
        assert "\n" in h


def test_frozen_header_rows_font_and_widths(wb: Workbook) -> None:
    for key, freeze in (("points", "B4"), ("balance", "A4"), ("substitutions", "A4"), ("findings", "B4"),
                        ("daily", "C4"), ("cover", "A4")):
        assert wb[sheet_name(key)].freeze_panes == freeze
    assert wb[sheet_name("appendix")].freeze_panes == "A3"
    ws = wb[sheet_name("points")]
    assert ws.cell(FIRST_DATA_ROW + 1, 7).font.name == FONT_NAME == "等线"
    assert ws.cell(HDR, 1).font.b
    assert ws.column_dimensions["F"].width >= 30  # point codes fit


def test_numbers_equal_model(wb: Workbook) -> None:
    r = example_report("zh")
    ws = wb[sheet_name("points")]
    for i, p in enumerate(r.points):
        row = FIRST_DATA_ROW + 1 + i
        assert ws.cell(row, 1).value == p.station_code
        assert ws.cell(row, 6).value == p.point_code
        got = [ws.cell(row, c).value for c in (7, 8, 9, 15, 16, 17)]
        # XlsxWriter writes 16 significant digits (Excel itself keeps 15)
        assert got == pytest.approx([p.mixed_nm3, p.pure_ch4_nm3, p.ch4_t, p.measured_s, p.substituted_s,
                                     p.missing_s], rel=1e-15)
        assert isinstance(ws.cell(row, 8).value, (int, float))  # numbers as numbers, not text
    ws = wb[sheet_name("daily")]
    for i, d in enumerate(r.daily):
        row = FIRST_DATA_ROW + 1 + i
        assert ws.cell(row, 1).value.date() == d.day
        assert [ws.cell(row, c).value for c in (5, 6, 7, 8, 9, 10)] == pytest.approx([
            d.mixed_nm3, d.pure_ch4_nm3, d.mean_ch4_pct, d.utilized_nm3, d.flared_nm3, d.vented_nm3], rel=1e-15)
    ws = wb[sheet_name("balance")]
    codes = {ws.cell(row, 2).value: ws.cell(row, 5).value for row in range(FIRST_DATA_ROW + 1, ws.max_row + 1)}
    for ln in (*r.balance.drained, *r.balance.utilized, *r.balance.vented, *r.balance.transferred,
               *r.balance.vam_liberated):
        assert codes[ln.code] == pytest.approx(ln.pure_ch4_nm3, rel=1e-15)
    ws = wb[sheet_name("appendix")]
    hashes = {c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str) and len(c.value) == 64}
    assert hashes == {b.sha256 for b in r.appendix.batches}
    ws = wb[sheet_name("substitutions")]
    assert [ws.cell(FIRST_DATA_ROW + 1 + i, 12).value for i in range(2)] == [1200.0, 5400.0]


def test_formulas_present_where_a_verifier_expects_them(wb: Workbook) -> None:
    ws = wb[sheet_name("balance")]
    r_drained = _find_row(ws, 3, "抽采量小计")
    assert ws.cell(r_drained, 5).value == f"=SUM(E{r_drained - 2}:E{r_drained - 1})"
    r_check = _find_row(ws, 3, "平衡校核")
    assert ws.cell(r_check, 5).value.startswith(f"=E{r_drained}-(")
    r_rate = _find_row(ws, 3, "瓦斯利用率")
    assert ws.cell(r_rate, 5).value.startswith("=IF(")
    ws = wb[sheet_name("daily")]
    formulas = [c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str) and c.value[:1] == "="]
    assert any(f.startswith("=SUMIF(") for f in formulas) and any(f.startswith("=SUM(") for f in formulas)
    ws = wb[sheet_name("points")]
    assert any(isinstance(c.value, str) and c.value.startswith("=SUMIF(") for row in ws.iter_rows() for c in row)
    ws = wb[sheet_name("cover")]
    assert any(isinstance(c.value, str) and c.value.startswith("='甲烷平衡 methane balance'!")
               for row in ws.iter_rows() for c in row)


def _recompute_all(xlsx: bytes) -> int:
    """Evaluate every formula of the workbook and compare with the cached value; returns the count."""
    wb = openpyxl.load_workbook(io.BytesIO(xlsx))
    wb_values = openpyxl.load_workbook(io.BytesIO(xlsx), data_only=True)
    ev = FormulaEvaluator(wb)
    n = 0
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                if c.data_type == "f":
                    got = ev.evaluate(ws.title, c.value)
                    cached = wb_values[ws.title][c.coordinate].value
                    if cached in (None, ""):
                        assert got in ("", 0.0), (ws.title, c.coordinate, c.value, got)
                    else:
                        assert got == pytest.approx(cached, rel=1e-12, abs=1e-9), (ws.title, c.coordinate, c.value)
                    n += 1
    return n


def test_every_formula_recomputes_to_its_cached_value(xlsx: bytes) -> None:
    assert _recompute_all(xlsx) > 80


def test_cached_totals_equal_hand_figures(wb_values: Workbook) -> None:
    """Key figures as Excel shows them (cached formula values) against the hand calculation."""
    ws = wb_values[sheet_name("cover")]
    figures = {ws.cell(row, 2).value: ws.cell(row, 3).value for row in range(1, ws.max_row + 1)}
    assert figures["drained (Nm³)"] == 1_512_000
    assert figures["used (incl. off-site transfer) (Nm³)"] == 1_403_640
    assert figures["utilization rate (used / drained)"] == pytest.approx(1_403_640 / 1_512_000)
    assert figures["drainage rate (drained / liberated)"] == pytest.approx(1_512_000 / 3_492_720)
    assert figures["CH4 emitted (incl. post-mining) (t)"] == pytest.approx(1690.83036)
    ws = wb_values[sheet_name("daily")]
    total_row = _find_row(ws, 1, "合计 total")
    assert ws.cell(total_row, 6).value == 1_512_000
    assert ws.cell(total_row, 10).value == 105_320
    ws = wb_values[sheet_name("balance")]
    assert ws.cell(_find_row(ws, 3, "平衡校核"), 5).value == 0
    ws = wb_values[sheet_name("appendix")]
    total = _find_row(ws, 1, "合计 total")
    assert ws.cell(total, 4).value == 7 * 48_960 - 2  # records accepted
    assert ws.cell(total, 5).value == 2


def test_deterministic_bytes() -> None:
    a = render_xlsx(example_report("zh"))
    b = render_xlsx(example_report("zh"))
    assert a == b


def test_text_is_never_a_formula_and_empty_sections_render() -> None:
    r = example_report("zh")
    p0 = dataclasses.replace(r.points[0], station_name_zh="=1+1", station_name_en="@SUM(A1)")
    bal = dataclasses.replace(r.balance, co2e=())
    r2 = dataclasses.replace(r, points=(p0, *r.points[1:]), substitutions=(), findings=(), daily=(), balance=bal,
                             appendix=dataclasses.replace(r.appendix, batches=(), calibrations=()))
    wb = openpyxl.load_workbook(io.BytesIO(render_xlsx(r2)))
    c = wb[sheet_name("points")].cell(FIRST_DATA_ROW + 1, 2)
    assert c.value == "=1+1" and c.data_type == "s"
    ws = wb[sheet_name("substitutions")]
    assert ws.cell(FIRST_DATA_ROW + 1, 12).value == "=0"  # total of no rows
    assert _recompute_all(render_xlsx(r2)) > 20


# --------------------------------------------------------------------------------------------------------------
# A tiny evaluator for the formulas minegas writes (SUM, SUMIF, IF, + − × ÷, comparisons, cross-sheet cells), so
# every formula can be recomputed without a spreadsheet program. Not a general Excel engine: unknown constructs
# raise.

_TOKEN = re.compile(r"""
    (?P<sheetref>'(?P<sheet>[^']+)'!(?P<scell>\$?[A-Z]+\$?\d+))
  | (?P<range>\$?[A-Z]+\$?\d+:\$?[A-Z]+\$?\d+)
  | (?P<func>SUMIF|SUM|IF)\(
  | (?P<cell>\$?[A-Z]+\$?\d+)
  | (?P<str>"[^"]*")
  | (?P<num>\d+(?:\.\d+)?)
  | (?P<op>[-+*/(),>])
  | (?P<ws>\s+)
""", re.VERBOSE)


class FormulaEvaluator:
    """Evaluate formula cells of an openpyxl workbook loaded with ``data_only=False``."""

    def __init__(self, wb: Workbook) -> None:
        self.wb = wb
        self._depth = 0

    def value(self, sheet: str, coord: str) -> Any:
        v = self.wb[sheet][coord.replace("$", "")].value
        if isinstance(v, str) and v.startswith("="):
            return self.evaluate(sheet, v)
        return v

    def _range(self, sheet: str, ref: str) -> list[Any]:
        c0, r0, c1, r1 = range_boundaries(ref.replace("$", ""))
        ws = self.wb[sheet]
        out = []
        for row in ws.iter_rows(min_row=r0, max_row=r1, min_col=c0, max_col=c1):
            for c in row:
                out.append(self.value(sheet, c.coordinate))
        return out

    def evaluate(self, sheet: str, formula: str) -> Any:
        self._depth += 1
        if self._depth > 50:
            raise RecursionError("formula cycle")
        try:
            expr = self._translate(formula[1:])
            ns = {
                "_c": lambda sh, coord: _num(self.value(sh or sheet, coord)),
                "_r": lambda ref: self._range(sheet, ref),
                "_SUM": lambda *xs: sum(_num(v) for x in xs for v in (x if isinstance(x, list) else [x])),
                "_SUMIF": lambda rng, crit, srng: sum(_num(s) for r, s in zip(rng, srng, strict=True) if r == crit),
                "_IF": lambda cond, a, b: a if cond else b,
                "_raw": lambda sh, coord: self.value(sh or sheet, coord),
            }
            return eval(expr, {"__builtins__": {}}, ns)
        finally:
            self._depth -= 1

    def _translate(self, body: str) -> str:
        out: list[str] = []
        pos = 0
        func_stack: list[str] = []
        arg_index: list[int] = []
        while pos < len(body):
            m = _TOKEN.match(body, pos)
            if not m:
                raise ValueError(f"cannot parse formula at {body[pos:]!r}")
            pos = m.end()
            kind = m.lastgroup
            if kind == "sheetref" or m.group("sheetref"):
                out.append(f"_c({m.group('sheet')!r}, {m.group('scell')!r})")
            elif m.group("range"):
                out.append(f"_r({m.group('range')!r})")
            elif m.group("func"):
                func_stack.append(m.group("func"))
                arg_index.append(0)
                out.append(f"_{m.group('func')}(")
            elif m.group("cell"):
                raw = func_stack and func_stack[-1] == "SUMIF" and arg_index[-1] == 1  # criterion: the text itself
                out.append(f"_{'raw' if raw else 'c'}(None, {m.group('cell')!r})")
            elif m.group("str"):
                out.append(repr(m.group("str")[1:-1]))
            elif m.group("num"):
                out.append(m.group("num"))
            elif m.group("op"):
                op = m.group("op")
                if op == "," and arg_index:
                    arg_index[-1] += 1
                elif op == "(":
                    func_stack.append("(")
                    arg_index.append(0)
                elif op == ")" and func_stack:
                    func_stack.pop()
                    arg_index.pop()
                out.append(op)
        return "".join(out)


def _num(v: Any) -> float:
    if v is None or v == "":
        return 0.0
    if isinstance(v, (int, float)):
        return float(v)
    raise TypeError(f"not a number: {v!r}")
