#!/bin/sh
# Instructions per question of each case of `benches/check.rs` (groups `scope` and `roles`),
# counted by callgrind: exact and repeatable, whatever else the machine is doing.
#
#   benches/instructions.sh [iterations]     # default 100000; needs valgrind
#
# The bench binary, run with INSTRUCTIONS=<iterations>, runs each case as a plain loop between
# two calls of `loops::mark`, before which callgrind dumps its counters; loop i is dump
# part 2i. Prints each case with its instructions per iteration, the loop included ("total"),
# and without the loop's own ("net", the "loop only" line subtracted).
set -eu
iterations=${1:-100000}
cd "$(dirname "$0")/.."
binary=$(cargo bench --bench check --no-run --message-format=json 2>/dev/null |
    sed -n 's/.*"executable":"\([^"]*\)".*/\1/p' | tail -n 1)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
INSTRUCTIONS=$iterations valgrind --tool=callgrind --dump-instr=no --collect-jumps=no \
    --dump-before='*loops*mark*' --callgrind-out-file="$work/out" \
    "$binary" >"$work/names" 2>"$work/log"
i=0
while IFS= read -r name; do
    i=$((i + 1))
    total=$(sed -n 's/^totals: //p' "$work/out.$((2 * i))")
    printf '%s\t%s\n' "$name" "$total"
done <"$work/names" | awk -F '\t' -v n="$iterations" '
    NR == 1 { loop = $2 / n }
    { printf "%-60s total %7.1f  net %7.1f\n", $1, $2 / n, $2 / n - loop }'
