"""Canonical long/wide CSV and Parquet: values, the time-zone rule, mine resolution, rejections.

Hand calculations: 10:00:25+08:00 = 02:00:25Z; 2025-03-01 10:00:25 in Asia/Shanghai (UTC+8, no DST) =
02:00:25Z; 2025-07-01 12:00 in Europe/Berlin (CEST, UTC+2) = 10:00Z; 2025-03-30 02:30 does not exist in
Europe/Berlin (clocks jump 02:00 → 03:00).
"""

from __future__ import annotations

import io
import math

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from readers_helpers import utc

from minegas.errors import InputError, Problem
from minegas.measurements.readers import canonical, read_bytes
from minegas.measurements.readers.canonical import read_canonical_csv, read_canonical_parquet
from minegas.measurements.readers.schemas import READINGS_SCHEMA

LONG = """# mine: 990000000001
point_code,ts,value,status,unit
99000000000102MN003600000204,2025-03-01T10:00:25+08:00,152.30,0,m³/min
99000000000102MN002500000203,2025-03-01T02:00:25Z,-28.4,,kPa

OX-OUT-CH4,2025-03-01T10:00:25.5+08:00,0.012,4,%
"""


def _reject(data: bytes | str, name: str = "x.csv", **kw: object) -> list[Problem]:
    raw = data.encode() if isinstance(data, str) else data
    with pytest.raises(InputError) as ei:
        read_bytes(raw, name, **kw)  # type: ignore[arg-type]
    return ei.value.problems


def test_long_csv_values_times_lines() -> None:
    pf = read_canonical_csv(LONG.encode(), "long.csv")
    assert (pf.format, pf.kind, pf.mine_code, pf.header) == ("csv", "long", "990000000001",
                                                             {"mine": "990000000001"})
    t = pf.readings
    assert t.schema.equals(READINGS_SCHEMA)
    rows = t.to_pylist()
    assert [(r["point_code"], r["value"], r["kj_status"], r["unit_raw"], r["record_no"]) for r in rows] == [
        ("99000000000102MN003600000204", 152.30, 0, "m³/min", 3),
        ("99000000000102MN002500000203", -28.4, 0, "kPa", 4),
        ("OX-OUT-CH4", 0.012, 4, "%", 6)]        # physical lines; the blank line 5 is skipped
    assert [r["ts"] for r in rows] == [utc(2025, 3, 1, 2, 0, 25), utc(2025, 3, 1, 2, 0, 25),
                                       utc(2025, 3, 1, 2, 0, 25, 500000)]
    assert all(r["station_code"] is None and r["quantity"] is None for r in rows)


def test_naive_time_rejected_without_declared_zone() -> None:
    data = "point_code,ts,value\nP1,2025-03-01T10:00:25+08:00,1\nP1,2025-03-01 10:00:55,2\n"
    (p,) = _reject(data, mine_code="M")
    assert (p.file, p.line, p.field, p.value) == ("x.csv", 3, "ts", "2025-03-01 10:00:55")
    assert "no UTC offset" in p.message


@pytest.mark.parametrize("decl,arg", [("# timezone: Asia/Shanghai\n", None), ("# timezone: +08:00\n", None),
                                      ("# TIMEZONE : +0800\n", None), ("", "Asia/Shanghai"), ("", "+08:00"),
                                      ("# timezone: Asia/Shanghai\n", "+08:00")])
def test_declared_zone_accepts_naive_times(decl: str, arg: str | None) -> None:
    data = decl + "point_code,ts,value\nP1,2025-03-01 10:00:25,1\nP1,2025-03-01T10:00:55+08:00,2\n"
    pf = read_bytes(data.encode(), "x.csv", mine_code="M", timezone=arg)
    assert pf.readings.column("ts").to_pylist() == [utc(2025, 3, 1, 2, 0, 25), utc(2025, 3, 1, 2, 0, 55)]


def test_dst_zone_and_nonexistent_local_time() -> None:
    data = ("# timezone: Europe/Berlin\npoint_code,ts,value\nP1,2025-07-01 12:00:00,1\n"
            "P1,2025-03-30 02:30:00,2\n")
    (p,) = _reject(data, mine_code="M")
    assert (p.line, p.field) == (4, "ts")
    pf = read_bytes(data.encode(), "x.csv", mine_code="M", partial=True)
    assert pf.readings.column("ts").to_pylist() == [utc(2025, 7, 1, 10, 0, 0)]


def test_zone_declarations_must_agree_and_parse() -> None:
    data = "# timezone: +08:00\npoint_code,ts,value\nP1,2025-03-01 10:00:25,1\n"
    (p,) = _reject(data, mine_code="M", timezone="UTC")
    assert p.field == "timezone"
    (p,) = _reject("# timezone: Mars/Olympus\npoint_code,ts,value\n", mine_code="M")
    assert (p.line, p.field) == (1, "timezone")


@pytest.mark.parametrize("bad", ["2025-03-01", "2025-02-30T10:00:00Z", "01/03/2025 10:00", "2025-03-01T10:00:00+8",
                                 "", "2025-03-01T10:00:00.1234567Z", "2025-03-01T25:00:00Z"])
def test_unparsable_times(bad: str) -> None:
    (p,) = _reject(f"point_code,ts,value\nP1,{bad},1\n", mine_code="M", timezone="+08:00")
    assert (p.line, p.field) == (2, "ts")


def test_mine_resolution() -> None:
    base = "point_code,ts,value{extra}\nP1,2025-03-01T10:00:25Z,1{cell}\n"
    (p,) = _reject(base.format(extra="", cell=""))
    assert p.field == "mine_code" and "unknown" in p.message
    pf = read_bytes(base.format(extra=",mine_code", cell=",M1").encode(), "x.csv")
    assert pf.mine_code == "M1"
    pf = read_bytes(base.format(extra=",mine_code", cell=",").encode(), "x.csv", mine_code="M2")
    assert pf.readings.column("mine_code").to_pylist() == ["M2"]
    (p,) = _reject(base.format(extra=",mine_code", cell=",M1"), mine_code="M2")
    assert (p.line, p.field, p.value) == (2, "mine_code", "M1")
    (p,) = _reject("# mine: M1\n" + base.format(extra="", cell=""), mine_code="M2")
    assert (p.line, p.field) == (1, "mine")
    multi = "point_code,ts,value,mine_code\nP1,2025-03-01T10:00:25Z,1,M1\nP1,2025-03-01T10:00:25Z,1,M2\n"
    assert read_bytes(multi.encode(), "x.csv").mine_code is None


WIDE = """# mine: 990000000001
station_code,ts,ch4_pct,flow_m3_min,pressure_kpa,temperature_c,cumulative_m3,status
HP-MAIN,2025-03-01T10:00:00+08:00,32.5,152.3,-28.4,18.6,1523456.7,0
HP-MAIN,2025-03-01T10:01:00+08:00,32.4,,-28.3,abc,,4
"""


def test_wide_csv_becomes_long_rows() -> None:
    pf = read_canonical_csv(WIDE.encode(), "w.csv")
    assert pf.kind == "wide"
    rows = pf.readings.to_pylist()
    got = [(r["record_no"], r["quantity"], r["value"] if not math.isnan(r["value"]) else "NaN", r["value_raw"],
            r["unit_raw"], r["kj_status"]) for r in rows]
    assert got == [
        (3, "ch4_pct", 32.5, None, "%", 0), (3, "flow_m3_min", 152.3, None, "m3/min", 0),
        (3, "pressure_kpa", -28.4, None, "kPa", 0), (3, "temperature_c", 18.6, None, "°C", 0),
        (3, "cumulative_m3", 1523456.7, None, "m3", 0),
        (4, "ch4_pct", 32.4, None, "%", 4), (4, "pressure_kpa", -28.3, None, "kPa", 4),
        (4, "temperature_c", "NaN", "abc", "°C", 4)]          # empty cells: no reading; junk: NaN + raw
    assert all(r["point_code"] is None and r["station_code"] == "HP-MAIN" for r in rows)
    assert rows[0]["ts"] == utc(2025, 3, 1, 2, 0, 0)


@pytest.mark.parametrize("header,msg", [
    ("station_code,ts,ch4_pct,pressure_kpa,temperature_c", "missing flow_m3_min"),
    ("station_code,ts,ch4_pct,flow_m3_min,pressure_kpa,temperature_c,colour", "unknown colour"),
    ("point_code,ts,value,station_code", "not both"),
    ("ts,value", "no point_code"),
    ("point_code,ts,value,value", "duplicate"),
    ("point_code,ts", "missing value"),
])
def test_bad_headers(header: str, msg: str) -> None:
    (p,) = _reject(header + "\n", mine_code="M")
    assert p.field == "columns" and msg in p.message


def test_bad_rows_exact_path_and_partial() -> None:
    data = ("point_code,ts,value,status\nP1,2025-03-01T10:00:25Z,1,0\nP2,2025-03-01T10:00:25Z,2\n"
            "P3,2025-03-01T10:00:25Z,3,999\n\"P4,2025-03-01T10:00:25Z,4,0\nP5,2025-03-01T10:00:25Z,5,1\n")
    problems = _reject(data, mine_code="M")
    assert [(p.line, p.field) for p in problems] == [(3, "字段数(field count)"), (4, "status"),
                                                     (5, "字段数(field count)")]
    pf = read_bytes(data.encode(), "x.csv", mine_code="M", partial=True)
    assert pf.readings.column("point_code").to_pylist() == ["P1", "P5"]
    assert pf.readings.column("record_no").to_pylist() == [2, 6]
    assert (pf.records_total, pf.records_rejected) == (5, 3)


def test_fast_and_exact_csv_paths_agree(monkeypatch: pytest.MonkeyPatch) -> None:
    for text in (LONG, WIDE):
        fast = read_canonical_csv(text.encode(), "x.csv")

        def fail(*a: object, **k: object) -> None:
            raise pa.ArrowInvalid("forced")

        with monkeypatch.context() as m:
            m.setattr(canonical, "_read_csv_strings", fail)
            exact = read_canonical_csv(text.encode(), "x.csv")
        assert exact.readings.to_pylist().__repr__() == fast.readings.to_pylist().__repr__()


def test_excel_encodings() -> None:
    text = "point_code,ts,value,unit\n管道瓦斯1,2025-03-01T10:00:25+08:00,32.5,％\n"
    for raw, enc in ((text.encode("gb18030"), "gb18030"), (b"\xef\xbb\xbf" + text.encode(), "utf-8-sig")):
        pf = read_bytes(raw, "x.csv", mine_code="M")
        assert pf.encoding == enc
        assert pf.readings.to_pylist()[0]["point_code"] == "管道瓦斯1"
        assert pf.readings.to_pylist()[0]["unit_raw"] == "％"


def test_undecodable_csv_line() -> None:
    data = ("point_code,ts,value\nP1,2025-03-01T10:00:25Z,1\n管道,2025-03-01T10:00:25Z,2\n"
            "P3,2025-03-01T10:00:25Z,3\n").encode()
    bad = data.replace("管".encode(), b"\xff\xfe\xfd")
    (p,) = _reject(bad, mine_code="M")
    assert (p.line, p.field) == (3, "encoding")
    pf = read_bytes(bad, "x.csv", mine_code="M", partial=True)
    assert pf.readings.column("record_no").to_pylist() == [2, 4]


# --- Parquet ------------------------------------------------------------------------------------------------


def _parquet(table: pa.Table, **meta: str) -> bytes:
    if meta:
        table = table.replace_schema_metadata(meta)
    buf = io.BytesIO()
    pq.write_table(table, buf)
    return buf.getvalue()


def test_parquet_long_with_zone_aware_times() -> None:
    t = pa.table({
        "point_code": pa.array(["P1", "P1", "P2"]).dictionary_encode(),
        "ts": pa.array([0, 1_000_000, 2_000_000], pa.timestamp("us", tz="Asia/Shanghai")),
        "value": pa.array([1.5, float("nan"), None], pa.float64()),
        "status": pa.array([0, 4, None], pa.int32()),
    })
    pf = read_canonical_parquet(_parquet(t, mine="990000000001"), "p.parquet")
    rows = pf.readings.to_pylist()
    assert (pf.format, pf.kind, pf.mine_code) == ("parquet", "long", "990000000001")
    assert [r["ts"] for r in rows] == [utc(1970, 1, 1, 0, 0, 0), utc(1970, 1, 1, 0, 0, 1), utc(1970, 1, 1, 0, 0, 2)]
    assert rows[0]["value"] == 1.5 and rows[0]["value_raw"] is None
    assert math.isnan(rows[1]["value"]) and rows[1]["value_raw"] == "nan"
    assert math.isnan(rows[2]["value"]) and rows[2]["value_raw"] == ""
    assert [r["kj_status"] for r in rows] == [0, 4, 0] and [r["record_no"] for r in rows] == [1, 2, 3]


def test_parquet_naive_times_need_a_zone() -> None:
    t = pa.table({"point_code": ["P1"], "ts": pa.array([0], pa.timestamp("ms")), "value": [1.0]})
    with pytest.raises(InputError) as ei:
        read_canonical_parquet(_parquet(t, mine="M"), "p.parquet")
    assert ei.value.problems[0].field == "ts"
    pf = read_canonical_parquet(_parquet(t, mine="M", timezone="Asia/Shanghai"), "p.parquet")
    assert pf.readings.column("ts").to_pylist() == [utc(1969, 12, 31, 16, 0, 0)]
    pf = read_canonical_parquet(_parquet(t, mine="M"), "p.parquet", timezone="+08:00")
    assert pf.readings.column("ts").to_pylist() == [utc(1969, 12, 31, 16, 0, 0)]


def test_parquet_text_times_and_wide() -> None:
    t = pa.table({"station_code": ["S1"], "ts": ["2025-03-01T10:00:00+08:00"], "ch4_pct": [30.0],
                  "flow_nm3_min": [100.0], "pressure_kpa": [-20.0], "temperature_c": [None],
                  "mine_code": ["990000000001"]}, schema=pa.schema([
                      ("station_code", pa.string()), ("ts", pa.string()), ("ch4_pct", pa.float64()),
                      ("flow_nm3_min", pa.float64()), ("pressure_kpa", pa.float64()),
                      ("temperature_c", pa.float64()), ("mine_code", pa.string())]))
    rows = read_canonical_parquet(_parquet(t), "w.parquet").readings.to_pylist()
    assert [(r["quantity"], r["value"], r["unit_raw"]) for r in rows] == [
        ("ch4_pct", 30.0, "%"), ("flow_nm3_min", 100.0, "Nm3/min (0 °C, 101.325 kPa)"), ("pressure_kpa", -20.0, "kPa")]
    assert rows[0]["ts"] == utc(2025, 3, 1, 2, 0, 0)


def test_parquet_bad_status_and_garbage() -> None:
    t = pa.table({"point_code": ["P1", "P2"], "ts": pa.array([0, 0], pa.timestamp("s", tz="UTC")),
                  "value": [1.0, 2.0], "status": [1, 300]})
    with pytest.raises(InputError) as ei:
        read_canonical_parquet(_parquet(t, mine="M"), "p.parquet")
    assert (ei.value.problems[0].line, ei.value.problems[0].field) == (2, "status")
    with pytest.raises(InputError):
        read_canonical_parquet(b"PAR1 not really", "p.parquet")
