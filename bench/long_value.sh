#!/usr/bin/env bash
# mergeproof benchmark: the checks against the length of one value.
#
# One campaign, one profile whose first name is 50 KB, 200 KB and 800 KB of a
# pattern the checks look for (a template opening, an unsafe term beside a
# name, other tools' merge tags), linted without edge cases. Prints, for each
# pattern, the median wall and CPU time of --runs runs and the growth for 4x
# and 16x the length: linear checks grow about 4x and 16x (quadratic ones
# 16x and 256x; before the fix, 200 KB of `{{` took 35 s).
#
# Usage: bench/long_value.sh [--runs R] [--no-build]
# Needs cargo, python3 (standard library only) and /usr/bin/time.

set -euo pipefail
RUNS=3
BUILD=1
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) RUNS="$2"; shift 2 ;;
    --no-build) BUILD=0; shift ;;
    *) echo "long_value.sh: unknown argument: $1" >&2; exit 2 ;;
  esac
done
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BIN="${MERGEPROOF:-$ROOT/target/release/mergeproof}"
if [ "$BUILD" = 1 ] && [ -z "${MERGEPROOF:-}" ]; then
  (cd "$ROOT" && cargo build --release --quiet --bin mergeproof)
fi
WORK="$(mktemp -d "${TMPDIR:-/tmp}/mergeproof-long.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
# shellcheck source=bench/measure.sh
. "$ROOT/bench/measure.sh"

printf '%-12s %10s %10s %10s %8s %8s\n' pattern "50KB wall" "200KB wall" "800KB wall" "x4" "x16"
for pattern in '{{' 'cheap Ann ' '*|' '%%{' '{FNAME ' '<%' '}}'; do
  walls=()
  for kb in 50 200 800; do
    project="$WORK/p$kb"
    rm -rf "$project"
    python3 - "$project" "$pattern" "$kb" <<'PY'
import json, os, sys
root, pattern, kb = sys.argv[1], sys.argv[2], int(sys.argv[3])
os.makedirs(f"{root}/campaigns"); os.makedirs(f"{root}/sample-profiles")
name = (pattern * (kb * 1000 // len(pattern) + 1))[: kb * 1000]
open(f"{root}/campaigns/c.yaml", "w").write(
    "kind: transactional\nvariants:\n  - id: v\n    subject: \"Hi {{first_name}}, cheap picks\"\n"
    "    body: '<p>Hi {{first_name}}, cheap picks.</p><a href=\"https://x.example/{{first_name}}\">{{first_name}}</a>'\n")
json.dump({"id": "p", "first_name": name}, open(f"{root}/sample-profiles/p.json", "w"))
PY
    read -r wall cpu _ < <(measure "$BIN" lint "$project" --no-edge-cases)
    walls+=("$wall")
  done
  printf '%-12s %9ss %9ss %9ss %8s %8s\n' "'$pattern'" "${walls[0]}" "${walls[1]}" "${walls[2]}" \
    "$(awk -v a="${walls[0]}" -v b="${walls[1]}" 'BEGIN { printf "%.1f", (a > 0.01 ? b / a : 0) }')" \
    "$(awk -v a="${walls[0]}" -v b="${walls[2]}" 'BEGIN { printf "%.1f", (a > 0.01 ? b / a : 0) }')"
done

# audit's memory against the length of values: 400 customers with distinct
# 200 KB first names (80 MB of CSV); the target is under 300 MB, flat.
project="$WORK/audit"
python3 - "$project" <<'PY'
import os, random, sys
root = sys.argv[1]
os.makedirs(f"{root}/campaigns"); os.makedirs(f"{root}/sample-profiles")
open(f"{root}/campaigns/c.yaml", "w").write(
    "control: v\nvariants:\n  - id: v\n    subject: \"Hi {{first_name}}\"\n"
    "    body: \"<p>Hi {{first_name}}, cheap picks</p>\"\n")
random.seed(2)
with open(f"{root}/export.csv", "w") as f:
    f.write("id,first_name\n")
    for i in range(400):
        f.write(f"c{i}," + "".join(random.choice("abcdefghij") for _ in range(200000)) + "\n")
PY
read -r wall cpu peak < <(measure "$BIN" audit "$project" --profiles "$project/export.csv")
echo
echo "audit, 400 customers x 200 KB names: ${wall}s wall, ${cpu}s CPU, peak $((peak / 1024)) MB (target: under 300 MB)"
