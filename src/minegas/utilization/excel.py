"""Excel export of allocation schedules (XlsxWriter), with bilingual headers, written atomically.

Sheets: 摘要 Summary, 调度 Schedule (per step and link), 装置 Units (per step and unit), 放空 Unused gas,
储气 Storage, 约束 Binding constraints, 影子价格 Shadow prices. Times are written as China Standard Time without
an offset (Excel has no time zones); the header says so.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import math
import os
import tempfile
from pathlib import Path
from typing import Any

import pandas as pd
import xlsxwriter

from minegas.errors import ConfigError
from minegas.utilization.allocation import Allocation

HEADERS: dict[str, str] = {
    "step": "时段 step", "start": "开始时间(北京时间) start (CST)", "source": "气源 source", "unit": "装置 unit",
    "technology": "技术 technology", "flow_nm3_min": "混合流量 flow [Nm³/min]", "ch4_pct": "甲烷浓度 CH4 [%]",
    "ch4_nm3_min": "纯量 pure CH4 [Nm³/min]", "on": "运行 on", "inlet_flow_nm3_min": "进气量 inlet [Nm³/min]",
    "air_nm3_min": "配风 air [Nm³/min]", "inlet_ch4_pct": "进气浓度 inlet CH4 [%]",
    "ch4_in_nm3": "进气纯量 CH4 in [Nm³]", "ch4_destroyed_nm3": "销毁量 CH4 destroyed [Nm³]",
    "electricity_net_kwh": "净发电量 net power [kWh]", "heat_gj": "供热 heat [GJ]",
    "available_nm3_min": "可用流量 available [Nm³/min]", "vented_nm3_min": "放空流量 vented [Nm³/min]",
    "vented_ch4_nm3": "放空纯量 vented CH4 [Nm³]", "holder": "储气柜 holder", "level_nm3": "库存 level [Nm³]",
    "charge_nm3_min": "充气 charge [Nm³/min]", "discharge_nm3_min": "放气 discharge [Nm³/min]",
    "constraint": "约束 constraint", "entity": "对象 entity", "dual": "对偶值 dual", "activity": "取值 activity",
    "bound": "界限 bound",
}

SUMMARY_LABELS: dict[str, str] = {
    "scenario": "情景 scenario", "objective": "目标 objective", "status": "求解状态 status",
    "objective_value": "目标值 objective value", "mip_gap": "MIP 间隙 MIP gap",
    "seconds_solve": "求解时间 solve time [s]", "ch4_available_nm3": "可用纯量 CH4 available [Nm³]",
    "ch4_in_units_nm3": "利用纯量 CH4 into units [Nm³]", "ch4_destroyed_nm3": "销毁纯量 CH4 destroyed [Nm³]",
    "ch4_destroyed_t": "销毁量 CH4 destroyed [t]", "ch4_vented_nm3": "放空纯量 CH4 vented [Nm³]",
    "ch4_slip_nm3": "逃逸纯量 CH4 slip [Nm³]", "electricity_net_kwh": "净发电量 net power [kWh]",
    "heat_gj": "供热 heat [GJ]", "co2e_net_avoided_t": "减排量(净) CO2e avoided, net [t]",
    "co2e_emitted_t": "排放量 CO2e emitted [t]", "rows": "行 rows", "cols": "列 columns",
    "nonzeros": "非零元 nonzeros", "integers": "整数变量 integers",
}


def _cell(v: Any) -> Any:
    if isinstance(v, pd.Timestamp):
        return v.tz_convert("Asia/Shanghai").tz_localize(None).to_pydatetime() if v.tzinfo else v.to_pydatetime()
    if isinstance(v, dt.datetime) and v.tzinfo is not None:
        return v.astimezone(dt.timezone(dt.timedelta(hours=8))).replace(tzinfo=None)
    if isinstance(v, float) and not math.isfinite(v):
        return None
    if hasattr(v, "item"):
        return v.item()
    return v


def _sheet(wb: xlsxwriter.Workbook, name: str, df: pd.DataFrame, fmt: dict[str, Any]) -> None:
    ws = wb.add_worksheet(name)
    for j, col in enumerate(df.columns):
        ws.write(0, j, HEADERS.get(str(col), str(col)), fmt["head"])
        ws.set_column(j, j, max(12, min(40, len(HEADERS.get(str(col), str(col))) + 2)),
                      fmt["date"] if col == "start" else None)
    for i, row in enumerate(df.itertuples(index=False), start=1):
        for j, v in enumerate(row):
            c = _cell(v)
            if isinstance(c, dt.datetime):
                ws.write_datetime(i, j, c, fmt["date"])
            elif c is None:
                ws.write_blank(i, j, None)
            else:
                ws.write(i, j, c)
    ws.freeze_panes(1, 0)


def write_allocation_xlsx(alloc: Allocation, path: str | Path) -> Path:
    """Write the allocation's schedules to ``path`` (.xlsx), atomically (temp file + os.replace).

    Returns the path written. Raises :class:`ConfigError` when the folder is not writable.
    """
    out = Path(path)
    if out.suffix.lower() != ".xlsx":
        out = out.with_suffix(".xlsx")
    out.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd, tmp = tempfile.mkstemp(prefix=".minegas-", suffix=".xlsx", dir=out.parent)
    except OSError as exc:
        raise ConfigError(f"cannot write to {out.parent}: {exc}") from None
    os.close(fd)
    try:
        wb = xlsxwriter.Workbook(tmp, {"constant_memory": True, "nan_inf_to_errors": True})
        fmt = {"head": wb.add_format({"bold": True, "text_wrap": True, "bg_color": "#DDEBF7"}),
               "date": wb.add_format({"num_format": "yyyy-mm-dd hh:mm"})}
        ws = wb.add_worksheet("摘要 Summary")
        ws.set_column(0, 0, 38)
        ws.set_column(1, 1, 24)
        ws.write(0, 0, "项目 item", fmt["head"])
        ws.write(0, 1, "数值 value", fmt["head"])
        s = alloc.summary()
        items: list[tuple[str, Any]] = [(k, s[k]) for k in ("scenario", "objective", "status", "objective_value",
                                                           "mip_gap", "seconds_solve")]
        items += list(s["totals"].items()) + list(s["size"].items())
        for i, (k, v) in enumerate(items, start=1):
            ws.write(i, 0, SUMMARY_LABELS.get(k, k))
            c = _cell(v)
            if c is None:
                ws.write_blank(i, 1, None)
            else:
                ws.write(i, 1, c)
        r = len(items) + 2
        for note in alloc.notes:
            ws.write(r, 0, note)
            r += 1
        _sheet(wb, "调度 Schedule", alloc.schedule, fmt)
        _sheet(wb, "装置 Units", alloc.units, fmt)
        _sheet(wb, "放空 Unused gas", alloc.unused, fmt)
        _sheet(wb, "储气 Storage", alloc.storage, fmt)
        _sheet(wb, "约束 Binding", alloc.binding, fmt)
        _sheet(wb, "影子价格 Shadow prices", alloc.shadow_prices, fmt)
        wb.close()
        Path(tmp).replace(out)
    except BaseException:
        with contextlib.suppress(OSError):
            Path(tmp).unlink()
        raise
    return out
