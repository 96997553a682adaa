"""`minegas demo` writes the demo region's reports: the Chinese MRV report (PDF + Excel) of 青岚煤矿(示例) and the
region summary, from the data the demo ingested (one day here, to keep the test short)."""

from __future__ import annotations

import json
import math
import subprocess

import openpyxl
import pytest

from minegas.reports.charts import cjk_families_installed
from minegas.services.demo import DEMO_REPORT_MINE, run_demo
from minegas.settings import get_settings

pytestmark = pytest.mark.slow


def test_demo_writes_the_reports(tmp_path_factory: pytest.TempPathFactory, poppler: dict[str, str]) -> None:
    home = tmp_path_factory.mktemp("demo-reports")
    s = get_settings(home=home, database_url=f"sqlite:///{home / 'registry.sqlite'}")
    r = run_demo(s, period="2025-03-02", cadence_s=300)
    stem = f"{DEMO_REPORT_MINE}_2025-03-02_zh"
    assert r.reports["xlsx"] == s.reports_dir / f"{stem}.xlsx"
    wb = openpyxl.load_workbook(r.reports["xlsx"])
    assert {"封面 cover", "甲烷平衡 methane balance", "日报 daily report", "核查附录 verification appendix"} <= set(
        wb.sheetnames)
    if cjk_families_installed():
        assert r.reports["pdf"].exists() and not r.report_note
        text = subprocess.run([poppler["pdftotext"], str(r.reports["pdf"]), "-"], check=True, capture_output=True,
                              timeout=120).stdout.decode()
        assert "甲烷平衡" in text and "核查附录" in text and "未关账" in text and "青岚煤矿(示例)" in text
    else:
        assert "pdf" not in r.reports and "fonts-wqy-microhei" in r.report_note
    # the region summary has every demo mine, and its totals are the engine's balances
    summ = json.loads(r.reports["region_json"].read_text(encoding="utf-8"))
    rows = {x["mine_code"]: x for x in summ["mines"]}
    assert set(rows) == set(r.balances)
    for code, b in r.balances.items():
        assert rows[code]["drained_nm3"] == pytest.approx(b.drained_nm3, rel=1e-12)
        assert rows[code]["close_status"] == "open"
    ws = openpyxl.load_workbook(r.reports["region_xlsx"]).active
    assert ws is not None
    total_row = 4 + len(rows)
    assert ws.cell(total_row, 1).value == "合计 total"
    assert math.isclose(sum(x["drained_nm3"] for x in rows.values()), sum(b.drained_nm3 for b in r.balances.values()))
