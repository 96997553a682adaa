"""The benchmark fast path: exactly N canonical readings, in row groups, equal to the simulator's readings."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest

from minegas.errors import InputError
from minegas.synth import MineSimulator, Region, mine_layout, write_fast_parquet
from minegas.synth.generate import parse_time
from minegas.synth.signals import cst_day, epoch_s


def test_fast_path_writes_exactly_n_rows_of_simulated_readings(tmp_path: Path, demo: Region) -> None:
    out = tmp_path / "r.parquet"
    info = write_fast_parquet(out, 50_000, cadence_s=120, start="2025-03-01", chunk_rows=20_000)
    f = pq.ParquetFile(out)
    assert info["rows"] == f.metadata.num_rows == 50_000
    assert [f.metadata.row_group(i).num_rows for i in range(f.metadata.num_row_groups)] == [20_000, 20_000, 10_000]
    t = f.read()
    assert t.schema.names == ["mine_code", "point_code", "ts", "value", "status", "unit"]
    # the first block is the first mine's first day, point by point, as MineSimulator produces it
    first = demo.mines[0]
    la = mine_layout(first)
    r = MineSimulator(demo, la, 0, 120).day(cst_day(epoch_s(parse_time("2025-03-01", "start"))))
    n = r.ts.size
    block = t.slice(0, len(la.points) * n)
    assert set(block.column("mine_code").to_pylist()) == {first.code}
    np.testing.assert_array_equal(block.column("value").to_numpy(), r.clean.ravel())
    assert block.column("point_code").to_pylist()[:: n] == [p.code for p in la.points]
    assert block.column("ts").cast("int64").to_numpy()[:n].tolist() == (r.ts * 1_000_000).tolist()
    assert not list(tmp_path.glob(".*tmp*"))


def test_fast_path_is_deterministic(tmp_path: Path) -> None:
    a = write_fast_parquet(tmp_path / "a.parquet", 7_000, mines=["990522000001"], seed=3)
    b = write_fast_parquet(tmp_path / "b.parquet", 7_000, mines=["990522000001"], seed=3)
    assert a["rows"] == b["rows"] == 7_000
    assert (tmp_path / "a.parquet").read_bytes() == (tmp_path / "b.parquet").read_bytes()


@pytest.mark.parametrize("kwargs", [{"n_readings": 0}, {"n_readings": 10, "cadence_s": 0},
                                    {"n_readings": 10, "chunk_rows": 0}])
def test_fast_path_rejects_bad_requests(tmp_path: Path, kwargs: dict) -> None:
    with pytest.raises(InputError):
        write_fast_parquet(tmp_path / "x.parquet", **kwargs)
    assert not (tmp_path / "x.parquet").exists()
