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
# BIN (default .build/release) names the binaries; they are not built here.
set -euo pipefail
n=${1:-4000}
bin=${BIN:-.build/release}
url=${RELAIS_TEST_POSTGRES_URL:?run under scripts/with-postgres.sh}
port=${PORT:-18481}
root=$(mktemp -d /tmp/relais-pg-bench-XXXXXX)
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; sleep 0.5; rm -rf "$root"' EXIT
source Benchmarks/bench-common.sh
source Benchmarks/relais-toml.sh
start_sandbox "$bin" "$root" "$port"

node_config() {  # node_config DIR STORE-TOML
  { relais_toml "$1" "$PWD/carriers" "$root/credentials" "http://127.0.0.1:$port"
    printf '\n[tracking]\nenabled = false\n%s\n' "$2"
  } > "$1/relais.toml"
}

sql() { psql -X -q -t -A "$1" -c "$2"; }

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
  for i in $(seq "$nodes"); do mv "$root/$name/n$i/spool/tmp/orders.ndjson" "$root/$name/n$i/spool/new/"; done
  local booked=0 count
  for _ in $(seq 480); do
    sleep 0.5
    if [ "$engine" = postgres ]; then
      count="SELECT n FROM queue_counts WHERE state='booked'"
      booked=$(sql "$dburl" "$count" 2>/dev/null || echo 0)
    else
      booked=$(sqlite3 "$root/$name/n1/state/relais.sqlite" "SELECT n FROM queue_counts WHERE state='booked'" 2>/dev/null || echo 0)
    fi
    [ "${booked:-0}" -ge "$n" ] && break
  done
  for pid in "${started[@]}"; do kill -TERM "$pid"; done
  for pid in "${started[@]}"; do wait "$pid" || true; done
  local rate="SELECT COUNT(*) || ' booked, ' || round(COUNT(*) * 1000.0 / NULLIF(MAX(booked_at) - MIN(booked_at), 0)) || ' bookings/s' FROM shipments WHERE state='booked'"
  if [ "$engine" = postgres ]; then
    echo "== $name: PostgreSQL, $nodes node(s): $(sql "$dburl" "$rate")"
    echo "   booked per node: $(sql "$dburl" "SELECT string_agg(claimed_by || ' ' || n, ', ') FROM (SELECT claimed_by, COUNT(*) AS n FROM shipments WHERE state='booked' GROUP BY 1 ORDER BY 1) x")"
    echo "   transactions committed: $(sql "$dburl" "SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()"), rolled back: $(sql "$dburl" "SELECT xact_rollback FROM pg_stat_database WHERE datname = current_database()")"
    sql "$dburl" "SELECT '   statements per booking: ' || round(SUM(calls)::numeric / $n, 1) FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())" 2>/dev/null || true
    sql "$dburl" "SELECT '     ' || lpad(round(calls::numeric / $n, 2)::text, 6) || '  ' || left(regexp_replace(query, '\s+', ' ', 'g'), 110) FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database()) ORDER BY calls DESC LIMIT 14" 2>/dev/null || true
  else
    echo "== $name: SQLite, 1 node: $(sqlite3 "$root/$name/n1/state/relais.sqlite" "$rate")"
  fi
}

run sqlite sqlite 1
run pg1 postgres 1
run pg2 postgres 2
