#!/usr/bin/env bash
# Install into a scratch prefix; the installed tradeq runs from anywhere, and a C program
# built with only `pkg-config --cflags --libs tradeq` links libtradeq.so and runs the
# default scenario through the runner on the installed data.
# Args: $1 tradeq binary, $2 source dir, $3 shared data dir.
set -u
tq=$1
build=$(cd "$(dirname "$tq")" && pwd)
fails=0; passes=0
check() { if [ "$2" -eq 0 ]; then echo "ok   $1"; passes=$((passes+1)); else echo "FAIL $1"; fails=$((fails+1)); fi; }
command -v pkg-config >/dev/null && command -v cc >/dev/null || { echo "SKIP: needs pkg-config and cc"; exit 77; }
if grep -q 'TQ_SANITIZE:BOOL=ON' "$build/CMakeCache.txt" 2>/dev/null; then
  echo "SKIP: a sanitizer build (a program linking the instrumented libtradeq.so needs the sanitizer runtime first)"
  exit 77
fi
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
cmake --install "$build" --prefix "$tmp/prefix" > "$tmp/install.log" 2>&1
check "cmake --install into a scratch prefix" $?
pc=$(dirname "$(find "$tmp/prefix" -name tradeq.pc | head -1)")
[ -n "$pc" ] && [ -f "$pc/tradeq.pc" ]; check "tradeq.pc is installed" $?
so=$(find "$tmp/prefix" -name 'libtradeq.so.0' | head -1)
[ -n "$so" ] && objdump -p "$so" | grep -q 'SONAME *libtradeq.so.0'; check "libtradeq.so.0 with its soname" $?
! nm -D --defined-only "$so" | awk '{print $3}' | grep -q '^tq__'; check "no internal tq__ symbol is exported" $?
(cd / && "$tmp/prefix/bin/tradeq" run > "$tmp/run.txt" 2>&1) && grep -q "solver: converged" "$tmp/run.txt"
check "the installed tradeq runs the default scenario from /" $?
cat > "$tmp/prog.c" <<'C'
#include <stdio.h>
#include <string.h>
#include <tradeq.h>
int main(void)
{
    if (strcmp(tq_version(), TQ_VERSION_STRING)) return 1;
    tq_context *ctx; tq_runner *r; tq_spec *sp; tq_outcome *oc;
    char path[4096];
    if (tq_context_new(&ctx, NULL) || tq_runner_new(ctx, &r) || tq_runner_default_scenario(r, path, sizeof path) ||
        tq_spec_load(ctx, path, &sp) || tq_runner_run(r, sp, 0, NULL, &oc)) {
        char e[1024]; tq_error_format(ctx, e, sizeof e); fprintf(stderr, "%s\n", e); return 1;
    }
    const tq_dataset *ds = tq_outcome_dataset(oc);
    const double *w = tq_result_array(tq_outcome_result(oc), TQ_RES_WELFARE, NULL);
    printf("%s %.9f\n", tq_version(), w[tq_dataset_find_region(ds, "JPN")]);
    tq_outcome_free(oc); tq_spec_free(sp); tq_runner_free(r); tq_context_free(ctx);
    return 0;
}
C
libdir=$(dirname "$so")
PKG_CONFIG_PATH="$pc" cc -std=c17 "$tmp/prog.c" -o "$tmp/prog" $(PKG_CONFIG_PATH="$pc" pkg-config --cflags --libs tradeq) \
  -Wl,-rpath,"$libdir" 2> "$tmp/cc.log" || { cat "$tmp/cc.log"; false; }
check "a program builds with pkg-config --cflags --libs tradeq" $?
(cd / && TRADEQ_DATA="$tmp/prefix/share/tradeq/data" "$tmp/prog" > "$tmp/prog.out" 2>&1)
check "it runs the default scenario through the runner" $?
gold=$(awk -F, '$2=="JPN"{print $3}' "$2/tests/golden/us-japan-autos.csv")
awk -v g="$gold" '{d=$2-g; if(d<0)d=-d; exit !(d < 1e-6)}' "$tmp/prog.out"
check "Japan's welfare equals the golden value ($gold)" $?
# the Python package, installed beside the library in Debian's layout, finds the installed
# library and data by itself (needs Debian's python3 with python3-numpy and -pandas)
pydir="$tmp/prefix/lib/python3/dist-packages"
if /usr/bin/python3 -c "import numpy, pandas" 2>/dev/null; then
  (cd / && env -u TRADEQ_LIB -u TRADEQ_DATA PYTHONPATH="$pydir" PYTHONDONTWRITEBYTECODE=1 /usr/bin/python3 -c "
import tradeq
assert tradeq._lib.lib.path.startswith('$tmp/prefix/'), tradeq._lib.lib.path
assert tradeq.data_dir() == '$tmp/prefix/share/tradeq/data', tradeq.data_dir()
r = tradeq.run(detail='summary')
print('%.9f' % r.regions.set_index('region').welfare_pct['JPN'])" > "$tmp/py.out" 2>&1) &&
  awk -v g="$gold" '{d=$1-g; if(d<0)d=-d; exit !(d < 1e-6)}' "$tmp/py.out"
  check "the installed Python package runs the default scenario on the installed library and data" $?
else
  echo "skip the installed Python package: /usr/bin/python3 lacks numpy or pandas"
fi
echo "$passes passed, $fails failed"
[ $fails -eq 0 ]
