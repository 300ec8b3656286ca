#!/usr/bin/env bash
# Start-up: `cmzon-hook sign` on a small file vs `openssl dgst` on the same file. Target <= 1.0x.
. "$(dirname "$0")/lib.sh"
need_apt hyperfine
need_apt openssl
[ -x "$BIN" ] || build_release
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
printf '%s' '{"object":"whatsapp_business_account","entry":[]}' > "$work/small.json"
hyperfine -N --warmup 20 --runs 300 --export-json "$work/hf.json" \
  "openssl dgst -sha256 -hmac k $work/small.json" \
  "$BIN sign --secret k $work/small.json" >&2
o=$(hyperfine_mean "$work/hf.json" 0)
c=$(hyperfine_mean "$work/hf.json" 1)
cat > "$BENCH_OUT/startup.json" <<JSON
{"startup_sign": {"openssl_ms": $(python3 -c "print(round($o*1000,3))"), "cmzon_hook_ms": $(python3 -c "print(round($c*1000,3))"), "ratio_vs_openssl": $(ratio "$c" "$o"), "target": "<= 1.0"}}
JSON
cat "$BENCH_OUT/startup.json"
