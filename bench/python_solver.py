#!/usr/bin/env python3
"""100 solves through tradeq.Solver from Python on the default dataset (wiod2014, 2014,
deficits fixed): a sweep of the US tariff on Japanese motor vehicles (sector C20) from
+0 to +49.5 points in steps of 0.5, warm-started (each solve starts from the last
solution) and, for comparison, cold. Prints the wall time of each loop and the machine;
asserts nothing (the 3 s target of issue 14 is read off the output).

usage (from the repository root, after a build in build/):
  TRADEQ_LIB=build/libtradeq.so TRADEQ_DATA=build/data PYTHONPATH=python \\
      /usr/bin/python3 bench/python_solver.py [--threads T] [--solves N]
"""
import argparse
import os
import platform
import time

import tradeq

ap = argparse.ArgumentParser()
ap.add_argument("--threads", type=int, default=0, help="OpenMP threads (0: the default)")
ap.add_argument("--solves", type=int, default=100)
a = ap.parse_args()

cpu = "?"
try:
    cpu = next(line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name"))
except (OSError, StopIteration):
    pass
print("machine: %s, %d cores, %s; Python %s; tradeq %s (%s)" % (
    cpu, os.cpu_count(), platform.platform(), platform.python_version(), tradeq.__version__,
    tradeq._lib.lib.path))
t0 = time.perf_counter()
ds = tradeq.load("wiod2014")
base = ds.baseline()
print("load + baseline: %.3f s (%s)" % (time.perf_counter() - t0, base))
for warm in (True, False):
    s = tradeq.Solver(base, warm_start=warm, threads=a.threads or None)
    n, i, j = s.region("USA"), s.region("JPN"), s.sector("C20")
    t = s.base_tariffs.copy()
    iters = 0
    t0, c0 = time.perf_counter(), time.process_time()
    for k in range(a.solves):
        t[n, i, j] = s.base_tariffs[n, i, j] + 0.005 * k
        sol = s.solve(t)
        iters += sol.info["iterations"]
    dt, cpu_s = time.perf_counter() - t0, time.process_time() - c0
    print("%d solves, %s start: %.3f s wall, %.3f s CPU, all threads (%.1f ms wall a solve, %.1f iterations a "
          "solve); JPN welfare at +%.1f pp: %+.4f%%" % (a.solves, "warm" if warm else "cold", dt, cpu_s,
                                                       1e3 * dt / a.solves, iters / a.solves,
                                                       0.5 * (a.solves - 1), sol.welfare[i]))
with open("/proc/loadavg") as fh:
    print("load average (1, 5, 15 min): %s (a wall time above the CPU time / threads means other processes "
          "had the cores)" % " ".join(fh.read().split()[:3]))
