#!/usr/bin/env bash
# Install the Debian 12 packages tradeq needs to build and test (run as root).
set -euo pipefail
pkgs=(build-essential cmake ninja-build pkg-config zlib1g-dev libcmocka-dev liblapacke-dev
      libopenblas-dev libyaml-dev libjansson-dev libxlsxwriter-dev libreadstat-dev
      clang libclang-rt-14-dev libzip-dev libxml2-dev libnlopt-dev)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# the ctypes smoke test (tests/python) needs a Python 3 interpreter, whichever
command -v python3 >/dev/null 2>&1 || missing+=(python3)
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

