#!/bin/sh
# ctest entry of the R package (r/): install it with R CMD INSTALL into a library inside
# the build folder, against the build's libtradeq.so, then run its testthat suite.
# usage: ctest.sh R RSCRIPT SOURCE_DIR BUILD_DIR TRADEQ_CLI
# Exit 77 (skipped) when testthat is missing (Debian: r-cran-testthat).
# tq-test-label: slow
set -eu
R=$1 RSCRIPT=$2 src=$3 build=$4 cli=$5
if ! "$RSCRIPT" -e 'quit(status = if (requireNamespace("testthat", quietly = TRUE)) 0 else 1)' >/dev/null 2>&1; then
  echo "SKIP: R lacks testthat (Debian: apt-get install r-cran-testthat)"
  exit 77
fi
# R CMD INSTALL writes into the package folder (src/Makevars, objects): work on a copy
rm -rf "$build/r-src" "$build/r-lib"
mkdir -p "$build/r-src" "$build/r-lib"
cp -R "$src/r/." "$build/r-src/"
rm -f "$build/r-src/src/"*.o "$build/r-src/src/"*.so "$build/r-src/src/Makevars"
TRADEQ_INCLUDE="$src/include" TRADEQ_LIBDIR="$build" "$R" CMD INSTALL --no-multiarch \
  -l "$build/r-lib" "$build/r-src" > "$build/r-install.log" 2>&1 || { cat "$build/r-install.log"; exit 1; }
export TRADEQ_CLI="$cli" TRADEQ_DATA="$build/data" TRADEQ_SOURCE_DIR="$src" R_LIBS="$build/r-lib"
export TQ_R_TESTS="$src/r/tests/testthat"
"$RSCRIPT" -e 'library(tradeq); res <- testthat::test_dir(Sys.getenv("TQ_R_TESTS"), reporter = "summary", stop_on_failure = TRUE)' 2>&1
# Ctrl-C: SIGINT 0.3 s after each "GO <pid>" line of interrupt.R (a signal sent from
# outside, as a terminal does); every round must print ok
"$RSCRIPT" "$src/r/tools/interrupt.R" 2>/dev/null | {
  while IFS= read -r line; do
    case "$line" in
      "GO "*) pid=${line#GO }; (sleep 0.3; kill -INT ${pid% }) & ;;
      *) echo "$line" ;;
    esac
  done
} > "$build/r-interrupt.out"
cat "$build/r-interrupt.out"
[ "$(grep -c '^ok' "$build/r-interrupt.out")" -eq 4 ] && ! grep -q '^FAIL' "$build/r-interrupt.out"
