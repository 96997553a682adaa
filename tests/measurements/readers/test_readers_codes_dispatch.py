"""Code tables (research note china-monitoring-formats §4) and the dispatcher read_path/read_bytes."""

from __future__ import annotations

import hashlib
import io
import shutil
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from readers_helpers import AQMC, AQSS, CDSS, KJ_DIR, KJ_SAMPLES

from minegas.errors import InputError
from minegas.measurements.readers import codes, detect_format, read_bytes, read_path


def test_code_tables_match_the_research_note() -> None:
    assert codes.SYSTEM_CODES["01"].zh == "安全监控系统" and codes.SYSTEM_CODES["02"].zh == "瓦斯抽放系统"
    assert set(codes.VALUE_TYPES) == {"MN", "KG", "LJ", "DT"}
    st = codes.SENSOR_TYPES
    assert {f"{i:04d}" for i in range(1, 57)} <= set(st)                 # 0001–0056
    assert {f"{i}" for i in range(1001, 1016)} <= set(st)               # 1001–1015
    assert {f"{i}" for i in range(3001, 3008)} <= set(st)               # 3001–3007
    assert {"4001", "4002"} <= set(st)
    drainage = {"0022": "管道瓦斯", "0023": "管道温度", "0025": "管道压力", "0036": "混合瓦斯流量",
                "0037": "纯瓦斯流量", "0040": "管道流量", "3002": "瓦斯抽放量", "0043": "激光甲烷"}
    assert {k: st[k].zh for k in drainage} == drainage
    assert st["0054"].confidence == "single" and st["4001"].confidence == "conflicting"
    assert sorted(codes.EVENT_TYPES) == [f"{i:03d}" for i in range(1, 11)]
    assert codes.EVENT_TYPES["007"].zh == "标校"
    assert "".join(sorted(codes.RELATION_CODES)) == "BDGHKTZ"
    assert codes.SUBSTATION_RUN_STATES["1"].zh == "通信中断"
    # the two power-state tables conflict: 1 is 交流 in one source and 直流 in the other
    ps = codes.SUBSTATION_POWER_STATES
    assert ps["S4-B.9"]["1"].zh == "交流" and ps["S5"]["1"].zh == "直流"
    assert codes.lookup(st, " 0022 ") is st["0022"] and codes.lookup(st, "9999") is None
    assert st["0001"].label("both") == "环境瓦斯 ambient methane"


def test_status_bits() -> None:
    assert sorted(codes.STATUS_BITS) == [1, 2, 4, 8, 16, 32, 64, 128]
    assert [c.zh for c in codes.decode_status(0)] == ["正常"]
    assert [c.zh for c in codes.decode_status(3)] == ["报警", "断电"]
    assert [c.zh for c in codes.decode_status(4 | 128)] == ["标校", "传感器故障"]
    with pytest.raises(ValueError):
        codes.decode_status(256)


@pytest.mark.parametrize("name", [*KJ_SAMPLES, AQMC, AQSS])
def test_read_path_dispatches_every_sample(name: str, tmp_path: Path) -> None:
    p = tmp_path / name
    shutil.copy(KJ_DIR / name, p)
    pf = read_path(p)
    raw = p.read_bytes()
    assert pf.name == name and pf.n_bytes == len(raw) and pf.sha256 == hashlib.sha256(raw).hexdigest()
    assert pf.format == ("db14" if name.endswith(".xml") else "kj")


def test_sha256_of_large_input_is_computed_in_the_background() -> None:
    text = (KJ_DIR / CDSS).read_text(encoding="utf-8")
    head, rest = text.split("\n", 1)
    body, end = rest.rsplit("\n", 1)
    big = "\n".join([head] + [body] * 2000 + [end]).encode()
    assert len(big) > 1 << 20
    pf = read_bytes(big, CDSS)
    assert pf.sha256 == hashlib.sha256(big).hexdigest() and pf.readings.num_rows == 11 * 2000


def test_detect_format_by_content() -> None:
    buf = io.BytesIO()
    pq.write_table(pa.table({"point_code": ["P"], "ts": ["2025-03-01T00:00:00Z"], "value": [1.0]}), buf)
    assert detect_format(buf.getvalue(), "upload.bin") == "parquet"
    assert detect_format(b'<?xml version="1.0"?><root/>', "upload") == "db14"
    assert detect_format(b"\xef\xbb\xbf# mine: M\npoint_code,ts,value\n", "upload.txt") == "csv"
    assert detect_format(b"", "a.CSV") == "csv" and detect_format(b"", "a.pq") == "parquet"
    pf = read_bytes(buf.getvalue(), "upload.bin", mine_code="M")
    assert pf.format == "parquet" and pf.readings.num_rows == 1


def test_kj_content_under_a_wrong_name_and_unknown_files() -> None:
    data = (KJ_DIR / CDSS).read_bytes()
    with pytest.raises(InputError) as ei:
        read_bytes(data, "cdss.txt")
    assert ei.value.problems[0].field == "文件名(file name)" and "rename" in (ei.value.problems[0].fix or "")
    with pytest.raises(InputError, match="unknown file format"):
        read_bytes(b"hello", "x.bin")


def test_read_path_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="cannot read"):
        read_path(tmp_path / "nope.csv")
