"""The addons packaged as wheels, the OCA way (whool, one pyproject.toml per addon):
each wheel holds what Odoo loads from the addon (manifest, data files, static
files, translations) under odoo/addons/<addon>/, and its metadata names the
addon, its version and its dependencies as the manifest says.

A plain pytest test: it needs pip and git, not Odoo. pip fetches whool from
PyPI for the isolated build."""

import ast
import fnmatch
import re
import shutil
import subprocess
import sys
import zipfile
from email.parser import HeaderParser
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
ADDONS = ("pagoefectivo_payment", "pagoefectivo_reconcile", "pagoefectivo_website_sale")
ODOO_SERIES = "19.0"
# Addons of Odoo itself that ours depend on: they come with Odoo, so the wheels
# require `odoo`, not a package of their own.
ODOO_CORE_DEPENDS = {"account_payment", "sale", "l10n_pe", "website_sale"}

pytestmark = pytest.mark.skipif(
    shutil.which("git") is None
    or subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse"], capture_output=True
    ).returncode,
    reason="whool packages the files under git control: needs git and a checkout",
)


def _manifest(addon):
    return ast.literal_eval((ROOT / addon / "__manifest__.py").read_text())


def _tracked_files(addon):
    """The addon's files under git control, relative to the addon: what whool
    packages. pyproject.toml is left out of the wheel by whool itself."""
    out = subprocess.run(
        ["git", "ls-files", "-z", "--", "."],
        cwd=ROOT / addon,
        capture_output=True,
        check=True,
        text=True,
    ).stdout
    files = {f for f in out.split("\0") if f}
    assert "__manifest__.py" in files, f"{addon}: its manifest is not under git"
    return files - {"pyproject.toml"}


class Wheel:
    def __init__(self, addon, path):
        self.addon = addon
        self.path = path
        with zipfile.ZipFile(path) as zf:
            self.names = set(zf.namelist())
            (metadata,) = [
                n for n in self.names if re.fullmatch(r"[^/]+\.dist-info/METADATA", n)
            ]
            self.metadata = HeaderParser().parsestr(zf.read(metadata).decode())
        prefix = f"odoo/addons/{addon}/"
        self.addon_files = {
            n[len(prefix) :] for n in self.names if n.startswith(prefix)
        }


@pytest.fixture(scope="module")
def wheels(tmp_path_factory):
    """The three wheels, built once, by one `pip wheel` as a user would run it."""
    wheel_dir = tmp_path_factory.mktemp("wheels")
    cmd = [
        sys.executable,
        "-m",
        "pip",
        "wheel",
        "--no-deps",
        "--no-input",
        "--disable-pip-version-check",
        "-w",
        str(wheel_dir),
        *(f"./{addon}" for addon in ADDONS),
    ]
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, (
        f"{' '.join(cmd)} failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    )
    built = {}
    for addon in ADDONS:
        found = sorted(wheel_dir.glob(f"odoo_addon_{addon}-*.whl"))
        assert len(found) == 1, (
            f"{addon}: expected one wheel, found {[p.name for p in found]} "
            f"among {sorted(p.name for p in wheel_dir.iterdir())}"
        )
        built[addon] = Wheel(addon, found[0])
    return built


@pytest.mark.parametrize("addon", ADDONS)
def test_name_and_version(wheels, addon):
    wheel = wheels[addon]
    manifest_version = _manifest(addon)["version"]
    assert manifest_version.startswith(ODOO_SERIES + ".")
    assert wheel.metadata["Name"] == f"odoo-addon-{addon}"
    version = wheel.metadata["Version"]
    # whool's version: the manifest's, plus ".N" for the N commits to the addon
    # since its version last changed (".dev1" for a new version not committed yet).
    assert re.fullmatch(re.escape(manifest_version) + r"(\.\d+|\.dev1)?", version), (
        f"{addon}: wheel version {version} is not manifest version {manifest_version}"
    )
    assert wheel.path.name == f"odoo_addon_{addon}-{version}-py3-none-any.whl"


@pytest.mark.parametrize("addon", ADDONS)
def test_requirements(wheels, addon):
    manifest = _manifest(addon)
    requires = set(wheels[addon].metadata.get_all("Requires-Dist") or [])
    assert f"odoo=={ODOO_SERIES}.*" in requires
    python_deps = manifest.get("external_dependencies", {}).get("python", [])
    for dep in python_deps:
        assert dep in requires, f"{addon}: external dependency {dep} not required"
    addon_requires = {r for r in requires if r.startswith("odoo-addon-")}
    expected = {
        f"odoo-addon-{dep}=={ODOO_SERIES}.*"
        for dep in manifest["depends"]
        if dep not in ODOO_CORE_DEPENDS
    }
    assert addon_requires == expected
    # Nothing but Odoo, the addons and the manifest's external dependencies.
    assert requires == {f"odoo=={ODOO_SERIES}.*", *expected, *python_deps}


@pytest.mark.parametrize("addon", ADDONS)
def test_contents(wheels, addon):
    wheel = wheels[addon]
    manifest = _manifest(addon)
    source = ROOT / addon
    files = wheel.addon_files

    assert "__manifest__.py" in files
    assert "__init__.py" in files
    for data_file in manifest.get("data", []):
        assert (source / data_file).is_file(), f"{addon}: {data_file} is missing"
        assert data_file in files, f"{addon}: {data_file} not in {wheel.path.name}"

    tracked = _tracked_files(addon)
    static = {f for f in tracked if f.startswith("static/")}
    assert static, f"{addon}: no static files under git"
    assert static <= files, f"{addon}: not in the wheel: {sorted(static - files)}"
    # Every asset bundle pattern of the manifest finds its files in the wheel.
    for bundle, patterns in manifest.get("assets", {}).items():
        for pattern in patterns:
            if not isinstance(pattern, str) or not pattern.startswith(addon + "/"):
                continue
            rel = pattern[len(addon) + 1 :].replace("**/*", "*")
            assert fnmatch.filter(files, rel), f"{addon}: {bundle} {pattern} empty"
    if (source / "i18n" / "es.po").is_file():
        assert "i18n/es.po" in files
    # whool packages git's files only: a static file or translation on disk
    # that git does not know (not ignored either) would be left out silently.
    untracked = subprocess.run(
        ["git", "ls-files", "--others", "--exclude-standard", "--", "static", "i18n"],
        cwd=source,
        capture_output=True,
        check=True,
        text=True,
    ).stdout.split()
    assert not untracked, f"{addon}: not under git, so not in the wheel: {untracked}"

    # The wheel is exactly the addon's tracked files: nothing left out, nothing
    # from the working tree that git does not know (caches, backups).
    assert files == tracked, (
        f"{addon}: missing {sorted(tracked - files)}, extra {sorted(files - tracked)}"
    )
    outside = {
        n
        for n in wheel.names
        if not n.startswith(f"odoo/addons/{addon}/") and ".dist-info/" not in n
    }
    assert not outside, f"{addon}: unexpected files {sorted(outside)}"
