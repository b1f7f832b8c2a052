#!/usr/bin/env bash
# packaging/verify-deb.sh DEB [--chroot [DIR]] — proves that the package works on a machine
# without Swift. Run as root, by hand (not in CI: the chroot downloads a Debian base system).
#
# Without --chroot: the archive is extracted (dpkg-deb -x), `ldd` must show no library under
# /opt/swift (nor one not found), and, in a mount namespace where /opt/swift is an empty
# tmpfs, with an empty environment (env -i PATH=/usr/bin:/bin): `relaisd --version`,
# `relaisd --check-config` on the packaged configuration, `relaisctl check`, then relaisd
# started for real (its state and socket in a temporary directory) and `relaisctl status`
# answered by it, then SIGTERM and a clean exit.
#
# With --chroot: a Debian 12 base system debootstrapped into DIR (default
# /var/tmp/relais-bookworm, kept and reused), the package installed in it with
# `apt-get install ./relais_….deb` (dependencies from Debian's mirror), the credentials put in
# place as README's "Install" says, then the same checks inside the chroot, which has never
# seen a Swift toolchain.
set -euo pipefail

deb=$(realpath "${1:?usage: packaging/verify-deb.sh relais_<version>_amd64.deb [--chroot [DIR]]}")
shift
chroot_dir=""
if [ "${1:-}" = --chroot ]; then chroot_dir="${2:-/var/tmp/relais-bookworm}"; fi
[ "$(id -u)" -eq 0 ] || { echo "verify-deb: run as root (mount namespace, chroot)" >&2; exit 2; }

step() { echo "verify-deb: $*"; }
fail() { echo "verify-deb: FAILED: $*" >&2; exit 1; }

# The checks, on the host ($1 empty) or in the chroot $1: relaisd in $2, relaisctl in $3,
# the configuration in $4, a scratch directory $5 (paths as the system being checked sees them).
run_checks() {
  local on="$1" sbin="$2" bin="$3" etc="$4" work="$5"
  local run=(env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin)
  [ -z "$on" ] || run=(chroot "$on" "${run[@]}")
  step "relaisd --version: $("${run[@]}" "$sbin/relaisd" --version)"
  step "relaisctl --version: $("${run[@]}" "$bin/relaisctl" --version)"
  "${run[@]}" "$sbin/relaisd" --check-config --config "$etc/relais.toml" || fail "relaisd --check-config"
  "${run[@]}" "$bin/relaisctl" check --config "$etc/relais.toml" --carriers "$etc/carriers" --policies "$etc/policies" \
    || fail "relaisctl check"
  # relaisd for real: state, spool and socket in $work, its carriers unreachable (that is fine:
  # it starts, and books nothing).
  cat >"${on}$work/relais.toml" <<EOF
[paths]
state = "$work/state"
spool = "$work/spool"
carriers = "$etc/carriers"
policies = "$etc/policies"
socket = "$work/relais.sock"

[booking]
credentials = "$etc/credentials"

[[site]]
id = "lyon-dc"
postcode = "69007"
country = "FR"
EOF
  mkdir -p "${on}$work/spool"/{tmp,new}
  "${run[@]}" "$sbin/relaisd" --config "$work/relais.toml" >"${on}$work/relaisd.log" 2>&1 &
  local pid=$!
  for _ in $(seq 1 100); do [ -S "${on}$work/relais.sock" ] && break; sleep 0.1; done
  local status
  status=$("${run[@]}" "$bin/relaisctl" status --socket "$work/relais.sock") || { cat "${on}$work/relaisd.log" >&2; fail "relaisctl status"; }
  echo "$status" | sed 's/^/    /'
  kill -TERM "$pid"
  wait "$pid" || fail "relaisd did not exit cleanly after SIGTERM (status $?): $(tail -5 "${on}$work/relaisd.log")"
  step "relaisd started, answered relaisctl status, stopped cleanly on SIGTERM"
}

if [ -z "$chroot_dir" ]; then
  root=$(mktemp -d "${TMPDIR:-/tmp}/relais-verify.XXXXXX")
  trap 'rm -rf "$root"' EXIT
  dpkg-deb -x "$deb" "$root/pkg"
  for exe in "$root/pkg/usr/sbin/relaisd" "$root/pkg/usr/bin/relaisctl" "$root/pkg/usr/bin/relais-sandbox"; do
    libraries=$(ldd "$exe")
    ! grep -q '/opt/swift\|not found' <<<"$libraries" || fail "$(basename "$exe") loads: $(grep '/opt/swift\|not found' <<<"$libraries" | head -3)"
    step "$(basename "$exe"): $(awk '$2 == "=>" { print $1 }' <<<"$libraries" | paste -sd' ')"
  done
  # The packaged configuration with the sandbox credentials in place, as README's Install.
  etc="$root/pkg/etc/relais"
  mkdir -p "$etc/credentials"
  for dir in "$etc"/carriers/*/; do
    [ -f "$dir/sandbox/credentials" ] && install -m 0600 "$dir/sandbox/credentials" "$etc/credentials/$(basename "$dir")"
  done
  sed -i "s|\"/etc/relais/|\"$etc/|" "$etc/relais.toml"
  mkdir -p "$root/work"
  export -f run_checks step fail
  unshare -m bash -c "mount -t tmpfs none /opt/swift && run_checks '' '$root/pkg/usr/sbin' '$root/pkg/usr/bin' '$etc' '$root/work'" \
    || fail "the checks with /opt/swift hidden"
  step "passed: extracted package, /opt/swift hidden, empty environment"
  exit 0
fi

command -v debootstrap >/dev/null || fail "debootstrap not found: apt-get install debootstrap"
if [ ! -x "$chroot_dir/usr/bin/apt-get" ]; then
  step "debootstrap bookworm into $chroot_dir"
  debootstrap --variant=minbase bookworm "$chroot_dir" http://deb.debian.org/debian >"$chroot_dir.debootstrap.log" 2>&1 \
    || fail "debootstrap (log: $chroot_dir.debootstrap.log)"
fi
[ ! -e "$chroot_dir/opt/swift" ] || fail "$chroot_dir has /opt/swift"
mounted=()
cleanup() { for m in "${mounted[@]}"; do umount -l "$m" 2>/dev/null || true; done; }
trap cleanup EXIT
for m in proc sys dev; do
  mount --bind "/$m" "$chroot_dir/$m"
  mounted+=("$chroot_dir/$m")
done
cp /etc/resolv.conf "$chroot_dir/etc/resolv.conf"
cp "$deb" "$chroot_dir/tmp/"
in_chroot() { chroot "$chroot_dir" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive "$@"; }
in_chroot apt-get update -q >/dev/null
in_chroot apt-get install -y -q "/tmp/$(basename "$deb")" || fail "apt-get install"
step "installed: $(in_chroot dpkg-query -W -f='${Package} ${Version} ${Status}' relais)"
in_chroot getent passwd relais >/dev/null || fail "no user relais after installation"
[ -d "$chroot_dir/var/spool/relais/new" ] || fail "no /var/spool/relais/new after installation"
[ "$(stat -c %a "$chroot_dir/etc/relais/credentials")" = 700 ] || fail "/etc/relais/credentials is not 0700"
for c in $(ls "$chroot_dir/etc/relais/carriers"); do
  [ -f "$chroot_dir/etc/relais/carriers/$c/sandbox/credentials" ] \
    && install -m 0600 "$chroot_dir/etc/relais/carriers/$c/sandbox/credentials" "$chroot_dir/etc/relais/credentials/$c"
done
[ ! -e "$chroot_dir/opt/swift" ] || fail "$chroot_dir has /opt/swift"
! in_chroot sh -c 'ldd /usr/sbin/relaisd /usr/bin/relaisctl' | grep -q 'not found' || fail "a library is missing in the chroot"
work=/var/tmp/relais-verify
mkdir -p "$chroot_dir$work"
run_checks "$chroot_dir" /usr/sbin /usr/bin /etc/relais "$work"
rm -rf "${chroot_dir:?}$work"
in_chroot man -w relaisctl >/dev/null 2>&1 || step "(man is not installed in the minimal chroot; the pages are checked by check-deb.sh)"
step "passed: dpkg -i on Debian 12 without Swift"
