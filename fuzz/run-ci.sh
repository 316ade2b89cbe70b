#!/usr/bin/env bash
# Short fuzzing runs for CI: every target for a minute (FUZZ_SECONDS), one
# worker, starting from the committed corpus and seeds. Fails on any crash.
# Without a nightly toolchain it says so and skips: the corpus is still
# replayed by `cargo test` on stable.
set -euo pipefail
cd "$(dirname "$0")"

seconds="${FUZZ_SECONDS:-60}"
targets=(metadata callback token error_body snapshot www_authenticate flow resource_chain registration)

if ! cargo +nightly --version >/dev/null 2>&1; then
  echo "fuzzing skipped: no nightly toolchain (cargo +nightly is not available)"
  exit 0
fi
if ! cargo +nightly fuzz --version >/dev/null 2>&1; then
  cargo install cargo-fuzz --locked
fi

# No sanitizer: the crates forbid unsafe code, and without one each target
# runs several times faster.
cargo +nightly fuzz build -s none

# New inputs go to a scratch directory, so CI leaves the committed corpus
# as it is.
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
for target in "${targets[@]}"; do
  echo "==> fuzzing $target for ${seconds}s"
  mkdir -p "$scratch/$target"
  seeds=()
  [ -d "seeds/$target" ] && seeds=("seeds/$target")
  cargo +nightly fuzz run -s none "$target" "$scratch/$target" "corpus/$target" "${seeds[@]}" -- \
    -max_total_time="$seconds" -rss_limit_mb=2048 -max_len=4096 -print_final_stats=1
done
echo "fuzzing passed: ${#targets[@]} targets, ${seconds}s each"
