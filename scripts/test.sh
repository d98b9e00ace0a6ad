#!/usr/bin/env bash
# The whole test suite: install, build (warnings are errors), run ctest; then again
# under AddressSanitizer + UndefinedBehaviorSanitizer; then each libFuzzer target
# briefly when clang is present (FUZZ_SECONDS, default 10).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh

# test-only npm packages (the JSON Schema validator); package-lock.json pins them
if [ "${TQ_SKIP_NPM:-0}" != 1 ]; then
  if ! command -v npm >/dev/null 2>&1; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -qq --no-install-recommends nodejs npm
  fi
  if [ ! -d "tests/schema/node_modules/ajv" ]; then
    (cd "tests/schema" && npm ci --no-audit --no-fund --silent)
  fi
  # the end-to-end test of tradeq serve: Debian's chromium driven by playwright-core
  command -v chromium >/dev/null 2>&1 || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium
  if [ ! -d "tests/web/node_modules/playwright-core" ]; then
    (cd "tests/web" && npm ci --no-audit --no-fund --silent)
  fi
fi
jobs=$(nproc)

if command -v clang-format >/dev/null 2>&1 && [ -d .git ]; then
  echo "== formatting (.clang-format)"
  git ls-files '*.c' '*.h' | xargs clang-format --dry-run --Werror
fi

echo "== release build and tests"
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DTQ_WERROR=ON >/dev/null
ninja -C build
ctest --test-dir build --output-on-failure -j "$jobs"

echo "== ASan + UBSan build and tests"
cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DTQ_SANITIZE=ON -DTQ_WERROR=ON >/dev/null
ninja -C build-asan
# tests labelled slow (reference checks; see CMakeLists.txt) ran once above
ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
  ctest --test-dir build-asan --output-on-failure -j "$jobs" -LE slow

if command -v clang >/dev/null 2>&1; then
  echo "== fuzz targets (${FUZZ_SECONDS:-10} s each)"
  CC=clang cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=Debug -DTQ_FUZZ=ON -DTQ_SANITIZE=ON -DTQ_EMBED_DATA=OFF >/dev/null
  ninja -C build-fuzz
  for f in build-fuzz/fuzz_*; do
    [ -x "$f" ] || continue
    name=$(basename "$f")
    corpus=$(mktemp -d)
    [ -d "tests/fuzz/corpus/$name" ] && cp -r "tests/fuzz/corpus/$name/." "$corpus/"
    # a dictionary by input kind: YAML for the scenario targets, CSV for the text readers
    dict=()
    case $name in
      fuzz_spec|fuzz_solve) dict=(-dict=tests/fuzz/dict/yaml.dict) ;;
      fuzz_binary) ;;
      *) dict=(-dict=tests/fuzz/dict/csv.dict) ;;
    esac
    # one thread: a fuzz input is tiny, and OpenMP workers only wait on each other
    OMP_NUM_THREADS=1 "$f" -max_total_time="${FUZZ_SECONDS:-10}" -rss_limit_mb=4096 "${dict[@]}" "$corpus" >"build-fuzz/$name.log" 2>&1 \
      || { tail -50 "build-fuzz/$name.log"; echo "fuzz target $name failed"; exit 1; }
    echo "$name: $(grep -c . "build-fuzz/$name.log") log lines, no crash"
    rm -rf "$corpus"
  done
fi
echo "== all tests passed"
