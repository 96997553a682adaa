"""HTML rendering of the MRV report (Jinja2), self-contained: CSS inline, charts as inline SVG, no remote fonts,
stylesheets or scripts. The same HTML, with its print CSS (``@page``: A4, running header with mine and period,
``第 X 页，共 Y 页`` / ``Page X of Y`` footer), is what :mod:`minegas.reports.pdf` renders with WeasyPrint.
"""

from __future__ import annotations

import math
from datetime import date, datetime
from functools import cache
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from minegas.i18n import LABELS, label
from minegas.periods import CST
from minegas.reports.charts import daily_ch4_svg, utilization_rate_svg
from minegas.reports.model import Co2eFigure, MrvReport, ReportLang

NA = "—"


# --------------------------------------------------------------------------------------------------------------
# formatting (display only; the model keeps full precision)


def fmt_num(x: float | int | None, nd: int = 0) -> str:
    """``1234567.8`` → ``1,234,567.8`` with ``nd`` decimals; None or NaN → '—'."""
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return NA
    return f"{x:,.{nd}f}"


def fmt_nm3(x: float | None) -> str:
    """Volumes [Nm³] to whole cubic metres."""
    return fmt_num(x, 0)


def fmt_t(x: float | None) -> str:
    """Masses [t] to kilograms (3 decimals)."""
    return fmt_num(x, 3)


def fmt_frac(x: float | None) -> str:
    """A fraction 0–1 as a percentage with 2 decimals: ``0.928333`` → ``92.83 %``."""
    if x is None or not math.isfinite(x):
        return NA
    return f"{x * 100:.2f} %"


def fmt_hours(seconds: float | None) -> str:
    """Seconds as hours with 2 decimals."""
    return NA if seconds is None else fmt_num(seconds / 3600.0, 2)


def fmt_dt(t: datetime | None) -> str:
    """An aware time in China Standard Time, ``YYYY-MM-DD HH:MM``."""
    if t is None:
        return NA
    return f"{t.astimezone(CST):%Y-%m-%d %H:%M}"


def fmt_date(d: date | None) -> str:
    return NA if d is None else d.isoformat()


def css_string(text: str) -> str:
    """``text`` as a quoted CSS string: backslash, quote and line breaks escaped, and '<' escaped so that the
    string cannot close the ``<style>`` element."""
    out = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\A ").replace("<", "\\3C ")
    return f'"{out}"'


def page_counter_css(lang: ReportLang) -> str:
    """CSS ``content`` for the page footer from the label 'report.page' (``{page}``, ``{pages}`` placeholders)."""
    tmpl = label("report.page", lang)
    parts: list[str] = []
    rest = tmpl
    while rest:
        i_page, i_pages = rest.find("{page}"), rest.find("{pages}")
        hits = [(i, tok) for i, tok in ((i_page, "{page}"), (i_pages, "{pages}")) if i >= 0]
        if not hits:
            parts.append(css_string(rest))
            break
        i, tok = min(hits)
        if i:
            parts.append(css_string(rest[:i]))
        parts.append("counter(page)" if tok == "{page}" else "counter(pages)")
        rest = rest[i + len(tok):]
    return " ".join(parts)


@cache
def _environment() -> Environment:
    env = Environment(loader=PackageLoader("minegas.reports", "templates"),
                      autoescape=select_autoescape(["j2", "html"], default_for_string=True),
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
    env.filters.update(num=fmt_num, nm3=fmt_nm3, t=fmt_t, frac=fmt_frac, hours=fmt_hours, dt=fmt_dt, d=fmt_date,
                       int_=lambda x: fmt_num(x, 0), capfirst=lambda s: s[:1].upper() + s[1:])
    return env


@cache
def _css() -> str:
    env = _environment()
    assert env.loader is not None
    src, _, _ = env.loader.get_source(env, "report.css")
    return src


def _page_css(r: MrvReport, lang: ReportLang) -> str:
    m = r.meta
    left = f"{m.mine_name(lang)} · {m.mine_code}"
    right = f"{label('report.period', lang)} {m.period_label}"
    soft = f"minegas {m.software_version}"
    example = label("report.example", lang) if m.example else ""
    return ("@page {\n"
            f"  @top-left {{ content: {css_string(left)}; }}\n"
            f"  @top-right {{ content: {css_string(right)}; }}\n"
            f"  @bottom-left {{ content: {css_string(soft)}; }}\n"
            f"  @bottom-center {{ content: {page_counter_css(lang)}; }}\n"
            f"  @bottom-right {{ content: {css_string(example)}; }}\n"
            "}")


def _context(r: MrvReport, lang: ReportLang, charts: bool) -> dict[str, Any]:
    m, b = r.meta, r.balance

    def L(key: str) -> str:
        return label(key, lang)

    def opt_label(prefix: str, key: str) -> str:
        return label(prefix + key, lang) if prefix + key in LABELS else key

    def co2e_note(c: Co2eFigure) -> str:
        if c.convention == "net":
            return "× (GWP − 44/16)"
        if c.convention == "displaced":
            return (f"+ {fmt_num(c.power_mwh, 1)} MWh × {c.grid_ef_t_per_mwh:g} t/MWh"
                    f" + {fmt_num(c.heat_gj, 1)} GJ × {c.heat_ef_t_per_gj:g} t/GJ")
        return "× GWP"

    groups = []
    for key, lines in (("report.bal.drained", b.drained), ("report.bal.utilized", b.utilized),
                       ("report.bal.transferred", b.transferred), ("report.bal.flared", b.flared),
                       ("report.bal.vented", b.vented)):
        groups.append({"key": key, "lines": lines, "nm3": math.fsum(x.pure_ch4_nm3 for x in lines),
                       "t": math.fsum(x.ch4_t for x in lines)})
    vam_groups = []
    for key, lines in (("report.bal.vam_liberated", b.vam_liberated), ("report.bal.vam_oxidized", b.vam_oxidized)):
        vam_groups.append({"key": key, "lines": lines, "nm3": math.fsum(x.pure_ch4_nm3 for x in lines),
                           "t": math.fsum(x.ch4_t for x in lines)})

    def agg(rows: list[Any], name: str) -> dict[str, Any]:
        mixed = math.fsum(x.mixed_nm3 for x in rows)
        pure = math.fsum(x.pure_ch4_nm3 for x in rows)
        used = math.fsum(x.utilized_nm3 for x in rows)
        return {"name": name, "mixed": mixed, "pure": pure, "pct": pure / mixed * 100.0 if mixed > 0 else None,
                "used": used, "flared": math.fsum(x.flared_nm3 for x in rows),
                "vented": math.fsum(x.vented_nm3 for x in rows), "rate": used / pure if pure > 0 else None}

    stations: dict[str, list[Any]] = {}
    for row in r.daily:
        stations.setdefault(row.station_code, []).append(row)
    station_totals = [agg(rows, rows[0].station_name(lang)) for rows in stations.values()]
    svgs: list[Markup] = []
    totals = r.day_totals()
    if charts and totals:
        svgs = [Markup(daily_ch4_svg(totals, lang)),
                Markup(utilization_rate_svg(totals, b.utilization_rate_drained_frac, lang))]
    zh = lang == "zh"
    return {
        "r": r, "m": m, "b": b, "lang": lang, "L": L, "css": Markup(_css()),
        "page_css": Markup(_page_css(r, lang)),
        "charts": svgs, "state_label": m.state.label_zh if zh else m.state.label_en,
        "balance_groups": groups, "vam_groups": vam_groups,
        "daily_station_totals": station_totals, "daily_total": agg(list(r.daily), ""),
        "daily_note": ("合计行的甲烷浓度为纯量/混合量(按流量加权)；逐日浓度为时间加权平均" if zh else
                       "CH4 % of the total rows is pure / mixed (flow-weighted); daily values are time-weighted "
                       "means"),
        "substituted_s": math.fsum(s.seconds for s in r.substitutions),
        "batch_totals": {"bytes": sum(x.bytes for x in r.appendix.batches),
                         "accepted": sum(x.records_accepted for x in r.appendix.batches),
                         "rejected": sum(x.records_rejected for x in r.appendix.batches)},
        "param_label": lambda k: opt_label("report.param.", k),
        "gap_label": lambda k: opt_label("report.gap.", k),
        "co2e_note": co2e_note,
        "lp": "（" if zh else " (", "rp": "）" if zh else ")", "sep": "，" if zh else ", ",
        "colon": "：" if zh else ": ",
    }


def render_html(report: MrvReport, lang: ReportLang | None = None, *, charts: bool = True) -> str:
    """The report as one self-contained HTML document.

    Parameters
    ----------
    report : the report (:class:`minegas.reports.model.MrvReport`).
    lang : 'zh' or 'en' (default: ``report.meta.language``).
    charts : include the two daily charts (inline SVG).

    Returns
    -------
    HTML text (UTF-8 when written), with inline CSS and SVG only.
    """
    r = report.with_language(lang or report.meta.language)
    lg = r.meta.language
    return _environment().get_template("report.html.j2").render(**_context(r, lg, charts))
