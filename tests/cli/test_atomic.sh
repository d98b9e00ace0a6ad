#!/usr/bin/env bash
# tradeq run --out DIR --force replaces the result set as a whole (docs/results.md, "How the
# files are written"): with a fault injected at every call of every file-system function
# the writer makes (an EIO, or a SIGKILL of the process at that call, through the
# LD_PRELOAD shim of tests/fault/fault_shim.c), DIR afterwards holds exactly the old set or
# exactly the new set, never a mix; the user's file, subfolder and a planted
# results_regions.csv.part symlink are still there, and the symlink's target is untouched.
# Args: $1 tradeq binary, $2 source dir, $3 shared data dir.
set -u
tq=$1; src=$2
shim="$(dirname "$tq")/libtq_fault_shim.so"
[ -f "$shim" ] || { echo "SKIP: no fault shim at $shim (built with the tests)"; exit 77; }
fails=0; passes=0
check() { if [ "$2" -eq 0 ]; then echo "ok   $1"; passes=$((passes+1)); else echo "FAIL $1"; fails=$((fails+1)); fi; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1
run() { "$tq" run --data "$src/tests/data/tiny" --tariff "AAA:BBB:all=$1" --out "$2" --format csv,json --force >/dev/null 2>&1; }
# a digest of a set, without the solve times (the one thing two runs of a scenario differ in)
sum() {
  (cd "$1" && sed -E 's/"seconds":[^,}]*//g' results.json && awk -F, -v OFS=, '{$14=""} 1' results_run.csv &&
   cat $(ls results_*.csv | grep -v '^results_run.csv$')) | md5sum | cut -c1-32
}

run 20% ref_old; check "old set written" $?
run 30% ref_new; check "new set written" $?
old=$(sum ref_old); new=$(sum ref_new)
[ "$old" != "$new" ]; check "the two sets differ" $?
echo victim > victim

reset() {
  rm -rf o .o.tq-*
  cp -a ref_old o
  echo mine > o/notes.txt
  mkdir o/sub && echo deep > o/sub/y
  ln -s "$tmp/victim" o/results_regions.csv.part
}

# one state after a fault: old or new set, and the user's things where they belong
state_ok() {
  local s; s=$(sum o) || return 1
  [ "$s" = "$old" ] || [ "$s" = "$new" ] || { echo "  mixed set"; return 1; }
  [ "$(ls o | grep -c '^results')" -eq 8 ] || { echo "  not 7 result files + the .part symlink"; ls o; return 1; }
  [ "$(cat o/notes.txt)" = mine ] || { echo "  notes.txt lost"; return 1; }
  [ -L o/results_regions.csv.part ] || { echo "  the planted symlink is gone"; return 1; }
  [ "$(cat victim)" = victim ] || { echo "  the symlink was followed"; return 1; }
  # the subfolder is moved after the swap: a fault between leaves it in the old folder
  [ -f o/sub/y ] || ls .o.tq-*/sub/y >/dev/null 2>&1 || { echo "  sub/ lost"; return 1; }
  [ "$s" = "$new" ] && echo new || echo old
}

sweep() { # function action [last call to try]
  local n=1 bad=0 seen="" st last=${3:-60}
  while [ $n -le "$last" ]; do
    reset; rm -f hit
    TQ_FAULT="$1:$n:$2" TQ_FAULT_HIT="$tmp/hit" LD_PRELOAD="$shim" run 40% o
    local rc=$?
    [ -f hit ] || break
    st=$(state_ok) || { echo "  at $1 call $n ($2), rc $rc"; bad=1; }
    seen="$seen $st"
    n=$((n+1))
  done
  [ $n -le 60 ] || bad=1 # more calls than a writer of 7 files makes
  [ $n -le "$last" ] || [ "$last" -lt 60 ] || bad=1
  [ $n -gt 1 ] || { echo "  $1 was never called"; bad=1; }
  echo "  $1 $2: $((n-1)) faults:$seen"
  return $bad
}

run 40% ref_new; new=$(sum ref_new)
reset; run 40% o; check "a clean --force run" $?
state_ok >/dev/null; check "gives the new set and keeps the user's files" $?
[ -f o/sub/y ] && [ -z "$(ls -d .o.tq-* 2>/dev/null)" ]; check "and leaves no staging folder" $?

# an EIO at every publishing call; the writes of the 7 files are alike, and so are the
# removals from the old folder, so the first few stand for the rest
for f in openat:3 fflush:3 fsync:60 linkat:60 renameat2:60 renameat:60 unlinkat:2 rmdir:60; do
  sweep "${f%:*}" eio "${f#*:}"; check "EIO at ${f%:*} calls: old or new set, never mixed" $?
done
# a kill at the publishing steps (a kill while the files are written is as a progress
# step's: tests/report/test_atomic.c kills there); the old folder is emptied call by
# call, so the first unlinkat stands for all
for f in fsync:60 linkat:1 renameat2:60 renameat:60 unlinkat:2 rmdir:60; do
  sweep "${f%:*}" kill "${f#*:}"; check "SIGKILL at ${f%:*} calls: old or new set, never mixed" $?
done

# a symlink at a final name is neither followed nor replaced, with or without --force
reset; rm o/results_run.csv; ln -s "$tmp/victim" o/results_run.csv
run 40% o; [ $? -ne 0 ] && [ -L o/results_run.csv ] && [ "$(cat victim)" = victim ]
check "a symlink at a final name: refused, not followed" $?

# --out . replaces the working folder (found by its real path)
reset; (cd o && run 40% .); check "--out . works" $?
[ "$(state_ok)" = new ] && [ -z "$(ls -d .o.tq-* 2>/dev/null)" ]; check "and gives the new set" $?

# a new folder appears whole: a fault before the rename leaves no folder at all
rm -rf n; rm -f hit
TQ_FAULT="rename:1:eio" TQ_FAULT_HIT="$tmp/hit" LD_PRELOAD="$shim" run 40% n/deeper
[ $? -ne 0 ] && [ -f hit ] && [ ! -e n ] && [ -z "$(ls -d n/.deeper.tq-* 2>/dev/null)" ]
check "a failed rename of a new folder leaves nothing (made parents removed too)" $?

echo "$passes passed, $fails failed"
[ $fails -eq 0 ]
