#!/usr/bin/env bash
# `mergeproof lint` with 10x the sample profiles: linear growth means at most
# 11x the time.
#
#   bench/scale.sh [--profiles N] [--runs R]
#
# Generates two seeded projects of 10 campaigns x 10 variants (bench/generate.py),
# one with N sample profiles (default 10,000) and one with 10 N, in a temporary
# folder, and prints the median wall and CPU time (user + system, from
# /usr/bin/time) of `lint --format json --output /dev/null` on each, edge cases
# on, with the peak memory, and the ratios.
set -euo pipefail
PROFILES=10000
RUNS=3
while [ $# -gt 0 ]; do
  case "$1" in
    --profiles) PROFILES="$2"; shift 2 ;;
    --runs) RUNS="$2"; shift 2 ;;
    *) echo "scale.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
cd "$ROOT"
cargo build --release -q --bin mergeproof
BIN="$ROOT/target/release/mergeproof"

source "$ROOT/bench/measure.sh"

echo "mergeproof lint, 10 campaigns x 10 variants, edge cases on; median of $RUNS runs; $(nproc) cores"
for n in "$PROFILES" "$((PROFILES * 10))"; do
  python3 "$ROOT/bench/generate.py" --out "$WORK/p$n" --campaigns 10 --variants 10 --profiles "$n" >/dev/null 2>&1
  read -r wall cpu kb < <(measure "$BIN" lint "$WORK/p$n" --format json --output /dev/null)
  printf '%8s profiles  %7.2f s wall  %7.2f s CPU  %8d KB\n' "$n" "$wall" "$cpu" "$kb"
  echo "$wall $cpu" > "$WORK/t$n"
done
read -r w1 c1 < "$WORK/t$PROFILES"
read -r w2 c2 < "$WORK/t$((PROFILES * 10))"
awk -v w1="$w1" -v w2="$w2" -v c1="$c1" -v c2="$c2" \
  'BEGIN { printf "growth for 10x the profiles: %.1fx wall, %.1fx CPU (linear: at most 11x)\n", w2 / w1, c2 / c1 }'
