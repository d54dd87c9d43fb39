"""Merchant-portal style reports built from CIP snapshots (`Emulator.cips`).

Every function takes the CIP snapshot dicts (an iterable, or the mapping
`Emulator.cips` itself) and works without the HTTP server.

Paid-CIP report: the columns of section 6 of the contract, with `Moneda`
added right after `Monto`; only paid CIPs ("Cancelado"), filtered on the
payment day; dates `dd/mm/yyyy hh:mm:ss` Lima time, empty when unset;
amounts with 2 decimals and `.`. `Cliente Alias` carries userId.
CSV: `,` separator, `"` quoting when needed, CRLF line ends, UTF-8 without BOM.
XLSX: same columns, one sheet; CIP and Monto are numbers (Monto formatted
`0.00`), the rest text. Needs openpyxl.

Settlement ("liquidación") CSV: one `PAGO` line per paid CIP, one
`DEVOLUCION` line per refund (negative amounts, no commission), then one
`DEPOSITO` line per currency, dated the next business day after the last
operation at 00:00:00, whose `Monto Bruto`, `Comisión` and `IGV Comisión`
are the PAGO totals and whose `Monto Neto` = gross - commissions - IGV -
refunds, which is also the sum of the `Monto Neto` of the lines above it.
Commission per CIP = gross * rate + fixed, IGV = commission * igv rate, each
rounded half-up to cents.
"""

import csv
import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import ROUND_HALF_UP, Decimal

from . import dates

PAID_COLUMNS = (
    "CIP",
    "Nro.Ord.Comercio",
    "Monto",
    "Moneda",
    "Estado",
    "Fec.Emisión",
    "Fec.Cancelación",
    "Fec.Anulada",
    "FechaAExpirar",
    "Fec.Eliminado",
    "Servicio",
    "Cliente Nombre",
    "Cliente Apellidos",
    "Cliente Email",
    "Tipo Doc.",
    "Nro Documento",
    "Cliente Alias",
    "Cliente Telefono",
    "Concepto Pago",
    "Datos Adicionales",
    "Canal",
    "Fec.Actualizacion",
)
SETTLEMENT_COLUMNS = (
    "Tipo",
    "Fecha Operación",
    "CIP",
    "Nro.Ord.Comercio",
    "Moneda",
    "Monto Bruto",
    "Comisión",
    "IGV Comisión",
    "Monto Neto",
)
PAID_STATE = "Cancelado"
PAYMENT, REFUND, DEPOSIT = "PAGO", "DEVOLUCION", "DEPOSITO"
_CENT = Decimal("0.01")
_ZERO = Decimal("0.00")


@dataclass(frozen=True)
class Commission:
    rate: Decimal = Decimal("0.025")
    fixed: Decimal = Decimal("0.00")
    igv: Decimal = Decimal("0.18")

    def of(self, gross: Decimal) -> tuple[Decimal, Decimal]:
        """(commission, IGV on it) for one CIP."""
        commission = money(gross * self.rate + self.fixed)
        return commission, money(commission * self.igv)


def money(value: Decimal) -> Decimal:
    return value.quantize(_CENT, rounding=ROUND_HALF_UP)


def _records(cips: Iterable | Mapping) -> list[dict]:
    return list(cips.values() if isinstance(cips, Mapping) else cips)


def _when(iso: str | None) -> datetime | None:
    return None if iso is None else dates.parse_iso(iso)


def _in_range(when: datetime, date_from, date_to) -> bool:
    day = when.date()
    first, last = dates.as_day(date_from), dates.as_day(date_to)
    return (first is None or day >= first) and (last is None or day <= last)


def _paid_row(cip: dict) -> list:
    report = [
        dates.to_report(_when(cip[k]))
        for k in (
            "dateCreation",
            "datePayment",
            "dateExpiry",
            "dateRemoval",
            "dateUpdate",
        )
    ]
    created, paid, expiry, removed, updated = report
    return [
        cip["cip"], cip["transactionCode"], Decimal(cip["amount"]), cip["currency"],
        PAID_STATE, created, paid, "", expiry, removed, cip["serviceId"],
        cip["userName"], cip["userLastName"], cip["userEmail"],
        cip["userDocumentType"], cip["userDocumentNumber"], cip["userId"],
        cip["userPhone"], cip["paymentConcept"], cip["additionalData"],
        cip["channel"], updated,
    ]  # fmt: skip


def paid_report_rows(cips, date_from=None, date_to=None) -> list[list]:
    """Rows in PAID_COLUMNS order (CIP int, Monto Decimal, the rest text).

    date_from / date_to: inclusive payment days, `date` or `dd/mm/yyyy`.
    """
    paid = [
        cip
        for cip in _records(cips)
        if cip["datePayment"]
        and _in_range(_when(cip["datePayment"]), date_from, date_to)
    ]
    paid.sort(key=lambda cip: (_when(cip["datePayment"]), cip["cip"]))
    return [_paid_row(cip) for cip in paid]


def _csv(header, rows) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(
        [f"{v:.2f}" if isinstance(v, Decimal) else v for v in row] for row in rows
    )
    return out.getvalue()


def paid_report_csv(cips, date_from=None, date_to=None) -> str:
    return _csv(PAID_COLUMNS, paid_report_rows(cips, date_from, date_to))


def paid_report_xlsx(cips, date_from=None, date_to=None) -> bytes:
    """The paid report as an XLSX workbook (imports openpyxl lazily)."""
    from openpyxl import Workbook  # noqa: PLC0415 - optional dependency

    book = Workbook()
    sheet = book.active
    sheet.title = "CIPs Cancelados"
    sheet.append(PAID_COLUMNS)
    amount_column = PAID_COLUMNS.index("Monto")
    for row in paid_report_rows(cips, date_from, date_to):
        sheet.append([float(v) if isinstance(v, Decimal) else v for v in row])
        sheet.cell(sheet.max_row, amount_column + 1).number_format = "0.00"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _operations(cips, commission: Commission, date_from, date_to) -> list[tuple]:
    """(when, kind, cip, currency, gross, commission, igv) for payments and refunds."""
    operations = []
    for cip in _records(cips):
        paid_at = _when(cip["datePayment"])
        if paid_at is None:
            continue
        if _in_range(paid_at, date_from, date_to):
            gross = Decimal(cip["amount"])
            operations.append((paid_at, PAYMENT, cip, gross, *commission.of(gross)))
        for refund in cip["refunds"]:
            refunded_at = _when(refund["date"])
            if _in_range(refunded_at, date_from, date_to):
                amount = -Decimal(refund["amount"])
                operations.append((refunded_at, REFUND, cip, amount, _ZERO, _ZERO))
    operations.sort(key=lambda op: (op[0], op[2]["cip"], op[1] == REFUND))
    return operations


def settlement_rows(
    cips, commission: Commission = Commission(), date_from=None, date_to=None
) -> list[list]:
    """Rows in SETTLEMENT_COLUMNS order; amounts are Decimal."""
    rows = []
    totals: dict[str, list[Decimal]] = {}
    last_day: date | None = None
    for when, kind, cip, gross, fee, igv in _operations(
        cips, commission, date_from, date_to
    ):
        net = gross - fee - igv
        rows.append(
            [kind, dates.to_report(when), cip["cip"], cip["transactionCode"],
             cip["currency"], gross, fee, igv, net]
        )  # fmt: skip
        total = totals.setdefault(cip["currency"], [_ZERO] * 4)
        total[0] += gross if kind == PAYMENT else _ZERO
        total[1] += fee
        total[2] += igv
        total[3] += net
        last_day = when.date()
    if last_day is not None:
        deposit_at = datetime.combine(
            dates.next_business_day(last_day), time(), dates.LIMA
        )
        for currency in sorted(totals):
            gross, fee, igv, net = totals[currency]
            rows.append(
                [DEPOSIT, dates.to_report(deposit_at), "", "", currency, gross, fee,
                 igv, net]
            )  # fmt: skip
    return rows


def settlement_csv(
    cips,
    commission: Commission = Commission(),
    date_from=None,
    date_to=None,
    headers: Mapping[str, str] | None = None,
) -> str:
    """The settlement as CSV; `headers` renames columns (default name → new name)."""
    header = [(headers or {}).get(name, name) for name in SETTLEMENT_COLUMNS]
    return _csv(header, settlement_rows(cips, commission, date_from, date_to))
