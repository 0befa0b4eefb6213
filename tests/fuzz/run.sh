#!/usr/bin/env bash
# Runs askdb's libFuzzer targets, built in BUILD_DIR with ASKDB_FUZZ=ON (see `make fuzz`), for
# SECONDS each, one after the other. Each runs on a copy of its seed corpus kept in
# BUILD_DIR/fuzz-corpus/<target> (what one run finds seeds the next), with <target>.dict when
# there is one, and writes any crash, leak or slow input to BUILD_DIR/fuzz-artifacts/<target>/.
#
#   tests/fuzz/run.sh BUILD_DIR [SECONDS] [TARGET...]   (default: 300 s, every target)
#
# Prints, per target, the executions, exec/s, coverage and corpus size, and for a failure the
# sanitizer's report and how to reproduce it. Exit status: 0 when no target failed, 1 when one
# did, 2 when a target is not built.
set -uo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
build_dir="${1:?usage: tests/fuzz/run.sh BUILD_DIR [SECONDS] [TARGET...]}"
seconds="${2:-300}"
shift $(($# < 2 ? $# : 2))
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  targets=(sse_parser_fuzzer event_stream_fuzzer chat_completion_fuzzer)
fi
build_dir="$(cd "$build_dir" 2>/dev/null && pwd)" || {
  echo "fuzz: no build folder $1; run make fuzz-build first" >&2
  exit 2
}

# Symbolized stack traces (llvm-symbolizer comes with Debian's llvm-14).
for symbolizer in "$(command -v llvm-symbolizer || true)" /usr/lib/llvm-14/bin/llvm-symbolizer; do
  if [ -n "$symbolizer" ] && [ -x "$symbolizer" ]; then
    export ASAN_SYMBOLIZER_PATH="$symbolizer"
    break
  fi
done
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1}"

passed=0
failed=0
for target in "${targets[@]}"; do
  exe="$build_dir/$target"
  if [ ! -x "$exe" ]; then
    echo "fuzz: $exe is not built (make fuzz-build)" >&2
    exit 2
  fi
  corpus="$build_dir/fuzz-corpus/$target"
  artifacts="$build_dir/fuzz-artifacts/$target"
  log="$build_dir/fuzz-logs/$target.log"
  mkdir -p "$corpus" "$artifacts" "$(dirname "$log")"
  cp -n "$here/corpus/$target/"* "$corpus/" 2>/dev/null || true
  options=(-max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1
           -artifact_prefix="$artifacts/")
  [ -f "$here/$target.dict" ] && options+=(-dict="$here/$target.dict")
  before="$(ls "$artifacts" | wc -l)"
  "$exe" "${options[@]}" "$corpus" >"$log" 2>&1
  status=$?

  stat() { sed -n "s/^stat::$1: *//p" "$log" | tail -1; }
  last="$(grep -E '^#[0-9]+' "$log" | tail -1)"
  cov="$(sed -nE 's/.* cov: ([0-9]+).*/\1/p' <<<"$last")"
  ft="$(sed -nE 's/.* ft: ([0-9]+).*/\1/p' <<<"$last")"
  corp="$(sed -nE 's/.* corp: ([0-9]+\/[0-9]+[a-zA-Z]*).*/\1/p' <<<"$last")"
  summary="$(printf '%s: %s s, %s runs, %s exec/s, cov %s, ft %s, corpus %s, %s new, peak %s MB' \
    "$target" "$seconds" "$(stat number_of_executed_units)" "$(stat average_exec_per_sec)" \
    "${cov:-?}" "${ft:-?}" "${corp:-?}" "$(stat new_units_added)" "$(stat peak_rss_mb)")"
  if [ "$status" -eq 0 ]; then
    echo "fuzz: ok     $summary"
    passed=$((passed + 1))
    continue
  fi
  failed=$((failed + 1))
  echo "fuzz: FAILED $summary (exit $status; log: $log)"
  # The target's own complaint (a property that failed), then the sanitizer's report.
  grep -E '^(SseParser|EventStreamDecoder|ChatCompletionDecoder)' "$log" | head -5
  grep -A20 -m1 -E '==[0-9]+==ERROR|runtime error' "$log"
  grep -m1 '^SUMMARY: ' "$log"
  if [ "$(ls "$artifacts" | wc -l)" -gt "$before" ]; then
    for artifact in $(ls -t "$artifacts" | head -3); do
      echo "fuzz: reproduce with: $exe $artifacts/$artifact"
    done
  fi
done
echo "fuzz: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
