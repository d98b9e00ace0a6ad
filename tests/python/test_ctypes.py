#!/usr/bin/env python3
"""Smoke test of libtradeq.so from Python's ctypes: the version, a context, a runner,
the default scenario run through the runner, and JPN's welfare against its golden file.

usage: test_ctypes.py LIBTRADEQ_SO SOURCE_DIR
Exit 0 on success, 1 on a failure (each check prints ok / FAIL).
"""
import ctypes as C
import csv
import os
import re
import sys

if len(sys.argv) != 3:
    print(__doc__)
    sys.exit(2)
lib_path, src = sys.argv[1], sys.argv[2]
header = open(os.path.join(src, "include", "tradeq.h"), encoding="utf-8").read()
failures = 0


def check(what, ok):
    global failures
    print(("ok   " if ok else "FAIL ") + what)
    if not ok:
        failures += 1


def enum_values(name):
    """Members of `typedef enum <name> {...}` in tradeq.h, in order (all are 0, 1, 2, ...)."""
    body = re.search(r"typedef enum %s \{(.*?)\}" % name, header, re.S).group(1)
    body = re.sub(r"/\*.*?\*/", "", body, flags=re.S)
    names = [m.group(1) for m in re.finditer(r"\b(TQ_[A-Z0-9_]+)\s*(?:=\s*0\s*)?,", body + ",")]
    return {n: k for k, n in enumerate(names)}


RES = enum_values("tq_result_array")
TQ_OK, TQ_ERR_NOT_FOUND = 0, -5


class SolveInfo(C.Structure):  # tq_solve_info
    _fields_ = [("status", C.c_int), ("iterations", C.c_int), ("sweeps", C.c_int),
                ("residual", C.c_double), ("res_e2", C.c_double), ("res_e4", C.c_double),
                ("res_e5", C.c_double), ("seconds", C.c_double), ("method", C.c_int),
                ("threads", C.c_int)]


lib = C.CDLL(lib_path)
P = C.c_void_p
for fn, res, args in [
    ("tq_version", C.c_char_p, []),
    ("tq_context_new", C.c_int, [C.POINTER(P), P]),
    ("tq_context_free", None, [P]),
    ("tq_error_format", C.c_int, [P, C.c_char_p, C.c_size_t]),
    ("tq_runner_new", C.c_int, [P, C.POINTER(P)]),
    ("tq_runner_free", None, [P]),
    ("tq_runner_set_data_dir", C.c_int, [P, C.c_char_p]),
    ("tq_runner_data_dir", C.c_char_p, [P]),
    ("tq_runner_dataset", C.c_int, [P, C.c_char_p, C.c_char_p, C.c_char_p, C.POINTER(P)]),
    ("tq_runner_default_scenario", C.c_int, [P, C.c_char_p, C.c_size_t]),
    ("tq_runner_run", C.c_int, [P, P, C.c_int, P, C.POINTER(P)]),
    ("tq_spec_load", C.c_int, [P, C.c_char_p, C.POINTER(P)]),
    ("tq_spec_free", None, [P]),
    ("tq_outcome_free", None, [P]),
    ("tq_outcome_dataset", P, [P]),
    ("tq_outcome_result", P, [P]),
    ("tq_dataset_find_region", C.c_int, [P, C.c_char_p]),
    ("tq_dataset_regions", C.c_int, [P]),
    ("tq_result_info", C.POINTER(SolveInfo), [P]),
    ("tq_result_array", C.POINTER(C.c_double), [P, C.c_int, C.POINTER(C.c_size_t)]),
]:
    f = getattr(lib, fn)
    f.restype, f.argtypes = res, args


def error(ctx):
    buf = C.create_string_buffer(2048)
    lib.tq_error_format(ctx, buf, len(buf))
    return buf.value.decode()


want_version = re.search(r'#define TQ_VERSION_STRING "([^"]+)"', header).group(1)
check("tq_version() is %s" % want_version, lib.tq_version().decode() == want_version)

ctx = P()
check("tq_context_new", lib.tq_context_new(C.byref(ctx), None) == TQ_OK)
runner = P()
check("tq_runner_new", lib.tq_runner_new(ctx, C.byref(runner)) == TQ_OK)
# /proc/self/exe is the interpreter here: the search falls back to $TRADEQ_DATA or the
# source tree compiled into the library
check("the runner finds a data folder by itself (%s)" % lib.tq_runner_data_dir(runner),
      bool(lib.tq_runner_data_dir(runner)))
data = os.path.join(src, "data").encode()
check("tq_runner_set_data_dir", lib.tq_runner_set_data_dir(runner, data) == TQ_OK)
check("tq_runner_data_dir is the source tree's data",
      lib.tq_runner_data_dir(runner) == os.path.realpath(data))

# an unknown dataset is an error value with a one-line message
ds = P()
st = lib.tq_runner_dataset(runner, b"no-such-dataset", None, None, C.byref(ds))
msg = error(ctx)
check("unknown dataset: TQ_ERR_NOT_FOUND, says where it looked (%s)" % msg,
      st == TQ_ERR_NOT_FOUND and not ds and os.path.realpath(data).decode() in msg)

path = C.create_string_buffer(4096)
check("tq_runner_default_scenario",
      lib.tq_runner_default_scenario(runner, path, len(path)) == TQ_OK
      and path.value.endswith(b"/scenarios/us-japan-autos.yaml"))
spec = P()
check("tq_spec_load", lib.tq_spec_load(ctx, path.value, C.byref(spec)) == TQ_OK)
outcome = P()
st = lib.tq_runner_run(runner, spec, 0, None, C.byref(outcome))
check("tq_runner_run the default scenario (%s)" % (error(ctx) if st else "ok"), st == TQ_OK and outcome)
if st == TQ_OK:
    res = lib.tq_outcome_result(outcome)
    ds = lib.tq_outcome_dataset(outcome)
    info = lib.tq_result_info(res).contents
    check("solver converged (status %d, %d iterations, residual %.2g)"
          % (info.status, info.iterations, info.residual), info.status == TQ_OK and info.residual <= 1e-10)
    n = C.c_size_t()
    welfare = lib.tq_result_array(res, RES["TQ_RES_WELFARE"], C.byref(n))
    check("welfare has one value per region", n.value == lib.tq_dataset_regions(ds))
    jpn = lib.tq_dataset_find_region(ds, b"JPN")
    with open(os.path.join(src, "tests", "golden", "us-japan-autos.csv"), newline="") as f:
        golden = {r["region"]: float(r["welfare_pct"]) for r in csv.DictReader(f)}
    got = welfare[jpn] if jpn >= 0 else float("nan")
    check("JPN welfare %.9g matches the golden %.9g within 1e-6" % (got, golden["JPN"]),
          jpn >= 0 and abs(got - golden["JPN"]) <= 1e-6)

lib.tq_outcome_free(outcome)
lib.tq_spec_free(spec)
lib.tq_runner_free(runner)
lib.tq_context_free(ctx)
print("%s" % ("all passed" if failures == 0 else "%d failed" % failures))
sys.exit(1 if failures else 0)
