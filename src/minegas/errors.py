"""One exception hierarchy for minegas, and the CLI exit codes it maps to.

Exit codes (docs/conventions.md §9): 0 ok, 1 error, 2 input rejected or problem infeasible.
Messages say what went wrong, where (file:line, field, point code) and how to fix it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_REJECTED = 2


@dataclass(frozen=True)
class Problem:
    """One located problem in an input: where it is, what is wrong, how to fix it.

    Parameters
    ----------
    message : what is wrong.
    file : the input file (or a logical source name).
    line : 1-based line or record number within ``file`` (None when not applicable).
    field : the column, attribute or field name.
    value : the offending value as read.
    fix : what the user should do.
    """

    message: str
    file: str | None = None
    line: int | None = None
    field: str | None = None
    value: str | None = None
    fix: str | None = None

    def __str__(self) -> str:
        where = ""
        if self.file is not None:
            where = self.file + (f":{self.line}" if self.line is not None else "")
        parts = [p for p in (where, f"field '{self.field}'" if self.field else "") if p]
        head = ": ".join([", ".join(parts), self.message]) if parts else self.message
        if self.value is not None:
            head += f" (got {self.value!r})"
        if self.fix:
            head += f" — fix: {self.fix}"
        return head


class MinegasError(Exception):
    """Base class of every error minegas raises on purpose. CLI exit code 1."""

    exit_code = EXIT_ERROR


class ConfigError(MinegasError):
    """Bad configuration: settings, environment, data home, database URL."""


class MethodologyError(MinegasError):
    """A calculation was asked for outside what its methodology defines (e.g. an undefined GWP horizon,
    a density whose reference state differs from the volume's). Exit code 2: the request is rejected."""

    exit_code = EXIT_REJECTED


class InputError(MinegasError):
    """Input rejected: a file, record, option or value that minegas will not accept. Exit code 2.

    Carries a list of located :class:`Problem` items; ``str()`` lists them all.
    """

    exit_code = EXIT_REJECTED

    def __init__(self, message: str, problems: list[Problem] | None = None) -> None:
        self.problems: list[Problem] = list(problems or [])
        self.summary = message
        super().__init__(self._render())

    def _render(self) -> str:
        if not self.problems:
            return self.summary
        lines = [self.summary] + [f"  - {p}" for p in self.problems[:50]]
        if len(self.problems) > 50:
            lines.append(f"  … and {len(self.problems) - 50} more")
        return "\n".join(lines)


class InfeasibleError(MinegasError):
    """An optimisation or design problem has no feasible solution. Exit code 2.

    ``binding`` names the constraints that make it infeasible.
    """

    exit_code = EXIT_REJECTED

    def __init__(self, message: str, binding: list[str] | None = None) -> None:
        self.binding = list(binding or [])
        super().__init__(message + (f" (binding: {', '.join(self.binding)})" if self.binding else ""))


@dataclass
class ProblemList:
    """Collects problems during validation; raise them all at once with :meth:`raise_if_any`."""

    problems: list[Problem] = field(default_factory=list)

    def add(self, message: str, **where: object) -> None:
        self.problems.append(Problem(message, **where))  # type: ignore[arg-type]

    def __bool__(self) -> bool:
        return bool(self.problems)

    def raise_if_any(self, summary: str) -> None:
        if self.problems:
            raise InputError(summary, self.problems)
