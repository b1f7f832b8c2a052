#!/usr/bin/env bash
# SPEC §11: booking end to end ≥ 3,000 durable bookings/s on 2 cores, and GET /v1/status
# ≤ 5 ms p99 while booking at full rate, with relais-sandbox and the probe in processes of
# their own, as in production.
#
# relaisd (release) takes N orders dropped into its spool at once (intake, aggregation,
# booking: everything durable, synchronous=FULL, labels flushed before each commit) and
# books them against relais-sandbox. The carriers are copies of the shipped ones with
# max_in_flight raised (MAX_IN_FLIGHT, default 32): this measures Relais, not the
# carriers' contracts. Meanwhile Benchmarks/probe.py asks the control socket for PROBE
# (comma-separated paths, default /v1/status) on one persistent connection, one request
# every PROBE_INTERVAL_MS (default 2), as a monitoring agent would; PROBE=none for none.
#
# Prints bookings per second (N / first to last booked_at) and, for each probed path, the
# latency p50/p99/max of the requests sent between the first and the last booking.
#   usage: Benchmarks/booking-e2e.sh [N]        (from the repository root; N default 10000)
#   BIN=DIR to run DIR's binaries unbuilt; BUILD_FLAGS for the release build's flags (default --static-swift-stdlib, as README's release build);
#   RELAISD_NICE (default 5, the unit's Nice=) for relaisd's nice value;
#   OPTIONS=1 to post a checkout cart as well (POST /v1/options, three origins);
#   NO_SYS_NICE=1 to run relaisd without CAP_SYS_NICE (no thread may raise its priority);
#   PERF=FILE to record relaisd's profile while it books (perf record -g), SANDBOX_PERF=FILE
#   the sandbox's; PERF_CALL_GRAPH=dwarf (default fp) to unwind libraries built without frame
#   pointers (libsqlite3), PERF_FREQ for the sampling rate (default 499);
#   SYSCALLS=FILE to count relaisd's system calls while it books (strace -c: slows it).
# Also prints CPU time, bytes written and thread switches per order.
# Start it 30 s or more after a build, a test run or any mass deletion: on an ext4 without
# a journal (this VM's), inodes allocated within 30 s of deletions are slow to allocate,
# and labels are 10,000 new files (BENCHMARKS.md, booking, session 15).
set -euo pipefail
# A run that stops says where (one once printed nothing at all).
trap 'echo "booking-e2e.sh: stopped at line $LINENO (status $?)" >&2' ERR
. "$(dirname "$0")/relais-toml.sh"
n=${1:-10000}
bin=${BIN:-.build/release}
if [ "$bin" = .build/release ]; then
  # shellcheck disable=SC2086
  swift build -c release ${BUILD_FLAGS---static-swift-stdlib} --product relaisd >/dev/null
  # shellcheck disable=SC2086
  swift build -c release ${BUILD_FLAGS---static-swift-stdlib} --product relais-sandbox >/dev/null
fi
port=${PORT:-18473}
root=$(mktemp -d /tmp/relais-e2e-bench-XXXXXX)
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done' EXIT
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
mkdir -p "$root/credentials" "$root/spool/tmp" "$root/spool/new"
cp -R carriers "$root/carriers"
sed -i -E "s/^max_in_flight = [0-9]+/max_in_flight = ${MAX_IN_FLIGHT:-32}/" "$root"/carriers/*/carrier.toml
for c in carriers/*/; do
  id=$(basename "$c")
  [ -f "$c/sandbox/credentials" ] && cp "$c/sandbox/credentials" "$root/credentials/$id"
done
"$bin/relais-sandbox" --carriers "$root/carriers" --port "$port" >"$root/sandbox.log" 2>&1 &
sandbox=$!
pids+=($sandbox)
relais_toml "$root" "$root/carriers" "$root/credentials" "http://127.0.0.1:$port" > "$root/relais.toml"
# OPTIONS=1: the probe also posts a checkout cart (SPEC §11: POST /v1/options, 3 origins,
# ≤ 10 ms p99 while booking), from two stores and the warehouse, as the in-process
# benchmark (Benchmarks/Benchmarks/Booking/OptionsLatency.swift) does.
if [ -n "${OPTIONS:-}" ]; then
  cat >> "$root/relais.toml" <<'TOML'

[[site]]
id = "paris-store"
country = "FR"
postcode = "75011"
lat = 48.8546
lon = 2.3730

[[site]]
id = "lille-store"
country = "FR"
postcode = "59800"
lat = 50.6389
lon = 3.0632
TOML
  cat > "$root/cart.json" <<'JSON'
{"origins": ["lille-store", "lyon-dc", "paris-store"],
 "recipient": {"postcode": "59000", "country": "FR", "lat": 50.6377, "lon": 3.0608},
 "parcels": [{"weight_kg": 1.6, "length_cm": 35, "width_cm": 25, "height_cm": 12}]}
JSON
fi
# Five destinations, a third to relay points, one to five kilos (as the in-process booking
# benchmark): the default policy spreads them over DPD, Mondial Relay, Colissimo, Vélocité.
python3 - "$n" > "$root/spool/tmp/orders.ndjson" <<'PY'
import json, sys
cities = [("75011", "Paris"), ("13001", "Marseille"), ("69003", "Lyon"), ("33000", "Bordeaux"), ("20000", "Ajaccio")]
for i in range(int(sys.argv[1])):
    pc, city = cities[i % len(cities)]
    order = {"id": f"E-{i}", "site": "lyon-dc", "ready_at": "2026-11-23T10:15:00+01:00", "service_level": "standard",
             "delivery_mode": "relay" if i % 3 == 0 else "home",
             "recipient": {"name": f"Client {i}", "street": [f"{i} rue de la Paix"], "postcode": pc, "city": city, "country": "FR"},
             "parcels": [{"weight_kg": 1 + i % 5, "length_cm": 30, "width_cm": 20, "height_cm": 10}]}
    if i % 3 == 0:
        order["relay_point"] = f"RP-{i % 97}"
    print(json.dumps(order))
PY
# At nice 5, as the systemd unit runs it (Nice=5; its control thread raises itself to 0, as
# root here to -5 would be allowed too, but the thread asks for 5 steps above the daemon).
# NO_SYS_NICE=1: without CAP_SYS_NICE (RLIMIT_NICE is 0 here), so that no thread may lower
# its nice value, as for an unprivileged relaisd: neither the control thread nor
# libdispatch's workers (which set their own nice value from their QoS when allowed).
wrap=()
[ -n "${NO_SYS_NICE:-}" ] && wrap=(setpriv --bounding-set=-sys_nice)
"${wrap[@]}" nice -n "${RELAISD_NICE:-5}" "$bin/relaisd" --config "$root/relais.toml" 2>"$root/relaisd.log" &
pid=$!
pids+=($pid)
for _ in $(seq 100); do [ -S "$root/relais.sock" ] && break; sleep 0.1; done
# PROBE=none: booking alone, as in production, where an agent asks every few seconds, not
# 500 times a second (the probe and relaisd's answers share the two cores with booking:
# BENCHMARKS.md, booking, session 13).
probe=
if [ "${PROBE:-}" != none ]; then
  IFS=, read -r -a paths <<< "${PROBE:-/v1/status}"
  [ -z "${OPTIONS:-}" ] || paths+=("POST /v1/options@$root/cart.json")
  python3 Benchmarks/probe.py "$root/relais.sock" "$root/probe.txt" "${PROBE_INTERVAL_MS:-2}" "${paths[@]}" &
  probe=$!
  pids+=($probe)
fi
sleep 1
recorders=()
if [ -n "${PERF:-}" ]; then perf record -q -F "${PERF_FREQ:-499}" --call-graph "${PERF_CALL_GRAPH:-fp}" -p "$pid" -o "$PERF" 2>/dev/null & recorders+=($!); fi
# SYSCALLS=FILE: relaisd's system calls while it books, counted by strace (slows it: for
# counts per order, not for speed).
if [ -n "${SYSCALLS:-}" ]; then strace -c -f -q -p "$pid" -o "$SYSCALLS" & recorders+=($!); fi
if [ -n "${SANDBOX_PERF:-}" ]; then perf record -q -F 499 -g -p "$sandbox" -o "$SANDBOX_PERF" 2>/dev/null & recorders+=($!); fi
cpu_before=$(awk '{print $14 + $15}' "/proc/$pid/stat"); sandbox_before=$(awk '{print $14 + $15}' "/proc/$sandbox/stat")
written_before=$(awk '/^wchar/ {print $2}' "/proc/$pid/io")
# Context switches of relaisd's threads (each hop between the cooperative pool, SQLite's
# queue, NIO's event loops and its thread pool is one or two).
switches() { cat /proc/"$pid"/task/*/status 2>/dev/null | awk '/ctxt_switches/ {n += $2} END {print n}'; }
switches_before=$(switches)
mv "$root/spool/tmp/orders.ndjson" "$root/spool/new/"
db="$root/state/relais.sqlite"
booked=0
for _ in $(seq 1200); do
  sleep 0.25
  booked=$(sqlite3 "$db" "SELECT n FROM queue_counts WHERE state='booked'" 2>/dev/null || echo 0)
  [ "${booked:-0}" -ge "$n" ] && break
done
[ -z "$probe" ] || { kill -TERM "$probe"; wait "$probe" || true; }
ticks=$(getconf CLK_TCK)
cpu=$(( $(awk '{print $14 + $15}' "/proc/$pid/stat") - cpu_before ))
sandbox_cpu=$(( $(awk '{print $14 + $15}' "/proc/$sandbox/stat") - sandbox_before ))
written=$(( $(awk '/^wchar/ {print $2}' "/proc/$pid/io") - written_before ))
switched=$(( $(switches) - switches_before ))
for r in "${recorders[@]}"; do kill -INT "$r"; wait "$r" || true; done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
kill -TERM "$pid"; wait "$pid" || true
echo "booked: $booked of $n"
echo "CPU from the drop to the last booking: relaisd $((cpu * 1000 / ticks)) ms, relais-sandbox $((sandbox_cpu * 1000 / ticks)) ms"
# Everything relaisd wrote (database and WAL, labels, sockets): what its commits cost in bytes.
echo "relaisd wrote $((written / n)) bytes per order (write calls: database, WAL, labels, sockets)"
echo "relaisd's threads switched $((switched * 10 / n / 10)).$((switched * 10 / n % 10)) times per order"
sqlite3 "$db" "SELECT printf('bookings/s: %.0f', COUNT(*) * 1000.0 / (MAX(booked_at) - MIN(booked_at))) FROM shipments WHERE state='booked'"
window=$(sqlite3 "$db" "SELECT MIN(booked_at) || ' ' || MAX(booked_at) FROM shipments WHERE state='booked'")
[ -z "$probe" ] || python3 - "$root/probe.txt" $window <<'PY'
import sys
lines = [l.split() for l in open(sys.argv[1]) if l.strip()]
first, last = int(sys.argv[2]), int(sys.argv[3])
by_path = {}
for at, path, micros, status in lines:
    if first <= int(at) <= last:
        by_path.setdefault(path, []).append((int(micros), status))
for path, samples in by_path.items():
    v = sorted(m for m, _ in samples)
    bad = sum(1 for _, s in samples if not s.startswith("2"))
    p = lambda q: v[min(len(v) - 1, int(len(v) * q))] / 1000
    print(f"{path}: {len(v)} requests while booking, p50 {p(0.5):.2f} ms, p99 {p(0.99):.2f} ms, max {v[-1] / 1000:.2f} ms"
          + (f", {bad} not 2xx" if bad else ""))
PY
# Left in place: deleting thousands of label files slows file creation on this VM for
# minutes after (BENCHMARKS.md, note on ext4). Remove /tmp/relais-e2e-bench-* after.
echo "run directory: $root"
