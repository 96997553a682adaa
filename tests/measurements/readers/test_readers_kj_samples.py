"""The KJ samples of research note china-monitoring-formats §6.1–§6.5 parse to exactly the values printed there.

Expected values are read off the sample text by hand; Beijing time is UTC+8 (docs/conventions.md §4), so
2025-03-01 10:00:25 (Beijing) = 2025-03-01 02:00:25 UTC.
"""

from __future__ import annotations

import math

import pyarrow as pa
import pytest
from readers_helpers import CDDY, CDSS, FZDY, FZSS, KJ_SAMPLES, STYLES, TJSJ, YCBJ, sample_text, utc, variant

from minegas.measurements.readers import kj
from minegas.measurements.readers.codes import EVENT_TYPES, SENSOR_TYPES, decode_status
from minegas.measurements.readers.kj import read_kj
from minegas.measurements.readers.schemas import TABLE_SCHEMAS


def _read(name: str, style: str = "lf") -> kj.ParsedFile:
    return read_kj(variant(sample_text(name), style), name)


def _only_table(pf: kj.ParsedFile) -> pa.Table:
    assert len(pf.tables) == 1
    (tname, table), = pf.tables.items()
    assert table.schema.equals(TABLE_SCHEMAS[tname]), tname
    return table


def test_cdss_values_times_status() -> None:
    pf = _read(CDSS)
    assert (pf.format, pf.kind, pf.mine_code, pf.mine_name) == ("kj", "CDSS", "990000000001", "示例煤矿(虚构)")
    assert pf.file_time == utc(2025, 3, 1, 2, 0, 30)        # header 10:00:30 Beijing
    assert pf.name_time == utc(2025, 3, 1, 2, 0, 30)        # name 20250301100030
    assert pf.records_total == 11 and pf.records_rejected == 0 and pf.problems == []
    t = _only_table(pf).to_pylist()
    assert [r["record_no"] for r in t] == list(range(1, 12))
    expected = [  # (point code, value, unit, status) from §6.2
        ("99000000000101MN000100000101", 0.32, "%CH4", 0),
        ("99000000000101MN000200000102", 6.85, "m/s", 0),
        ("99000000000101MN001900000103", 15200.0, "m³/min", 0),
        ("99000000000101KG101000000104", 1.0, None, 0),
        ("99000000000102MN002200000201", 32.50, "%CH4", 0),
        ("99000000000102MN002300000202", 18.6, "℃", 0),
        ("99000000000102MN002500000203", -28.4, "kPa", 0),   # 负压: negative gauge pressure is legal
        ("99000000000102MN003600000204", 152.30, "m³/min", 0),
        ("99000000000102MN003700000205", 49.50, "m³/min", 0),
        ("99000000000102LJ300200000206", 1523456.7, "m³", 0),
        ("99000000000101MN004300000111", 0.0, "%CH4", 4),
    ]
    assert [(r["point_code"], r["value"], r["unit_raw"], r["kj_status"]) for r in t] == expected
    assert all(r["ts"] == utc(2025, 3, 1, 2, 0, 25) for r in t)
    assert all(r["value_raw"] is None and r["mine_code"] == "990000000001" for r in t)
    assert all(r["station_code"] is None and r["quantity"] is None for r in t)
    assert t[4]["sensor_name"] == "管道瓦斯" and t[4]["location"] == "地面泵站高负压总管甲烷"
    # the last record is 标校 (calibration), bit 4
    assert [c.zh for c in decode_status(t[10]["kj_status"])] == ["标校"]


def test_cddy_all_fields() -> None:
    pf = _read(CDDY)
    assert pf.header == {"mine_code": "990000000001", "mine_name": "示例煤矿(虚构)", "system_model": "KJ000X",
                         "system_name": "煤矿安全监控系统", "maker": "示例厂家", "header_date": "2028-12-31",
                         "data_time": "2025-03-01 08:00:00"}
    assert pf.file_time == utc(2025, 3, 1, 0, 0, 0)
    rows = _only_table(pf).to_pylist()
    assert len(rows) == 10
    ch4, wind, air, fan, pipe_ch4 = rows[0], rows[1], rows[2], rows[3], rows[4]
    assert (ch4["point_code"], ch4["system_code"], ch4["station_code"], ch4["sensor_type_code"],
            ch4["value_type"], ch4["unit_raw"]) == ("99000000000101MN000100000101", "01", "99000000000100003",
                                                    "0001", "MN", "%CH4")
    # high range before low range (§3.1 fields 6 and 7)
    assert (ch4["range_high"], ch4["range_low"], ch4["alarm_high"], ch4["alarm_high_release"]) == (4.0, 0.0, 0.75,
                                                                                                     0.70)
    # empty thresholds are null ("not set"), not zero
    for k in ("alarm_low", "alarm_low_release", "cut_high", "restore_high", "cut_low", "restore_low"):
        assert ch4[k] is None, k
    assert (ch4["x"], ch4["y"], ch4["z"]) == (1250.3, 860.2, 1105.0)
    assert ch4["location"] == "回风立井井口甲烷" and ch4["def_ts"] == utc(2025, 3, 1, 0, 0, 0)
    assert ch4["relations_raw"] is None and ch4["relations"] == [] and ch4["raw_extra"] is None
    assert (wind["alarm_low"], wind["alarm_low_release"]) == (0.30, 0.35)
    assert (air["range_high"], air["unit_raw"]) == (30000.0, "m³/min")
    assert (fan["value_type"], fan["unit_raw"], fan["range_high"], fan["open_desc"], fan["stop_desc"],
            fan["location"]) == ("KG", None, None, "开", "停", "1号主通风机")
    assert (pipe_ch4["system_code"], pipe_ch4["alarm_low"], pipe_ch4["alarm_low_release"]) == ("02", 25.0, 26.0)
    pressure, cumulative = rows[6], rows[9]
    assert (pressure["range_high"], pressure["range_low"]) == (0.0, -100.0)
    assert (cumulative["value_type"], cumulative["sensor_type_code"], cumulative["unit_raw"]) == ("LJ", "3002", "m³")
    assert SENSOR_TYPES[cumulative["sensor_type_code"]].zh == "瓦斯抽放量"


def test_tjsj_statistics() -> None:
    rows = _only_table(_read(TJSJ)).to_pylist()
    assert len(rows) == 2
    r = rows[1]
    assert (r["point_code"], r["unit_raw"]) == ("99000000000102MN003600000204", "m³/min")
    assert (r["start_ts"], r["end_ts"]) == (utc(2025, 3, 1, 2, 0, 0), utc(2025, 3, 1, 2, 5, 0))
    assert (r["max_value"], r["max_ts"]) == (155.10, utc(2025, 3, 1, 2, 1, 30))
    assert (r["min_value"], r["min_ts"]) == (149.80, utc(2025, 3, 1, 2, 3, 55))
    assert (r["avg_value"], r["data_ts"]) == (152.40, utc(2025, 3, 1, 2, 5, 0))
    assert rows[0]["max_value"] == 0.35 and rows[0]["min_ts"] == utc(2025, 3, 1, 2, 4, 40)


def test_ycbj_events_ongoing_and_closed() -> None:
    rows = _only_table(_read(YCBJ)).to_pylist()
    assert len(rows) == 2     # different (start, type): both kept
    closed, ongoing = rows
    assert closed["event_type"] == "001" and EVENT_TYPES["001"].zh == "超限报警"
    assert (closed["start_ts"], closed["end_ts"]) == (utc(2025, 3, 1, 1, 12, 0), utc(2025, 3, 1, 1, 20, 30))
    assert (closed["max_value"], closed["min_value"], closed["avg_value"]) == (0.82, 0.76, 0.79)
    assert (closed["reason"], closed["measures"], closed["entry_user"]) == ("回风流瓦斯涌出增大", "加强通风并查明原因",
                                                                             "值班员A")
    assert closed["entry_ts"] == utc(2025, 3, 1, 1, 40, 0)
    assert ongoing["event_type"] == "007" and ongoing["end_ts"] is None
    assert ongoing["start_ts"] == utc(2025, 3, 1, 1, 55, 0)
    for k in ("max_value", "max_ts", "min_value", "min_ts", "avg_value", "reason", "measures", "entry_ts",
              "entry_user"):
        assert ongoing[k] is None, k


def test_fzdy_and_fzss() -> None:
    defs = _only_table(_read(FZDY)).to_pylist()
    assert [(d["station_code"], d["location"], d["x"], d["y"], d["z"]) for d in defs] == [
        ("99000000000100003", "回风立井井口分站", 1250.0, 860.0, 1102.5),
        ("99000000000100007", "地面抽采泵站分站", 980.0, 455.0, 1180.0)]
    assert all(d["def_ts"] == utc(2025, 3, 1, 0, 0, 0) for d in defs)
    st = _only_table(_read(FZSS)).to_pylist()
    assert [(s["station_code"], s["run_state"], s["power_state"], s["ts"]) for s in st] == [
        ("99000000000100003", "0", "1", utc(2025, 3, 1, 2, 0, 25)),
        ("99000000000100007", "1", "9", utc(2025, 3, 1, 2, 0, 25))]


@pytest.mark.parametrize("name", KJ_SAMPLES)
@pytest.mark.parametrize("style", STYLES)
def test_every_encoding_and_line_break_style_gives_the_same_tables(name: str, style: str) -> None:
    ref = _read(name, "lf")
    pf = _read(name, style)
    assert pf.tables.keys() == ref.tables.keys()
    for k in ref.tables:
        assert pf.tables[k].equals(ref.tables[k]), (name, style, k)
    assert pf.encoding == {"bom": "utf-8-sig", "gb18030": "gb18030"}.get(style, "utf-8")
    assert pf.mine_name == "示例煤矿(虚构)"


def test_fzdy_short_forms() -> None:
    text = ("990000000001;示例煤矿(虚构);2025-03-01 08:00:00~\n"
            "S1;站1;1.5;2.5;3.5;2025-03-01 07:00:00~\n"     # 6 fields
            "S2;站2;1.0;2.0;2025-03-01 07:30:00~\n"         # 5 fields ending in a time: X, Y, time
            "S3;站3;4.0;5.0;6.0~\n"                         # 5 fields without time: X, Y, Z, header time
            "S4;站4;7.0;8.0~\n||")                          # 4 fields: X, Y
    rows = read_kj(text.encode(), "990000000001_FZDY_20250301080000.txt").tables["substation_defs"].to_pylist()
    got = [(r["station_code"], r["x"], r["y"], r["z"], r["def_ts"]) for r in rows]
    assert got == [("S1", 1.5, 2.5, 3.5, utc(2025, 2, 28, 23, 0, 0)),
                   ("S2", 1.0, 2.0, None, utc(2025, 2, 28, 23, 30, 0)),
                   ("S3", 4.0, 5.0, 6.0, utc(2025, 3, 1, 0, 0, 0)),
                   ("S4", 7.0, 8.0, None, utc(2025, 3, 1, 0, 0, 0))]


def test_regular_files_take_the_fast_path(monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(*a: object, **k: object) -> None:
        raise AssertionError("exact path used")

    monkeypatch.setattr(kj, "_exact", boom)
    for style in ("lf", "crlf", "none", "bom", "gb18030", "json"):
        assert _read(CDSS, style).readings.num_rows == 11


def test_fast_and_exact_paths_agree(monkeypatch: pytest.MonkeyPatch) -> None:
    fast = {n: _read(n) for n in KJ_SAMPLES}
    monkeypatch.setattr(kj, "_fast", lambda *a, **k: None)
    for n in KJ_SAMPLES:
        exact = _read(n)
        for k in fast[n].tables:
            assert exact.tables[k].equals(fast[n].tables[k]), n


def test_values_junk_empty_sentinel_keep_raw_text() -> None:
    recs = [("P1", "0.32"), ("P2", ""), ("P3", "-9999"), ("P4", "abc"), ("P5", "NaN"), ("P6", "1,5"),
            ("P7", " 2.5 "), ("P8", "-0.5"), ("P9", "1e3"), ("P10", "inf"), ("P11", "-9999.00")]
    lines = ["990000000001;m;2025-03-01 10:00:30~"] + [
        f"{c};n;l;{v};%;0;2025-03-01 10:00:25~" for c, v in recs] + ["||"]
    t = read_kj("\n".join(lines).encode(), CDSS).readings.to_pylist()
    got = {r["point_code"]: (r["value"], r["value_raw"]) for r in t}
    assert got["P1"] == (0.32, None)
    assert got["P7"] == (2.5, None)            # surrounding blanks are tolerated
    assert got["P8"] == (-0.5, None) and got["P9"] == (1000.0, None)
    for code, raw in (("P2", ""), ("P3", "-9999"), ("P4", "abc"), ("P5", "NaN"), ("P6", "1,5"), ("P10", "inf"),
                      ("P11", "-9999.00")):
        v, r = got[code]
        assert math.isnan(v) and r == raw, code


def test_status_bits_combine() -> None:
    lines = ["990000000001;m;2025-03-01 10:00:30~"] + [
        f"P{s};n;l;1;%;{s};2025-03-01 10:00:25~" for s in (0, 1, 3, 132, 255)] + ["||"]
    t = read_kj("\n".join(lines).encode(), CDSS).readings
    assert t.column("kj_status").to_pylist() == [0, 1, 3, 132, 255]
    assert [c.en for c in decode_status(132)] == ["calibration", "sensor fault"]
    assert len(decode_status(255)) == 8


def test_shortened_site_codes_are_not_foreign() -> None:
    # 淖尔壕-style codes (research note §2.1) do not start with a mine code: accepted
    text = ("990000000001;m;2025-03-01 10:00:30~1101MN000400002274;n;l;1;%;0;2025-03-01 10:00:25~"
            "1101KG100800000026;n;l;0;;0;2025-03-01 10:00:25~||")
    assert read_kj(text.encode(), CDSS).readings.num_rows == 2


def test_empty_records_are_skipped_but_counted() -> None:
    text = ("990000000001;m;2025-03-01 10:00:30~P1;n;l;1;%;0;2025-03-01 10:00:25~~"
            "P2;n;l;2;%;0;2025-03-01 10:00:25~ \r\n~P3;n;l;3;%;0;2025-03-01 10:00:25~||")
    t = read_kj(text.encode(), CDSS).readings
    assert t.column("point_code").to_pylist() == ["P1", "P2", "P3"]
    assert t.column("record_no").to_pylist() == [1, 3, 5]


def test_relations_are_parsed() -> None:
    fields = ["99000000000101MN000100000101", "01", "S", "0001", "MN", "%CH4"] + [""] * 12 + [
        "loc", "1", "2", "3", "D-99000000000101KG100900000301-断电器1:B-99000000000101KG100200000302◇K-X9",
        "2025-03-01 08:00:00"]
    text = "990000000001;m;KJ;s;f;2028-12-31;2025-03-01 08:00:00~" + ";".join(fields) + "~||"
    row = read_kj(text.encode(), CDDY).tables["point_defs"].to_pylist()[0]
    assert row["relations"] == [
        {"kind": "D", "point_code": "99000000000101KG100900000301", "name": "断电器1"},
        {"kind": "B", "point_code": "99000000000101KG100200000302", "name": None},
        {"kind": "K", "point_code": "X9", "name": None}]


def test_cddy_threshold_junk_kept_in_raw_extra() -> None:
    fields = ["P1", "01", "S", "0001", "MN", "%CH4", "4.00", "abc", "-9999"] + [""] * 9 + [
        "loc", "x?", "2", "3", "", "2025-03-01 08:00:00"]
    text = "990000000001;m;KJ;s;f;2028-12-31;2025-03-01 08:00:00~" + ";".join(fields) + "~||"
    row = read_kj(text.encode(), CDDY).tables["point_defs"].to_pylist()[0]
    assert row["range_high"] == 4.0 and math.isnan(row["range_low"]) and math.isnan(row["alarm_high"])
    assert math.isnan(row["x"]) and row["y"] == 2.0
    assert row["raw_extra"] == '{"alarm_high": "-9999", "range_low": "abc", "x": "x?"}'


def test_ycbj_dedup_prefers_the_record_with_an_end_time() -> None:
    base = "P1;激光甲烷;loc;%CH4;001;2025-03-01 09:12:00;{end};;;;;;;;;;2025-03-01 {dt}~"
    text = ("990000000001;m;2025-03-01 10:00:30~"
            + base.format(end="", dt="09:13:00")
            + base.format(end="2025-03-01 09:20:30", dt="09:25:00")
            + base.format(end="", dt="09:30:00")
            + "P1;激光甲烷;loc;%CH4;007;2025-03-01 09:12:00;;;;;;;;;;;2025-03-01 09:13:00~||")
    rows = read_kj(text.encode(), YCBJ).tables["events"].to_pylist()
    assert [(r["event_type"], r["record_no"], r["end_ts"]) for r in rows] == [
        ("001", 2, utc(2025, 3, 1, 1, 20, 30)), ("007", 4, None)]


def test_line_break_after_the_header_only(monkeypatch: pytest.MonkeyPatch) -> None:
    ref = _read(CDSS, "none")
    text = sample_text(CDSS)
    head, rest = text.split("\n", 1)
    data = (head + "\r\n" + rest.replace("\n", "")).encode()
    monkeypatch.setattr(kj, "_exact", lambda *a, **k: (_ for _ in ()).throw(AssertionError("exact path used")))
    assert read_kj(data, CDSS).readings.equals(ref.readings)
