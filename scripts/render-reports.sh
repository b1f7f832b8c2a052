#!/usr/bin/env bash
# Renders the HTML reports (relaisctl simulate / report emissions / report promise / report carriers --html)
# in headless Chromium, as a manager's browser would: a PNG of each page, and a PDF to check
# that it prints on A4. Fails when a page is empty, when Chromium logs a console message
# (the pages carry no script: any message is a defect), or when a page refers to anything
# outside itself. Not part of CI: it needs Debian's `chromium` package (apt-get install chromium).
#
#   scripts/render-reports.sh                 # sample pages from two weeks of recorded history,
#                                             # screenshots into docs/reports/
#   scripts/render-reports.sh --pages DIR     # every DIR/*.html instead (your own --html pages)
#   scripts/render-reports.sh --out DIR       # PNGs (and PDFs) somewhere else
#
# The sample pages come from the test suite's two-week history (HTMLReportTests, run with
# RELAIS_REPORT_SAMPLES=DIR): the same commands as relaisctl, on a real SQLite database.
# SWIFT_PREFIX is put before every swift command (on a shared machine: /work/bin/swiftlock).
set -euo pipefail

cd "$(dirname "$0")/.."
pages=""
out="docs/reports"
while [ $# -gt 0 ]; do
    case "$1" in
        --pages) pages="$2"; shift 2 ;;
        --out) out="$2"; shift 2 ;;
        -h|--help) sed -n '2,17p' "$0"; exit 0 ;;
        *) echo "render-reports.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
    esac
done

browser="$(command -v chromium || command -v chromium-browser || true)"
if [ -z "$browser" ]; then
    echo "render-reports.sh: chromium not found; install Debian's package: apt-get install chromium" >&2
    exit 2
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

if [ -z "$pages" ]; then
    pages="$work/pages"
    ${SWIFT_PREFIX:-} swift build --build-tests >"$work/build.log" 2>&1 || { tail -30 "$work/build.log" >&2; exit 1; }
    RELAIS_REPORT_SAMPLES="$pages" ${SWIFT_PREFIX:-} swift test --skip-build \
        --filter 'HTMLReportTests.twoWeeksOfHistoryDrawOnePointPerCarrierAndDay' >"$work/test.log" 2>&1 \
        || { tail -30 "$work/test.log" >&2; exit 1; }
fi
shopt -s nullglob
files=("$pages"/*.html)
if [ ${#files[@]} -eq 0 ]; then
    echo "render-reports.sh: no .html page in $pages" >&2
    exit 1
fi
mkdir -p "$out"

failed=0
for page in "${files[@]}"; do
    name="$(basename "$page" .html)"
    url="file://$(cd "$(dirname "$page")" && pwd)/$(basename "$page")"
    # Self-contained: nothing to fetch, nothing to run.
    if grep -Eiq '<script|<link|<img|<iframe|src=|href=|url\(|@import' "$page"; then
        echo "FAIL $name: refers to something outside the page:" >&2
        grep -Eio '.{0,40}(<script|<link|<img|<iframe|src=|href=|url\(|@import).{0,40}' "$page" | head -3 >&2
        failed=1
    fi
    # Tall enough for the longest page; the blank foot is cropped below.
    flags=(--headless --no-sandbox --disable-gpu --hide-scrollbars --no-first-run --disable-extensions
        --host-resolver-rules="MAP * ~NOTFOUND" --enable-logging=stderr --v=0)
    timeout 120 "$browser" "${flags[@]}" --window-size=1000,4000 --screenshot="$work/$name.png" "$url" \
        >"$work/$name.log" 2>&1 || { echo "FAIL $name: chromium failed" >&2; cat "$work/$name.log" >&2; failed=1; continue; }
    timeout 120 "$browser" "${flags[@]}" --no-pdf-header-footer --print-to-pdf="$work/$name.pdf" "$url" \
        >>"$work/$name.log" 2>&1 || { echo "FAIL $name: chromium could not print it" >&2; failed=1; continue; }
    if grep -E ':CONSOLE[:(]' "$work/$name.log" >&2; then
        echo "FAIL $name: console messages above" >&2
        failed=1
    fi
    # Crop the blank foot, refuse an empty page, and report the A4 pages the PDF has.
    if ! python3 - "$work/$name.png" "$out/$name.png" "$work/$name.pdf" <<'PY'
import re, struct, sys, zlib

source, target, pdf = sys.argv[1:4]
data = open(source, "rb").read()
assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
pos, chunks = 8, []
while pos < len(data):
    length, kind = struct.unpack(">I4s", data[pos:pos + 8])
    chunks.append((kind, data[pos + 8:pos + 8 + length]))
    pos += 12 + length
width, height, depth, colour = struct.unpack(">IIBB", dict(chunks)[b"IHDR"][:10])
assert depth == 8 and colour in (2, 6), f"unexpected PNG format: depth {depth}, colour type {colour}"
channels = 3 if colour == 2 else 4
raw = zlib.decompress(b"".join(body for kind, body in chunks if kind == b"IDAT"))
stride = width * channels
rows, previous, at = [], bytearray(stride), 0
for _ in range(height):
    kind, line = raw[at], bytearray(raw[at + 1:at + 1 + stride])
    at += 1 + stride
    for i in range(stride):
        left = line[i - channels] if i >= channels else 0
        up, corner = previous[i], previous[i - channels] if i >= channels else 0
        if kind == 1: line[i] = (line[i] + left) & 255
        elif kind == 2: line[i] = (line[i] + up) & 255
        elif kind == 3: line[i] = (line[i] + (left + up) // 2) & 255
        elif kind == 4:
            p = left + up - corner
            pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
            line[i] = (line[i] + (left if pa <= pb and pa <= pc else up if pb <= pc else corner)) & 255
    rows.append(bytes(line))
    previous = line
rgb = [bytes(b for i, b in enumerate(row) if i % channels < 3) for row in rows]
white = b"\xff" * (width * 3)
inked = [y for y, row in enumerate(rgb) if row != white]
dark = sum(1 for row in rgb for i in range(0, len(row), 3) if row[i] + row[i + 1] + row[i + 2] < 384)
if not inked or dark < 2000:
    sys.exit(f"empty page: {dark} dark pixels")
bottom = min(height, inked[-1] + 40)
body = b"".join(b"\x00" + row for row in rgb[:bottom])
def chunk(kind, payload):
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))
open(target, "wb").write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, bottom, 8, 2, 0, 0, 0))
                         + chunk(b"IDAT", zlib.compress(body, 9)) + chunk(b"IEND", b""))
pages = len(re.findall(rb"/Type\s*/Page(?!s)", open(pdf, "rb").read()))
print(f"{target}: {width}x{bottom}, {dark} dark pixels; printed on A4: {pages} page(s)")
PY
    then
        echo "FAIL $name" >&2
        failed=1
    fi
done
exit $failed
