import csv
import io
import re
from decimal import Decimal

import pytest

from pagoefectivo_emulator import CipStateError, reports

DOC_COLUMNS = [
    "CIP", "Nro.Ord.Comercio", "Monto", "Estado", "Fec.Emisión", "Fec.Cancelación",
    "Fec.Anulada", "FechaAExpirar", "Fec.Eliminado", "Servicio", "Cliente Nombre",
    "Cliente Apellidos", "Cliente Email", "Tipo Doc.", "Nro Documento",
    "Cliente Alias", "Cliente Telefono", "Concepto Pago", "Datos Adicionales",
    "Canal", "Fec.Actualizacion",
]  # fmt: skip
REPORT_DATE = re.compile(r"\d{2}/\d{2}/\d{4} \d{2}:\d{2}:\d{2}")


def _rows(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text)))


@pytest.fixture
def paid(client, emu):
    """Three paid CIPs on Thu 19, Fri 20 and Fri 20 Nov 2026, one pending."""
    cips = {
        "a": client.new_cip(amount="22.05", transactionCode="A", userName="Ana",
                            userLastName="Díaz", userDocumentType="DNI",
                            userDocumentNumber="12345678", userPhone="987654321",
                            paymentConcept="Pedido A", userId="cli-1"),
        "b": client.new_cip(amount="1.00", transactionCode="B"),
        "c": client.new_cip(amount="100.10", transactionCode="C"),
        "pending": client.new_cip(transactionCode="P"),
    }  # fmt: skip
    emu.pay(cips["a"], payment_date="2026-11-19T09:30:00-05:00")
    emu.pay(cips["b"], payment_date="2026-11-20T23:59:59-05:00", channel="banca movil")
    emu.pay(cips["c"], payment_date="2026-11-20 10:00:00-05:00")
    return cips


def test_paid_columns_are_the_documented_ones_plus_currency():
    expected = [*DOC_COLUMNS[:3], "Moneda", *DOC_COLUMNS[3:]]
    assert list(reports.PAID_COLUMNS) == expected


def test_paid_csv(emu, paid):
    text = reports.paid_report_csv(emu.cips)
    assert text.splitlines()[0] == ",".join(reports.PAID_COLUMNS)
    rows = _rows(text)
    assert [r["Nro.Ord.Comercio"] for r in rows] == ["A", "C", "B"]
    first = rows[0]
    assert first["CIP"] == str(paid["a"])
    assert (first["Monto"], first["Moneda"], first["Estado"]) == (
        "22.05",
        "PEN",
        "Cancelado",
    )
    assert first["Fec.Cancelación"] == "19/11/2026 09:30:00"
    assert REPORT_DATE.fullmatch(first["Fec.Emisión"])
    assert REPORT_DATE.fullmatch(first["FechaAExpirar"])
    assert REPORT_DATE.fullmatch(first["Fec.Actualizacion"])
    assert first["Fec.Eliminado"] == first["Fec.Anulada"] == ""
    assert first["Servicio"] == emu.config.service_id
    assert (first["Cliente Nombre"], first["Cliente Apellidos"]) == ("Ana", "Díaz")
    assert (first["Tipo Doc."], first["Nro Documento"]) == ("DNI", "12345678")
    assert (first["Cliente Alias"], first["Cliente Telefono"]) == ("cli-1", "987654321")
    assert first["Cliente Email"] == "cliente@example.pe"
    assert first["Concepto Pago"] == "Pedido A"
    assert first["Canal"] == "agencia" and rows[2]["Canal"] == "banca movil"
    assert rows[1]["Monto"] == "100.10" and rows[2]["Monto"] == "1.00"


def test_paid_csv_date_filter(emu, paid):
    def codes(**span):
        return [
            r["Nro.Ord.Comercio"]
            for r in _rows(reports.paid_report_csv(emu.cips, **span))
        ]

    assert codes(date_from="20/11/2026") == ["C", "B"]
    assert codes(date_to="19/11/2026") == ["A"]
    assert codes(date_from="20/11/2026", date_to="20/11/2026") == ["C", "B"]
    assert codes(date_from="21/11/2026") == []


def test_paid_xlsx(emu, paid):
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.load_workbook(
        io.BytesIO(reports.paid_report_xlsx(emu.cips.values()))
    )
    rows = list(book.active.iter_rows(values_only=True))
    assert list(rows[0]) == list(reports.PAID_COLUMNS)
    assert len(rows) == 4
    assert rows[1][0] == paid["a"] and rows[1][2] == 22.05
    assert rows[1][6] == "19/11/2026 09:30:00"
    assert book.active.cell(2, 3).number_format == "0.00"


def test_settlement_balances(emu, paid):
    emu.refund(paid["c"], "40.00")
    rows = _rows(reports.settlement_csv(emu.cips))
    assert list(rows[0]) == list(reports.SETTLEMENT_COLUMNS)
    kinds = [r["Tipo"] for r in rows]
    assert kinds == ["PAGO", "PAGO", "PAGO", "DEVOLUCION", "DEPOSITO"]
    by_code = {r["Nro.Ord.Comercio"]: r for r in rows if r["Tipo"] == "PAGO"}
    # 22.05 * 2.5% = 0.55125 -> 0.55, IGV 0.099 -> 0.10
    assert (by_code["A"]["Comisión"], by_code["A"]["IGV Comisión"]) == ("0.55", "0.10")
    assert by_code["A"]["Monto Neto"] == "21.40"
    # 1.00 * 2.5% = 0.025 -> 0.03 (half-up), IGV 0.0054 -> 0.01
    assert (by_code["B"]["Comisión"], by_code["B"]["IGV Comisión"]) == ("0.03", "0.01")
    refund = rows[3]
    assert refund["CIP"] == str(paid["c"])
    assert (refund["Monto Bruto"], refund["Comisión"], refund["Monto Neto"]) == (
        "-40.00",
        "0.00",
        "-40.00",
    )
    deposit = rows[-1]
    money = {
        k: Decimal(deposit[k])
        for k in ("Monto Bruto", "Comisión", "IGV Comisión", "Monto Neto")
    }
    assert money["Monto Bruto"] == Decimal("123.15")
    assert money["Monto Neto"] == (
        money["Monto Bruto"]
        - money["Comisión"]
        - money["IGV Comisión"]
        - Decimal("40.00")
    )
    assert money["Monto Neto"] == sum(Decimal(r["Monto Neto"]) for r in rows[:-1])
    assert deposit["Moneda"] == "PEN" and deposit["CIP"] == ""


def test_deposit_is_next_business_day(emu, paid):
    rows = _rows(reports.settlement_csv(emu.cips))
    assert rows[-1]["Fecha Operación"] == "23/11/2026 00:00:00"  # Fri 20 -> Mon 23


def test_settlement_commission_and_headers_are_configurable(emu, paid):
    commission = reports.Commission(Decimal("0.03"), Decimal("1.00"), Decimal("0.18"))
    text = reports.settlement_csv(
        emu.cips,
        commission,
        date_from="19/11/2026",
        date_to="19/11/2026",
        headers={"Monto Neto": "Neto", "Tipo": "Operacion"},
    )
    rows = _rows(text)
    assert [r["Operacion"] for r in rows] == ["PAGO", "DEPOSITO"]
    assert rows[0]["Comisión"] == "1.66"  # 22.05 * 3% + 1.00 = 1.6615
    assert rows[0]["Neto"] == str(Decimal("22.05") - Decimal("1.66") - Decimal("0.30"))
    assert rows[1]["Fecha Operación"] == "20/11/2026 00:00:00"


def test_settlement_per_currency(client, emu):
    emu.pay(client.new_cip(currency="USD", amount="10.00"))
    emu.pay(client.new_cip(currency="PEN", amount="10.00"))
    deposits = [
        r for r in _rows(reports.settlement_csv(emu.cips)) if r["Tipo"] == "DEPOSITO"
    ]
    assert [d["Moneda"] for d in deposits] == ["PEN", "USD"]


def test_empty_reports():
    assert reports.paid_report_csv([]) == ",".join(reports.PAID_COLUMNS) + "\r\n"
    assert reports.settlement_csv({}) == ",".join(reports.SETTLEMENT_COLUMNS) + "\r\n"


def test_refund_rules(client, emu, paid):
    with pytest.raises(CipStateError):
        emu.refund(paid["pending"])
    with pytest.raises(CipStateError):
        emu.refund(paid["b"], "1.01")
    with pytest.raises(ValueError):
        emu.refund(paid["b"], "0.405")
    emu.refund(paid["b"], "0.40")
    emu.refund(paid["b"])  # the rest
    assert [r["amount"] for r in emu.cips[paid["b"]]["refunds"]] == ["0.40", "0.60"]
    with pytest.raises(CipStateError):
        emu.refund(paid["b"], "0.01")


def test_reports_over_http(client, emu, paid):
    status, headers, text = client.request(
        "GET", "/_emulator/reports/paid.csv?date_from=20/11/2026"
    )
    assert status == 200
    assert headers["Content-Type"] == "text/csv; charset=utf-8"
    assert [r["Nro.Ord.Comercio"] for r in _rows(text)] == ["C", "B"]
    status, _, text = client.request("GET", "/_emulator/reports/settlement.csv")
    assert status == 200 and text == reports.settlement_csv(emu.cips, emu.commission)
    status, headers, _ = client.request("GET", "/_emulator/reports/paid.xlsx")
    assert status == 200 and "spreadsheetml" in headers["Content-Type"]
    status, _, reply = client.request(
        "GET", "/_emulator/reports/paid.csv?date_to=2026-11-20"
    )
    assert status == 400 and reply["error"]


def test_commission_follows_config(client, emu, paid):
    emu.configure(commission_rate="0.05", igv_rate=0)
    _, _, text = client.request(
        "GET", "/_emulator/reports/settlement.csv?date_to=19/11/2026"
    )
    rows = _rows(text)
    assert (rows[0]["Comisión"], rows[0]["IGV Comisión"]) == ("1.10", "0.00")
