"""A thin, typed wrapper around HiGHS (highspy) for sparse LPs and MILPs.

Problems are given in the standard row form ``row_lo ≤ A x ≤ row_hi``, ``col_lo ≤ x ≤ col_hi``, objective
``c·x`` minimised or maximised, ``A`` a SciPy sparse matrix. Infinite bounds are ``±numpy.inf``. Only solver
plumbing lives here; models are built by :mod:`minegas.utilization.blending` and
:mod:`minegas.utilization.allocation`.

Dual values follow HiGHS: ``row_dual[r]`` is d(objective)/d(row bound) for the active bound, in the objective's
own sense (for a maximisation, a positive dual on a binding ``≤`` row means more room raises the optimum).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import highspy
import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class LpResult:
    """Outcome of one solve.

    ``status`` is HiGHS's model status text ('Optimal', 'Infeasible', 'Time limit reached', …); ``optimal`` is
    True for a proven optimum (within ``mip_rel_gap`` for a MILP). Arrays are empty when no solution exists.
    """

    status: str
    optimal: bool
    has_solution: bool
    objective: float
    x: FloatArray
    row_value: FloatArray
    row_dual: FloatArray
    col_dual: FloatArray
    dual_valid: bool
    mip_gap: float | None
    mip_dual_bound: float | None
    seconds: float
    num_col: int
    num_row: int
    num_nz: int
    num_int: int


def _finite(a: npt.ArrayLike) -> FloatArray:
    arr = np.asarray(a, dtype=float).copy()
    arr[arr == np.inf] = highspy.kHighsInf
    arr[arr == -np.inf] = -highspy.kHighsInf
    return arr


def solve(c: npt.ArrayLike, a: sp.spmatrix | sp.sparray, row_lo: npt.ArrayLike, row_hi: npt.ArrayLike,
          col_lo: npt.ArrayLike, col_hi: npt.ArrayLike, *, maximize: bool = False,
          integer: npt.ArrayLike | None = None, mip_rel_gap: float | None = None,
          time_limit_s: float | None = None, threads: int | None = None,
          feasibility_tol: float = 1e-9, offset: float = 0.0) -> LpResult:
    """Solve ``min/max c·x + offset`` s.t. ``row_lo ≤ A x ≤ row_hi``, ``col_lo ≤ x ≤ col_hi``.

    Parameters
    ----------
    integer : boolean mask of integer columns (a MILP if any is set).
    mip_rel_gap : relative MIP gap at which HiGHS stops (HiGHS default 1e-4 when None).
    time_limit_s : wall-clock limit; on reaching it the best solution found is returned with ``optimal`` False.
    threads : HiGHS thread count (default: HiGHS's choice).
    feasibility_tol : primal and dual feasibility tolerance.
    """
    t0 = time.perf_counter()
    cost = np.asarray(c, dtype=float)
    n = cost.size
    csc = sp.csc_array(a)
    m = csc.shape[0]
    if csc.shape[1] != n:
        raise ValueError(f"matrix has {csc.shape[1]} columns, cost vector {n}")
    lp = highspy.HighsLp()
    lp.num_col_ = n
    lp.num_row_ = m
    lp.col_cost_ = cost
    lp.offset_ = float(offset)
    lp.col_lower_ = _finite(col_lo)
    lp.col_upper_ = _finite(col_hi)
    lp.row_lower_ = _finite(row_lo)
    lp.row_upper_ = _finite(row_hi)
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.num_col_ = n
    lp.a_matrix_.num_row_ = m
    lp.a_matrix_.start_ = csc.indptr.astype(np.int32)
    lp.a_matrix_.index_ = csc.indices.astype(np.int32)
    lp.a_matrix_.value_ = csc.data.astype(float)
    lp.sense_ = highspy.ObjSense.kMaximize if maximize else highspy.ObjSense.kMinimize
    n_int = 0
    if integer is not None:
        mask = np.asarray(integer, dtype=bool)
        n_int = int(mask.sum())
        if n_int:
            lp.integrality_ = [highspy.HighsVarType.kInteger if b else highspy.HighsVarType.kContinuous
                               for b in mask]
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("primal_feasibility_tolerance", feasibility_tol)
    h.setOptionValue("dual_feasibility_tolerance", feasibility_tol)
    if mip_rel_gap is not None:
        h.setOptionValue("mip_rel_gap", float(mip_rel_gap))
    if time_limit_s is not None:
        h.setOptionValue("time_limit", float(time_limit_s))
    if threads is not None:
        h.setOptionValue("threads", int(threads))
    h.passModel(lp)
    h.run()
    ms = h.getModelStatus()
    status = h.modelStatusToString(ms)
    info = h.getInfo()
    sol = h.getSolution()
    has = bool(sol.value_valid)
    x = np.asarray(sol.col_value, dtype=float) if has else np.empty(0)
    rv = np.asarray(sol.row_value, dtype=float) if has else np.empty(0)
    dual_ok = bool(sol.dual_valid)
    rd = np.asarray(sol.row_dual, dtype=float) if dual_ok else np.empty(0)
    cd = np.asarray(sol.col_dual, dtype=float) if dual_ok else np.empty(0)
    optimal = ms == highspy.HighsModelStatus.kOptimal
    gap = float(info.mip_gap) if n_int else None
    bound = float(info.mip_dual_bound) if n_int else None
    obj = float(info.objective_function_value) if has else float("nan")
    return LpResult(status, optimal, has, obj, x, rv, rd, cd, dual_ok, gap, bound, time.perf_counter() - t0,
                    n, m, int(csc.nnz), n_int)
