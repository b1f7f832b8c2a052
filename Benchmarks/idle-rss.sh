#!/usr/bin/env bash
# SPEC §11: idle RSS ≤ 40 MB. Starts a release relaisd on the shipped panel with an empty
# spool (carriers pointed at a closed port: nothing to book), waits until it is ready and
# idle, and prints its resident set size from /proc/<pid>/status.
#   usage: Benchmarks/idle-rss.sh            (from the repository root)
#   KEEP_PAGE_CACHE=1 to start relaisd with its binary's pages left in the page cache.
#   BUILD_FLAGS for the release build's flags (default --static-swift-stdlib, as README's release build); BIN=DIR to measure DIR/relaisd, unbuilt.
set -euo pipefail
. "$(dirname "$0")/relais-toml.sh"
bin=${BIN:-.build/release}
# shellcheck disable=SC2086
[ -n "${BIN:-}" ] || swift build -c release ${BUILD_FLAGS---static-swift-stdlib} --product relaisd >/dev/null
root=$(mktemp -d /tmp/relais-rss-XXXXXX)
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$root"' EXIT
mkdir -p "$root/credentials"
for c in carriers/*/; do
  id=$(basename "$c")
  [ -f "$c/sandbox/credentials" ] && cp "$c/sandbox/credentials" "$root/credentials/$id"
done
relais_toml "$root" "$PWD/carriers" "$root/credentials" "http://127.0.0.1:9" > "$root/relais.toml"
# The binary's pages leave the page cache first (POSIX_FADV_DONTNEED), so that relaisd
# starts as it does at boot, reading its code from disk. Right after the binary was
# written (a build, a copy, a package installed) its pages are cached as they were written,
# and the same relaisd then maps up to 4 MB more of its own code around each page it
# touches (BENCHMARKS.md, Idle RSS, session 13). KEEP_PAGE_CACHE=1 measures it that way.
if [ -z "${KEEP_PAGE_CACHE:-}" ]; then
  python3 -c 'import os, sys; fd = os.open(sys.argv[1], os.O_RDONLY); os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)' "$bin/relaisd"
  echo "page cache: relaisd's pages dropped before start (as at boot)"
else
  echo "page cache: kept as it is"
fi
"$bin/relaisd" --config "$root/relais.toml" 2>"$root/relaisd.log" &
pid=$!
for _ in $(seq 100); do [ -S "$root/relais.sock" ] && break; sleep 0.1; done
sleep "${SETTLE_SECONDS:-10}"
grep -E '^(VmRSS|VmHWM|RssAnon|RssFile)' "/proc/$pid/status"
