"""Parameter sets: one dated, sourced, versioned file format for policies, technology defaults,
emission factors and reference data (docs/conventions.md §8).

A parameter set is a YAML file; :func:`load_paramset` validates it and returns a :class:`ParamSet`.
Validation errors name the file, the parameter and the fix. Code reads values with
``ps.value("name")`` so that every figure used can be traced to its source with ``ps.param("name")``.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from minegas.errors import InputError, Problem

Confidence = Literal["verified", "secondary", "unverified", "assumption"]
Kind = Literal["policy", "technology", "factor", "reference"]


class Source(BaseModel):
    """A document a value comes from (with the section, table or clause)."""

    model_config = ConfigDict(extra="forbid")
    id: str
    document: str
    section: str | None = None
    url: str | None = None
    note: str | None = None


class Param(BaseModel):
    """One named value with unit, source and confidence."""

    model_config = ConfigDict(extra="forbid")
    value: Any
    unit: str
    source: str | None = None
    confidence: Confidence
    range: tuple[float, float] | None = None
    note: str | None = None

    @model_validator(mode="after")
    def _assumption_has_range(self) -> Param:
        numeric = isinstance(self.value, int | float) and not isinstance(self.value, bool)
        if self.confidence == "assumption" and self.range is None and numeric:
            raise ValueError("an 'assumption' needs a 'range' [low, high]")
        if self.range is not None and self.range[0] > self.range[1]:
            raise ValueError("range must be [low, high] with low <= high")
        return self


class Table(BaseModel):
    """A named table of records: ``columns`` maps column name to unit ("" for none)."""

    model_config = ConfigDict(extra="forbid")
    columns: dict[str, str]
    rows: list[dict[str, Any]]
    source: str | None = None
    note: str | None = None

    @model_validator(mode="after")
    def _rows_match_columns(self) -> Table:
        cols = set(self.columns)
        for i, row in enumerate(self.rows):
            extra = set(row) - cols
            if extra:
                raise ValueError(f"row {i + 1} has columns not declared in 'columns': {sorted(extra)}")
        return self


class Note(BaseModel):
    """A data-quality note: a contradiction or doubt in the sources, recorded rather than silently fixed."""

    model_config = ConfigDict(extra="forbid")
    id: str
    text: str
    source: str | None = None
    figures: dict[str, Any] | None = None


class ParamSet(BaseModel):
    """A validated parameter-set file."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    id: str = Field(alias="paramset")
    version: str
    kind: Kind
    title: dict[str, str]
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None
    sources: list[Source]
    parameters: dict[str, Param] = Field(default_factory=dict)
    tables: dict[str, Table] = Field(default_factory=dict)
    notes: list[Note] = Field(default_factory=list)
    path: str | None = Field(default=None, exclude=True)

    @model_validator(mode="after")
    def _check_dates(self) -> ParamSet:
        if self.valid_from and self.valid_to and self.valid_to <= self.valid_from:
            raise ValueError("valid_to must be after valid_from")
        return self

    def param(self, name: str) -> Param:
        """The full :class:`Param` record (value, unit, source, confidence)."""
        try:
            return self.parameters[name]
        except KeyError:
            raise KeyError(f"parameter set {self.id!r} has no parameter {name!r}; "
                           f"it has {sorted(self.parameters)}") from None

    def value(self, name: str) -> Any:
        """The value of parameter ``name``."""
        return self.param(name).value

    def table(self, name: str) -> Table:
        """The named table."""
        try:
            return self.tables[name]
        except KeyError:
            raise KeyError(f"parameter set {self.id!r} has no table {name!r}; it has {sorted(self.tables)}") from None

    def valid_on(self, day: dt.date) -> bool:
        """True if ``day`` lies in ``[valid_from, valid_to)``."""
        return (self.valid_from is None or self.valid_from <= day) and (self.valid_to is None or day < self.valid_to)

    def citation(self, name: str) -> str:
        """Human-readable citation of a parameter: document, section, confidence."""
        p = self.param(name)
        src = next((s for s in self.sources if s.id == p.source), None)
        where = f"{src.document}" + (f", {src.section}" if src and src.section else "") if src else "no source"
        return f"{self.id} v{self.version}: {name} = {p.value} {p.unit} ({where}; {p.confidence})"


def _row_sources(v: Any) -> list[str]:
    """Source ids cited by a table row's ``source`` cell (one id, or a list of ids)."""
    if v is None or v == "":
        return []
    if isinstance(v, list | tuple):
        return [str(x) for x in v]
    return [str(v)]


class _StrictLoader(yaml.SafeLoader):
    """A safe YAML loader that rejects a key repeated in one mapping (plain YAML keeps the last silently)."""


def _construct_mapping_no_duplicates(loader: _StrictLoader, node: yaml.MappingNode, deep: bool = False) -> Any:
    seen: dict[Any, int] = {}
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        try:
            hash(key)
        except TypeError:
            continue  # unhashable keys are rejected by the constructor below with its own message
        if key in seen:
            raise yaml.constructor.ConstructorError(
                "while constructing a mapping", node.start_mark,
                f"found duplicate key {key!r} (first at line {seen[key]})", key_node.start_mark)
        seen[key] = key_node.start_mark.line + 1
    return loader.construct_mapping(node, deep=deep)


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping_no_duplicates)


def _reference_problems(ps: ParamSet, origin: str) -> list[Problem]:
    """Located problems in the references of a structurally valid set: every source cited by a parameter, table,
    table row or note must be declared in ``sources``; note ids are unique."""
    ids = {s.id for s in ps.sources}
    out: list[Problem] = []

    def cite(sid: str | None, fld: str) -> None:
        if sid is not None and sid not in ids:
            out.append(Problem(f"cites unknown source {sid!r}", file=origin, field=fld, value=sid,
                               fix="declare the source in 'sources'"))

    for name, p in ps.parameters.items():
        cite(p.source, f"parameters.{name}.source")
    for name, t in ps.tables.items():
        cite(t.source, f"tables.{name}.source")
        if "source" in t.columns:  # a per-row source column
            for r, row in enumerate(t.rows):
                for sid in _row_sources(row.get("source")):
                    cite(sid, f"tables.{name}.rows.{r}.source")
    seen: set[str] = set()
    for i, n in enumerate(ps.notes):
        if n.id in seen:
            out.append(Problem("duplicate note id", file=origin, field=f"notes.{i}.id", value=n.id,
                               fix="give every note in the set its own id"))
        seen.add(n.id)
        cite(n.source, f"notes.{i}.source")
    return out


def parse_paramset(data: dict[str, Any], origin: str = "<memory>") -> ParamSet:
    """Validate a mapping as a parameter set; ``origin`` names it in error messages."""
    try:
        ps = ParamSet.model_validate(data)
    except ValidationError as exc:
        problems = [
            Problem(err["msg"], file=origin, field=".".join(str(x) for x in err["loc"]) or None,
                    fix="see docs/conventions.md §8 for the parameter-set format")
            for err in exc.errors()
        ]
        raise InputError(f"{origin}: not a valid parameter set", problems) from None
    problems = _reference_problems(ps, origin)
    if problems:
        raise InputError(f"{origin}: not a valid parameter set", problems)
    ps.path = origin
    return ps


def load_paramset(path: str | Path) -> ParamSet:
    """Load and validate one parameter-set YAML file.

    Rejects, besides an invalid parameter set: text that is not UTF-8, YAML syntax errors, and a key repeated
    within one mapping (plain YAML would silently keep the last value).

    Raises
    ------
    InputError
        With the file, line (where known), field and fix.
    """
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"{p}: not UTF-8", [Problem(f"not UTF-8 text ({exc.reason} at byte {exc.start})",
                         file=str(p), fix="save the file as UTF-8")]) from None
    try:
        data = yaml.load(text, Loader=_StrictLoader)  # a SafeLoader subclass: no arbitrary objects
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        dup = "duplicate key" in str(problem)
        raise InputError(f"{p}: not valid YAML", [Problem(str(problem), file=str(p),
                         line=(mark.line + 1) if mark else None,
                         fix="remove or rename the repeated key" if dup else "correct the YAML syntax")]) from None
    except RecursionError:
        raise InputError(f"{p}: not valid YAML", [Problem("nesting too deep", file=str(p),
                         fix="flatten the YAML structure")]) from None
    if not isinstance(data, dict):
        raise InputError(f"{p}: not a parameter set", [Problem("top level must be a mapping", file=str(p))])
    return parse_paramset(data, str(p))
