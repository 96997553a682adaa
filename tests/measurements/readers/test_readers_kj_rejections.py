"""Every rejection of the KJ reader names the file, the record number (header = record 0) and the field.

The sample CDSS file (research note §6.2) has 11 records; tests damage one of them and check where the
problem is reported, in strict mode (InputError) and in partial mode (good records + problems).
"""

from __future__ import annotations

import json

import pytest
from readers_helpers import CDDY, CDSS, sample_text

from minegas.errors import InputError, Problem
from minegas.measurements.readers.kj import FIELDS, parse_kj_name, read_kj


def _records() -> tuple[str, list[str]]:
    text = sample_text(CDSS).replace("\n", "")
    segs = text.split("~")
    assert segs[-1] == "||"
    return segs[0], segs[1:-1]


def _file(header: str, records: list[str], end: str = "||") -> bytes:
    return ("~\r\n".join([header, *records]) + "~\r\n" + end).encode("utf-8")


def _reject(data: bytes, name: str = CDSS, **kw: object) -> list[Problem]:
    with pytest.raises(InputError) as ei:
        read_kj(data, name, **kw)  # type: ignore[arg-type]
    assert ei.value.exit_code == 2
    assert all(p.file == name for p in ei.value.problems)
    return ei.value.problems


def _damage(i: int, new: str) -> bytes:
    header, recs = _records()
    recs[i - 1] = new
    return _file(header, recs)


def _replace_field(i: int, j: int, value: str) -> bytes:
    header, recs = _records()
    f = recs[i - 1].split(";")
    f[j] = value
    recs[i - 1] = ";".join(f)
    return _file(header, recs)


def test_truncated_without_end_marker() -> None:
    header, recs = _records()
    data = _file(header, recs, end="")
    (p,) = _reject(data)
    assert (p.line, p.field) == (11, "文件结束符(||)") and "truncated" in p.message
    # partial mode keeps all 11 complete records
    pf = read_kj(data, CDSS, partial=True)
    assert pf.readings.num_rows == 11 and pf.problems == [p] and pf.records_rejected == 0


def test_truncated_inside_a_record() -> None:
    header, recs = _records()
    data = _file(header, recs[:4], end="") + recs[4][:30].encode()     # cut inside record 5
    (p,) = _reject(data)
    assert (p.line, p.field) == (5, "文件结束符(||)")
    pf = read_kj(data, CDSS, partial=True)
    assert pf.readings.column("record_no").to_pylist() == [1, 2, 3, 4] and pf.records_rejected == 1


def test_wrong_field_count() -> None:
    header, recs = _records()
    recs[2] += ";extra"
    (p,) = _reject(_file(header, recs))
    assert (p.line, p.field) == (3, "字段数(field count)") and "has 7 fields, this one has 8" in p.message
    assert p.value == recs[2]


def test_unparsable_time() -> None:
    (p,) = _reject(_replace_field(4, 6, "2025-03-01 10:00"))
    assert (p.line, p.field, p.value) == (4, "数据时间(ts)", "2025-03-01 10:00")


@pytest.mark.parametrize("bad", ["2025-02-30 10:00:00", "2025-03-01 24:00:00", "2025-03-01 10:00:60",
                                 "2025/03/01 10:00:00", "2025-3-1 10:00:00", "", "2025-03-01T10:00:25"])
def test_impossible_or_malformed_times(bad: str) -> None:
    (p,) = _reject(_replace_field(7, 6, bad))
    assert (p.line, p.field) == (7, "数据时间(ts)")


def test_bad_status() -> None:
    for bad in ("256", "-1", "x", "", "1.0"):
        (p,) = _reject(_replace_field(2, 5, bad))
        assert (p.line, p.field) == (2, "测点状态(kj_status)"), bad


def test_point_code_of_another_mine() -> None:
    (p,) = _reject(_replace_field(2, 0, "99000000000201MN000200000102"))
    assert (p.line, p.field, p.value) == (2, "测点编码(point_code)", "99000000000201MN000200000102")
    assert "another mine" in p.message


def test_empty_point_code() -> None:
    (p,) = _reject(_replace_field(9, 0, ""))
    assert (p.line, p.field) == (9, "测点编码(point_code)")


def test_undecodable_bytes_with_offset() -> None:
    header, recs = _records()
    good = _file(header, recs)
    marker = recs[5].split(";")[2].encode("utf-8")          # location of record 6
    at = good.index(marker)
    data = good[:at] + b"\xff\xfe" + good[at + 2:]
    problems = _reject(data)
    assert len(problems) == 1
    p = problems[0]
    assert (p.line, p.field) == (6, "测点安装位置(location)")
    assert f"byte offset {at}" in p.message
    pf = read_kj(data, CDSS, partial=True)
    assert 6 not in pf.readings.column("record_no").to_pylist() and pf.readings.num_rows == 10
    assert pf.encoding == "utf-8"      # clearly UTF-8: not re-read as GB18030 mojibake


def test_header_mine_differs_from_name() -> None:
    header, recs = _records()
    (p,) = _reject(_file(header.replace("990000000001", "990000000002", 1), recs))
    assert (p.line, p.field, p.value) == (0, "煤矿编码(mine_code)", "990000000002")


def test_header_layout_differs_from_type_in_name() -> None:
    header, recs = _records()
    problems = _reject(_file(header, recs), name=CDDY)
    assert (problems[0].line, problems[0].field) == (0, "字段数(field count)")
    assert "the file name says CDDY" in problems[0].message
    cddy = sample_text(CDDY).encode()
    problems = _reject(cddy, name=CDSS)
    assert "layout of CDDY files" in problems[0].message


def test_header_time_unparsable() -> None:
    header, recs = _records()
    (p,) = _reject(_file(header.replace("2025-03-01 10:00:30", "yesterday"), recs))
    assert (p.line, p.field, p.value) == (0, "数据时间(data_time)", "yesterday")


def test_header_problems_are_fatal_even_in_partial_mode() -> None:
    header, recs = _records()
    with pytest.raises(InputError):
        read_kj(_file(header.replace("990000000001", "990000000002", 1), recs), CDSS, partial=True)


def test_mine_code_argument_must_match() -> None:
    (p,) = _reject(sample_text(CDSS).encode(), mine_code="990000000009")
    assert (p.line, p.field) == (0, "煤矿编码(mine_code)")
    assert read_kj(sample_text(CDSS).encode(), CDSS, mine_code="990000000001").readings.num_rows == 11


def test_timezone_argument() -> None:
    data = sample_text(CDSS).encode()
    assert read_kj(data, CDSS, timezone="+08:00").readings.num_rows == 11
    assert read_kj(data, CDSS, timezone="Asia/Shanghai").readings.num_rows == 11
    (p,) = _reject(data, timezone="UTC")
    assert p.field == "timezone"


def test_text_after_end_marker_and_unterminated_record() -> None:
    header, recs = _records()
    (p,) = _reject(_file(header, recs, end="||garbage"))
    assert (p.line, p.field) == (12, "文件结束符(||)") and "after the end marker" in p.message
    data = ("~".join([header, *recs[:3]]) + "~" + recs[3] + "||").encode()
    (p,) = _reject(data)
    assert (p.line, p.field) == (4, "文件结束符(||)") and "not terminated" in p.message
    pf = read_kj(data, CDSS, partial=True)
    assert pf.readings.num_rows == 3 and pf.records_rejected == 1


def test_partial_mode_collects_problems_in_record_order() -> None:
    header, recs = _records()
    recs[7] = recs[7].replace("2025-03-01 10:00:25", "bad time")
    recs[1] += ";x"
    recs[4] = recs[4].replace(";0;2025", ";999;2025")
    data = _file(header, recs)
    problems = _reject(data)
    assert [(p.line, p.field) for p in problems] == [(2, "字段数(field count)"), (5, "测点状态(kj_status)"),
                                                     (8, "数据时间(ts)")]
    pf = read_kj(data, CDSS, partial=True)
    assert pf.readings.column("record_no").to_pylist() == [1, 3, 4, 6, 7, 9, 10, 11]
    assert pf.problems == problems and (pf.records_total, pf.records_rejected) == (11, 3)


def test_problem_message_is_readable() -> None:
    (p,) = _reject(_replace_field(4, 6, "bad"))
    text = str(p)
    assert text.startswith(f"{CDSS}:4, field '数据时间(ts)'") and "fix:" in text


def test_json_quoted_but_invalid() -> None:
    (p,) = _reject(b'"990000000001;m;2025-03-01 10:00:30~\\x~||"')
    assert p.line == 0


def test_empty_or_headerless_file() -> None:
    for data in (b"", b"   \r\n", b"990000000001;m;2025-03-01 10:00:30"):
        (p,) = _reject(data)
        assert p.line == 0


@pytest.mark.parametrize("name", ["990000000001_CDSS_20250301100030.csv", "CDSS_20250301100030.txt",
                                  "990000000001_ZKSS_20250301100030.txt", "990000000001_CDSS_20251301100030.txt",
                                  "990000000001_cdss_20250301100030.txt"])
def test_bad_names(name: str) -> None:
    with pytest.raises(InputError) as ei:
        parse_kj_name(name)
    assert ei.value.problems[0].field == "文件名(file name)"


def test_name_parts() -> None:
    n = parse_kj_name("990000000001_CDSS_20250301100030.TXT")
    assert (n.mine_code, n.kind, n.time.isoformat()) == ("990000000001", "CDSS", "2025-03-01T02:00:30+00:00")


def test_field_tables_have_the_documented_counts() -> None:
    assert {k: len(v) for k, v in FIELDS.items()} == {"CDSS": 7, "CDDY": 24, "TJSJ": 12, "YCBJ": 17, "FZDY": 6,
                                                      "FZSS": 4}


def test_truncated_json_quoted_payload_is_reported_as_truncation() -> None:
    header, recs = _records()
    quoted = json.dumps("~\r\n".join([header, *recs]) + "~\r\n||", ensure_ascii=False)
    cut = quoted[:quoted.index(recs[6]) + 20]        # the writer stopped inside record 7
    (p,) = _reject(cut.encode())
    assert (p.line, p.field) == (7, "文件结束符(||)")
    pf = read_kj(cut.encode(), CDSS, partial=True)
    assert pf.readings.column("record_no").to_pylist() == [1, 2, 3, 4, 5, 6]


def test_header_only_file_gives_empty_tables() -> None:
    for data in (b"990000000001;m;2025-03-01 10:00:30~||", b"990000000001;m;2025-03-01 10:00:30~\r\n||\r\n"):
        pf = read_kj(data, CDSS)
        assert pf.readings.num_rows == 0 and pf.records_total == 0 and pf.problems == []
