"""write_report: file names, formats, atomic and idempotent writes, refusal of bad input without touching
existing files."""

from __future__ import annotations

import dataclasses
import json
import stat
from collections.abc import Callable
from pathlib import Path

import pytest

from minegas.errors import InputError
from minegas.reports import FORMATS, MrvReport, example_report, render_report, write_report
from minegas.reports import writer as writer_mod


def test_names_and_formats(written: dict[str, dict[str, Path]]) -> None:
    for lang in ("zh", "en"):
        paths = written[lang]
        assert set(paths) == set(FORMATS)
        for fmt, p in paths.items():
            assert p.name == f"990521000001_2025-03-01--2025-03-07_{lang}.{fmt}"
            assert p.stat().st_size > 1000
            assert stat.S_IMODE(p.stat().st_mode) == 0o644
        assert paths["pdf"].read_bytes().startswith(b"%PDF-")
        assert paths["xlsx"].read_bytes().startswith(b"PK")
        assert json.loads(paths["json"].read_text("utf-8"))["meta"]["language"] == lang
        assert paths["html"].read_text("utf-8").startswith("<!DOCTYPE html>")
    folder = written["zh"]["pdf"].parent
    assert not [p for p in folder.iterdir() if p.name.startswith(".")]  # no temporary files left


def test_idempotent(tmp_path: Path, cjk_font: list[str]) -> None:
    r = example_report("zh")
    a = write_report(r, tmp_path, formats=("xlsx", "html", "json", "pdf"))
    first = {f: p.read_bytes() for f, p in a.items()}
    b = write_report(r, tmp_path, formats=("xlsx", "html", "json", "pdf"))
    assert a == b
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(p.name for p in a.values())
    for f in ("xlsx", "html", "json"):  # byte-identical (the PDF's font subsets carry a timestamp)
        assert b[f].read_bytes() == first[f], f


def test_inconsistent_report_writes_nothing(tmp_path: Path) -> None:
    r = example_report("zh")
    write_report(r, tmp_path, formats=("json",))
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    bad = dataclasses.replace(r, balance=dataclasses.replace(r.balance, residual_nm3=0.0, residual_t=0.0))
    with pytest.raises(InputError, match="inconsistent; nothing was written") as exc:
        write_report(bad, tmp_path, formats=("json", "xlsx"))
    assert any(p.field == "balance" for p in exc.value.problems)
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before


def test_render_failure_leaves_previous_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    r = example_report("en")
    paths = write_report(r, tmp_path, formats=("json", "html"), lang="en")
    before = {p: p.read_bytes() for p in paths.values()}

    def broken(_: MrvReport) -> bytes:
        raise RuntimeError("renderer crashed")

    real = writer_mod._renderers

    def renderers() -> dict[str, Callable[[MrvReport], bytes]]:
        d = dict(real())
        d["html"] = broken
        return d

    monkeypatch.setattr(writer_mod, "_renderers", renderers)
    changed = dataclasses.replace(r, meta=dataclasses.replace(r.meta, software_version="9.9.9"))
    with pytest.raises(RuntimeError, match="renderer crashed"):
        write_report(changed, tmp_path, formats=("json", "html"), lang="en")
    assert {p: p.read_bytes() for p in paths.values()} == before  # json not rewritten either
    assert sorted(tmp_path.iterdir()) == sorted(paths.values())


def test_atomic_write_cleans_up_on_failure(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "x.bin"
    target.write_bytes(b"old")

    def fail(*_: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(writer_mod.os, "fsync", fail)
    with pytest.raises(OSError, match="No space left"):
        writer_mod.atomic_write_bytes(target, b"new")
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["x.bin"]


def test_bad_format_and_language(tmp_path: Path) -> None:
    r = example_report("zh")
    with pytest.raises(InputError, match="unknown report format") as exc:
        write_report(r, tmp_path, formats=("docx",))
    assert exc.value.problems[0].value == "docx" and "xlsx" in (exc.value.problems[0].fix or "")
    with pytest.raises(InputError, match="unknown report format"):
        write_report(r, tmp_path, formats=())
    with pytest.raises(InputError, match="unsupported report language"):
        write_report(r, tmp_path, formats=("json",), lang="fr")  # type: ignore[arg-type]
    assert list(tmp_path.iterdir()) == []


def test_render_report_language_override(cjk_font: list[str]) -> None:
    blobs = render_report(example_report("zh"), formats=("html", "json"), lang="en")
    assert b'<html lang="en">' in blobs["html"]
    assert json.loads(blobs["json"])["meta"]["language"] == "en"
