# shellcheck shell=bash
# The real browser for the dashboard tests, meant to be `source`d by scripts/test.sh (bash):
# headless Chromium and its driver (Debian `chromium`, `chromium-driver`), driven by Python's
# `selenium` (PyPI) from Tests/bulkheadE2ETests/Fixtures/browser/dashboard.py.
# Exports BULKHEAD_CHROMEDRIVER (the driver's path) for the tests.

bulkhead_browser_deps() {
    local sudo="" driver
    [ "$(id -u)" -ne 0 ] && sudo="sudo"
    if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then
        echo "installing chromium and chromium-driver (Debian)…"
        $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null \
            || { $sudo apt-get update -qq && $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null; } \
            || { echo "error: could not install chromium and chromium-driver" >&2; return 1; }
    fi
    driver="$(command -v chromedriver)"
    [ -x "$driver" ] || { echo "error: chromedriver not found after installing chromium-driver" >&2; return 1; }
    export BULKHEAD_CHROMEDRIVER="$driver"

    local py="${BULKHEAD_PYTHON:-python3}"
    if ! "$py" -c 'import selenium' 2>/dev/null; then
        echo "installing selenium (PyPI)…"
        "$py" -m pip install --quiet --disable-pip-version-check selenium \
            || { echo "error: could not install selenium" >&2; return 1; }
    fi
    "$py" -c 'import selenium' || { echo "error: python module selenium is missing" >&2; return 1; }
}

bulkhead_browser_deps
