import http.client
from urllib.parse import urlencode, urlsplit


def _form_post(emu, path, fields):
    """POST a browser form without following the redirect: (status, Location)."""
    address = urlsplit(emu.base_url)
    connection = http.client.HTTPConnection(address.hostname, address.port, timeout=5)
    connection.request(
        "POST",
        path,
        urlencode(fields),
        {"Content-Type": "application/x-www-form-urlencoded"},
    )
    reply = connection.getresponse()
    reply.read()
    connection.close()
    return reply.status, reply.getheader("Location")


def test_index_lists_cips_with_buttons(client, emu):
    assert "Aún no hay CIPs" in client.request("GET", "/")[2]
    cip = client.new_cip(transactionCode="<b>S1</b>")
    status, headers, page = client.request("GET", "/")
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    assert str(cip) in page
    assert f'action="/_emulator/cips/{cip}/pay"' in page
    assert f'action="/_emulator/cips/{cip}/expire"' in page
    assert "&lt;b&gt;S1&lt;/b&gt;" in page and "<b>S1</b>" not in page
    for report in ("paid.xlsx", "paid.csv", "settlement.csv"):
        assert f'href="/_emulator/reports/{report}"' in page


def test_pay_button_redirects_back(client, emu, webhook):
    cip = client.new_cip()
    status, location = _form_post(emu, f"/_emulator/cips/{cip}/pay", {"next": "/"})
    assert status == 303 and location.startswith("/?msg=")
    assert emu.cips[cip]["status"] == 23
    assert len(webhook.requests) == 1
    status, location = _form_post(emu, f"/_emulator/cips/{cip}/pay", {"next": "/"})
    assert status == 303 and "msg=No%20se%20puede%20pagar" in location
    _, _, page = client.request("GET", location)
    assert "No se puede pagar" in page


def test_expire_button_and_foreign_redirects(client, emu):
    cip = client.new_cip()
    status, location = _form_post(
        emu, f"/_emulator/cips/{cip}/expire", {"next": "//evil.example/"}
    )
    assert status == 303 and location.startswith("/?msg=")
    assert emu.cips[cip]["status"] == 21


def test_voucher_page(client, emu):
    status, _, reply = client.create(amount="22.05")
    cip_url = reply["data"]["cipUrl"]
    status, headers, page = client.request("GET", urlsplit(cip_url).path)
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    cip = reply["data"]["cipUrl"].rsplit("/", 1)[1]
    assert cip in page and "PEN 22.05" in page and "<svg" in page
    assert "Generado" in page and "Simular pago" in page
    status, location = _form_post(
        emu, f"/_emulator/cips/{cip}/pay", {"next": f"/voucher/{cip}"}
    )
    assert location.startswith(f"/voucher/{cip}?msg=")
    page = client.request("GET", location)[2]
    assert "Cancelada" in page and "Simular pago" not in page
    assert client.request("GET", "/voucher/123")[0] == 404


def test_control_errors(client, emu):
    status, _, reply = client.control("POST", "/cips/1/pay", {})
    assert status == 404 and "error" in reply
    status, _, reply = client.control("POST", "/cips/abc/expire", {})
    assert status == 404
    status, _, reply = client.request("POST", "/_emulator/reset", raw=b"[1]")
    assert status == 400
    assert client.control("GET", "/nothing")[0] == 404
    assert client.control("GET", "/reset")[0] == 405
    assert client.request("GET", "/v1/cips")[0] == 405


def test_expire_with_notification_over_http(client, emu, webhook):
    cip = client.new_cip()
    status, _, reply = client.control("POST", f"/cips/{cip}/expire", {"notify": True})
    assert status == 200 and reply["deliveries"][0]["eventType"] == "cip.expired"
    assert webhook.requests[0]["json"]["eventType"] == "cip.expired"


def test_refund_over_http(client, emu):
    cip = client.new_cip(amount="10.00")
    emu.pay(cip)
    status, _, reply = client.control("POST", f"/cips/{cip}/refund", {"amount": "4"})
    assert status == 200 and reply["deliveries"] == []
    assert emu.cips[cip]["refunds"][0]["amount"] == "4.00"
    assert client.control("POST", f"/cips/{cip}/refund", {"amount": "x"})[0] == 400


def test_config_over_http(client, emu):
    status, _, reply = client.control(
        "POST",
        "/config",
        {
            "notify_url": "http://127.0.0.1:1/hook",
            "token_ttl": 5,
            "max_amount": {"PEN": 10},
        },
    )
    assert status == 200
    config = reply["config"]
    assert config["notify_url"] == "http://127.0.0.1:1/hook"
    assert config["token_ttl"] == 5.0
    assert config["max_amount"] == {"PEN": "10", "USD": "10000"}
    assert client.control("GET", "/config")[2]["config"] == config
    status, _, reply = client.control("POST", "/config", {"colour": "red"})
    assert status == 400 and "colour" in reply["error"]


def test_reset_keeps_numbering_and_settings(client, emu):
    cip = client.new_cip()
    token = client.token()
    emu.configure(token_ttl=7)
    status, _, _ = client.control("POST", "/reset", {})
    assert status == 200
    assert emu.cips == {} and emu.deliveries == [] and emu.api_calls == []
    assert client.api("POST", "/v1/cips/search", {"data": []}, token=token)[0] == 401
    client._token = None
    assert client.new_cip() == cip + 1
    assert emu.config.token_ttl == 7


def test_cips_listing(client, emu):
    cip = client.new_cip()
    status, _, reply = client.control("GET", "/cips")
    assert status == 200 and reply["cips"] == [emu.cips[cip]]


def test_refund_form_on_the_page(client, emu, webhook):
    cip = client.new_cip(amount="10.00")
    assert f'action="/_emulator/cips/{cip}/refund"' not in client.request("GET", "/")[2]
    emu.pay(cip)
    webhook.clear()
    page = client.request("GET", "/")[2]
    assert f'action="/_emulator/cips/{cip}/refund"' in page
    assert 'name="amount"' in page and 'name="notify"' in page

    fields = {"next": "/", "amount": "4", "notify": "1"}
    status, location = _form_post(emu, f"/_emulator/cips/{cip}/refund", fields)
    assert status == 303 and "Devoluci" in client.request("GET", location)[2]
    assert emu.cips[cip]["refunds"][0]["amount"] == "4.00"
    assert webhook.requests[0]["json"]["eventType"] == "cip.refunded"
    assert "Devuelto: PEN 4.00" in client.request("GET", "/")[2]

    fields = {"next": "/", "amount": ""}  # empty: what is left, not notified
    status, location = _form_post(emu, f"/_emulator/cips/{cip}/refund", fields)
    assert status == 303 and emu.cips[cip]["refunds"][1]["amount"] == "6.00"
    assert len(webhook.requests) == 1
    page = client.request("GET", "/")[2]
    assert f'action="/_emulator/cips/{cip}/refund"' not in page

    status, location = _form_post(emu, f"/_emulator/cips/{cip}/refund", fields)
    assert status == 303 and "msg=" in location  # nothing left: said on the page
