#!/usr/bin/env bash
# Quick start: install what tradeq needs, build it, and run the main job on the
# embedded default data.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
ninja -C build
./build/tradeq info
./build/tradeq balance USA JPN --by sector
./build/tradeq run
