"""The ``minegas convert`` calculation: one pure CH4 volume → mass, CO2e, energy, coal equivalent."""

from __future__ import annotations

from typing import Any

from minegas.physics.climate import co2e_gross_t, co2e_net_t, gwp, gwp_set
from minegas.physics.constants import CO2_PER_CH4_T_PER_T, MJ_PER_KGCE
from minegas.physics.density import ch4_mass_t, resolve_density
from minegas.physics.energy import energy_mj, heating_value_mj_per_m3, tce_hv
from minegas.physics.states import ref_state


def convert_ch4_volume(ch4_m3: float, state: str = "0C", gwp_name: str = "SAR", horizon: int = 100,
                       density_name: str | None = None) -> dict[str, Any]:
    """Mass, CO2e (gross and net of combustion CO2), LHV energy and tce of a pure CH4 volume.

    Parameters
    ----------
    ch4_m3 : pure CH4 volume [m³] at reference state ``state``.
    state : '0C', '20C' or '60F'.
    gwp_name, horizon : GWP set and horizon [years].
    density_name : a named density (docs/conventions.md §2) defined at ``state``; default: the state's default.

    Returns
    -------
    A flat mapping with ``ch4_t``, ``co2e_t`` (gross), ``co2e_net_t`` (all CH4 destroyed by combustion),
    ``energy_mj`` (LHV), ``tce`` (heating-value basis) and every constant used, with sources.

    Example: 1e8 m³ at 0C, SAR → ≈1.51 Mt CO2e gross and ≈1.22×10⁵ tce (the seeds' "1亿 m³ → 12万 t standard
    coal, 150万 t CO2").
    """
    rs = ref_state(state)
    d = resolve_density(state, density_name)
    g = gwp(gwp_name, horizon)
    t = float(ch4_mass_t(ch4_m3, state, d.name))
    e = float(energy_mj(ch4_m3, state, "lhv"))
    return {
        "ch4_m3": ch4_m3,
        "state": rs.name,
        "ch4_t": t,
        "co2e_t": float(co2e_gross_t(t, gwp_name, horizon)),
        "co2e_net_t": float(co2e_net_t(t, gwp_name, horizon)),
        "energy_mj": e,
        "tce": float(tce_hv(e)),
        "conventions": {
            "co2e_t": "gross: t CH4 × GWP",
            "co2e_net_t": "net of combustion CO2: t CH4 × (GWP − 44/16), all CH4 assumed destroyed",
            "energy_mj": "lower heating value",
            "tce": "by heating value: MJ / 29.3076 / 1000",
        },
        "constants": {
            "reference_state": {"name": rs.name, "t_k": rs.t_k, "p_kpa": rs.p_kpa},
            "density": {"name": d.name, "kg_m3": d.kg_m3, "state": d.state, "source": d.source,
                        "confidence": d.confidence},
            "gwp": {"set": gwp_name, "horizon_yr": horizon, "value": g, "source": gwp_set(gwp_name).source},
            "lhv_mj_per_m3": heating_value_mj_per_m3(state, "lhv"),
            "mj_per_kgce": MJ_PER_KGCE,
            "co2_per_ch4_t_per_t": CO2_PER_CH4_T_PER_T,
        },
    }
