import re
import time
from datetime import datetime, timedelta

import pytest
from emulator_support import wait_until

from pagoefectivo_emulator import ApiError, dates

EMPTY = "1900-01-01T00:00:00-05:00"
T_FORM = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}-05:00")


def _future(hours=1, sep="T"):
    return (dates.now() + timedelta(hours=hours)).strftime(
        f"%Y-%m-%d{sep}%H:%M:%S-05:00"
    )


def _errors(reply):
    return [(d["code"], d["field"]) for d in reply["data"]]


def test_create_reply_follows_the_contract(client, emu):
    status, _, reply = client.create(
        amount="22.05",
        transactionCode="S00042-1",
        dateExpiry="2099-12-31 23:59:59-05:00",
    )
    assert status == 201
    assert reply["code"] == 100 and reply["message"] == "Solicitud exitosa."
    data = reply["data"]
    assert isinstance(data["cip"], int) and data["cip"] >= 10092759
    assert data["currency"] == "PEN"
    assert data["amount"] == 22.05
    assert data["transactionCode"] == "S00042-1"
    assert data["dateExpiry"] == "2099-12-31T23:59:59-05:00"
    assert data["cipUrl"] == f"{emu.base_url}/voucher/{data['cip']}"


def test_cip_numbers_are_sequential(client):
    first = client.new_cip()
    assert client.new_cip() == first + 1


def test_default_expiry_is_48_hours(client, emu):
    cip = client.new_cip(dateExpiry=...)
    snapshot = emu.cips[cip]
    created = dates.parse_iso(snapshot["dateCreation"])
    assert dates.parse_iso(snapshot["dateExpiry"]) - created == timedelta(hours=48)


@pytest.mark.parametrize("separator", [" ", "T"])
def test_both_expiry_forms_are_accepted(client, separator):
    expiry = _future(sep=separator)
    status, _, reply = client.create(dateExpiry=expiry)
    assert status == 201
    assert reply["data"]["dateExpiry"] == expiry.replace(" ", "T")
    assert T_FORM.fullmatch(reply["data"]["dateExpiry"])


def test_expiry_in_another_offset_is_replied_in_lima_time(client):
    status, _, reply = client.create(dateExpiry="2099-01-01T05:00:00+00:00")
    assert status == 201
    assert reply["data"]["dateExpiry"] == "2099-01-01T00:00:00-05:00"


@pytest.mark.parametrize("amount", ["10", "10.5", "10.50", 10, 10.5, "0.01"])
def test_accepted_amount_forms(client, amount):
    status, _, reply = client.create(amount=amount)
    assert status == 201, reply


@pytest.mark.parametrize(
    "amount",
    ["10.555", "-1", "0", "0.00", "1,00", "1e3", "12345678901234567", "abc", True, []],
)
def test_rejected_amounts(client, amount):
    status, _, reply = client.create(amount=amount)
    assert status == 400
    assert reply["code"] == "111"
    assert _errors(reply) == [("113", "amount")]


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [
        ("currency", ..., "112"),
        ("currency", "EUR", "113"),
        ("amount", ..., "112"),
        ("transactionCode", ..., "112"),
        ("transactionCode", "", "112"),
        ("transactionCode", "x" * 37, "113"),
        ("userEmail", ..., "112"),
        ("userEmail", "not-an-email", "113"),
        ("userEmail", "a" * 96 + "@x.pe", "113"),
        ("paymentConcept", "x" * 51, "113"),
        ("additionalData", "x" * 201, "113"),
        ("adminEmail", "admin", "113"),
        ("userName", "x" * 31, "113"),
        ("userLastName", "x" * 31, "113"),
        ("userUbigeo", "1501", "113"),
        ("userUbigeo", "15010a", "113"),
        ("userCountry", "x" * 21, "113"),
        ("userDocumentType", "RUC", "113"),
        ("userDocumentNumber", "1" * 15, "113"),
        ("userPhone", "9" * 16, "113"),
        ("userCodeCountry", "51-1", "113"),
        ("dateExpiry", "31/12/2099 23:59:59", "113"),
        ("dateExpiry", "2099-12-31 23:59:59", "113"),
        ("dateExpiry", "2000-01-01 00:00:00-05:00", "113"),
    ],
)
def test_field_rules(client, field, value, code):
    status, _, reply = client.create(**{field: value})
    assert status == 400
    assert reply["code"] == "111"
    assert _errors(reply) == [(code, field)]
    assert all(d["message"] for d in reply["data"])


def test_every_problem_is_listed(client):
    status, _, reply = client.create(currency="EUR", amount=..., userUbigeo="1")
    assert status == 400
    assert _errors(reply) == [
        ("113", "currency"),
        ("112", "amount"),
        ("113", "userUbigeo"),
    ]


def test_valid_optional_fields_are_kept(client, emu):
    fields = {
        "paymentConcept": "Pedido S00042",
        "additionalData": "x" * 200,
        "adminEmail": "admin@tienda.pe",
        "userName": "Juan",
        "userLastName": "Pérez",
        "userUbigeo": "150101",
        "userCountry": "PERU",
        "userDocumentType": "DNI",
        "userDocumentNumber": "12345678",
        "userPhone": "987654321",
        "userCodeCountry": "+51",
        "userId": "42",
        "serviceId": emu.config.service_id,
    }
    cip = client.new_cip(**fields)
    snapshot = emu.cips[cip]
    fields.pop("serviceId")
    assert {k: snapshot[k] for k in fields} == fields


@pytest.mark.parametrize(
    ("currency", "amount"), [("PEN", "30000.01"), ("USD", "10000.01")]
)
def test_amount_above_maximum_is_511(client, currency, amount):
    status, _, reply = client.create(currency=currency, amount=amount)
    assert status == 400
    assert reply["code"] == "111"
    assert _errors(reply) == [("511", "amount")]


def test_maximum_is_configurable(client, emu):
    assert client.create(amount="30000.00")[0] == 201
    emu.configure(max_amount={"PEN": 1800})
    assert client.create(amount="1800.00")[0] == 201
    assert _errors(client.create(amount="1800.01")[2]) == [("511", "amount")]
    assert client.create(currency="USD", amount="9000")[0] == 201


def test_service_other_than_the_token_is_508(client):
    status, _, reply = client.create(serviceId=9999)
    assert status == 400
    assert _errors(reply) == [("508", "serviceId")]


@pytest.mark.parametrize(("origin", "code"), [(None, "112"), ("desktop", "113")])
def test_origin_header_is_required(client, origin, code):
    status, _, reply = client.api(
        "POST",
        "/v1/cips",
        {
            "currency": "PEN",
            "amount": "1",
            "transactionCode": "A",
            "userEmail": "a@b.pe",
        },
        origin=origin,
    )
    assert status == 400
    assert _errors(reply) == [(code, "Origin")]


@pytest.mark.parametrize("origin", ["web", "android", "ios"])
def test_every_origin_is_accepted(client, origin):
    body = {
        "currency": "PEN",
        "amount": "1",
        "transactionCode": origin,
        "userEmail": "a@b.pe",
    }
    assert client.api("POST", "/v1/cips", body, origin=origin)[0] == 201


def test_body_must_be_a_json_object(client):
    headers = {"Authorization": f"Bearer {client.token()}", "Origin": "web"}
    status, _, reply = client.request("POST", "/v1/cips", raw=b"{oops", headers=headers)
    assert status == 400
    assert _errors(reply) == [("113", "body")]
    assert client.api("POST", "/v1/cips", [1, 2])[0] == 400


def test_pending_transaction_code_returns_the_same_cip(client, emu):
    first = client.new_cip(transactionCode="S1")
    assert client.new_cip(transactionCode="S1", amount="99.00") == first
    assert len(emu.cips) == 1
    emu.pay(first)
    assert client.new_cip(transactionCode="S1") != first


def test_search_reports_every_field_and_omits_unknown(client):
    cip = client.new_cip(transactionCode="S9", amount="15.50", currency="USD")
    results = client.search(cip, 1, "nope", str(cip + 1000))
    assert len(results) == 1
    result = results[0]
    assert set(result) == {
        "cip", "transactionCode", "amount", "currency", "status", "statusName",
        "dateCreation", "dateExpiry", "datePayment", "dateRemoval",
    }  # fmt: skip
    assert result["cip"] == cip
    assert (result["transactionCode"], result["amount"], result["currency"]) == (
        "S9",
        15.5,
        "USD",
    )
    assert (result["status"], result["statusName"]) == (22, "Generado")
    assert result["datePayment"] == EMPTY and result["dateRemoval"] == EMPTY
    assert T_FORM.fullmatch(result["dateCreation"])


def test_search_accepts_string_cips(client):
    cip = client.new_cip()
    assert client.search(str(cip))[0]["cip"] == cip


def test_search_needs_a_data_list(client):
    status, _, reply = client.api("POST", "/v1/cips/search", {})
    assert status == 400 and _errors(reply) == [("112", "data")]
    status, _, reply = client.api("POST", "/v1/cips/search", {"data": "x"})
    assert status == 400 and _errors(reply) == [("113", "data")]


def test_search_shows_payment(client, emu):
    cip = client.new_cip()
    emu.pay(cip, payment_date="2026-11-20T10:15:00-05:00")
    result = client.search(cip)[0]
    assert (result["status"], result["statusName"]) == (23, "Cancelada")
    assert result["datePayment"] == "2026-11-20T10:15:00-05:00"


def test_expiry_is_lazy(client):
    wait_until(lambda: datetime.now().microsecond < 500_000)  # whole second ahead
    expiry = dates.now() + timedelta(seconds=1)
    cip = client.new_cip(dateExpiry=expiry.isoformat())
    assert client.search(cip)[0]["status"] == 22
    time.sleep(max(0.0, expiry.timestamp() - time.time()) + 0.05)
    result = client.search(cip)[0]
    assert (result["status"], result["statusName"]) == (21, "Expirada")
    assert result["datePayment"] == EMPTY


def test_patch_revives_an_expired_cip(client, emu):
    cip = client.new_cip()
    emu.expire(cip)
    assert client.search(cip)[0]["status"] == 21
    new_expiry = _future(hours=5, sep=" ")
    status, _, reply = client.api(
        "PATCH", f"/v1/cips/{cip}", {"dateExpiry": new_expiry}
    )
    assert status == 200
    assert reply["code"] == "100"
    result = client.search(cip)[0]
    assert result["status"] == 22
    assert result["dateExpiry"] == new_expiry.replace(" ", "T")
    emu.pay(cip)
    assert client.search(cip)[0]["status"] == 23


def test_patch_errors(client, emu):
    cip = client.new_cip()
    status, _, reply = client.api("PATCH", f"/v1/cips/{cip}", {})
    assert status == 400 and _errors(reply) == [("112", "dateExpiry")]
    status, _, reply = client.api(
        "PATCH", f"/v1/cips/{cip}", {"dateExpiry": "2001-01-01T00:00:00-05:00"}
    )
    assert status == 400 and _errors(reply) == [("113", "dateExpiry")]
    status, _, reply = client.api("PATCH", "/v1/cips/1", {"dateExpiry": _future()})
    assert status == 404 and _errors(reply) == [("113", "cip")]
    emu.pay(cip)
    status, _, reply = client.api("PATCH", f"/v1/cips/{cip}", {"dateExpiry": _future()})
    assert status == 400 and _errors(reply) == [("113", "cip")]


def test_delete_is_logical(client, emu):
    cip = client.new_cip()
    status, _, reply = client.api("DELETE", f"/v1/cips/{cip}", origin=None)
    assert status == 200 and reply["code"] == "100"
    result = client.search(cip)[0]
    assert (result["status"], result["statusName"]) == (25, "Eliminada")
    assert T_FORM.fullmatch(result["dateRemoval"])
    assert client.api("DELETE", f"/v1/cips/{cip}")[0] == 400
    status, _, reply = client.control("POST", f"/cips/{cip}/pay", {})
    assert status == 409 and "error" in reply
    status, _, reply = client.api("PATCH", f"/v1/cips/{cip}", {"dateExpiry": _future()})
    assert status == 400 and _errors(reply) == [("113", "cip")]


def test_delete_errors(client, emu):
    assert client.api("DELETE", "/v1/cips/1")[0] == 404
    cip = client.new_cip()
    emu.pay(cip)
    status, _, reply = client.api("DELETE", f"/v1/cips/{cip}")
    assert status == 400 and _errors(reply) == [("113", "cip")]


def test_api_calls_are_recorded(client, emu):
    cip = client.new_cip(transactionCode="REC")
    client.search(cip)
    calls = emu.api_calls
    assert [(c["method"], c["path"], c["status"]) for c in calls] == [
        ("POST", "/v1/authorizations", 201),
        ("POST", "/v1/cips", 201),
        ("POST", "/v1/cips/search", 200),
    ]
    assert calls[1]["headers"]["Origin"] == "web"
    assert calls[1]["body"]["transactionCode"] == "REC"
    assert client.control("GET", "/api-calls")[2]["apiCalls"] == emu.api_calls


def test_create_cip_from_python_uses_the_same_rules(emu):
    cip = emu.create_cip(
        {
            "currency": "PEN",
            "amount": "5",
            "transactionCode": "P",
            "userEmail": "a@b.pe",
        }
    )
    assert cip["status"] == 22 and cip["amount"] == "5.00"
    with pytest.raises(ApiError) as error:
        emu.create_cip(
            {
                "currency": "PEN",
                "amount": "50000",
                "transactionCode": "P2",
                "userEmail": "a@b.pe",
            }
        )
    assert error.value.details[0]["code"] == "511"
