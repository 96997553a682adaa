"""Data completeness per mine and CST day with injected gaps: hourly KJ uploads of two mines over three days;
three uploads of one mine are withheld (never sent) and one file of each mine is truncated (rejected by ingest;
the generator's file ledger says which).

Expected by hand: uploads are hourly, so the observed cadence is 3 600 s and 24 uploads are expected per day; a
day's received uploads are 24 minus the withheld and the truncated files of that day (the ledger), and the
stations of the mine missing three files of 2025-03-02 lose those three hours of data (coverage ≤ 21/24).
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
from engine_helpers import build_store

from minegas.accounting.completeness import observed_cadence_s, upload_completeness
from minegas.measurements.store import Store
from minegas.periods import CST
from minegas.synth import generate

A, B = "990502000001", "990522000002"   # two low-gas mines
WITHHELD = ["20250302080000", "20250302090000", "20250302100000"]   # KJ file times (end of window, CST)


TRUNCATED: dict[tuple[str, date], int] = {}


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Store:
    root = tmp_path_factory.mktemp("uploads")
    generate("demo", start="2025-03-01", days=3, cadence_s=300, seed=7, out_dir=root / "synth", formats=("kj",),
             faults="truncated=1", mines=[A, B])
    removed = 0
    for f in (root / "synth" / "kj").rglob(f"{A}_CDSS_*.txt"):
        if any(f.name.endswith(f"_{t}.txt") for t in WITHHELD):
            f.unlink()
            removed += 1
    assert removed == 3
    files = pq.read_table(root / "synth" / "ledger" / "files.parquet").to_pylist()
    for f in files:
        if f["kind"] == "CDSS" and f["truncated_at"] >= 0:
            day = (f["file_ts"].astimezone(CST) - timedelta(seconds=1)).date()
            TRUNCATED[(f["mine_code"], day)] = TRUNCATED.get((f["mine_code"], day), 0) + 1
    assert sum(TRUNCATED.values()) == 2
    return build_store(root, root / "synth")


def test_uploads_received_vs_expected(store: Store) -> None:
    t = upload_completeness(store, "2025-03-01..2025-03-03")
    rows = {(r["mine_code"], r["day"]): r for r in t.to_pylist()}
    assert len(rows) == 6
    for mine in (A, B):
        for d in (1, 2, 3):
            r = rows[(mine, date(2025, 3, d))]
            assert r["cadence_s"] == 3600.0 and r["uploads_expected"] == 24.0 and r["expected_basis"] == "observed"
    for (mine, d), r in rows.items():
        withheld = 3 if (mine, d) == (A, date(2025, 3, 2)) else 0
        bad = TRUNCATED.get((mine, d), 0)
        assert r["uploads_received"] == 24 - withheld - bad, (mine, d)
        assert r["uploads_rejected"] == bad, (mine, d)
        assert r["upload_completeness_frac"] == (24 - withheld - bad) / 24
    # the three lost hours show in every station of mine A that day
    a2 = rows[(A, date(2025, 3, 2))]
    assert a2["station_coverage_mean_frac"] <= 21 / 24 + 1e-9
    assert a2["stations"] == 3


def test_given_expectation_and_one_mine(store: Store) -> None:
    t = upload_completeness(store, "2025-03-02", mine_codes=[A], expected_per_day=48)
    assert t.num_rows == 1
    r = t.to_pylist()[0]
    got = 21 - TRUNCATED.get((A, date(2025, 3, 2)), 0)
    assert r["uploads_expected"] == 48 and r["expected_basis"] == "given" and r["upload_completeness_frac"] == got / 48
    assert r["worst_station"] in {s for s in pc.unique(store.read("aligned", [A]).column("station_code")).to_pylist()}


def test_cadence_is_the_median_spacing() -> None:
    from datetime import UTC, datetime, timedelta

    t0 = datetime(2025, 3, 1, tzinfo=UTC)
    times = [t0 + timedelta(hours=h) for h in (0, 1, 2, 3, 5, 6, 6)]   # a missing hour and a duplicate
    assert observed_cadence_s(times) == 3600.0
    assert observed_cadence_s([t0]) is None


def test_unknown_mine_is_rejected(store: Store) -> None:
    from minegas.errors import InputError

    with pytest.raises(InputError, match="unknown mine"):
        upload_completeness(store, "2025-03-01", mine_codes=["000000000000"])
    with pytest.raises(InputError):
        upload_completeness(store, "2025-13")
    assert Path(store.root).exists()
