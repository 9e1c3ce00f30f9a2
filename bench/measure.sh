# Sourced by the benchmark scripts: `measure CMD...` runs CMD once to warm up,
# then $RUNS times under /usr/bin/time, and prints
# "median_wall_s median_cpu_s peak_kb" (CPU time is user + system; wall time
# alone misleads on a shared machine). A command that exits non-zero still
# counts: `lint` and `audit` exit 1 when they find errors. Needs $RUNS and a
# scratch folder in $WORK.
[ -x /usr/bin/time ] || { echo "bench: /usr/bin/time is required (the time package)" >&2; exit 2; }

measure() {
  "$@" >/dev/null 2>&1 || true
  local walls=() cpus=() peak=0 wall user sys kb
  for _ in $(seq "$RUNS"); do
    /usr/bin/time -o "$WORK/time" -f "%e %U %S %M" "$@" >/dev/null 2>&1 || true
    read -r wall user sys kb < <(tail -1 "$WORK/time")
    walls+=("$wall")
    cpus+=("$(awk -v u="$user" -v s="$sys" 'BEGIN { print u + s }')")
    [ "$kb" -gt "$peak" ] && peak="$kb"
  done
  local m=$(( (RUNS + 1) / 2 ))
  echo "$(printf '%s\n' "${walls[@]}" | sort -n | sed -n "${m}p")" \
       "$(printf '%s\n' "${cpus[@]}" | sort -n | sed -n "${m}p")" "$peak"
}
