"""Fixtures of the report tests: the example reports, their renderings, and the external tools they need.

PDF checks use poppler-utils (``pdffonts``, ``pdftotext``, ``pdftoppm``) and a CJK font (Debian
``fonts-wqy-microhei``), both installed by scripts/system-deps.sh (``make setup``). When one is missing the tests
that need it are skipped locally and **fail** in CI (``MINEGAS_CI=1``), with the package to install.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from minegas.reports import MrvReport, example_report

IN_CI = os.environ.get("MINEGAS_CI") == "1"
POPPLER = ("pdffonts", "pdftotext", "pdftoppm")


def require(ok: bool, message: str) -> None:
    """Skip locally / fail in CI when a system dependency is missing."""
    if ok:
        return
    if IN_CI:
        pytest.fail(message + " — required in CI")
    pytest.skip(message)


@pytest.fixture(scope="session")
def poppler() -> dict[str, str]:
    """Paths of pdffonts, pdftotext and pdftoppm (Debian poppler-utils)."""
    found = {t: shutil.which(t) for t in POPPLER}
    missing = [t for t, p in found.items() if p is None]
    require(not missing, f"{', '.join(missing)} not found: install the Debian package poppler-utils "
                         "(scripts/system-deps.sh)")
    return {t: p for t, p in found.items() if p is not None}


@pytest.fixture(scope="session")
def cjk_font() -> list[str]:
    """The installed CJK families (WenQuanYi Micro Hei from fonts-wqy-microhei, or Noto Sans CJK SC)."""
    from minegas.reports.charts import cjk_families_installed

    fams = cjk_families_installed()
    require(bool(fams), "no CJK font: install the Debian package fonts-wqy-microhei (scripts/system-deps.sh)")
    return fams


@pytest.fixture(scope="session")
def report_zh() -> MrvReport:
    return example_report("zh")


@pytest.fixture(scope="session")
def report_en() -> MrvReport:
    return example_report("en")


@pytest.fixture(scope="session")
def written(tmp_path_factory: pytest.TempPathFactory, cjk_font: list[str]) -> dict[str, dict[str, Path]]:
    """The example written in every format, in Chinese and in English: ``{lang: {format: path}}``."""
    from minegas.reports import write_report

    out = tmp_path_factory.mktemp("reports")
    return {lang: write_report(example_report(lang), out, formats=("xlsx", "pdf", "html", "json"), lang=lang)
            for lang in ("zh", "en")}
