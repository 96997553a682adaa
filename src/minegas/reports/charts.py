"""Charts of the MRV report as inline SVG (matplotlib, no display, no network).

Two charts from the daily report (日报), summed over drainage stations:

- :func:`daily_ch4_svg` — daily pure CH4 drained (line) against used, flared and vented (stacked bars);
- :func:`utilization_rate_svg` — daily utilization rate (used / drained) with the period mean.

Text is drawn as vector paths (``svg.fonttype = 'path'``), so the SVG needs no font where it is shown and the
PDF needs none for it; the CJK glyphs come from the first installed family of :data:`CJK_FAMILIES` (Debian
``fonts-wqy-microhei``, installed by scripts/system-deps.sh). ``axes.unicode_minus`` is off so that the minus sign
exists in the CJK font. Settings are applied with ``rc_context`` and a private ``Figure`` — nothing global changes.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import date
from typing import Any

from matplotlib import font_manager, rc_context
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, PercentFormatter
from matplotlib.typing import RcKeyType

from minegas.errors import ConfigError
from minegas.i18n import label
from minegas.reports.model import DayTotal, ReportLang

CJK_FAMILIES: tuple[str, ...] = ("Noto Sans CJK SC", "WenQuanYi Micro Hei")
"""CJK font families, in order of preference (the same list as the PDF's CSS)."""

FONT_FIX = "install the Debian package fonts-wqy-microhei (scripts/system-deps.sh, `make setup`)"

COLORS = {"used": "#2e7d32", "flared": "#ef6c00", "vented": "#c62828", "drained": "#263238", "rate": "#1565c0"}


def cjk_families_installed() -> list[str]:
    """The families of :data:`CJK_FAMILIES` that matplotlib's font manager finds on this machine."""
    names = {f.name for f in font_manager.fontManager.ttflist}
    return [f for f in CJK_FAMILIES if f in names]


def _rc(lang: ReportLang) -> dict[RcKeyType, Any]:
    fams = cjk_families_installed()
    if not fams and lang == "zh":
        raise ConfigError(f"no CJK font for Chinese charts (looked for {', '.join(CJK_FAMILIES)}) — {FONT_FIX}")
    return {
        "font.family": "sans-serif",
        "font.sans-serif": [*fams, "DejaVu Sans"],
        "axes.unicode_minus": False,
        "svg.fonttype": "path",
        "svg.hashsalt": "minegas-report",
        "font.size": 8.0,
        "axes.spines.top": False,
        "axes.spines.right": False,
    }


def _svg(fig: Figure) -> str:
    buf = io.StringIO()
    fig.savefig(buf, format="svg", bbox_inches="tight",
                metadata={"Date": None, "Creator": None, "Format": None, "Type": None})
    text = buf.getvalue()
    return text[text.index("<svg"):]  # drop the XML declaration and DOCTYPE for inline use


def _day_labels(days: Sequence[date]) -> list[str]:
    return [f"{d:%m-%d}" for d in days]


def _wan(x: float, _pos: object = None) -> str:
    return f"{x / 1e4:,.1f}"


def daily_ch4_svg(totals: Sequence[DayTotal], lang: ReportLang) -> str:
    """Daily pure CH4 [10⁴ Nm³]: drained (line) and used / flared / vented (stacked bars), as SVG text.

    Parameters
    ----------
    totals : one entry per day (:meth:`minegas.reports.model.MrvReport.day_totals`).
    lang : 'zh' or 'en' (title, legend, axis labels).
    """
    with rc_context(_rc(lang)):
        fig = Figure(figsize=(6.6, 2.4), dpi=72)
        ax = fig.subplots()
        x = list(range(len(totals)))
        used = [t.utilized_nm3 for t in totals]
        flared = [t.flared_nm3 for t in totals]
        vented = [t.vented_nm3 for t in totals]
        ax.bar(x, used, color=COLORS["used"], label=label("report.col.used_day", lang), width=0.7)
        ax.bar(x, flared, bottom=used, color=COLORS["flared"], label=label("report.bal.flared", lang), width=0.7)
        ax.bar(x, vented, bottom=[u + f for u, f in zip(used, flared, strict=True)], color=COLORS["vented"],
               label=label("report.bal.vented", lang), width=0.7)
        ax.plot(x, [t.pure_ch4_nm3 for t in totals], color=COLORS["drained"], marker="o", markersize=3,
                linewidth=1.2, label=label("report.bal.drained", lang))
        ax.set_xticks(x, _day_labels([t.day for t in totals]))
        if len(x) > 16:
            for i, tick in enumerate(ax.get_xticklabels()):
                tick.set_visible(i % 2 == 0)
        ax.yaxis.set_major_formatter(FuncFormatter(_wan))
        ax.set_ylabel("10⁴ Nm³" if lang == "en" else "万Nm³")
        ax.set_title(label("report.chart.daily_title", lang), fontsize=9)
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=4, frameon=False, fontsize=7.5)
        ax.grid(axis="y", linewidth=0.4, alpha=0.5)
        ax.set_axisbelow(True)
        return _svg(fig)


def utilization_rate_svg(totals: Sequence[DayTotal], period_rate_frac: float | None, lang: ReportLang) -> str:
    """Daily utilization rate (used / drained) [%] with the period mean as a dashed line, as SVG text.

    Parameters
    ----------
    totals : one entry per day.
    period_rate_frac : the period's utilization rate (0–1), drawn as a reference line (None: not drawn).
    lang : 'zh' or 'en'.
    """
    with rc_context(_rc(lang)):
        fig = Figure(figsize=(6.6, 1.9), dpi=72)
        ax = fig.subplots()
        x = list(range(len(totals)))
        rates = [(t.utilization_rate_frac * 100.0 if t.utilization_rate_frac is not None else float("nan"))
                 for t in totals]
        ax.plot(x, rates, color=COLORS["rate"], marker="o", markersize=3, linewidth=1.2,
                label=label("report.col.util_rate", lang))
        if period_rate_frac is not None:
            ax.axhline(period_rate_frac * 100.0, color=COLORS["drained"], linestyle="--", linewidth=0.8,
                       label=f"{label('report.chart.period_mean', lang)} {period_rate_frac * 100:.1f}%")
        ax.set_xticks(x, _day_labels([t.day for t in totals]))
        if len(x) > 16:
            for i, tick in enumerate(ax.get_xticklabels()):
                tick.set_visible(i % 2 == 0)
        ax.yaxis.set_major_formatter(PercentFormatter(decimals=0))
        lo = min([r for r in rates if r == r] + [period_rate_frac * 100.0 if period_rate_frac is not None else 100])
        ax.set_ylim(max(0.0, lo - 10.0), 100.0)
        ax.set_title(label("report.chart.rate_title", lang), fontsize=9)
        ax.legend(loc="lower left", frameon=False, fontsize=7.5)
        ax.grid(axis="y", linewidth=0.4, alpha=0.5)
        ax.set_axisbelow(True)
        return _svg(fig)
