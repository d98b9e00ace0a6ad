#!/usr/bin/env bash
# Regenerate the seed corpora of the folder targets whose first input byte picks a fixture
# file (fuzz_kite, fuzz_cp2015, fuzz_tradeq): each target, run once on an empty input with
# TQ_FUZZ_WRITE_SEEDS set, writes one seed per fixture file (tests/fuzz/fuzz_common.h,
# fz_write_seeds). Usage: tests/fuzz/make_seeds.sh [FUZZ_BUILD_DIR] (default build-fuzz,
# configured with CC=clang -DTQ_FUZZ=ON).
set -euo pipefail
cd "$(dirname "$0")/../.."
b=${1:-build-fuzz}
empty=$(mktemp); trap 'rm -f "$empty"' EXIT
for t in fuzz_kite fuzz_cp2015 fuzz_tradeq; do
  out=tests/fuzz/corpus/$t
  rm -rf "$out"; mkdir -p "$out"
  TQ_FUZZ_WRITE_SEEDS=$PWD/$out "$b/$t" "$empty" > /dev/null 2>&1
  echo "$t: $(ls "$out" | wc -l) seeds"
done
