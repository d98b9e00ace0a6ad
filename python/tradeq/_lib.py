"""The C library (libtradeq.so) through ctypes: where it is found, the prototypes of
the functions the package calls (include/tradeq.h), the structures it reads, and the
constants of the header's enums (tests/test_header.py checks them against tradeq.h)."""
import ctypes as C
import ctypes.util
import os

P = C.c_void_p
PP = C.POINTER(C.c_void_p)
S = C.c_char_p
I = C.c_int
D = C.c_double
Z = C.c_size_t

# tq_status
OK, ERR_NOMEM, ERR_IO, ERR_PARSE, ERR_INVALID, ERR_NOT_FOUND = 0, -1, -2, -3, -4, -5
ERR_NOT_CONVERGED, ERR_CANCELLED, ERR_EXISTS, ERR_UNSUPPORTED = -6, -7, -8, -9

# tq_array (dataset arrays)
ARRAYS = ["Z", "TARIFF", "GAMMA", "BETA", "ALPHA", "VA", "DEFICIT", "THETA",
          "X", "XJ", "PI", "Y", "R", "I"]
ARRAY = {n: k for k, n in enumerate(ARRAYS)}

# tq_result_array
RESULTS = ["WHAT", "PHAT", "CHAT", "PI", "X", "INCOME", "REVENUE", "DEFICIT", "WELFARE", "EV",
           "REAL_WAGE", "CPI", "TOT", "VOT", "DECOMP", "DECOMP_GAP", "TOT_NIJ", "VOT_NIJ"]
RESULT = {n: k for k, n in enumerate(RESULTS)}

CLOSURES = ["fixed", "balanced", "share", "target"]  # tq_closure
METHODS = ["anderson", "fixed-point"]  # tq_method
STOPS = ["none", "converged", "iteration limit", "stalled", "cancelled", "diverged", "time limit"]
COL_TEXT, COL_NUMBER, COL_INTEGER, COL_FLAG = 0, 1, 2, 3  # tq_coltype
DETAIL_SUMMARY, DETAIL_FULL = 0, 1  # tq_detail


class Error(C.Structure):  # tq_error
    _fields_ = [("status", I), ("file", C.c_char * 512), ("line", C.c_long),
                ("field", C.c_char * 128), ("message", C.c_char * 512)]


class SolveInfo(C.Structure):  # tq_solve_info
    _fields_ = [("status", I), ("iterations", I), ("sweeps", I), ("residual", D),
                ("res_e2", D), ("res_e4", D), ("res_e5", D), ("seconds", D), ("method", I),
                ("threads", I), ("stop", I)]


class RunOptions(C.Structure):  # tq_run_options
    _fields_ = [("dataset", S), ("tol", D), ("method", I), ("max_iter", I), ("threads", I),
                ("elasticities", S), ("max_seconds", D), ("model", S)]


class SweepOptions(C.Structure):  # tq_sweep_options
    _fields_ = [("run", RunOptions), ("threads", I), ("block", I), ("seed", C.c_uint64),
                ("theta_floor", D), ("theta_se", C.POINTER(D)), ("draw_theta", I), ("draw_partial", I)]


class SpecInfo(C.Structure):  # tq_spec_info
    _fields_ = [("name", S), ("title", S), ("description", S), ("origin", S), ("dataset", S),
                ("aggregate", S), ("sector_aggregate", S), ("year", I), ("closure", I),
                ("shocks", I), ("overrides", I), ("elasticities", S), ("model", I)]


class Run(C.Structure):  # tq_run
    _fields_ = [("scenario", S), ("scenario_file", S), ("description", S), ("base", P),
                ("sc", P), ("res", P), ("importer", I), ("exporter", I), ("elasticities", S)]


PROTOTYPES = [
    ("tq_version", S, []),
    ("tq_status_string", S, [I]),
    ("tq_context_new", I, [PP, P]),
    ("tq_context_free", None, [P]),
    ("tq_context_cancel", None, [P]),
    ("tq_context_reset_cancel", None, [P]),
    ("tq_last_error", C.POINTER(Error), [P]),
    ("tq_error_format", I, [P, S, Z]),
    ("tq_runner_new", I, [P, PP]),
    ("tq_runner_free", None, [P]),
    ("tq_runner_set_data_dir", I, [P, S]),
    ("tq_runner_data_dir", S, [P]),
    ("tq_runner_dataset_set", I, [P, S, S, S, S, PP]),
    ("tq_runner_baseline", I, [P, P, I, I, P, PP]),
    ("tq_runner_default_scenario", I, [P, S, Z]),
    ("tq_runner_run", I, [P, P, I, C.POINTER(RunOptions), PP]),
    ("tq_outcome_free", None, [P]),
    ("tq_sweep_options_default", None, [C.POINTER(SweepOptions)]),
    ("tq_sweep_new", I, [P, P, I, C.POINTER(SweepOptions), PP]),
    ("tq_sweep_new_draws", I, [P, P, I, C.POINTER(SweepOptions), S, C.POINTER(C.c_uint64), PP]),
    ("tq_sweep_free", None, [P]),
    ("tq_sweep_vary", I, [P, S]),
    ("tq_sweep_prepare", I, [P]),
    ("tq_sweep_blocks", I, [P]),
    ("tq_sweep_run", I, [P, I, I]),
    ("tq_sweep_outcome", P, [P]),
    ("tq_sweep_bands", I, [P, PP]),
    ("tq_outcome_dataset", P, [P]),
    ("tq_outcome_baseline", P, [P]),
    ("tq_outcome_result", P, [P]),
    ("tq_outcome_year_index", I, [P]),
    ("tq_outcome_run", None, [P, C.POINTER(Run)]),
    ("tq_spec_load", I, [P, S, PP]),
    ("tq_spec_parse", I, [P, S, Z, S, PP]),
    ("tq_spec_free", None, [P]),
    ("tq_spec_count", I, [P]),
    ("tq_spec_get", I, [P, I, C.POINTER(SpecInfo)]),
    ("tq_spec_set_closure", I, [P, I, I]),
    ("tq_dataset_regions", I, [P]),
    ("tq_dataset_sectors", I, [P]),
    ("tq_dataset_years", I, [P]),
    ("tq_dataset_name", S, [P]),
    ("tq_dataset_source", S, [P]),
    ("tq_dataset_region_code", S, [P, I]),
    ("tq_dataset_region_name", S, [P, I]),
    ("tq_dataset_sector_code", S, [P, I]),
    ("tq_dataset_sector_name", S, [P, I]),
    ("tq_dataset_sector_tradable", I, [P, I]),
    ("tq_dataset_year", I, [P, I]),
    ("tq_dataset_find_year", I, [P, I]),
    ("tq_dataset_has_io", I, [P]),
    ("tq_dataset_hash", C.c_uint64, [P]),
    ("tq_dataset_array_const", C.POINTER(D), [P, I, I, C.POINTER(Z)]),
    ("tq_baseline_regions", I, [P]),
    ("tq_baseline_sectors", I, [P]),
    ("tq_baseline_array", C.POINTER(D), [P, I, C.POINTER(Z)]),
    ("tq_baseline_info", C.POINTER(SolveInfo), [P, C.POINTER(D), C.POINTER(D)]),
    ("tq_scenario_new", I, [P, P, PP]),
    ("tq_scenario_free", None, [P]),
    ("tq_scenario_tariffs", C.POINTER(D), [P]),
    ("tq_scenario_iceberg", C.POINTER(D), [P]),
    ("tq_scenario_set_closure", I, [P, I, C.POINTER(D)]),
    ("tq_result_free", None, [P]),
    ("tq_result_info", C.POINTER(SolveInfo), [P]),
    ("tq_result_array", C.POINTER(D), [P, I, C.POINTER(Z)]),
    ("tq_solver_new", I, [P, P, PP]),
    ("tq_solver_free", None, [P]),
    ("tq_solver_set_tol", I, [P, D]),
    ("tq_solver_set_method", I, [P, I]),
    ("tq_solver_set_max_iter", I, [P, I]),
    ("tq_solver_set_max_seconds", I, [P, D]),
    ("tq_solver_set_threads", I, [P, I]),
    ("tq_solver_set_warm_start", I, [P, I]),
    ("tq_solver_solve", I, [P, P, PP]),
    ("tq_solver_info", C.POINTER(SolveInfo), [P]),
    ("tq_solver_solve_into", I, [P, P, P]),
    ("tq_tables_new", I, [P, C.POINTER(Run), I, I, PP]),
    ("tq_tables_free", None, [P]),
    ("tq_tables_count", I, [P]),
    ("tq_tables_name", S, [P, I]),
    ("tq_tables_find", I, [P, S]),
    ("tq_tables_cols", I, [P, I]),
    ("tq_tables_col_name", S, [P, I, I]),
    ("tq_tables_col_type", I, [P, I, I]),
    ("tq_tables_col_unit", S, [P, I, I]),
    ("tq_tables_col_label", S, [P, I, I]),
    ("tq_tables_rows", Z, [P, I]),
    ("tq_tables_numbers", I, [P, I, I, Z, Z, C.POINTER(D)]),
    ("tq_tables_texts", I, [P, I, I, Z, Z, P]),
]


def _candidates():
    env = os.environ.get("TRADEQ_LIB")
    if env:
        yield env
    here = os.path.dirname(os.path.abspath(__file__))
    yield os.path.join(here, "libtradeq.so")
    try:  # written by cmake --install beside the package: the installed library
        from ._installed import LIB
        yield LIB
    except ImportError:
        pass
    found = ctypes.util.find_library("tradeq")
    if found:
        yield found
    yield "libtradeq.so.0"
    yield "libtradeq.so"


def installed_data():
    """The data folder installed with the package by cmake --install, or None."""
    try:
        from ._installed import DATA
        return DATA if os.path.isdir(DATA) else None
    except ImportError:
        return None


def load():
    """The library, with every prototype above set. $TRADEQ_LIB names it explicitly;
    else a copy beside this package, else the system's (ldconfig, LD_LIBRARY_PATH)."""
    tried = []
    for path in _candidates():
        if path.startswith("/") and not os.path.exists(path):
            tried.append(path)
            continue
        try:
            lib = C.CDLL(path)
        except OSError as e:
            tried.append("%s (%s)" % (path, e))
            continue
        for name, res, args in PROTOTYPES:
            fn = getattr(lib, name)
            fn.restype, fn.argtypes = res, args
        lib.path = path
        return lib
    raise ImportError("tradeq: cannot load libtradeq.so (set TRADEQ_LIB to its path); tried: "
                      + "; ".join(tried))


lib = load()
