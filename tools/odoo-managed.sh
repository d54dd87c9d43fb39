# Sourced by odoo-env.sh: Odoo 19 set up by the tools themselves under .odoo/,
# from ODOO_SOURCE (a git URL, a source directory or a .tar.xz/.tar.gz archive).
#
#   .odoo/src        the unpacked or cloned source (not for a directory source)
#   .odoo/venv       Odoo's requirements and ours; the source on its path (.pth)
#   .odoo/stamp      what the environment was built from; a change rebuilds it
#   .odoo/setup.log  every step's output

ODOO_HOME=$REPO_ROOT/.odoo
ODOO_DEFAULT_SOURCE=https://github.com/odoo/odoo.git
ODOO_BRANCH=${ODOO_BRANCH:-19.0}
ODOO_SETUP_LOG=$ODOO_HOME/setup.log
# python-ldap builds against libldap2-dev and libsasl2-dev and serves only
# Odoo's auth_ldap, which neither the addons nor their tests install.
ODOO_LEFT_OUT_REQUIREMENTS='^python-ldap\b'

# The absolute form of a local source, the URL itself otherwise.
managed_source() {
    local source=${ODOO_SOURCE:-}
    if [ -z "$source" ]; then
        source=$(cat "$ODOO_HOME/source" 2>/dev/null || echo "$ODOO_DEFAULT_SOURCE")
    fi
    if [ -e "$source" ]; then
        source=$(realpath "$source")
    fi
    echo "$source"
}

# What the environment depends on: the source, our requirements, this script.
managed_stamp() {
    local source=$1
    {
        echo "$source#$ODOO_BRANCH"
        if [ -f "$source" ]; then stat -c '%s %Y' "$source"; fi
        if [ -d "$source" ]; then cat "$source/requirements.txt"; fi
        "$PYTHON" --version
        cat "$REPO_ROOT"/requirements*.txt "$REPO_ROOT/tools/constraints.txt" \
            "$REPO_ROOT/tools/odoo-managed.sh"
    } 2>&1 | sha256sum | cut -d' ' -f1
}

# Runs one set-up step, its output to the log; says which step failed.
managed_step() {
    local name=$1
    shift
    echo "  $name ..."
    echo "=== $name: $*" >>"$ODOO_SETUP_LOG"
    if ! "$@" >>"$ODOO_SETUP_LOG" 2>&1; then
        tail -n 15 "$ODOO_SETUP_LOG" >&2
        echo "ERROR: setting up Odoo 19 failed at '$name'; the whole log is $ODOO_SETUP_LOG" >&2
        return 1
    fi
}

managed_fetch_source() {
    local source=$1 src=$ODOO_HOME/src
    rm -rf "$src"
    mkdir -p "$src"
    case "$source" in
        *.tar.xz | *.tar.gz | *.tgz | *.tar)
            [ -f "$source" ] || { echo "no such archive: $source"; return 1; }
            tar -xf "$source" -C "$src" --strip-components=1 || return 1
            ;;
        *) git clone --quiet --depth 1 --branch "$ODOO_BRANCH" "$source" "$src" || return 1 ;;
    esac
    [ -x "$src/odoo-bin" ] || { echo "no odoo-bin in $source"; return 1; }
}

managed_pip() {
    "$ODOO_HOME/venv/bin/python" -m pip install --quiet --disable-pip-version-check \
        --root-user-action=ignore -c "$REPO_ROOT/tools/constraints.txt" "$@"
}

managed_odoo_requirements() {
    grep -v -i -E "$ODOO_LEFT_OUT_REQUIREMENTS" "$1/requirements.txt" \
        >"$ODOO_HOME/odoo-requirements.txt" || return 1
    managed_pip -r "$ODOO_HOME/odoo-requirements.txt"
}

managed_link_source() {
    local purelib
    purelib=$("$ODOO_HOME/venv/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])') || return 1
    echo "$1" >"$purelib/odoo-source.pth" || return 1
    managed_usable
}

# Whether the environment imports Odoo 19 (its source may have moved).
managed_usable() {
    "$ODOO_HOME/venv/bin/python" -c 'from odoo import release; assert release.series == "19.0", release.series'
}

managed_build() {
    local source=$1 src started=$SECONDS
    rm -rf "$ODOO_HOME/venv" "$ODOO_HOME/stamp"
    mkdir -p "$ODOO_HOME"
    : >"$ODOO_SETUP_LOG"
    echo "Setting up Odoo $ODOO_BRANCH in $ODOO_HOME from $source (log: $ODOO_SETUP_LOG)"
    if [ -d "$source" ]; then
        src=$source
        [ -x "$src/odoo-bin" ] || { echo "ERROR: no odoo-bin in $source" >&2; return 1; }
    else
        src=$ODOO_HOME/src
        managed_step "getting the source" managed_fetch_source "$source" || return 1
    fi
    managed_step "creating the virtual environment" "$PYTHON" -m venv "$ODOO_HOME/venv" || return 1
    managed_step "installing the pins Odoo needs" managed_pip --upgrade pip 'setuptools<81' wheel || return 1
    managed_step "installing Odoo's requirements (python-ldap left out)" \
        managed_odoo_requirements "$src" || return 1
    managed_step "installing the addons' and the tests' requirements" \
        managed_pip -r "$REPO_ROOT/requirements.txt" -r "$REPO_ROOT/requirements-test.txt" || return 1
    managed_step "installing the OCA addons used beside ours" \
        managed_pip --no-deps -r "$REPO_ROOT/requirements-oca.txt" || return 1
    managed_step "putting Odoo on the environment's path" managed_link_source "$src" || return 1
    echo "$source" >"$ODOO_HOME/source"
    echo "$2" >"$ODOO_HOME/stamp"
    echo "Odoo $ODOO_BRANCH set up in $((SECONDS - started)) s."
}

# Sets PYTHON to the environment under .odoo/, building it when missing or stale.
odoo_managed() {
    local source stamp
    source=$(managed_source)
    stamp=$(managed_stamp "$source")
    if [ "$(cat "$ODOO_HOME/stamp" 2>/dev/null)" != "$stamp" ] || ! managed_usable 2>/dev/null; then
        managed_build "$source" "$stamp" || return 1
    else
        echo "Using Odoo $ODOO_BRANCH from $ODOO_HOME (set up from $source)."
    fi
    PYTHON=$ODOO_HOME/venv/bin/python
}
