"""Helpers for the reader tests: the synthetic samples of research note china-monitoring-formats §6
(copied verbatim into tests/data/kj/) and helpers to re-encode them."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

KJ_DIR = Path(__file__).resolve().parents[2] / "data" / "kj"

CDDY = "990000000001_CDDY_20250301080000.txt"
CDSS = "990000000001_CDSS_20250301100030.txt"
TJSJ = "990000000001_TJSJ_20250301100500.txt"
YCBJ = "990000000001_YCBJ_20250301100030.txt"
FZDY = "990000000001_FZDY_20250301080000.txt"
FZSS = "990000000001_FZSS_20250301100030.txt"
AQMC = "db14_AQMC_20250301080000.xml"
AQSS = "db14_AQSS_20250301100030.xml"
KJ_SAMPLES = (CDDY, CDSS, TJSJ, YCBJ, FZDY, FZSS)


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0,
        microsecond: int = 0) -> datetime:
    """An aware UTC datetime."""
    return datetime(year, month, day, hour, minute, second, microsecond, tzinfo=UTC)


def sample_text(name: str) -> str:
    """A sample file as text (UTF-8, LF line breaks after each '~', as printed in the research note)."""
    return (KJ_DIR / name).read_text(encoding="utf-8")


def variant(text: str, style: str) -> bytes:
    """Re-write a KJ sample: ``lf`` (as is), ``crlf``, ``none`` (one line), ``bom``, ``gb18030``, ``json``."""
    if style == "lf":
        return text.encode("utf-8")
    if style == "crlf":
        return text.replace("\n", "\r\n").encode("utf-8")
    if style == "none":
        return text.replace("\n", "").encode("utf-8")
    if style == "bom":
        return b"\xef\xbb\xbf" + text.encode("utf-8")
    if style == "gb18030":
        return text.replace("\n", "\r\n").encode("gb18030")
    if style == "json":
        return json.dumps(text.replace("\n", "\r\n"), ensure_ascii=False).encode("utf-8")
    raise ValueError(style)


STYLES = ("lf", "crlf", "none", "bom", "gb18030", "json")
