# Sourced by odoo-env.sh: when no PostgreSQL answers, a private cluster under
# .odoo/pg on a Unix socket, started for one run of a tool and stopped after it.

PG_HOME=$REPO_ROOT/.odoo/pg
PG_STARTED=

pg_answers() {
    "$PYTHON" -c 'import psycopg2, sys; psycopg2.connect(dbname="postgres", host=sys.argv[1], port=sys.argv[2], user=sys.argv[3]).close()' \
        "$PGHOST" "$PGPORT" "$PGUSER" 2>/dev/null
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
pg_as_owner() {
    if [ "$(id -u)" = 0 ]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

pg_free_port() {
    "$PYTHON" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

pg_start_private() {
    local bin=$1 log=$PG_HOME/server.log
    mkdir -p "$PG_HOME/run"
    if [ "$(id -u)" = 0 ]; then
        chown -R postgres: "$PG_HOME"
    fi
    if [ ! -f "$PG_HOME/data/PG_VERSION" ]; then
        echo "Creating a private PostgreSQL cluster in $PG_HOME ..."
        pg_as_owner "$bin/initdb" -D "$PG_HOME/data" -U "$PGUSER" -A trust -E UTF8 \
            --locale=C.UTF-8 >"$PG_HOME/initdb.log" 2>&1 || {
            echo "ERROR: initdb failed; see $PG_HOME/initdb.log" >&2
            return 1
        }
    fi
    PGHOST=$PG_HOME/run
    PGPORT=$(pg_free_port)
    pg_as_owner "$bin/pg_ctl" -D "$PG_HOME/data" -l "$log" -w -s \
        -o "-k $PGHOST -p $PGPORT -c listen_addresses=''" start || {
        echo "ERROR: the private PostgreSQL did not start; see $log" >&2
        return 1
    }
    PG_STARTED=$bin
    echo "Started a private PostgreSQL on $PGHOST, port $PGPORT; it stops with this tool."
}

# Stops the private cluster if this run started it. Safe to call twice.
pg_stop_private() {
    if [ -n "$PG_STARTED" ]; then
        pg_as_owner "$PG_STARTED/pg_ctl" -D "$PG_HOME/data" -m fast -w -s stop || true
        PG_STARTED=
    fi
}

# Makes sure a PostgreSQL answers, or says in one line how to get one.
pg_ensure() {
    local bin
    pg_answers && return 0
    bin=$(pg_server_bin)
    if [ -z "$bin" ]; then
        echo "ERROR: no PostgreSQL answers at $PGUSER@$PGHOST:$PGPORT and none is installed:" \
            "apt-get install postgresql, or set PGHOST/PGPORT/PGUSER to a running one." >&2
        return 1
    fi
    pg_start_private "$bin" && export PGHOST PGPORT && pg_answers
}
