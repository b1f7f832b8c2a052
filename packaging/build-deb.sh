#!/usr/bin/env bash
# packaging/build-deb.sh — builds relais_<version>_amd64.deb with dpkg-deb alone.
#
#   packaging/build-deb.sh [--from-build DIR] [--allow-toolchain-libs] [--output DIR]
#                          [--compression xz|gzip|zstd|none]
#
# Without --from-build it runs BUILD_COMMAND (a static release build: the executables carry
# the Swift runtime and Foundation, so the host needs no toolchain) and packages its output.
# --from-build DIR packages executables already built in DIR instead (CI uses .build/debug:
# same files and layout, checked by packaging/check-deb.sh, without a second build); debug
# executables load the toolchain's libraries, which is refused unless --allow-toolchain-libs,
# and such a package is for checking only, never for installing.
#
# On this machine the build goes through the build lock: /work/bin/swiftlock packaging/build-deb.sh
#
# The package holds: relaisd (/usr/sbin), relaisctl and relais-sandbox (/usr/bin), the unit,
# sysusers.d and tmpfiles.d snippets, /etc/relais (relais.toml, carriers, policies: conffiles),
# shell completions (bash, zsh, fish), a man page per executable (argument-parser's
# generate-manual) and the maintainer scripts of packaging/debian/. Depends lists the Debian
# packages of the shared libraries the executables still load, read from their ELF headers.
set -euo pipefail

# The one build command (issue 19: the release flags may still change; keep them here).
BUILD_COMMAND=(swift build -c release --static-swift-stdlib)

cd "$(dirname "$0")/.."
repo=$PWD

from_build=""
allow_toolchain_libs=0
output="$repo/.build/deb"
compression="xz"
while [ $# -gt 0 ]; do
  case "$1" in
    --from-build) from_build="${2:?--from-build needs a directory}"; shift 2 ;;
    --allow-toolchain-libs) allow_toolchain_libs=1; shift ;;
    --output) output="${2:?--output needs a directory}"; shift 2 ;;
    --compression) compression="${2:?--compression needs xz, gzip, zstd or none}"; shift 2 ;;
    -h|--help) sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "build-deb: unknown argument '$1' (see --help)" >&2; exit 64 ;;
  esac
done

fail() { echo "build-deb: $*" >&2; exit 1; }

# The version: RelaisVersion.current, the string relaisd reports and `--version` prints.
version_file=Sources/RelaisControlAPI/RelaisVersion.swift
version=$(sed -n 's/^ *public static let current = "\([^"]*\)".*/\1/p' "$version_file")
[[ "$version" =~ ^[0-9][A-Za-z0-9.+~-]*$ ]] || fail "$version_file: no usable version in 'static let current = \"…\"' (found '$version')"

if [ -z "$from_build" ]; then
  echo "build-deb: ${BUILD_COMMAND[*]}"
  "${BUILD_COMMAND[@]}"
  bin=$("${BUILD_COMMAND[@]}" --show-bin-path)
else
  bin=$(cd "$from_build" && pwd) || fail "--from-build $from_build: no such directory"
fi

# Where each executable goes, and its manual section (8: a daemon for the administrator).
executables=(relaisd relaisctl relais-sandbox)
declare -A install_dir=([relaisd]=usr/sbin [relaisctl]=usr/bin [relais-sandbox]=usr/bin)
declare -A man_section=([relaisd]=8 [relaisctl]=1 [relais-sandbox]=1)

for exe in "${executables[@]}"; do
  [ -x "$bin/$exe" ] || fail "$bin/$exe: missing; build it first (${BUILD_COMMAND[*]})"
  printed=$("$bin/$exe" --version 2>/dev/null || true)
  if [ "$exe" != relais-sandbox ] && [ "$printed" != "$version" ]; then
    fail "$bin/$exe --version prints '$printed', the source says $version: rebuild"
  fi
done

stage=$(mktemp -d "${TMPDIR:-/tmp}/relais-deb.XXXXXX")
trap 'rm -rf "$stage"' EXIT
root="$stage/relais_${version}_amd64"
mkdir -p "$root/DEBIAN"

# Executables, without their debug sections (the symbol table stays, for backtraces).
for exe in "${executables[@]}"; do
  install -D -m 0755 "$bin/$exe" "$root/${install_dir[$exe]}/$exe"
  strip --strip-debug "$root/${install_dir[$exe]}/$exe"
done

# The unit, with ExecStart= where the package puts relaisd.
unit="$root/lib/systemd/system/relaisd.service"
install -D -m 0644 systemd/relaisd.service "$unit"
sed -i 's|^ExecStart=/usr/local/bin/relaisd |ExecStart=/usr/sbin/relaisd |; s|^# /etc/systemd/system/relaisd.service|# /lib/systemd/system/relaisd.service|' "$unit"
grep -q '^ExecStart=/usr/sbin/relaisd ' "$unit" || fail "systemd/relaisd.service: no 'ExecStart=/usr/local/bin/relaisd …' line to point at /usr/sbin"
install -D -m 0644 systemd/sysusers.d/relais.conf "$root/usr/lib/sysusers.d/relais.conf"
install -D -m 0644 systemd/tmpfiles.d/relais.conf "$root/usr/lib/tmpfiles.d/relais.conf"

# The default configuration: every file under /etc is a conffile (an edited one survives
# upgrades; dpkg asks before replacing it).
install -D -m 0644 systemd/relais.toml "$root/etc/relais/relais.toml"
for tree in carriers policies; do
  (cd "$repo" && find "$tree" -type d) | while read -r dir; do install -d -m 0755 "$root/etc/relais/$dir"; done
  (cd "$repo" && find "$tree" -type f) | while read -r file; do install -m 0644 "$file" "$root/etc/relais/$file"; done
done

# Shell completions.
for exe in "${executables[@]}"; do
  install -d -m 0755 "$root/usr/share/bash-completion/completions" "$root/usr/share/zsh/vendor-completions" \
    "$root/usr/share/fish/vendor_completions.d"
  "$bin/$exe" --generate-completion-script bash >"$root/usr/share/bash-completion/completions/$exe"
  "$bin/$exe" --generate-completion-script zsh >"$root/usr/share/zsh/vendor-completions/_$exe"
  "$bin/$exe" --generate-completion-script fish >"$root/usr/share/fish/vendor_completions.d/$exe.fish"
done

# Man pages: argument-parser's generate-manual (the tool behind its GenerateManual plugin),
# built from the checkout SwiftPM already has, run on each executable (it reads
# `--experimental-dump-help`). Dated by the last commit, so that two builds of one commit
# give the same pages.
parser_checkout="$repo/.build/checkouts/swift-argument-parser"
[ -f "$parser_checkout/Package.swift" ] || fail "$parser_checkout: missing; run 'swift package resolve' first"
manual_tool_build="$repo/.build/generate-manual"
swift build --package-path "$parser_checkout" --scratch-path "$manual_tool_build" -c release --product generate-manual >/dev/null \
  || fail "generate-manual did not build (swift build --package-path $parser_checkout --product generate-manual)"
manual_tool="$manual_tool_build/release/generate-manual"
commit_date=$(git -C "$repo" log -1 --format=%cs 2>/dev/null || date -u +%F)
for exe in "${executables[@]}"; do
  section=${man_section[$exe]}
  pages="$stage/man/$exe"
  mkdir -p "$pages"
  "$manual_tool" "$bin/$exe" --section "$section" --date "$commit_date" --authors "the Relais authors" --output-directory "$pages"
  [ -s "$pages/$exe.$section" ] || fail "generate-manual wrote no $exe.$section"
  install -D -m 0644 "$pages/$exe.$section" "$root/usr/share/man/man$section/$exe.$section"
  gzip -9n "$root/usr/share/man/man$section/$exe.$section"
done

install -D -m 0644 packaging/debian/copyright "$root/usr/share/doc/relais/copyright"
install -m 0644 README.md "$root/usr/share/doc/relais/README.md"
gzip -9n "$root/usr/share/doc/relais/README.md"

# Depends: the package of each shared library the executables load (DT_NEEDED), as its
# shlibs file states it (`libsqlite3 0 libsqlite3-0 (>= 3.40.1)`). A library no Debian
# package owns (the toolchain's, under /opt/swift) means the build is not self-contained.
declare -A depends=()
for exe in "${executables[@]}"; do
  for soname in $(objdump -p "$bin/$exe" | awk '$1 == "NEEDED" { print $2 }'); do
    # `libx.so.1 => /path (…)`, or the loader's own line, `/lib64/ld-linux-x86-64.so.2 (…)`.
    path=$(ldd "$bin/$exe" | awk -v so="$soname" '$1 == so { print $3; exit } substr($1, length($1) - length(so)) == "/" so { print $1; exit }')
    owner=""
    if [[ "$path" == /* ]]; then
      # usrmerge: dpkg may know the file under /lib or under /usr/lib.
      for candidate in "$path" "${path#/usr}" "/usr$path"; do
        owner=$(dpkg -S "$candidate" 2>/dev/null | head -n1 | cut -d: -f1) || true
        [ -n "$owner" ] && break
      done
    fi
    if [ -z "$owner" ]; then
      if [ "$allow_toolchain_libs" -eq 1 ]; then
        echo "build-deb: warning: $exe needs $soname (${path:-not found}), which no Debian package provides: a package for checking only" >&2
        continue
      fi
      fail "$exe needs $soname (${path:-not found}), which no Debian package provides: not self-contained (build with ${BUILD_COMMAND[*]})"
    fi
    name=${soname%%.so*}
    soversion=${soname#*.so.}
    dependency=""
    for shlibs in "/var/lib/dpkg/info/$owner:amd64.shlibs" "/var/lib/dpkg/info/$owner.shlibs"; do
      [ -f "$shlibs" ] || continue
      dependency=$(awk -v n="$name" -v v="$soversion" '$1 == n && $2 == v { $1 = ""; $2 = ""; sub(/^ +/, ""); print; exit }' "$shlibs")
      [ -n "$dependency" ] && break
    done
    [ -n "$dependency" ] || dependency="$owner (>= $(dpkg-query -W -f='${Version}' "$owner" | sed 's/-[^-]*$//'))"
    depends["$dependency"]=1
  done
done
# systemd-sysusers and systemd-tmpfiles, run by postinst; the unit wants 252 (Debian 12).
depends["systemd (>= 252)"]=1
depends_line=$(printf '%s\n' "${!depends[@]}" | sort | paste -sd, | sed 's/,/, /g')

installed_size=$(du -sk --exclude=DEBIAN "$root" | cut -f1)
cat >"$root/DEBIAN/control" <<EOF
Package: relais
Version: $version
Architecture: amd64
Maintainer: Relais maintainers <relais@localhost>
Installed-Size: $installed_size
Depends: $depends_line
Section: net
Priority: optional
Homepage: https://github.com/relais/relais
Description: carrier broker: scores carriers on cost, lead time and emissions, books them
 Relais takes ready-to-ship orders from an order management system, scores every carrier
 service of its panel on cost, lead time and fleet emissions under a policy written by the
 logistics team, explains every choice, books the winner over the carrier's HTTP/XML API
 and records everything in SQLite (or PostgreSQL, for several nodes).
 .
 relaisd is the daemon (a systemd service, not started by the installation), relaisctl
 operates it over a Unix socket, relais-sandbox stands in for the carriers in staging.
EOF
(cd "$root" && find etc -type f | sort | sed 's|^|/|') >"$root/DEBIAN/conffiles"
for script in postinst prerm postrm; do install -m 0755 "packaging/debian/$script" "$root/DEBIAN/$script"; done

mkdir -p "$output"
deb="$output/relais_${version}_amd64.deb"
dpkg-deb --root-owner-group -Z"$compression" --build "$root" "$deb" >/dev/null
echo "build-deb: $deb ($(du -h "$deb" | cut -f1)); Depends: $depends_line"
