#!/usr/bin/env bash
# Builds relais-fuzz (libFuzzer + AddressSanitizer, in .build-fuzz) and fuzzes one target or
# all of them. FUZZING.md says what each target drives and what was measured.
#
#   scripts/fuzz.sh orders -runs=1000000      # one target, libFuzzer's own options after it
#   scripts/fuzz.sh all -max_total_time=10    # every target in turn (what CI runs)
#
# New inputs libFuzzer finds go to .build-fuzz/corpus/<target> (not committed); a crash, a
# leak or a timeout leaves its input in .build-fuzz/artifacts/<target>/ and fails the run. Copy
# such an input into Fuzz/corpus/<target>/ once fixed: the corpus replay test keeps it.
set -euo pipefail
cd "$(dirname "$0")/.."

targets=(orders carts policy carrier reply control)
if [ $# -eq 0 ]; then
  echo "usage: $0 TARGET|all [libFuzzer option…]   (targets: ${targets[*]})" >&2
  exit 64
fi
which="$1"
shift
if [ "$which" = all ]; then
  chosen=("${targets[@]}")
else
  chosen=("$which")
fi

RELAIS_FUZZ=1 swift build --scratch-path .build-fuzz --product relais-fuzz
binary=".build-fuzz/debug/relais-fuzz"

for target in "${chosen[@]}"; do
  [ -d "Fuzz/corpus/$target" ] || { echo "fuzz: no target '$target' (targets: ${targets[*]})" >&2; exit 64; }
  mkdir -p ".build-fuzz/corpus/$target" ".build-fuzz/artifacts/$target"
  echo "fuzz: $target"
  # No allocation stacks (malloc_context_size=0): ASan's stack depot otherwise takes most of
  # the time; rerun a reported input with the default to see where a leak was allocated.
  # TOMLKit leaks on every parse (Fuzz/lsan.supp, FUZZING.md): libFuzzer's leak check would
  # rerun every policy and carrier input, so those two run without it.
  asan="abort_on_error=1:malloc_context_size=0"
  leaks=1
  case "$target" in policy|carrier) leaks=0 ;; esac
  RELAIS_FUZZ_TARGET="$target" SWIFT_BACKTRACE=enable=no ASAN_OPTIONS="$asan" LSAN_OPTIONS="suppressions=$PWD/Fuzz/lsan.supp" "$binary" \
    -artifact_prefix=".build-fuzz/artifacts/$target/" -timeout=20 -rss_limit_mb=4096 -print_final_stats=1 \
    -detect_leaks="$leaks" -max_len=4096 \
    "$@" ".build-fuzz/corpus/$target" "Fuzz/corpus/$target"
done
