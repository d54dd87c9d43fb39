"""What the benchmarks share: a throwaway database and an Odoo server on it."""

import os
import socket
import subprocess
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

import requests

import odoo
from odoo.modules.registry import Registry

REPO_ROOT = Path(__file__).resolve().parent.parent
ENV_SCRIPT = REPO_ROOT / "tools" / "odoo-env.sh"


def _shell(command):
    """Run a function of tools/odoo-env.sh and return its standard output."""
    script = f'source "{ENV_SCRIPT}"; odoo_prepare >&2 || exit 1; ' + command
    return subprocess.run(
        ["bash", "-c", script], check=True, capture_output=True, text=True
    ).stdout


@contextmanager
def fresh_database(prefix):
    """A new database with the addons installed; yields (name, config path)."""
    name = f"{prefix}_{os.getpid()}"
    with tempfile.TemporaryDirectory() as workdir:
        config = Path(workdir) / "odoo.conf"
        config.write_text(_shell(f'ODOO_DATA_DIR="{workdir}/data" odoo_config {name}'))
        _shell(f'dropdb --if-exists {name}; odoo_install {name} "{config}"')
        try:
            yield name, config
        finally:
            odoo.sql_db.close_db(name)
            _shell(f"dropdb --if-exists {name}")


def environment(database, config):
    """An Odoo registry on the database, in this process."""
    odoo.tools.config.parse_config(["-c", str(config)])
    return Registry(database)


def peruvian_company(env):
    """The main company made Peruvian: country, PEN and the Peruvian chart."""
    company = env.ref("base.main_company")
    env.ref("base.PEN").active = True
    company.country_id = env.ref("base.pe")
    if not company.chart_template:
        env["account.chart.template"].try_loading("pe", company)
    return company


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def odoo_server(database, config, workers=2):
    """Odoo with `workers` HTTP workers on a free loopback port; yields its URL."""
    port = free_port()
    odoo_bin = _shell('echo "$ODOO_BIN"').strip()
    python = _shell('echo "$PYTHON"').strip()
    process = subprocess.Popen(
        [
            python,
            odoo_bin,
            "-c",
            str(config),
            "-d",
            database,
            f"--http-port={port}",
            f"--workers={workers}",
            "--max-cron-threads=0",
            "--log-level=warn",
            "--limit-time-real=600",
            "--limit-time-cpu=600",
        ],
        stdout=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                if requests.get(url + "/web/health", timeout=2).ok:
                    break
            except requests.RequestException:
                time.sleep(0.5)
        else:
            raise RuntimeError("Odoo did not start")
        yield url
    finally:
        process.terminate()
        process.wait(timeout=60)
