"""Property tests of the readers.

- Fuzzing: random byte mutations and truncations of valid files (KJ, DB14 XML, canonical CSV) never raise
  anything but InputError and never hang (hypothesis deadline); what they return follows the schemas.
- Round trips: generated valid KJ files (any line-break style, UTF-8/BOM/GB18030, the JSON quirk) and
  canonical CSV reproduce the generated values exactly.
- The fast (pyarrow) and exact (Python) KJ tokenisers agree.
"""

from __future__ import annotations

import io
import json
import math
from datetime import UTC, datetime, timedelta, timezone

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from readers_helpers import AQMC, AQSS, CDDY, CDSS, FZSS, KJ_DIR, TJSJ, YCBJ, sample_text, variant

from minegas.errors import InputError
from minegas.measurements.readers import kj, read_bytes
from minegas.measurements.readers.convert import SENTINEL
from minegas.measurements.readers.kj import format_kj, read_kj
from minegas.measurements.readers.schemas import TABLE_SCHEMAS

FUZZ = settings(max_examples=150, deadline=3000, suppress_health_check=[HealthCheck.too_slow])
MINE = "990000000001"
SPECIAL = b';~|\r\n"\\ \xff\x80\xe4\xef\xbb\xbf,<>&#'


@st.composite
def mutated(draw: st.DrawFn, base: bytes) -> bytes:
    data = bytearray(base)
    for _ in range(draw(st.integers(1, 6))):
        op = draw(st.sampled_from(["replace", "insert", "delete", "truncate"]))
        pos = draw(st.integers(0, max(len(data) - 1, 0)))
        byte = draw(st.one_of(st.sampled_from(list(SPECIAL)), st.integers(0, 255)))
        if op == "replace" and data:
            data[pos] = byte
        elif op == "insert":
            data.insert(pos, byte)
        elif op == "delete" and data:
            del data[pos]
        elif op == "truncate":
            del data[pos:]
    return bytes(data)


def _check_result(pf: kj.ParsedFile) -> None:
    for name, table in pf.tables.items():
        assert table.schema.equals(TABLE_SCHEMAS[name])
        for col in ("ts", "def_ts", "start_ts", "data_ts", "record_no", "mine_code", "value"):
            if col in table.column_names:
                assert table.column(col).null_count == 0, col


def _rows(table: object) -> list[dict]:
    """Rows with NaN replaced by a marker (NaN != NaN would make equal tables compare unequal)."""
    return [{k: ("NaN" if isinstance(v, float) and math.isnan(v) else v) for k, v in r.items()}
            for r in table.to_pylist()]  # type: ignore[attr-defined]


def _survives(data: bytes, name: str) -> None:
    for partial in (False, True):
        try:
            pf = read_bytes(data, name, partial=partial)
        except InputError as exc:
            assert exc.problems and all(p.file == name for p in exc.problems if p.file)
            continue
        _check_result(pf)
        if not partial:
            assert pf.problems == []


KJ_BASES = [(n, variant(sample_text(n), s)) for n in (CDSS, CDDY, TJSJ, YCBJ, FZSS)
            for s in ("lf", "crlf", "none", "gb18030", "json")]


@FUZZ
@given(st.sampled_from(KJ_BASES).flatmap(lambda nb: st.tuples(st.just(nb[0]), mutated(nb[1]))))
def test_mutated_kj_files_only_raise_input_error(case: tuple[str, bytes]) -> None:
    name, data = case
    _survives(data, name)


@FUZZ
@given(st.sampled_from(KJ_BASES), st.data())
def test_truncated_kj_files_only_raise_input_error(base: tuple[str, bytes], data: st.DataObject) -> None:
    name, raw = base
    cut = data.draw(st.integers(0, len(raw) - 1))
    if raw[:cut].endswith(b"||"):       # only the JSON quirk's closing quote is lost: the content is complete
        assert read_kj(raw[:cut], name).tables
    else:
        with pytest.raises(InputError):
            read_kj(raw[:cut], name)    # a strict read of a truncated file is always rejected
    _survives(raw[:cut], name)


XML_BASES = [(n, (KJ_DIR / n).read_bytes()) for n in (AQMC, AQSS)]


@FUZZ
@given(st.sampled_from(XML_BASES).flatmap(lambda nb: st.tuples(st.just(nb[0]), mutated(nb[1]))))
def test_mutated_db14_files_only_raise_input_error(case: tuple[str, bytes]) -> None:
    _survives(case[1], case[0])


CSV_BASE = (b"# mine: 990000000001\n# timezone: +08:00\npoint_code,ts,value,status,unit\n"
            b"P1,2025-03-01T10:00:25+08:00,0.32,0,%CH4\nP2,2025-03-01 10:00:25,-28.4,4,kPa\n"
            b"\"P3\",2025-03-01T02:00:25Z,,,\n")
WIDE_BASE = (b"station_code,ts,ch4_pct,flow_nm3_min,pressure_kpa,temperature_c,cumulative_m3,mine_code\n"
             b"S1,2025-03-01T10:00:00+08:00,32.5,152.3,-28.4,18.6,1523456.7,990000000001\n"
             b"S2,2025-03-01T10:00:00+08:00,,49.5,-30.1,17.0,,990000000001\n")


@FUZZ
@given(st.sampled_from([("a.csv", CSV_BASE), ("w.csv", WIDE_BASE)]).flatmap(
    lambda nb: st.tuples(st.just(nb[0]), mutated(nb[1]))))
def test_mutated_csv_files_only_raise_input_error(case: tuple[str, bytes]) -> None:
    _survives(case[1], case[0])


def _parquet_base() -> bytes:
    t = pa.table({"point_code": ["P1", "P2"], "ts": pa.array([0, 1_000_000], pa.timestamp("us", tz="Asia/Shanghai")),
                  "value": [1.0, float("nan")], "status": pa.array([0, 4], pa.int32())})
    buf = io.BytesIO()
    pq.write_table(t.replace_schema_metadata({"mine": MINE}), buf)
    return buf.getvalue()


@FUZZ
@given(mutated(_parquet_base()))
def test_mutated_parquet_files_only_raise_input_error(data: bytes) -> None:
    _survives(data, "p.parquet")


@FUZZ
@given(st.binary(max_size=300))
def test_random_bytes_under_every_name(data: bytes) -> None:
    for name in (CDSS, "x.xml", "x.csv", "x.parquet", "unknown.bin"):
        _survives(data, name)


# --- round trips --------------------------------------------------------------------------------------------

CJK = st.characters(min_codepoint=0x4E00, max_codepoint=0x9FA5)
TEXT = st.text(alphabet=st.one_of(CJK, st.sampled_from(list("abcXYZ0123456789-_()#|\" ."))), max_size=12)
CODE = st.one_of(
    st.builds(lambda sys, vt, typ, n: f"{MINE}{sys}{vt}{typ}{n:08d}", st.sampled_from(["01", "02"]),
              st.sampled_from(["MN", "KG", "LJ", "DT"]), st.sampled_from(["0001", "0022", "0036", "3002"]),
              st.integers(0, 99_999_999)),
    st.from_regex(r"[0-9]{2,4}(MN|KG)[0-9]{4,12}", fullmatch=True),      # shortened site codes
)
VALUE = st.one_of(st.floats(allow_nan=False, allow_infinity=False, min_value=-1e9, max_value=1e9),
                  st.integers(-100_000, 10_000_000).map(float))
TIME = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2099, 12, 31)).map(
    lambda d: d.replace(microsecond=0))
STYLE = st.sampled_from(["\n", "\r\n", ""])
ENCODING = st.sampled_from(["utf-8", "utf-8-sig", "gb18030", "json"])


def _encode(text: str, enc: str) -> bytes:
    if enc == "json":
        return json.dumps(text, ensure_ascii=False).encode()
    return text.encode(enc)


def _beijing(d: datetime) -> str:
    return f"{d:%Y-%m-%d %H:%M:%S}"


def _as_utc(d: datetime) -> datetime:
    return (d - timedelta(hours=8)).replace(tzinfo=UTC)


CDSS_ROW = st.tuples(CODE, TEXT, TEXT, VALUE, st.sampled_from(["%CH4", "m³/min", "kPa", "℃", ""]),
                     st.integers(0, 255), TIME)


@settings(max_examples=120, deadline=3000, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(CDSS_ROW, max_size=40), STYLE, ENCODING, TIME)
def test_cdss_round_trip(rows: list[tuple], lb: str, enc: str, file_time: datetime) -> None:
    header = [MINE, "示例煤矿", _beijing(file_time)]
    records = [[c, n, loc, repr(v), u, str(s), _beijing(t)] for c, n, loc, v, u, s, t in rows]
    data = _encode(format_kj(header, records, line_break=lb), enc)
    pf = read_kj(data, CDSS)
    got = pf.readings.to_pylist()
    assert len(got) == len(rows)
    assert pf.file_time == _as_utc(file_time)
    for g, (c, n, loc, v, u, s, t) in zip(got, rows, strict=True):
        assert g["point_code"] == c
        if v == SENTINEL:                                         # -9999: missing-value sentinel
            assert math.isnan(g["value"]) and g["value_raw"] == repr(v)
        else:
            assert g["value"] == v and g["value_raw"] is None      # repr() round-trips a float exactly
        assert g["kj_status"] == s
        assert g["ts"] == _as_utc(t)
        assert g["unit_raw"] == (u or None)
        assert g["sensor_name"] == (n or None) and g["location"] == (loc or None)


CDDY_NUM = st.one_of(st.none(), st.floats(allow_nan=False, allow_infinity=False, min_value=-1e6, max_value=1e6))


@settings(max_examples=60, deadline=3000, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(CODE, st.lists(CDDY_NUM, min_size=13, max_size=13), TEXT, TIME), max_size=15),
       STYLE, ENCODING)
def test_cddy_round_trip(rows: list[tuple], lb: str, enc: str) -> None:
    header = [MINE, "m", "KJ", "sys", "maker", "2028-12-31", "2025-03-01 08:00:00"]
    records = []
    for code, nums, loc, t in rows:
        s = ["" if x is None else repr(x) for x in nums]
        records.append([code, "02", "S1", "0036", "MN", "m³/min", *s[:10], "开", "停", loc, *s[10:], "",
                        _beijing(t)])
    pf = read_kj(_encode(format_kj(header, records, line_break=lb), enc), CDDY)
    got = pf.tables["point_defs"].to_pylist()
    keys = ["range_high", "range_low", "alarm_high", "alarm_high_release", "alarm_low", "alarm_low_release",
            "cut_high", "restore_high", "cut_low", "restore_low", "x", "y", "z"]
    assert len(got) == len(rows)
    for g, (code, nums, loc, t) in zip(got, rows, strict=True):
        assert g["point_code"] == code and g["def_ts"] == _as_utc(t) and g["location"] == (loc or None)
        for k, x in zip(keys, nums, strict=True):
            if x == SENTINEL:
                assert math.isnan(g[k]) and json.loads(g["raw_extra"])[k] == repr(x)
            else:
                assert g[k] == x, k


@settings(max_examples=80, deadline=3000, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(CDSS_ROW, min_size=1, max_size=25), STYLE,
       st.lists(st.tuples(st.integers(0, 30), st.sampled_from(["", " ", "x;y", "~", "a\nb"])), max_size=3))
def test_fast_and_exact_tokenisers_agree(rows: list[tuple], lb: str, damage: list[tuple[int, str]]) -> None:
    records = [[c, n, loc, repr(v), u, str(s), _beijing(t)] for c, n, loc, v, u, s, t in rows]
    text = format_kj([MINE, "m", "2025-03-01 10:00:30"], records, line_break=lb)
    for pos, junk in damage:   # inject irregularities between records
        parts = text.split("~")
        i = 1 + pos % max(len(parts) - 1, 1)
        parts.insert(i, junk)
        text = "~".join(parts)
    data = text.encode()
    try:
        via_fast = read_kj(data, CDSS, partial=True)
    except InputError:
        via_fast = None
    original = kj._fast
    kj._fast = lambda *a, **k: None
    try:
        try:
            via_exact = read_kj(data, CDSS, partial=True)
        except InputError:
            via_exact = None
    finally:
        kj._fast = original
    assert (via_fast is None) == (via_exact is None)
    if via_fast is not None and via_exact is not None:
        assert _rows(via_fast.readings) == _rows(via_exact.readings)
        assert [(p.line, p.field) for p in via_fast.problems] == [(p.line, p.field) for p in via_exact.problems]


ZONES = st.sampled_from([UTC, *(timezone(timedelta(minutes=m)) for m in (-300, 330, 480))])
AWARE = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2099, 1, 1), timezones=ZONES)


@settings(max_examples=80, deadline=3000, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.from_regex(r"[A-Z][A-Z0-9_]{0,10}", fullmatch=True), VALUE, st.integers(0, 255),
                          AWARE), max_size=30),
       st.sampled_from(["utf-8", "utf-8-sig", "gb18030"]))
def test_canonical_long_csv_round_trip(rows: list[tuple], enc: str) -> None:
    lines = ["# mine: 990000000001", "point_code,ts,value,status,unit"]
    lines += [f"{c},{t.isoformat()},{v!r},{s},m³" for c, v, s, t in rows]
    pf = read_bytes(("\n".join(lines) + "\n").encode(enc), "x.csv")
    got = pf.readings.to_pylist()
    assert len(got) == len(rows)
    for g, (c, v, s, t) in zip(got, rows, strict=True):
        assert (g["point_code"], g["kj_status"], g["unit_raw"]) == (c, s, "m³")
        assert g["ts"] == t.astimezone(UTC)
        if v == SENTINEL:
            assert math.isnan(g["value"]) and g["value_raw"] == repr(v)
        else:
            assert g["value"] == v and g["value_raw"] is None
