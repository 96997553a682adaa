"""HTML rendering: headings in Chinese and English, self-contained (no external resource of any kind), escaping of
user text (HTML and the CSS of the running header), formatting helpers, charts."""

from __future__ import annotations

import dataclasses
import re
from datetime import UTC, datetime
from html.parser import HTMLParser

import pytest

from minegas.errors import ConfigError
from minegas.reports import MrvReport, example_report
from minegas.reports import charts as charts_mod
from minegas.reports.html import (
    css_string,
    fmt_dt,
    fmt_frac,
    fmt_hours,
    fmt_num,
    page_counter_css,
    render_html,
)

HEADINGS_ZH = ["报告信息", "甲烷平衡", "测点汇总", "数据替代", "日报", "合规发现", "核查附录"]
HEADINGS_EN = ["Report information", "Methane balance", "Point totals", "Substitutions", "Daily report", "Findings",
               "Verification appendix"]


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.attrs: list[tuple[str, str, str]] = []
        self.h2: list[str] = []
        self._in_h2 = False
        self.styles = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self._in_h2 = tag == "h2"
        self.styles += tag == "style"
        for k, v in attrs:
            self.attrs.append((tag, k, v or ""))

    def handle_endtag(self, tag: str) -> None:
        if tag == "h2":
            self._in_h2 = False

    def handle_data(self, data: str) -> None:
        if self._in_h2:
            self.h2.append(data.strip())


def _parse(html: str) -> _Collector:
    c = _Collector()
    c.feed(html)
    return c


@pytest.fixture(scope="module")
def html_zh(cjk_font: list[str]) -> str:
    return render_html(example_report("zh"))


@pytest.fixture(scope="module")
def html_en() -> str:
    return render_html(example_report("en"))


def test_headings(html_zh: str, html_en: str) -> None:
    assert _parse(html_zh).h2 == HEADINGS_ZH
    assert _parse(html_en).h2 == HEADINGS_EN
    assert '<html lang="zh-CN">' in html_zh and '<html lang="en">' in html_en


def test_content(html_zh: str, html_en: str) -> None:
    r = example_report("zh")
    for b in r.appendix.batches:
        assert b.sha256 in html_zh and b.sha256 in html_en
    assert "示例 — 手工编制的示例数据" in html_zh and "EXAMPLE — hand-made example data" in html_en
    assert "1,512,000" in html_zh and "92.83 %" in html_zh  # drained and utilization rate, hand figures
    assert "CN-NDRC-2015-COAL" in html_zh and "SAR" in html_zh and "cn-2015" in html_zh
    assert "minegas " + r.meta.software_version in html_zh
    assert "第 \" counter(page) \" 页，共 \" counter(pages) \" 页" in html_zh
    assert "Page \" counter(page) \" of \" counter(pages)" in html_en
    assert html_zh.count("<svg") == 2


def test_self_contained(html_zh: str, html_en: str) -> None:
    for html in (html_zh, html_en):
        c = _parse(html)
        assert not {"link", "script", "img", "iframe", "object", "embed"} & set(c.tags)
        for tag, k, v in c.attrs:
            if k in ("href", "src", "xlink:href", "action", "srcset", "poster"):
                assert v.startswith("#"), (tag, k, v)
            if "://" in v:
                assert k.startswith("xmlns"), (tag, k, v)  # namespace names only, never fetched
        assert "@import" not in html
        assert not re.search(r"url\(\s*['\"]?(?!#)", html)  # only url(#fragment) references
        assert "@font-face" not in html


def _with_names(r: MrvReport, zh: str, en: str) -> MrvReport:
    return dataclasses.replace(r, meta=dataclasses.replace(r.meta, mine_name_zh=zh, mine_name_en=en))


def test_user_text_is_escaped() -> None:
    evil = '</style><script>alert("x")</script>'
    r = _with_names(example_report("en"), evil, evil)
    html = render_html(r, charts=False)
    c = _parse(html)
    assert "script" not in c.tags
    assert c.styles == 1 and html.count("</style>") == 1  # the running-header CSS string cannot close <style>
    assert "&lt;script&gt;" in html


def test_css_string_and_page_counter() -> None:
    assert css_string('a"b\\c\nd<e') == '"a\\"b\\\\c\\A d\\3C e"'
    assert page_counter_css("zh") == '"第 " counter(page) " 页，共 " counter(pages) " 页"'
    assert page_counter_css("en") == '"Page " counter(page) " of " counter(pages)'


def test_formatting_helpers() -> None:
    assert fmt_num(1234567.891, 1) == "1,234,567.9"
    assert fmt_num(None) == "—" and fmt_num(float("nan")) == "—"
    assert fmt_frac(1_403_640 / 1_512_000) == "92.83 %"
    assert fmt_frac(None) == "—"
    assert fmt_hours(5400) == "1.50"
    assert fmt_dt(datetime(2025, 3, 1, 16, 0, tzinfo=UTC)) == "2025-03-02 00:00"  # CST = UTC+8


def test_charts_are_vector_and_deterministic(cjk_font: list[str]) -> None:
    r = example_report("zh")
    a = charts_mod.daily_ch4_svg(r.day_totals(), "zh")
    b = charts_mod.daily_ch4_svg(r.day_totals(), "zh")
    assert a == b
    assert a.startswith("<svg") and "<text" not in a  # text drawn as paths: no font needed where shown
    rate = charts_mod.utilization_rate_svg(r.day_totals(), r.balance.utilization_rate_drained_frac, "en")
    assert rate.startswith("<svg") and "<path" in rate


def test_no_cjk_font_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(charts_mod, "cjk_families_installed", lambda: [])
    with pytest.raises(ConfigError, match="fonts-wqy-microhei"):
        charts_mod.daily_ch4_svg(example_report("zh").day_totals(), "zh")
    # English charts fall back to DejaVu Sans
    assert charts_mod.daily_ch4_svg(example_report("en").day_totals(), "en").startswith("<svg")


def test_every_label_exists(html_zh: str, html_en: str) -> None:
    """label() returns an unknown key unchanged: no 'report.xxx' key may leak into the output."""
    for html in (html_zh, html_en):
        assert not re.findall(r"\breport\.[a-z_.]+", html)
