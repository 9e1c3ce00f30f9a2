#!/usr/bin/env bash
# `mergeproof audit` against the ingest floor: the csv crate only parsing the
# same export (bench/csv_floor.rs), measured in the same run.
#
#   bench/audit.sh [--rows N] [--runs R] [--distinct] [--real-size [--campaigns K] [--wide]]
#
# Generates a seeded export in Mailchimp's shape and a project with one
# campaign of five variants (bench/generate_export.py) in a temporary
# folder, builds both programs in release mode, and prints the median wall
# time, the CPU time (user + system) and the peak memory of each, the ratio
# audit / floor, and, with the default rows, the same for a tenth of them
# (linear growth: at most 11x for 10x the rows). The floor and audit run in
# turn, a round each at a time, and the ratio is the median of the rounds'
# ratios (bench/measure.sh `measure_pair`): this machine's speed moves from
# one minute to the next.
#
# By default the export's columns take a few values each, so customers share
# shapes and audit checks each shape once. --distinct generates the export
# with as many values as a real list holds (generate_export.py --distinct):
# nearly every customer is a shape of their own and is rendered and checked.
#
# --real-size audits customers as distinct as a real list's (bench/
# generate_real.py: syllable-built names, unique ids in every link) through
# the real-size campaign (five variants of 20-31 KB of table HTML), from a
# JSON Lines export (with each customer's recent orders) and from the same
# customers as a flat CSV export (dotted headers; a CSV holds no lists, so
# no orders), each against the render floor of the same rows: the
# handlebars crate only rendering each customer's variant
# (`render-floor PROJECT --profiles export.jsonl|export.csv`).
# --campaigns K audits them through K such campaigns (a project's worth:
# each customer is rendered and checked K times, their record read once).
# --wide gives the CSV export the columns Mailchimp adds to every audience
# export (MEMBER_RATING, OPTIN_TIME, OPTIN_IP, ... LEID, EUID, NOTES, TAGS:
# seventeen, seeded values), which no template reads: a CSV as wide as a
# real export.
set -euo pipefail
ROWS=1000000
RUNS=3
DISTINCT=()
REAL=0
CAMPAIGNS=1
WIDE=0
while [ $# -gt 0 ]; do
  case "$1" in
    --real-size) REAL=1; shift ;;
    --rows) ROWS="$2"; shift 2 ;;
    --runs) RUNS="$2"; shift 2 ;;
    --distinct) DISTINCT=(--distinct); shift ;;
    --campaigns) CAMPAIGNS="$2"; shift 2 ;;
    --wide) WIDE=1; shift ;;
    *) echo "audit.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
cd "$ROOT"
cargo build --release -q --bin mergeproof --example csv-floor --example render-floor
BIN="$ROOT/target/release/mergeproof"
FLOOR="$ROOT/target/release/examples/csv-floor"
RENDER_FLOOR="$ROOT/target/release/examples/render-floor"

source "$ROOT/bench/measure.sh"

ratio() { # a b: "a/b x", or "n/a" when b is too small to time
  awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.1fx", a / b; else print "n/a" }'
}

times() { # r: a ratio of measure_pair as "r x", or "n/a" (nan: a run too short to time)
  awk -v r="$1" 'BEGIN { if (r + 0 > 0) printf "%.2fx", r; else print "n/a" }'
}

run_real_size() {
  local rows="$1" dir="$WORK/real-$1"
  python3 "$ROOT/bench/generate_real.py" --out "$dir/project" --profiles "$rows" --campaigns "$CAMPAIGNS" >/dev/null
  # The customers become the export; the project keeps twenty samples.
  local samples="$dir/project/sample-profiles/customers.yaml"
  sed 's/^- //' "$samples" > "$dir/export.jsonl"
  head -n 20 "$samples" > "$dir/samples.yaml" && mv "$dir/samples.yaml" "$samples"
  # The same customers as a flat CSV export, as platforms export a list:
  # nested fields under dotted headers, and no lists (their recent orders).
  python3 - "$dir/export.jsonl" "$dir/export.csv" "$WIDE" <<'PY'
import csv, json, random, sys
def flat(value, prefix, out):
    for key, v in value.items():
        if isinstance(v, dict):
            flat(v, prefix + key + ".", out)
        elif not isinstance(v, list):
            out[prefix + key] = "" if v is None else (str(v).lower() if isinstance(v, bool) else v)
    return out
header = {}
with open(sys.argv[1]) as f:
    for line in f:
        header.update(dict.fromkeys(flat(json.loads(line), "", {})))
# Mailchimp's own columns of an audience export, for --wide.
seeded = random.Random(7)
def stamp():
    return f"2024-{seeded.randint(1, 12):02d}-{seeded.randint(1, 28):02d} {seeded.randint(0, 23):02d}:{seeded.randint(0, 59):02d}:{seeded.randint(0, 59):02d}"
def ip():
    return ".".join(str(seeded.randint(1, 254)) for _ in range(4))
def mailchimp_columns():
    optin, confirmed, address = stamp(), stamp(), ip()
    return {
        "MEMBER_RATING": seeded.randint(1, 5), "OPTIN_TIME": optin, "OPTIN_IP": address,
        "CONFIRM_TIME": confirmed, "CONFIRM_IP": address,
        "LATITUDE": f"{seeded.uniform(25, 49):.7f}", "LONGITUDE": f"{seeded.uniform(-124, -67):.7f}",
        "GMTOFF": seeded.choice([-8, -7, -6, -5]), "DSTOFF": seeded.choice([-7, -6, -5, -4]),
        "TIMEZONE": seeded.choice(["America/Los_Angeles", "America/Denver", "America/Chicago", "America/New_York"]),
        "CC": "US", "REGION": seeded.choice(["OR", "WA", "ID", "CA"]), "LAST_CHANGED": stamp(),
        "LEID": seeded.randint(10**8, 10**9), "EUID": f"{seeded.getrandbits(40):010x}", "NOTES": "",
        "TAGS": seeded.choice(["", '"vip"', '"newsletter","spring"']),
    }
wide = sys.argv[3] == "1"
if wide:
    header.update(dict.fromkeys(mailchimp_columns()))
with open(sys.argv[1]) as f, open(sys.argv[2], "w", newline="") as out:
    writer = csv.DictWriter(out, fieldnames=list(header))
    writer.writeheader()
    for line in f:
        row = flat(json.loads(line), "", {})
        if wide:
            row.update(mailchimp_columns())
        writer.writerow(row)
PY
  local format fw fc fm aw ac am rw rc
  for format in jsonl csv; do
    # The floor and audit in turn, in the same rounds (bench/measure.sh).
    local floor_cmd=("$RENDER_FLOOR" "$dir/project" --profiles "$dir/export.$format")
    local audit_cmd=("$BIN" audit "$dir/project" --profiles "$dir/export.$format" --format json --output "$dir/audit.json")
    read -r fw fc fm aw ac am rw rc < <(measure_pair floor_cmd audit_cmd)
    printf '%9s rows %-5s render floor %6.2f s wall %6.2f s CPU %7d KB   audit %6.2f s wall %6.2f s CPU %7d KB   ratio %s wall, %s CPU\n' \
      "$rows" "$format" "$fw" "$fc" "$fm" "$aw" "$ac" "$am" "$(times "$rw")" "$(times "$rc")"
    echo "$aw" > "$WORK/wall-$rows-$format"
  done
  rm -rf "$dir"
}

# Runs `$1` for --rows and, from 100,000 rows, for a tenth of them, then
# prints the growth.
sizes() {
  "$1" "$ROWS"
  if [ "$ROWS" -ge 100000 ]; then
    local small=$((ROWS / 10)) kind
    "$1" "$small"
    for kind in "" -jsonl -csv; do
      [ -f "$WORK/wall-$ROWS$kind" ] || continue
      printf 'growth for 10x the rows%s: %s (linear: at most 11x)\n' "${kind:+ (${kind#-})}" \
        "$(ratio "$(cat "$WORK/wall-$ROWS$kind")" "$(cat "$WORK/wall-$small$kind")")"
    done
  fi
}

run_size() {
  local rows="$1" dir="$WORK/$1"
  python3 "$ROOT/bench/generate_export.py" --out "$dir" --rows "$rows" "${DISTINCT[@]}" >/dev/null
  local fw fc fm aw ac am rw rc
  local floor_cmd=("$FLOOR" "$dir/export.csv")
  local audit_cmd=("$BIN" audit "$dir/project" --profiles "$dir/export.csv" --format json --output "$dir/audit.json")
  read -r fw fc fm aw ac am rw rc < <(measure_pair floor_cmd audit_cmd)
  printf '%9s rows  floor %6.2f s wall %6.2f s CPU %7d KB   audit %6.2f s wall %6.2f s CPU %7d KB   ratio %s wall, %s CPU\n' \
    "$rows" "$fw" "$fc" "$fm" "$aw" "$ac" "$am" "$(times "$rw")" "$(times "$rc")"
  echo "$aw" > "$WORK/wall-$rows"
}

if [ "$REAL" = 1 ]; then
  wide=""
  [ "$WIDE" = 1 ] && wide=" with Mailchimp's own seventeen columns besides"
  echo "mergeproof audit vs the render floor of the same rows ($CAMPAIGNS real-size campaign(s) of five variants, distinct customers, as JSON Lines with their orders and as a flat CSV$wide); median of $RUNS runs; $(nproc) cores"
  sizes run_real_size
  exit 0
fi
shapes="customers share shapes"
[ ${#DISTINCT[@]} -gt 0 ] && shapes="--distinct: nearly every customer a shape of their own"
echo "mergeproof audit vs the csv crate only parsing the same export ($shapes); median of $RUNS runs; $(nproc) cores"
sizes run_size
