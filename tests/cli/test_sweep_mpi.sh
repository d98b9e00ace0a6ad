#!/usr/bin/env bash
# tradeq sweep under mpirun (docs/scaling.md): 1 and 2 ranks write the same bytes (rank 0
# gathers and writes the one file), and so does the same sweep without MPI. Skipped when
# mpirun or tradeq-mpi (built when OpenMPI is found; scripts/install-deps.sh installs it)
# is missing.
# Args: $1 tradeq binary, $2 source dir, $3 shared data dir.
set -u
tq=$1
command -v mpirun >/dev/null 2>&1 || { echo "SKIP: no mpirun (OpenMPI: openmpi-bin)"; exit 77; }
[ -x "$(dirname "$tq")/tradeq-mpi" ] || { echo "SKIP: no tradeq-mpi beside $tq (built when MPI is found)"; exit 77; }
fails=0; passes=0
check() { if [ "$2" -eq 0 ]; then echo "ok   $1"; passes=$((passes+1)); else echo "FAIL $1"; fails=$((fails+1)); fi; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
# as root (containers, CI) OpenMPI wants both; on 2 cores 2 ranks need --oversubscribe;
# no single-copy mechanism (ptrace is often not allowed in containers)
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_btl_vader_single_copy_mechanism=none OMPI_MCA_rmaps_base_oversubscribe=1
# the MPI library's own allocations are not ours to check for leaks
export ASAN_OPTIONS="${ASAN_OPTIONS:-}:detect_leaks=0"
axis='tariff USA:JPN:autos=0..45 step 5'

"$tq" sweep --vary "$axis" --threads 1 --block 2 --out "$tmp/plain.csv" 2>/dev/null
check "sweep without mpirun" $?
mpirun -n 1 --oversubscribe "$tq" sweep --vary "$axis" --threads 1 --block 2 --out "$tmp/one.csv" 2>"$tmp/err1"
check "mpirun -n 1" $?
mpirun -n 2 --oversubscribe "$tq" sweep --vary "$axis" --threads 1 --block 2 --out "$tmp/two.csv" 2>"$tmp/err2"
check "mpirun -n 2" $?
[ "$(wc -l < "$tmp/two.csv" 2>/dev/null || echo 0)" -eq 11 ]; check "one file with every point (10) from 2 ranks" $?
cmp -s "$tmp/one.csv" "$tmp/two.csv"; check "1 and 2 ranks: identical bytes" $?
cmp -s "$tmp/plain.csv" "$tmp/two.csv"; check "2 ranks and no MPI: identical bytes" $?
# draws of a gravity partial effect with its standard error (docs/uncertainty.md): the EU
# enlargement, b drawn alone (theta held), the same bytes for 1 and 2 ranks and no MPI
cat >"$tmp/eu.yaml" <<EOF
name: eu-draws
data:
  dataset: ge_gravity_eu
ntb:
  - pairs_file: $2/scenarios/eu-enlargement-pairs.csv
    sectors: all
    partial_effect: {b: 0.2242490, se: 0.0713086}
EOF
pe=(sweep "$tmp/eu.yaml" --vary draw=30 --draw-params partial_effects --threads 1 --block 4)
"$tq" "${pe[@]}" --out "$tmp/pe0.csv" 2>/dev/null
check "partial-effect draws without mpirun" $?
mpirun -n 1 --oversubscribe "$tq" "${pe[@]}" --out "$tmp/pe1.csv" 2>>"$tmp/err1"
check "partial-effect draws, mpirun -n 1" $?
mpirun -n 2 --oversubscribe "$tq" "${pe[@]}" --out "$tmp/pe2.csv" 2>>"$tmp/err2"
check "partial-effect draws, mpirun -n 2" $?
[ "$(wc -l < "$tmp/pe2.csv" 2>/dev/null || echo 0)" -eq 31 ] && cmp -s "$tmp/pe1.csv" "$tmp/pe2.csv" &&
  cmp -s "$tmp/pe0.csv" "$tmp/pe2.csv"
check "partial-effect draws: 1 rank, 2 ranks and no MPI write identical bytes (30 draws)" $?
[ $fails -eq 0 ] || { cat "$tmp/err1" "$tmp/err2"; }
echo "$passes passed, $fails failed"
[ "$fails" -eq 0 ]
