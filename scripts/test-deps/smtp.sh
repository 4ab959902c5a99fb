# shellcheck shell=bash
# Test peers for BulkheadSMTP, meant to be `source`d by scripts/test.sh (bash).
#   - Postfix's `smtp-sink` (Debian package `postfix`), a fast SMTP sink the tests start on a loopback port.
#   - Python's `aiosmtpd` (PyPI), driven by Tests/BulkheadSMTPTests/Fixtures/smtp/capture_server.py.
#   - `swaks` (Debian package), a client for the SMTP server tests; `openssl` makes their certificates;
#     `curl` drives the one-click unsubscribe listener.
# The Postfix mail service itself is never left running: it is installed with "No configuration" and
# stopped if the package started it, so nothing listens on port 25.
# Exports BULKHEAD_SMTP_SINK (path of smtp-sink) for the tests.

bulkhead_smtp_deps() {
    local sink sudo=""
    [ "$(id -u)" -ne 0 ] && sudo="sudo"
    sink="$(command -v smtp-sink || true)"
    [ -z "$sink" ] && [ -x /usr/sbin/smtp-sink ] && sink=/usr/sbin/smtp-sink
    if [ -z "$sink" ]; then
        echo "installing postfix (Debian) for smtp-sink…"
        echo "postfix postfix/main_mailer_type select No configuration" | $sudo debconf-set-selections
        $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postfix >/dev/null \
            || { $sudo apt-get update -qq && $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postfix >/dev/null; } \
            || { echo "error: could not install postfix (needed for smtp-sink)" >&2; return 1; }
        # The package may have started the mail service: stop it so nothing stays on port 25.
        $sudo postfix stop >/dev/null 2>&1 || true
        $sudo service postfix stop >/dev/null 2>&1 || true
        sink=/usr/sbin/smtp-sink
    fi
    [ -x "$sink" ] || { echo "error: smtp-sink not found after installing postfix" >&2; return 1; }
    export BULKHEAD_SMTP_SINK="$sink"

    local py="${BULKHEAD_PYTHON:-python3}"
    if ! "$py" -c 'import aiosmtpd' 2>/dev/null; then
        echo "installing aiosmtpd (PyPI)…"
        "$py" -m pip install --quiet --disable-pip-version-check aiosmtpd \
            || { echo "error: could not install aiosmtpd" >&2; return 1; }
    fi
    "$py" -c 'import aiosmtpd' || { echo "error: python module aiosmtpd is missing" >&2; return 1; }

    local package
    for package in swaks openssl curl; do
        if ! command -v "$package" >/dev/null; then
            echo "installing $package (Debian)…"
            $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$package" >/dev/null \
                || { $sudo apt-get update -qq && $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$package" >/dev/null; } \
                || { echo "error: could not install $package" >&2; return 1; }
        fi
    done
}

bulkhead_smtp_deps
