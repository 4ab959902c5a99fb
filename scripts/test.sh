#!/usr/bin/env bash
# The whole test suite: installs the independent test peers, then runs every test.
# Usage: scripts/test.sh            (from the repository root; extra arguments go to `swift test`)
set -euo pipefail
cd "$(dirname "$0")/.."

# Python peers: the `email` package (stdlib) parses what we build; dkimpy verifies our DKIM and signs
# messages for us to verify.
if ! python3 -c "import dkim, nacl" 2>/dev/null; then
    echo "installing dkimpy (PyPI)…"
    python3 -m pip install --quiet --disable-pip-version-check dkimpy pynacl
fi
python3 -c "import dkim, nacl" # fail loudly here rather than skip interop tests later

export BULKHEAD_PYTHON="${BULKHEAD_PYTHON:-python3}"
swift build --build-tests
swift test --skip-build "$@"
