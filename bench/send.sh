#!/usr/bin/env bash
# send throughput: N signed requests (default 20,000) at concurrency C (default 16) to a fast
# local sink (bench/sink.rs, built as the `sink` example), cmzon-hook vs oha (and hey) with the same body, concurrency and
# sink, in the same run. cmzon-hook renders the `messages` fixture with fresh tokens and signs
# every request; oha and hey replay one pre-signed rendering of it. Target: cmzon-hook >= 0.8x
# oha's requests per second.
#
# Requests per second = N / wall-clock time of the whole process (start-up included), for every
# tool alike. The tools take turns within each round (RUNS rounds, default 7) and the median is
# reported, so that load from anything else on the machine hits all of them evenly.
. "$(dirname "$0")/lib.sh"
N=${N:-20000}
C=${C:-16}
RUNS=${RUNS:-7}
need_cargo oha || log "oha unavailable: it is skipped"
need_apt hey || log "hey unavailable: it is skipped"
build_release
SINK="$TARGET_DIR/release/examples/sink"

work=$(mktemp -d)
sink_pid=
cleanup() {
  if [ -n "$sink_pid" ]; then kill "$sink_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

# Loopback only; the sink also stops by itself after 600 s.
"$SINK" 127.0.0.1:0 600 > "$work/sink.out" 2> "$work/sink.err" &
sink_pid=$!
for _ in $(seq 1 200); do
  grep -q '^Ready: ' "$work/sink.out" 2>/dev/null && break
  sleep 0.05
done
base=$(sed -n 's/^Ready: //p' "$work/sink.out")
[ -n "$base" ] || { log "the sink did not start"; cat "$work/sink.err" >&2; exit 1; }
url="$base/webhook"

secret=bench-secret
"$BIN" fixtures show messages --compact > "$work/body.json"
sig=$("$BIN" sign --secret "$secret" "$work/body.json")
log "sink at $url; body $(wc -c < "$work/body.json") bytes (fixture messages); $N requests at concurrency $C; $RUNS rounds"

run_cmzon-hook() { "$BIN" send messages --to "$url" --secret "$secret" --count "$N" --concurrency "$C" "$@"; }
run_oha() { oha --no-tui -n "$N" -c "$C" -m POST -T application/json -H "X-Hub-Signature-256: $sig" -D "$work/body.json" "$url"; }
run_hey() { hey -n "$N" -c "$C" -m POST -T application/json -H "X-Hub-Signature-256: $sig" -D "$work/body.json" "$url"; }

tools=(cmzon-hook)
command -v oha >/dev/null 2>&1 && tools+=(oha)
command -v hey >/dev/null 2>&1 && tools+=(hey)

# Sanity: every tool gets N answers of 200 (this also warms the sink up).
run_cmzon-hook --json | tail -n 1 > "$work/ours.json"
python3 - "$work/ours.json" "$N" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))["summary"]
assert s["ok"] == int(sys.argv[2]), s
print(f"bench: cmzon-hook check run: {s['throughput_per_s']:.0f} req/s self-reported, "
      f"latency p50 {s['latency_ms']['p50']} ms, p99 {s['latency_ms']['p99']} ms", file=sys.stderr)
PY
for t in "${tools[@]:1}"; do
  "run_$t" > "$work/$t.txt" 2>&1
  grep -Eq "\[200\][[:space:]]+$N responses" "$work/$t.txt" || { log "$t did not get $N answers of 200"; cat "$work/$t.txt" >&2; exit 1; }
done

now_ns() { date +%s%N; }
for r in $(seq 1 "$RUNS"); do
  line="round $r:"
  for t in "${tools[@]}"; do
    t0=$(now_ns)
    if [ "$t" = cmzon-hook ]; then "run_$t" --quiet > /dev/null; else "run_$t" > /dev/null 2>&1; fi
    t1=$(now_ns)
    rps=$(( N * 1000000000 / (t1 - t0) ))
    echo "$rps" >> "$work/$t.rps"
    line="$line $t $rps"
  done
  log "$line"
done

median() { sort -n "$1" | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : int((a[NR/2]+a[NR/2+1])/2)}'; }
ours=$(median "$work/cmzon-hook.rps")
echo
printf '%-12s %8s req/s (median of %s)\n' cmzon-hook "$ours" "$RUNS"
json="{\"send_throughput\": {\"requests\": $N, \"concurrency\": $C, \"rounds\": $RUNS, \"cmzon_hook_rps\": $ours"
for t in "${tools[@]:1}"; do
  m=$(median "$work/$t.rps")
  printf '%-12s %8s req/s (median of %s)   cmzon-hook / %s = %s\n' "$t" "$m" "$RUNS" "$t" "$(ratio "$ours" "$m")"
  json="$json, \"${t}_rps\": $m, \"ratio_vs_$t\": $(ratio "$ours" "$m")"
done
json="$json, \"target\": \">= 0.8 x oha\"}}"
echo "$json" > "$BENCH_OUT/send.json"
cat "$BENCH_OUT/send.json"
