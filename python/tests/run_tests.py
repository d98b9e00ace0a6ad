#!/usr/bin/env python3
"""ctest entry of the Python package's suite: exit 77 (skipped) when this interpreter
lacks numpy, pandas or pytest (Debian's python3-numpy, python3-pandas, python3-pytest),
else run pytest on this folder. usage: run_tests.py [pytest args]

About 35 s (a CLI run writing every result table, a leak check over repeated runs):
tq-test-label: slow
"""
import os
import sys

missing = []
for mod in ("numpy", "pandas", "pytest"):
    try:
        __import__(mod)
    except ImportError:
        missing.append(mod)
if missing:
    print("SKIP: %s lacks %s (Debian: apt-get install python3-numpy python3-pandas python3-pytest)"
          % (sys.executable, ", ".join(missing)))
    sys.exit(77)
import pytest  # noqa: E402

here = os.path.dirname(os.path.abspath(__file__))
sys.exit(pytest.main(["-q", "-p", "no:cacheprovider", here] + sys.argv[1:]))
