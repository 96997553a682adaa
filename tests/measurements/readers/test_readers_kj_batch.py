"""``read_kj_batch`` (several KJ files tokenised and converted together, the ingest fast path) gives, file by
file, exactly what ``read_kj`` gives: the same tables bit for bit, problems, counts — or the same rejection.

Batches mix regular files with damaged ones (every kind of record problem, byte mutations, other line-break
styles and encodings, other mines and file types), so both the shared path and the fall-back to ``read_kj`` are
exercised, and a damaged file never changes what its neighbours in the batch give.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from readers_helpers import CDDY, CDSS, KJ_DIR, variant

from minegas.errors import InputError
from minegas.measurements.readers.kj import format_kj, read_kj, read_kj_batch
from minegas.measurements.readers.schemas import READINGS

MINES = ("990000000001", "990000000002")
GOOD_VALUES = ("16.11", "0", "-10.4", "1e3", "0.50", "100")
ODD_VALUES = (" 1.5", "+2", "-9999", "abc", "", "inf", "NaN", "1,5", "1.")
ODD_STATUSES = ("+5", " 3", "256", "x", "", "-1", "4 ")
ODD_TIMES = ("2025-02-30 10:00:00", "", "2025-03-01 24:00:00", "2025-3-1 10:00:00", " 2025-03-01 10:00:00")
ODD_CODES = ("", "  ", "99000000000901MN000100000101")  # empty, blank, a point of another mine


def _record(draw: st.DrawFn, mine: str, k: int, odd: bool) -> list[str]:
    code = f"{mine}01MN0001{k:08d}"
    value = draw(st.sampled_from(GOOD_VALUES))
    status = draw(st.sampled_from(("0", "1", "4", "128")))
    time = f"2025-03-01 10:{k % 60:02d}:{draw(st.integers(0, 59)):02d}"
    if odd:
        which = draw(st.sampled_from(("value", "status", "time", "code")))
        if which == "value":
            value = draw(st.sampled_from(ODD_VALUES))
        elif which == "status":
            status = draw(st.sampled_from(ODD_STATUSES))
        elif which == "time":
            time = draw(st.sampled_from(ODD_TIMES))
        else:
            code = draw(st.sampled_from(ODD_CODES))
    return [code, "管道瓦斯", "位置", value, "%CH4", status, time]


@st.composite
def cdss_file(draw: st.DrawFn) -> tuple[bytes, str]:
    mine = draw(st.sampled_from(MINES))
    n = draw(st.integers(0, 8))
    odd = draw(st.sets(st.integers(0, 7), max_size=2)) if draw(st.booleans()) else set()
    records = [_record(draw, mine, k, k in odd) for k in range(n)]
    style = draw(st.sampled_from(("\n", "\n", "\r\n", "")))
    text = format_kj([mine, "示例煤矿", "2025-03-01 10:05:00"], records, line_break=style)
    data = text.encode("utf-8")
    damage = draw(st.sampled_from(("none", "none", "none", "bom", "gb18030", "bytes")))
    if damage == "bom":
        data = b"\xef\xbb\xbf" + data
    elif damage == "gb18030":
        data = text.encode("gb18030")
    elif damage == "bytes" and data:
        buf = bytearray(data)
        for _ in range(draw(st.integers(1, 3))):
            pos = draw(st.integers(0, len(buf) - 1))
            byte = draw(st.sampled_from(list(b";~|\r\n \xff\x80\xe4")))
            if draw(st.booleans()):
                buf[pos] = byte
            else:
                buf.insert(pos, byte)
        data = bytes(buf)
    second = draw(st.integers(0, 59))
    return data, f"{mine}_CDSS_2025030110{draw(st.integers(0, 59)):02d}{second:02d}.txt"


def _bits(col: pa.ChunkedArray) -> tuple[list[object], list[bool]]:
    arr = col.combine_chunks()
    valid = arr.is_valid().to_pylist()
    if pa.types.is_floating(arr.type):
        v = np.asarray(arr.fill_null(0).to_numpy(zero_copy_only=False), np.float64).view(np.int64).tolist()
        return v, valid
    return arr.to_pylist(), valid


def _assert_same(items: list[tuple[bytes, str]], *, partial: bool) -> int:
    """read_kj_batch equals read_kj file by file; returns how many files were read (not rejected)."""
    got = read_kj_batch(items, partial=partial)
    assert len(got) == len(items)
    read = 0
    for (data, name), g in zip(items, got, strict=True):
        try:
            expected = read_kj(data, name, partial=partial)
        except InputError as exc:
            assert isinstance(g, InputError), name
            assert str(g) == str(exc)
            assert [p.__dict__ for p in g.problems] == [p.__dict__ for p in exc.problems]
            continue
        assert not isinstance(g, InputError), (name, g)
        read += 1
        for f in ("name", "format", "kind", "mine_code", "mine_name", "file_time", "name_time", "header", "n_bytes",
                  "sha256", "encoding", "records_total", "records_rejected"):
            assert getattr(g, f) == getattr(expected, f), (name, f)
        assert [p.__dict__ for p in g.problems] == [p.__dict__ for p in expected.problems]
        assert set(g.tables) == set(expected.tables)
        for key, table in expected.tables.items():
            other = g.tables[key]
            assert other.schema.equals(table.schema)
            assert other.num_rows == table.num_rows
            for c in table.column_names:
                assert _bits(other.column(c)) == _bits(table.column(c)), (name, key, c)
    return read


@settings(max_examples=120)
@given(st.lists(cdss_file(), min_size=1, max_size=8), st.booleans())
def test_batch_equals_file_by_file(items: list[tuple[bytes, str]], partial: bool) -> None:
    _assert_same(items, partial=partial)


def test_regular_files_share_one_read_and_keep_their_own_rows() -> None:
    files = []
    for h in range(3):
        recs = [[f"{MINES[0]}01MN0001{k:08d}", "管道瓦斯", "位置", f"{h}.{k}", "%CH4", str(k % 2),
                 f"2025-03-01 1{h}:00:{k:02d}"] for k in range(5)]
        files.append((format_kj([MINES[0], "示例煤矿", f"2025-03-01 1{h}:05:00"], recs).encode(),
                      f"{MINES[0]}_CDSS_202503011{h}0500.txt"))
    got = read_kj_batch(files)
    assert [g.records_total for g in got if not isinstance(g, InputError)] == [5, 5, 5]
    second = got[1]
    assert not isinstance(second, InputError)
    t = second.tables[READINGS]
    assert t.column("value").to_pylist() == [1.0, 1.1, 1.2, 1.3, 1.4]
    assert t.column("record_no").to_pylist() == [1, 2, 3, 4, 5]
    assert t.column("kj_status").to_pylist() == [0, 1, 0, 1, 0]
    assert second.file_time is not None and second.file_time.hour == 3  # 11:05 Beijing = 03:05 UTC
    assert _assert_same(files, partial=False) == 3


@pytest.mark.parametrize("style", ["lf", "crlf", "none", "bom", "gb18030", "json"])
def test_samples_in_every_style_next_to_regular_files(style: str) -> None:
    sample = (variant((KJ_DIR / CDSS).read_text(encoding="utf-8"), style), CDSS)
    regular = (format_kj(["990000000001", "示例煤矿", "2025-03-01 10:05:00"], [
        ["99000000000101MN000100000101", "甲烷", "回风", "0.31", "%CH4", "0", "2025-03-01 10:00:00"]]).encode(),
        "990000000001_CDSS_20250301100500.txt")
    definitions = ((KJ_DIR / CDDY).read_bytes(), CDDY)
    assert _assert_same([regular, sample, definitions, regular], partial=False) == 4


def test_a_bad_record_sends_only_its_file_through_read_kj() -> None:
    def file(k: int, status: str) -> tuple[bytes, str]:
        rec = [f"{MINES[0]}01MN0001{k:08d}", "甲烷", "回风", "0.31", "%CH4", status, "2025-03-01 10:00:00"]
        return format_kj([MINES[0], "示例煤矿", "2025-03-01 10:05:00"], [rec, rec]).encode(), \
            f"{MINES[0]}_CDSS_2025030110050{k}.txt"

    items = [file(1, "0"), file(2, "x"), file(3, "05")]
    got = read_kj_batch(items)
    assert not isinstance(got[0], InputError) and not isinstance(got[2], InputError)
    assert isinstance(got[1], InputError) and [p.line for p in got[1].problems] == [1, 2]
    # the batch's status column no longer casts as a whole: '05' still reads as read_kj reads it alone
    assert got[2].tables[READINGS].column("kj_status").to_pylist() == [5, 5]
    partial = read_kj_batch(items, partial=True)[1]
    assert not isinstance(partial, InputError) and partial.records_rejected == 2
    assert _assert_same(items, partial=True) == 3
