from __future__ import annotations

from minegas.errors import EXIT_REJECTED, InfeasibleError, InputError, Problem, ProblemList


def test_problem_renders_location_and_fix():
    p = Problem("unknown mine", file="mines.csv", line=7, field="mine_code", value="X1", fix="add it to mines.csv")
    assert str(p) == "mines.csv:7, field 'mine_code': unknown mine (got 'X1') — fix: add it to mines.csv"


def test_problem_list_raises_all():
    pl = ProblemList()
    assert not pl
    pl.add("a", file="f", line=1)
    pl.add("b", file="f", line=2)
    try:
        pl.raise_if_any("2 problems")
    except InputError as e:
        assert e.exit_code == EXIT_REJECTED
        assert "f:1" in str(e) and "f:2" in str(e)
    else:
        raise AssertionError("expected InputError")


def test_infeasible_names_binding():
    e = InfeasibleError("no blend", ["capacity", "explosive band"])
    assert "binding: capacity, explosive band" in str(e) and e.exit_code == 2
