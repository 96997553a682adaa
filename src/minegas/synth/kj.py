"""Writer of KJ networking text files (CDDY, CDSS, TJSJ) exactly in the layout of research note
china-monitoring-formats §2–§3 and §6.

File ``<煤矿编码>_<TYPE>_<yyyyMMddHHmmss>.txt`` (Beijing time); fields separated by ``;``; the header and every
record end with ``~``; the file ends with ``||``. Headers: CDSS/TJSJ ``煤矿编码;煤矿名称;数据时间~``, CDDY
``煤矿编码;煤矿名称;系统型号;系统名称;生产厂家;<date>;数据时间~``. Records: CDDY 24 fields, CDSS 7
(``测点编码;传感器类型名称;测点安装位置;测点值;测点数值单位;测点状态;数据时间``), TJSJ 12. Times
``yyyy-MM-dd HH:mm:ss`` in Beijing time without offset.

Styles (:class:`KJStyle`): a line break after each ``~`` (``lf``, ``crlf``) or none, UTF-8 or GB18030, and the
"JSON-quoted" quirk of one 2025 writer (the whole payload written as one JSON string).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import numpy.typing as npt
import polars as pl

from minegas.errors import InputError, Problem
from minegas.synth.model import MineLayout, PointConfigDef, config_at
from minegas.synth.signals import CST_OFFSET_S, stable_key

NEWLINES = {"lf": "\n", "crlf": "\r\n", "none": ""}
ENCODINGS = ("utf-8", "gb18030")


@dataclass(frozen=True)
class KJStyle:
    """How KJ files are written.

    Attributes
    ----------
    newline : ``lf``, ``crlf`` or ``none`` (no line breaks at all).
    encoding : ``utf-8`` (no BOM) or ``gb18030``.
    json_quoted : write the payload as one JSON string (quotes, escaped line breaks).
    mixed : vary the style per mine (deterministically from the mine code), overriding the three above.
    """

    newline: str = "lf"
    encoding: str = "utf-8"
    json_quoted: bool = False
    mixed: bool = False

    def __post_init__(self) -> None:
        bad = []
        if self.newline not in NEWLINES:
            bad.append(Problem("unknown line-break style", field="newline", value=self.newline,
                               fix="use " + ", ".join(NEWLINES)))
        if self.encoding not in ENCODINGS:
            bad.append(Problem("unknown encoding", field="encoding", value=self.encoding,
                               fix="use " + ", ".join(ENCODINGS)))
        if bad:
            raise InputError("bad KJ style", bad)

    def for_mine(self, mine_code: str) -> KJStyle:
        """The style used for one mine (``mixed`` picks one of six combinations by the mine code)."""
        if not self.mixed:
            return self
        combos = [("lf", "utf-8", False), ("crlf", "utf-8", False), ("none", "utf-8", False),
                  ("lf", "gb18030", False), ("crlf", "gb18030", False), ("none", "utf-8", True)]
        nl, enc, js = combos[stable_key(mine_code) % len(combos)]
        return KJStyle(nl, enc, js, False)


def beijing(ts_s: int) -> str:
    """``yyyy-MM-dd HH:mm:ss`` Beijing time of a UTC epoch second."""
    return datetime.fromtimestamp(ts_s + CST_OFFSET_S, UTC).strftime("%Y-%m-%d %H:%M:%S")


def beijing_compact(ts_s: int) -> str:
    """``yyyyMMddHHmmss`` Beijing time (file names)."""
    return datetime.fromtimestamp(ts_s + CST_OFFSET_S, UTC).strftime("%Y%m%d%H%M%S")


def beijing_strings(ts: npt.NDArray[np.int64]) -> pl.Series:
    """Vectorised :func:`beijing`."""
    return pl.from_epoch(pl.Series("t", ts + CST_OFFSET_S), time_unit="s").dt.strftime("%Y-%m-%d %H:%M:%S")


def file_name(mine_code: str, kind: str, ts_s: int) -> str:
    """``<mine>_<TYPE>_<yyyyMMddHHmmss>.txt``."""
    return f"{mine_code}_{kind}_{beijing_compact(ts_s)}.txt"


def batch_name(ts_s: int) -> str:
    """Batch folder (``yyyymmdd``, the CST day) of a time."""
    return datetime.fromtimestamp(ts_s + CST_OFFSET_S, UTC).strftime("%Y%m%d")


def encode(text: str, style: KJStyle) -> bytes:
    """Encode a file's text in the style's encoding, JSON-quoted if asked."""
    if style.json_quoted:
        text = json.dumps(text, ensure_ascii=False)
    return text.encode(style.encoding)


def assemble(header: str, records: list[str] | pl.Series, style: KJStyle) -> str:
    """``header~`` + each ``record~`` + ``||`` with the style's line breaks."""
    nl = NEWLINES[style.newline]
    if isinstance(records, pl.Series):
        body = join_records(records, style)
    else:
        body = ("~" + nl).join(records) + "~" + nl if records else ""
    return header + "~" + nl + body + "||" + nl


def truncate(header: str, records: list[str], cut_record: int, style: KJStyle) -> str:
    """A file cut inside record ``cut_record`` (1-based): the records before it intact, then the start of that
    record up to two characters into its location field (field 2), without ``~`` and without ``||``."""
    nl = NEWLINES[style.newline]
    r = records[cut_record - 1]
    second = r.index(";", r.index(";") + 1)
    partial = r[: second + 3]
    text = header + "~" + nl + "".join(x + "~" + nl for x in records[: cut_record - 1]) + partial
    if style.json_quoted:
        return json.dumps(text, ensure_ascii=False)[:-1]
    return text


def _num(v: float | None, decimals: int = 2) -> str:
    if v is None:
        return ""
    return f"{v:.{decimals}f}" if abs(v) < 10_000 else f"{v:.0f}"


def cddy_records(layout: MineLayout, at_s: int) -> list[str]:
    """The 24-field CDDY records of every point, with the configuration valid at ``at_s``."""
    at = datetime.fromtimestamp(at_s, UTC)
    t = beijing(at_s)
    out = []
    for k, p in enumerate(layout.points):
        c: PointConfigDef = config_at(layout, p.code, at)
        st_no = next(i for i, s in enumerate(layout.stations) if s.code == p.station)
        x, y = 1000.0 + 37.1 * st_no + 1.3 * k, 500.0 + 11.3 * st_no
        z = layout.mine.elevation_m - (5.0 if p.kj_system == "02" else 0.0)
        fields = [p.code, p.kj_system, p.substation, p.sensor_type, p.value_type, c.unit,
                  _num(c.range_high), _num(c.range_low), *p.alarm, "", "", "", "", "", "", p.location,
                  f"{x:.1f}", f"{y:.1f}", f"{z:.1f}", "", t]
        assert len(fields) == 24
        out.append(";".join(fields))
    return out


def header(layout: MineLayout, kind: str, at_s: int) -> str:
    """File header: CDDY with the system metadata, else ``煤矿编码;煤矿名称;数据时间``."""
    m = layout.mine
    if kind == "CDDY":
        return ";".join([m.code, m.name_zh, m.kj_system_model, "煤矿安全监控系统", "示例厂家(虚构)", "2028-12-31",
                         beijing(at_s)])
    return ";".join([m.code, m.name_zh, beijing(at_s)])


@dataclass
class FileRecord:
    """One written file (a row of the files ledger)."""

    path: str
    batch: str
    mine_code: str
    kind: str
    file_ts: int
    n_records: int
    late_days: int = 0
    truncated_at: int = -1
    duplicate_of: str = ""
    duplicate_kind: str = ""
    bytes: int = 0
    sha256: str = ""


def write_file(root: Path, rel: str, data: bytes) -> tuple[int, str]:
    """Write bytes under ``root`` (creating folders); returns (size, sha256). The whole output folder is swapped
    in atomically by :func:`minegas.synth.generate.generate`."""
    p = root / rel
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_bytes(data)
    return len(data), hashlib.sha256(data).hexdigest()


def cdss_lines(layout: MineLayout, ts: npt.NDArray[np.int64], pidx: npt.NDArray[np.int64],
               sidx: npt.NDArray[np.int64], value: npt.NDArray[np.float64],
               status: npt.NDArray[np.uint16], units: pl.Series) -> pl.Series:
    """CDSS record texts (without ``~``) of the readings ``(point index, sample index)``, vectorised with polars:
    ``测点编码;传感器类型名称;测点安装位置;测点值;测点数值单位;测点状态;数据时间``. ``units`` holds each reading's unit
    string (it changes with a meter replacement)."""
    pts = layout.points
    prefix = pl.Series([f"{p.code};{p.sensor_name};{p.location};" for p in pts])
    tstr = beijing_strings(ts)
    df = pl.DataFrame({
        "pre": prefix.gather(pidx),
        "val": pl.Series(value, dtype=pl.Float64).cast(pl.String),
        "unit": units,
        "st": pl.Series(status.astype(np.int64)).cast(pl.String),
        "t": tstr.gather(sidx),
    })
    return df.select(pl.concat_str([pl.col("pre"), pl.col("val"), pl.lit(";"), pl.col("unit"), pl.lit(";"),
                                    pl.col("st"), pl.lit(";"), pl.col("t")]).alias("l"))["l"]


def join_records(lines: pl.Series, style: KJStyle) -> str:
    """``record~`` (+ line break) for every record of ``lines``, concatenated."""
    end = "~" + NEWLINES[style.newline]
    if lines.len() == 0:
        return ""
    return str((lines + end).str.join("").item())


def tjsj_lines(layout: MineLayout, bucket_s: int, pidx: npt.NDArray[np.int64], t: npt.NDArray[np.int64],
               value: npt.NDArray[np.float64], units: list[str], precision: str
               ) -> tuple[list[str], npt.NDArray[np.int64]]:
    """TJSJ statistics records (12 fields) per point and ``bucket_s`` window of the sent readings: max and its
    time, min and its time, mean (rounded to the point's resolution), vectorised with polars. Returns (records,
    bucket start times), ordered by bucket then point."""
    if pidx.size == 0:
        return [], np.zeros(0, dtype=np.int64)
    pts = layout.points
    df = pl.DataFrame({"p": pidx, "t": t, "v": value, "u": units}).with_columns(
        (pl.col("t") // bucket_s * bucket_s).alias("b"))
    g = (df.sort(["b", "p", "t"]).group_by(["b", "p"], maintain_order=True)
         .agg(pl.col("v").max().alias("vmax"), pl.col("t").get(pl.col("v").arg_max()).alias("tmax"),
              pl.col("v").min().alias("vmin"), pl.col("t").get(pl.col("v").arg_min()).alias("tmin"),
              pl.col("v").mean().alias("vavg"), pl.col("u").first().alias("u")))
    dec = pl.Series([p.decimals for p in pts]).gather(g["p"].to_numpy())
    avg = g["vavg"].to_numpy()
    if precision == "meter":
        avg = np.asarray([round(a, d) for a, d in zip(avg.tolist(), dec.to_list(), strict=True)])
    prefix = pl.Series([f"{p.code};{p.sensor_name};{p.location};" for p in pts]).gather(g["p"].to_numpy())
    b = g["b"].to_numpy()
    lines = pl.DataFrame({
        "pre": prefix, "u": g["u"], "s": beijing_strings(b), "e": beijing_strings(b + bucket_s),
        "vmax": g["vmax"].cast(pl.String), "tmax": beijing_strings(g["tmax"].to_numpy()),
        "vmin": g["vmin"].cast(pl.String), "tmin": beijing_strings(g["tmin"].to_numpy()),
        "avg": pl.Series(avg, dtype=pl.Float64).cast(pl.String),
    }).select(pl.concat_str([pl.col("pre"), pl.col("u"), pl.lit(";"), pl.col("s"), pl.lit(";"), pl.col("e"),
                             pl.lit(";"), pl.col("vmax"), pl.lit(";"), pl.col("tmax"), pl.lit(";"), pl.col("vmin"),
                             pl.lit(";"), pl.col("tmin"), pl.lit(";"), pl.col("avg"), pl.lit(";"), pl.col("e")])
              .alias("l"))["l"]
    return lines.to_list(), b


def utc(ts_s: int) -> datetime:
    return datetime.fromtimestamp(ts_s, UTC)
