"""generate(): the acceptance round trip (stored readings = generated − destroyed, exactly), faults visible in the
files, KJ layout and styles, registry import, canonical files, determinism, output-folder rules, bad requests."""

from __future__ import annotations

import csv
import hashlib
from datetime import datetime
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from minegas.errors import InputError
from minegas.periods import CST
from minegas.physics.states import absolute_pressure_kpa, convert_state, to_reference
from minegas.synth import FaultSpec, GenerationResult, KJStyle, generate, mine_layout
from minegas.synth.registry_csv import COLUMNS
from synth.conftest import MONTH_MINES
from synth.helpers import expected, files_ledger, kj_files, ledger, manifest, parse_kj_text, read_cdss

# --- acceptance -----------------------------------------------------------------------------------------------


def test_month_with_faults_round_trips_exactly(month_out: Path) -> None:
    """Issue acceptance: a generated month with injected faults round-trips — the readings of all KJ files, read
    with minegas's readers and de-duplicated first-received-wins, equal the generated readings minus the ones the
    faults destroyed (ledger ``stored``), exactly in point, time, value and status."""
    got, rejected = read_cdss(month_out)
    exp = expected(month_out, "stored")
    a, b = exp.sort(["point_code", "ts"]), got.sort(["point_code", "ts"])
    assert a.height == b.height
    assert a.equals(b)
    truncated = files_ledger(month_out).filter(pl.col("truncated_at") > 0)["path"].to_list()
    assert sorted(rejected) == sorted(truncated) and len(truncated) == len(MONTH_MINES)


def test_month_round_trips_with_partial_ingest(month_out: Path) -> None:
    got, rejected = read_cdss(month_out, partial=True)
    assert rejected == []
    exp = expected(month_out, "stored_partial")
    assert exp.sort(["point_code", "ts"]).equals(got.sort(["point_code", "ts"]))
    led = ledger(month_out)
    # partial ingest saves the records before each cut, strict ingest loses whole files
    assert led["stored_partial"].sum() > led["stored"].sum()


def test_ledger_accounts_for_every_generated_reading(month_run: GenerationResult, demo) -> None:
    led = ledger(month_run.out_dir)
    n_points = sum(len(mine_layout(demo.mine(c)).points) for c in MONTH_MINES)
    assert led.height == n_points * 31 * 288  # every point × every 300-s sample of March
    assert led.select(pl.struct("point_code", "ts").is_unique().all()).item()
    gaps = led.filter(pl.col("fault") == "gap")
    assert gaps.height > 0 and not gaps["sent"].any() and not gaps["stored"].any()
    assert 0.005 < 1 - led["sent"].mean() < 0.03  # gaps=0.01 of the readings (±)
    assert (led.filter(~pl.col("sent"))["file"].is_null()).all()
    assert (led.filter(pl.col("sent"))["file"].is_not_null()).all()
    assert (led["stored"] <= led["stored_partial"]).all() and (led["stored_partial"] <= led["sent"]).all()
    tot = month_run.totals
    assert tot["readings"] == led.height and tot["stored"] == led["stored"].sum()


# --- faults visible in the files ------------------------------------------------------------------------------


def _records_of(path: Path) -> list[list[str]]:
    data = path.read_bytes()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = data.decode("gb18030")
    return parse_kj_text(text)[1]


def test_calibration_windows_are_status_4_in_files_and_registry(month_out: Path) -> None:
    led = ledger(month_out)
    cal = led.filter(pl.col("fault") == "calibration")
    assert cal.height > 0 and (cal["kj_status"] == 4).all()
    assert set(cal["value"].to_list()) <= {2.0, 50.0}
    sent = cal.filter(pl.col("stored")).row(0, named=True)
    recs = _records_of(month_out / sent["file"])
    rec = recs[sent["record_no"] - 1]
    assert rec[0] == sent["point_code"] and rec[5] == "4" and float(rec[3]) == sent["value"]
    with (month_out / "registry" / "calibrations.csv").open(encoding="utf-8") as f:
        rows = [r for r in csv.DictReader(f) if "synthetic fault" in (r["note"] or "")]
    assert {(r["mine_code"], r["point_code"]) for r in rows} == {
        (m, p) for m, p in cal.select("mine_code", "point_code").unique().iter_rows()}
    assert len(rows) == 2 * len(MONTH_MINES)


def test_stuck_sensors_repeat_their_value(month_out: Path) -> None:
    st = ledger(month_out).filter(pl.col("fault") == "stuck")
    assert st.height > 0
    for _pc, grp in st.group_by("point_code"):
        assert grp["value"].n_unique() == 1
        assert grp["value_clean"].n_unique() > 1 or grp.height < 3  # the clean signal kept moving


def test_counter_resets_restart_the_counter(month_out: Path) -> None:
    led = ledger(month_out)
    rs = led.filter(pl.col("fault") == "reset")
    assert rs.height > 0
    pc = rs["point_code"][0]
    series = led.filter(pl.col("point_code") == pc).sort("ts")
    first = series.filter(pl.col("fault") == "reset").row(0, named=True)
    before = series.filter(pl.col("ts") < first["ts"]).tail(1).row(0, named=True)
    assert first["value"] < before["value"]  # the new meter starts from (almost) zero
    assert (rs["value"] <= rs["value_clean"]).all()
    # meter swaps requested on mines without a totaliser are reported as skipped
    skipped = [e for e in _events(month_out) if e["type"] == "skipped" and e.get("reason", "").startswith("the mine")]
    have_counter = {m for m in MONTH_MINES if any(p.signal == "counter" for p in mine_layout(_demo().mine(m)).points)}
    assert len(skipped) == len(MONTH_MINES) - len(have_counter)


def _events(out: Path) -> list[dict]:
    import json

    return json.loads((out / "ledger" / "events.json").read_text(encoding="utf-8"))


def _demo():
    from minegas.synth import load_region

    return load_region("demo")


def test_late_files_arrive_in_a_later_batch(month_out: Path) -> None:
    fl = files_ledger(month_out).filter(pl.col("late_days") > 0)
    assert fl.height == 2 * len(MONTH_MINES)
    for path, batch, days in fl.select("path", "batch", "late_days").iter_rows():
        stamp = Path(path).stem.split("_")[-1]
        window_start = datetime.strptime(stamp, "%Y%m%d%H%M%S").replace(tzinfo=CST).timestamp() - 3600
        origin_batch = datetime.fromtimestamp(window_start, CST).strftime("%Y%m%d")
        assert batch > origin_batch and (month_out / path).parent.name == batch
        assert (datetime.strptime(batch, "%Y%m%d") - datetime.strptime(origin_batch, "%Y%m%d")).days == days


def test_truncated_files_lack_the_end_marker_and_cut_a_record(month_out: Path) -> None:
    fl = files_ledger(month_out).filter(pl.col("truncated_at") > 0)
    for path, cut in fl.select("path", "truncated_at").iter_rows():
        text = (month_out / path).read_bytes().decode("utf-8")
        assert "||" not in text and not text.rstrip().endswith("~")
        _head, recs, complete = parse_kj_text(text)
        assert not complete and len(recs) == cut and len(recs[-1]) == 3 and all(len(r) == 7 for r in recs[:-1])


def test_duplicates_are_copies_or_overlaps(month_out: Path) -> None:
    fl = files_ledger(month_out)
    dups = fl.filter(pl.col("duplicate_of") != "")
    # duplicates=2 per mine: one identical copy and one overlapping file each
    assert sorted(dups["duplicate_kind"].to_list()) == ["copy"] * len(MONTH_MINES) + ["overlap"] * len(MONTH_MINES)
    for path, orig, kind in dups.select("path", "duplicate_of", "duplicate_kind").iter_rows():
        a, b = (month_out / path).read_bytes(), (month_out / orig).read_bytes()
        if kind == "copy":
            assert a == b and Path(path).name == Path(orig).name and path != orig
        else:
            ra, rb = _records_of(month_out / path), _records_of(month_out / orig)
            assert 0 < len(ra) < len(rb) and ra == rb[len(rb) - len(ra):]


def test_files_ledger_matches_the_disk(month_out: Path) -> None:
    fl = files_ledger(month_out)
    on_disk = sorted(p.relative_to(month_out).as_posix() for p in (month_out / "kj").rglob("*.txt"))
    assert sorted(fl["path"].to_list()) == on_disk
    for path, size, sha in fl.select("path", "bytes", "sha256").head(50).iter_rows():
        data = (month_out / path).read_bytes()
        assert len(data) == size and hashlib.sha256(data).hexdigest() == sha


# --- KJ layout ------------------------------------------------------------------------------------------------


def test_kj_files_follow_the_research_note_layout(month_out: Path) -> None:
    """Independent of minegas's readers: file names, headers and field counts of research note §2–§3/§6."""
    for kind, n_fields, n_head in (("CDDY", 24, 7), ("CDSS", 7, 3), ("TJSJ", 12, 3)):
        files = kj_files(month_out, kind)
        assert files
        for f in files[:40]:
            mine, k, stamp = f.stem.split("_")
            assert k == kind and len(stamp) == 14 and mine in MONTH_MINES and f.suffix == ".txt"
            text = f.read_bytes().decode("utf-8")
            if "||" not in text:
                continue  # truncated on purpose
            head, recs, complete = parse_kj_text(text)
            assert complete and text.endswith("||\n") and len(head) == n_head and head[0] == mine
            assert head[-1] == datetime.strptime(stamp, "%Y%m%d%H%M%S").strftime("%Y-%m-%d %H:%M:%S")
            assert recs and all(len(r) == n_fields for r in recs)
            if kind == "CDSS":
                for r in recs[:30]:
                    assert r[0].startswith(mine) and r[4] in ("%CH4", "m³/min", "m³/h", "kPa", "℃", "Pa", "m³",
                                                              "万m³")
                    datetime.strptime(r[6], "%Y-%m-%d %H:%M:%S")
                    float(r[3])
                    assert r[5] in ("0", "4")


def test_cddy_definitions_read_back_with_the_layout(month_out: Path) -> None:
    from minegas.measurements.readers import read_path
    from minegas.synth.model import config_at

    for f in kj_files(month_out, "CDDY"):
        pf = read_path(f)
        defs = pf.tables["point_defs"].to_pylist()
        la = mine_layout(_demo().mine(f.stem.split("_")[0]))
        assert [d["point_code"] for d in defs] == [p.code for p in la.points]
        at = defs[0]["def_ts"]
        for d, p in zip(defs, la.points, strict=True):
            c = config_at(la, p.code, at)
            assert (d["system_code"], d["sensor_type_code"], d["value_type"]) == (p.kj_system, p.sensor_type,
                                                                                p.value_type)
            assert d["unit_raw"] == c.unit and d["range_high"] == c.range_high and d["range_low"] == c.range_low
            assert d["location"] == p.location and d["station_code"] == p.substation


def test_tjsj_statistics_agree_with_the_cdss_values(month_out: Path) -> None:
    f = kj_files(month_out, "TJSJ")[5]
    recs = _records_of(f)
    led = ledger(month_out).filter(pl.col("sent"))
    for r in recs[:20]:
        start = datetime.strptime(r[4], "%Y-%m-%d %H:%M:%S").replace(tzinfo=CST)
        end = datetime.strptime(r[5], "%Y-%m-%d %H:%M:%S").replace(tzinfo=CST)
        vals = led.filter((pl.col("point_code") == r[0]) & (pl.col("ts") >= start) & (pl.col("ts") < end))["value"]
        assert float(r[6]) == vals.max() and float(r[8]) == vals.min()
        assert float(r[10]) == pytest.approx(vals.mean(), abs=10 ** -2 + 1e-9)


def test_meter_change_writes_a_new_cddy_and_changes_units(tmp_path: Path) -> None:
    res = generate("demo", "2025-03-16", "2025-03-17", 300, 1, None, tmp_path / "o", ("kj",),
                   mines=["990521000002"])
    out = res.out_dir
    cddy = kj_files(out, "CDDY")
    assert [f.name for f in cddy] == ["990521000002_CDDY_20250316000000.txt", "990521000002_CDDY_20250316100000.txt"]
    flow_code = next(p.code for p in mine_layout(_demo().mine("990521000002")).points
                     if p.station == "H-MAIN" and p.quantity == "flow_mixed")
    units = [next(r[5] for r in _records_of(f) if r[0] == flow_code) for f in cddy]
    assert units == ["m³/min", "m³/h"]
    led = ledger(out).filter(pl.col("point_code") == flow_code).sort("ts")
    change = datetime(2025, 3, 16, 10, tzinfo=CST)
    before = led.filter(pl.col("ts") < change)["value_true"].tail(3).mean()
    after = led.filter(pl.col("ts") >= change)["value_true"].head(3).mean()
    assert after / before == pytest.approx(60 * 293.15 / 273.15, rel=0.1)  # m³/min at 0 °C → m³/h at 20 °C
    with (out / "registry" / "point_configs.csv").open(encoding="utf-8") as fh:
        cfgs = [r for r in csv.DictReader(fh) if r["point_code"] == flow_code]
    assert [(r["valid_to"], r["unit"], r["ref_state"]) for r in cfgs] == [
        ("2025-03-16T10:00:00+08:00", "m³/min", "0C"), ("", "m³/h", "20C")]


@pytest.mark.parametrize("style", [KJStyle("crlf"), KJStyle("none"), KJStyle("lf", "gb18030"),
                                   KJStyle("none", "utf-8", True), KJStyle(mixed=True)])
def test_kj_styles_read_back_identically(tmp_path: Path, style: KJStyle) -> None:
    res = generate("demo", "2025-03-02", "2025-03-02T06:00:00+08:00", 60, 3, "gaps=0.02", tmp_path / "o", ("kj",),
                   mines=["990522000001", "990581000001", "990521000003"], upload_s=1800, kj_style=style)
    got, rejected = read_cdss(res.out_dir)
    assert rejected == []
    assert expected(res.out_dir).sort(["point_code", "ts"]).equals(got.sort(["point_code", "ts"]))
    raw = kj_files(res.out_dir)[0].read_bytes()
    if style.json_quoted:
        assert raw.startswith(b'"') and raw.endswith(b'"')
    if style.newline == "none" and not style.mixed:
        assert b"\n" not in raw.replace(b"\\n", b"")
    if style.newline == "crlf":
        assert b"~\r\n" in raw
    if style.encoding == "gb18030":
        with pytest.raises(UnicodeDecodeError):
            raw.decode("utf-8")


# --- registry CSVs ---------------------------------------------------------------------------------------------


def test_registry_csvs_have_the_importer_columns(month_out: Path) -> None:
    from minegas.registry.importer import TABLES

    assert {t.file: t.column_names for t in TABLES} == COLUMNS
    for name, cols in COLUMNS.items():
        with (month_out / "registry" / f"{name}.csv").open(encoding="utf-8") as f:
            assert tuple(next(csv.reader(f))) == cols


def test_registry_csvs_import_cleanly_and_idempotently(month_out: Path, tmp_path: Path) -> None:
    from minegas.registry import repository
    from minegas.registry.db import session_scope, upgrade_to_head
    from minegas.registry.importer import import_registry

    url = f"sqlite:///{tmp_path / 'reg.sqlite'}"
    upgrade_to_head(url)
    with session_scope(url) as s:
        first = import_registry(s, [month_out / "registry"])
    assert first.counts["mine"].inserted == len(MONTH_MINES)
    assert first.counts["point"].inserted == sum(len(mine_layout(_demo().mine(c)).points) for c in MONTH_MINES)
    with session_scope(url) as s:
        again = import_registry(s, [month_out / "registry"])
    assert all(c.inserted == 0 and c.updated == 0 for c in again.counts.values())
    with session_scope(url) as s:
        frame = repository.point_configs_frame(s, ["990522000001"])
        links = repository.topology(s, "990522000001")
        m = repository.mine(s, "990522000001")
    assert frame.num_rows == len(mine_layout(_demo().mine("990522000001")).configs)
    assert m.barometric_kpa == _demo().mine("990522000001").barometric_kpa
    assert len(links) == len(mine_layout(_demo().mine("990522000001")).links)


# --- canonical files ---------------------------------------------------------------------------------------------


def test_canonical_long_and_wide_files_read_back(month_out: Path) -> None:
    from minegas.measurements.readers import read_path

    mine = "990522000001"
    led = ledger(month_out, mine).filter(pl.col("sent"))
    exp = led.select("point_code", "ts", "value", "kj_status").sort(["point_code", "ts"])
    for ext in ("csv", "parquet"):
        pf = read_path(month_out / "canonical" / "long" / f"{mine}_202503.{ext}")
        assert pf.problems == []
        got = pl.from_arrow(pf.tables["readings"].select(["point_code", "ts", "value", "kj_status"]))
        assert isinstance(got, pl.DataFrame)
        assert got.with_columns(pl.col("kj_status").cast(pl.UInt16)).sort(["point_code", "ts"]).equals(exp)
    for ext in ("csv", "parquet"):
        pf = read_path(month_out / "canonical" / "wide" / f"{mine}_202503.{ext}")
        r = pl.from_arrow(pf.tables["readings"])
        assert isinstance(r, pl.DataFrame)
        # RTO1's VAM inlet air flow: 20 °C m³/h in KJ → flow_m3_min_20c (÷ 60) in the wide file
        vi = r.filter((pl.col("station_code") == "RTO1-IN-R1") & (pl.col("quantity") == "flow_m3_min_20c"))
        code = next(p.code for p in mine_layout(_demo().mine(mine)).points
                    if p.station == "RTO1-IN-R1" and p.quantity == "air_flow")
        kjv = led.filter(pl.col("point_code") == code).select("ts", "value")
        j = vi.join(kjv, on="ts")
        assert j.height == kjv.height > 0
        np.testing.assert_allclose(j["value"].to_numpy(), j["value_right"].to_numpy() / 60.0, rtol=1e-12)


# --- MRV closure on noise-free data ---------------------------------------------------------------------------


def test_noise_free_files_close_the_drainage_balance(tmp_path: Path) -> None:
    """Readings written noise-free at full precision, read back with the readers and converted to Nm³ with the
    registry's configuration (flow basis, reference state, gauge pressure + the mine's barometric pressure) and
    minegas.physics, give main = Σ downstream stations at every sample."""
    mine = "990525000001"
    res = generate("demo", "2025-03-03", "2025-03-04", 120, 5, None, tmp_path / "o", ("kj",), mines=[mine],
                   noise=False, precision="full")
    got, _ = read_cdss(res.out_dir)
    with (res.out_dir / "registry" / "point_configs.csv").open(encoding="utf-8") as f:
        cfg = {r["point_code"]: r for r in csv.DictReader(f)}
    with (res.out_dir / "registry" / "points.csv").open(encoding="utf-8") as f:
        pts = {r["code"]: r for r in csv.DictReader(f)}
    with (res.out_dir / "registry" / "mines.csv").open(encoding="utf-8") as f:
        baro = float(next(csv.DictReader(f))["barometric_kpa"])
    wide = got.with_columns(pl.col("point_code").replace_strict({c: p["station_code"] for c, p in pts.items()})
                            .alias("st"), pl.col("point_code").replace_strict(
                                {c: p["quantity"] for c, p in pts.items()}).alias("q"))
    series: dict[tuple[str, str], pl.DataFrame] = {k: g.sort("ts") for k, g in wide.group_by(["st", "q"])}
    nm3: dict[str, np.ndarray] = {}
    for (st, q), g in series.items():
        if q != "flow_mixed":
            continue
        c = cfg[g["point_code"][0]]
        v = g["value"].to_numpy() / (60.0 if c["unit"] == "m³/h" else 1.0)
        if c["flow_basis"] == "working":
            p = series[(st, "pressure")]["value"].to_numpy()
            t = series[(st, "temperature")]["value"].to_numpy()
            nm3[st] = np.asarray(to_reference(v, absolute_pressure_kpa(p, "gauge", baro), t, "0C"))
        else:
            nm3[st] = np.asarray(convert_state(v, c["ref_state"], "0C"))
    with (res.out_dir / "registry" / "gas_links.csv").open(encoding="utf-8") as f:
        links = list(csv.DictReader(f))
    for main in ("H-MAIN", "L-MAIN"):
        down = [lk["to_station_code"] for lk in links if lk["from_station_code"] == main and lk["to_station_code"]]
        assert len(down) >= 2
        np.testing.assert_allclose(sum(nm3[d] for d in down), nm3[main], rtol=1e-9, atol=1e-9)


# --- determinism, output folder, requests ---------------------------------------------------------------------


def _tree(out: Path) -> dict[str, bytes]:
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}


def test_same_seed_gives_identical_bytes(tmp_path: Path) -> None:
    kw = dict(mines=["990581000001", "990522000002"], upload_s=3600)
    args = ("demo", "2025-03-05", "2025-03-06", 120, 11, "gaps=0.02,calibration=1,stuck=1,late=1,truncated=1,"
            "duplicates=2,resets=1")
    a = generate(*args, tmp_path / "a", ("kj", "tjsj", "csv", "parquet"), **kw)
    b = generate(*args, tmp_path / "b", ("kj", "tjsj", "csv", "parquet"), **kw)
    ta, tb = _tree(a.out_dir), _tree(b.out_dir)
    assert ta.keys() == tb.keys() and ta == tb
    c = generate("demo", "2025-03-05", "2025-03-06", 120, 12, args[5], tmp_path / "c",
                 ("kj", "tjsj", "csv", "parquet"), **kw)
    assert _tree(c.out_dir)["ledger/readings/990581000001.parquet"] != ta["ledger/readings/990581000001.parquet"]


def test_parallel_workers_give_identical_bytes(tmp_path: Path) -> None:
    args = ("demo", "2025-03-05", "2025-03-05T04:00:00+08:00", 60, 2, "gaps=0.01,truncated=1")
    a = generate(*args, tmp_path / "a", ("kj", "parquet"), mines=["990522000001", "990521000003"])
    b = generate(*args, tmp_path / "b", ("kj", "parquet"), mines=["990522000001", "990521000003"], workers=2)
    assert _tree(a.out_dir) == _tree(b.out_dir)


def test_output_folder_rules(tmp_path: Path) -> None:
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "keep.txt").write_text("mine")
    with pytest.raises(InputError) as ei:
        generate("demo", "2025-03-01", "2025-03-01T01:00:00+08:00", 300, 0, None, foreign, ("kj",),
                 mines=["990521000003"])
    assert ei.value.problems[0].field == "--out"
    assert (foreign / "keep.txt").read_text() == "mine" and len(list(foreign.iterdir())) == 1
    out = tmp_path / "o"
    generate("demo", "2025-03-01", "2025-03-02", 300, 0, None, out, ("kj",), mines=["990521000003"])
    generate("demo", "2025-03-10", "2025-03-10T06:00:00+08:00", 300, 0, None, out, ("csv",),
             mines=["990521000003"])
    assert not (out / "kj").exists() and (out / "canonical").is_dir()  # replaced, not merged
    assert manifest(out)["start"] == "2025-03-10T00:00:00+08:00"
    assert not list(tmp_path.glob(".o.*"))  # no temporary folders left behind


@pytest.mark.parametrize(("kwargs", "field"), [
    ({"cadence_s": 0}, "cadence_s"),
    ({"cadence_s": 301}, "cadence_s"),
    ({"upload_s": 7000}, "upload_s"),
    ({"end": "2025-02-28"}, "end"),
    ({"formats": ("kj", "xml")}, "formats"),
    ({"start": "2025-03-01T00:00:00"}, "start"),
    ({"start": "March 1"}, "start"),
    ({"mines": ["990525000001", "42"]}, "mines"),
    ({"faults": "gaps=2"}, "--faults"),
    ({"faults": "floods=1"}, "--faults"),
    ({"precision": "float"}, "precision"),
])
def test_bad_requests_are_rejected(tmp_path: Path, kwargs: dict, field: str) -> None:
    args = {"region": "demo", "start": "2025-03-01", "end": "2025-03-02", "cadence_s": 60, "seed": 0,
            "faults": None, "out_dir": tmp_path / "o", "formats": ("kj",), **kwargs}
    with pytest.raises(InputError) as ei:
        generate(**args)
    assert any(p.field == field for p in ei.value.problems), [str(p) for p in ei.value.problems]
    assert not (tmp_path / "o").exists()


def test_fault_spec_text_round_trip() -> None:
    spec = FaultSpec.parse("gaps=0.01, calibration=2,stuck=1,resets=1,late=2,truncated=1")
    assert spec == FaultSpec(0.01, 2, 1, 1, 2, 1, 0)
    assert FaultSpec.parse(str(spec)) == spec and FaultSpec.parse("") == FaultSpec() and not FaultSpec().any


def test_summary_totals_and_seed_case_figures(month_run: GenerationResult) -> None:
    by = {s.mine_code: s for s in month_run.mines}
    rto_mine = by["990522000001"]
    assert rto_mine.utilization_pct > 90  # everything drained goes into the (starving) RTO plant
    pmb = by["990581000001"]
    assert 40 < pmb.utilization_pct < 80
    m = manifest(month_run.out_dir)
    assert m["totals"]["drained_nm3"] == pytest.approx(sum(s.drained_nm3 for s in month_run.mines))
    assert m["seed"] == 7 and m["cadence_s"] == 300 and m["faults"].startswith("gaps=0.01")
