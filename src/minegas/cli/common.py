"""Shared CLI plumbing: consoles, JSON output, error → exit-code mapping."""

from __future__ import annotations

import json
import math
import sys
from typing import Any

from rich.console import Console

from minegas.errors import InfeasibleError, InputError, MinegasError

console = Console()
err_console = Console(stderr=True)


def _clean(o: Any) -> Any:
    if isinstance(o, float) and not math.isfinite(o):
        return None
    if isinstance(o, dict):
        return {k: _clean(v) for k, v in o.items()}
    if isinstance(o, list | tuple):
        return [_clean(v) for v in o]
    return o


def print_json(obj: Any) -> None:
    """Print one JSON document on stdout (non-finite floats become null)."""
    sys.stdout.write(json.dumps(_clean(obj), ensure_ascii=False, indent=2, default=str) + "\n")


def report_error(exc: BaseException) -> int:
    """Print an error for a human and return the exit code (docs/conventions.md §9)."""
    if isinstance(exc, InputError):
        err_console.print(f"[bold red]输入被拒绝 input rejected:[/] {exc}", markup=True, highlight=False)
    elif isinstance(exc, InfeasibleError):
        err_console.print(f"[bold red]无可行解 infeasible:[/] {exc}", markup=True, highlight=False)
    elif isinstance(exc, MinegasError):
        err_console.print(f"[bold red]错误 error:[/] {exc}", markup=True, highlight=False)
    else:
        err_console.print(f"[bold red]内部错误 internal error:[/] {type(exc).__name__}: {exc}", markup=True,
                          highlight=False)
    return getattr(exc, "exit_code", 1)
