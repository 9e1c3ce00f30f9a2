# Sourced by the benchmark scripts (bash 4.3 or later): `measure CMD...` runs
# CMD once to warm up, then $RUNS times under /usr/bin/time, and prints
# "median_wall_s median_cpu_s peak_kb" (CPU time is user + system; wall time
# alone misleads on a shared machine). A command that exits non-zero still
# counts: `lint` and `audit` exit 1 when they find errors. Needs $RUNS and a
# scratch folder in $WORK.
[ -x /usr/bin/time ] || { echo "bench: /usr/bin/time is required (the time package)" >&2; exit 2; }

# `time_once CMD...` runs CMD once under /usr/bin/time and prints
# "wall_s cpu_s peak_kb".
time_once() {
  local wall user sys kb
  /usr/bin/time -o "$WORK/time" -f "%e %U %S %M" "$@" >/dev/null 2>&1 || true
  read -r wall user sys kb < <(tail -1 "$WORK/time")
  echo "$wall $(awk -v u="$user" -v s="$sys" 'BEGIN { print u + s }') $kb"
}

measure() {
  "$@" >/dev/null 2>&1 || true
  local walls=() cpus=() peak=0 wall cpu kb
  for _ in $(seq "$RUNS"); do
    read -r wall cpu kb < <(time_once "$@")
    walls+=("$wall")
    cpus+=("$cpu")
    [ "$kb" -gt "$peak" ] && peak="$kb"
  done
  local m=$(( (RUNS + 1) / 2 ))
  echo "$(printf '%s\n' "${walls[@]}" | sort -n | sed -n "${m}p")" \
       "$(printf '%s\n' "${cpus[@]}" | sort -n | sed -n "${m}p")" "$peak"
}

# `measure_pair A B` with A and B the names of two arrays holding commands:
# runs each once to warm up, then $RUNS rounds of A then B, and prints
# "wall_a cpu_a peak_a wall_b cpu_b peak_b ratio_wall ratio_cpu": each
# command's medians and the median of the rounds' B/A ratios. A shared
# machine's speed moves from one minute to the next; two commands timed
# in the same rounds see the same machine, where a command's runs timed
# after the other's all may not.
measure_pair() {
  local -n first="$1" second="$2"
  "${first[@]}" >/dev/null 2>&1 || true
  "${second[@]}" >/dev/null 2>&1 || true
  local rounds="$WORK/rounds"
  : > "$rounds"
  for _ in $(seq "$RUNS"); do
    echo "$(time_once "${first[@]}") $(time_once "${second[@]}")" >> "$rounds"
  done
  python3 - "$rounds" <<'PY'
import statistics, sys
rows = [list(map(float, line.split())) for line in open(sys.argv[1]) if line.strip()]
col = lambda i: [r[i] for r in rows]
ratio = lambda a, b: statistics.median(r[b] / r[a] if r[a] else float("nan") for r in rows)
print(statistics.median(col(0)), statistics.median(col(1)), int(max(col(2))),
      statistics.median(col(3)), statistics.median(col(4)), int(max(col(5))),
      ratio(0, 3), ratio(1, 4))
PY
}
