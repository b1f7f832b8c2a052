#!/usr/bin/env bash
# Runs a command with a private PostgreSQL cluster: initdb in a temporary directory, a
# server listening on a Unix socket in that directory only (no TCP, no system service),
# RELAIS_TEST_POSTGRES_URL exported for the command, and the server stopped and the
# directory removed whatever the outcome.
#
#   scripts/with-postgres.sh swift test --skip-build --filter RelaisPostgresTests
#
# Needs Debian's PostgreSQL server (apt-get install postgresql); PG_BIN overrides where
# its binaries are (default: the newest /usr/lib/postgresql/*/bin); PG_SERVER_OPTIONS adds
# server options after the defaults (a benchmark sets `-c fsync=on`). Run as root, the
# server runs as the 'postgres' user (PostgreSQL refuses to run as root).
set -euo pipefail

if [ $# -eq 0 ]; then
  echo "usage: $0 COMMAND [ARG…]" >&2
  exit 64
fi

PG_BIN="${PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)}"
if [ -z "$PG_BIN" ] || [ ! -x "$PG_BIN/initdb" ]; then
  echo "with-postgres: no PostgreSQL server binaries (apt-get install postgresql, or set PG_BIN)" >&2
  exit 69
fi

run_as=()
if [ "$(id -u)" -eq 0 ]; then
  run_as=(runuser -u postgres --)
fi

dir="$(mktemp -d /tmp/relais-pg.XXXXXX)"
chmod 755 "$dir"
[ ${#run_as[@]} -eq 0 ] || chown postgres "$dir"
data="$dir/data"

stop() {
  status=$?
  if [ -f "$data/postmaster.pid" ]; then
    "${run_as[@]}" "$PG_BIN/pg_ctl" -D "$data" -m immediate -w stop >/dev/null 2>&1 || true
  fi
  rm -rf "$dir"
  exit "$status"
}
trap stop EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

"${run_as[@]}" "$PG_BIN/initdb" -D "$data" -U postgres -A trust -E UTF8 --no-locale >"$dir/initdb.log" 2>&1 \
  || { cat "$dir/initdb.log" >&2; exit 1; }
# Unix socket in the temporary directory only; fsync off: a test cluster, thrown away.
"${run_as[@]}" "$PG_BIN/pg_ctl" -D "$data" -l "$dir/server.log" -w -t 60 \
  -o "-c listen_addresses='' -c unix_socket_directories='$dir' -c fsync=off -c max_connections=200 ${PG_SERVER_OPTIONS:-}" start >/dev/null \
  || { cat "$dir/server.log" >&2; exit 1; }

export RELAIS_TEST_POSTGRES_URL="postgres://postgres@/postgres?host=$dir"
echo "with-postgres: $("$PG_BIN/postgres" --version) on $dir (RELAIS_TEST_POSTGRES_URL=$RELAIS_TEST_POSTGRES_URL)" >&2
set +e
"$@"
status=$?
set -e
exit "$status"
