#!/usr/bin/env bash
# The whole test suite: installs the independent test peers, starts the throwaway servers, runs
# every test. Usage: scripts/test.sh [extra `swift test` arguments]   (from anywhere)
set -euo pipefail
cd "$(dirname "$0")/.."

# Python peers: the `email` package (stdlib) parses what we build; dkimpy (with PyNaCl for
# ed25519) verifies our DKIM and signs messages for us to verify.
if ! python3 -c "import dkim, nacl" 2>/dev/null; then
    echo "installing dkimpy and PyNaCl (PyPI)…"
    python3 -m pip install --quiet --disable-pip-version-check dkimpy pynacl
fi
python3 -c "import dkim, nacl" # fail loudly here rather than skip interop tests later
export BULKHEAD_PYTHON="${BULKHEAD_PYTHON:-python3}"

# Real servers on loopback, installed from Debian's packages when missing and stopped at exit:
# a throwaway PostgreSQL (BULKHEAD_TEST_POSTGRES_URL) and the SMTP peers.
for fragment in scripts/test-deps/*.sh; do
    # shellcheck source=/dev/null
    source "$fragment"
done

# Formatting: the committed .swift-format, checked (never applied) on every run. To fix:
#   swift format format --in-place --recursive --parallel Sources Tests Package.swift
swift format lint --strict --recursive --parallel Sources Tests Package.swift

swift build --build-tests
if [ $# -eq 0 ]; then
    # The whole suite in parallel, then the real browser on its own: headless Chromium takes both
    # cores for a minute, and beside the suite it starved the timing bounds of unrelated tests.
    swift test --skip-build --skip DashboardBrowserTests
    swift test --skip-build --filter DashboardBrowserTests
else
    swift test --skip-build "$@"
fi
