#!/usr/bin/env python3
"""A tariff sweep with tradeq.Solver, plotted (docs/python.md): the US tariff on Japanese
motor vehicles raised by 0 to 100 points, welfare of the US and Japan. Writes sweep.png
(or the path given). Needs Debian's python3-matplotlib."""
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

import tradeq  # noqa: E402

ds = tradeq.load("wiod2014")
s = tradeq.Solver(ds.baseline(), warm_start=True)
usa, jpn, cars = s.region("USA"), s.region("JPN"), s.sector("C20")
points = np.arange(0, 101, 5)
rows = []
for pp in points:
    t = s.base_tariffs.copy()
    t[usa, jpn, cars] += pp / 100
    sol = s.solve(t)
    rows.append((sol.welfare[usa], sol.welfare[jpn]))
w = np.array(rows)
for k, pp in enumerate(points):
    print("+%3d pp  USA %+.4f%%  JPN %+.4f%%" % (pp, w[k, 0], w[k, 1]))
plt.plot(points, w[:, 0], label="USA")
plt.plot(points, w[:, 1], label="JPN")
plt.xlabel("US tariff on Japanese motor vehicles, points added")
plt.ylabel("welfare change, %")
plt.legend()
out = sys.argv[1] if len(sys.argv) > 1 else "sweep.png"
plt.savefig(out, dpi=120)
print("wrote", out)
