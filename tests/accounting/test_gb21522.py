"""GB 21522 decision logic — the research note's decision table (§3.2), the reference-state flip, dates, operators."""

from __future__ import annotations

from datetime import date

import pytest

from minegas.accounting.methods import gb21522 as gb
from minegas.errors import InputError


@pytest.mark.parametrize(("q_mixed", "phi", "q_pure", "ban_2024", "ban_2008"), [
    (150, 9.0, 13.5, True, False),
    (100, 9.0, 9.0, False, False),
    (300, 6.0, 18.0, False, False),
    (40, 35.0, 14.0, True, True),
])
def test_decision_table(q_mixed, phi, q_pure, ban_2024, ban_2008):
    # MRV note §3.2, flows at the rule's reference state
    row = gb.decision(q_mixed, phi)
    assert row.q_pure_m3_min == pytest.approx(q_pure)
    assert (row.ban_2024, row.ban_2008) == (ban_2024, ban_2008)


def test_threshold_at_0c_is_9_318():
    # 10 m³/min at 20 °C is 10 × 273.15/293.15 = 9.3178 Nm³/min
    assert gb.GB21522_2024.threshold_nm3_min == pytest.approx(9.31776, abs=1e-5)


def test_reference_state_flip():
    # 9.5 Nm³/min (0 °C) is 9.5 × 293.15/273.15 = 10.1956 m³/min at 20 °C: banned at the 20 °C default, not at 0 °C
    v = gb.venting_ban_2024(9.0, 9.5, "0C")
    assert v.banned and v.banned_20c and not v.banned_0c and v.state_sensitive
    assert v.pure_flow_m3_min == pytest.approx(10.1956, abs=1e-4)
    v0 = gb.venting_ban_2024(9.0, 9.5, "0C", gb.Gb21522_2024(flow_ref_state="0C"))
    assert not v0.banned and v0.state_sensitive
    # 9.3 Nm³/min → 9.981 at 20 °C: banned at neither
    assert not gb.venting_ban_2024(9.0, 9.3).banned
    # a flow already at 20 °C is not converted
    assert gb.venting_ban_2024(9.0, 10.0, "20C").banned


@pytest.mark.parametrize(("op", "expected"), [(">=", True), (">", False)])
def test_operators_at_the_boundary(op, expected):
    p = gb.Gb21522_2024(conc_op=op, flow_op=op, flow_ref_state="0C")
    assert gb.venting_ban_2024(8.0, 10.0, "0C", p).banned is expected
    assert gb.venting_ban_2008(30.0, "drained", gb.Gb21522_2008(conc_op=op)) is expected


def test_2008_rule():
    assert gb.venting_ban_2008(5.0, "surface_cbm")  # surface CBM: any concentration
    assert not gb.venting_ban_2008(29.9)
    assert gb.venting_ban_2008(30.0)
    with pytest.raises(InputError):
        gb.venting_ban_2008(101.0)
    with pytest.raises(InputError):
        gb.venting_ban_2008(10.0, "vam")  # type: ignore[arg-type]


@pytest.mark.parametrize(("on", "status", "expected"), [
    (date(2008, 6, 30), "existing", []),
    (date(2008, 7, 1), "existing", ["GB 21522-2008"]),
    (date(2025, 3, 31), "new", ["GB 21522-2008"]),
    (date(2025, 4, 1), "new", ["GB 21522-2024"]),
    (date(2026, 6, 1), "existing", ["GB 21522-2008"]),
    (date(2027, 4, 1), "existing", ["GB 21522-2024"]),
])
def test_applicable_standards(on, status, expected):
    assert gb.applicable_standards(on, status) == expected


def test_bad_parameters():
    with pytest.raises(InputError):
        gb.Gb21522_2024(flow_ref_state="25C")
    with pytest.raises(InputError):
        gb.Gb21522_2024(conc_op="=>")  # type: ignore[arg-type]
    with pytest.raises(InputError):
        gb.venting_ban_2024(9.0, -1.0)
    with pytest.raises(InputError):
        gb.GB21522_2024.effective_for("old")  # type: ignore[arg-type]
