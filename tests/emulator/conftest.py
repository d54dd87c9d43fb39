"""Fixtures: a running emulator, a merchant webhook, and an API client."""

import pathlib
import sys

import pytest

HERE = pathlib.Path(__file__).resolve().parent
for path in (str(HERE.parents[1]), str(HERE)):  # the repository, these helpers
    if path not in sys.path:
        sys.path.insert(0, path)

from emulator_support import Client, Emulator, Webhook  # noqa: E402


# This machine's pytest also loads the pytest-odoo plugin, whose autouse fixtures
# need an Odoo database; these tests use none, so the fixtures are shadowed here.
@pytest.fixture(scope="session", autouse=True)
def load_registry():
    yield


@pytest.fixture(scope="session", autouse=True)
def load_http():
    yield


@pytest.fixture(scope="module", autouse=True)
def enable_odoo_test_flag():
    yield


@pytest.fixture(scope="session")
def webhook_server():
    hook = Webhook()
    yield hook
    hook.stop()


@pytest.fixture
def webhook(webhook_server):
    webhook_server.clear()
    return webhook_server


@pytest.fixture(scope="session")
def emulator(webhook_server):
    with Emulator(notify_url=webhook_server.url, token_ttl=300) as emulator:
        yield emulator


@pytest.fixture
def emu(emulator, webhook):
    """The shared emulator, reset before the test and its settings restored after."""
    settings = emulator.config.public()
    emulator.reset()
    yield emulator
    emulator.reset()
    emulator.configure(**settings)


@pytest.fixture
def client(emu):
    return Client(emu)
