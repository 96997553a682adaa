"""Unit normalisation table of point configurations (minegas.registry.vocab).

Expected factors are hand-derived from the unit definitions: 1 h = 60 min, 万 = 10⁴ (conventions §5),
1 kPa = 1000 Pa, 1 MPa = 1000 kPa, 1 MWh = 1000 kWh, 1 kWh = 3.6 MJ so 1 GJ = 277.78 kWh and
1 kWh = 0.0036 GJ, 1 % = 10 000 ppm, T[°C] = T[K] − 273.15.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from minegas.physics.states import REF_STATES as PHYSICS_REF_STATES
from minegas.registry import vocab

CASES = [
    # (as written, quantity, stored spelling, canonical unit, factor, offset)
    ("%", "ch4_pct", "%", "%", 1.0, 0.0),
    ("%CH4", "ch4_pct", "%", "%", 1.0, 0.0),
    ("％", "ch4_pct", "%", "%", 1.0, 0.0),                    # full-width percent sign
    ("ppm", "ch4_pct", "ppm", "%", 1e-4, 0.0),
    ("%", "outlet_ch4_ppm", "%", "ppm", 1e4, 0.0),
    ("ppm", "co_ppm", "ppm", "ppm", 1.0, 0.0),
    ("m³/min", "flow_mixed", "m³/min", "m³/min", 1.0, 0.0),
    ("m3/min", "flow_pure", "m³/min", "m³/min", 1.0, 0.0),
    ("Nm³/min", "flow_mixed", "Nm³/min", "m³/min", 1.0, 0.0),
    ("m³/h", "air_flow", "m³/h", "m³/min", 1 / 60, 0.0),
    ("m3/h", "flow_mixed", "m³/h", "m³/min", 1 / 60, 0.0),
    ("m³", "cumulative_mixed", "m³", "m³", 1.0, 0.0),
    ("m3", "cumulative_pure", "m³", "m³", 1.0, 0.0),
    ("万m³", "cumulative_pure", "万m³", "m³", 1e4, 0.0),
    ("万 m3", "cumulative_mixed", "万m³", "m³", 1e4, 0.0),   # spaces are ignored
    ("kPa", "pressure", "kPa", "kPa", 1.0, 0.0),
    ("Pa", "pressure", "Pa", "kPa", 1e-3, 0.0),
    ("MPa", "pressure", "MPa", "kPa", 1e3, 0.0),
    ("℃", "temperature", "°C", "°C", 1.0, 0.0),              # U+2103 DEGREE CELSIUS
    ("°C", "temperature", "°C", "°C", 1.0, 0.0),
    ("K", "temperature", "K", "°C", 1.0, -273.15),
    ("kW", "power_kw", "kW", "kW", 1.0, 0.0),
    ("kW", "heat_kw", "kW", "kW", 1.0, 0.0),
    ("kWh", "energy_kwh", "kWh", "kWh", 1.0, 0.0),
    ("MWh", "energy_kwh", "MWh", "kWh", 1e3, 0.0),
    ("GJ", "heat_gj", "GJ", "GJ", 1.0, 0.0),
    ("kWh", "heat_gj", "kWh", "GJ", 0.0036, 0.0),
    ("MWh", "heat_gj", "MWh", "GJ", 3.6, 0.0),
    ("GJ", "energy_kwh", "GJ", "kWh", 1e6 / 3600, 0.0),
    ("m/s", "wind_speed", "m/s", "m/s", 1.0, 0.0),
]


@pytest.mark.parametrize(("text", "quantity", "spelling", "canonical", "factor", "offset"), CASES)
def test_normalisation_table(text: str, quantity: str, spelling: str, canonical: str, factor: float,
                             offset: float) -> None:
    nu = vocab.normalise_unit(text, quantity)
    assert nu.unit == spelling
    assert nu.canonical_unit == canonical
    assert nu.factor == pytest.approx(factor, rel=1e-15)
    assert nu.offset == pytest.approx(offset, abs=1e-12)


def test_exact_factors() -> None:
    """Factors come from exact fractions: no binary rounding beyond the final float."""
    assert vocab.normalise_unit("kWh", "heat_gj").factor == 0.0036
    assert vocab.normalise_unit("m3/h", "flow_mixed").factor == 1 / 60
    assert vocab.normalise_unit("K", "temperature").offset == -273.15


def test_kelvin_reading_converts() -> None:
    nu = vocab.normalise_unit("K", "temperature")
    assert 293.15 * nu.factor + nu.offset == pytest.approx(20.0, abs=1e-12)


def test_every_documented_spelling_is_accepted() -> None:
    for s in vocab.ACCEPTED_UNIT_SPELLINGS:
        assert vocab.lookup_unit(s).spelling


@pytest.mark.parametrize("text", ["m3/s", "L/min", "kpa", "mwh", "%vol", "Nm3/h", "bar", "", "m³/min/min",
                                  "°F", "吨"])
def test_unit_not_understood(text: str) -> None:
    with pytest.raises(vocab.UnitError, match="unit not understood") as ei:
        vocab.normalise_unit(text, "flow_mixed")
    assert "m³/min" in ei.value.fix


@pytest.mark.parametrize(("text", "quantity"), [("kPa", "ch4_pct"), ("m³", "flow_mixed"),
                                                ("m³/min", "cumulative_mixed"), ("℃", "pressure"),
                                                ("kW", "energy_kwh"), ("%", "temperature")])
def test_unit_does_not_fit_quantity(text: str, quantity: str) -> None:
    with pytest.raises(vocab.UnitError, match="does not fit quantity"):
        vocab.normalise_unit(text, quantity)


def test_state_takes_no_unit() -> None:
    with pytest.raises(vocab.UnitError, match="takes no unit"):
        vocab.normalise_unit("%", "state")


def test_every_quantity_has_a_canonical_unit_that_maps_to_itself() -> None:
    for q in vocab.QUANTITIES:
        t = vocab.QUANTITY_UNITS[q]
        if t is None:
            assert q == "state"
            continue
        nu = vocab.normalise_unit(t[1], q)
        assert (nu.factor, nu.offset) == (1.0, 0.0)


def test_vocabularies_agree_with_physics_and_kinds() -> None:
    assert set(vocab.REF_STATES) == set(PHYSICS_REF_STATES)
    every = {t for ts in vocab.KIND_TECHNOLOGIES.values() for t in ts}
    assert every == set(vocab.TECHNOLOGIES)
    assert set(vocab.KIND_TECHNOLOGIES) == set(vocab.UNIT_KINDS)
    assert set(vocab.FLOW_QUANTITIES) <= set(vocab.QUANTITIES)
    assert set(vocab.QUANTITY_UNITS) == set(vocab.QUANTITIES)


@pytest.mark.parametrize(("q1", "q2"), [("ch4_pct", "outlet_ch4_ppm"), ("energy_kwh", "heat_gj"),
                                      ("flow_mixed", "air_flow"), ("power_kw", "heat_kw")])
def test_factors_consistent_across_quantities_of_one_dimension(q1: str, q2: str) -> None:
    """For every unit u of the dimension, factor(u→q1) / factor(u→q2) is the same number: the factor from
    q2's canonical unit to q1's (e.g. 10⁻⁴ from ppm to %, 277.78 from GJ to kWh)."""
    dim = vocab.QUANTITY_UNITS[q1][0]  # type: ignore[index]
    ratio = vocab.normalise_unit(vocab.QUANTITY_UNITS[q2][1], q1).factor  # type: ignore[index]
    spellings = [s for s in vocab.ACCEPTED_UNIT_SPELLINGS if vocab.lookup_unit(s).dimension == dim]
    assert len(spellings) >= 1
    for u in spellings:
        f1 = vocab.normalise_unit(u, q1).factor
        f2 = vocab.normalise_unit(u, q2).factor
        assert f1 / f2 == pytest.approx(ratio, rel=1e-14)


@given(st.sampled_from(vocab.ACCEPTED_UNIT_SPELLINGS), st.text(alphabet=" \t\u3000", max_size=3),
       st.text(alphabet=" \t", max_size=3))
def test_white_space_is_ignored(spelling: str, before: str, after: str) -> None:
    assert vocab.lookup_unit(before + spelling + after) == vocab.lookup_unit(spelling)
