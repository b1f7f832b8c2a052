#!/usr/bin/env bash
# Memory a configuration reload leaves behind (issue 20, BENCHMARKS.md, Soak): starts relaisd
# on CONFIG, waits for its socket, reads its resident memory, sends N SIGHUPs 0.4 s apart,
# waits, reads it again, and stops relaisd.
#
#   Benchmarks/reload-leak.sh RELAISD CONFIG [N]     (N default 100)
set -euo pipefail
bin=${1:?usage: $0 RELAISD CONFIG [N]}
config=${2:?usage: $0 RELAISD CONFIG [N]}
n=${3:-100}
socket=$(sed -n 's/^socket *= *"\(.*\)"/\1/p' "$config" | head -n 1)
"$bin" --config "$config" >/dev/null 2>&1 &
pid=$!
trap 'kill -TERM "$pid" 2>/dev/null || true' EXIT
for _ in $(seq 1 60); do [ -S "$socket" ] && break; sleep 0.5; done
sleep 5
memory() { grep -E "VmRSS|RssAnon" "/proc/$pid/status" | awk '{printf "%s %s kB  ", $1, $2}'; }
echo "before:              $(memory)"
for _ in $(seq 1 "$n"); do kill -HUP "$pid"; sleep 0.4; done
sleep 5
echo "after $n reloads: $(memory)"
