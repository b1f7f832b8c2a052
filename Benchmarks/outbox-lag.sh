#!/usr/bin/env bash
# SPEC §11: outbox, booking commit → webhook answered 2xx while booking at full rate:
# ≤ 1 s p99, no backlog growth. relaisd books N orders against relais-sandbox, which runs
# in a process of its own and also plays the shop's OMS: it verifies every webhook's
# signature and answers 204. Run once with the webhook and once without (booking
# throughput with and without the outbox). Figures from the records:
#   lag      = delivery recorded (after the 2xx) − the event's commit time, per event
#   bookings = N / (last booked_at − first booked_at)
#   usage: Benchmarks/outbox-lag.sh [N]     (from the repository root; N default 5000)
#   BIN=.build/debug to skip the release build (figures then mean little); BIN=DIR to run
#   DIR's binaries. PERF=FILE records relaisd's profile in the run with the webhook
#   (PERF_CALL_GRAPH=dwarf for libraries without frame pointers). Each run also prints the
#   CPU relaisd and relais-sandbox (carriers and OMS) spent per booking, from /proc.
set -euo pipefail
. "$(dirname "$0")/relais-toml.sh"
n=${1:-5000}
bin=${BIN:-.build/release}
if [ "$bin" = .build/release ]; then swift build -c release --product relaisd >/dev/null && swift build -c release --product relais-sandbox >/dev/null; fi
port=${PORT:-18471}
root=$(mktemp -d /tmp/relais-outbox-bench-XXXXXX)
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done' EXIT
source Benchmarks/bench-common.sh
sandbox_credentials "$root/credentials"
echo "whsec_$(head -c 24 /dev/urandom | base64)" > "$root/credentials/oms-webhook"
"$bin/relais-sandbox" --carriers carriers --port "$port" --oms-secrets "$root/credentials/oms-webhook" >"$root/sandbox.log" 2>&1 &
sandbox=$!
pids+=($sandbox)
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
sleep 1
# The shipped panel's max_in_flight, as in production; the sandbox answers at once.
run() {  # run NAME WEBHOOK(yes|no)
  local dir="$root/$1"
  mkdir -p "$dir/spool/tmp" "$dir/spool/new"
  relais_toml "$dir" "$PWD/carriers" "$root/credentials" "http://127.0.0.1:$port" > "$dir/relais.toml"
  if [ "$2" = yes ]; then cat >> "$dir/relais.toml" <<TOML

[[webhook]]
url = "http://127.0.0.1:$port/_oms/hooks"
secret = "oms-webhook"
TOML
  fi
  orders "$n" "$1" > "$dir/spool/tmp/orders.ndjson"
  "$bin/relaisd" --config "$dir/relais.toml" 2>"$dir/relaisd.log" &
  local pid=$!
  pids+=($pid)
  for _ in $(seq 100); do [ -S "$dir/relais.sock" ] && break; sleep 0.1; done
  local recorder=""
  if [ -n "${PERF:-}" ] && [ "$2" = yes ]; then
    perf record -q -F 499 --call-graph "${PERF_CALL_GRAPH:-fp}" -p "$pid" -o "$PERF" 2>/dev/null & recorder=$!
  fi
  local cpu0 sandbox0
  cpu0=$(ticks "$pid") sandbox0=$(ticks "$sandbox")
  mv "$dir/spool/tmp/orders.ndjson" "$dir/spool/new/"
  local db="$dir/state/relais.sqlite" pending=1 booked=0 samples=""
  for _ in $(seq 600); do
    sleep 0.5
    booked=$(sqlite3 "$db" "SELECT n FROM queue_counts WHERE state='booked'" 2>/dev/null || echo 0)
    pending=$(sqlite3 "$db" "SELECT COUNT(*) FROM outbox_deliveries WHERE state='pending'" 2>/dev/null || echo 1)
    samples="$samples $pending"
    [ "$booked" -ge "$n" ] && [ "$pending" -eq 0 ] && break
  done
  local cpu sandbox_cpu
  cpu=$(( $(ticks "$pid") - cpu0 )) sandbox_cpu=$(( $(ticks "$sandbox") - sandbox0 ))
  if [ -n "$recorder" ]; then kill -INT "$recorder"; wait "$recorder" || true; fi
  kill -TERM "$pid"; wait "$pid" || true
  echo "== $1 (webhook: $2): $booked booked"
  awk -v r="$cpu" -v s="$sandbox_cpu" -v hz="$(getconf CLK_TCK)" -v n="$n" \
    'BEGIN { printf "CPU ms per booking, until booked and delivered: relaisd %.2f, relais-sandbox %.2f\n", r / hz / n * 1000, s / hz / n * 1000 }'
  sqlite3 "$db" "SELECT printf('bookings/s: %.0f', COUNT(*) * 1000.0 / (MAX(booked_at) - MIN(booked_at))) FROM shipments WHERE state='booked'"
  if [ "$2" = yes ]; then
    echo "pending deliveries sampled every 0.5 s while booking:$samples"
    sqlite3 "$db" "SELECT d.delivered_at - e.at FROM outbox_deliveries d JOIN outbox_events e ON e.seq = d.event_seq WHERE d.state='delivered' ORDER BY 1" |
      python3 -c 'import sys; v=[int(l) for l in sys.stdin]; p=lambda q: v[min(len(v)-1, int(len(v)*q))]; print(f"commit → 2xx recorded, ms: p50 {p(0.5)}, p90 {p(0.9)}, p99 {p(0.99)}, max {v[-1]} over {len(v)} events")'
  fi
}
run without no
run with yes
