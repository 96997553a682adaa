"""Reference data and parameter sets shipped with minegas (docs/reference-data.md).

Every ``*.yaml`` file under this package directory (``reference/``, ``policies/``, ``cases/`` …, searched
recursively) is a parameter set in the format of docs/conventions.md §8, validated by
:mod:`minegas.paramsets`. Sets are addressed by their dotted id, e.g. ``reference.jincheng.baseline-2021``.

Figures from the source documents are stored **as printed** (value and printed unit, e.g. ``20.7`` ``亿m³``);
:func:`quantity` adds the value in base units (``2.07e9 m³``). Contradictions in the sources are kept as
data-quality notes (:func:`notes`), never silently fixed.

Examples
--------
>>> from minegas import data
>>> data.value("reference.jincheng.baseline-2021", "underground_drained_2021_yi_m3")
20.7
>>> data.table("reference.jincheng.cluster-targets", "cluster_output_value").attrs["units"]["y2025_yi_yuan"]
'亿元'
"""

from __future__ import annotations

import difflib
import re
import threading
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from minegas.errors import InputError, Problem
from minegas.paramsets import ParamSet, load_paramset

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "Catalog",
    "NoteRecord",
    "ParamSetSummary",
    "Quantity",
    "clear_cache",
    "data_dir",
    "list_paramsets",
    "load",
    "notes",
    "quantity",
    "table",
    "to_base_units",
    "value",
]

_FORMAT_FIX = "see docs/conventions.md §8 for the parameter-set format"


def data_dir() -> Path:
    """The directory holding the shipped parameter sets (this package's directory)."""
    return Path(__file__).resolve().parent


@dataclass(frozen=True)
class ParamSetSummary:
    """One line of :func:`list_paramsets`: id, version, kind, bilingual title and file path."""

    id: str
    version: str
    kind: str
    title: dict[str, str]
    path: str


@dataclass(frozen=True)
class NoteRecord:
    """A data-quality note (a contradiction or doubt in the sources) with the set it belongs to.

    ``citation`` is the cited source rendered as "document, section" (None when the note cites none).
    """

    paramset: str
    id: str
    text: str
    source: str | None
    citation: str | None
    figures: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Quantity:
    """A parameter's value as printed (``value``, ``unit``) and in base units (``base_value``, ``base_unit``).

    ``base_value`` is None for non-numeric values. Base units drop the Chinese magnitude prefixes
    (万 = 10⁴, 亿 = 10⁸, 万亿 = 10¹²) and printed powers of ten (×10⁸); nothing else is converted — volumes
    keep whatever reference state the source used (see the set's notes).
    """

    value: Any
    unit: str
    base_value: float | None
    base_unit: str


_SUPERSCRIPT = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁻", "0123456789-")
_POWER_RE = re.compile(r"^\s*[×x]\s*10([⁰¹²³⁴⁵⁶⁷⁸⁹⁻]+)\s*")
_PREFIXES: tuple[tuple[str, int], ...] = (("万亿", 12), ("亿", 8), ("万", 4))


def to_base_units(value: Any, unit: str) -> tuple[float | None, str]:
    """Convert a printed value to base units by removing magnitude prefixes from the unit.

    Parameters
    ----------
    value : the printed value (int or float; anything else gives ``None``).
    unit : the printed unit, e.g. ``亿m³``, ``万亿m³``, ``万t``, ``亿元``, ``×10⁸m³``, ``万m³/km²``.

    Returns
    -------
    (base_value, base_unit), e.g. ``(2.07e9, "m³")`` for ``(20.7, "亿m³")``. Units without a prefix come back
    unchanged. Only the leading prefix of the numerator is interpreted (万 = 10⁴, 亿 = 10⁸, 万亿 = 10¹²,
    ×10ⁿ = 10ⁿ: the Chinese counting units and printed powers of ten).
    """
    exponent = 0
    rest = unit
    m = _POWER_RE.match(rest)
    if m:
        exponent += int(m.group(1).translate(_SUPERSCRIPT))
        rest = rest[m.end():]
    for prefix, e in _PREFIXES:
        if rest.startswith(prefix) and len(rest) > len(prefix):
            exponent += e
            rest = rest[len(prefix):]
            break
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None, rest
    # decimal arithmetic keeps 8.31 万亿 = 8.31e12 exactly (no binary round-off from 8.31 * 1e12)
    return float(Decimal(repr(value)).scaleb(exponent)), rest


class Catalog:
    """All parameter sets found (recursively) under one directory, loaded once and validated together.

    Validation adds to :func:`minegas.paramsets.load_paramset`: set ids unique across files, note ids unique
    within a set, and every source cited by a note or by a table row (a ``source`` column holding an id or a
    list of ids) declared in the set's ``sources``. Problems in all files are reported together in one
    :class:`~minegas.errors.InputError` naming file and field.

    Parameters
    ----------
    root : the directory to search for ``*.yaml`` / ``*.yml`` files.
    """

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root)
        self._sets: dict[str, ParamSet] | None = None
        self._lock = threading.Lock()

    # -- loading -------------------------------------------------------------------------------------------
    def _files(self) -> list[Path]:
        return sorted(p for ext in ("*.yaml", "*.yml") for p in self.root.rglob(ext) if p.is_file())

    def _index(self) -> dict[str, ParamSet]:
        with self._lock:
            if self._sets is None:
                self._sets = self._load_all()
            return self._sets

    def _load_all(self) -> dict[str, ParamSet]:
        if not self.root.is_dir():
            raise InputError(f"{self.root}: parameter-set directory not found",
                             [Problem("directory does not exist", file=str(self.root),
                                      fix="point the catalog at an existing directory")])
        sets: dict[str, ParamSet] = {}
        problems: list[Problem] = []
        for path in self._files():
            try:
                ps = load_paramset(path)
            except InputError as exc:
                problems.extend(exc.problems or [Problem(exc.summary, file=str(path))])
                continue
            if ps.id in sets:
                problems.append(Problem("duplicate parameter-set id", file=str(path), field="paramset", value=ps.id,
                                        fix=f"give it a unique id; {sets[ps.id].path} already uses it"))
                continue
            sets[ps.id] = ps
        if problems:
            raise InputError(f"{self.root}: invalid parameter sets", problems)
        return sets

    def clear(self) -> None:
        """Forget the loaded sets; the next call reads the files again."""
        with self._lock:
            self._sets = None

    # -- queries -------------------------------------------------------------------------------------------
    def ids(self) -> list[str]:
        """All set ids, sorted."""
        return sorted(self._index())

    def summaries(self) -> list[ParamSetSummary]:
        """A summary of every set, sorted by id."""
        return [ParamSetSummary(ps.id, ps.version, ps.kind, dict(ps.title), ps.path or "")
                for _, ps in sorted(self._index().items())]

    def load(self, paramset_id: str) -> ParamSet:
        """The set with this dotted id.

        Raises
        ------
        KeyError
            For an unknown id; the message lists the closest known ids.
        """
        sets = self._index()
        try:
            return sets[paramset_id]
        except KeyError:
            close = difflib.get_close_matches(paramset_id, list(sets), n=5, cutoff=0.4)
            hint = f"did you mean {', '.join(close)}?" if close else f"known ids: {', '.join(sorted(sets))}"
            raise KeyError(f"no parameter set {paramset_id!r}; {hint}") from None

    def value(self, paramset_id: str, name: str) -> Any:
        """The value of parameter ``name`` of set ``paramset_id`` (as printed in its source)."""
        return self.load(paramset_id).value(name)

    def quantity(self, paramset_id: str, name: str) -> Quantity:
        """Parameter ``name`` as printed and in base units (see :class:`Quantity`)."""
        p = self.load(paramset_id).param(name)
        base, base_unit = to_base_units(p.value, p.unit)
        return Quantity(p.value, p.unit, base, base_unit)

    def table(self, paramset_id: str, name: str) -> pd.DataFrame:
        """Table ``name`` of set ``paramset_id`` as a DataFrame.

        Columns follow the table's ``columns`` declaration (missing cells are None/NaN).
        ``df.attrs`` holds ``units`` (column → unit, "" for none), ``paramset``, ``table``, ``source`` (the
        source id) and ``note``.
        """
        import pandas as pd

        t = self.load(paramset_id).table(name)
        df = pd.DataFrame.from_records(t.rows, columns=list(t.columns))
        df.attrs["units"] = dict(t.columns)
        df.attrs["paramset"] = paramset_id
        df.attrs["table"] = name
        df.attrs["source"] = t.source
        df.attrs["note"] = t.note
        return df

    def notes(self, paramset_id: str | None = None) -> list[NoteRecord]:
        """Data-quality notes of one set, or of every set (sorted by set id, then file order)."""
        selected = [self.load(paramset_id)] if paramset_id is not None else [
            ps for _, ps in sorted(self._index().items())]
        out: list[NoteRecord] = []
        for ps in selected:
            by_id = {s.id: s for s in ps.sources}
            for n in ps.notes:
                src = by_id.get(n.source) if n.source else None
                citation = (src.document + (f", {src.section}" if src.section else "")) if src else None
                out.append(NoteRecord(ps.id, n.id, n.text, n.source, citation, dict(n.figures or {})))
        return out


_default: Catalog | None = None
_default_lock = threading.Lock()


def _catalog() -> Catalog:
    global _default
    with _default_lock:
        if _default is None:
            _default = Catalog(data_dir())
        return _default


def clear_cache() -> None:
    """Forget the loaded shipped sets (e.g. after editing a file); the next call reads them again."""
    _catalog().clear()


def list_paramsets() -> list[ParamSetSummary]:
    """Every shipped parameter set (id, version, kind, title, path), sorted by id."""
    return _catalog().summaries()


def load(paramset_id: str) -> ParamSet:
    """The shipped parameter set with this dotted id (loaded once, then cached).

    Raises
    ------
    KeyError
        Unknown id (the message lists close matches).
    InputError
        A shipped file is invalid (names the file and field).
    """
    return _catalog().load(paramset_id)


def value(paramset_id: str, name: str) -> Any:
    """The value of parameter ``name`` in set ``paramset_id``, as printed in its source."""
    return _catalog().value(paramset_id, name)


def quantity(paramset_id: str, name: str) -> Quantity:
    """Parameter ``name`` of ``paramset_id`` as printed and in base units (see :class:`Quantity`)."""
    return _catalog().quantity(paramset_id, name)


def table(paramset_id: str, name: str) -> pd.DataFrame:
    """Table ``name`` of ``paramset_id`` as a DataFrame; ``df.attrs["units"]`` maps column → unit."""
    return _catalog().table(paramset_id, name)


def notes(paramset_id: str | None = None) -> list[NoteRecord]:
    """Data-quality notes (contradictions, doubtful figures) of one set or of all shipped sets."""
    return _catalog().notes(paramset_id)
