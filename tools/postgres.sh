# Sourced by odoo-env.sh: when no PostgreSQL answers, a private cluster under
# .odoo/pg, on a Unix socket in a private folder, started for one run of a tool
# and stopped after it. A cluster another run of the tools already started in
# this checkout is used as it is, and left running.

PG_HOME=$REPO_ROOT/.odoo/pg
PG_DATA=
PG_STARTED=

# Whether PostgreSQL answers at PGHOST/PGPORT as PGUSER; why not on stderr.
pg_answers() {
    "$PYTHON" - "$PGHOST" "$PGPORT" "$PGUSER" <<'PY'
import sys

import psycopg2

try:
    psycopg2.connect(
        dbname="postgres", host=sys.argv[1], port=sys.argv[2], user=sys.argv[3]
    ).close()
except psycopg2.Error as error:
    sys.exit(str(error).strip().splitlines()[0])
PY
}

# The directory of initdb and pg_ctl: on the PATH, or Debian's newest.
pg_server_bin() {
    local initdb
    if initdb=$(command -v initdb) && command -v pg_ctl >/dev/null; then
        dirname "$initdb"
        return
    fi
    find /usr/lib/postgresql -path '*/bin/initdb' 2>/dev/null | sort -V | tail -n 1 | xargs -r dirname
}

# PostgreSQL refuses to run as root: root runs the cluster as `postgres`.
pg_owner() {
    if [ "$(id -u)" = 0 ]; then echo postgres; else id -un; fi
}

pg_as_owner() {
    if [ "$(id -u)" = 0 ]; then
        (cd / && runuser -u postgres -- "$@")
    else
        "$@"
    fi
}

pg_free_port() {
    "$PYTHON" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# .odoo/pg itself, or, when root's checkout lies where `postgres` cannot reach
# (under /root, or a 0700 temporary folder), a link to a folder it owns.
pg_prepare_home() {
    local owner place
    owner=$(pg_owner)
    mkdir -p "$(dirname "$PG_HOME")"
    if [ ! -e "$PG_HOME" ]; then
        if [ "$owner" != "$(id -un)" ] && ! runuser -u "$owner" -- test -x "$(dirname "$PG_HOME")"; then
            place=$(mktemp -d /var/tmp/pagoefectivo-pg.XXXXXX)
            ln -s "$place" "$PG_HOME"
        else
            mkdir -p "$PG_HOME"
        fi
    fi
    chown "$owner": "$(realpath "$PG_HOME")"
    chmod 700 "$(realpath "$PG_HOME")"
    # The real path: `postgres` may not pass through the link's folder.
    PG_DATA=$(realpath "$PG_HOME")/data
}

# Port and socket folder of the cluster's running server, from postmaster.pid.
pg_running() {
    local pidfile=$PG_DATA/postmaster.pid
    [ -f "$pidfile" ] && pg_as_owner "$1/pg_ctl" -D "$PG_DATA" status >/dev/null 2>&1 || return 1
    PGPORT=$(sed -n 4p "$pidfile")
    PGHOST=$(sed -n 5p "$pidfile")
}

pg_start_private() {
    local bin=$1 log
    pg_prepare_home || return 1
    log=$(realpath "$PG_HOME")/server.log
    if [ ! -f "$PG_DATA/PG_VERSION" ]; then
        echo "Creating a private PostgreSQL cluster in $PG_HOME ..."
        pg_as_owner "$bin/initdb" -D "$PG_DATA" -U "$PGUSER" -A trust -E UTF8 \
            --locale=C.UTF-8 >"$PG_HOME/initdb.log" 2>&1 || {
            echo "ERROR: initdb failed; see $PG_HOME/initdb.log" >&2
            return 1
        }
    fi
    if pg_running "$bin"; then
        echo "Using the private PostgreSQL already running on $PGHOST, port $PGPORT."
        return 0
    fi
    # Short, and only for its owner: trust authentication is safe behind it.
    PGHOST=$(mktemp -d /tmp/pagoefectivo-pg.XXXXXX)
    chown "$(pg_owner)": "$PGHOST"
    PGPORT=$(pg_free_port)
    pg_as_owner "$bin/pg_ctl" -D "$PG_DATA" -l "$log" -w -s \
        -o "-k $PGHOST -p $PGPORT -c listen_addresses='' -c unix_socket_permissions=0700" start || {
        echo "ERROR: the private PostgreSQL did not start; see $log" >&2
        return 1
    }
    PG_STARTED=$bin
    echo "Started a private PostgreSQL on $PGHOST, port $PGPORT; it stops with this tool."
}

# Stops the private cluster if this run started it. Safe to call twice.
pg_stop_private() {
    if [ -n "$PG_STARTED" ]; then
        pg_as_owner "$PG_STARTED/pg_ctl" -D "$PG_DATA" -m fast -w -s stop || true
        rm -rf "$PGHOST"
        PG_STARTED=
    fi
}

# Makes sure a PostgreSQL answers, or says in one line how to get one.
pg_ensure() {
    local bin why
    why=$(pg_answers 2>&1) && return 0
    bin=$(pg_server_bin)
    if [ -z "$bin" ]; then
        echo "ERROR: PostgreSQL at $PGUSER@$PGHOST:$PGPORT: $why. Install one" \
            "(apt-get install postgresql) or set PGHOST/PGPORT/PGUSER to a running one." >&2
        return 1
    fi
    echo "PostgreSQL at $PGUSER@$PGHOST:$PGPORT: $why; using a private cluster instead."
    pg_start_private "$bin" || return 1
    export PGHOST PGPORT
    why=$(pg_answers 2>&1) || {
        echo "ERROR: the private PostgreSQL does not accept $PGUSER: $why" >&2
        return 1
    }
}
