#!/usr/bin/env bash
# scripts/api-fuzz.sh — a schema-driven fuzz run of the control API: schemathesis, driven by
# docs/openapi.yaml, against a real relaisd (and relais-sandbox as its carriers), through a
# loopback TCP proxy to the Unix socket (socat). Not part of CI; the last result is in
# FUZZING.md.
#
#   scripts/api-fuzz.sh [--bin DIR] [--max-examples N] [--seed N] [-- more schemathesis options]
#
# Needs: executables in DIR (default .build/debug: `swift build` first), socat
# (apt-get install socat) and schemathesis (pip install schemathesis; or set SCHEMATHESIS to
# its path). The run fails (exit 1) on any 5xx, any status, content type, header or body the
# document does not describe, and any request outside the schema that is not refused with a
# 4xx. Everything lives in a temporary directory, removed at the end (kept with KEEP=1).
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD

bin=.build/debug
max_examples=100
seed=""
extra=()
while [ $# -gt 0 ]; do
  case "$1" in
    --bin) bin="$2"; shift 2 ;;
    --max-examples) max_examples="$2"; shift 2 ;;
    --seed) seed="$2"; shift 2 ;;
    --) shift; extra=("$@"); break ;;
    *) echo "api-fuzz: unknown argument '$1'" >&2; exit 64 ;;
  esac
done
schemathesis=${SCHEMATHESIS:-$(command -v schemathesis || true)}
[ -n "$schemathesis" ] || { echo "api-fuzz: schemathesis not found: pip install schemathesis (or SCHEMATHESIS=path)" >&2; exit 2; }
command -v socat >/dev/null || { echo "api-fuzz: socat not found: apt-get install socat" >&2; exit 2; }
for exe in relaisd relais-sandbox; do
  [ -x "$bin/$exe" ] || { echo "api-fuzz: $bin/$exe missing: swift build first" >&2; exit 2; }
done

work=$(mktemp -d "${TMPDIR:-/tmp}/relais-api-fuzz.XXXXXX")
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  if [ "${KEEP:-0}" = 1 ]; then echo "api-fuzz: kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# Credentials: the sandbox's, one file per carrier; a webhook secret for the OMS stand-in.
mkdir -p "$work/credentials" "$work/spool"
for dir in "$repo"/carriers/*/; do
  carrier=$(basename "$dir")
  [ -f "$dir/sandbox/credentials" ] && install -m 0600 "$dir/sandbox/credentials" "$work/credentials/$carrier"
done
echo "whsec_$(head -c 32 /dev/urandom | base64)" >"$work/credentials/oms-webhook"
chmod 0600 "$work/credentials/oms-webhook"

# The carriers and the shop's OMS (verifying the webhook's signatures): relais-sandbox, in
# a process of its own.
sandbox_port=$(free_port)
"$bin/relais-sandbox" --carriers "$repo/carriers" --port "$sandbox_port" --oms-secrets "$work/credentials/oms-webhook" \
  >"$work/sandbox.log" 2>&1 &
pids+=($!)

cat >"$work/relais.toml" <<EOF
[paths]
state = "$work/state"
spool = "$work/spool"
carriers = "$repo/carriers"
policies = "$repo/policies"
socket = "$work/relais.sock"

[booking]
credentials = "$work/credentials"
sandbox_url = "http://127.0.0.1:$sandbox_port"

[outbox]
spool = true

[[webhook]]
url = "http://127.0.0.1:$sandbox_port/_oms/hooks"
secret = "oms-webhook"

EOF
# The sites: the shipped example configuration's (a warehouse and two stores).
sed -n '/^\[\[site\]\]/,$p' "$repo/systemd/relais.toml" >>"$work/relais.toml"
mkdir -p "$work/spool"/{tmp,new,done,rejected,quarantine,out/.tmp}

"$bin/relaisd" --config "$work/relais.toml" >"$work/relaisd.log" 2>&1 &
relaisd_pid=$!
pids+=($relaisd_pid)
for _ in $(seq 1 100); do [ -S "$work/relais.sock" ] && break; sleep 0.1; done
[ -S "$work/relais.sock" ] || { echo "api-fuzz: relaisd did not start:" >&2; cat "$work/relaisd.log" >&2; exit 1; }

# Loopback TCP to the Unix socket. socat runs as this user: as root, writes are allowed.
port=$(free_port)
socat "TCP-LISTEN:$port,bind=127.0.0.1,reuseaddr,fork" "UNIX-CONNECT:$work/relais.sock" &
pids+=($!)
for _ in $(seq 1 50); do curl -fsS "http://127.0.0.1:$port/v1/status" >/dev/null 2>&1 && break; sleep 0.1; done

# Something to find: the sample orders, booked (S-1 … ), so that the documented example ids
# name real shipments and orders.
curl -fsS -o /dev/null -X POST --data-binary @samples/orders.ndjson "http://127.0.0.1:$port/v1/orders" \
  || curl -sS -X POST --data-binary @samples/orders.ndjson "http://127.0.0.1:$port/v1/orders"
for _ in $(seq 1 100); do
  booked=$(curl -fsS "http://127.0.0.1:$port/v1/status" | python3 -c 'import json,sys; print(json.load(sys.stdin)["queue"]["booked"])')
  [ "$booked" -gt 0 ] && break
  sleep 0.2
done
echo "api-fuzz: relaisd pid $relaisd_pid on 127.0.0.1:$port (socat → $work/relais.sock), $booked shipments booked"

status=0
# From $work: schemathesis keeps its cache in the current directory.
(cd "$work" && "$schemathesis" run "$repo/docs/openapi.yaml" --url "http://127.0.0.1:$port" \
  --checks all --exclude-checks ignored_auth,object_level_authorization,positive_data_acceptance \
  --phases examples,coverage,fuzzing --max-examples "$max_examples" ${seed:+--seed "$seed"} \
  --workers 1 --request-timeout 10 --suppress-health-check all \
  --report junit --report-dir "$work/report" "${extra[@]}") || status=$?

if ! kill -0 "$relaisd_pid" 2>/dev/null; then
  echo "api-fuzz: relaisd is no longer running:" >&2
  tail -20 "$work/relaisd.log" >&2
  status=1
fi
errors=$(grep -c '^<[0-9]>' "$work/relaisd.log" | head -1 || true)
echo "api-fuzz: relaisd logged $(grep -c '^<[0-3]>' "$work/relaisd.log" || true) lines at error or worse (of $errors)"
grep '^<[0-3]>' "$work/relaisd.log" | head -10 || true
exit "$status"
