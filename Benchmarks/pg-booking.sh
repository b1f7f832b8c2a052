#!/usr/bin/env bash
# SPEC §11 / §16: bookings per second with the PostgreSQL store, one and two relaisd nodes
# and relais-sandbox on one machine (target ≥ 1,000/s with two nodes), and the same with
# SQLite for comparison. relaisd, relais-sandbox and the PostgreSQL server each run in a
# process of their own; the server is durable (fsync on, synchronous_commit on), as the
# SQLite store is (synchronous=FULL). Run under scripts/with-postgres.sh, which starts the
# private cluster:
#
#   PG_SERVER_OPTIONS="-c fsync=on -c shared_preload_libraries=pg_stat_statements" \
#     scripts/with-postgres.sh Benchmarks/pg-booking.sh [N]
#
# N orders (default 4000) are dropped in the nodes' spools (split between them); each run
# ends when all are booked. Figures from the records: bookings/s = booked / (last booked_at −
# first booked_at). With pg_stat_statements loaded, the statements per booking of each
# PostgreSQL run are listed (calls / bookings), the round trips the commit shape costs.
# BIN (default .build/release) names the binaries; they are not built here. RUNS (default
# "sqlite pg1 pg2") picks the runs. Each run prints the CPU its processes spent per booking
# (relaisd, the PostgreSQL server's processes, relais-sandbox), read from /proc.
# PERF=FILE records the nodes' profile while they book (perf record, to FILE.RUN), with
# PERF_CALL_GRAPH (default fp; dwarf for libraries without frame pointers) and PERF_FREQ.
# WEBHOOK=1 gives every node a webhook to relais-sandbox playing the shop's OMS (it checks
# each signature and answers 204); a run then ends when everything is booked and delivered.
set -euo pipefail
n=${1:-4000}
bin=${BIN:-.build/release}
url=${RELAIS_TEST_POSTGRES_URL:?run under scripts/with-postgres.sh}
port=${PORT:-18481}
root=$(mktemp -d /tmp/relais-pg-bench-XXXXXX)
pids=()
# The run directory is left in place, as booking-e2e.sh leaves its own: on this VM's ext4,
# which has no journal, every inode allocated within 30 s of a mass deletion is checked
# against the inodes deleted (`recently_deleted`): deleting one run's 4,000 labels put a
# fifth of the next run's relaisd CPU in creating label files (BENCHMARKS.md, session 15).
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; echo "run directory: $root"' EXIT
source Benchmarks/bench-common.sh
source Benchmarks/relais-toml.sh
if [ -n "${WEBHOOK:-}" ]; then
  mkdir -p "$root/credentials"
  echo "whsec_$(head -c 24 /dev/urandom | base64)" > "$root/credentials/oms-webhook"
  start_sandbox "$bin" "$root" "$port" --oms-secrets "$root/credentials/oms-webhook"
else
  start_sandbox "$bin" "$root" "$port"
fi

node_config() {  # node_config DIR STORE-TOML
  { relais_toml "$1" "$PWD/carriers" "$root/credentials" "http://127.0.0.1:$port"
    printf '\n[tracking]\nenabled = false\n%s\n' "$2"
    [ -z "${WEBHOOK:-}" ] || printf '\n[[webhook]]\nurl = "http://127.0.0.1:%s/_oms/hooks"\nsecret = "oms-webhook"\n' "$port"
  } > "$1/relais.toml"
}

sql() { psql -X -q -t -A "$1" -c "$2"; }

# CPU seconds (user + system) of the processes named NAME alive now.
cpu_of() {  # cpu_of NAME
  local ticks=0 pid
  for pid in $(pgrep -x "$1"); do
    ticks=$((ticks + $(awk '{print $14 + $15}' "/proc/$pid/stat" 2>/dev/null || echo 0)))
  done
  echo "$ticks"
}

run() {  # run NAME ENGINE(sqlite|postgres) NODES
  local name=$1 engine=$2 nodes=$3 dbname="bench_$1" dburl="" started=()
  if [ "$engine" = postgres ]; then
    sql "$url" "CREATE DATABASE $dbname" >/dev/null
    dburl="${url/\/postgres\?/\/$dbname?}"
    sql "$dburl" "CREATE EXTENSION IF NOT EXISTS pg_stat_statements" >/dev/null 2>&1 || true
  fi
  for i in $(seq "$nodes"); do
    local dir="$root/$name/n$i"
    mkdir -p "$dir/spool/tmp" "$dir/spool/new"
    local store=""
    [ "$engine" = postgres ] && store=$'\n[store]\nurl = "'"$dburl"$'"\nnode = "n'"$i"'"'
    node_config "$dir" "$store"
    orders $((n / nodes)) "$name-n$i" > "$dir/spool/tmp/orders.ndjson"
    "$bin/relaisd" --config "$dir/relais.toml" 2>"$dir/relaisd.log" &
    pids+=($!)
    started+=($!)
  done
  for i in $(seq "$nodes"); do
    for _ in $(seq 100); do [ -S "$root/$name/n$i/relais.sock" ] && break; sleep 0.1; done
  done
  [ "$engine" = postgres ] && sql "$dburl" "SELECT pg_stat_statements_reset()" >/dev/null 2>&1 || true
  local cpu0_relaisd cpu0_postgres cpu0_sandbox
  cpu0_relaisd=$(cpu_of relaisd) cpu0_postgres=$(cpu_of postgres) cpu0_sandbox=$(cpu_of relais-sandbox)
  local recorder=""
  if [ -n "${PERF:-}" ]; then
    perf record -q -F "${PERF_FREQ:-499}" --call-graph "${PERF_CALL_GRAPH:-fp}" -p "$(IFS=,; echo "${started[*]}")" \
      -o "$PERF.$name" 2>/dev/null &
    recorder=$!
  fi
  for i in $(seq "$nodes"); do mv "$root/$name/n$i/spool/tmp/orders.ndjson" "$root/$name/n$i/spool/new/"; done
  local booked=0 count
  for _ in $(seq 480); do
    sleep 0.5
    if [ "$engine" = postgres ]; then
      count="SELECT COALESCE(SUM(n), 0) FROM queue_counts WHERE state='booked'"
      booked=$(sql "$dburl" "$count" 2>/dev/null || echo 0)
    else
      booked=$(sqlite3 "$root/$name/n1/state/relais.sqlite" "SELECT n FROM queue_counts WHERE state='booked'" 2>/dev/null || echo 0)
    fi
    if [ "${booked:-0}" -ge "$n" ]; then
      [ -z "${WEBHOOK:-}" ] || [ "$engine" != postgres ] && break
      [ "$(sql "$dburl" "SELECT COUNT(*) FROM outbox_deliveries WHERE state = 'pending'" 2>/dev/null || echo 1)" = 0 ] && break
    fi
  done
  [ -z "$recorder" ] || { kill -INT "$recorder"; wait "$recorder" || true; }
  local hz cpu
  hz=$(getconf CLK_TCK)
  cpu=$(awk -v r="$(( $(cpu_of relaisd) - cpu0_relaisd ))" -v p="$(( $(cpu_of postgres) - cpu0_postgres ))" \
    -v s="$(( $(cpu_of relais-sandbox) - cpu0_sandbox ))" -v hz="$hz" -v n="$n" \
    'BEGIN { printf "relaisd %.2f, PostgreSQL %.2f, relais-sandbox %.2f", r / hz / n * 1000, p / hz / n * 1000, s / hz / n * 1000 }')
  for i in $(seq "$nodes"); do kill -0 "${started[$((i - 1))]}" 2>/dev/null || { echo "pg-booking: node $i of $name stopped early:" >&2; tail -5 "$root/$name/n$i/relaisd.log" >&2; }; done
  for pid in "${started[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${started[@]}"; do wait "$pid" || true; done
  local rate="SELECT COUNT(*) || ' booked, ' || round(COUNT(*) * 1000.0 / NULLIF(MAX(booked_at) - MIN(booked_at), 0)) || ' bookings/s' FROM shipments WHERE state='booked'"
  if [ "$engine" = postgres ]; then
    echo "== $name: PostgreSQL, $nodes node(s): $(sql "$dburl" "$rate")"
    echo "   CPU ms per booking: $cpu"
    [ -z "${WEBHOOK:-}" ] || echo "   webhook, commit → 2xx recorded: $(sql "$dburl" "SELECT 'p50 ' || round(percentile_cont(0.5) WITHIN GROUP (ORDER BY d.delivered_at - e.at)) || ' ms, p99 ' || round(percentile_cont(0.99) WITHIN GROUP (ORDER BY d.delivered_at - e.at)) || ' ms over ' || COUNT(*) || ' events' FROM outbox_deliveries d JOIN outbox_events e ON e.seq = d.event_seq WHERE d.state = 'delivered'")"
    echo "   booked per node: $(sql "$dburl" "SELECT string_agg(claimed_by || ' ' || n, ', ') FROM (SELECT claimed_by, COUNT(*) AS n FROM shipments WHERE state='booked' GROUP BY 1 ORDER BY 1) x")"
    echo "   transactions committed: $(sql "$dburl" "SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()"), rolled back: $(sql "$dburl" "SELECT xact_rollback FROM pg_stat_database WHERE datname = current_database()")"
    sql "$dburl" "SELECT '   statements per booking: ' || round(SUM(calls)::numeric / $n, 1) FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())" 2>/dev/null || true
    sql "$dburl" "SELECT '     ' || lpad(round(calls::numeric / $n, 2)::text, 6) || '  ' || left(regexp_replace(query, '\s+', ' ', 'g'), 110) FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database()) ORDER BY calls DESC LIMIT 14" 2>/dev/null || true
    echo "   the server's time per booking, most first (ms, statement):"
    sql "$dburl" "SELECT '     ' || lpad(round((total_exec_time / $n)::numeric, 3)::text, 7) || '  ' || left(regexp_replace(query, '\s+', ' ', 'g'), 110) FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database()) ORDER BY total_exec_time DESC LIMIT 6" 2>/dev/null || true
  else
    echo "== $name: SQLite, 1 node: $(sqlite3 "$root/$name/n1/state/relais.sqlite" "$rate")"
    echo "   CPU ms per booking: $cpu"
  fi
}

for r in ${RUNS:-sqlite pg1 pg2}; do
  case $r in
    sqlite) run sqlite sqlite 1 ;;
    pg1) run pg1 postgres 1 ;;
    pg2) run pg2 postgres 2 ;;
    *) echo "pg-booking: unknown run $r (sqlite, pg1, pg2)" >&2; exit 64 ;;
  esac
done
