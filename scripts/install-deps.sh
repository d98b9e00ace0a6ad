#!/usr/bin/env bash
# Install the Debian 12 packages tradeq needs to build and test (run as root).
set -euo pipefail
pkgs=(build-essential cmake ninja-build pkg-config zlib1g-dev libcmocka-dev liblapacke-dev
      libopenblas-dev libyaml-dev libjansson-dev libxlsxwriter-dev libreadstat-dev
      clang libclang-rt-14-dev libzip-dev libxml2-dev
      libnlopt-dev  # the strategic layer's optimiser (src/policy/)
      libmicrohttpd-dev  # tradeq serve: the HTTP server (its page is bundled with npm, below)
      libopenmpi-dev openmpi-bin libcairo2-dev)
# libopenmpi-dev / openmpi-bin: tradeq-mpi, the MPI driver of tradeq sweep, and its test
# (tests/cli/test_sweep_mpi.sh); libcairo2-dev: tradeq sweep --plot
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# the ctypes smoke test (tests/python) needs a Python 3 interpreter, whichever
command -v python3 >/dev/null 2>&1 || missing+=(python3)
# node and npm bundle the page of tradeq serve: any install will do (a machine may have
# Node.js from elsewhere, whose npm Debian's npm package would conflict with)
command -v npm >/dev/null 2>&1 || missing+=(nodejs npm)
# the Python package (python/, docs/python.md) with Debian's /usr/bin/python3: numpy and
# pandas, pytest for its suite, setuptools for pip --no-build-isolation, matplotlib for
# the plotted example; the R package (r/, docs/r.md): R with its headers, testthat for
# its suite, data.table for data.table results
for p in python3-numpy python3-pandas python3-pytest python3-setuptools python3-matplotlib \
         r-base-dev r-cran-testthat r-cran-data.table; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

