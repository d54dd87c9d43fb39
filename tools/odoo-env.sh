# Sourced by the tools: finds Odoo 19 and PostgreSQL, or says what is missing.
# Sets PYTHON, ODOO_BIN, ODOO_ADDONS_PATH, PGHOST, PGPORT, PGUSER.

REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PYTHON=${PYTHON:-python3}
export PGHOST=${PGHOST:-127.0.0.1} PGPORT=${PGPORT:-5432} PGUSER=${PGUSER:-$(id -un)}

# Sets ODOO_PROBLEM to what is missing, empty when Odoo and PostgreSQL are there.
odoo_find() {
    ODOO_PROBLEM=
    # odoo.release, not odoo: OCA's wheels add their own folder to the odoo namespace.
    if ! ODOO_ROOT=$("$PYTHON" -c 'import os, odoo.release as r; print(os.path.dirname(os.path.dirname(r.__file__)))' 2>/dev/null); then
        ODOO_PROBLEM="Odoo 19 is not importable by $PYTHON (install Odoo 19 so that 'import odoo' works)"
        return
    fi
    local version
    version=$("$PYTHON" -c 'from odoo import release; print(release.series)')
    if [ "$version" != "19.0" ]; then
        ODOO_PROBLEM="Odoo $version found at $ODOO_ROOT; these addons need 19.0"
        return
    fi
    ODOO_BIN=${ODOO_BIN:-$ODOO_ROOT/odoo-bin}
    ODOO_ADDONS_PATH=${ODOO_ADDONS_PATH:-$ODOO_ROOT/addons}
    if ! "$PYTHON" -c 'import psycopg2, sys; psycopg2.connect(dbname="postgres", host=sys.argv[1], port=sys.argv[2], user=sys.argv[3]).close()' \
        "$PGHOST" "$PGPORT" "$PGUSER" 2>/dev/null; then
        ODOO_PROBLEM="PostgreSQL does not accept connections at $PGUSER@$PGHOST:$PGPORT"
    fi
}

# Writes an Odoo configuration for database $1 to stdout.
odoo_config() {
    cat <<CONF
[options]
db_host = $PGHOST
db_port = $PGPORT
db_user = $PGUSER
db_name = $1
dbfilter = ^$1\$
addons_path = $ODOO_ADDONS_PATH,$REPO_ROOT
http_interface = 127.0.0.1
data_dir = ${ODOO_DATA_DIR:-$REPO_ROOT/.demo/data}
without_demo = True
CONF
}

# Installs the Python packages of the addons and the given requirement files.
pip_install() {
    local requirement args=()
    for requirement in requirements.txt "$@"; do
        args+=(-r "$REPO_ROOT/$requirement")
    done
    "$PYTHON" -m pip install --quiet --disable-pip-version-check --root-user-action=ignore "${args[@]}"
}

# Installs the OCA addons used beside ours, once Odoo is found: their wheels
# need Odoo installed apart, so not their own requirements.
pip_install_oca() {
    "$PYTHON" -m pip install --quiet --disable-pip-version-check --root-user-action=ignore \
        --no-deps -r "$REPO_ROOT/requirements-oca.txt"
}

# Creates database $1 with the addons and what the tests and the demo use:
# OCA's account_reconcile_oca gives Community its reconciliation screen.
odoo_install() {
    local db=$1 config=$2
    "$PYTHON" "$ODOO_BIN" -c "$config" -d "$db" --stop-after-init --log-level=warn \
        -i pagoefectivo_payment,pagoefectivo_reconcile,pagoefectivo_website_sale,l10n_pe,account_reconcile_oca
}
