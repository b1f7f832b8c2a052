#!/usr/bin/env bash
# SPEC §11: tracking polls per second against relais-sandbox ≥ 2,000/s, with booking
# unaffected beyond 10 %. relais-sandbox runs in a process of its own (one for the whole
# script: its ledger of booked parcels lives in memory), relaisd in another, the shipped
# panel as it is (its max_in_flight and rate limits: tracking shares them with booking).
#
#   seed      relaisd books T orders with tracking off (not measured), then stops; its
#             database, T booked shipments all due for a poll, is copied for the runs below
#   polls     relaisd starts on a copy with tracking on and nothing to book:
#             polls/s = polled / (last poll − first poll), from tracking.last_polled_at
#   without   a fresh relaisd books N orders (nothing else tracked): bookings/s
#   with      relaisd starts on a copy (T shipments due for a poll) and books N orders:
#             bookings/s of those N, and polls/s while they were being booked
#
#   usage: Benchmarks/tracking.sh [T] [N]   (from the repository root; T default 100000, N 5000)
#   BIN=.build/debug to skip the release build (figures then mean little).
set -euo pipefail
tracked=${1:-100000}
n=${2:-5000}
bin=${BIN:-.build/release}
case "$bin" in
  *release) swift build -c release --product relaisd >/dev/null && swift build -c release --product relais-sandbox >/dev/null ;;
esac
port=${PORT:-18472}
root=$(mktemp -d /tmp/relais-tracking-bench-XXXXXX)
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done' EXIT
source Benchmarks/bench-common.sh
source Benchmarks/relais-toml.sh
start_sandbox "$bin" "$root" "$port"

configure() {  # configure DIR TRACKING(true|false) [CARRIERS]
  mkdir -p "$1/spool/tmp" "$1/spool/new"
  { relais_toml "$1" "${3:-$PWD/carriers}" "$root/credentials" "http://127.0.0.1:$port"
    printf '\n[tracking]\nenabled = %s\n' "$2"
  } > "$1/relais.toml"
}

start() {  # start DIR: relaisd in the background, once its socket answers
  "$bin/relaisd" --config "$1/relais.toml" 2>"$1/relaisd.log" &
  pid=$!
  pids+=($pid)
  for _ in $(seq 300); do [ -S "$1/relais.sock" ] && break; sleep 0.1; done
}

booked() { sqlite3 "$1/state/relais.sqlite" "SELECT COALESCE((SELECT n FROM queue_counts WHERE state='booked'), 0)" 2>/dev/null || echo 0; }
unpolled() { sqlite3 "$1/state/relais.sqlite" "SELECT COUNT(*) FROM tracking WHERE polls = 0" 2>/dev/null || echo 1; }

# seed: T booked shipments, none polled. Booked with each carrier's max_in_flight raised to
# 32, as the in-process booking benchmark does, only to seed faster; the runs measured
# below use the shipped panel as it is.
seed="$root/seed"
cp -r carriers "$root/carriers-seed"
sed -i 's/^max_in_flight = .*/max_in_flight = 32/' "$root"/carriers-seed/*/carrier.toml
configure "$seed" false "$root/carriers-seed"
# Spool files of 20,000 orders: under intake.max_file_bytes (16 MiB).
orders "$tracked" S | split -l 20000 - "$seed/spool/tmp/orders-"
start "$seed"
for f in "$seed"/spool/tmp/orders-*; do mv "$f" "$seed/spool/new/$(basename "$f").ndjson"; done
started=$(date +%s)
while [ "$(booked "$seed")" -lt "$tracked" ]; do
  sleep 1
  [ $(( $(date +%s) - started )) -lt 600 ] || { echo "seed: only $(booked "$seed") of $tracked booked after 600 s" >&2; exit 1; }
done
kill -TERM "$pid"; wait "$pid" || true
echo "== seed: $(booked "$seed") booked in $(( $(date +%s) - started )) s, tracking off"
sqlite3 "$seed/state/relais.sqlite" "PRAGMA wal_checkpoint(TRUNCATE)" >/dev/null
copy() {  # copy DIR: the seeded database (not its labels) under DIR/state
  configure "$1" true
  mkdir -p "$1/state"
  cp "$seed/state/relais.sqlite" "$1/state/relais.sqlite"
}
seeded_max=$(sqlite3 "$seed/state/relais.sqlite" "SELECT MAX(booked_at) FROM shipments")

# polls: tracking alone.
polls="$root/polls"
copy "$polls"
start "$polls"
started=$(date +%s)
while [ "$(unpolled "$polls")" -gt 0 ] && [ $(( $(date +%s) - started )) -lt 240 ]; do sleep 1; done
kill -TERM "$pid"; wait "$pid" || true
echo "== polls: $tracked due at start, no booking"
sqlite3 "$polls/state/relais.sqlite" "SELECT printf('polled %d, polls/s: %.0f over %.1f s; statuses: %s', COUNT(*), COUNT(*) * 1000.0 / (MAX(last_polled_at) - MIN(last_polled_at)), (MAX(last_polled_at) - MIN(last_polled_at)) / 1000.0, (SELECT group_concat(status || ' ' || n, ', ') FROM tracking_counts WHERE n > 0)) FROM tracking WHERE polls > 0"
echo "failed passes: $(grep -c "tracking: pass failed" "$polls/relaisd.log" || true)"

book() {  # book DIR PREFIX: N orders through the spool; bookings/s of those
  orders "$n" "$2" > "$1/spool/tmp/orders.ndjson"
  start "$1"
  local base
  base=$(booked "$1")
  mv "$1/spool/tmp/orders.ndjson" "$1/spool/new/"
  local started
  started=$(date +%s)
  while [ "$(booked "$1")" -lt $(( base + n )) ] && [ $(( $(date +%s) - started )) -lt 120 ]; do sleep 0.5; done
  kill -TERM "$pid"; wait "$pid" || true
}

without="$root/without"
configure "$without" true
book "$without" W
echo "== without: $n orders, nothing else tracked"
sqlite3 "$without/state/relais.sqlite" "SELECT printf('booked %d, bookings/s: %.0f', COUNT(*), COUNT(*) * 1000.0 / (MAX(booked_at) - MIN(booked_at))) FROM shipments WHERE state='booked'"

with="$root/with"
copy "$with"
book "$with" V
echo "== with: $n orders while $tracked booked shipments are due for a poll"
sqlite3 "$with/state/relais.sqlite" "SELECT printf('booked %d, bookings/s: %.0f', COUNT(*), COUNT(*) * 1000.0 / (MAX(booked_at) - MIN(booked_at))) FROM shipments WHERE state='booked' AND booked_at > $seeded_max"
sqlite3 "$with/state/relais.sqlite" "SELECT printf('polls while booking: %d, %.0f/s', COUNT(*), COUNT(*) * 1000.0 / ((SELECT MAX(booked_at) - MIN(booked_at) FROM shipments WHERE booked_at > $seeded_max))) FROM tracking WHERE last_polled_at BETWEEN (SELECT MIN(booked_at) FROM shipments WHERE booked_at > $seeded_max) AND (SELECT MAX(booked_at) FROM shipments WHERE booked_at > $seeded_max)"
echo "(run directories left in $root: deleting their labels slows file creation on this VM for minutes)"
