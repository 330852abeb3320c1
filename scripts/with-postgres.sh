#!/usr/bin/env bash
# Runs a command with a throwaway PostgreSQL server and BULWARK_TEST_POSTGRES_URL pointing at it:
#
#   scripts/with-postgres.sh swift test --filter StorageTests
#
# The server lives in a temporary directory, listens only on 127.0.0.1 on a free port (its unix
# socket stays inside that directory), trusts loopback connections, runs with fsync off (it is
# disposable), and is stopped and deleted when the command ends, however it ends. The command's
# exit status is this script's exit status.
#
# Works as root on a fresh Debian machine: installs the `postgresql` package if no server binaries
# are found, and runs the server as the `postgres` user. Run as another user, it runs the server
# as that user. BULWARK_PG_BINDIR overrides where initdb/pg_ctl are looked for.
set -euo pipefail

if [ $# -eq 0 ]; then
    echo "usage: $0 COMMAND [ARGS...]" >&2
    exit 64
fi

log() { echo "with-postgres: $*" >&2; }

find_bindir() {
    if [ -n "${BULWARK_PG_BINDIR:-}" ]; then
        echo "$BULWARK_PG_BINDIR"
        return
    fi
    # Prefer 15 (what CI and the docs name), else the newest installed.
    local dir
    for dir in /usr/lib/postgresql/15/bin $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -t/ -k4 -n -r); do
        if [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ]; then
            echo "$dir"
            return
        fi
    done
}

bindir="$(find_bindir)"
if [ -z "$bindir" ]; then
    if [ "$(id -u)" -ne 0 ]; then
        log "no PostgreSQL server binaries found; install the 'postgresql' package (needs root)"
        exit 69
    fi
    log "installing PostgreSQL (Debian package 'postgresql')"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    apt-get install -y -qq --no-install-recommends postgresql >/dev/null
    bindir="$(find_bindir)"
    [ -n "$bindir" ] || { log "PostgreSQL was installed but initdb was not found"; exit 69; }
fi

# As root, the server must run as an unprivileged user (PostgreSQL refuses to run as root).
as_server=()
server_user="$(id -un)"
if [ "$(id -u)" -eq 0 ]; then
    server_user=postgres
    id -u postgres >/dev/null 2>&1 || useradd --system --home-dir /var/lib/postgresql --shell /bin/bash postgres
    as_server=(runuser -u postgres --)
fi

workdir="$(mktemp -d /tmp/bulwark-pg.XXXXXX)"
chmod 700 "$workdir"
[ "$server_user" = "$(id -un)" ] || chown "$server_user" "$workdir"
data="$workdir/data"
started=0

cleanup() {
    local status=$?
    if [ "$started" -eq 1 ]; then
        "${as_server[@]}" "$bindir/pg_ctl" -D "$data" -m immediate -w stop >/dev/null 2>&1 || true
    fi
    rm -rf "$workdir"
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

"${as_server[@]}" "$bindir/initdb" -D "$data" -U postgres -A trust -E UTF8 --locale=C --no-sync \
    >"$workdir/initdb.log" 2>&1 || { cat "$workdir/initdb.log" >&2; log "initdb failed"; exit 70; }

free_port() {
    if command -v python3 >/dev/null 2>&1; then
        python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
    else
        local port
        while :; do
            port=$((20000 + RANDOM % 40000))
            (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || { echo "$port"; return; }
        done
    fi
}

# Another process may take the port between choosing and binding it: try a few.
for attempt in 1 2 3 4 5; do
    port="$(free_port)"
    if "${as_server[@]}" "$bindir/pg_ctl" -D "$data" -l "$workdir/server.log" -w -t 30 \
        -o "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories='$workdir' -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=100" \
        start >/dev/null 2>&1; then
        started=1
        break
    fi
    log "server did not start on port $port (attempt $attempt)"
done
if [ "$started" -ne 1 ]; then
    cat "$workdir/server.log" >&2 || true
    log "could not start PostgreSQL"
    exit 70
fi

"${as_server[@]}" "$bindir/psql" -h 127.0.0.1 -p "$port" -U postgres -d postgres -q -v ON_ERROR_STOP=1 \
    -c "CREATE DATABASE bulwark_test" >/dev/null

export BULWARK_TEST_POSTGRES_URL="postgres://postgres@127.0.0.1:$port/bulwark_test?sslmode=disable"
log "PostgreSQL $("$bindir/postgres" --version | awk '{print $3}') on 127.0.0.1:$port; BULWARK_TEST_POSTGRES_URL=$BULWARK_TEST_POSTGRES_URL"

# Not `exec`: the trap must run after the command to remove the cluster.
set +e
"$@"
status=$?
set -e
exit "$status"
