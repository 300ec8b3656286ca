#!/usr/bin/env bash
# Memory stays flat: peak RSS of `send --count N` at 20k and 200k deliveries, and of a
# `listen --save --json` process after 20k and after 200k requests (oha, pre-signed body).
# Loopback only; every run is bounded in count.
. "$(dirname "$0")/lib.sh"
SMALL=${SMALL:-20000}
LARGE=${LARGE:-200000}
need_cargo oha || { log "oha is needed for the listen half"; }
SINK="$TARGET_DIR/release/examples/sink"
{ [ -x "$BIN" ] && [ -x "$SINK" ]; } || build_release

work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT
secret=bench-secret

# peak_rss_kb CMD...: run CMD, print its peak resident set in KiB (getrusage of the child).
peak_rss_kb() {
  python3 - "$@" <<'PY'
import resource, subprocess, sys
r = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
if r.returncode != 0:
    sys.exit(f"command failed ({r.returncode}): {' '.join(sys.argv[1:])}")
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
PY
}

# wait_ready FILE: print the URL from a `Ready: listening on URL` / sink `listening on` line.
wait_ready() {
  local url=""
  for _ in $(seq 1 400); do
    url=$(grep -o 'http://[^ ]*' "$1" 2>/dev/null | head -1 || true)
    [ -n "$url" ] && { echo "$url"; return 0; }
    sleep 0.025
  done
  log "no readiness line in $1"; cat "$1" >&2; return 1
}

log "send: peak RSS at $SMALL and $LARGE deliveries"
"$SINK" 127.0.0.1:0 600 > "$work/sink.out" 2> "$work/sink.err" &
pids+=($!)
sink_url=$(wait_ready "$work/sink.out" || wait_ready "$work/sink.err")
send_small=$(peak_rss_kb "$BIN" send messages --to "$sink_url" --secret "$secret" --count "$SMALL" --concurrency 16 --quiet)
send_large=$(peak_rss_kb "$BIN" send messages --to "$sink_url" --secret "$secret" --count "$LARGE" --concurrency 16 --quiet)
log "send: ${send_small} KiB at $SMALL, ${send_large} KiB at $LARGE"

listen_small=null; listen_large=null; listen_lines=null
if command -v oha >/dev/null 2>&1; then
  log "listen: VmHWM after $SMALL and $LARGE requests"
  "$BIN" fixtures show messages --compact > "$work/body.json"
  sig=$("$BIN" sign --secret "$secret" "$work/body.json")
  "$BIN" listen --port 0 --secret "$secret" --save "$work/cap.jsonl" --json > /dev/null 2> "$work/listen.err" &
  lpid=$!; pids+=("$lpid")
  url=$(wait_ready "$work/listen.err")
  hammer() {
    oha -n "$1" -c 16 --no-tui -m POST -H "Content-Type: application/json" \
      -H "X-Hub-Signature-256: $sig" -D "$work/body.json" "$url" > "$work/oha.txt" 2>&1
  }
  hwm() { awk '/VmHWM/ {print $2}' "/proc/$lpid/status"; }
  hammer "$SMALL"; listen_small=$(hwm)
  hammer $((LARGE - SMALL)); listen_large=$(hwm)
  kill -INT "$lpid"; wait "$lpid" 2>/dev/null || true
  listen_lines=$(wc -l < "$work/cap.jsonl")
  log "listen: ${listen_small} KiB after $SMALL, ${listen_large} KiB after $LARGE ($listen_lines capture lines)"
fi

# The same with --ui and one headless Chromium tab open on the inspector page all along.
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
ui_small=null; ui_large=null; ui_tab=null
if command -v oha >/dev/null 2>&1 && [ -x "$CHROMIUM" ]; then
  log "listen --ui with a Chromium tab: VmHWM after $SMALL and $LARGE requests"
  rm -f "$work/cap-ui.jsonl"
  "$BIN" listen --port 0 --secret "$secret" --save "$work/cap-ui.jsonl" --json --ui --ui-port 0 > /dev/null 2> "$work/listen-ui.err" &
  lpid=$!; pids+=("$lpid")
  url=$(wait_ready "$work/listen-ui.err")
  ui_url=""
  for _ in $(seq 1 400); do
    ui_url=$(sed -n 's/^Inspector: \(http:[^ ]*\).*/\1/p' "$work/listen-ui.err" | head -1 || true)
    [ -n "$ui_url" ] && break; sleep 0.025
  done
  ui_port=${ui_url##*:}; ui_port=${ui_port%/}
  tab_dir=$(mktemp -d)
  setsid "$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-background-networking \
    --disable-component-update --disable-sync --no-first-run --user-data-dir="$tab_dir" "$ui_url" > /dev/null 2>&1 &
  tab_pid=$!
  connected() { [ "$(ss -Htn state established "( dport = :$ui_port )" 2>/dev/null | wc -l)" -gt 0 ]; }
  for _ in $(seq 1 400); do connected && break; sleep 0.05; done
  sleep 1
  hammer "$SMALL"; ui_small=$(hwm)
  hammer $((LARGE - SMALL)); ui_large=$(hwm)
  if connected; then ui_tab='"connected all along"'; else ui_tab='"disconnected"'; fi
  kill -TERM -- "-$tab_pid" 2>/dev/null || kill "$tab_pid" 2>/dev/null || true; wait "$tab_pid" 2>/dev/null || true
  rm -rf "$tab_dir"
  kill -INT "$lpid"; wait "$lpid" 2>/dev/null || true
  log "listen --ui: ${ui_small} KiB after $SMALL, ${ui_large} KiB after $LARGE (tab $ui_tab)"
fi

cat > "$BENCH_OUT/memory.json" <<JSON
{"memory": {"send_peak_kib": {"$SMALL": $send_small, "$LARGE": $send_large},
            "listen_hwm_kib": {"$SMALL": $listen_small, "$LARGE": $listen_large},
            "listen_capture_lines": $listen_lines,
            "listen_ui_hwm_kib": {"$SMALL": $ui_small, "$LARGE": $ui_large},
            "listen_ui_tab": $ui_tab,
            "target": "flat: the $LARGE figure close to the $SMALL figure"}}
JSON
cat "$BENCH_OUT/memory.json"
