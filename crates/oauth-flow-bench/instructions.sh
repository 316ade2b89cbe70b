#!/usr/bin/env bash
# Counts the instructions each step executes, ours and oauth2's, under callgrind, and prints
# the table docs/benchmarks.md shows. Instruction counts repeat from run to run, whatever
# else the machine is doing; wall times do not.
#
#   bash crates/oauth-flow-bench/instructions.sh                  # every step
#   bash crates/oauth-flow-bench/instructions.sh token-response   # one step
#
# ITERATIONS (default 1000) sets the calls counted per step. The callgrind files are kept in
# <target dir>/callgrind/ for `callgrind_annotate --inclusive=yes <file>`.
set -euo pipefail
cd "$(dirname "$0")/../.."

if ! command -v valgrind >/dev/null; then
  echo "valgrind is needed (apt-get install valgrind)" >&2
  exit 1
fi
iterations="${ITERATIONS:-1000}"
only="${1:-}"

cargo build --release --locked -q -p oauth-flow-bench --bin instructions
target=$(cargo metadata --format-version 1 --no-deps --locked \
  | sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')
bin="$target/release/instructions"
out="$target/callgrind"
mkdir -p "$out"
steps=$("$bin" --list)

# Instructions per call of one step on one side; empty when the step has no such side.
count() {
  grep -qx "$1 $2" <<<"$steps" || return 0
  local file="$out/$1.$2.out"
  valgrind --tool=callgrind --toggle-collect='instructions::measure' \
    --callgrind-out-file="$file" "$bin" "$1" "$2" "$iterations" 2>/dev/null
  awk -v n="$iterations" '/^totals:/ { printf "%d", $2 / n }' "$file"
}

ratio() {
  [ -n "$1" ] && [ -n "$2" ] || return 0
  awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'
}

echo "| Step | oauth-flow | oauth2 | ours / oauth2 | shared part | shared / oauth2 |"
echo "|---|---:|---:|---:|---:|---:|"
awk '{ print $1 }' <<<"$steps" | uniq | while read -r step; do
  [ -z "$only" ] || [ "$step" = "$only" ] || continue
  ours=$(count "$step" ours)
  theirs=$(count "$step" oauth2)
  shared=$(count "$step" shared)
  echo "| $step | $ours | $theirs | $(ratio "$ours" "$theirs") |" \
    "$shared | $(ratio "$shared" "$theirs") |"
  own=$(count "$step" oauth2-own-rng)
  if [ -n "$own" ]; then
    echo "| $step, oauth2's own RNG | $ours | $own | $(ratio "$ours" "$own") | | |"
  fi
done
