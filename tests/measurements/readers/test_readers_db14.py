"""DB14/T 671.1 XML reader: the samples of research note §6.6 and the rejections."""

from __future__ import annotations

import math

import pytest
from readers_helpers import AQMC, AQSS, KJ_DIR, utc

from minegas.errors import InputError
from minegas.measurements.readers.db14 import read_db14
from minegas.measurements.readers.schemas import POINT_DEFS_SCHEMA, READINGS_SCHEMA

HEAD = '<?xml version="1.0" encoding="utf-8"?><root code="DB14/T 671.1-2012"><head cs_mine_code="990000001" ' \
       'cs_data_time="2025-03-01 10:00:30"/>'


def _aqss(*rows: str, head: str = HEAD) -> bytes:
    return (head + "".join(rows) + "</root>").encode("utf-8")


def _row(code: str, analog: str = "", switching: str = "", state: str = "0") -> str:
    return (f'<data ss_station_code="000003" ss_transducer_code="{code}" ss_analog_value="{analog}" '
            f'ss_switching_value="{switching}" ss_transducer_state="{state}"/>')


def test_aqmc_sample() -> None:
    pf = read_db14((KJ_DIR / AQMC).read_bytes(), AQMC)
    assert (pf.format, pf.kind, pf.mine_code, pf.file_time) == ("db14", "AQMC", "990000001", utc(2025, 3, 1, 0, 0))
    t = pf.tables["point_defs"]
    assert t.schema.equals(POINT_DEFS_SCHEMA)
    (r,) = t.to_pylist()
    assert (r["point_code"], r["station_code"], r["sensor_type_code"], r["sensor_name"], r["unit_raw"],
            r["location"]) == ("003A01", "000003", "M0101", "甲烷", "%CH4", "回风立井井口甲烷")
    assert (r["range_low"], r["range_high"], r["alarm_low"], r["alarm_high"]) == (0.0, 4.0, 0.0, 0.75)
    assert (r["cut_low"], r["cut_high"], r["restore_low"], r["restore_high"]) == (0.0, 0.0, 0.0, 0.0)
    assert (r["gis_node_code"], r["power_cut_area_code"], r["value_type"]) == ("1", "0000", "MN")
    assert r["def_ts"] == utc(2025, 3, 1, 0, 0) and r["raw_extra"] is None and r["record_no"] == 1
    assert pf.header["root.code"] == "DB14/T 671.1-2012"


def test_aqss_sample() -> None:
    pf = read_db14((KJ_DIR / AQSS).read_bytes(), AQSS)
    t = pf.readings
    assert t.schema.equals(READINGS_SCHEMA)
    (r,) = t.to_pylist()
    assert (r["mine_code"], r["point_code"], r["station_code"], r["value"], r["kj_status"], r["ts"]) == (
        "990000001", "003A01", "000003", 0.32, 0, utc(2025, 3, 1, 2, 0, 30))


def test_switching_value_and_junk() -> None:
    data = _aqss(_row("001A01", analog="1.5"), _row("001K02", switching="1"), _row("001A03", analog="-9999"),
                 _row("001A04"))
    rows = read_db14(data, "x_AQSS.xml").readings.to_pylist()
    assert [r["value"] for r in rows[:2]] == [1.5, 1.0]
    assert math.isnan(rows[2]["value"]) and rows[2]["value_raw"] == "-9999"
    assert math.isnan(rows[3]["value"]) and rows[3]["value_raw"] == ""
    assert [r["record_no"] for r in rows] == [1, 2, 3, 4]


def test_bad_state_is_located_and_partial_keeps_the_rest() -> None:
    data = _aqss(_row("A1", "1"), _row("A2", "2", state="x"), _row("A3", "3"))
    with pytest.raises(InputError) as ei:
        read_db14(data, "x.xml")
    (p,) = ei.value.problems
    assert (p.line, p.field, p.value) == (2, "ss_transducer_state", "x")
    pf = read_db14(data, "x.xml", partial=True)
    assert pf.readings.column("point_code").to_pylist() == ["A1", "A3"] and pf.records_rejected == 1


@pytest.mark.parametrize("doc", [
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]><root>&lol2;</root>',
    '<?xml version="1.0"?><!doctype root SYSTEM "file:///etc/passwd"><root/>',
])
def test_doctype_and_entities_are_rejected(doc: str) -> None:
    with pytest.raises(InputError) as ei:
        read_db14(doc.encode(), "x.xml")
    assert ei.value.problems[0].field == "XML"


def test_malformed_xml_reports_line_and_column() -> None:
    with pytest.raises(InputError) as ei:
        read_db14(b'<?xml version="1.0"?>\n<root>\n<head cs_mine_code="1"\n</root>', "x.xml")
    p = ei.value.problems[0]
    assert p.field == "XML" and p.line == 4 and "column" in p.message


def test_head_problems() -> None:
    with pytest.raises(InputError) as ei:
        read_db14(b"<root><data/></root>", "x.xml")
    assert ei.value.problems[0].field == "head"
    with pytest.raises(InputError) as ei:
        read_db14(_aqss(_row("A"), head='<root><head cs_mine_code="1" cs_data_time="2025-02-30 00:00:00"/>'),
                  "x.xml")
    assert (ei.value.problems[0].line, ei.value.problems[0].field) == (0, "cs_data_time")
    with pytest.raises(InputError) as ei:
        read_db14(_aqss(_row("A")), "x.xml", mine_code="990000002")
    assert ei.value.problems[0].field == "cs_mine_code"


def test_unsupported_and_mismatched_tables() -> None:
    with pytest.raises(InputError, match="AQFZ is not supported"):
        read_db14(_aqss(_row("A")), "990000001_AQFZ_20250301.xml")
    with pytest.raises(InputError, match="name says AQMC but the data are AQSS"):
        read_db14(_aqss(_row("A")), "990000001_AQMC_20250301.xml")
    with pytest.raises(InputError, match="cannot tell"):
        read_db14(_aqss(), "x.xml")
    assert read_db14(_aqss(), "x_AQSS.xml").readings.num_rows == 0


def test_gbk_encoded_file() -> None:
    text = ('<?xml version="1.0" encoding="GBK"?><root code="DB14/T 671.1-2012"><head cs_mine_code="990000001" '
            'cs_data_time="2025-03-01 08:00:00"/><data ss_station_code="000003" ss_transducer_code="003A01" '
            'ss_transducer_type="M0104" ss_transducer_name="一氧化碳" ss_analog_unit="ppm" '
            'ss_transducer_point="2101回风巷一氧化碳" ss_analog_lower="0" ss_analog_high="1000" x_extra="额外"/></root>')
    pf = read_db14(text.encode("gbk"), "x.xml")
    (r,) = pf.tables["point_defs"].to_pylist()
    assert (pf.encoding, r["sensor_name"], r["location"], r["range_high"]) == ("gb18030", "一氧化碳",
                                                                               "2101回风巷一氧化碳", 1000.0)
    assert r["raw_extra"] == '{"x_extra": "额外"}'


def test_timezone_argument() -> None:
    assert read_db14((KJ_DIR / AQSS).read_bytes(), AQSS, timezone="+08:00").readings.num_rows == 1
    with pytest.raises(InputError):
        read_db14((KJ_DIR / AQSS).read_bytes(), AQSS, timezone="Europe/Berlin")
