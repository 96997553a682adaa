"""SQLAlchemy models of period close and restatement (期间关账与更正; docs/reports.md "Period close and
restatement", service :mod:`minegas.accounting.close`).

- ``period_close`` — one row per (mine, period): the **original close**. Who closed it and when, the settings the
  figures were computed with (methodology and version, GWP set and horizon, gap rule, density, reference state,
  CO2e convention, parameter sets, software version), the figures as canonical JSON, the inputs as canonical
  JSON (input batches with their SHA-256, a digest of the stored rows, the store files, a registry digest), and
  the SHA-256 of the whole (``content_sha256``).
- ``restatement`` — restatement *n* (1, 2, …) of a closed period: the same content for the recomputed figures, the
  reason, the structured diff against the version before it (per figure: old, new, delta, %), and the hash of
  that previous version (``previous_sha256``), so the versions form a hash chain.

Rows are written once and never updated or deleted by minegas: a closed record is never overwritten, a change
after the close is a new restatement row. Both tables are written in one registry transaction per close or
restatement. Mine codes are plain strings (like the store's tables): a close record outlives registry edits.

The models share :class:`minegas.registry.models.Base`, so one chain of Alembic migrations builds them (migration
``0003_close``).
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from minegas.registry.models import Base, UTCDateTime, _in, _Stamped

CO2E_CONVENTIONS = ("gross", "net", "displaced")


class _Frozen:
    """Columns shared by the original close and a restatement: settings, figures, inputs and their hash."""

    methodology_id: Mapped[str] = mapped_column(sa.String(64), nullable=False,
                                                comment="accounting methodology id, e.g. CN-NDRC-2015-COAL")
    methodology_version: Mapped[str] = mapped_column(sa.String(200), nullable=False,
                                                     comment="methodology version text")
    gwp_set: Mapped[str] = mapped_column(sa.String(32), nullable=False, comment="GWP set (SAR, AR5, AR6 …)")
    gwp_horizon: Mapped[int] = mapped_column(sa.Integer, nullable=False, comment="GWP horizon [years]")
    gap_rule: Mapped[str] = mapped_column(sa.String(32), nullable=False,
                                          comment="gap rule (epa_98_325 | exclude | conservative)")
    density_name: Mapped[str] = mapped_column(sa.String(32), nullable=False, comment="named CH4 density")
    ref_state: Mapped[str] = mapped_column(sa.String(16), nullable=False, comment="reference state of volumes")
    co2e_convention: Mapped[str] = mapped_column(sa.String(16), nullable=False,
                                                 comment="headline CO2e convention (gross | net | displaced)")
    software_version: Mapped[str] = mapped_column(sa.String(64), nullable=False,
                                                  comment="minegas version that computed the figures")
    paramsets_json: Mapped[str] = mapped_column(sa.Text, nullable=False,
                                                comment="parameter sets used: JSON list of {id, version}")
    figures_json: Mapped[str] = mapped_column(sa.Text, nullable=False,
                                              comment="the frozen figures (canonical JSON)")
    inputs_json: Mapped[str] = mapped_column(sa.Text, nullable=False,
                                             comment="the frozen inputs: batches + SHA-256, data and registry "
                                                     "digests, store files (canonical JSON)")
    figures_sha256: Mapped[str] = mapped_column(sa.String(64), nullable=False,
                                                comment="SHA-256 of figures_json")
    inputs_sha256: Mapped[str] = mapped_column(sa.String(64), nullable=False,
                                               comment="SHA-256 of the hashed part of the inputs")
    content_sha256: Mapped[str] = mapped_column(sa.String(64), nullable=False,
                                                comment="SHA-256 of the whole (settings, figures, inputs)")


class PeriodCloseRecord(_Frozen, _Stamped, Base):
    """The original close of one mine's period: frozen figures and inputs with their hash (never updated)."""

    __tablename__ = "period_close"
    __table_args__ = (
        sa.UniqueConstraint("mine_code", "period_label"),
        sa.CheckConstraint(_in("co2e_convention", CO2E_CONVENTIONS), name="co2e_convention"),
        sa.CheckConstraint("period_end > period_start", name="period_order"),
        {"comment": "period close (期间关账): frozen figures and inputs of one mine and period, hashed"},
    )

    mine_code: Mapped[str] = mapped_column(sa.String(64), nullable=False, comment="煤矿编码")
    period_label: Mapped[str] = mapped_column(sa.String(32), nullable=False,
                                              comment="period as parsed (2025-03, 2025-Q1, 2025-03-01..2025-03-07)")
    period_start: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, comment="period start [UTC]")
    period_end: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False,
                                                 comment="period end, exclusive [UTC]")
    closed_by: Mapped[str] = mapped_column(sa.String(200), nullable=False, comment="who closed the period")
    closed_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, comment="when [UTC]")
    note: Mapped[str | None] = mapped_column(sa.Text, comment="free text")


class RestatementRecord(_Frozen, _Stamped, Base):
    """Restatement *n* of a closed period: recomputed figures, the reason and the diff (never updated)."""

    __tablename__ = "restatement"
    __table_args__ = (
        sa.UniqueConstraint("close_id", "restatement_no"),
        sa.CheckConstraint("restatement_no >= 1", name="restatement_no"),
        sa.CheckConstraint(_in("co2e_convention", CO2E_CONVENTIONS), name="co2e_convention"),
        {"comment": "restatements (更正) of closed periods: numbered, with a diff against the previous version"},
    )

    close_id: Mapped[int] = mapped_column(sa.ForeignKey("period_close.id"), index=True, nullable=False,
                                          comment="the closed period restated")
    restatement_no: Mapped[int] = mapped_column(sa.Integer, nullable=False,
                                                comment="1 for the first restatement, then 2, 3 …")
    restated_by: Mapped[str] = mapped_column(sa.String(200), nullable=False, comment="who restated")
    restated_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, comment="when [UTC]")
    reason: Mapped[str] = mapped_column(sa.Text, nullable=False, comment="why (late data, registry correction …)")
    previous_sha256: Mapped[str] = mapped_column(sa.String(64), nullable=False,
                                                 comment="content_sha256 of the version this one replaces")
    diff_json: Mapped[str] = mapped_column(sa.Text, nullable=False,
                                           comment="changes against the previous version (JSON: figures with old, "
                                                   "new, delta, %; inputs added and removed)")


CLOSE_MODELS: dict[str, type[Base]] = {
    "period_close": PeriodCloseRecord,
    "restatement": RestatementRecord,
}
"""Table name → model of the close tables (dependency order)."""
