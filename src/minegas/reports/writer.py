"""Write an MRV report to files: Excel, PDF, HTML (and JSON), atomically, under stable names.

File names are ``<mine>_<period>_<lang>.<ext>`` (:meth:`MrvReport.file_stem`), so writing the same report again
replaces the same files. Every format is rendered in memory first; only when all of them rendered are the files
written, each to a temporary file in the output folder, flushed to disk and moved into place with ``os.replace``
— a failed render or write leaves the previous files untouched.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

from minegas.errors import InputError, MinegasError, Problem
from minegas.reports.model import LANGS, MrvReport, ReportLang

FORMATS: tuple[str, ...] = ("xlsx", "pdf", "html", "json")
"""Formats :func:`write_report` can write."""

FILE_MODE = 0o644
"""Permissions of written reports (readable by all, like an ordinary file; temporary files start as 0600)."""


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically: a temporary file in the same folder, fsync, ``os.replace``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(fd, FILE_MODE)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        Path(tmp).replace(path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            Path(tmp).unlink()
        raise


def _renderers() -> dict[str, Callable[[MrvReport], bytes]]:
    from minegas.reports.excel import render_xlsx
    from minegas.reports.html import render_html
    from minegas.reports.pdf import render_pdf

    return {
        "xlsx": render_xlsx,
        "pdf": lambda r: render_pdf(r),
        "html": lambda r: render_html(r).encode("utf-8"),
        "json": lambda r: (r.to_json() + "\n").encode("utf-8"),
    }


def render_report(report: MrvReport, formats: Sequence[str] = ("xlsx", "pdf", "html"), lang: ReportLang = "zh",
                  *, validate: bool = True) -> dict[str, bytes]:
    """Render ``report`` in ``formats`` and ``lang`` without writing anything: ``{format: bytes}``.

    Raises
    ------
    InputError
        Unknown format or language, or (with ``validate``) an inconsistent report (:meth:`MrvReport.check`).
    ConfigError
        A Chinese PDF without a CJK font installed.
    """
    bad = [f for f in formats if f not in FORMATS]
    if bad or not formats:
        raise InputError("unknown report format", [Problem(f"no report format {f!r}", field="formats", value=f,
                                                           fix=f"use {', '.join(FORMATS)}") for f in bad or [""]])
    if lang not in LANGS:
        raise InputError("unsupported report language", [Problem(f"no report language {lang!r}", field="lang",
                                                                 value=str(lang), fix="use zh or en")])
    r = report.with_language(lang)
    if validate:
        r.validate()
    renderers = _renderers()
    return {f: renderers[f](r) for f in dict.fromkeys(formats)}


def write_report(report: MrvReport, out_dir: str | os.PathLike[str],
                 formats: Sequence[str] = ("xlsx", "pdf", "html"), lang: ReportLang = "zh",
                 *, validate: bool = True) -> dict[str, Path]:
    """Write ``report`` to ``out_dir`` as ``<mine>_<period>_<lang>.<format>`` files.

    Parameters
    ----------
    report : the report content.
    out_dir : output folder (created if missing).
    formats : any of 'xlsx', 'pdf', 'html', 'json'.
    lang : 'zh' (中文) or 'en' (English) — the language of PDF and HTML; Excel sheets are bilingual.
    validate : refuse an inconsistent report (default; see :meth:`MrvReport.check`).

    Returns
    -------
    ``{format: path}`` of the files written.

    Raises
    ------
    InputError
        Unknown format or language, or an inconsistent report; nothing is written.
    ConfigError
        A Chinese PDF without a CJK font installed; nothing is written.
    """
    blobs = render_report(report, formats, lang, validate=validate)
    out = Path(out_dir)
    stem = report.file_stem(lang)
    paths: dict[str, Path] = {}
    for fmt, data in blobs.items():
        p = out / f"{stem}.{fmt}"
        try:
            atomic_write_bytes(p, data)
        except OSError as exc:
            raise MinegasError(f"cannot write {p}: {exc.strerror or exc}") from exc
        paths[fmt] = p
    return paths
