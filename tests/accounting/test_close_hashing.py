"""Period close, the pure parts: canonical JSON, the figures of a report, figure diffs, table digests, the hash of
a frozen version (minegas.accounting.close)."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from minegas.accounting import close
from minegas.errors import MinegasError
from minegas.reports import example_report
from minegas.reports.model import BalanceLine


def test_canonical_json_is_sorted_compact_and_normalised() -> None:
    assert close.canonical_json({"b": 1, "a": [1.0, -0.0, "煤"]}) == '{"a":[1.0,0.0,"煤"],"b":1}'
    assert close.canonical_json({"x": 0.1 + 0.2}, round_floats=True) == '{"x":0.3}'
    assert close.canonical_json({"x": 0.1 + 0.2}) == '{"x":0.30000000000000004}'
    assert close.canonical_json(True) == "true"
    with pytest.raises(MinegasError, match="non-finite"):
        close.canonical_json({"x": math.nan})


def test_sha256_hex_is_the_sha256_of_utf8() -> None:
    assert close.sha256_hex("煤矿") == hashlib.sha256("煤矿".encode()).hexdigest()
    assert close.sha256_hex(b"") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"


@given(st.floats(min_value=1e-6, max_value=1e12, allow_nan=False))
@settings(max_examples=200)
def test_hash_ignores_last_bit_noise_but_not_real_changes(x: float) -> None:
    # one ulp (float arithmetic noise) does not change the hash; a change at the 1e-9 relative level does
    y = float(np.nextafter(x, np.inf))
    assert (close.hash_of({"v": x}) == close.hash_of({"v": y})) == (f"{x:.12g}" == f"{y:.12g}")
    assert close.hash_of({"v": x}) != close.hash_of({"v": x * (1 + 1e-9)})


def _report_dict() -> dict:
    return example_report("zh").to_dict()


def test_flatten_figures_keys_and_values_follow_the_example_hand_calculation() -> None:
    # docs/reports.md: the example's drained 1 512 000 Nm³, used 1 403 640, VAM 1 980 720, emitted 1 690.830 t
    f = close.flatten_figures(_report_dict())
    assert f["balance.drained_nm3"] == pytest.approx(1_512_000.0)
    assert f["balance.used_nm3"] == pytest.approx(1_403_640.0)
    assert f["balance.vam_liberated_nm3"] == pytest.approx(1_980_720.0)
    assert f["balance.emitted_ch4_t"] == pytest.approx(1_497.87036 + 192.96)
    assert f["balance.drained.H.pure_ch4_nm3"] == pytest.approx(1_209_600.0)
    assert f["balance.co2e.gross.emitted.co2e_t"] == pytest.approx(35_507.43756)
    assert f["points.R2.substituted_s"] == 5400.0
    assert f["points.R2.flags.KJ_SUBSTATION_FAULT"] == 90
    assert f["daily.2025-03-04.H-MAIN.pure_ch4_nm3"] == 170_800.0
    assert "substitutions.H-MAIN.ch4_pct.2025-03-03T10:00:00+08:00.value_used" in f
    assert any(k.startswith("findings.GB21522-2008.no-venting.") for k in f)
    # names are not figures
    assert not any("name" in k for k in f)


def test_renaming_does_not_change_the_figures_hash() -> None:
    r = example_report("zh")
    b = r.balance
    renamed = dataclasses.replace(r, balance=dataclasses.replace(b, drained=tuple(
        BalanceLine(x.code, x.name_zh + "（改名）", "renamed", x.pure_ch4_nm3, x.ch4_t) for x in b.drained)))
    assert close.hash_of(close.flatten_figures(renamed.to_dict())) == \
        close.hash_of(close.flatten_figures(r.to_dict()))
    assert close.hash_of(close.flatten_figures(r.with_language("en").to_dict())) == \
        close.hash_of(close.flatten_figures(r.to_dict()))


def test_diff_figures_old_new_delta_pct() -> None:
    old: dict[str, close.Scalar] = {"a": 100.0, "b": 2.0, "c": "x", "gone": 5.0, "same": 1.0}
    new: dict[str, close.Scalar] = {"a": 110.0, "b": 2.0 + 1e-15, "c": "y", "added": 7.0, "same": 1.0}
    d = {x.key: x for x in close.diff_figures(old, new)}
    assert set(d) == {"a", "c", "gone", "added"}
    assert d["a"].delta == pytest.approx(10.0) and d["a"].pct == pytest.approx(10.0)
    assert d["c"].delta is None and (d["c"].old, d["c"].new) == ("x", "y")
    assert d["gone"].new is None and d["gone"].delta == -5.0 and d["gone"].pct is None
    assert d["added"].old is None and d["added"].delta == 7.0
    zero = close.diff_figures({"z": 0.0}, {"z": 3.0})[0]
    assert zero.delta == 3.0 and zero.pct is None


def test_table_digest_is_independent_of_chunking_and_dictionary_encoding() -> None:
    t = pa.table({"p": ["a", "a", "b"], "ts": pa.array([1, 2, 3], pa.timestamp("us", tz="UTC")),
                  "v": [1.0, float("nan"), None], "f": pa.array([0, 4, 0], pa.uint32())})
    d0 = close.table_digest(t)
    chunked = pa.concat_tables([t.slice(0, 1), t.slice(1, 2)])
    assert chunked.column("p").num_chunks == 2
    assert close.table_digest(chunked) == d0
    dict_t = t.set_column(0, "p", pa.array(["a", "a", "b"]).dictionary_encode())
    assert close.table_digest(dict_t) == d0
    # a changed value, flag, time or row changes it; NaN vs null differ (validity is hashed)
    assert close.table_digest(t.set_column(2, "v", pa.array([1.0, float("nan"), 0.0]))) != d0
    assert close.table_digest(t.set_column(3, "f", pa.array([0, 4, 1], pa.uint32()))) != d0
    assert close.table_digest(t.slice(0, 2)) != d0
    assert close.table_digest(t.set_column(0, "p", pa.array(["a", "b", "b"]))) != d0


def test_freeze_hashes_settings_figures_inputs_and_ignores_presentation() -> None:
    inputs = {"hashed": {"batches": [], "readings": {"rows": 0, "sha256": "0" * 64}}, "store_files": []}
    r = example_report("zh")
    fz = close.freeze(r, inputs)
    assert fz.content_sha256 == close.content_hash(r.meta.mine_code, "2025-03-01..2025-03-07", fz.settings,
                                                   fz.figures_sha256, fz.inputs_sha256)
    # language, generation time, store files and the close status do not enter the hash
    r2 = dataclasses.replace(r.with_language("en"), meta=dataclasses.replace(
        r.meta, language="en", generated_at=r.meta.generated_at.replace(year=2030)))
    assert close.freeze(r2, {**inputs, "store_files": [{"path": "x"}]}).content_sha256 == fz.content_sha256
    # settings do
    r3 = dataclasses.replace(r, meta=dataclasses.replace(r.meta, gap_rule="exclude"))
    assert close.freeze(r3, inputs).content_sha256 != fz.content_sha256
    # inputs do
    inputs2 = json.loads(json.dumps(inputs))
    inputs2["hashed"]["readings"]["rows"] = 1
    assert close.freeze(r, inputs2).content_sha256 != fz.content_sha256
    # the stored report content keeps full precision and has no language / generation time / close status
    assert "language" not in fz.report["meta"] and "period_close" not in fz.report["appendix"]
