# Shared helpers for bench scripts. Source it: `. "$(dirname "$0")/lib.sh"`.
# Every bench script writes its figures as JSON to $BENCH_OUT/<name>.json (bench/run merges them).
set -euo pipefail
BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$BENCH_DIR/.." && pwd)"
BENCH_OUT="${BENCH_OUT:-$BENCH_DIR/out}"
mkdir -p "$BENCH_OUT"
export PATH="$HOME/.cargo/bin:$PATH"
TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
BIN="$TARGET_DIR/release/cmzon-hook"

log() { echo "bench: $*" >&2; }

# need_apt TOOL [PACKAGE]: install a Debian package when TOOL is missing.
need_apt() {
  local tool=$1 pkg=${2:-$1}
  command -v "$tool" >/dev/null 2>&1 && return 0
  log "installing $pkg (apt)"
  if [ -z "${BENCH_APT_UPDATED:-}" ]; then apt-get update -qq >/dev/null 2>&1 || true; export BENCH_APT_UPDATED=1; fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$pkg" >/dev/null 2>&1 || { log "could not install $pkg"; return 1; }
}

# need_cargo TOOL [CRATE]: cargo install when TOOL is missing.
need_cargo() {
  local tool=$1 crate=${2:-$1}
  command -v "$tool" >/dev/null 2>&1 && return 0
  log "installing $crate (cargo install, takes a few minutes once)"
  cargo install --locked -q "$crate" >/dev/null 2>&1 || cargo install -q "$crate" >/dev/null 2>&1 || { log "could not install $crate"; return 1; }
}

build_release() {
  log "building release binaries"
  (cd "$ROOT" && cargo build --release --locked -q --bins --examples)
}

# hyperfine_mean JSON_FILE INDEX: mean seconds of the INDEX-th command in a hyperfine export.
hyperfine_mean() {
  python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["results"][int(sys.argv[2])]["mean"])' "$1" "$2"
}

# ratio A B: A/B with 3 decimals.
ratio() { python3 -c 'import sys; a,b=float(sys.argv[1]),float(sys.argv[2]); print(f"{a/b:.3f}" if b else "nan")' "$1" "$2"; }
