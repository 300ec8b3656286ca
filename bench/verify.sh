#!/usr/bin/env bash
# verify throughput: a 1 GiB body vs `openssl dgst -sha256 -hmac`, and a 100k-request capture
# vs a short Python script doing the same (json + hmac). Targets: >= 0.9x openssl, >= 5x Python.
#
# What each side does on the capture (the comparison favours Python):
# - Python: parse each line (json), HMAC-SHA256 the body, constant-time compare, count.
# - cmzon-hook verify --json: the same, plus parse each body and extract its events, plus write
#   one JSON line per request ({"source","valid","scheme","reason",...,"events":[...]}) to
#   stdout (hyperfine sends it to /dev/null). It uses every core (a reader thread, worker
#   threads, a writer); the Python script uses one.
. "$(dirname "$0")/lib.sh"
need_apt hyperfine
need_apt openssl
build_release # cargo is a no-op when the binary is current; never time a stale one
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
secret=bench-secret
REQUESTS=${VERIFY_REQUESTS:-100000}

log "1 GiB body"
head -c $((1024*1024*1024)) /dev/zero | tr '\0' 'a' > "$work/big.json"
sync
sig=$("$BIN" sign --secret "$secret" "$work/big.json")
hyperfine -N --warmup 1 --runs 5 --export-json "$work/big.hf.json" \
  "openssl dgst -sha256 -hmac $secret $work/big.json" \
  "$BIN verify --secret $secret --body $work/big.json --signature $sig" >&2
openssl_s=$(hyperfine_mean "$work/big.hf.json" 0)
ours_s=$(hyperfine_mean "$work/big.hf.json" 1)
rm -f "$work/big.json"

log "${REQUESTS}-request capture"
python3 - "$work/cap.jsonl" "$secret" "$REQUESTS" <<'PY'
import hmac, hashlib, json, sys
path, secret, n = sys.argv[1], sys.argv[2].encode(), int(sys.argv[3])
with open(path, "w") as f:
    for i in range(n):
        body = json.dumps({"object": "whatsapp_business_account", "entry": [{"id": str(i), "changes": [{"field": "messages", "value": {"messages": [{"id": f"wamid.{i}", "from": "1234567890", "type": "text", "text": {"body": "Hello caf\u00e9"}}]}}]}]}, separators=(",", ":"))
        sig = "sha256=" + hmac.new(secret, body.encode(), hashlib.sha256).hexdigest()
        f.write(json.dumps({"id": i + 1, "received_at": "2026-01-01T00:00:00Z", "remote_addr": "127.0.0.1:1", "method": "POST", "path": "/webhook", "query": "", "headers": [["Content-Type", "application/json"], ["X-Hub-Signature-256", sig]], "body": body}) + "\n")
PY
# Written back to disk now, not while either side is being timed.
sync
cat > "$work/verify.py" <<'PY'
import hmac, hashlib, json, sys
secret = sys.argv[2].encode()
ok = bad = 0
with open(sys.argv[1], "rb") as f:
    for line in f:
        req = json.loads(line)
        sig = next((v for k, v in req["headers"] if k.lower() == "x-hub-signature-256"), "")
        want = "sha256=" + hmac.new(secret, req["body"].encode(), hashlib.sha256).hexdigest()
        if hmac.compare_digest(want, sig): ok += 1
        else: bad += 1
print(ok, bad)
PY
# Both sides must agree before their speed means anything.
py_counts=$(python3 "$work/verify.py" "$work/cap.jsonl" "$secret")
valid=$("$BIN" verify --secret "$secret" --json "$work/cap.jsonl" | grep -c '"valid":true' || true)
[ "$py_counts" = "$REQUESTS 0" ] && [ "$valid" = "$REQUESTS" ] \
  || { log "the two sides disagree: python '$py_counts', cmzon-hook $valid valid"; exit 1; }
hyperfine -N --warmup 1 --runs 10 --export-json "$work/cap.hf.json" \
  "python3 $work/verify.py $work/cap.jsonl $secret" \
  "$BIN verify --secret $secret --json $work/cap.jsonl" >&2
py_s=$(hyperfine_mean "$work/cap.hf.json" 0)
cap_s=$(hyperfine_mean "$work/cap.hf.json" 1)

cat > "$BENCH_OUT/verify.json" <<JSON
{"verify_1gib": {"openssl_s": $openssl_s, "cmzon_hook_s": $ours_s, "ratio_vs_openssl": $(ratio "$openssl_s" "$ours_s"), "target": ">= 0.9"},
 "verify_100k_capture": {"requests": $REQUESTS, "capture_bytes": $(stat -c %s "$work/cap.jsonl"), "python_s": $py_s, "cmzon_hook_s": $cap_s, "python_requests_per_s": $(python3 -c "print(round($REQUESTS/$py_s))"), "requests_per_s": $(python3 -c "print(round($REQUESTS/$cap_s))"), "ratio_vs_python": $(ratio "$py_s" "$cap_s"), "valid": $valid, "cores": $(nproc), "python": "$(python3 -c 'import platform; print(platform.python_version())')", "cmzon_hook_extra_work": "event extraction and one --json line per request", "target": ">= 5"}}
JSON
cat "$BENCH_OUT/verify.json"
