# shellcheck shell=bash
# Sourced by the test command: starts a throwaway PostgreSQL on a free loopback port and exports
# BULKHEAD_TEST_POSTGRES_URL for the BulkheadStore conformance suite. The server and its data folder
# are removed when the sourcing shell exits.
#
#   source scripts/test-deps/postgres.sh && swift test --skip-build --filter BulkheadStoreTests
#
# fsync is off for the tests (they need no durability across an OS crash); BULKHEAD_PG_FSYNC=on
# turns it on, as bench/delivery.sh does for a fair PostgreSQL figure.
#
# Installs Debian's `postgresql` package when `initdb` is missing. We usually run as root, and
# PostgreSQL refuses to run as root, so the server runs as the `postgres` user the package creates.

bulkhead_pg_bin="${BULKHEAD_PG_BIN:-}"
if [[ -z "$bulkhead_pg_bin" ]]; then
    bulkhead_pg_bin="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"
fi
if [[ -z "$bulkhead_pg_bin" || ! -x "$bulkhead_pg_bin/initdb" ]]; then
    echo "postgres.sh: installing Debian's postgresql…" >&2
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
    bulkhead_pg_bin="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)"
fi
if [[ ! -x "$bulkhead_pg_bin/initdb" ]]; then
    echo "postgres.sh: initdb not found after installing postgresql" >&2
    return 1 2>/dev/null || exit 1
fi

bulkhead_pg_dir="$(mktemp -d /tmp/bulkhead-pg.XXXXXX)"
chmod 755 "$bulkhead_pg_dir"
bulkhead_pg_port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')"

bulkhead_pg_as_postgres() {
    if [[ "$(id -u)" == 0 ]]; then
        # runuser keeps our working directory problems away (postgres may not read it).
        (cd / && runuser -u postgres -- "$@")
    else
        "$@"
    fi
}

if [[ "$(id -u)" == 0 ]]; then
    id postgres >/dev/null 2>&1 || useradd --system --home-dir "$bulkhead_pg_dir" postgres
    chown postgres "$bulkhead_pg_dir"
fi

bulkhead_pg_stop() {
    if [[ -n "${bulkhead_pg_dir:-}" && -d "$bulkhead_pg_dir" ]]; then
        bulkhead_pg_as_postgres "$bulkhead_pg_bin/pg_ctl" -D "$bulkhead_pg_dir/data" -m immediate stop >/dev/null 2>&1 || true
        [ -n "${BULKHEAD_PG_KEEP_LOG:-}" ] && cp "$bulkhead_pg_dir/server.log" "$BULKHEAD_PG_KEEP_LOG"; rm -rf "$bulkhead_pg_dir"
    fi
}
trap bulkhead_pg_stop EXIT

bulkhead_pg_as_postgres "$bulkhead_pg_bin/initdb" -D "$bulkhead_pg_dir/data" -A trust -U postgres --no-sync >"$bulkhead_pg_dir/initdb.log" 2>&1 || {
    cat "$bulkhead_pg_dir/initdb.log" >&2
    echo "postgres.sh: initdb failed" >&2
    return 1 2>/dev/null || exit 1
}
bulkhead_pg_as_postgres "$bulkhead_pg_bin/pg_ctl" -D "$bulkhead_pg_dir/data" -l "$bulkhead_pg_dir/server.log" -w -t 60 \
    -o "-p $bulkhead_pg_port -k $bulkhead_pg_dir -c listen_addresses=127.0.0.1 -c fsync=${BULKHEAD_PG_FSYNC:-off} -c max_connections=500 ${BULKHEAD_PG_OPTIONS:-}" \
    start >/dev/null || {
    cat "$bulkhead_pg_dir/server.log" >&2
    echo "postgres.sh: the server did not start" >&2
    return 1 2>/dev/null || exit 1
}

export BULKHEAD_TEST_POSTGRES_URL="postgres://postgres@127.0.0.1:$bulkhead_pg_port/postgres"
echo "postgres.sh: PostgreSQL running, BULKHEAD_TEST_POSTGRES_URL=$BULKHEAD_TEST_POSTGRES_URL" >&2
