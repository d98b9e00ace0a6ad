#!/usr/bin/env bash
# CLI basics on the tiny dataset: info, balance, convert, help, and bad input
# (one-line error naming file, line and field; non-zero exit; nothing written).
# Args: $1 tradeq binary, $2 source dir, $3 shared data dir.
set -u
tq=$1; src=$2
tiny=$src/tests/data/tiny
fails=0
passes=0
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
check() { # name, condition result
  if [ "$2" -eq 0 ]; then echo "ok   $1"; passes=$((passes+1)); else echo "FAIL $1"; fails=$((fails+1)); fi
}

out=$("$tq" info --data "$tiny"); rc=$?
check "info exits 0" $rc
echo "$out" | grep -q "3 regions x 2 sectors (1 tradable)"; check "info dimensions" $?
echo "$out" | grep -q "goods-market clearing (E0): max residual 0"; check "info consistency" $?

out=$("$tq" balance AAA BBB --by sector --data "$tiny"); rc=$?
check "balance exits 0" $rc
echo "$out" | grep -Eq "^2020 +30 +20 +10"; check "balance totals AAA-BBB" $?
echo "$out" | grep -Eq "^Goods +10 +30 +20"; check "balance sector row" $?
out=$("$tq" balance AAA BBB --data "$tiny" --currency JPY --rate 150 --format csv)
echo "$out" | grep -q "2020,AAA,BBB,ALL,\"All sectors\",4500.000000,3000.000000,1500.000000,JPY"; check "balance csv in JPY" $?

"$tq" convert --data "$tiny" --out "$tmp/c" >/dev/null; check "convert exits 0" $?
[ -f "$tmp/c/flows.csv.gz" ]; check "convert wrote flows" $?
"$tq" convert --data "$tiny" --out "$tmp/c" 2>"$tmp/err" >/dev/null; rc=$?
[ $rc -ne 0 ] && grep -q "refusing to overwrite" "$tmp/err"; check "convert refuses to overwrite" $?
a=$("$tq" info --data "$tiny" | tail -n +2); b=$("$tq" info --data "$tmp/c" | tail -n +2)
[ "$a" = "$b" ]; check "convert round trip gives the same info" $?

# bad input: a non-numeric flow
mkdir "$tmp/bad"; cp "$tiny"/* "$tmp/bad/"
sed -i 's/^2020,BBB,AAA,G,20$/2020,BBB,AAA,G,abc/' "$tmp/bad/flows.csv"
"$tq" convert --data "$tmp/bad" --out "$tmp/o" 2>"$tmp/err" >/dev/null; rc=$?
[ $rc -eq 1 ]; check "bad input exits 1" $?
[ "$(wc -l <"$tmp/err")" -eq 1 ] && grep -q "flows.csv:3: field 'value': not a number: 'abc'" "$tmp/err"
check "bad input: one line with file, line and field" $?
[ ! -e "$tmp/o/flows.csv.gz" ] && [ -z "$(ls -A "$tmp/o" 2>/dev/null)" ]; check "bad input writes nothing" $?

"$tq" balance AAA ZZZ --data "$tiny" 2>"$tmp/err" >/dev/null; rc=$?
[ $rc -ne 0 ] && grep -q "unknown region 'ZZZ'" "$tmp/err"; check "unknown region" $?
"$tq" --help | grep -q "balance"; check "help lists commands" $?
"$tq" balance --help | grep -q -- "--currency"; check "balance --help" $?
"$tq" frobnicate 2>/dev/null; [ $? -eq 2 ]; check "unknown command exits 2" $?

echo "$passes passed, $fails failed"
[ $fails -eq 0 ]
