"""docs/registry.md documents every import column exactly as the importer defines it."""

from __future__ import annotations

import re
from pathlib import Path

from minegas.registry.importer import TABLES, columns_markdown
from minegas.registry.vocab import ACCEPTED_UNIT_SPELLINGS

DOC = Path(__file__).resolve().parents[2] / "docs" / "registry.md"


def test_column_tables_in_sync() -> None:
    text = DOC.read_text(encoding="utf-8")
    for t in TABLES:
        pattern = "<!-- columns:" + re.escape(t.file) + r" -->\n(.*?)\n<!-- /columns -->"
        m = re.search(pattern, text, re.S)
        assert m, f"docs/registry.md has no column table for {t.file}.csv"
        assert m.group(1) == columns_markdown(t), f"column table of {t.file}.csv is out of date"


def test_every_accepted_unit_is_documented() -> None:
    text = DOC.read_text(encoding="utf-8")
    for u in ACCEPTED_UNIT_SPELLINGS:
        assert f"`{u}`" in text, u
