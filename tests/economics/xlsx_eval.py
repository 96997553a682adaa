"""A small, independent evaluator of the Excel formulas the economics export writes.

It parses formulas with openpyxl's tokenizer and evaluates them recursively from the workbook's cells: numbers,
cell and range references (with sheet names and ``$``), defined names, the operators ``+ - * / ^ = < > <= >= <>`` and
unary minus, and the functions ``SUM MIN MAX IF AND ABS PMT NPV IRR``. ``IRR`` is delegated to numpy-financial,
``PMT`` and ``NPV`` are written out from their Excel definitions. Nothing here imports minegas, so a match with the
engine is an independent check.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import numpy_financial as npf
import openpyxl
from openpyxl.formula import Tokenizer
from openpyxl.utils.cell import column_index_from_string, range_boundaries

_CELL = re.compile(r"^\$?([A-Z]{1,3})\$?(\d+)$")


class Evaluator:
    def __init__(self, path: Any) -> None:
        self.wb = openpyxl.load_workbook(path)
        self.names = {n: d.attr_text for n, d in self.wb.defined_names.items()}
        self.cache: dict[tuple[str, str], Any] = {}

    def set(self, sheet: str, addr: str, value: float) -> None:
        """Change an input cell (and forget every cached result)."""
        self.wb[sheet][addr].value = value
        self.cache.clear()

    def set_name(self, name: str, value: float) -> None:
        sheet, addr = self.names[name].split("!")
        self.set(sheet, addr.replace("$", ""), value)

    # -- references ---------------------------------------------------------------------------------------------
    def cell(self, sheet: str, addr: str) -> Any:
        key = (sheet, addr.replace("$", ""))
        if key not in self.cache:
            v = self.wb[sheet][key[1]].value
            if isinstance(v, str) and v.startswith("="):
                v = self.formula(sheet, v[1:])
            self.cache[key] = 0.0 if v is None else v
        return self.cache[key]

    def ref(self, sheet: str, text: str) -> Any:
        if text in self.names:
            text = self.names[text]
        if "!" in text:
            sheet, text = text.split("!")
            sheet = sheet.strip("'")
        if ":" in text:
            c1, r1, c2, r2 = range_boundaries(text.replace("$", ""))
            return [self.cell(sheet, f"{openpyxl.utils.get_column_letter(c)}{r}")
                    for r in range(r1, r2 + 1) for c in range(c1, c2 + 1)]
        if not _CELL.match(text):
            raise ValueError(f"unknown reference {text!r}")
        return self.cell(sheet, text)

    # -- parsing --------------------------------------------------------------------------------------------------
    def formula(self, sheet: str, text: str) -> Any:
        toks = [t for t in Tokenizer("=" + text).items if t.type != "WHITE-SPACE"]
        p = _Parser(self, sheet, toks)
        out = p.comparison()
        if p.i != len(toks):
            raise ValueError(f"trailing tokens in {text!r}")
        return out

    @staticmethod
    def _flat(args: list[Any]) -> list[float]:
        out: list[float] = []
        for a in args:
            out.extend(float(x) for x in (a if isinstance(a, list) else [a]))
        return out

    def call(self, name: str, args: list[Any]) -> Any:
        if name == "SUM":
            return sum(self._flat(args))
        if name == "MAX":
            return max(self._flat(args))
        if name == "MIN":
            return min(self._flat(args))
        if name == "ABS":
            return abs(args[0])
        if name == "AND":
            return all(bool(a) for a in args)
        if name == "IF":
            return args[1] if args[0] else (args[2] if len(args) > 2 else False)
        if name == "PMT":  # Excel: PMT(rate, nper, pv) with pv negative for a loan → positive payment
            rate, nper, pv = float(args[0]), float(args[1]), float(args[2])
            return -pv / nper if rate == 0 else -pv * rate / (1 - (1 + rate) ** -nper)
        if name == "NPV":  # Excel: Σ v_i / (1+r)^i, i = 1…n
            rate = float(args[0])
            vals = self._flat(args[1:])
            return sum(v / (1 + rate) ** (i + 1) for i, v in enumerate(vals))
        if name == "IRR":
            return float(npf.irr(np.asarray(self._flat(args), dtype=float)))
        raise ValueError(f"function {name} not supported by the test evaluator")

    def row_values(self, sheet: str, row: int, first_col: int, n: int) -> list[float]:
        """Evaluate ``n`` cells of a row starting at 1-based column ``first_col``."""
        return [float(self.cell(sheet, f"{openpyxl.utils.get_column_letter(first_col + i)}{row}")) for i in range(n)]

    def find_row(self, sheet: str, label_start: str) -> int:
        ws = self.wb[sheet]
        for r in range(1, ws.max_row + 1):
            v = ws.cell(r, 1).value
            if isinstance(v, str) and v.startswith(label_start):
                return r
        raise KeyError(label_start)


def column_of(letter: str) -> int:
    return column_index_from_string(letter)


class _Parser:
    """Recursive-descent parser/evaluator of one formula (its own state, so nested cells do not interfere)."""

    def __init__(self, ev: Evaluator, sheet: str, toks: list[Any]) -> None:
        self.ev, self.sheet, self.toks, self.i = ev, sheet, toks, 0

    def peek(self) -> Any:
        return self.toks[self.i] if self.i < len(self.toks) else None

    def take(self) -> Any:
        t = self.toks[self.i]
        self.i += 1
        return t

    def _infix(self, ops: tuple[str, ...]) -> str | None:
        t = self.peek()
        if t is not None and t.type == "OPERATOR-INFIX" and t.value in ops:
            self.take()
            return str(t.value)
        return None

    def comparison(self) -> Any:
        left = self.additive()
        while (op := self._infix(("=", "<", ">", "<=", ">=", "<>"))) is not None:
            right = self.additive()
            left = {"=": left == right, "<": left < right, ">": left > right, "<=": left <= right,
                    ">=": left >= right, "<>": left != right}[op]
        return left

    def additive(self) -> Any:
        left = self.multiplicative()
        while (op := self._infix(("+", "-"))) is not None:
            right = self.multiplicative()
            left = left + right if op == "+" else left - right
        return left

    def multiplicative(self) -> Any:
        left = self.power()
        while (op := self._infix(("*", "/"))) is not None:
            right = self.power()
            if op == "*":
                left = left * right
            else:  # #DIV/0! → NaN: harmless in the branch IF does not choose (both branches are evaluated here)
                left = left / right if right != 0 else float("nan")
        return left

    def power(self) -> Any:
        left = self.unary()
        while self._infix(("^",)) is not None:
            left = left ** self.unary()
        return left

    def unary(self) -> Any:
        t = self.peek()
        if t.type == "OPERATOR-PREFIX":
            self.take()
            v = self.unary()
            return -v if t.value == "-" else v
        return self.primary()

    def primary(self) -> Any:
        t = self.take()
        if t.type == "OPERAND":
            if t.subtype == "NUMBER":
                return float(t.value)
            if t.subtype == "TEXT":
                return t.value.strip('"')
            if t.subtype == "LOGICAL":
                return t.value.upper() == "TRUE"
            return self.ev.ref(self.sheet, t.value)
        if t.type == "PAREN" and t.subtype == "OPEN":
            v = self.comparison()
            close = self.take()
            assert close.type == "PAREN" and close.subtype == "CLOSE"
            return v
        if t.type == "FUNC" and t.subtype == "OPEN":
            name = t.value[:-1].upper()
            args = []
            nxt = self.peek()
            if nxt.type == "FUNC" and nxt.subtype == "CLOSE":
                self.take()
            else:
                while True:
                    args.append(self.comparison())
                    sep = self.take()
                    if sep.type == "FUNC" and sep.subtype == "CLOSE":
                        break
                    assert sep.type == "SEP", sep.value
            return self.ev.call(name, args)
        raise ValueError(f"unexpected token {t.value!r} ({t.type})")
