"""tradeq from Python: datasets, scenario runs and repeated solves over libtradeq.so.

    import tradeq
    ds = tradeq.load("wiod2014")              # an embedded dataset (or a path)
    r = tradeq.run()                           # the default question (us-japan-autos)
    r.regions                                  # a DataFrame, the columns of results_regions.csv
    s = tradeq.Solver(ds.baseline())           # many solves against one baseline
    sol = s.solve(tariffs)                     # tariffs: an (N, N, J) array of ad valorem rates

Every call goes through the library's run pipeline (include/tradeq.h, "runner"): the
same datasets, caches, scenario files and result tables as the tradeq program. Errors
are raised as tradeq.Error subclasses carrying the file, line, column and field the
library names. Solves run with the GIL released; Ctrl-C stops a running solve through
the context's cancel flag (KeyboardInterrupt is raised once the library has stopped).
See docs/python.md.
"""
import concurrent.futures
import ctypes as C
import json
import os
import re
import threading
import weakref

import numpy as np
import pandas as pd

from . import _lib as L
from ._lib import lib

__version__ = lib.tq_version().decode()
__all__ = ["load", "run", "Session", "Dataset", "Baseline", "Result", "Solver", "Solution",
           "Error", "NoMemoryError", "FileError", "ParseError", "InvalidError", "NotFoundError",
           "NotConvergedError", "CancelledError", "ExistsError", "UnsupportedError",
           "default_scenario", "data_dir"]

# ------------------------------------------------------------------ errors ---


class Error(Exception):
    """A failure reported by libtradeq. str(e) is the library's one-line message;
    status (a negative tq_status), file, line, column (0 when not known), field and
    message (the bare message) are its parts."""

    def __init__(self, text, status=-4, file="", line=0, column=0, field="", message=""):
        super().__init__(text)
        self.status, self.file, self.line, self.column = status, file, line, column
        self.field, self.message = field, message or text

    @property
    def where(self):
        """"file:line:column" (as much of it as is known), "" when no file."""
        if not self.file:
            return ""
        return self.file + "".join(":%d" % v for v in (self.line, self.column) if v)


class NoMemoryError(Error, MemoryError):
    """TQ_ERR_NOMEM"""


class FileError(Error, OSError):
    """TQ_ERR_IO: a file is missing, unreadable or unwritable."""


class ParseError(Error, ValueError):
    """TQ_ERR_PARSE: malformed input (a scenario file, a data file)."""


class InvalidError(Error, ValueError):
    """TQ_ERR_INVALID: a bad argument or inconsistent data."""


class NotFoundError(Error, LookupError):
    """TQ_ERR_NOT_FOUND: an unknown dataset, region, sector, year or preset."""


class NotConvergedError(Error):
    """TQ_ERR_NOT_CONVERGED: the solver stopped short; .result (when there is one) holds
    what it reached, with the residual in its solver table."""
    result = None


class CancelledError(Error):
    """TQ_ERR_CANCELLED"""


class ExistsError(Error, FileExistsError):
    """TQ_ERR_EXISTS"""


class UnsupportedError(Error):
    """TQ_ERR_UNSUPPORTED"""


_ERRORS = {L.ERR_NOMEM: NoMemoryError, L.ERR_IO: FileError, L.ERR_PARSE: ParseError,
           L.ERR_INVALID: InvalidError, L.ERR_NOT_FOUND: NotFoundError,
           L.ERR_NOT_CONVERGED: NotConvergedError, L.ERR_CANCELLED: CancelledError,
           L.ERR_EXISTS: ExistsError, L.ERR_UNSUPPORTED: UnsupportedError}
# scenario errors put the place as "file:line:column" in the file field
_PLACE = re.compile(r"^(.*?):(\d+)(?::(\d+))?$")


def _error(ctx, status):
    """The exception for status with the detail recorded in ctx."""
    e = lib.tq_last_error(ctx).contents
    buf = C.create_string_buffer(4096)
    lib.tq_error_format(ctx, buf, len(buf))
    text = buf.value.decode("utf-8", "replace")
    file = e.file.decode("utf-8", "replace")
    line, column = int(e.line), 0
    m = _PLACE.match(file)
    if m and line == 0:
        file, line, column = m.group(1), int(m.group(2)), int(m.group(3) or 0)
    cls = _ERRORS.get(status, Error)
    return cls(text, status, file, line, column, e.field.decode("utf-8", "replace"),
               e.message.decode("utf-8", "replace"))


def _b(s):
    return None if s is None else os.fsencode(s) if isinstance(s, os.PathLike) else s.encode()


def _s(b):
    return None if b is None else b.decode("utf-8", "replace")


# ---------------------------------------------------- calls and Ctrl-C ---

_executor = None
_executor_lock = threading.Lock()


def _worker():
    global _executor
    with _executor_lock:
        if _executor is None:
            _executor = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="tradeq")
        return _executor


class Session:
    """A library context and a runner: the caches of loaded datasets and baselines.
    tradeq.load / tradeq.run use one default session; make others to use another data
    folder (data_dir: the only folder searched, as tq_runner_set_data_dir; default: the
    library's search, or the data installed with the package by cmake --install when
    $TRADEQ_DATA is not set) or to work
    from several threads (a session serialises its calls). Freed when collected, after
    every dataset, result and solver made from it."""

    def __init__(self, data_dir=None):
        ctx, runner = C.c_void_p(), C.c_void_p()
        st = lib.tq_context_new(C.byref(ctx), None)
        if st:
            raise NoMemoryError("tradeq: cannot create a context", st)
        st = lib.tq_runner_new(ctx, C.byref(runner))
        if st:
            lib.tq_context_free(ctx)
            raise NoMemoryError("tradeq: cannot create a runner", st)
        self._ctx, self._runner = ctx.value, runner.value
        self._lock = threading.RLock()
        self.busy = False  # a long call is running on the calling thread
        self._finalizer = weakref.finalize(self, _free_session, self._ctx, self._runner)
        if data_dir is None and not os.environ.get("TRADEQ_DATA"):
            data_dir = L.installed_data()  # a package installed by cmake --install: its data
        if data_dir is not None:
            self.call(lib.tq_runner_set_data_dir, self._runner, _b(os.fspath(data_dir)))

    @property
    def data_dir(self):
        """The first data folder that exists ("" if none)."""
        return _s(lib.tq_runner_data_dir(self._runner))

    def cancel(self):
        """Ask the running operation of this session to stop (from any thread)."""
        lib.tq_context_cancel(self._ctx)

    def call(self, fn, *args, ok=(L.OK,), long=False):
        """Call library function fn(*args) returning a tq_status; raise on failure.
        A long call (a load, a solve) made from the main thread runs on a worker thread,
        so that Ctrl-C (a KeyboardInterrupt in the main thread) can cancel it through
        the context; the GIL is released while the library works."""
        with self._lock:
            lib.tq_context_reset_cancel(self._ctx)
            if not long or threading.current_thread() is not threading.main_thread():
                self.busy = long
                try:
                    st = fn(*args)
                finally:
                    self.busy = False
            else:
                fut = _worker().submit(fn, *args)
                try:
                    while True:
                        try:
                            st = fut.result(timeout=0.5)
                            break
                        except concurrent.futures.TimeoutError:
                            continue
                except KeyboardInterrupt:
                    lib.tq_context_cancel(self._ctx)
                    concurrent.futures.wait([fut])  # the library stops at its next check
                    raise
            if st not in ok:
                raise _error(self._ctx, st)
            return st

    def error(self, st):
        return _error(self._ctx, st)

    def load(self, name=None, *, elasticities=None, region_map=None, sector_map=None):
        return Dataset._load(self, name, elasticities, region_map, sector_map)

    def run(self, scenario=None, **kw):
        return _run(self, scenario, **kw)


def _free_session(ctx, runner):
    lib.tq_runner_free(runner)
    lib.tq_context_free(ctx)


_default = None
_default_lock = threading.Lock()


def _session(session=None):
    global _default
    if session is not None:
        return session
    with _default_lock:
        if _default is None:
            _default = Session()
        return _default


def data_dir():
    """The first data folder the default session searches."""
    return _session().data_dir


def default_scenario():
    """Path of the shipped default scenario (us-japan-autos.yaml)."""
    s = _session()
    buf = C.create_string_buffer(8192)
    s.call(lib.tq_runner_default_scenario, s._runner, buf, len(buf))
    return buf.value.decode()


# ----------------------------------------------------------------- arrays ---

def _array(ptr, n):
    """A copy of n doubles at ptr (a ctypes double pointer)."""
    if not ptr or n == 0:
        return np.zeros(0)
    return np.ctypeslib.as_array(ptr, shape=(n,)).copy()


# ---------------------------------------------------------------- dataset ---

class Dataset:
    """A dataset of the session's cache (tradeq.load). Read-only: the arrays handed out
    are copies. Properties: name, source, regions, region_names, sectors, sector_names,
    tradable, years, shape (N, J), hash."""

    def __init__(self, session, ptr, key):
        self._session, self._ptr, self._key = session, ptr, key
        n, j = lib.tq_dataset_regions(ptr), lib.tq_dataset_sectors(ptr)
        self.shape = (n, j)
        self.name = _s(lib.tq_dataset_name(ptr))
        self.source = _s(lib.tq_dataset_source(ptr))
        self.regions = [_s(lib.tq_dataset_region_code(ptr, k)) for k in range(n)]
        self.region_names = [_s(lib.tq_dataset_region_name(ptr, k)) for k in range(n)]
        self.sectors = [_s(lib.tq_dataset_sector_code(ptr, k)) for k in range(j)]
        self.sector_names = [_s(lib.tq_dataset_sector_name(ptr, k)) for k in range(j)]
        self.tradable = [bool(lib.tq_dataset_sector_tradable(ptr, k)) for k in range(j)]
        self.years = [lib.tq_dataset_year(ptr, y) for y in range(lib.tq_dataset_years(ptr))]
        self.has_io = bool(lib.tq_dataset_has_io(ptr))
        self.hash = "%016x" % lib.tq_dataset_hash(ptr)

    @classmethod
    def _load(cls, session, name, elasticities, region_map, sector_map):
        out = C.c_void_p()
        session.call(lib.tq_runner_dataset_set, session._runner, _b(name), _b(elasticities),
                     _b(region_map), _b(sector_map), C.byref(out), long=True)
        return cls(session, out.value, (name, elasticities, region_map, sector_map))

    def __repr__(self):
        return "<tradeq.Dataset %s: %d regions x %d sectors, years %s>" % (
            self.name, self.shape[0], self.shape[1],
            "%d-%d" % (self.years[0], self.years[-1]) if len(self.years) > 1 else self.years)

    def _year_index(self, year):
        if year is None:
            return len(self.years) - 1
        y = lib.tq_dataset_find_year(self._ptr, int(year))
        if y < 0:
            raise NotFoundError("dataset %s has no year %s (it has %s)" % (self.name, year, self.years),
                                L.ERR_NOT_FOUND, field="year")
        return y

    def array(self, which, year=None):
        """A copy of dataset array `which` ("Z", "TARIFF", "GAMMA", "BETA", "ALPHA", "VA",
        "DEFICIT", "THETA", "X", "XJ", "PI", "Y", "R", "I") of year (default the last),
        shaped by its index order: (N, N, J) for [n,i,j] / [n,k,j], (N, J), (N,) or (J,)."""
        n = C.c_size_t()
        a = _array(lib.tq_dataset_array_const(self._ptr, L.ARRAY[which.upper()], self._year_index(year),
                                              C.byref(n)), n.value)
        N, J = self.shape
        for shape in ((N, N, J), (N, J, J), (N, J), (N,), (J,)):
            if int(np.prod(shape)) == a.size:
                return a.reshape(shape)
        return a

    def flows(self, year=None):
        """Bilateral flows of year (default the last) as a DataFrame in tradeq's own
        long format (docs/formats/tradeq.md): exporter, importer, sector, value
        (pre-tariff, M USD: Z[n,i,j], importer n buys from exporter i) and tariff (ad
        valorem, 0.25 = 25%); one row per cell, importer-major, domestic cells included."""
        z, t = self.array("Z", year).ravel(), self.array("TARIFF", year).ravel()
        N, J = self.shape
        reg, sec = np.array(self.regions, dtype=object), np.array(self.sectors, dtype=object)
        return pd.DataFrame({
            "year": np.full(N * N * J, self.years[self._year_index(year)], dtype=np.int64),
            "exporter": np.tile(np.repeat(reg, J), N),
            "importer": np.repeat(reg, N * J),
            "sector": np.tile(sec, N * N),
            "value": z,
            "tariff": t,
        })

    def baseline(self, year=None, closure="fixed"):
        """The base equilibrium of year (default the last) with closure "fixed" or
        "balanced" (tq_runner_baseline: recalibrated, cached by the session)."""
        cl = _closure(closure)
        y = self._year_index(year)
        out = C.c_void_p()
        self._session.call(lib.tq_runner_baseline, self._session._runner, self._ptr, y, cl, None,
                           C.byref(out), long=True)
        return Baseline(self, out.value, y, cl)


def _closure(closure):
    if isinstance(closure, int):
        return closure
    try:
        return L.CLOSURES.index(closure)
    except ValueError:
        raise InvalidError("closure is one of %s, not %r" % (", ".join(L.CLOSURES), closure),
                           L.ERR_INVALID, field="closure") from None


def _info(p):
    i = p.contents
    return {"status": i.status, "converged": i.status == L.OK, "stop": L.STOPS[i.stop]
            if 0 <= i.stop < len(L.STOPS) else str(i.stop), "iterations": i.iterations,
            "sweeps": i.sweeps, "residual": i.residual, "res_e2": i.res_e2, "res_e4": i.res_e4,
            "res_e5": i.res_e5, "seconds": i.seconds, "method": L.METHODS[i.method]
            if 0 <= i.method < len(L.METHODS) else str(i.method), "threads": i.threads}


class Baseline:
    """A base equilibrium (Dataset.baseline), owned by the session's cache."""

    def __init__(self, dataset, ptr, year_index, closure):
        self.dataset, self._ptr, self.year_index, self.closure = dataset, ptr, year_index, closure
        self.year = dataset.years[year_index]
        self.shape = dataset.shape

    def __repr__(self):
        return "<tradeq.Baseline %s %d, closure %s>" % (self.dataset.name, self.year,
                                                        L.CLOSURES[self.closure])

    @property
    def info(self):
        """The recalibration solve (a dict: converged, iterations, residual, ...)."""
        return _info(lib.tq_baseline_info(self._ptr, None, None))

    def array(self, which):
        """A copy of base array `which` (TARIFF, PI [n,i,j]; XJ, ALPHA, BETA [n,j]; GAMMA
        [n,k,j]; VA, DEFICIT, I, R [n]; THETA [j]), shaped as Dataset.array."""
        n = C.c_size_t()
        a = _array(lib.tq_baseline_array(self._ptr, L.ARRAY[which.upper()], C.byref(n)), n.value)
        N, J = self.shape
        for shape in ((N, N, J), (N, J, J), (N, J), (N,), (J,)):
            if int(np.prod(shape)) == a.size:
                return a.reshape(shape)
        return a


def load(name=None, *, elasticities=None, region_map=None, sector_map=None, session=None):
    """The dataset called name (an embedded name such as "wiod2014", or a path; None:
    the default dataset), with a named elasticity set and aggregation (a preset name or a
    map CSV) as tradeq's --elasticities / --aggregate. Loaded once per session."""
    return _session(session).load(name, elasticities=elasticities, region_map=region_map,
                                  sector_map=sector_map)


# ----------------------------------------------------------------- tables ---

def _frame(tables, k):
    """Table k of a tq_tables as a DataFrame: the CSV's columns in its order; text as
    str, number as float64 (NaN = missing), integer and 0/1 flag as int64."""
    n = lib.tq_tables_rows(tables, k)
    cols = {}
    for c in range(lib.tq_tables_cols(tables, k)):
        name = lib.tq_tables_col_name(tables, k, c).decode()
        typ = lib.tq_tables_col_type(tables, k, c)
        if typ == L.COL_TEXT:
            ptrs = np.zeros(n, dtype=np.uintp)
            st = lib.tq_tables_texts(tables, k, c, 0, n, ptrs.ctypes.data_as(C.c_void_p))
            if st:
                raise InvalidError("tradeq: cannot read column %s" % name, st)
            # the cells point into the tables' string pool: decode each string once
            uniq, inv = np.unique(ptrs, return_inverse=True)
            text = np.array([C.string_at(int(p)).decode("utf-8", "replace") for p in uniq] + [""],
                            dtype=object)
            cols[name] = text[inv] if n else np.array([], dtype=object)
        else:
            v = np.empty(n, dtype=np.float64)
            st = lib.tq_tables_numbers(tables, k, c, 0, n, v.ctypes.data_as(C.POINTER(C.c_double)))
            if st:
                raise InvalidError("tradeq: cannot read column %s" % name, st)
            cols[name] = v if typ == L.COL_NUMBER else v.astype(np.int64)
    return pd.DataFrame(cols)


def _units(tables, k):
    return {lib.tq_tables_col_name(tables, k, c).decode(): lib.tq_tables_col_unit(tables, k, c).decode()
            for c in range(lib.tq_tables_cols(tables, k))}


def _free_tables(ptr, session):
    lib.tq_tables_free(ptr)


class _Tables:
    """Owner of a tq_tables."""

    def __init__(self, session, runs, detail):
        arr = (L.Run * len(runs))(*runs)
        out = C.c_void_p()
        session.call(lib.tq_tables_new, session._ctx, arr, len(runs), detail, C.byref(out), long=True)
        self.ptr = out.value
        # the tables are freed through their context's allocator: the session outlives them
        self._finalizer = weakref.finalize(self, _free_tables, self.ptr, session)
        self.names = [lib.tq_tables_name(self.ptr, k).decode() for k in range(lib.tq_tables_count(self.ptr))]
        self._frames = {}

    def frame(self, name):
        if name not in self._frames:
            k = lib.tq_tables_find(self.ptr, name.encode())
            if k < 0:
                raise NotFoundError("no table %r (the tables are %s)" % (name, ", ".join(self.names)),
                                    L.ERR_NOT_FOUND, field="table")
            self._frames[name] = _frame(self.ptr, k)
        return self._frames[name]

    def units(self, name):
        self.frame(name)  # NotFoundError for a table not held
        return _units(self.ptr, lib.tq_tables_find(self.ptr, name.encode()))


# -------------------------------------------------------------------- run ---

def _spec(session, scenario):
    """Parse scenario (None: the default file; a dict; YAML text; a path) into a tq_spec."""
    out = C.c_void_p()
    if scenario is None:
        scenario = _default_path(session)
    if isinstance(scenario, dict):
        text = json.dumps(scenario, indent=1).encode()  # JSON is YAML's flow style
        session.call(lib.tq_spec_parse, session._ctx, text, len(text), b"<dict>", C.byref(out))
    elif isinstance(scenario, (str, os.PathLike)) and (
            isinstance(scenario, os.PathLike) or "\n" not in scenario and os.path.exists(scenario)
            or re.search(r"\.ya?ml$", scenario)):
        session.call(lib.tq_spec_load, session._ctx, _b(os.fspath(scenario)), C.byref(out))
    elif isinstance(scenario, str):
        text = scenario.encode()
        session.call(lib.tq_spec_parse, session._ctx, text, len(text), b"<string>", C.byref(out))
    else:
        raise TypeError("scenario is a dict, YAML text or a path, not %s" % type(scenario).__name__)
    return out.value


def _default_path(session):
    buf = C.create_string_buffer(8192)
    session.call(lib.tq_runner_default_scenario, session._runner, buf, len(buf))
    return buf.value.decode()


def _free_run(spec, outcomes, session=None, sweeps=()):
    # a run with draws: its outcomes belong to its sweeps
    if sweeps:
        for sw in sweeps:
            lib.tq_sweep_free(sw)
    else:
        for oc in outcomes:
            lib.tq_outcome_free(oc)
    lib.tq_spec_free(spec)


class Result:
    """The outcome of tradeq.run: one or more solved scenarios. Tables (DataFrames with
    the columns of the CSV result files, docs/results.md): regions, region_sector,
    pair_sector, bilateral, decomposition (full detail only) and run (alias solver).
    Built from the library's table model on first access."""

    def __init__(self, session, spec, outcomes, detail, sweeps=()):
        self._session, self._spec, self._outcomes = session, spec, outcomes
        self.detail = "full" if detail == L.DETAIL_FULL else "summary"
        self._detail = detail
        self._tables = None
        # after the tables (made later, collected first) and before the session
        self._finalizer = weakref.finalize(self, _free_run, spec, list(outcomes), session, list(sweeps))
        self.scenarios = []
        for oc in outcomes:
            run = L.Run()
            lib.tq_outcome_run(oc, C.byref(run))
            self.scenarios.append(_s(run.scenario))

    def __repr__(self):
        return "<tradeq.Result %s (%s detail)>" % (", ".join(self.scenarios), self.detail)

    def _runs(self):
        runs = []
        for oc in self._outcomes:
            run = L.Run()
            lib.tq_outcome_run(oc, C.byref(run))
            runs.append(run)
        return runs

    @property
    def tables(self):
        """The names of the tables this result holds."""
        return self._t(self._detail).names

    # regions, pair_sector and run are the same at both detail levels: they come from
    # summary tables, so that reading them does not build the full ones (about 0.5 s
    # and 20 MB for wiod2014)
    _SAME = ("regions", "pair_sector", "run")

    def _t(self, detail):
        if self._tables is None:
            self._tables = {}
        if detail not in self._tables:
            self._tables[detail] = _Tables(self._session, self._runs(), detail)
        return self._tables[detail]

    def _for(self, name):
        return self._t(L.DETAIL_SUMMARY if name in self._SAME else self._detail)

    def table(self, name):
        """Table `name` as a DataFrame (built once; the same frame is returned again)."""
        return self._for(name).frame(name)

    def units(self, name):
        """{column: unit} of table `name` ("M USD", "%", "points", "0/1", "s" or "")."""
        return self._for(name).units(name)

    regions = property(lambda self: self.table("regions"))
    region_sector = property(lambda self: self.table("region_sector"))
    pair_sector = property(lambda self: self.table("pair_sector"))
    bilateral = property(lambda self: self.table("bilateral"))
    decomposition = property(lambda self: self.table("decomposition"))
    run = property(lambda self: self.table("run"))
    solver = run

    def array(self, which, k=0):
        """A copy of result array `which` (tq_result_array: "WELFARE", "WHAT", "PHAT",
        "PI", "TOT_NIJ", ...) of scenario k, shaped (N,), (N, J) or (N, N, J)."""
        ds = lib.tq_outcome_dataset(self._outcomes[k])
        N, J = lib.tq_dataset_regions(ds), lib.tq_dataset_sectors(ds)
        n = C.c_size_t()
        a = _array(lib.tq_result_array(lib.tq_outcome_result(self._outcomes[k]), L.RESULT[which.upper()],
                                       C.byref(n)), n.value)
        for shape in ((N, N, J), (N, J), (N,)):
            if int(np.prod(shape)) == a.size:
                return a.reshape(shape)
        return a


def _run(session, scenario=None, *, data=None, closure=None, elasticities=None, detail="full",
         tol=None, method=None, max_iter=None, threads=None, max_seconds=None, draws=None, model=None,
         seed=1, draw_params=None):
    if draws is not None and draws != "sets" and (isinstance(draws, bool) or not isinstance(draws, int)
                                                  or draws < 1):
        raise InvalidError("draws is a number of draws (1 or more) or 'sets', not %r" % (draws,),
                           L.ERR_INVALID, field="draws")
    drawn = (0, 0)  # tq_sweep_options.draw_theta, .draw_partial: 0 the scenario's choice
    if draw_params is not None:
        names = [draw_params] if isinstance(draw_params, str) else list(draw_params)
        if not names or any(n not in ("theta", "partial_effects") for n in names):
            raise InvalidError("draw_params lists 'theta' and/or 'partial_effects', not %r" % (draw_params,),
                               L.ERR_INVALID, field="draw_params")
        drawn = (1 if "theta" in names else -1, 1 if "partial_effects" in names else -1)
    if isinstance(data, Dataset):
        if data._key[2] or data._key[3]:
            raise InvalidError("a run on an aggregated dataset names its maps in the scenario "
                               "(data: aggregate:), not through data=", L.ERR_INVALID, field="data")
        session = data._session
        if elasticities is None:
            elasticities = data._key[1]
        data = data._key[0] if data._key[0] is not None else None
    det = {"full": L.DETAIL_FULL, "summary": L.DETAIL_SUMMARY}.get(detail)
    if det is None:
        raise InvalidError("detail is 'summary' or 'full', not %r" % (detail,), L.ERR_INVALID, field="detail")
    spec = _spec(session, scenario)
    outcomes, sweeps = [], []
    try:
        if closure is not None:
            cl = _closure(closure)
            info = L.SpecInfo()
            for k in range(lib.tq_spec_count(spec)):
                lib.tq_spec_get(spec, k, C.byref(info))
                if info.closure == 3 and cl != 3:
                    raise InvalidError("%s: scenario '%s' sets deficit targets (closure target); closure=%r "
                                       "would drop them" % (_s(info.origin), _s(info.name), closure),
                                       L.ERR_INVALID, field="closure")
            session.call(lib.tq_spec_set_closure, spec, -1, cl)
        o = L.RunOptions()
        keep = []  # the strings o points to
        if data is not None:
            keep.append(_b(os.fspath(data)))
            o.dataset = keep[-1]
        if elasticities is not None:
            keep.append(_b(elasticities))
            o.elasticities = keep[-1]
        if model is not None:
            keep.append(_b(model))
            o.model = keep[-1]
        o.tol = tol or 0.0
        o.method = 0 if method is None else L.METHODS.index(method)
        o.max_iter = max_iter or 0
        o.threads = threads or 0
        o.max_seconds = max_seconds or 0.0
        failed = None
        for k in range(lib.tq_spec_count(spec)):
            out = C.c_void_p()
            # the central run and its draws (draws=, else the scenario's own uncertainty:
            # mapping) through the library's sweep, as tradeq run --draws does: the outcome
            # (with its bands) belongs to the sweep
            swo = L.SweepOptions()
            lib.tq_sweep_options_default(C.byref(swo))
            swo.run = o
            swo.run.threads = 0
            swo.threads = threads or 0
            swo.draw_theta, swo.draw_partial = drawn
            sw = C.c_void_p()
            sd = C.c_uint64(seed)
            try:
                session.call(lib.tq_sweep_new_draws, session._runner, spec, k, C.byref(swo),
                             None if draws is None else _b(str(draws)),
                             None if draws is None else C.byref(sd), C.byref(sw), long=True)
            finally:
                if sw.value:
                    sweeps.append(sw.value)
            if sw.value:
                session.call(lib.tq_sweep_run, sw, 0, lib.tq_sweep_blocks(sw), long=True)
                bands = C.c_void_p()  # attached to the central run's result, for its tables
                session.call(lib.tq_sweep_bands, sw, C.byref(bands))
                out.value = lib.tq_sweep_outcome(sw)
                outcomes.append(out.value)
            else:
                try:
                    session.call(lib.tq_runner_run, session._runner, spec, k, C.byref(o), C.byref(out),
                                 ok=(L.OK, L.ERR_NOT_CONVERGED), long=True)
                finally:
                    if out.value:
                        outcomes.append(out.value)
            if lib.tq_result_info(lib.tq_outcome_result(out.value)).contents.status != L.OK:
                failed = session.error(L.ERR_NOT_CONVERGED)
                break
    except BaseException:
        _free_run(spec, outcomes, None, sweeps)
        raise
    result = Result(session, spec, outcomes, det, sweeps)
    if failed is not None:
        failed.result = result
        raise failed
    return result


def run(scenario=None, *, data=None, closure=None, elasticities=None, detail="full", tol=None,
        method=None, max_iter=None, threads=None, max_seconds=None, draws=None, seed=1, model=None,
        draw_params=None, session=None):
    """Solve the scenarios of `scenario` as `tradeq run` does and return a Result.

    scenario: None (the default question, scenarios/us-japan-autos.yaml), a path to a
    YAML file, YAML text, or a dict of the same keys (docs/scenarios.md). data: a
    dataset name, path or Dataset overriding the scenario's; closure: "fixed",
    "balanced", "share" or "target" overriding the scenario's; elasticities: a named set
    (docs/elasticities.md); detail: "full" (every table) or "summary"; tol, method
    ("anderson" or "fixed-point"), max_iter, threads, max_seconds: solver settings.
    model: "cp" or "ossa" overriding the scenario's (docs/models.md).
    draws: a number of Monte Carlo draws of theta, or "sets" (each published elasticity
    set): the tables then carry the median and 90% band (columns *_median, *_p05, *_p95)
    beside each headline number, as `tradeq run --draws N --seed S` (docs/uncertainty.md);
    seed: the seed of the draws (default 1, the CLI's). The draws also vary the partial
    effects of ntb: entries that have a standard error (partial_effect: {b, se} or {from,
    coef}); draw_params: "theta", "partial_effects" or both in a list, as --draw-params
    (default: the scenario's uncertainty: mapping, else both).
    Raises ParseError (with file, line, column) for a bad scenario, NotFoundError for an
    unknown dataset, region or sector, NotConvergedError (with .result) when a solve
    stops short, KeyboardInterrupt after Ctrl-C has cancelled the solve."""
    if isinstance(data, Dataset) and session is None:
        session = data._session
    return _run(_session(session), scenario, data=data, closure=closure, elasticities=elasticities,
                detail=detail, tol=tol, method=method, max_iter=max_iter, threads=threads,
                max_seconds=max_seconds, draws=draws, model=model, seed=seed, draw_params=draw_params)


# ----------------------------------------------------------------- solver ---

class Solution:
    """One solve of a Solver: copies of the result arrays, indexed like the dataset.
    welfare, real_wage, cpi, tot, vot, decomp (percent), ev (M USD), what (w^), income,
    revenue, deficit: (N,); phat, chat, x: (N, J). info: the solve's dict. regions: the
    library's regions table (a DataFrame), when the solve was asked for tables=True."""

    _NJ = ("phat", "chat", "x")
    _SMALL = {"what": "WHAT", "welfare": "WELFARE", "ev": "EV", "real_wage": "REAL_WAGE", "cpi": "CPI",
              "tot": "TOT", "vot": "VOT", "decomp": "DECOMP", "income": "INCOME", "revenue": "REVENUE",
              "deficit": "DEFICIT", "phat": "PHAT", "chat": "CHAT", "x": "X"}

    def __init__(self, res, shape, regions):
        N, J = shape
        n = C.c_size_t()
        for attr, which in self._SMALL.items():
            a = _array(lib.tq_result_array(res, L.RESULT[which], C.byref(n)), n.value)
            setattr(self, attr, a.reshape((N, J)) if attr in self._NJ else a)
        self.info = _info(lib.tq_result_info(res))
        self.converged = self.info["converged"]
        self.region_codes = regions
        self.regions = None

    def __repr__(self):
        i = self.info
        return "<tradeq.Solution %s, %d iterations, residual %.2g>" % (
            "converged" if self.converged else "NOT converged (%s)" % i["stop"], i["iterations"], i["residual"])

    def frame(self):
        """The per-region arrays as a DataFrame indexed by region code."""
        return pd.DataFrame({k: getattr(self, k) for k in ("welfare", "ev", "real_wage", "cpi", "tot", "vot",
                                                           "what", "income", "revenue", "deficit")},
                            index=pd.Index(self.region_codes, name="region"))


def _free_solver(solver, scenario, result, baseline):
    lib.tq_result_free(result)
    lib.tq_scenario_free(scenario)
    lib.tq_solver_free(solver)


class Solver:
    """Repeated counterfactual solves against one baseline, without files: tariff
    arrays in, Solutions out (tq_solver: the workspace is allocated once; with
    warm_start=True each solve starts from the last solution, which saves iterations
    along a sweep of nearby scenarios and agrees with cold solves to the tolerance).

        s = tradeq.Solver(tradeq.load("wiod2014").baseline())
        t = s.base_tariffs.copy(); t[s.region("USA"), s.region("JPN"), s.sector("autos")] += 0.25
        sol = s.solve(t)

    baseline: a Baseline, or a Dataset (its default baseline). tol, method, max_iter,
    threads, max_seconds: solver settings (defaults as the library's)."""

    def __init__(self, baseline, *, tol=None, method=None, max_iter=None, threads=None, max_seconds=None,
                 warm_start=False):
        if isinstance(baseline, Dataset):
            baseline = baseline.baseline()
        if not isinstance(baseline, Baseline):
            raise TypeError("Solver needs a tradeq.Baseline (Dataset.baseline()) or a Dataset")
        self.baseline = baseline
        self._session = s = baseline.dataset._session
        self.shape = baseline.shape
        N, J = self.shape
        solver, sc = C.c_void_p(), C.c_void_p()
        s.call(lib.tq_solver_new, s._ctx, baseline._ptr, C.byref(solver))
        st = lib.tq_scenario_new(s._ctx, baseline._ptr, C.byref(sc))
        if st:
            lib.tq_solver_free(solver)
            raise s.error(st)
        self._solver, self._sc, self._res = solver.value, sc.value, C.c_void_p()
        # the result pointer is filled in by the first solve (the c_void_p is shared); the
        # baseline (and through it the session) outlives the solver
        self._finalizer = weakref.finalize(self, _free_solver, self._solver, self._sc, self._res, baseline)
        self._tariffs = np.ctypeslib.as_array(lib.tq_scenario_tariffs(self._sc), shape=(N, N, J))
        self.base_tariffs = baseline.array("TARIFF").reshape(N, N, J)
        self.base_tariffs.flags.writeable = False
        self._domestic = np.eye(N, dtype=bool)
        for fn, v in ((lib.tq_solver_set_tol, tol), (lib.tq_solver_set_max_iter, max_iter),
                      (lib.tq_solver_set_threads, threads), (lib.tq_solver_set_max_seconds, max_seconds)):
            if v is not None:
                s.call(fn, self._solver, v)
        if method is not None:
            s.call(lib.tq_solver_set_method, self._solver, L.METHODS.index(method))
        s.call(lib.tq_solver_set_warm_start, self._solver, 1 if warm_start else 0)
        ds = baseline.dataset
        self.regions, self.sectors = ds.regions, ds.sectors

    @property
    def last_info(self):
        """How the last solve went (a dict as Solution.info; zeros before the first)."""
        return _info(lib.tq_solver_info(self._solver))

    def region(self, code):
        """Index of a region code."""
        return self.regions.index(code)

    def sector(self, code):
        """Index of a sector code."""
        return self.sectors.index(code)

    def solve(self, tariffs=None, *, iceberg=None, closure=None, deficits=None, tables=False):
        """Solve with new tariffs t' (an (N, N, J) array or anything reshapeable to it,
        ad valorem: 0.25 = 25%; None: the base tariffs; domestic cells must stay at the
        base) and optionally iceberg cost changes d^ ((N, N, J), in [1e-3, 1e3]) and a
        closure ("fixed", "balanced", "share", or "target" with deficits: (N,) summing to
        0). Returns a Solution; raises NotConvergedError (with .result, the Solution)
        when the solve stops short. tables=True adds the library's regions table."""
        N, J = self.shape
        t = self.base_tariffs if tariffs is None else np.asarray(tariffs, dtype=np.float64).reshape(N, N, J)
        if not np.all(np.isfinite(t)) or np.any(t <= -1.0) or np.any(t > 999.0):
            raise InvalidError("tariffs: every rate must be finite with 1 + t in (0, 1000]", L.ERR_INVALID,
                               field="tariffs")
        if not np.array_equal(t[self._domestic], self.base_tariffs[self._domestic]):
            raise InvalidError("tariffs: domestic cells [n, n, j] cannot change", L.ERR_INVALID, field="tariffs")
        self._tariffs[...] = t
        s = self._session
        if iceberg is not None:
            d = np.asarray(iceberg, dtype=np.float64).reshape(N, N, J)
            if not np.all((d >= 1e-3) & (d <= 1e3)):
                raise InvalidError("iceberg: every d^ must be in [1e-3, 1e3]", L.ERR_INVALID, field="iceberg")
            np.ctypeslib.as_array(lib.tq_scenario_iceberg(self._sc), shape=(N, N, J))[...] = d
            self._iceberg_set = True
        elif getattr(self, "_iceberg_set", False):
            np.ctypeslib.as_array(lib.tq_scenario_iceberg(self._sc), shape=(N, N, J))[...] = 1.0
        cl = self.baseline.closure if closure is None else _closure(closure)
        target = None
        if deficits is not None:
            dv = np.ascontiguousarray(deficits, dtype=np.float64).reshape(N)
            target = dv.ctypes.data_as(C.POINTER(C.c_double))
        s.call(lib.tq_scenario_set_closure, self._sc, cl, target)
        ok = (L.OK, L.ERR_NOT_CONVERGED)
        if self._res.value is None:
            st = s.call(lib.tq_solver_solve, self._solver, self._sc, C.byref(self._res), ok=ok, long=True)
        else:
            st = s.call(lib.tq_solver_solve_into, self._solver, self._sc, self._res, ok=ok, long=True)
        sol = Solution(self._res, self.shape, self.regions)
        if tables:
            run = L.Run(b"solve", None, None, self.baseline._ptr, self._sc, self._res.value, -1, -1, None)
            sol.regions = _Tables(s, [run], L.DETAIL_SUMMARY).frame("regions")
        if st != L.OK:
            err = s.error(st)
            err.result = sol
            raise err
        return sol
