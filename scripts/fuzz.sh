#!/usr/bin/env bash
# Builds relais-fuzz (libFuzzer + AddressSanitizer, in .build-fuzz) and fuzzes one target or
# all of them. FUZZING.md says what each target drives and what was measured.
#
#   scripts/fuzz.sh orders -runs=1000000      # one target, libFuzzer's own options after it
#   scripts/fuzz.sh all -max_total_time=10    # every target in turn (what CI runs)
#
# New inputs libFuzzer finds go to .build-fuzz/fuzz-corpus/<target> (not committed); a crash,
# a leak or a timeout leaves its input in .build-fuzz/fuzz-artifacts/<target>/ and fails the run. Copy
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

# FUZZ_SCRATCH=.build (CI) reuses the dependencies the ordinary build compiled; only Relais'
# own modules are compiled again, instrumented, and the next ordinary build compiles them back.
scratch="${FUZZ_SCRATCH:-.build-fuzz}"
# FUZZ_CONFIG=release compiles with optimisations (several times the executions a second; the
# long campaigns in FUZZING.md); the default, debug, is what CI runs.
config="${FUZZ_CONFIG:-debug}"
RELAIS_FUZZ=1 swift build --scratch-path "$scratch" -c "$config" --product relais-fuzz
binary="$scratch/$config/relais-fuzz"

# The carrier target rewrites a carrier's file for every input: on a tmpfs it runs several
# times faster than on a disk.
if [ -z "${TMPDIR:-}" ] && [ -d /dev/shm ] && [ -w /dev/shm ]; then
  export TMPDIR=/dev/shm
fi

for target in "${chosen[@]}"; do
  [ -d "Fuzz/corpus/$target" ] || { echo "fuzz: no target '$target' (targets: ${targets[*]})" >&2; exit 64; }
  mkdir -p "$scratch/fuzz-corpus/$target" "$scratch/fuzz-artifacts/$target"
  echo "fuzz: $target"
  # No allocation stacks (malloc_context_size=0): ASan's stack depot otherwise takes most of
  # the time; rerun a reported input with the default to see where a leak was allocated.
  # libFuzzer's per-input leak check reruns every input whose mallocs and frees differ: all of
  # them where TOMLKit leaks on every parse (policy, carrier; Fuzz/lsan.supp, FUZZING.md) and
  # where a server works on other threads (control). Those three are checked for leaks once,
  # at exit, by LeakSanitizer.
  asan="abort_on_error=1:malloc_context_size=0"
  leaks=1
  case "$target" in policy|carrier|control) leaks=0 ;; esac
  RELAIS_FUZZ_TARGET="$target" SWIFT_BACKTRACE=enable=no ASAN_OPTIONS="$asan" LSAN_OPTIONS="suppressions=$PWD/Fuzz/lsan.supp" "$binary" \
    -artifact_prefix="$scratch/fuzz-artifacts/$target/" -timeout=20 -rss_limit_mb=4096 -print_final_stats=1 \
    -detect_leaks="$leaks" -max_len=4096 \
    "$@" "$scratch/fuzz-corpus/$target" "Fuzz/corpus/$target"
done
