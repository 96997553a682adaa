"""MRV report writers: the report data model and its Excel, HTML and PDF renderings (docs/reports.md).

- :mod:`minegas.reports.model` — :class:`MrvReport`, the complete, engine-independent content of one report;
- :func:`write_report` — Excel (bilingual sheets), PDF and HTML (Chinese or English), JSON; atomic writes;
- :func:`example_report` — a small hand-made example (示例) for tests and documentation.
"""

from minegas.reports.example import example_report
from minegas.reports.model import (
    BalanceLine,
    CalibrationRow,
    Co2eFigure,
    DailyRow,
    InputBatch,
    MineBalance,
    MrvReport,
    ParamSetRef,
    PeriodClose,
    PointTotal,
    ReportMeta,
    RestatementDiff,
    Substitution,
    VerificationAppendix,
)
from minegas.reports.writer import FORMATS, render_report, write_report

__all__ = [
    "FORMATS", "BalanceLine", "CalibrationRow", "Co2eFigure", "DailyRow", "InputBatch", "MineBalance", "MrvReport",
    "ParamSetRef", "PeriodClose", "PointTotal", "ReportMeta", "RestatementDiff", "Substitution",
    "VerificationAppendix", "example_report", "render_report", "write_report",
]
