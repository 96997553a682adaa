"""Helpers of the synthetic-generator tests: reading generated folders back and an independent KJ parser."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pyarrow.parquet as pq

from minegas.errors import InputError


def ledger(out: Path, mine: str | None = None) -> pl.DataFrame:
    """The readings ledger of a generated folder (all mines or one), codes as plain strings."""
    paths = sorted((out / "ledger" / "readings").glob("*.parquet"))
    if mine is not None:
        paths = [p for p in paths if p.stem == mine]
    df = pl.concat([pl.from_arrow(pq.read_table(p)) for p in paths])  # type: ignore[misc]
    return df.with_columns(pl.col(c).cast(pl.String) for c in ("mine_code", "point_code", "file", "fault"))


def files_ledger(out: Path) -> pl.DataFrame:
    df = pl.from_arrow(pq.read_table(out / "ledger" / "files.parquet"))
    assert isinstance(df, pl.DataFrame)
    return df


def kj_files(out: Path, kind: str = "CDSS") -> list[Path]:
    """KJ files of one type in delivery order: batch folders by date, then file name."""
    return [f for b in sorted((out / "kj").iterdir()) for f in sorted(b.iterdir()) if f"_{kind}_" in f.name]


def read_cdss(out: Path, partial: bool = False) -> tuple[pl.DataFrame, list[str]]:
    """Every CDSS reading of a generated folder read with minegas's readers (strict or partial), de-duplicated on
    (point, time) keeping the first received (delivery order), and the names of rejected files."""
    from minegas.measurements.readers import read_path

    tabs, rejected = [], []
    for f in kj_files(out, "CDSS"):
        try:
            pf = read_path(f, partial=partial)
        except InputError:
            rejected.append(f.relative_to(out).as_posix())
            continue
        t = pl.from_arrow(pf.tables["readings"].select(["point_code", "ts", "value", "kj_status"]))
        assert isinstance(t, pl.DataFrame)
        tabs.append(t)
    got = pl.concat(tabs).unique(subset=["point_code", "ts"], keep="first", maintain_order=True)
    return got.with_columns(pl.col("kj_status").cast(pl.UInt16)), rejected


def expected(out: Path, column: str = "stored") -> pl.DataFrame:
    """Ledger readings a store must end up with (``stored`` or ``stored_partial``)."""
    return ledger(out).filter(pl.col(column)).select("point_code", "ts", "value", pl.col("kj_status"))


def parse_kj_text(text: str) -> tuple[list[str], list[list[str]], bool]:
    """Independent minimal KJ parser (research note §2): drop line breaks, split on ``~``; the first segment is the
    header; ``||`` ends the file. Returns (header fields, records' fields, complete?)."""
    if text.startswith('"'):
        text = json.loads(text)
    flat = text.replace("\r", "").replace("\n", "")
    complete = flat.endswith("||")
    body = flat[:-2] if complete else flat
    segs = body.split("~")
    if complete:
        assert segs[-1] == ""
        segs = segs[:-1]
    return segs[0].split(";"), [s.split(";") for s in segs[1:]], complete


def manifest(out: Path) -> dict:
    return json.loads((out / "synth.json").read_text(encoding="utf-8"))
