import time

import pytest


def test_429_with_retry_after(client, emu):
    client.token()
    emu.set_faults(
        api_errors=[{"path_prefix": "/v1/cips", "method": "POST", "status": 429}]
    )
    status, headers, reply = client.create()
    assert status == 429
    assert headers["Retry-After"] == "0"
    assert reply["code"] == "429"
    assert client.create()[0] == 201  # used up
    assert [c["status"] for c in emu.api_calls][-2:] == [429, 201]


def test_503_json_body_and_times(client, emu):
    client.token()
    emu.set_faults(
        api_errors=[{"path_prefix": "/v1/cips/search", "status": 503, "times": 2}]
    )
    for _ in range(2):
        status, headers, reply = client.api("POST", "/v1/cips/search", {"data": []})
        assert status == 503
        assert headers["Content-Type"].startswith("application/json")
        assert reply == {
            "code": "503",
            "message": "Servicio no disponible.",
            "data": [],
        }
    assert client.api("POST", "/v1/cips/search", {"data": []})[0] == 200


def test_500_uses_code_166(client, emu):
    emu.set_faults(api_errors=[{"path_prefix": "/v1/authorizations", "status": 500}])
    status, _, reply = client.authorize()
    assert status == 500 and reply["code"] == "166"


def test_method_and_prefix_must_match(client, emu):
    cip = client.new_cip()
    emu.set_faults(
        api_errors=[{"path_prefix": "/v1/cips", "method": "DELETE", "status": 503}]
    )
    assert client.search(cip)
    assert client.create()[0] == 201
    assert client.api("DELETE", f"/v1/cips/{cip}")[0] == 503
    assert client.api("DELETE", f"/v1/cips/{cip}")[0] == 200


def test_control_endpoints_are_never_faulted(client, emu):
    emu.set_faults(api_errors=[{"path_prefix": "/", "status": 500, "times": 5}])
    assert client.control("GET", "/cips")[0] == 200
    assert client.request("GET", "/")[0] == 200
    assert emu.faults.snapshot()["api_errors"][0]["times"] == 5


def test_slow(client, emu):
    client.token()
    emu.set_faults(slow=[{"path_prefix": "/v1/cips", "seconds": 0.3}])
    started = time.monotonic()
    assert client.create()[0] == 201
    assert time.monotonic() - started >= 0.3
    started = time.monotonic()
    client.create()
    assert time.monotonic() - started < 0.3


def test_faults_compose(client, emu):
    client.token()
    emu.set_faults(
        api_errors=[{"path_prefix": "/v1/cips", "status": 503}],
        slow=[{"path_prefix": "/v1/cips", "seconds": 0.2}],
        drop=1,
    )
    started = time.monotonic()
    assert client.create()[0] == 503
    assert time.monotonic() - started >= 0.2
    faults = emu.faults.snapshot()
    assert faults["api_errors"] == [] and faults["slow"] == [] and faults["drop"] == 1


def test_faults_over_http(client, emu):
    status, _, reply = client.control(
        "POST", "/faults", {"api_errors": [{"path_prefix": "/v1/", "status": 429}]}
    )
    assert status == 200
    assert reply["faults"]["api_errors"][0]["status"] == 429
    assert client.authorize()[0] == 429
    client.control("POST", "/faults", {"drop": 3})
    assert client.control("GET", "/faults")[2]["faults"]["drop"] == 3
    client.control("POST", "/faults/clear", {})
    assert client.control("GET", "/faults")[2]["faults"]["drop"] == 0


@pytest.mark.parametrize(
    "faults",
    [
        {"api_errors": [{"path_prefix": "/v1/"}]},
        {"api_errors": [{"status": 200}]},
        {"api_errors": [{"status": 500, "colour": "red"}]},
        {"slow": [{"times": 1}]},
        {"shake": 1},
    ],
)
def test_bad_fault_specs_are_400(client, faults):
    status, _, reply = client.control("POST", "/faults", faults)
    assert status == 400 and reply["error"]


def test_reply_lost_processes_the_request_but_never_answers(client, emu):
    client.token()
    emu.set_faults(reply_lost=[{"path_prefix": "/v1/cips", "method": "POST"}])
    with pytest.raises(ConnectionError):
        client.create(transactionCode="LOST-1")
    created = [c for c in emu.cips.values() if c["transactionCode"] == "LOST-1"]
    assert len(created) == 1, "the CIP exists although its reply was lost"
    assert emu.faults.snapshot()["reply_lost"] == []  # used up
    assert client.create(transactionCode="LOST-2")[0] == 201
