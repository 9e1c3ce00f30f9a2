#!/usr/bin/env bash
# `mergeproof audit` against the ingest floor: the csv crate only parsing the
# same export (bench/csv_floor.rs), measured in the same run.
#
#   bench/audit.sh [--rows N] [--runs R] [--distinct]
#
# Generates a seeded export in Mailchimp's shape and a project with one
# campaign of five variants (bench/generate_export.py) in a temporary
# folder, builds both programs in release mode, and prints the median wall
# time, the CPU time (user + system) and the peak memory of each, the ratio
# audit / floor, and, with the default rows, the same for a tenth of them
# (linear growth: at most 11x for 10x the rows).
#
# By default the export's columns take a few values each, so customers share
# shapes and audit checks each shape once. --distinct generates the export
# with as many values as a real list holds (generate_export.py --distinct):
# nearly every customer is a shape of their own and is rendered and checked.
set -euo pipefail
ROWS=1000000
RUNS=3
DISTINCT=()
while [ $# -gt 0 ]; do
  case "$1" in
    --rows) ROWS="$2"; shift 2 ;;
    --runs) RUNS="$2"; shift 2 ;;
    --distinct) DISTINCT=(--distinct); shift ;;
    *) echo "audit.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
cd "$ROOT"
cargo build --release -q --bin mergeproof --example csv-floor
BIN="$ROOT/target/release/mergeproof"
FLOOR="$ROOT/target/release/examples/csv-floor"

source "$ROOT/bench/measure.sh"

ratio() { # a b: "a/b x", or "n/a" when b is too small to time
  awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.1fx", a / b; else print "n/a" }'
}

run_size() {
  local rows="$1" dir="$WORK/$1"
  python3 "$ROOT/bench/generate_export.py" --out "$dir" --rows "$rows" "${DISTINCT[@]}" >/dev/null
  local fw fc fm aw ac am
  read -r fw fc fm < <(measure "$FLOOR" "$dir/export.csv")
  read -r aw ac am < <(measure "$BIN" audit "$dir/project" --profiles "$dir/export.csv" --format json --output "$dir/audit.json")
  printf '%9s rows  floor %6.2f s wall %6.2f s CPU %7d KB   audit %6.2f s wall %6.2f s CPU %7d KB   ratio %s wall, %s CPU\n' \
    "$rows" "$fw" "$fc" "$fm" "$aw" "$ac" "$am" "$(ratio "$aw" "$fw")" "$(ratio "$ac" "$fc")"
  echo "$aw" > "$WORK/wall-$rows"
}

shapes="customers share shapes"
[ ${#DISTINCT[@]} -gt 0 ] && shapes="--distinct: nearly every customer a shape of their own"
echo "mergeproof audit vs the csv crate only parsing the same export ($shapes); median of $RUNS runs; $(nproc) cores"
run_size "$ROWS"
if [ "$ROWS" -ge 100000 ]; then
  small=$((ROWS / 10))
  run_size "$small"
  printf 'growth for 10x the rows: %s (linear: at most 11x)\n' "$(ratio "$(cat "$WORK/wall-$ROWS")" "$(cat "$WORK/wall-$small")")"
fi
