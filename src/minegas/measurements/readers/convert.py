"""Vectorised conversion of text columns (Arrow string arrays) to typed columns, and problem collection.

Every function here works on whole columns with :mod:`pyarrow.compute` — no Python loop per record. Times
and other highly repetitive columns are converted on their distinct values only and mapped back.

Rules (docs/formats.md §4):

- numbers: optional surrounding whitespace, ``[+-]digits[.digits][e±digits]``; anything else (empty, ``NaN``,
  ``inf``, ``1,5``, junk) is *not numeric*; the sentinel -9999 (MT/T 1201.2 convention, research note
  china-monitoring-formats §2) is not numeric either. Non-numeric values become NaN (readings) or
  NaN/null (definitions) and keep their raw text.
- KJ times: exactly ``yyyy-MM-dd HH:mm:ss``, Beijing time (UTC+8, no DST since 1991; docs/conventions.md §4),
  converted to UTC. Calendar-impossible values (02-30, 24:00:00, :60) are rejected.
- ISO times (canonical files): ``YYYY-MM-DD[T ]hh:mm[:ss[.ffffff]]`` plus an offset ``Z``/``±hh[:mm]``;
  without an offset only when a time zone is declared.
"""

from __future__ import annotations

import hashlib
import re
import threading
import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TypeAlias

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from minegas.errors import Problem
from minegas.measurements.readers.decode import BAD_CHAR
from minegas.measurements.readers.schemas import TS

ArrowCol: TypeAlias = pa.Array | pa.ChunkedArray

NUMBER_RE = r"^\s*[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?\s*$"
SENTINEL = -9999.0
"""Missing-value sentinel of the KJ file family (MT/T 1201.2 implementations; research note §2)."""

KJ_TIME_RE = r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$"
ISO_OFFSET_RE = r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?(?:Z|[+-]\d{2}(?::?\d{2})?)$"
ISO_NAIVE_RE = r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?$"
BEIJING_OFFSET_S = 8 * 3600
"""China Standard Time = UTC+8 (docs/conventions.md §4)."""

MAX_PROBLEMS = 1000
"""Problems listed per file; the count of rejected records is always exact."""

VALUE_PREVIEW = 200
"""Raw values in problems are cut to this many characters."""


class Sha256:
    """SHA-256 (hex) of raw bytes, computed in a background thread for large inputs (hashlib releases the GIL,
    so hashing overlaps with parsing). Read the digest with :meth:`hexdigest`."""

    THREAD_MIN_BYTES = 1 << 20

    def __init__(self, data: bytes) -> None:
        self._digest: str | None = None
        self._thread: threading.Thread | None = None
        if len(data) < self.THREAD_MIN_BYTES:
            self._digest = hashlib.sha256(data).hexdigest()
        else:
            self._thread = threading.Thread(target=self._run, args=(data,), daemon=True)
            self._thread.start()

    def _run(self, data: bytes) -> None:
        self._digest = hashlib.sha256(data).hexdigest()

    def hexdigest(self) -> str:
        """The digest (waits for the thread)."""
        if self._thread is not None:
            self._thread.join()
        assert self._digest is not None
        return self._digest


def preview(text: str | None) -> str | None:
    """``text`` cut to :data:`VALUE_PREVIEW` characters (with an ellipsis); undecodable bytes (lone surrogates,
    see :mod:`.decode`) are shown as ``\\xNN``."""
    if text is None:
        return None
    if BAD_CHAR.search(text):
        text = BAD_CHAR.sub(lambda m: f"\\x{ord(m.group()) - 0xDC00:02x}", text)
    if len(text) <= VALUE_PREVIEW:
        return text
    return text[:VALUE_PREVIEW] + "…"


def to_numpy_bool(mask: ArrowCol) -> np.ndarray:
    """A boolean Arrow column as a numpy array; nulls count as False."""
    filled = pc.fill_null(mask, False)
    if isinstance(filled, pa.ChunkedArray):
        if filled.num_chunks == 0:
            return np.zeros(0, dtype=bool)
        return np.concatenate([c.to_numpy(zero_copy_only=False) for c in filled.chunks]).astype(bool)
    return np.asarray(filled.to_numpy(zero_copy_only=False), dtype=bool)


class Sink:
    """Collects the record-level problems of one file from vectorised checks.

    Parameters
    ----------
    file : file name for :attr:`Problem.file`.
    record_no : record number of each row of the column arrays (int32 numpy array).
    """

    def __init__(self, file: str, record_no: np.ndarray) -> None:
        self.file = file
        self.record_no = record_no
        self.bad = np.zeros(len(record_no), dtype=bool)
        self._items: list[tuple[int, int, Problem]] = []
        self._seq = 0
        self.extra_rejected = 0

    def check(self, mask: ArrowCol | np.ndarray, *, field: str, values: ArrowCol | None, message: str,
              fix: str) -> None:
        """Record a problem for every row where ``mask`` is true (the row will be dropped)."""
        m = mask if isinstance(mask, np.ndarray) else to_numpy_bool(mask)
        idx = np.flatnonzero(m)
        if idx.size == 0:
            return
        self.bad[idx] = True
        for i in idx[:MAX_PROBLEMS]:
            raw = None
            if values is not None:
                v = values[int(i)].as_py()
                raw = preview(v if v is None or isinstance(v, str) else str(v))
            self._add(int(self.record_no[i]), Problem(message, file=self.file, line=int(self.record_no[i]),
                                                      field=field, value=raw, fix=fix))

    def add(self, problem: Problem, *, rejects_record: bool = True) -> None:
        """Add a problem found outside the column arrays (e.g. a record with the wrong field count)."""
        if rejects_record:
            self.extra_rejected += 1
        self._add(problem.line if problem.line is not None else -1, problem)

    def _add(self, line: int, problem: Problem) -> None:
        self._items.append((line, self._seq, problem))
        self._seq += 1

    @property
    def n_rejected(self) -> int:
        """Records rejected so far."""
        return int(self.bad.sum()) + self.extra_rejected

    @property
    def problems(self) -> list[Problem]:
        """Problems sorted by record number, at most :data:`MAX_PROBLEMS` plus a summary line."""
        items = sorted(self._items, key=lambda t: (t[0], t[1]))
        out = [p for _, _, p in items[:MAX_PROBLEMS]]
        if len(items) > MAX_PROBLEMS:
            out.append(Problem(f"… and {len(items) - MAX_PROBLEMS} more problems "
                               f"({self.n_rejected} records rejected in all)", file=self.file))
        return out

    def keep(self, table: pa.Table) -> pa.Table:
        """``table`` without the rows that have a problem."""
        if not self.bad.any():
            return table
        return table.filter(pa.array(~self.bad))


# --- strings ----------------------------------------------------------------------------------------------


def fill_empty(arr: ArrowCol) -> ArrowCol:
    """Nulls → ``""`` (so that text columns from any source have no nulls before conversion)."""
    if arr.null_count:
        return pc.fill_null(arr, "")
    return arr


def trim(arr: ArrowCol) -> ArrowCol:
    """Strip surrounding whitespace (codes and units)."""
    return pc.utf8_trim_whitespace(arr)


def null_if_empty(arr: ArrowCol) -> ArrowCol:
    """``""`` → null (free text and units: "not given")."""
    empty = pc.equal(arr, "")
    if not pc.any(empty).as_py():
        return arr
    return pc.if_else(empty, pa.scalar(None, pa.string()), arr)


def constant(value: str | None, n: int) -> pa.Array:
    """A string column of ``n`` copies of ``value``."""
    if value is None:
        return pa.nulls(n, pa.string())
    return pa.repeat(pa.scalar(value, pa.string()), n)


# --- numbers ----------------------------------------------------------------------------------------------


def _to_float(arr: ArrowCol) -> tuple[ArrowCol, ArrowCol]:
    """(float64 column with NaN where not numeric, boolean column 'parsed cleanly')."""
    try:
        v = pc.cast(arr, pa.float64())
        ok = pc.is_finite(v)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        m = pc.match_substring_regex(arr, NUMBER_RE)
        v = pc.cast(pc.utf8_trim_whitespace(pc.if_else(m, arr, "nan")), pa.float64())
        ok = pc.and_(m, pc.is_finite(v))
    ok = pc.and_(ok, pc.not_equal(v, SENTINEL))
    return v, ok


def parse_values(arr: ArrowCol) -> tuple[ArrowCol, ArrowCol]:
    """Reading values: (``value`` float64, NaN when not numeric; ``value_raw``, null when clean).

    ``arr`` must have no nulls (see :func:`fill_empty`).
    """
    v, ok = _to_float(arr)
    if pc.all(ok).as_py() in (True, None):
        return v, pa.nulls(len(arr), pa.string())
    value = pc.if_else(ok, v, np.nan)
    raw = pc.if_else(ok, pa.scalar(None, pa.string()), arr)
    return value, raw


def parse_optional_numbers(arr: ArrowCol) -> tuple[ArrowCol, ArrowCol]:
    """Definition numbers: (float64: null when empty, NaN when not numeric; raw text where not numeric)."""
    t = pc.utf8_trim_whitespace(arr)
    empty = pc.equal(t, "")
    v, ok = _to_float(arr)
    value = pc.if_else(empty, pa.scalar(None, pa.float64()), pc.if_else(ok, v, np.nan))
    raw = pc.if_else(pc.or_(empty, ok), pa.scalar(None, pa.string()), arr)
    return value, raw


def parse_status(arr: ArrowCol, *, empty_is_zero: bool = False) -> tuple[ArrowCol, np.ndarray]:
    """KJ status bitmask (0–255): (uint16 column, 0 where bad; numpy mask of bad rows).

    Empty is bad unless ``empty_is_zero`` (canonical files, where the status is optional).
    """
    try:
        v = pc.cast(arr, pa.int64())
        ok: ArrowCol = pc.is_valid(v)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        t = pc.utf8_trim_whitespace(arr)
        if empty_is_zero:
            t = pc.if_else(pc.equal(t, ""), "0", t)
        m = pc.match_substring_regex(t, r"^\d{1,5}$")
        v = pc.cast(pc.if_else(m, t, "0"), pa.int64())
        ok = m
    ok = pc.and_(ok, pc.and_(pc.greater_equal(v, 0), pc.less_equal(v, 255)))
    out = pc.cast(pc.if_else(ok, v, 0), pa.uint16())
    return out, ~to_numpy_bool(ok)


# --- times ------------------------------------------------------------------------------------------------


def cast_locating(arr: pa.Array, fn: Callable[[pa.Array], pa.Array], out_type: pa.DataType) -> pa.Array:
    """``fn(arr)``, but where ``fn`` fails on some elements, null there (found by bisection)."""
    try:
        return fn(arr)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        if len(arr) <= 1:
            return pa.nulls(len(arr), out_type)
        h = len(arr) // 2
        return pa.concat_arrays([cast_locating(arr.slice(0, h), fn, out_type),
                                 cast_locating(arr.slice(h), fn, out_type)])


def _distinct(arr: ArrowCol) -> tuple[pa.Array, ArrowCol]:
    """(distinct values, index of each element into them)."""
    u = pc.unique(arr)
    if isinstance(u, pa.ChunkedArray):
        u = u.combine_chunks()
    return u, pc.index_in(arr, value_set=u)


def _naive_to_utc(naive: pa.Array, offset_s: int) -> pa.Array:
    """Naive local timestamps[us] at a fixed UTC offset → UTC timestamps."""
    us = pc.subtract(pc.cast(naive, pa.int64()), offset_s * 1_000_000)
    return pc.cast(us, pa.timestamp("us")).cast(TS)


def parse_beijing(arr: ArrowCol, *, required: bool) -> tuple[ArrowCol, np.ndarray]:
    """KJ times ``yyyy-MM-dd HH:mm:ss`` (Beijing) → UTC: (timestamp column, null where empty or bad;
    numpy mask of bad rows — unparsable, or empty when ``required``)."""
    u, idx = _distinct(arr)
    ut = pc.utf8_trim_whitespace(u)
    shaped = pc.match_substring_regex(ut, KJ_TIME_RE)
    cand = pc.if_else(shaped, ut, "1970-01-01 00:00:00")
    naive = cast_locating(cand, lambda a: pc.cast(a, pa.timestamp("us")), pa.timestamp("us"))
    utc = _naive_to_utc(naive, BEIJING_OFFSET_S)
    ok = pc.and_(shaped, pc.is_valid(utc))
    utc = pc.if_else(ok, utc, pa.scalar(None, TS))
    empty = pc.equal(ut, "")
    bad_u = pc.invert(ok) if required else pc.and_(pc.invert(ok), pc.invert(empty))
    return pc.take(utc, idx), to_numpy_bool(pc.take(bad_u, idx))


_KJ_TIME_SCALAR = re.compile(r"(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})", re.ASCII)
_EPOCH = datetime(1970, 1, 1)


def parse_beijing_scalar(text: str) -> pa.TimestampScalar | None:
    """One KJ time → UTC scalar, or None if it is not a valid ``yyyy-MM-dd HH:mm:ss``.

    A plain valid time (no surrounding blanks) is converted in Python; anything else goes through
    :func:`parse_beijing`, which decides (the result is the same either way)."""
    m = _KJ_TIME_SCALAR.fullmatch(text)
    if m is not None:
        try:
            y, mo, d, h, mi, sec = (int(g) for g in m.groups())
            local = datetime(y, mo, d, h, mi, sec)
        except ValueError:
            pass
        else:
            us = (local - _EPOCH) // timedelta(microseconds=1) - BEIJING_OFFSET_S * 1_000_000
            return pa.scalar(us, pa.int64()).cast(TS)
    ts, bad = parse_beijing(pa.array([text], pa.string()), required=True)
    return None if bad[0] else ts[0]


@dataclass(frozen=True)
class TimeZone:
    """A declared time zone for times written without offset.

    Attributes
    ----------
    name : normalised text: ``±HH:MM`` for a fixed offset, else an IANA name (e.g. ``Asia/Shanghai``).
    offset_s : the fixed offset [s], or None for an IANA zone (DST-aware; ambiguous or non-existent local
        times are rejected).
    """

    name: str
    offset_s: int | None

    def to_utc(self, naive: pa.Array) -> pa.Array:
        """Naive local ``timestamp[us]`` → UTC, null where the local time is ambiguous or does not exist."""
        if self.offset_s is not None:
            return _naive_to_utc(naive, self.offset_s)
        zone = self.name

        def fn(a: pa.Array) -> pa.Array:
            return pc.assume_timezone(a, timezone=zone, ambiguous="raise", nonexistent="raise").cast(TS)

        return cast_locating(naive, fn, TS)

    def same_as(self, other: TimeZone) -> bool:
        """True when both name the same clock (``Asia/Shanghai`` and ``+08:00`` count as the same)."""
        return self.name == other.name or self.utc_equivalent == other.utc_equivalent

    @property
    def utc_equivalent(self) -> str:
        """The fixed offset this zone stands for, where minegas treats an IANA zone as fixed (China)."""
        if self.name in CHINA_ZONES:
            return "+08:00"
        return self.name


CHINA_ZONES = frozenset({"Asia/Shanghai", "Asia/Chongqing", "Asia/Chungking", "Asia/Harbin", "PRC"})
"""IANA names of China Standard Time (UTC+8; no DST since 1991)."""

_OFFSET = re.compile(r"^(?:UTC|GMT)?([+-])(\d{2}):?(\d{2})$")


def parse_timezone(text: str) -> TimeZone:
    """Parse a declared time zone: ``Asia/Shanghai`` (IANA), ``+08:00``/``+0800``, ``UTC``/``Z``.

    Raises
    ------
    ValueError
        If the text is neither an offset nor a known IANA zone.
    """
    t = text.strip()
    if t in ("Z", "UTC", "GMT", "Etc/UTC"):
        return TimeZone("+00:00", 0)
    m = _OFFSET.match(t)
    if m:
        sign = -1 if m.group(1) == "-" else 1
        hh, mm = int(m.group(2)), int(m.group(3))
        if hh > 14 or mm > 59:
            raise ValueError(f"offset {t!r} is out of range")
        return TimeZone(f"{m.group(1)}{hh:02d}:{mm:02d}", sign * (hh * 3600 + mm * 60))
    if not re.match(r"^[A-Za-z][A-Za-z0-9_+\-]*(?:/[A-Za-z0-9_+\-]+)*$", t):
        raise ValueError(f"{t!r} is not a time zone")
    try:
        zoneinfo.ZoneInfo(t)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {t!r}") from None
    return TimeZone(t, None)


BEIJING = TimeZone("Asia/Shanghai", None)


def parse_iso(arr: ArrowCol, tz: TimeZone | None) -> tuple[ArrowCol, np.ndarray, np.ndarray]:
    """ISO 8601 times → UTC: (timestamp column, null where bad; mask of rows without offset and no declared
    zone; mask of other bad rows)."""
    u, idx = _distinct(arr)
    ut = pc.utf8_trim_whitespace(u)
    with_off = pc.match_substring_regex(ut, ISO_OFFSET_RE)
    naive_shape = pc.match_substring_regex(ut, ISO_NAIVE_RE)
    cand = pc.if_else(with_off, ut, "1970-01-01T00:00:00Z")
    aware = cast_locating(cand, lambda a: pc.cast(a, TS), TS)
    result = pc.if_else(with_off, aware, pa.scalar(None, TS))
    if tz is not None:
        cand_n = pc.if_else(naive_shape, ut, "1970-01-01T00:00:00")
        naive = cast_locating(cand_n, lambda a: pc.cast(a, pa.timestamp("us")), pa.timestamp("us"))
        local = tz.to_utc(naive)
        result = pc.if_else(naive_shape, local, result)
        no_zone_u: ArrowCol = pa.array(np.zeros(len(u), dtype=bool))
    else:
        no_zone_u = naive_shape
    bad_u = pc.and_(pc.invert(pc.is_valid(result)), pc.invert(no_zone_u))
    return (pc.take(result, idx), to_numpy_bool(pc.take(no_zone_u, idx)), to_numpy_bool(pc.take(bad_u, idx)))


# --- codes ------------------------------------------------------------------------------------------------


def foreign_mine_mask(codes: ArrowCol, mine_code: str) -> np.ndarray:
    """Rows whose point code starts with a *different* mine code of the header's length.

    A code "starts with a mine code" when it has the national layout (research note §2.1)
    ``<mine code: len(mine_code) digits><system: 2 digits><value type: MN|KG|LJ|DT>…``. Codes that do not
    (e.g. shortened site codes like ``1101MN000400002274``) are accepted. Only applies when the header's
    mine code is all digits.
    """
    if not mine_code.isdigit():
        return np.zeros(len(codes), dtype=bool)
    own = pc.starts_with(codes, mine_code)
    if pc.all(own).as_py() in (True, None):
        return np.zeros(len(codes), dtype=bool)
    pattern = rf"^\d{{{len(mine_code)}}}\d{{2}}(?:MN|KG|LJ|DT)"
    national = pc.match_substring_regex(codes, pattern)
    return to_numpy_bool(pc.and_(national, pc.invert(own)))
