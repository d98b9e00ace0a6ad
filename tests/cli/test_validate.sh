#!/usr/bin/env bash
# tradeq run: scenario values outside the plausible ranges of docs/scenarios.md ("Ranges")
# are a one-line error naming file:line:column (or the flag) and the value, exit 1, and
# nothing written. Args: $1 tradeq binary, $2 source dir, $3 shared data dir.
set -u
tq=$1
fails=0; passes=0
# (the status is taken before the message's command substitution, which would reset $?)
check() { if [ "$2" -eq 0 ]; then echo "ok   $1"; passes=$((passes+1)); else echo "FAIL $1"; fails=$((fails+1)); fi; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

bad() { # name, yaml, expected text (grep pattern)
  printf '%s' "$2" > "$tmp/bad.yaml"
  "$tq" run "$tmp/bad.yaml" --out "$tmp/out_bad" --format csv >/dev/null 2>"$tmp/err"; rc=$?
  [ $rc -eq 1 ] && [ "$(wc -l < "$tmp/err")" -eq 1 ] && grep -q -- "$3" "$tmp/err" && [ ! -e "$tmp/out_bad" ]
  ok=$?; check "out of range: $1 ($(head -c 160 "$tmp/err"))" $ok
}
bad "set tariff 1+t > 1000" $'tariffs:\n  - {importer: USA, exporter: JPN, sectors: autos, set: 200000%}\n' \
  "bad.yaml:2:57: set: tariff 200000% (1+t = 2001) outside the range 1+t in (0, 1000\]"
bad "scale > 1000" $'tariffs:\n  - {importer: USA, exporter: JPN, sectors: autos, scale: 5000}\n' \
  "bad.yaml:2:59: scale: factor 5000 outside the range (0, 1000\]"
bad "add beyond 100000pp" $'tariffs:\n  - {importer: USA, exporter: JPN, sectors: autos, add: 200000pp}\n' \
  "bad.yaml:2:57: add: 200000pp outside the range"
bad "add to 1+t > 1000 (at apply)" $'tariffs:\n  - {importer: USA, exporter: JPN, sectors: autos, add: 99950pp}\n' \
  "bad.yaml:2:5: importer USA exporter JPN sector .*1+t = 100[0-9.]*) outside the range"
bad "NTB ave > 99900%" $'ntb:\n  - {importer: USA, exporter: JPN, sectors: autos, ave: 100000%}\n' \
  "bad.yaml:2:57: ave: 1 + ave: factor 1001 outside the range (0, 1000\]"
bad "partial effect > 20" $'ntb:\n  - {importer: USA, exporter: JPN, sectors: autos, partial_effect: 25}\n' \
  "bad.yaml:2:68: partial_effect: partial effect 25 outside the range \[-20, 20\]"
bad "theta < 0.1" $'elasticities:\n  autos: 0.01\n' \
  "bad.yaml:2:10: elasticities: theta 0.01 outside the range \[0.1, 100\]"
bad "theta > 100" $'elasticities:\n  autos: 150\n' "bad.yaml:2:10: elasticities: theta 150 outside"
bad "deficit target leaves no income" $'closure: target\ndeficits:\n  USA: -1e9\n' \
  "bad.yaml:3:3: region USA: deficit -1e+09 leaves income at or below 0"

# pairs file with a partial effect out of range: the entry's place and the file's pair
printf 'exporter,importer,value\nJPN,USA,30\n' > "$tmp/pairs.csv"
bad "partial effect from a pairs file" $'ntb:\n  - {pairs_file: pairs.csv, sectors: all, partial_effect: from_file}\n' \
  "bad.yaml:2:5: .*pairs.csv: exporter JPN importer USA: partial effect 30 outside"

# command-line tariffs name the flag
"$tq" run --tariff USA:JPN:autos=200000% --out "$tmp/out_flag" 2>"$tmp/err" >/dev/null; rc=$?
[ $rc -eq 1 ] && [ "$(wc -l < "$tmp/err")" -eq 1 ] && grep -q -- "--tariff USA:JPN:autos=200000%.*1+t = 2001" "$tmp/err" &&
  [ ! -e "$tmp/out_flag" ]
ok=$?; check "--tariff out of range ($(head -c 160 "$tmp/err"))" $ok
"$tq" run --tariff USA:JPN:autos=x2000 --out "$tmp/out_flag" 2>"$tmp/err" >/dev/null; rc=$?
[ $rc -eq 1 ] && grep -q -- "--tariff USA:JPN:autos=x2000.*factor 2000" "$tmp/err" && [ ! -e "$tmp/out_flag" ]
ok=$?; check "--tariff x-factor out of range ($(head -c 160 "$tmp/err"))" $ok

# values inside the ranges run (theta at its lower edge) and --check passes on them
printf 'tariffs:\n  - {importer: USA, exporter: JPN, sectors: autos, scale: 100}\nelasticities:\n  autos: 0.1\n' \
  > "$tmp/edge.yaml"
"$tq" run "$tmp/edge.yaml" --out "$tmp/out_edge" --format csv >/dev/null 2>"$tmp/err" &&
  [ -s "$tmp/out_edge/results_regions.csv" ] && "$tq" run "$tmp/edge.yaml" --check >"$tmp/out" 2>>"$tmp/err" &&
  grep -q "^check (independent" "$tmp/out"
ok=$?; check "values at the edges run and pass --check ($(head -c 160 "$tmp/err"))" $ok

echo "$passes passed, $fails failed"
[ $fails -eq 0 ]
