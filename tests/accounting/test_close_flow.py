"""Period close and restatement end to end on real engine data: a synthetic demo mine (青岚煤矿(示例),
990521000001) generated for three days, ingested with one hourly KJ file held back.

close → hash stable (also after `store compact`); closing again = no-op; the late file arrives → `verify` fails
(exit 2) and a second close is refused → `restate` records restatement 1 with the diff the late hour makes (drained
up by exactly what the late file adds) → `verify` passes again → the report shows the restated figures and the
restatement; the closed record is never changed. The CLI is run in-process like ``minegas.cli.main.main``.
"""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from minegas.accounting import close
from minegas.cli import mrv_report
from minegas.cli.common import report_error
from minegas.errors import InputError
from minegas.measurements.ingest import ingest_paths
from minegas.measurements.mapping import load_snapshot
from minegas.measurements.store import Store
from minegas.registry import db
from minegas.registry.importer import import_registry
from minegas.reports.from_engine import build_report, compute_report
from minegas.synth import generate

pytestmark = pytest.mark.slow

MINE = "990521000001"
PERIOD = "2025-03-01..2025-03-03"
LATE = "990521000001_CDSS_20250302110000.txt"   # the hour 10:00–11:00 CST on 2 March, delivered late


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A data home (registry + store) with the mine's 3 days ingested except :data:`LATE`; and the late file."""
    root = tmp_path_factory.mktemp("close")
    gen = root / "gen"
    generate("demo", start="2025-03-01", days=3, cadence_s=300, seed=11, out_dir=gen, formats=("kj",),
             mines=[MINE], faults="gaps=0.002,calibration=1")
    late = root / "late" / LATE
    late.parent.mkdir()
    shutil.move(gen / "kj" / "20250302" / LATE, late)
    home = root / "home"
    url = f"sqlite:///{home / 'registry.sqlite'}"
    db.upgrade_to_head(url)
    with db.session_scope(url) as s:
        import_registry(s, [gen / "registry"])
    with Store(home / "store", url) as st:
        rep = ingest_paths(st, [gen / "kj"])
        assert not rep.rejected
    return home, late


@pytest.fixture
def home(base: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private copy of the data home; MINEGAS_HOME points at it."""
    h = tmp_path / "home"
    shutil.copytree(base[0], h)
    monkeypatch.setenv("MINEGAS_HOME", str(h))
    monkeypatch.delenv("MINEGAS_DATABASE_URL", raising=False)
    return h


def _store(home: Path) -> Store:
    return Store(home / "store", f"sqlite:///{home / 'registry.sqlite'}")


def _app() -> typer.Typer:
    app = typer.Typer(pretty_exceptions_enable=False)
    mrv_report.register(app)
    return app


def cli(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(_app(), list(args), catch_exceptions=True)
    code = result.exit_code
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        code = report_error(result.exception)
    return code, result.stdout


def test_close_restate_verify_report(home: Path, base: tuple[Path, Path], tmp_path: Path) -> None:
    late = base[1]
    store = _store(home)
    try:
        # --- close; the hash is stable; closing again is a no-op
        code, out = cli("close", "--mine", MINE, "--period", PERIOD, "--by", "张核查", "--json")
        assert code == 0, out
        closed = json.loads(out)
        assert closed["action"] == "closed" and closed["version"]["no"] == 0
        h0 = closed["version"]["content_sha256"]
        assert len(h0) == 64 and closed["version"]["batches"] == 3 * 24 - 1
        assert close.compute(store, MINE, PERIOD).content_sha256 == h0        # recomputation hashes the same
        with store.session() as s:
            store.compact(load_snapshot(s))                                   # files renamed, data unchanged
        code, out = cli("close", "--mine", MINE, "--period", PERIOD, "--by", "李", "--json")
        assert code == 0 and json.loads(out)["action"] == "unchanged"
        assert json.loads(out)["version"]["by"] == "张核查"                     # the first close stands
        assert cli("verify", "--mine", MINE, "--period", PERIOD)[0] == 0
        state0 = close.history(MINE, PERIOD, store=store)
        assert state0 is not None and state0.status == "closed"
        closed_drained = state0.latest.figures["balance.drained_nm3"]
        assert isinstance(closed_drained, float)

        # --- late data: verify fails (exit 2); closing again is refused; the report still shows the closed figures
        rep = ingest_paths(store, [late])
        assert not rep.rejected and rep.totals()["stored"] > 0
        code, out = cli("verify", "--mine", MINE, "--period", PERIOD, "--json")
        assert code == 2
        v = json.loads(out)
        assert not v["ok"] and v["record_intact"] and v["stored_sha256"] == h0
        assert [b["file_name"] for b in v["inputs"]["batches_added"]] == [LATE]
        assert v["inputs"]["readings"]["changed"] and v["inputs"]["registry"] == {}
        with pytest.raises(InputError, match="already closed"):
            close.close_period(MINE, PERIOD, "李", store=store)
        assert cli("close", "--mine", MINE, "--period", PERIOD, "--by", "李")[0] == 2
        shown = build_report(MINE, PERIOD, store=store)
        assert shown.appendix.period_close.status == "closed"
        assert shown.balance.drained_nm3 == pytest.approx(closed_drained, rel=1e-12)

        # --- restate: restatement 1 with the right diff; the closed record unchanged
        now = compute_report(store, MINE, PERIOD)
        assert now.balance.drained_nm3 > closed_drained                       # the late hour adds drained gas
        code, out = cli("restate", "--mine", MINE, "--period", PERIOD, "--by", "张核查", "--reason",
                        "迟到数据：3月2日10–11时KJ文件补传", "--json")
        assert code == 0, out
        r1 = json.loads(out)
        assert r1["action"] == "restated" and r1["version"]["no"] == 1
        assert r1["version"]["previous_sha256"] == h0 and r1["version"]["content_sha256"] != h0
        figs = {d["key"]: d for d in r1["diff"]["figures"]}
        d = figs["balance.drained_nm3"]
        assert d["old"] == pytest.approx(closed_drained, rel=1e-12)
        assert d["new"] == pytest.approx(now.balance.drained_nm3, rel=1e-12)
        assert d["delta"] == pytest.approx(now.balance.drained_nm3 - closed_drained, rel=1e-9)
        assert d["pct"] == pytest.approx(d["delta"] / closed_drained * 100, rel=1e-9)
        # only 2 March changed in the daily report
        changed_days = {k.split(".")[1] for k in figs if k.startswith("daily.")}
        assert changed_days == {"2025-03-02"}
        assert [b["file_name"] for b in r1["diff"]["inputs"]["batches_added"]] == [LATE]
        state1 = close.history(MINE, PERIOD, store=store)
        assert state1 is not None and state1.status == "restated"
        assert state1.versions[0] == state0.versions[0]                     # never overwritten
        assert cli("verify", "--mine", MINE, "--period", PERIOD)[0] == 0      # against restatement 1
        code, out = cli("restate", "--mine", MINE, "--period", PERIOD, "--by", "x", "--reason", "again", "--json")
        assert code == 0 and json.loads(out)["action"] == "unchanged"         # nothing changed: nothing recorded

        # --- the history
        code, out = cli("restatements", "--mine", MINE, "--period", PERIOD, "--json")
        hist = json.loads(out)
        assert code == 0 and hist["status"] == "restated"
        assert [x["no"] for x in hist["versions"]] == [0, 1]
        assert hist["versions"][1]["reason"].startswith("迟到数据")
        code, out = cli("restatements", "--mine", MINE, "--period", PERIOD)
        assert code == 0 and "迟到数据" in out

        # --- the report shows the restated figures and the restatement
        shown = build_report(MINE, PERIOD, store=store, lang="zh")
        pc = shown.appendix.period_close
        assert (pc.status, pc.restatement_no) == ("restated", 1) and pc.reason_zh.startswith("迟到数据")
        assert shown.balance.drained_nm3 == pytest.approx(now.balance.drained_nm3, rel=1e-12)
        row = next(x for x in pc.diffs if x.quantity == "balance.drained_nm3")
        assert (row.previous, row.current) == pytest.approx((closed_drained, now.balance.drained_nm3), rel=1e-12)
        assert shown.check() == []
        code, out = cli("report", "--mine", MINE, "--period", PERIOD, "--format", "html,json", "--out",
                        str(tmp_path / "rep"), "--json")
        assert code == 0, out
        paths = json.loads(out)
        html = Path(paths["html"]).read_text(encoding="utf-8")
        assert "已更正重报" in html and "迟到数据" in html
        js = json.loads(Path(paths["json"]).read_text(encoding="utf-8"))
        assert js["appendix"]["period_close"]["restatement_no"] == 1
        # a closed period's report refuses other settings
        with pytest.raises(InputError, match="closed with other settings"):
            from minegas.reports.from_engine import MrvSettings

            build_report(MINE, PERIOD, store=store, settings=MrvSettings.make(gwp_set="AR6"))
    finally:
        store.close()


def test_open_period_report_is_marked_not_closed(home: Path) -> None:
    with _store(home) as store:
        r = build_report(MINE, "2025-03-01", store=store)
        assert r.appendix.period_close.status == "open" and r.check() == []
        assert close.history(MINE, "2025-03-01", store=store) is None
    code, out = cli("restatements", "--mine", MINE, "--period", "2025-03-01")
    assert code == 0 and "未关账" in out
    assert cli("verify", "--mine", MINE, "--period", "2025-03-01")[0] == 2     # nothing to verify: input rejected
    assert cli("restate", "--mine", MINE, "--period", "2025-03-01", "--by", "x", "--reason", "y")[0] == 2


def test_registry_correction_is_restated(home: Path) -> None:
    """A registry correction (the gas engine's destruction efficiency) changes destroyed CH4 and the net CO2e:
    verify fails, restatement 1 lists the registry change and the figures."""
    import sqlalchemy as sa

    from minegas.registry.models import Unit

    with _store(home) as store:
        close.close_period(MINE, PERIOD, "v", store=store, now=datetime(2025, 3, 5, tzinfo=UTC))
        with store.session() as s:
            s.execute(sa.update(Unit).where(Unit.code == "GE1").values(destruction_efficiency_frac=0.98))
        v = close.verify(MINE, PERIOD, store=store)
        assert not v.ok and v.inputs["registry"] == {"units": {"changed": ["GE1"]}}
        keys = {d.key for d in v.figures}
        assert {"balance.destroyed_t", "balance.co2e.net.destroyed.co2e_t"} <= keys
        assert "balance.drained_nm3" not in keys                              # volumes did not change
        o = close.restate(MINE, PERIOD, "v", "GE1 destruction efficiency 0.995 → 0.98 (registry correction)",
                          store=store)
        assert o.action == "restated" and o.version.no == 1
        assert close.verify(MINE, PERIOD, store=store).ok


def test_empty_by_or_reason_is_rejected(home: Path) -> None:
    with _store(home) as store:
        with pytest.raises(InputError, match="by"):
            close.close_period(MINE, PERIOD, "  ", store=store)
        close.close_period(MINE, PERIOD, "v", store=store)
        with pytest.raises(InputError, match="reason"):
            close.restate(MINE, PERIOD, "v", "", store=store)
        with pytest.raises(InputError):
            close.close_period("nope", PERIOD, "v", store=store)


def test_tampered_record_fails_verification(home: Path) -> None:
    """Editing the stored figures in the database (not through minegas) is caught: the record no longer hashes to
    its stored hash."""
    import sqlalchemy as sa

    from minegas.registry.close_models import PeriodCloseRecord

    with _store(home) as store:
        close.close_period(MINE, PERIOD, "v", store=store)
        with store.session() as s:
            rec = s.scalars(sa.select(PeriodCloseRecord)).one()
            d = json.loads(rec.figures_json)
            d["balance"]["residual_nm3"] = d["balance"]["residual_nm3"] + 1000.0
            rec.figures_json = close.canonical_json(d)
        v = close.verify(MINE, PERIOD, store=store)
        assert not v.record_intact and not v.ok
        assert v.stored_sha256 == v.recomputed_sha256  # the data did not change; the record did


@pytest.mark.postgres
def test_close_and_restate_on_postgres(pg_url: str, tmp_path: Path) -> None:
    """The same transactions on PostgreSQL (the restatement locks the close row: SELECT … FOR UPDATE)."""
    import sqlalchemy as sa

    from minegas.registry.models import Unit

    gen = tmp_path / "gen"
    generate("demo", start="2025-03-01", days=1, cadence_s=300, seed=3, out_dir=gen, formats=("kj",), mines=[MINE])
    db.upgrade_to_head(pg_url)
    with db.session_scope(pg_url) as s:
        import_registry(s, [gen / "registry"])
    with Store(tmp_path / "store", pg_url) as store:
        assert not ingest_paths(store, [gen / "kj"]).rejected
        o = close.close_period(MINE, "2025-03-01", "v", store=store)
        assert o.action == "closed"
        assert close.close_period(MINE, "2025-03-01", "v", store=store).action == "unchanged"
        assert close.verify(MINE, "2025-03-01", store=store).ok
        with store.session() as s:
            s.execute(sa.update(Unit).where(Unit.code == "LCE1").values(destruction_efficiency_frac=0.95))
        assert not close.verify(MINE, "2025-03-01", store=store).ok
        r = close.restate(MINE, "2025-03-01", "v", "LCE1 DE corrected", store=store)
        assert r.action == "restated" and r.version.no == 1 and r.version.previous_sha256 == o.version.content_sha256
        state = close.history(MINE, "2025-03-01", store=store)
        assert state is not None and [v.no for v in state.versions] == [0, 1]
        assert state.versions[0].at.tzinfo is not None
        assert close.verify(MINE, "2025-03-01", store=store).ok


def test_concurrent_restatements_serialise(home: Path) -> None:
    """Two verifiers restating at the same time: one writer at a time (the store lock + one transaction) — exactly
    one restatement is recorded, the other finds nothing left to restate."""
    import threading

    import sqlalchemy as sa

    from minegas.registry.models import Unit

    with _store(home) as store:
        close.close_period(MINE, PERIOD, "v", store=store)
        with store.session() as s:
            s.execute(sa.update(Unit).where(Unit.code == "LCE1").values(destruction_efficiency_frac=0.9))
    results: list[str] = []
    errors: list[BaseException] = []

    def work(name: str) -> None:
        try:
            with _store(home) as st:
                results.append(close.restate(MINE, PERIOD, name, "LCE1 DE corrected", store=st).action)
        except BaseException as exc:  # collected and re-raised below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in ("甲", "乙")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert not errors, errors
    assert sorted(results) == ["restated", "unchanged"]
    with _store(home) as store:
        state = close.history(MINE, PERIOD, store=store)
        assert state is not None and [v.no for v in state.versions] == [0, 1]
