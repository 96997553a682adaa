"""PDF rendering of the MRV report: the HTML of :mod:`minegas.reports.html` through WeasyPrint.

Fonts: the CSS asks for 'Noto Sans CJK SC', 'WenQuanYi Micro Hei', sans-serif; WeasyPrint embeds and subsets
every font it uses (CID TrueType, Identity-H). A Chinese report needs one of the CJK families installed (Debian
``fonts-wqy-microhei``, scripts/system-deps.sh); without it the report is refused with a :class:`ConfigError`
rather than printed with missing glyphs.

No network: the URL fetcher refuses every URL (the HTML has inline CSS and SVG only), so a template that ever
referenced a remote font, stylesheet or image fails loudly instead of fetching it.
"""

from __future__ import annotations

import weasyprint
from weasyprint.urls import FatalURLFetchingError, URLFetcher, URLFetcherResponse

from minegas.errors import ConfigError, MinegasError
from minegas.reports.charts import CJK_FAMILIES, FONT_FIX, cjk_families_installed
from minegas.reports.html import render_html
from minegas.reports.model import MrvReport, ReportLang


class NoNetworkFetcher(URLFetcher):
    """A WeasyPrint URL fetcher that fetches nothing: every URL is a fatal error (reports are self-contained)."""

    def fetch(self, url: str, headers: object = None) -> URLFetcherResponse:
        raise FatalURLFetchingError(f"the report referenced an external resource {url!r}; reports must be "
                                    "self-contained (inline CSS and SVG, local fonts)")


def render_pdf(report: MrvReport, lang: ReportLang | None = None, *, charts: bool = True) -> bytes:
    """The report as PDF bytes (A4; running header with mine and period; page X of Y footer).

    Parameters
    ----------
    report : the report.
    lang : 'zh' or 'en' (default: ``report.meta.language``).
    charts : include the daily charts.

    Raises
    ------
    ConfigError
        A Chinese report is asked for and no CJK font is installed.
    """
    lg = lang or report.meta.language
    if lg == "zh" and not cjk_families_installed():
        raise ConfigError(f"no CJK font installed for a Chinese PDF (looked for {', '.join(CJK_FAMILIES)}) — "
                          f"{FONT_FIX}")
    return html_to_pdf(render_html(report, lg, charts=charts),
                       identifier=f"{report.meta.mine_code}-{report.meta.period_label}-{lg}")


def html_to_pdf(html: str, identifier: str = "minegas-report") -> bytes:
    """Render self-contained HTML to PDF bytes with WeasyPrint, fetching nothing.

    Raises
    ------
    MinegasError
        The HTML references an external resource (a bug in the template or in the content).
    """
    doc = weasyprint.HTML(string=html, base_url=None, url_fetcher=NoNetworkFetcher())
    try:
        pdf = doc.write_pdf(pdf_identifier=identifier.encode())
    except FatalURLFetchingError as exc:  # a BaseException in WeasyPrint: turn it into an ordinary error
        raise MinegasError(str(exc)) from None
    assert isinstance(pdf, bytes)
    return pdf
