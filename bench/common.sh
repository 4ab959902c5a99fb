# Sourced by the bench scripts (from the repository root): what they share.

# bench_binary: sets $bulkhead to BULKHEAD_BIN (a given binary, e.g. to compare two builds; no build
# here), else builds the release binary in BULKHEAD_SCRATCH (default .build; e.g. .build-release to keep
# a debug .build apart).
bench_binary() {
    if [ -n "${BULKHEAD_BIN:-}" ]; then
        bulkhead="$(realpath "$BULKHEAD_BIN")"
    else
        local scratch="${BULKHEAD_SCRATCH:-.build}"
        swift build -c release --product bulkhead --scratch-path "$scratch" >&2
        bulkhead="$PWD/$scratch/release/bulkhead"
    fi
}

# bench_shop_yaml: the sender every campaign bench uses, as bulkhead.yaml lines: the identity and an
# Ed25519 DKIM key at keys/s1.private.pem under data_directory (bench_shop_key makes it).
bench_shop_yaml() {
    cat <<'YAML'
identity:
  from: "Example Shop <news@shop.example>"
  unsubscribe_base_url: https://shop.example
  postal_address: "Example Shop, 1 Loopback Road, Localhost"
dkim:
  domain: shop.example
  selector: s1
  private_key_file: keys/s1.private.pem
YAML
}

# bench_shop_key DATA_DIRECTORY: the DKIM key bench_shop_yaml names.
bench_shop_key() {
    "$bulkhead" dkim keygen --algorithm ed25519 --domain shop.example --selector s1 --out "$1/keys" >/dev/null
}

# The guardrails a bench turns off so that a send starts at once and goes to everyone: no undo window,
# no approval, no canary wave. Never a production setting.
bench_open_guardrails='guardrails: {undo_seconds: 0, approval_recipients: 100000000, canary: {percent: 0}}'

# bench_campaign_inputs DIR N: DIR/subscribers.csv (N people: email, name, city) and the campaign's
# personalised ~8 KB text and HTML bodies, DIR/body.txt and DIR/body.html.
bench_campaign_inputs() {
    python3 - "$1/subscribers.csv" "$2" <<'PY'
import sys
path, n = sys.argv[1], int(sys.argv[2])
with open(path, "w") as f:
    f.write("email,name,city\n")
    for i in range(n):
        f.write(f"person{i}@example.org,Person Number {i},Town {i % 997}\n")
PY
    python3 - "$1" "Our spring collection is here: garden tools, seeds and planters at 20% off until Sunday. " <<'PY'
import sys, textwrap
work, paragraph = sys.argv[1], sys.argv[2]
text = "Hello {{name}} from {{attributes.city}},\n\n" + textwrap.fill(paragraph * 44, 76) + "\n\nUnsubscribe: {{unsubscribe_url}}\n"
html = "<html><body><h1>Hello {{name}}!</h1>\n" + ("<p>" + paragraph + "</p>\n") * 38 + "<p><a href=\"{{unsubscribe_url}}\">Unsubscribe</a></p></body></html>\n"
open(f"{work}/body.txt", "w").write(text)
open(f"{work}/body.html", "w").write(html)
PY
}

# bench_fresh_database NAME: (re)creates database NAME on the throwaway PostgreSQL of
# scripts/test-deps/postgres.sh and prints its URL.
bench_fresh_database() {
    psql -q "$BULKHEAD_TEST_POSTGRES_URL" -c "DROP DATABASE IF EXISTS $1" >/dev/null
    psql -q "$BULKHEAD_TEST_POSTGRES_URL" -c "CREATE DATABASE $1" >/dev/null
    echo "${BULKHEAD_TEST_POSTGRES_URL%/*}/$1"
}

# bench_wait_for_port PORT SECONDS [PID]: waits until 127.0.0.1:PORT accepts connections (true) or
# SECONDS pass (false); PID, when given, is a process that must stay alive meanwhile.
bench_wait_for_port() {
    python3 - "$@" <<'PY'
import os, socket, sys, time
port, seconds, pid = int(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3]) if len(sys.argv) > 3 else None
deadline = time.monotonic() + seconds
while time.monotonic() < deadline:
    if pid is not None:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            sys.exit(1)
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
        sys.exit(0)
    except OSError:
        time.sleep(0.1)
sys.exit(1)
PY
}

# bench_install_postfix: Debian's postfix (smtp-sink, smtp-source, the daemons) unless installed, with
# no system instance ("No configuration": it would listen on port 25).
bench_install_postfix() {
    if ! command -v smtp-sink >/dev/null || ! [ -x /usr/sbin/postfix ]; then
        echo "installing postfix for smtp-sink/smtp-source and a private Postfix…" >&2
        apt-get update -qq
        echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postfix >/dev/null
    fi
}

# bench_postfix_start DIR PORT RELAY_TO SESSIONS [MAIN_CF_LINES]: a private Postfix instance from its
# own config directory DIR, listening on 127.0.0.1:PORT only (never port 25), relaying everything from
# 127.0.0.0/8 to 127.0.0.1:RELAY_TO with SESSIONS connections at most, no local delivery; MAIN_CF_LINES
# are added to its main.cf. Queue files are
# fsynced before the 250, as in any Postfix.
# Stop it with `bench_postfix_stop DIR`. Needs root (Postfix's daemons run as the postfix user; DIR's
# parents must be readable by it).
bench_postfix_start() {
    local postfix_dir="$1" postfix_port="$2" relay_to="$3" sessions="$4" extra_main_cf="${5:-}"
    mkdir -p "$postfix_dir/queue" "$postfix_dir/data"
    chown postfix "$postfix_dir/data"
    cat > "$postfix_dir/main.cf" <<CF
compatibility_level = 3.6
queue_directory = $postfix_dir/queue
data_directory = $postfix_dir/data
command_directory = /usr/sbin
daemon_directory = /usr/lib/postfix/sbin
meta_directory = /etc/postfix
shlib_directory = /usr/lib/postfix
mail_owner = postfix
setgid_group = postdrop
maillog_file = $postfix_dir/maillog
maillog_file_prefixes = $postfix_dir, /dev/stderr
inet_interfaces = loopback-only
inet_protocols = ipv4
myhostname = relay.bench.invalid
mydomain = bench.invalid
myorigin = \$myhostname
mydestination =
local_recipient_maps =
local_transport = error:local delivery is disabled
alias_maps =
alias_database =
relayhost = [127.0.0.1]:$relay_to
mynetworks = 127.0.0.0/8
smtpd_relay_restrictions = permit_mynetworks, reject
smtpd_recipient_restrictions = permit_mynetworks, reject
smtpd_peername_lookup = no
default_destination_concurrency_limit = $sessions
smtp_destination_concurrency_limit = $sessions
$extra_main_cf
smtp_tls_security_level = none
smtpd_tls_security_level = none
# only a failed leg retries: then promptly, not after Postfix's 5 minutes
queue_run_delay = 5s
minimal_backoff_time = 5s
maximal_backoff_time = 10s
biff = no
CF
    cat > "$postfix_dir/master.cf" <<CF
127.0.0.1:$postfix_port inet n - n - - smtpd
pickup     unix n - n 60 1 pickup
cleanup    unix n - n - 0 cleanup
qmgr       unix n - n 300 1 qmgr
rewrite    unix - - n - - trivial-rewrite
bounce     unix - - n - 0 bounce
defer      unix - - n - 0 bounce
trace      unix - - n - 0 bounce
verify     unix - - n - 1 verify
flush      unix n - n 1000? 0 flush
proxymap   unix - - n - - proxymap
proxywrite unix - - n - 1 proxymap
smtp       unix - - n - - smtp
relay      unix - - n - - smtp
showq      unix n - n - - showq
error      unix - - n - - error
retry      unix - - n - - error
discard    unix - - n - - discard
anvil      unix - - n - 1 anvil
scache     unix - - n - 1 scache
postlog    unix-dgram n - n - 1 postlogd
CF
    postfix_failed() {
        # Postfix logs to its maillog_file once running; its start-up checks are seen with stderr instead.
        /usr/sbin/postconf -c "$postfix_dir" -e maillog_file=/dev/stderr
        /usr/sbin/postfix -c "$postfix_dir" check >&2 || true
        echo "Postfix did not start (see above)" >&2
        exit 1
    }
    /usr/sbin/postfix -c "$postfix_dir" start >"$postfix_dir.start.log" 2>&1 || postfix_failed
    bench_wait_for_port "$postfix_port" 20 || postfix_failed
}

# bench_postfix_stop DIR: stops the private Postfix of bench_postfix_start.
bench_postfix_stop() { /usr/sbin/postfix -c "$1" stop >/dev/null 2>&1 || true; }
