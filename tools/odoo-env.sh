# Sourced by the tools: finds or sets up Odoo 19 and PostgreSQL.
# Sets PYTHON, ODOO_BIN, ODOO_ADDONS_PATH, PGHOST, PGPORT, PGUSER.

REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PYTHON=${PYTHON:-python3}
export PGHOST=${PGHOST:-127.0.0.1} PGPORT=${PGPORT:-5432} PGUSER=${PGUSER:-$(id -un)}

source "$REPO_ROOT/tools/odoo-managed.sh"
source "$REPO_ROOT/tools/postgres.sh"

# Finds or sets up Odoo 19, then PostgreSQL; says what failed and returns 1.
# With ODOO_SOURCE set, or no Odoo importable by $PYTHON, the Odoo set up
# under .odoo/ (odoo-managed.sh); otherwise the user's own, as it is.
odoo_prepare() {
    local own=
    if [ -n "${ODOO_SOURCE:-}" ] || ! "$PYTHON" -c 'import odoo.release' 2>/dev/null; then
        odoo_managed || return 1
    else
        own=1
    fi
    # odoo.release, not odoo: OCA's wheels add their own folder to the odoo namespace.
    ODOO_ROOT=$("$PYTHON" -c 'import os, odoo.release as r; print(os.path.dirname(os.path.dirname(r.__file__)))') || return 1
    local version
    version=$("$PYTHON" -c 'from odoo import release; print(release.series)') || return 1
    if [ "$version" != "19.0" ]; then
        echo "ERROR: Odoo $version found at $ODOO_ROOT; these addons need 19.0" \
            "(set ODOO_SOURCE to have the tools set Odoo 19 up under .odoo/)" >&2
        return 1
    fi
    if [ -n "$own" ]; then
        echo "Using your Odoo 19 at $ODOO_ROOT."
        if ! pip_install requirements-test.txt || ! pip_install_oca; then
            echo "ERROR: could not install the requirements into $PYTHON (see above);" \
                "use a virtual environment, or ODOO_SOURCE to let the tools set one up." >&2
            return 1
        fi
    fi
    ODOO_BIN=${ODOO_BIN:-$ODOO_ROOT/odoo-bin}
    ODOO_ADDONS_PATH=${ODOO_ADDONS_PATH:-$ODOO_ROOT/addons}
    pg_ensure
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

# Installs the addons' Python packages and the given requirement files into
# the user's own Odoo environment.
pip_install() {
    local requirement args=()
    for requirement in requirements.txt "$@"; do
        args+=(-r "$REPO_ROOT/$requirement")
    done
    "$PYTHON" -m pip install --quiet --disable-pip-version-check --root-user-action=ignore "${args[@]}"
}

# Installs the OCA addons used beside ours into the user's own Odoo: their
# wheels need Odoo installed apart, so not their own requirements.
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
