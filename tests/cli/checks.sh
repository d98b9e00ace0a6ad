# Helpers the CLI test scripts share (sourced, not a test): a count of passed and failed
# checks and the numeric comparisons they use. The script ends with
#   echo "$passes passed, $fails failed"; [ $fails -eq 0 ]
passes=0; fails=0
ok()   { echo "ok   $1"; passes=$((passes+1)); }
bad()  { echo "FAIL $1"; fails=$((fails+1)); }
check() { if eval "$2"; then ok "$1"; else bad "$1"; fi; }
# within A B TOL: |A - B| <= TOL
within() { awk -v a="$1" -v b="$2" -v e="$3" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(a != "" && b != "" && d <= e) }'; }
