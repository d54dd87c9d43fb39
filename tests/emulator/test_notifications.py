import hashlib
import hmac
import json
import re

from emulator_support import wait_until

from pagoefectivo_emulator import Emulator

ISO = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}-05:00")


def _valid_signature(request, secret: str) -> bool:
    expected = hmac.new(secret.encode(), request["body"], hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, request["headers"].get("PE-Signature", ""))


def test_payment_sends_a_signed_minified_notification(client, emu, webhook):
    cip = client.new_cip(amount="22.05", transactionCode="S00042-1")
    deliveries = emu.pay(cip, payment_date="2026-11-20T10:15:00-05:00")
    assert len(webhook.requests) == 1  # synchronous: already received
    request = webhook.requests[0]
    assert request["headers"]["Content-Type"] == "application/json"
    assert _valid_signature(request, emu.config.secret_key)
    assert (
        request["headers"]["PE-Signature"] == request["headers"]["PE-Signature"].lower()
    )
    assert (
        request["body"] == json.dumps(request["json"], separators=(",", ":")).encode()
    )
    assert request["json"] == {
        "eventType": "cip.paid",
        "operationNumber": emu.cips[cip]["operationNumber"],
        "data": {
            "cip": str(cip),
            "currency": "PEN",
            "amount": 22.05,
            "transactionCode": "S00042-1",
            "paymentDate": "2026-11-20T10:15:00-05:00",
        },
    }
    assert [(d["outcome"], d["status"]) for d in deliveries] == [("delivered", 200)]
    assert emu.deliveries == deliveries


def test_default_payment_date_is_now(client, emu, webhook):
    cip = client.new_cip()
    emu.pay(cip)
    assert ISO.fullmatch(webhook.requests[0]["json"]["data"]["paymentDate"])
    assert emu.cips[cip]["channel"] == "agencia"


def test_pay_overrides_only_change_the_notification(client, emu, webhook):
    cip = client.new_cip(amount="50.00")
    emu.pay(cip, amount="49.99", currency="USD", channel="banca movil")
    data = webhook.requests[0]["json"]["data"]
    assert (data["amount"], data["currency"]) == (49.99, "USD")
    assert emu.cips[cip]["amount"] == "50.00"
    assert emu.cips[cip]["channel"] == "banca movil"


def test_one_retry_after_a_failure(client, emu, webhook):
    webhook.statuses = [500]
    cip = client.new_cip()
    (delivery,) = emu.pay(cip)
    assert len(webhook.requests) == 2
    assert webhook.requests[0]["body"] == webhook.requests[1]["body"]
    assert delivery["outcome"] == "delivered"
    assert [a["status"] for a in delivery["attempts"]] == [500, 200]
    assert delivery["status"] == 200


def test_gives_up_after_the_retry(client, emu, webhook):
    webhook.statuses = [503, 500, 500]
    (delivery,) = emu.pay(client.new_cip())
    assert len(webhook.requests) == 2
    assert (delivery["outcome"], delivery["status"]) == ("failed", 500)


def test_only_200_counts_as_received(client, emu, webhook):
    webhook.statuses = [204]
    (delivery,) = emu.pay(client.new_cip())
    assert [a["status"] for a in delivery["attempts"]] == [204, 200]


def test_unreachable_webhook_fails_with_an_error(client, emu):
    emu.configure(notify_url="http://127.0.0.1:9/nowhere")
    (delivery,) = emu.pay(client.new_cip())
    assert delivery["outcome"] == "failed"
    assert len(delivery["attempts"]) == 2
    assert delivery["status"] is None and delivery["attempts"][0]["error"]


def test_no_notify_url():
    with Emulator() as emu:
        cip = emu.create_cip(
            {
                "currency": "PEN",
                "amount": 1,
                "transactionCode": "x",
                "userEmail": "a@b.pe",
            }
        )
        (delivery,) = emu.pay(cip["cip"])
        assert (delivery["outcome"], delivery["url"]) == ("no_url", None)


def test_drop(client, emu, webhook):
    emu.set_faults(drop=1)
    cip = client.new_cip()
    (delivery,) = emu.pay(cip)
    assert delivery["outcome"] == "dropped" and not webhook.requests
    assert client.search(cip)[0]["status"] == 23  # recover by searching
    emu.pay(client.new_cip())
    assert len(webhook.requests) == 1  # the fault was used up


def test_duplicate(client, emu, webhook):
    emu.set_faults(duplicate=1)
    deliveries = emu.pay(client.new_cip())
    assert len(deliveries) == 2 and len(webhook.requests) == 2
    first, second = webhook.requests
    assert first["body"] == second["body"]
    assert first["json"]["operationNumber"] == second["json"]["operationNumber"]


def test_duplicate_parallel_overlaps(client, emu, webhook):
    webhook.seconds = 0.3
    emu.set_faults(duplicate_parallel=1)
    deliveries = emu.pay(client.new_cip())
    assert [d["outcome"] for d in deliveries] == ["delivered", "delivered"]
    first, second = sorted(webhook.requests, key=lambda r: r["started"])
    assert second["started"] < first["ended"]


def test_out_of_order(client, emu, webhook):
    emu.set_faults(out_of_order=2)
    first, second = client.new_cip(), client.new_cip()
    assert [d["outcome"] for d in emu.pay(first)] == ["queued"]
    assert not webhook.requests
    released = emu.pay(second)
    assert [d["cip"] for d in released] == [str(second), str(first)]
    assert [r["json"]["data"]["cip"] for r in webhook.requests] == [
        str(second),
        str(first),
    ]


def test_out_of_order_flush(client, emu, webhook):
    emu.set_faults(out_of_order=3)
    cips = [client.new_cip() for _ in range(2)]
    for cip in cips:
        emu.pay(cip)
    assert not webhook.requests
    flushed = emu.flush_notifications()
    assert [d["cip"] for d in flushed] == [str(c) for c in reversed(cips)]
    assert len(webhook.requests) == 2


def test_delay_sends_later(client, emu, webhook):
    emu.set_faults(delay={"seconds": 0.2, "times": 1})
    assert [d["outcome"] for d in emu.pay(client.new_cip())] == ["queued"]
    assert not webhook.requests
    assert len(webhook.wait_for(1)) == 1
    assert wait_until(lambda: emu.deliveries[0]["outcome"] == "delivered")


def test_delay_flush(client, emu, webhook):
    emu.set_faults(delay={"seconds": 60, "times": 1})
    emu.pay(client.new_cip())
    assert not webhook.requests
    assert [d["outcome"] for d in emu.flush_notifications()] == ["delivered"]
    assert len(webhook.requests) == 1


def test_reset_cancels_held_notifications(client, emu, webhook):
    emu.set_faults(out_of_order=5)
    emu.pay(client.new_cip())
    emu.notifier.cancel_pending()
    assert emu.deliveries[0]["outcome"] == "canceled"
    assert emu.flush_notifications() == []


def test_bad_and_missing_signatures(client, emu, webhook):
    cip = client.new_cip()
    emu.pay(cip)
    emu.notify("cip.paid", cip, signature="bad")
    emu.notify("cip.paid", cip, signature="")
    emu.notify("cip.paid", cip, signature="abc123")
    good, bad, missing, verbatim = webhook.requests
    assert good["body"] == bad["body"]
    assert _valid_signature(good, emu.config.secret_key)
    assert not _valid_signature(bad, emu.config.secret_key)
    assert re.fullmatch(r"[0-9a-f]{64}", bad["headers"]["PE-Signature"])
    assert "PE-Signature" not in missing["headers"]
    assert verbatim["headers"]["PE-Signature"] == "abc123"


def test_other_events_and_overrides(client, emu, webhook):
    cip = client.new_cip(amount="10.00")
    emu.expire(cip, notify=True)
    emu.notify("cip.deleted", cip, amount="10.00", transactionCode=None, extra=1)
    expired, deleted = (r["json"] for r in webhook.requests)
    assert expired["eventType"] == "cip.expired"
    assert expired["data"] == {
        "cip": str(cip),
        "currency": "PEN",
        "amount": 10.0,
        "transactionCode": emu.cips[cip]["transactionCode"],
    }
    assert expired["operationNumber"] != deleted["operationNumber"]
    assert deleted["data"] == {
        "cip": str(cip),
        "currency": "PEN",
        "amount": "10.00",
        "extra": 1,
    }


def test_refund_notification(client, emu, webhook):
    cip = client.new_cip(amount="30.00")
    emu.pay(cip)
    emu.refund(cip, "12.50", notify=True)
    refunded = webhook.requests[-1]["json"]
    assert refunded["eventType"] == "cip.refunded"
    assert refunded["data"]["amount"] == 12.5


def test_repeated_paid_notification_keeps_the_operation_number(client, emu, webhook):
    cip = client.new_cip()
    emu.pay(cip)
    emu.notify("cip.paid", cip)
    first, again = (r["json"] for r in webhook.requests)
    assert first == again


def test_custom_body_and_unknown_cip(emu, webhook):
    emu.notify(body={"eventType": "cip.paid", "data": {"cip": "1"}})
    emu.notify("cip.paid", 99999999, amount=5.0)
    emu.send_raw(b'{"not":"minified" }')
    custom, unknown, raw = webhook.requests
    assert custom["json"] == {"eventType": "cip.paid", "data": {"cip": "1"}}
    assert unknown["json"]["data"] == {"cip": "99999999", "amount": 5.0}
    assert raw["body"] == b'{"not":"minified" }'
    assert all(_valid_signature(r, emu.config.secret_key) for r in webhook.requests)


def test_secret_rotation_signs_with_the_new_secret(client, emu, webhook):
    emu.configure(secret_key="R" * 40)
    emu.pay(client.new_cip())
    assert _valid_signature(webhook.requests[0], "R" * 40)


def test_notifications_through_control_endpoints(client, emu, webhook):
    cip = client.new_cip()
    status, _, reply = client.control("POST", f"/cips/{cip}/pay", {"amount": "1.00"})
    assert status == 200
    assert reply["deliveries"][0]["status"] == 200
    assert webhook.requests[0]["json"]["data"]["amount"] == 1.0
    status, _, reply = client.control(
        "POST",
        "/notify",
        {
            "eventType": "cip.expired",
            "cip": cip,
            "data": {"amount": 2},
            "signature": "bad",
        },
    )
    assert status == 200
    assert webhook.requests[1]["json"]["data"]["amount"] == 2
    assert not _valid_signature(webhook.requests[1], emu.config.secret_key)
    client.control("POST", "/notify", {"rawBody": "{}"})
    assert webhook.requests[2]["body"] == b"{}"
    client.control("POST", "/faults", {"out_of_order": 1})
    client.control("POST", f"/cips/{client.new_cip()}/pay", {})
    assert len(webhook.requests) == 4  # out_of_order=1 releases at once
    client.control("POST", "/faults", {"delay": {"seconds": 60, "times": 1}})
    client.control("POST", f"/cips/{client.new_cip()}/pay", {})
    status, _, reply = client.control("POST", "/notifications/flush", {})
    assert status == 200 and len(reply["deliveries"]) == 1
    status, _, reply = client.control("GET", "/deliveries")
    assert [d["id"] for d in reply["deliveries"]] == [d["id"] for d in emu.deliveries]
