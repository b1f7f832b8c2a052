#!/usr/bin/env bash
# packaging/check-deb.sh DEB — checks what packaging/build-deb.sh built, from the archive
# alone (dpkg-deb -I / -c / -e): every file the package promises at its path with its mode,
# the conffiles, Depends, the maintainer scripts, the man pages and completions, and
# nothing outside the package's own directories. Exit 1 with the list of what is wrong.
set -euo pipefail

deb="${1:?usage: packaging/check-deb.sh relais_<version>_amd64.deb}"
[ -f "$deb" ] || { echo "check-deb: $deb: no such file" >&2; exit 1; }
cd "$(dirname "$0")/.."

problems=()
problem() { problems+=("$*"); }

field() { dpkg-deb -f "$deb" "$1"; }
listing=$(dpkg-deb -c "$deb")
# `mode path` per entry, without the leading `./` and a directory's trailing `/`.
entries=$(awk '{ path = $6; sub(/^\.\//, "", path); sub(/\/$/, "", path); if (path != "") print $1, $2, "/" path }' <<<"$listing")

expect() { # expect MODE PATH
  local line
  line=$(awk -v p="$2" '$3 == p' <<<"$entries")
  if [ -z "$line" ]; then
    problem "missing: $2"
  elif [ "${line%% *}" != "$1" ]; then
    problem "$2: mode ${line%% *}, expected $1"
  elif [ "$(awk '{ print $2 }' <<<"$line")" != "root/root" ]; then
    problem "$2: owned by $(awk '{ print $2 }' <<<"$line"), expected root/root"
  fi
}

version=$(sed -n 's/^ *public static let current = "\([^"]*\)".*/\1/p' Sources/RelaisControlAPI/RelaisVersion.swift)
[ "$(field Package)" = relais ] || problem "Package: $(field Package), expected relais"
[ "$(field Version)" = "$version" ] || problem "Version: $(field Version), expected $version (RelaisVersion.current)"
[ "$(field Architecture)" = amd64 ] || problem "Architecture: $(field Architecture), expected amd64"
[ "$(basename "$deb")" = "relais_${version}_amd64.deb" ] || problem "file name $(basename "$deb"), expected relais_${version}_amd64.deb"

depends=$(field Depends)
for needed in "libc6 (>= " "systemd (>= 252)"; do
  [[ "$depends" == *"$needed"* ]] || problem "Depends lacks '$needed': $depends"
done
[[ "$depends" != *swift* ]] || problem "Depends names a Swift package: $depends"

expect -rwxr-xr-x /usr/sbin/relaisd
expect -rwxr-xr-x /usr/bin/relaisctl
expect -rwxr-xr-x /usr/bin/relais-sandbox
expect -rw-r--r-- /lib/systemd/system/relaisd.service
expect -rw-r--r-- /usr/lib/sysusers.d/relais.conf
expect -rw-r--r-- /usr/lib/tmpfiles.d/relais.conf
expect -rw-r--r-- /etc/relais/relais.toml
expect -rw-r--r-- /usr/share/doc/relais/copyright
expect -rw-r--r-- /usr/share/man/man8/relaisd.8.gz
expect -rw-r--r-- /usr/share/man/man1/relaisctl.1.gz
expect -rw-r--r-- /usr/share/man/man1/relais-sandbox.1.gz
for exe in relaisd relaisctl relais-sandbox; do
  expect -rw-r--r-- "/usr/share/bash-completion/completions/$exe"
  expect -rw-r--r-- "/usr/share/zsh/vendor-completions/_$exe"
  expect -rw-r--r-- "/usr/share/fish/vendor_completions.d/$exe.fish"
done
# Every shipped carrier and policy file, under /etc/relais.
for file in $(find carriers policies -type f | sort); do
  expect -rw-r--r-- "/etc/relais/$file"
done
while read -r mode _ path; do
  case "$mode" in d*) [ "$mode" = drwxr-xr-x ] || problem "$path: directory mode $mode, expected drwxr-xr-x" ;; esac
  case "$path" in
    /etc/relais* | /lib/systemd/system* | /usr/sbin* | /usr/bin* | /usr/lib/sysusers.d* | /usr/lib/tmpfiles.d* | /usr/share/*) ;;
    /etc | /lib | /lib/systemd | /usr | /usr/lib | /usr/share) ;;
    *) problem "unexpected path: $path" ;;
  esac
done <<<"$entries"

control=$(mktemp -d)
trap 'rm -rf "$control"' EXIT
dpkg-deb -e "$deb" "$control"
# Conffiles: exactly the files under /etc.
expected_conffiles=$(awk '$1 ~ /^-/ && $3 ~ /^\/etc\// { print $3 }' <<<"$entries" | sort)
actual_conffiles=$(sort "$control/conffiles" 2>/dev/null || true)
[ -n "$expected_conffiles" ] || problem "no files under /etc"
[ "$expected_conffiles" = "$actual_conffiles" ] || problem "DEBIAN/conffiles is not exactly the files under /etc: $(diff <(echo "$expected_conffiles") <(echo "$actual_conffiles") | grep '^[<>]' | head -5 | tr '\n' ' ')"
for script in postinst prerm postrm; do
  [ -x "$control/$script" ] || problem "DEBIAN/$script missing or not executable"
done
grep -q 'systemd-sysusers relais.conf' "$control/postinst" || problem "postinst does not run systemd-sysusers"
grep -q 'systemd-tmpfiles --create relais.conf' "$control/postinst" || problem "postinst does not run systemd-tmpfiles"
grep -q 'daemon-reload' "$control/postinst" || problem "postinst does not reload systemd"
# (Its messages may name the commands; its commands may not run them.)
! grep -v '^ *echo ' "$control/postinst" | grep -Eq 'systemctl (enable|start|restart)|deb-systemd' \
  || problem "postinst enables or starts relaisd"

# The unit runs the packaged relaisd; the man pages are man pages; the completions complete.
contents=$(mktemp -d)
trap 'rm -rf "$control" "$contents"' EXIT
dpkg-deb -x "$deb" "$contents"
grep -q '^ExecStart=/usr/sbin/relaisd --config /etc/relais/relais.toml$' "$contents/lib/systemd/system/relaisd.service" \
  || problem "relaisd.service: ExecStart= is not /usr/sbin/relaisd --config /etc/relais/relais.toml"
for page in man8/relaisd.8 man1/relaisctl.1 man1/relais-sandbox.1; do
  name=$(basename "$page" | cut -d. -f1)
  section=${page##*.}
  text=$(zcat "$contents/usr/share/man/$page.gz" 2>/dev/null || true)
  grep -qi "^\.Dt $name $section" <<<"$text" || problem "$page.gz: no '.Dt ${name^^} $section' header"
  grep -q '^\.Sh DESCRIPTION' <<<"$text" || problem "$page.gz: no DESCRIPTION section"
done
grep -q 'status' "$contents/usr/share/bash-completion/completions/relaisctl" || problem "relaisctl's bash completion does not offer 'status'"
grep -q 'check-config' "$contents/usr/share/zsh/vendor-completions/_relaisd" || problem "relaisd's zsh completion does not offer --check-config"

if [ ${#problems[@]} -gt 0 ]; then
  echo "check-deb: $deb: ${#problems[@]} problems:" >&2
  printf '  %s\n' "${problems[@]}" >&2
  exit 1
fi
echo "check-deb: $deb: $(wc -l <<<"$entries") entries, $(wc -l <"$control/conffiles") conffiles, Depends: $depends: all as expected"
