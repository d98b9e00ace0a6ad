"""Tests of the tradeq Python package (python/tradeq) over libtradeq.so: the header's
constants, datasets, runs against the CLI's CSV files bit for bit, the Solver against
the runs, errors with their place, cancellation (Ctrl-C), and memory under repeated
load / run."""
import csv
import gc
import os
import re
import signal
import subprocess
import tempfile
import threading
import tracemalloc

import numpy as np
import pandas as pd
import pytest

import tradeq
from tradeq import _lib as L
from conftest import SOURCE_DIR

HEADER = open(os.path.join(SOURCE_DIR, "include", "tradeq.h"), encoding="utf-8").read()


def enum_members(name):
    body = re.search(r"typedef enum %s \{(.*?)\}" % name, HEADER, re.S).group(1)
    body = re.sub(r"/\*.*?\*/", "", body, flags=re.S)
    return [(m.group(1), m.group(2)) for m in re.finditer(r"\b(TQ_[A-Z0-9_]+)\s*(?:=\s*(-?\d+))?\s*,", body + ",")]


def struct_fields(name):
    body = re.search(r"typedef struct %s \{(.*?)\} %s;" % (name, name), HEADER, re.S).group(1)
    body = re.sub(r"/\*.*?\*/", "", body, flags=re.S)
    fields = []
    for decl in body.split(";"):
        decl = decl.strip()
        if not decl:
            continue
        ty, names = re.match(r"((?:const\s+)?(?:struct\s+)?\w+\s*\**)\s*(.*)", decl, re.S).groups()
        for n in names.split(","):
            fields.append(re.sub(r"[\s*]|\[.*\]", "", n))
    return fields


def test_constants_match_the_header():
    assert tradeq.__version__ == re.search(r'#define TQ_VERSION_STRING "([^"]+)"', HEADER).group(1)
    status = dict((n, int(v)) for n, v in enum_members("tq_status"))
    assert status["TQ_ERR_PARSE"] == L.ERR_PARSE and status["TQ_ERR_NOT_FOUND"] == L.ERR_NOT_FOUND
    assert status["TQ_ERR_NOT_CONVERGED"] == L.ERR_NOT_CONVERGED and status["TQ_ERR_CANCELLED"] == L.ERR_CANCELLED
    assert status["TQ_ERR_UNSUPPORTED"] == L.ERR_UNSUPPORTED
    assert [n for n, _ in enum_members("tq_array")][:-1] == ["TQ_" + a for a in L.ARRAYS]
    assert [n for n, _ in enum_members("tq_result_array")][:-1] == ["TQ_RES_" + a for a in L.RESULTS]
    assert [n for n, _ in enum_members("tq_closure")] == ["TQ_CLOSURE_" + c.upper() for c in L.CLOSURES]
    assert [n for n, _ in enum_members("tq_coltype")] == ["TQ_COL_NONE", "TQ_COL_TEXT", "TQ_COL_NUMBER",
                                                          "TQ_COL_INTEGER", "TQ_COL_FLAG"]
    for struct, cls in (("tq_solve_info", L.SolveInfo), ("tq_run_options", L.RunOptions),
                        ("tq_spec_info", L.SpecInfo), ("tq_run", L.Run), ("tq_error", L.Error)):
        assert struct_fields(struct) == [f for f, _ in cls._fields_], struct


@pytest.fixture(scope="module")
def ds():
    return tradeq.load("wiod2014")


def test_dataset(ds):
    N, J = ds.shape
    assert (N, len(ds.regions), len(ds.sectors)) == (44, 44, J)
    assert "USA" in ds.regions and "JPN" in ds.regions and ds.years[-1] == 2014
    f = ds.flows(2014)
    assert list(f.columns) == ["year", "exporter", "importer", "sector", "value", "tariff"]
    assert len(f) == N * N * J
    # one row per cell in [n,i,j] order: the row of (importer USA, exporter JPN, sector k)
    n, i, k = ds.regions.index("USA"), ds.regions.index("JPN"), 7
    row = f.iloc[(n * N + i) * J + k]
    assert (row.importer, row.exporter, row.sector) == ("USA", "JPN", ds.sectors[k])
    z = ds.array("Z")
    assert row.value == z[n, i, k] and row.tariff == ds.array("TARIFF")[n, i, k]
    # gross output Y[i,j] (a derived array of the library) is what all importers buy
    y = f.groupby(["exporter", "sector"], sort=False)["value"].sum().to_numpy().reshape(N, J)
    np.testing.assert_allclose(y, ds.array("Y"), rtol=1e-12)
    assert (f.value >= 0).all() and (f[f.exporter == f.importer].tariff == 0).all()
    assert tradeq.load("wiod2014")._ptr == ds._ptr  # cached by the session
    with pytest.raises(tradeq.NotFoundError) as e:
        ds.flows(1990)
    assert e.value.field == "year"


def cli_tables(args):
    """Run the CLI with args into a fresh folder; {table: DataFrame of the CSV's text}."""
    cli = os.environ.get("TRADEQ_CLI")
    if not cli:
        pytest.skip("TRADEQ_CLI is not set")
    with tempfile.TemporaryDirectory(prefix="tradeq-py-") as out:
        subprocess.run([cli, "run"] + args + ["--out", out, "--force", "--format", "csv"], check=True,
                       stdout=subprocess.DEVNULL)
        return {re.match(r"results_(\w+)\.csv$", name).group(1):
                pd.read_csv(os.path.join(out, name), dtype=str, keep_default_na=False)
                for name in os.listdir(out)}


def assert_frame_is_csv(df, text, skip=()):
    """Every cell of df equals the CSV's text: the same double (to the last digit: the
    text read by Python's correctly rounded float()), the same text, the same integer;
    the same columns in the same order."""
    assert list(df.columns) == list(text.columns)
    assert len(df) == len(text)
    for col in df.columns:
        if col in skip:
            continue
        t, v = text[col].to_numpy(), df[col].to_numpy()
        if df[col].dtype == object:
            assert (t == v).all(), col
        elif df[col].dtype == np.int64:
            assert (t.astype(np.int64) == v).all(), col
        else:
            want = np.array([float(x) if x != "" else np.nan for x in t])
            same = (want == v) | (np.isnan(want) & np.isnan(v))
            assert same.all(), "%s: %s vs %s" % (col, t[~same][:3], v[~same][:3])


def test_default_run_equals_cli_csv():
    csvs = cli_tables([])
    r = tradeq.run()
    assert r.scenarios == ["us-japan-autos"]
    assert sorted(r.tables) == sorted(csvs)
    assert_frame_is_csv(r.regions, csvs["regions"])
    jpn = r.regions[r.regions.region == "JPN"].iloc[0]
    golden = {row["region"]: float(row["welfare_pct"]) for row in
              csv.DictReader(open(os.path.join(SOURCE_DIR, "tests", "golden", "us-japan-autos.csv")))}
    assert abs(jpn.welfare_pct - golden["JPN"]) <= 1e-6
    for name in ("pair_sector", "region_sector", "bilateral", "decomposition"):
        assert_frame_is_csv(r.table(name), csvs[name])
    assert_frame_is_csv(r.solver, csvs["run"], skip=("seconds",))
    assert r.solver is r.run and r.solver.converged[0] == 1
    # the regions table is the result's arrays
    assert (r.regions.welfare_pct.to_numpy() == r.array("WELFARE")).all()


def test_dict_text_and_file_scenarios_agree():
    shock = {"importer": "USA", "exporter": "JPN", "sectors": "autos", "add": "25pp"}
    a = tradeq.run({"name": "d", "data": {"dataset": "wiod2014"}, "closure": "fixed", "tariffs": [shock]})
    b = tradeq.run("name: t\nclosure: fixed\ntariffs:\n  - importer: USA\n    exporter: JPN\n"
                   "    sectors: autos\n    add: 25pp\n")
    c = tradeq.run(tradeq.default_scenario(), detail="summary")
    assert a.scenarios == ["d"] and b.scenarios == ["t"] and c.detail == "summary"
    for r in (b, c):
        assert (r.regions.welfare_pct.to_numpy() == a.regions.welfare_pct.to_numpy()).all()
    assert "bilateral" not in c.tables
    with pytest.raises(tradeq.NotFoundError):
        c.bilateral
    # overrides: a balanced closure changes the answer; a dataset object as data=
    d = tradeq.run(closure="balanced", data=tradeq.load("wiod2014"), detail="summary")
    assert d.regions.closure[0] == "balanced"
    assert not np.allclose(d.regions.welfare_pct, c.regions.welfare_pct)
    with pytest.raises(tradeq.InvalidError):
        tradeq.run(draws=0)


def test_draws_equal_the_cli():
    """run(draws=N, seed=S) gives the band columns of tradeq run --draws N --seed S, to the
    last digit (the same draws through the library's sweep)."""
    csvs = cli_tables(["--draws", "12", "--seed", "7"])
    r = tradeq.run(draws=12, seed=7)
    assert "welfare_pct_p05" in r.regions.columns and "welfare_pct_p95" in r.regions.columns
    assert (r.regions.welfare_pct_p05 <= r.regions.welfare_pct_median).all()
    assert (r.regions.welfare_pct_median <= r.regions.welfare_pct_p95).all()
    assert_frame_is_csv(r.regions, csvs["regions"], skip=("seconds",))
    # a different seed gives different bands; the central estimate does not move
    r2 = tradeq.run(draws=12, seed=8)
    assert (r2.regions.welfare_pct == r.regions.welfare_pct).all()
    assert not (r2.regions.welfare_pct_p05 == r.regions.welfare_pct_p05).all()


def test_scenario_uncertainty_mapping_equals_the_cli(tmp_path):
    """A scenario file's own uncertainty: mapping asks for the bands in Python as it does
    in tradeq run (the same library call decides), draws= not given."""
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    f = tmp_path / "u.yaml"
    with open(os.path.join(root, "scenarios", "us-japan-autos.yaml")) as src:
        f.write_text(src.read() + "uncertainty:\n  draws: 10\n  seed: 4\n")
    csvs = cli_tables([str(f)])
    r = tradeq.run(str(f))
    assert "welfare_pct_p05" in r.regions.columns
    assert_frame_is_csv(r.regions, csvs["regions"], skip=("seconds",))


def test_partial_effect_draws_equal_the_cli(tmp_path):
    """run(draws=N, draw_params=...) draws the partial effects of gravity shocks with a
    standard error as tradeq run --draws N --draw-params does, to the last digit."""
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    eu = tmp_path / "eu.yaml"
    eu.write_text("name: eu\ndata:\n  dataset: ge_gravity_eu\nntb:\n  - pairs_file: %s\n    sectors: all\n"
                  "    partial_effect: {b: 0.2242490, se: 0.0713086}\n"
                  % os.path.join(root, "scenarios", "eu-enlargement-pairs.csv"))
    csvs = cli_tables([str(eu), "--draws", "16", "--draw-params", "partial_effects"])
    r = tradeq.run(str(eu), draws=16, draw_params="partial_effects")
    assert_frame_is_csv(r.regions, csvs["regions"], skip=("seconds",))
    hun = r.regions[r.regions.region == "HUN"].iloc[0]
    assert 0 < hun.welfare_pct_p05 < hun.welfare_pct < hun.welfare_pct_p95
    # b held (and theta without spread in this one-set dataset): the band is the point
    t = tradeq.run(str(eu), draws=4, draw_params=["theta"]).regions
    assert np.allclose(t.welfare_pct_p05, t.welfare_pct, rtol=1e-7, atol=1e-9)
    with pytest.raises(tradeq.InvalidError):
        tradeq.run(str(eu), draws=4, draw_params="beta")


def test_bad_scenario_raises_with_its_place(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: bad\ntariffs:\n  - importer: USA\n    exporter: JPN\n"
                   "    sectors: autos\n    add: banana\n")
    with pytest.raises(tradeq.ParseError) as e:
        tradeq.run(str(bad))
    err = e.value
    assert (err.file, err.line, err.column) == (str(bad), 6, 10)
    assert err.where == "%s:6:10" % bad and str(err).startswith("%s:6:10: " % bad)
    assert "banana" in err.message and isinstance(err, ValueError)
    with pytest.raises(tradeq.ParseError) as e:
        tradeq.run("name: x\ntariffs: [\n")  # malformed YAML, as text
    assert (e.value.file, e.value.line, e.value.column) == ("<string>", 3, 1)
    with pytest.raises(tradeq.NotFoundError) as e:  # a code the dataset lacks
        tradeq.run("name: x\ntariffs:\n  - importer: USA\n    exporter: XXX\n    sectors: autos\n    add: 1pp\n")
    assert (e.value.line, e.value.column) == (4, 15) and "XXX" in str(e.value)
    with pytest.raises(tradeq.NotFoundError) as e:
        tradeq.load("no-such-dataset")
    assert "no-such-dataset" in str(e.value)
    with pytest.raises(tradeq.FileError):
        tradeq.run(str(tmp_path / "missing.yaml"))


def autos_tariffs(s):
    t = s.base_tariffs.copy()
    t[s.region("USA"), s.region("JPN"), s.sector("C20")] += 0.25
    return t


def test_solver_equals_run(ds):
    r = tradeq.run(detail="summary")
    s = tradeq.Solver(ds.baseline())
    assert "C20" in ds.sectors and ds.sector_names[ds.sectors.index("C20")].lower().startswith("motor vehicles")
    sol = s.solve(autos_tariffs(s), tables=True)
    # warm start off: bitwise the answer of the run's fresh solve
    assert sol.converged and (sol.welfare == r.array("WELFARE")).all()
    assert (sol.ev == r.array("EV")).all() and sol.phat.shape == ds.shape
    cols = [c for c in r.regions.columns if c not in ("scenario",)]
    pd.testing.assert_frame_equal(sol.regions[cols], r.regions[cols], check_exact=True)
    # the base tariffs: nothing moves
    base = s.solve()
    assert np.abs(base.welfare).max() < 1e-8 and np.abs(base.what - 1).max() < 1e-9
    # a solve after another gives the same answer again (the result is reused inside)
    again = s.solve(autos_tariffs(s))
    assert (again.welfare == sol.welfare).all()
    assert sol.frame().loc["JPN", "welfare"] == sol.welfare[s.region("JPN")]
    with pytest.raises(tradeq.InvalidError):
        s.solve(np.full(s.base_tariffs.shape, np.nan))
    bad = s.base_tariffs.copy()
    bad[0, 0, 0] = 0.1  # a domestic cell
    with pytest.raises(tradeq.InvalidError):
        s.solve(bad)


def test_solver_warm_start_sweep(ds):
    cold, warm = tradeq.Solver(ds.baseline()), tradeq.Solver(ds.baseline(), warm_start=True)
    t = cold.base_tariffs.copy()
    n, i, j = cold.region("USA"), cold.region("JPN"), cold.sector("C20")
    w_prev = None
    for add in (0.0, 0.1, 0.2, 0.3):
        t[n, i, j] = cold.base_tariffs[n, i, j] + add
        a, b = cold.solve(t), warm.solve(t)
        assert np.abs(a.welfare - b.welfare).max() < 1e-6
        # Japan loses more the higher the US tariff on its cars
        if w_prev is not None:
            assert a.welfare[i] < w_prev
        w_prev = a.welfare[i]


def test_not_converged_raises_with_the_result(ds):
    s = tradeq.Solver(ds.baseline(), max_iter=2)
    with pytest.raises(tradeq.NotConvergedError) as e:
        s.solve(autos_tariffs(s))
    sol = e.value.result
    assert not sol.converged and sol.info["stop"] == "iteration limit" and sol.info["residual"] > 1e-10
    with pytest.raises(tradeq.NotConvergedError) as e:
        tradeq.run(max_iter=2, detail="summary")
    assert e.value.result.solver.converged[0] == 0


def slow_solver(ds):
    # an unreachable tolerance: thousands of iterations (about 5 s here) before it stalls,
    # each ending at the library's cancel check; bounded by a 60 s budget
    return tradeq.Solver(ds.baseline(), tol=1e-300, max_iter=10 ** 9, max_seconds=60)


def test_cancel_from_another_thread(ds):
    s = slow_solver(ds)
    threading.Timer(0.3, s._session.cancel).start()
    with pytest.raises(tradeq.CancelledError):
        s.solve(autos_tariffs(s))
    assert s.last_info["stop"] == "cancelled"
    assert tradeq.Solver(ds.baseline()).solve().converged  # the session works on


def test_gil_released_during_a_solve(ds):
    # a solve on another thread; this thread runs Python meanwhile (with the GIL held by
    # the call it could not run until the solve stalled on its own, about 5 s) and
    # cancels it in the middle
    s = slow_solver(ds)
    errors = []

    def work():
        try:
            s.solve(autos_tariffs(s))
        except tradeq.Error as e:
            errors.append(e)

    th = threading.Thread(target=work)
    th.start()
    while th.is_alive() and not s._session.busy:
        pass
    spins = 0
    while th.is_alive() and spins < 300000:  # Python bytecode while the library iterates
        spins += 1
    s._session.cancel()
    th.join()
    assert len(errors) == 1 and isinstance(errors[0], tradeq.CancelledError), errors
    assert s.last_info["stop"] == "cancelled" and s.last_info["iterations"] > 0


def test_ctrl_c_cancels_a_solve(ds):
    if threading.current_thread() is not threading.main_thread():
        pytest.skip("signals reach the main thread only")
    s = slow_solver(ds)
    old = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        threading.Timer(0.3, os.kill, (os.getpid(), signal.SIGINT)).start()
        with pytest.raises(KeyboardInterrupt):
            s.solve(autos_tariffs(s))
    finally:
        signal.signal(signal.SIGINT, old)
    # the library stopped through the cancel flag (not its time budget), and the solver
    # works on
    assert s.last_info["stop"] == "cancelled"
    s2 = tradeq.Solver(s.baseline)
    assert s2.solve(autos_tariffs(s2)).converged


def rss_mb():
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2 ** 20


def test_no_leak_under_repeated_load_and_run():
    def once():
        s = tradeq.Session()
        ds = s.load("wiod2014")
        r = s.run(data=ds)
        assert r.bilateral.shape[0] > 80000  # the full tables, about 20 MB in the library
        sol = tradeq.Solver(ds.baseline()).solve()
        return sol.converged

    for _ in range(2):  # warm up allocator pools and caches
        once()
    gc.collect()
    tracemalloc.start()
    rss0, snap0 = rss_mb(), tracemalloc.take_snapshot()
    objs0 = len(gc.get_objects())
    for _ in range(6):
        assert once()
    gc.collect()
    grown = sum(st.size_diff for st in tracemalloc.take_snapshot().compare_to(snap0, "filename"))
    tracemalloc.stop()
    # Python objects: nothing kept per round (a leak of one round's frames is MBs)
    assert grown < 256 * 1024, grown
    assert len(gc.get_objects()) - objs0 < 500
    # library memory: each round loads a dataset, solves, builds ~20 MB of tables and
    # frees them with the session; leaked outcomes alone would be 3 MB a round, leaked
    # tables or sessions 15 MB
    print("python heap %+d bytes, %+d objects, rss %+.1f MB over 6 rounds"
          % (grown, len(gc.get_objects()) - objs0, rss_mb() - rss0))
    assert rss_mb() - rss0 < 10, (rss0, rss_mb())
