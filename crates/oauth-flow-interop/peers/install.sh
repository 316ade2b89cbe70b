#!/usr/bin/env bash
# Installs the authorization servers of the interop suite, at the versions
# pinned beside this script, into this folder:
#   node_modules/  oidc-provider, oauth2-mock-server, @modelcontextprotocol/sdk
#                  (package.json, exact versions in package-lock.json)
#   .venv/         oidc-provider-mock (requirements.txt)
# Both folders are git-ignored. Needs Node.js 20 or later with npm, Python 3.10
# or later, and access to the npm registry and PyPI. Running it again brings
# the folders back to the pinned versions.
set -euo pipefail
cd "$(dirname "$0")"

fail() {
  echo "peers/install.sh: $*" >&2
  exit 1
}

command -v node >/dev/null || fail "node is not on PATH (Node.js 20 or later is needed)"
command -v npm >/dev/null || fail "npm is not on PATH"
node_major=$(node -p 'process.versions.node.split(".")[0]')
[ "$node_major" -ge 20 ] || fail "Node.js $(node --version) is too old (20 or later is needed)"

python=${PYTHON:-python3}
command -v "$python" >/dev/null || fail "$python is not on PATH (Python 3.10 or later is needed)"
"$python" -c 'import sys; sys.exit(sys.version_info < (3, 10))' \
  || fail "$("$python" --version) is too old (3.10 or later is needed)"

# oidc-provider asks for Node 22 and oauth2-mock-server declares it too; both
# run on Node 20, so the engine warnings are silenced rather than enforced.
npm ci --no-audit --no-fund --loglevel=error

if [ ! -x .venv/bin/python ]; then
  "$python" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --disable-pip-version-check -r requirements.txt

echo "peers installed in $(pwd)"
