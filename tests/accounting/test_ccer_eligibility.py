"""CCER-10-001-V01 eligibility — the shared function (MRV research note §4.1)."""

from __future__ import annotations

import pytest

from minegas.accounting.methods.ccer_cmm import (
    GasSource,
    ccer_eligibility,
    revocation_triggered,
    source_is_eligible,
)
from minegas.errors import MethodologyError


def test_vam_rto_with_heat_is_eligible():
    e = ccer_eligibility([GasSource("VAM", "vam", 0.3, 1e6)], flameless_oxidation=True, heat_used=True)
    assert e.eligible and e.eligible_ch4_share == 1.0


@pytest.mark.parametrize(("kw", "reason"), [
    ({"flameless_oxidation": False, "heat_used": True}, "flameless"),
    ({"flameless_oxidation": True, "heat_used": False}, "destroy-only"),
    ({"flameless_oxidation": True, "heat_used": True, "mine_closed": True}, "closed"),
    ({"flameless_oxidation": True, "heat_used": True, "underground_mine": False}, "underground"),
])
def test_project_conditions(kw, reason):
    e = ccer_eligibility([GasSource("VAM", "vam", 0.3, 1e6)], **kw)
    assert not e.eligible and e.eligible_ch4_share == 0.0
    assert any(reason in r for r in e.reasons)


def test_fuyan_blend_share():
    # seed 003 §4.4 (伏岩): VAM 0.2–0.3 % + 3–6 % drained + > 30 % drained gas blended to 1.2 %.
    # Illustrative split of 5184万 Nm³ CH4: VAM 0.25 % in 87.0 % of 540 000 Nm³/h … here by CH4 volumes.
    srcs = [GasSource("VAM", "vam", 0.25, 1200e4), GasSource("low", "drained", 4.5, 1500e4),
            GasSource("high", "drained", 35.0, 2484e4)]
    e = ccer_eligibility(srcs, flameless_oxidation=True, heat_used=True)
    assert e.eligible
    assert e.excluded_sources == ["high"]
    assert e.eligible_ch4_share == pytest.approx((1200 + 1500) / 5184)


def test_dilution_of_8pct_gas_excluded():
    ok, why = source_is_eligible(GasSource("diluted", "drained", 6.0, diluted_from_pct=12.0))
    assert not ok and "diluting" in why
    ok, _ = source_is_eligible(GasSource("natural 7.9", "drained", 7.9))
    assert ok
    ok, _ = source_is_eligible(GasSource("8.0", "drained", 8.0))
    assert not ok
    e = ccer_eligibility([GasSource("hi", "drained", 12.0, 1.0)], flameless_oxidation=True, heat_used=True)
    assert not e.eligible and "no source" in e.reasons[-1]
    with pytest.raises(MethodologyError):
        source_is_eligible(GasSource("x", "drained", 120.0))


def test_revocation_rule():
    assert revocation_triggered(1001.0, 1000.0)
    assert not revocation_triggered(1000.0, 1000.0)
    assert not revocation_triggered(1004.0, 1000.0, tolerance_frac=0.005)
