"""The Python API of the MRV engine (docs/mrv.md): totals, balances, roll-ups, completeness, methodology runs and
compliance checks over the measurement store, as Arrow, Polars or pandas frames or dataclasses.

Every function takes the store as ``store=`` (default: the data home's, :meth:`Store.open`, opened and closed
per call) and ``engine=`` (``duckdb`` or ``pyspark`` or an Ibis connection). Table results come as
``output="arrow"`` (a :class:`pyarrow.Table`, default), ``"polars"`` or ``"pandas"``; dataclass results
(:class:`~minegas.accounting.balance.MineBalance`, :class:`~minegas.accounting.runs.MethodologyRun`) have
``to_dict()``, ``to_pandas()`` and ``to_polars()``.

>>> from minegas.accounting import api
>>> t = api.station_totals("2025-03", mines=["990525000001"], gap_rule="epa_98_325", output="polars")
>>> b = api.mine_balance("990525000001", "2025-03", methodology="cn-2015", gwp="SAR")
>>> b.utilization_rate_drained_frac, b.co2e_of("gross").co2e_t
>>> api.rollup("county", "2025-03")
>>> api.check("990525000001", "2025-03")          # list of compliance Findings
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, Literal

import pyarrow as pa

from minegas.accounting import balance as B
from minegas.accounting import completeness as CP
from minegas.accounting import engine as E
from minegas.accounting import runs as R
from minegas.errors import InputError, Problem

if TYPE_CHECKING:
    from minegas.accounting.compliance import Finding
    from minegas.accounting.gaps import GapRule
    from minegas.measurements.store import Store

Output = Literal["arrow", "polars", "pandas"]


def as_output(table: pa.Table, output: Output = "arrow") -> Any:
    """A :class:`pyarrow.Table` as ``arrow`` (itself), ``polars`` (a DataFrame) or ``pandas`` (a DataFrame)."""
    if output == "arrow":
        return table
    if output == "polars":
        import polars as pl

        return pl.from_arrow(table)
    if output == "pandas":
        return table.to_pandas()
    raise InputError("bad output", [Problem(f"unknown output {output!r}", field="output", value=str(output),
                                            fix="use arrow, polars or pandas")])


@contextlib.contextmanager
def _store(store: Store | None) -> Iterator[Store]:
    if store is not None:
        yield store
        return
    from minegas.measurements.store import Store

    s = Store.open(migrate=False)
    try:
        yield s
    finally:
        s.close()


def methodology_ids() -> dict[str, str]:
    """Balance methodology name → methodology id (e.g. ``'cn-2015' → 'CN-NDRC-2015-COAL'``), for
    :func:`mine_balance` and the reports."""
    return {k: m.methodology_id for k, m in B.METHODS.items()}


def methodologies() -> dict[str, B.BalanceMethod]:
    """The balance methodologies (:class:`~minegas.accounting.balance.BalanceMethod`: id, version, density, default
    GWP set and gap rule, destruction and post-mining conventions) by name."""
    return dict(B.METHODS)


def station_totals(period: str, mines: list[str] | None = None, *, stations: list[str] | None = None,
                   gap_rule: GapRule | str | None = "exclude", engine: str | Any = "duckdb", by: E.By = "period",
                   density: str = E.DEFAULT_DENSITY, parameters: bool = False, flags: bool = False,
                   output: Output = "arrow", store: Store | None = None) -> Any:
    """Per station and period (or day/month/quarter/year): mixed and pure CH4 Nm³ at 0 °C, CH4 t (named density),
    means, seconds measured/substituted/missing, registry context (:func:`minegas.accounting.engine.
    station_totals`)."""
    with _store(store) as s:
        return as_output(E.station_totals(s, period, mine_codes=mines, station_codes=stations, gap_rule=gap_rule,
                                          engine=engine, by=by, density=density, parameters=parameters,
                                          flags=flags), output)


def point_totals(period: str, mines: list[str] | None = None, *, points: list[str] | None = None,
                 gap_rule: GapRule | str | None = "exclude", engine: str | Any = "duckdb", by: E.By = "period",
                 flags: bool = False, output: Output = "arrow", store: Store | None = None) -> Any:
    """Per monitoring point and period: integral, mean, seconds, in the point's canonical unit and meter basis
    (:func:`minegas.accounting.engine.point_totals`)."""
    with _store(store) as s:
        return as_output(E.point_totals(s, period, mine_codes=mines, point_codes=points, gap_rule=gap_rule,
                                        engine=engine, by=by, flags=flags), output)


def substitutions(mine: str, period: str, *, level: Literal["station", "point"] = "point",
                  gap_rule: GapRule | str = "epa_98_325", engine: str | Any = "duckdb", output: Output = "arrow",
                  store: Store | None = None) -> Any:
    """Every substituted gap of a mine and period (数据替代记录, :func:`minegas.accounting.engine.substitutions`)."""
    with _store(store) as s:
        return as_output(E.substitutions(s, period, level=level, mine_codes=[mine], gap_rule=gap_rule,
                                         engine=engine), output)


def counter_crosscheck(period: str, mines: list[str] | None = None, *, engine: str | Any = "duckdb",
                       output: Output = "arrow", store: Store | None = None) -> Any:
    """Totaliser stations against their integrated instantaneous flow
    (:func:`minegas.accounting.engine.counter_crosscheck`)."""
    with _store(store) as s:
        return as_output(E.counter_crosscheck(s, period, mine_codes=mines, engine=engine), output)


def flag_counts(period: str, mines: list[str] | None = None, *, level: Literal["station", "point"] = "station",
                by: E.By = "period", engine: str | Any = "duckdb", output: Output = "arrow",
                store: Store | None = None) -> Any:
    """QA flag counts per station (aligned samples) or point (readings) and period."""
    with _store(store) as s:
        return as_output(E.flag_counts(s, period, level=level, mine_codes=mines, by=by, engine=engine), output)


def mine_balance(mine: str, period: str, *, methodology: str = "cn-2015", gwp: str | None = None, horizon: int = 100,
                 gap_rule: GapRule | str | None = None, engine: str | Any = "duckdb",
                 grid_ef_t_per_mwh: float | None = None, heat_ef_t_per_gj: float | None = None,
                 residual_as_emitted: bool = True, store: Store | None = None) -> B.MineBalance:
    """The mine methane balance (:class:`~minegas.accounting.balance.MineBalance`): drained by system, utilized /
    flared / vented / transferred by unit, residual, VAM liberated / oxidized / released, destroyed, emitted,
    post-mining, rates, CO2e under the three conventions, daily lines, provenance. ``gap_rule`` None = the
    methodology's default; ``gwp`` None = the methodology's default set."""
    with _store(store) as s:
        return B.mine_balance(s, mine, period, methodology=methodology, gwp_set=gwp, horizon=horizon,
                              gap_rule=gap_rule, engine=engine, grid_ef_t_per_mwh=grid_ef_t_per_mwh,
                              heat_ef_t_per_gj=heat_ef_t_per_gj, residual_as_emitted=residual_as_emitted)


def mine_balances(period: str, mines: list[str] | None = None, *, methodology: str = "cn-2015",
                  gwp: str | None = None, horizon: int = 100, gap_rule: GapRule | str | None = None,
                  engine: str | Any = "duckdb", store: Store | None = None) -> dict[str, B.MineBalance]:
    """Balances of several mines (one totals query): mine code → :class:`~minegas.accounting.balance.MineBalance`."""
    with _store(store) as s:
        return B.mine_balances(s, period, mine_codes=mines, methodology=methodology, gwp_set=gwp, horizon=horizon,
                               gap_rule=gap_rule, engine=engine)


def _mines_of(s: Store, level: str, codes: list[str] | None) -> list[str] | None:
    """The mines under the given enterprise/county/city/province codes (None: every mine)."""
    if codes is None or level in ("region",):
        return None
    from minegas.registry import repository as repo

    with s.session() as ss:
        mines = repo.mines(ss)
    attr = {"mine": "code", "enterprise": "enterprise_code", "county": "county_code", "city": "city_code",
            "province": "province_code"}[level]
    want = set(codes)
    out = [m.code for m in mines if getattr(m, attr) in want]
    if not out:
        raise InputError("nothing to roll up", [Problem(f"no mine under {level} {', '.join(sorted(want))}",
                                                        field=level, value=",".join(sorted(want)),
                                                        fix="check the codes (minegas registry show mines)")])
    return out


def rollup(level: str, period: str, *, codes: list[str] | None = None, methodology: str = "cn-2015",
           gwp: str | None = None, horizon: int = 100, gap_rule: GapRule | str | None = None,
           engine: str | Any = "duckdb", output: Output = "arrow", store: Store | None = None) -> Any:
    """Balances summed to ``level`` (``mine``, ``enterprise``, ``county``, ``city``, ``province``, ``region``),
    restricted to the groups ``codes`` (None: all). Rates are recomputed from the sums
    (:func:`minegas.accounting.balance.rollup`)."""
    if level not in B.LEVELS:
        raise InputError("bad roll-up level", [Problem(f"unknown level {level!r}", field="level", value=level,
                                                       fix=f"use one of {', '.join(B.LEVELS)}")])
    with _store(store) as s:
        mines = _mines_of(s, level, codes)
        bs = B.mine_balances(s, period, mine_codes=mines, methodology=methodology, gwp_set=gwp, horizon=horizon,
                             gap_rule=gap_rule, engine=engine)
        return as_output(B.rollup(bs.values(), level), output)


def completeness(mine: str | None, period: str, *, expected_per_day: float | None = None,
                 output: Output = "arrow", store: Store | None = None) -> Any:
    """Uploads received vs expected and station coverage per mine and CST day
    (:func:`minegas.accounting.completeness.upload_completeness`); ``mine`` None = every mine."""
    with _store(store) as s:
        return as_output(CP.upload_completeness(s, period, mine_codes=None if mine is None else [mine],
                                                expected_per_day=expected_per_day), output)


def run_methodology(name: str, mine: str, period: str, *, gwp: str | None = None, horizon: int = 100,
                    engine: str | Any = "duckdb", store: Store | None = None, **params: Any) -> R.MethodologyRun:
    """Apply ``epa-ff``, ``cn-2015``, ``ipcc-2006`` or ``ccer-10-001`` to a mine's store data
    (:func:`minegas.accounting.runs.run_methodology`)."""
    with _store(store) as s:
        return R.run_methodology(s, name, mine, period, gwp_set=gwp, horizon=horizon, engine=engine, **params)


def check(mine: str, period: str, *, mine_status: Literal["existing", "new"] = "existing",
          what_if_2024: bool = False, engine: str | Any = "duckdb", store: Store | None = None) -> list[Finding]:
    """Compliance findings of a mine and period (:func:`minegas.accounting.runs.check`)."""
    return list(check_run(mine, period, mine_status=mine_status, what_if_2024=what_if_2024, engine=engine,
                          store=store).findings)


def check_run(mine: str, period: str, *, mine_status: Literal["existing", "new"] = "existing",
              what_if_2024: bool = False, engine: str | Any = "duckdb", store: Store | None = None) -> R.ComplianceRun:
    """The compliance run with its findings, the rules applied and those skipped."""
    with _store(store) as s:
        return R.check(s, mine, period, mine_status=mine_status, what_if_2024=what_if_2024, engine=engine)


def findings_frame(findings: list[Finding] | tuple[Finding, ...], output: Output = "arrow") -> Any:
    """Findings as a table (evidence as JSON text)."""
    return as_output(R.findings_table(findings), output)


__all__ = ["as_output", "check", "check_run", "completeness", "counter_crosscheck", "findings_frame", "flag_counts",
           "methodologies",
           "methodology_ids", "mine_balance", "mine_balances", "point_totals", "rollup", "run_methodology",
           "station_totals", "substitutions"]
