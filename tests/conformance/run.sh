#!/usr/bin/env bash
# Runs the client scenarios of the MCP conformance suite (the npm package
# @modelcontextprotocol/conformance, pinned in package-lock.json) against the
# example client crates/oauth-flow-ureq/examples/mcp-conformance-client.
#
#   tests/conformance/run.sh [FILTER]
#
# FILTER runs only the scenarios whose name contains it ("auth/scope",
# "auth/metadata-default"). Results go to target/conformance/<time>/, one
# folder per scenario with the suite's log and its checks.json (every check
# and every HTTP request the mock servers saw).
#
# Each scenario runs alone, in a fresh network namespace holding only `lo`
# (see isolated.sh): the suite's mock servers listen on every interface, and
# the suite itself tries to fetch a URL off this machine in one scenario. The
# suite is never run outside such a namespace. Making one needs root (or
# unprivileged user namespaces); without it the script fails when CI=true and
# skips otherwise. Scenarios run one by one because only the single-scenario
# mode takes the client's exit status and time-outs into account.
#
# expected-failures.txt lists the scenarios expected to fail (or not run),
# each with its reason. The script fails when any other scenario fails, when
# a listed one passes, and when the suite could not run a scenario at all.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
filter=${1:-}

readonly cli="$here/node_modules/@modelcontextprotocol/conformance/dist/index.js"
readonly expectations="$here/expected-failures.txt"
# A whole scenario (mocks, client, checks) normally takes about a second; the
# suite gives the client 30 s before it kills it.
readonly scenario_limit=90

say() { printf '%s\n' "$*" >&2; }
die() {
  say "conformance: $*"
  exit 1
}
# A missing prerequisite: an error in CI, a clear skip elsewhere.
unavailable() {
  if [ "${CI:-}" = "true" ]; then
    die "cannot run the suite: $*"
  fi
  say "conformance: SKIPPED, cannot run the suite: $*"
  exit 0
}

# --- prerequisites -----------------------------------------------------------

command -v unshare >/dev/null || unavailable "unshare (util-linux) is not installed"
unshare --net true 2>/dev/null \
  || unavailable "cannot create a network namespace (unshare --net needs root)"
if ! command -v ip >/dev/null || ! command -v ss >/dev/null; then
  if [ "${CI:-}" = "true" ] && command -v apt-get >/dev/null; then
    apt-get update -qq && apt-get install -y -qq iproute2 >/dev/null
  fi
  if ! command -v ip >/dev/null || ! command -v ss >/dev/null; then
    unavailable "ip and ss (iproute2) are not installed"
  fi
fi
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  unavailable "Node.js and npm are not installed"
fi
node_major=$(node -p 'process.versions.node.split(".")[0]') || unavailable "node does not start"
# 20 is the oldest Node with module.register, which node20-globsync.mjs uses.
[ "$node_major" -ge 20 ] || unavailable "Node.js 20 or later is needed, found $(node --version)"

# --- the suite ---------------------------------------------------------------

# npm ci only when node_modules was not installed from this very lock file.
stamp="$here/node_modules/.installed-from-lock"
lock_sum=$(sha256sum "$here/package-lock.json" | cut -d' ' -f1)
if [ ! -f "$cli" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$lock_sum" ]; then
  say "conformance: installing the suite (npm ci)"
  # The package declares Node >= 22; npm warns (EBADENGINE) and installs.
  (cd "$here" && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error) \
    || die "npm ci failed in $here"
  printf '%s\n' "$lock_sum" >"$stamp"
fi

# The CLI, inside a fresh loopback-only namespace. On Node 20 the hook gives
# the bundle the `fs.globSync` it imports (see node20-globsync.mjs).
conformance() {
  timeout --kill-after=10 "$scenario_limit" \
    unshare --net -- bash "$here/isolated.sh" \
    node --import "$here/node20-globsync.mjs" "$cli" "$@"
}

# --- the client --------------------------------------------------------------

say "conformance: building the example client"
client=$(cd "$root" && cargo build -p oauth-flow-ureq --example mcp-conformance-client \
  --locked --message-format=json-render-diagnostics \
  | node -e '
      let found = "";
      for (const line of require("fs").readFileSync(0, "utf8").split("\n")) {
        if (!line.startsWith("{")) continue;
        const message = JSON.parse(line);
        if (message.reason === "compiler-artifact" && message.executable
            && message.target.name === "mcp-conformance-client") found = message.executable;
      }
      process.stdout.write(found);')
[ -x "$client" ] || die "the example client was not built"
# The suite splits --command on spaces and runs it with sh -c: quote the path.
case $client in *"'"*) die "the client's path holds a quote: $client" ;; esac
client_command="'$client'"

# --- what to run and what to expect ------------------------------------------

listing=$(conformance list --client 2>&1) || die "the suite did not start: $listing"
mapfile -t scenarios < <(printf '%s\n' "$listing" | sed -n 's/^  - \([^ ]*\).*/\1/p')
[ "${#scenarios[@]}" -gt 0 ] || die "the suite listed no client scenario: $listing"

declare -A expected=() reason=() known=()
for name in "${scenarios[@]}"; do known[$name]=1; done
wrong() { die "expected-failures.txt: $name: $*"; }
while read -r name kind why; do
  case $name in '' | '#'*) continue ;; esac
  case $kind in fail | skip) ;; *) wrong "expected fail or skip, not '$kind'" ;; esac
  [ -n "$why" ] || wrong "no reason given"
  [ -n "${known[$name]:-}" ] || wrong "the suite has no such client scenario"
  case $kind/$name in skip/auth/*) wrong "auth scenarios are run, never skipped" ;; esac
  expected[$name]=$kind
  reason[$name]=$why
done <"$expectations"

selected=()
for name in "${scenarios[@]}"; do
  case $name in *"$filter"*) selected+=("$name") ;; esac
done
[ "${#selected[@]}" -gt 0 ] || die "no client scenario matches '$filter'"

# --- run ---------------------------------------------------------------------

results="${CONFORMANCE_RESULTS:-$root/target/conformance}/$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$results"
say "conformance: ${#selected[@]} scenarios, results in $results"

rows=()
problems=()
passed=0 failed_as_expected=0 failed=0 unexpected=0 skipped=0
for name in "${selected[@]}"; do
  kind=${expected[$name]:-pass}
  if [ "$kind" = skip ]; then
    rows+=("$(printf '%-44s %-16s %7s' "$name" skipped -)")
    skipped=$((skipped + 1))
    continue
  fi

  folder="$results/${name//\//_}"
  mkdir -p "$folder"
  started=$(date +%s%N)
  status=0
  conformance client --command "$client_command" --scenario "$name" -o "$folder" \
    >"$folder/suite.log" 2>&1 || status=$?
  elapsed_ms=$((($(date +%s%N) - started) / 1000000))
  seconds=$(printf '%d.%d' $((elapsed_ms / 1000)) $((elapsed_ms % 1000 / 100)))
  checks=$(find "$folder" -name checks.json -print -quit)

  if [ -z "$checks" ]; then
    result="SUITE ERROR"
  elif [ "$status" -eq 0 ] && [ "$kind" = pass ]; then
    result=pass
  elif [ "$status" -eq 0 ]; then
    result="UNEXPECTED PASS"
  elif [ "$kind" = fail ]; then
    result="expected fail"
  else
    result=FAIL
  fi
  rows+=("$(printf '%-44s %-16s %7s' "$name" "$result" "$seconds")")

  case $result in
    pass) passed=$((passed + 1)) ;;
    "expected fail") failed_as_expected=$((failed_as_expected + 1)) ;;
    "UNEXPECTED PASS")
      unexpected=$((unexpected + 1))
      problems+=("$name passed, yet expected-failures.txt says: ${reason[$name]}; remove it")
      ;;
    *)
      failed=$((failed + 1))
      say ""
      say "---- $name: $result (exit $status); the suite's report:"
      sed -n '/^Test Results:/,$p' "$folder/suite.log" >&2
      if [ -s "$(dirname "${checks:-$folder/none}")/stderr.txt" ]; then
        say "---- the client's standard error:"
        cat "$(dirname "$checks")/stderr.txt" >&2
      fi
      [ -n "$checks" ] || tail -n 40 "$folder/suite.log" >&2
      problems+=("$name: $result; ${checks:-no checks.json, see $folder/suite.log}")
      ;;
  esac
done

# --- summary -----------------------------------------------------------------

printf '\n%-44s %-16s %7s\n' scenario result seconds
for row in "${rows[@]}"; do printf '%s\n' "$row"; done
printf '\nconformance: %d passed, %d failed as expected, %d failed, ' \
  "$passed" "$failed_as_expected" "$failed"
printf '%d passed unexpectedly, %d skipped\n' "$unexpected" "$skipped"
if [ "${#problems[@]}" -gt 0 ]; then
  for problem in "${problems[@]}"; do printf '  %s\n' "$problem"; done
  exit 1
fi
