import hashlib
import re
import time

from pagoefectivo_emulator import signing

LIMA_ISO = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}-05:00")


def test_auth_hash_matches_the_contract_rule():
    date = "2026-11-15T15:45:00-05:00"
    text = f"1234.ABCDEFGHIJ0123456789.{'s' * 40}.{date}"
    expected = hashlib.sha256(text.encode("utf-8")).hexdigest()
    assert signing.auth_hash(1234, "ABCDEFGHIJ0123456789", "s" * 40, date) == expected
    assert expected == expected.lower() and len(expected) == 64


def test_token_is_issued_for_the_right_hash(client, emu):
    status, _, reply = client.authorize()
    assert status == 201
    assert reply["code"] == "100"
    assert reply["message"] == "Solicitud exitosa."
    data = reply["data"]
    assert data["token"] and data["codeService"] == emu.config.service_id
    assert LIMA_ISO.fullmatch(data["tokenStart"])
    assert LIMA_ISO.fullmatch(data["tokenExpires"])


def test_token_request_with_string_service_id(client, emu):
    status, _, _ = client.authorize(idService=emu.config.service_id)
    assert status == 201


def test_wrong_credentials_are_rejected(client):
    for field, value in (
        ("hashString", "0" * 64),
        ("accessKey", "XXXXXXXXXXXXXXXXXXXX"),
        ("idService", 9999),
    ):
        status, _, reply = client.authorize(**{field: value})
        assert status == 401
        assert reply["code"] == "101"
        assert reply["data"][0]["field"] == field


def test_hash_must_be_lowercase(client):
    date = "2026-11-15T15:45:00-05:00"
    config = client.emulator.config
    good = signing.auth_hash(
        config.service_id, config.access_key, config.secret_key, date
    )
    status, _, _ = client.authorize(dateRequest=date, hashString=good.upper())
    assert status == 401
    status, _, _ = client.authorize(dateRequest=date, hashString=good)
    assert status == 201


def test_hash_made_with_another_secret_is_rejected(client, emu):
    config = emu.config
    date = "2026-11-15T15:45:00-05:00"
    wrong = hashlib.sha256(
        f"{config.service_id}.{config.access_key}.OTHER.{date}".encode()
    ).hexdigest()
    status, _, _ = client.authorize(dateRequest=date, hashString=wrong)
    assert status == 401


def test_missing_fields_give_111_with_112_each(client):
    status, _, reply = client.request("POST", "/v1/authorizations", {"accessKey": "x"})
    assert status == 400
    assert reply["code"] == "111"
    assert {(d["code"], d["field"]) for d in reply["data"]} == {
        ("112", "idService"),
        ("112", "dateRequest"),
        ("112", "hashString"),
    }


def test_bad_date_request_is_113(client):
    status, _, reply = client.authorize(dateRequest="15/11/2026 15:45")
    assert status == 400
    assert reply["data"] == [
        {"code": "113", "message": "Fecha inválida.", "field": "dateRequest"}
    ]


def test_token_expires_after_ttl(client, emu):
    emu.configure(token_ttl=0.3)
    token = client.token()
    assert client.api("POST", "/v1/cips/search", {"data": []})[0] == 200
    time.sleep(0.4)
    status, _, reply = client.api("POST", "/v1/cips/search", {"data": []}, token=token)
    assert status == 401
    assert reply["code"] == "101"
    assert reply["data"][0]["field"] == "Authorization"


def test_tokens_can_be_expired_on_demand(client):
    token = client.token()
    assert client.control("POST", "/tokens/expire")[0] == 200
    assert client.api("POST", "/v1/cips/search", {"data": []}, token=token)[0] == 401


def test_missing_or_malformed_authorization_is_401(client):
    headers = {"Origin": "web"}
    assert client.request("POST", "/v1/cips", {}, headers)[0] == 401
    headers["Authorization"] = "Basic abc"
    assert client.request("POST", "/v1/cips", {}, headers)[0] == 401
    assert client.api("POST", "/v1/cips", {}, token="not-a-token")[0] == 401


def test_rotated_secret_changes_the_expected_hash(client, emu):
    emu.configure(secret_key="N" * 40)
    assert client.authorize()[0] == 201  # the client hashes with the new secret
    config = emu.config
    date = "2026-11-15T15:45:00-05:00"
    old = signing.auth_hash(config.service_id, config.access_key, "S" * 40, date)
    assert client.authorize(dateRequest=date, hashString=old)[0] == 401
