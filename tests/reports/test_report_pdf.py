"""The PDF: every font embedded (``pdffonts``), the expected headings and the input hashes found by ``pdftotext``,
page furniture (running header, page X of Y), page 1 not blank (``pdftoppm -r 60``), no network at render time.

Needs poppler-utils and fonts-wqy-microhei (skipped locally when missing, failing in CI; see conftest.py)."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from minegas.errors import ConfigError, MinegasError
from minegas.reports import example_report
from minegas.reports import pdf as pdf_mod
from minegas.reports.pdf import html_to_pdf, render_pdf

HEADINGS_ZH = ["报告信息", "甲烷平衡", "测点汇总", "数据替代", "日报", "合规发现", "核查附录"]
HEADINGS_EN = ["Report information", "Methane balance", "Point totals", "Substitutions", "Daily report", "Findings",
               "Verification appendix"]


def _run(tool: str, *args: str) -> str:
    out = subprocess.run([tool, *args], check=True, capture_output=True, timeout=120)
    return out.stdout.decode("utf-8")


def _fonts(poppler: dict[str, str], pdf: Path) -> list[dict[str, str]]:
    """``pdffonts`` rows as dicts (name, type, encoding, emb, sub, uni)."""
    lines = _run(poppler["pdffonts"], str(pdf)).splitlines()
    assert lines[0].split()[:2] == ["name", "type"] and set(lines[1]) <= {"-", " "}
    cols = [(m.start(), m.end()) for m in re.finditer(r"-+", lines[1])]
    keys = ["name", "type", "encoding", "emb", "sub", "uni", "object", "id"]
    return [{k: ln[a:b + 1].strip() if i < len(cols) - 1 else ln[a:].strip()
             for i, (k, (a, b)) in enumerate(zip(keys, cols, strict=False))} for ln in lines[2:] if ln.strip()]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_font_embedded(poppler: dict[str, str], written: dict[str, dict[str, Path]], lang: str) -> None:
    fonts = _fonts(poppler, written[lang]["pdf"])
    assert fonts, "no fonts listed"
    for f in fonts:
        assert f["emb"] == "yes", f
        assert f["sub"] == "yes", f  # subset, not the whole font
    if lang == "zh":
        assert any("WenQuanYi" in f["name"] or "NotoSansCJK" in f["name"].replace("-", "") for f in fonts)


def test_chinese_text(poppler: dict[str, str], written: dict[str, dict[str, Path]]) -> None:
    pdf = written["zh"]["pdf"]
    text = _run(poppler["pdftotext"], "-layout", str(pdf), "-")
    for h in HEADINGS_ZH:
        assert h in text, h
    r = example_report("zh")
    for b in r.appendix.batches:
        assert b.sha256 in text  # every input batch hash, on one line
    assert "示例 — 手工编制的示例数据" in text
    assert "青岚煤矿(示例)" in text and "990521000001" in text
    assert "CN-NDRC-2015-COAL" in text and "SAR" in text and "cn-2015" in text
    pages = text.count("\f")
    assert "第 1 页，共" in text and f"第 {pages} 页，共 {pages} 页" in text
    page2 = _run(poppler["pdftotext"], "-f", "2", "-l", "2", str(pdf), "-")
    assert "青岚煤矿(示例) · 990521000001" in page2 and "报告期 2025-03-01..2025-03-07" in page2  # running header
    assert "1,512,000" in text and "92.83 %" in text and "43.29 %" in text  # drained, utilization, drainage rate


def test_english_text(poppler: dict[str, str], written: dict[str, dict[str, Path]]) -> None:
    text = _run(poppler["pdftotext"], "-layout", str(written["en"]["pdf"]), "-")
    for h in HEADINGS_EN:
        assert h in text, h
    for b in example_report("en").appendix.batches:
        assert b.sha256 in text
    assert "EXAMPLE — hand-made example data" in text and "Qinglan mine (demo)" in text
    assert "Page 1 of" in text
    assert "甲烷平衡" not in text  # headings are English


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_page_one_is_not_blank(poppler: dict[str, str], written: dict[str, dict[str, Path]], lang: str,
                               tmp_path: Path) -> None:
    prefix = tmp_path / f"p-{lang}"
    subprocess.run([poppler["pdftoppm"], "-r", "60", "-f", "1", "-l", "1", "-png", str(written[lang]["pdf"]),
                    str(prefix)], check=True, timeout=120)
    png = next(tmp_path.glob(f"p-{lang}*.png"))
    im = Image.open(png).convert("RGB")
    w, h = im.size
    assert abs(w - 496) <= 1 and abs(h - 702) <= 1  # A4 portrait at 60 dpi: 595.3 × 841.9 pt × 60/72
    px = np.asarray(im, dtype=np.int32)
    ink = float((px.sum(axis=2) < 600).mean())
    red = int(((px[..., 0] > 150) & (px[..., 1] < 90) & (px[..., 2] < 90)).sum())  # the red EXAMPLE banner
    assert 0.02 < ink < 0.5, ink
    assert red > 50


def test_no_network_at_render_time() -> None:
    with pytest.raises(MinegasError, match=re.escape("external resource 'https://example.invalid/f.woff2'")):
        html_to_pdf('<style>@font-face { font-family: x; src: url("https://example.invalid/f.woff2"); }'
                    'p { font-family: x; }</style><p>x</p>')
    with pytest.raises(MinegasError, match="external resource"):
        html_to_pdf('<link rel="stylesheet" href="http://example.invalid/a.css"><p>x</p>')


def test_chinese_pdf_without_cjk_font_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pdf_mod, "cjk_families_installed", lambda: [])
    with pytest.raises(ConfigError, match="fonts-wqy-microhei"):
        render_pdf(example_report("zh"))
