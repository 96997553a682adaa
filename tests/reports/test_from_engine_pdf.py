"""The MRV report from real engine data: a synthetic demo mine (青岚煤矿(示例), 990521000001, two drainage systems,
gas engines, an off-site pipeline, low-concentration engines, two return shafts) generated for three days with a
few faults, ingested, and reported through `minegas mrv report`.

The Chinese PDF passes the acceptance checks: every font embedded and subset (``pdffonts``), a CJK font; the
expected Chinese headings, every input batch's SHA-256, the mine, methodology, GWP and the close status found by
``pdftotext``; page 1 rendered by ``pdftoppm`` is not blank. The report's figures equal the engine's (balance,
station totals, daily lines) and the batches equal the ingest-batch table.

Needs poppler-utils and fonts-wqy-microhei (skipped locally when missing, failing in CI; see conftest.py).
"""

from __future__ import annotations

import hashlib
import math
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import sqlalchemy as sa
from PIL import Image

from minegas.accounting import api, close
from minegas.measurements.ingest import ingest_paths
from minegas.measurements.store import Store
from minegas.periods import CST
from minegas.registry import db
from minegas.registry.importer import import_registry
from minegas.registry.store_models import IngestBatch
from minegas.reports.from_engine import MrvSettings, build_report, compute_report, write_mrv_report
from minegas.synth import generate

pytestmark = pytest.mark.slow

MINE = "990521000001"
PERIOD = "2025-03-01..2025-03-03"
HEADINGS_ZH = ["报告信息", "主要指标", "甲烷平衡", "测点汇总", "数据替代", "日报", "合规发现", "核查附录"]


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    root = tmp_path_factory.mktemp("engine-report")
    gen = root / "gen"
    generate("demo", start="2025-03-01", days=3, cadence_s=300, seed=5, out_dir=gen, formats=("kj",), mines=[MINE],
             faults="gaps=0.003,calibration=1,stuck=1")
    url = f"sqlite:///{root / 'registry.sqlite'}"
    db.upgrade_to_head(url)
    with db.session_scope(url) as s:
        import_registry(s, [gen / "registry"])
    st = Store(root / "store", url)
    assert not ingest_paths(st, [gen / "kj"]).rejected
    st.kj_dir = gen / "kj"  # type: ignore[attr-defined]
    yield st
    st.close()


def _run(tool: str, *args: str) -> str:
    return subprocess.run([tool, *args], check=True, capture_output=True, timeout=120).stdout.decode("utf-8")


def test_report_figures_are_the_engines(store: Store) -> None:
    settings = MrvSettings.make(gap_rule="epa_98_325")
    r = compute_report(store, MINE, PERIOD, settings)
    assert r.check() == []
    b = api.mine_balance(MINE, PERIOD, methodology="cn-2015", gap_rule="epa_98_325", store=store)
    assert r.balance.drained_nm3 == pytest.approx(b.drained_nm3, rel=1e-12)
    assert r.balance.used_nm3 == pytest.approx(b.used_nm3, rel=1e-12)
    assert r.balance.vented_nm3 == pytest.approx(b.vented_nm3, rel=1e-12)
    assert r.balance.vam_liberated_nm3 == pytest.approx(b.vam_liberated_nm3, rel=1e-12)
    assert r.balance.emitted_ch4_t == pytest.approx(b.emitted_ch4_t, rel=1e-12)
    assert r.balance.co2e_headline("gross").co2e_t == pytest.approx(b.co2e_of("gross").co2e_t, rel=1e-12)  # type: ignore[union-attr]
    # masses follow the NDRC 2015 density 7.17 t / 10⁴ Nm³ (a hand check of one line)
    h = next(x for x in r.balance.drained if x.code == "high")
    assert h.ch4_t == pytest.approx(h.pure_ch4_nm3 * 7.17 / 1e4, rel=1e-12)
    # station rows = engine station totals with the same gap rule; the seconds add up to 3 days
    st = {x["station_code"]: x for x in api.station_totals(PERIOD, [MINE], gap_rule="epa_98_325", density="cn-2015",
                                                           store=store).to_pylist()}
    assert {p.station_code for p in r.points} == set(st)
    for p in r.points:
        assert p.pure_ch4_nm3 == pytest.approx(st[p.station_code]["ch4_nm3"], rel=1e-12)
        assert p.measured_s + p.substituted_s + p.missing_s == pytest.approx(3 * 86_400.0)
        assert p.point_code.startswith(MINE)
    assert any(p.substituted_s > 0 for p in r.points) and r.substitutions
    assert sum(s.seconds for s in r.substitutions if s.parameter == "flow_pure") == pytest.approx(
        sum(p.substituted_s for p in r.points))
    # the daily report: 3 days × 2 drainage mains, adding up to the balance
    assert {(d.day.isoformat(), d.station_code) for d in r.daily} == {
        (f"2025-03-0{i}", s) for i in (1, 2, 3) for s in ("H-MAIN", "L-MAIN")}
    assert math.fsum(d.pure_ch4_nm3 for d in r.daily) == pytest.approx(r.balance.drained_nm3, rel=1e-9)
    # header and appendix
    m = r.meta
    assert (m.mine_name_zh, m.county_zh, m.methodology_id, m.gwp_set, m.density_name, m.gap_rule) == (
        "青岚煤矿(示例)", "山西省晋城市沁水县", "CN-NDRC-2015-COAL", "SAR", "cn-2015", "epa_98_325")
    with store.session() as s:
        committed = {b.sha256: b for b in s.scalars(sa.select(IngestBatch).where(
            IngestBatch.status == "committed", IngestBatch.kind == "CDSS"))}
    assert {b.sha256 for b in r.appendix.batches} == set(committed)     # 72 hourly files, definitions excluded
    kj = store.kj_dir  # type: ignore[attr-defined]
    one = next(kj.rglob("990521000001_CDSS_20250302120000.txt"))
    got = next(b for b in r.appendix.batches if b.file_name == one.name)
    assert got.sha256 == hashlib.sha256(one.read_bytes()).hexdigest() and got.bytes == one.stat().st_size
    assert len(r.appendix.calibrations) == len({p.point_code for p in r.appendix.calibrations}) > 0
    assert r.appendix.period_close.status == "open"


def test_chinese_pdf_acceptance(store: Store, poppler: dict[str, str], cjk_font: list[str], tmp_path: Path) -> None:
    paths = write_mrv_report(MINE, PERIOD, tmp_path, formats=("pdf", "xlsx"), lang="zh", store=store)
    pdf = paths["pdf"]
    # fonts: every one embedded and subset, a CJK one among them
    lines = _run(poppler["pdffonts"], str(pdf)).splitlines()[2:]
    assert lines
    for ln in lines:
        f = ln.split()
        emb, sub = f[-5], f[-4]
        assert (emb, sub) == ("yes", "yes"), ln
    assert any("WenQuanYi" in ln or "NotoSansCJK" in ln.replace("-", "") for ln in lines)
    # text: headings, hashes, header facts, the open status
    text = _run(poppler["pdftotext"], "-layout", str(pdf), "-")
    for h in HEADINGS_ZH:
        assert h in text, h
    r = build_report(MINE, PERIOD, store=store)
    for b in r.appendix.batches:
        assert b.sha256 in text
    assert "青岚煤矿(示例)" in text and "990521000001" in text and "CN-NDRC-2015-COAL" in text
    assert "未关账" in text and "示例 — 手工编制" not in text                  # real data, not the example
    assert f"{r.balance.drained_nm3:,.0f}" in text
    pages = text.count("\f")
    assert f"第 {pages} 页，共 {pages} 页" in text
    # page 1 renders, A4, with ink but not a black page
    subprocess.run([poppler["pdftoppm"], "-r", "60", "-f", "1", "-l", "1", "-png", str(pdf), str(tmp_path / "p")],
                   check=True, timeout=120)
    im = Image.open(next(tmp_path.glob("p*.png"))).convert("RGB")
    assert abs(im.size[0] - 496) <= 1 and abs(im.size[1] - 702) <= 1
    px = np.asarray(im, dtype=np.int32)
    ink = float((px.sum(axis=2) < 600).mean())
    assert 0.02 < ink < 0.5, ink
    # the workbook was written next to it
    assert paths["xlsx"].stat().st_size > 10_000


def test_closed_pdf_shows_the_close(store: Store, poppler: dict[str, str], cjk_font: list[str],
                                    tmp_path: Path) -> None:
    period = "2025-03-02"
    o = close.close_period(MINE, period, "张核查", store=store)
    assert o.action == "closed"
    paths = write_mrv_report(MINE, period, tmp_path, formats=("pdf",), lang="zh", store=store)
    text = _run(poppler["pdftotext"], "-layout", str(paths["pdf"]), "-")
    assert "已关账" in text and "未关账" not in text
    closed_at = o.version.at.astimezone(CST).strftime("%Y-%m-%d %H:%M")
    assert re.search(re.escape(closed_at), text)
    en = write_mrv_report(MINE, period, tmp_path, formats=("pdf",), lang="en", store=store)
    assert "closed" in _run(poppler["pdftotext"], "-layout", str(en["pdf"]), "-")


def test_region_summary(store: Store, tmp_path: Path) -> None:
    """The region summary: an open mine's row is the engine's balance; after the close it is the frozen figures
    (equal here, since nothing changed), with the status; the workbook's total row sums the mines."""
    import json

    import openpyxl

    from minegas.reports.from_engine import region_summary, write_region_summary

    period = "2025-03-03"
    b = api.mine_balance(MINE, period, store=store)
    [row] = region_summary(period, store=store)
    assert row["close_status"] == "open" and row["mine_name_zh"] == "青岚煤矿(示例)"
    assert row["drained_nm3"] == pytest.approx(b.drained_nm3, rel=1e-12)
    assert row["utilization_rate_drained_frac"] == pytest.approx(b.used_nm3 / b.drained_nm3, rel=1e-12)
    assert row["co2e_t"] == pytest.approx(b.co2e_of("gross").co2e_t, rel=1e-12)  # type: ignore[union-attr]
    close.close_period(MINE, period, "v", store=store)
    [closed] = region_summary(period, store=store)
    assert closed["close_status"] == "closed"
    assert closed["drained_nm3"] == pytest.approx(row["drained_nm3"], rel=1e-12)
    paths = write_region_summary(period, tmp_path, store=store)
    ws = openpyxl.load_workbook(paths["xlsx"]).active
    assert ws is not None
    assert ws.cell(4, 1).value == MINE and ws.cell(5, 1).value == "合计 total"
    assert ws.cell(5, 5).value == "=SUM(E4:E4)"
    assert json.loads(paths["json"].read_text(encoding="utf-8"))["mines"][0]["close_status"] == "closed"
