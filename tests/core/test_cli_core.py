"""The CLI's core commands: version, convert (acceptance figures), init, exit codes."""

from __future__ import annotations

import json

import pytest

from minegas.cli.main import main


def run(capsys, *argv):
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_version(capsys):
    code, out, _ = run(capsys, "version")
    assert code == 0 and out.startswith("minegas ")


def test_convert_acceptance(capsys):
    # Issue acceptance: 1e8 m³ at 0C, SAR → co2e_t within 0.5 % of 1.5065e6 and tce within 1 % of 1.22e5
    code, out, _ = run(capsys, "convert", "--ch4-m3", "1e8", "--state", "0C", "--gwp", "SAR", "--json")
    assert code == 0
    r = json.loads(out)
    assert abs(r["co2e_t"] / 1.5065e6 - 1) < 0.005
    assert abs(r["tce"] / 1.22e5 - 1) < 0.01
    assert r["ch4_t"] == pytest.approx(71_750.0)
    assert r["co2e_net_t"] == pytest.approx(71_750 * (21 - 2.75))
    assert r["energy_mj"] == pytest.approx(3.58e9)
    assert r["constants"]["density"]["name"] == "real-0C"
    assert r["constants"]["gwp"]["value"] == 21


@pytest.mark.parametrize(("density", "ch4_t"), [("cn-2015", 71_700.0), ("cdm", 71_600.0), ("ideal-0C", 71_573.667)])
def test_convert_named_densities(capsys, density, ch4_t):
    code, out, _ = run(capsys, "convert", "--ch4-m3", "1e8", "--density", density, "--json")
    assert code == 0
    assert json.loads(out)["ch4_t"] == pytest.approx(ch4_t, abs=1e-3)


def test_convert_20c_ipcc(capsys):
    code, out, _ = run(capsys, "convert", "--ch4-m3", "1e8", "--state", "20C", "--density", "ipcc-2006",
                       "--gwp", "AR6-fossil", "--horizon", "20", "--json")
    r = json.loads(out)
    assert code == 0 and r["ch4_t"] == pytest.approx(67_000) and r["co2e_t"] == pytest.approx(67_000 * 82.5)
    assert r["tce"] == pytest.approx(1e8 * 35.8 * 273.15 / 293.15 / 29.3076 / 1000)


@pytest.mark.parametrize("argv", [
    ["convert", "--ch4-m3", "1e8", "--gwp", "SAR", "--horizon", "20"],      # horizon not defined by SAR
    ["convert", "--ch4-m3", "1e8", "--density", "ipcc-2006"],               # 20C density for a 0C volume
    ["convert", "--ch4-m3", "1e8", "--gwp", "AR9"],                         # unknown set
    ["convert", "--ch4-m3", "lots"],                                        # not a number
    ["convert", "--ch4-m3", "1", "--horizon", "50"],
])
def test_convert_rejects_with_exit_2(capsys, argv):
    code, _, err = run(capsys, *argv)
    assert code == 2
    assert err.strip()
