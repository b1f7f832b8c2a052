#!/usr/bin/env bash
# SPEC §11: idle RSS ≤ 40 MB. Starts a release relaisd on the shipped panel with an empty
# spool (carriers pointed at a closed port: nothing to book), waits until it is ready and
# idle, and prints its resident set size from /proc/<pid>/status.
#   usage: Benchmarks/idle-rss.sh            (from the repository root)
set -euo pipefail
swift build -c release --product relaisd >/dev/null
root=$(mktemp -d /tmp/relais-rss-XXXXXX)
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$root"' EXIT
mkdir -p "$root/credentials"
for c in carriers/*/; do
  id=$(basename "$c")
  [ -f "$c/sandbox/credentials" ] && cp "$c/sandbox/credentials" "$root/credentials/$id"
done
cat > "$root/relais.toml" <<TOML
[paths]
state = "$root/state"
spool = "$root/spool"
carriers = "$PWD/carriers"
policies = "$PWD/policies"
socket = "$root/relais.sock"

[booking]
credentials = "$root/credentials"
sandbox_url = "http://127.0.0.1:9"

[[site]]
id = "lyon-dc"
country = "FR"
postcode = "69007"
TOML
.build/release/relaisd --config "$root/relais.toml" 2>"$root/relaisd.log" &
pid=$!
for _ in $(seq 100); do [ -S "$root/relais.sock" ] && break; sleep 0.1; done
sleep "${SETTLE_SECONDS:-10}"
grep -E '^(VmRSS|VmHWM|RssAnon|RssFile)' "/proc/$pid/status"
