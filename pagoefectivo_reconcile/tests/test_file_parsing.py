import io
import zipfile
from dataclasses import replace
from datetime import datetime
from decimal import Decimal

from openpyxl import Workbook

from odoo.exceptions import UserError, ValidationError
from odoo.tests import BaseCase, TransactionCase, tagged

from ..tools.amounts import DECIMAL_COMMA, DECIMAL_POINT, AmbiguousAmount, parse_amount
from ..tools.file_format_error import FileFormatError
from ..tools.report_dates import parse_cell_date
from ..tools.report_rows import (
    DEPOSIT,
    PAID_REPORT,
    PAYMENT,
    REFUND,
    SETTLEMENT,
    ProfileSpec,
    parse_rows,
)
from ..tools.table_reader import read_table
from .common import PagoEfectivoReconcileCommon

PAID_SPEC = ProfileSpec(
    file_kind=PAID_REPORT,
    columns={
        "cip": "CIP",
        "transaction_code": "Nro.Ord.Comercio",
        "state": "Estado",
        "date": "Fec.Cancelación | Fecha de pago",
        "gross": "Monto",
    },
    paid_states="Cancelado",
)
SETTLEMENT_SPEC = ProfileSpec(
    file_kind=SETTLEMENT,
    columns={
        "type": "Tipo",
        "date": "Fecha Operación",
        "cip": "CIP",
        "currency": "Moneda",
        "gross": "Monto Bruto",
        "commission": "Comisión",
        "igv": "IGV Comisión",
        "net": "Monto Neto",
    },
    type_values={PAYMENT: "PAGO", REFUND: "DEVOLUCION", DEPOSIT: "DEPOSITO"},
)
PAID_HEADER = ["CIP", "Nro.Ord.Comercio", "Monto", "Estado", "Fec.Cancelación"]
# Numbers as Excel stores them, which openpyxl would write shorter: the
# double nearest to 10.1 with all its digits, and =1.1+2.2 (binary noise).
STORED_AS_EXCEL_DOES = {"10.1": "10.099999999999999644", "3.3": "3.3000000000000003"}
# 02/03/2026 10:30 (Lima) as a spreadsheet serial date.
SERIAL_2026_03_02_1030 = 46083.4375
XLS_MESSAGE = (
    "This is an Excel 97-2003 workbook (.xls), which cannot be imported: open it "
    "in Excel or LibreOffice Calc, save it as an Excel workbook (.xlsx) or as "
    "CSV, and import that file."
)


def xlsx(*sheets, stored=None):
    """An XLSX workbook of (title, rows) sheets, as a spreadsheet program saves
    it: `stored` rewrites numbers as Excel writes them ({"10.1": "10.0999…"})."""
    book = Workbook()
    book.remove(book.active)
    for title, rows in sheets:
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    if not stored:
        return out.getvalue()
    rewritten = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(out.getvalue())) as source,
        zipfile.ZipFile(rewritten, "w") as target,
    ):
        for item in source.infolist():
            data = source.read(item)
            if item.filename.startswith("xl/worksheets/"):
                for number, text in stored.items():
                    data = data.replace(
                        b"<v>%s</v>" % number.encode(), b"<v>%s</v>" % text.encode()
                    )
            target.writestr(item, data)
    return rewritten.getvalue()


def parse(content, filename, spec=PAID_SPEC):
    return parse_rows(read_table(content, filename), spec, {"PEN", "USD"})


def rejection(content, filename, spec=PAID_SPEC):
    """The FileFormatError parsing the file raises."""
    try:
        parse(content, filename, spec)
    except FileFormatError as error:
        return error
    raise AssertionError("%s was not rejected" % filename)


@tagged("post_install", "-at_install")
class TestAmountsAndDates(BaseCase):
    def test_amounts_in_peruvian_and_english_notation(self):
        cases = {
            "S/ 1,234.50": Decimal("1234.50"),
            "1.234,50": Decimal("1234.50"),
            "1.234.567,89": Decimal("1234567.89"),
            "12,5": Decimal("12.5"),
            "1,234.5": Decimal("1234.5"),
            "US$ 10": Decimal("10"),
            22.05: Decimal("22.05"),
        }
        for text, expected in cases.items():
            self.assertEqual(parse_amount(text), expected, text)
        # One separator before exactly three digits may be either: "1,234" is
        # 1234 in a column written 1,234.50 and 1.234 in one written 12,50
        # (see test_file_limits.py); alone it is not read as either.
        with self.assertRaises(AmbiguousAmount):
            parse_amount("1,234")
        self.assertEqual(parse_amount("1,234", DECIMAL_POINT), Decimal("1234"))
        self.assertEqual(parse_amount("1,234", DECIMAL_COMMA), Decimal("1.234"))
        for bad in ("3O.00", "abc", "1-2"):
            with self.assertRaises(ValueError):
                parse_amount(bad)

    def test_minus_before_or_after_and_parentheses_are_negative(self):
        for text in ("-10.00", "10.00-", "(10.00)", "10,00-", "S/ (10.00)", "- 10.00"):
            with self.subTest(text=text):
                self.assertEqual(parse_amount(text), Decimal("-10.00"))
        self.assertEqual(parse_amount("(S/ 1.234,50)"), Decimal("-1234.50"))
        for ambiguous in ("-10.00-", "(-10.00)", "(10.00", "--10.00"):
            with self.subTest(text=ambiguous):
                with self.assertRaises(ValueError):
                    parse_amount(ambiguous)

    def test_report_date_forms(self):
        lima_1030_utc = datetime(2026, 3, 2, 15, 30)
        for value in (
            "02/03/2026 10:30:00",
            "02/03/2026 10:30",
            "2026-03-02T10:30:00",
            "2026-03-02 10:30",
            "2026-03-02T15:30:00Z",
            SERIAL_2026_03_02_1030,
            "46083.4375",  # a serial date in a CSV saved from a spreadsheet
            datetime(2026, 3, 2, 10, 30),
        ):
            with self.subTest(value=value):
                self.assertEqual(parse_cell_date(value), lima_1030_utc)
        self.assertEqual(parse_cell_date("2026-03-02"), datetime(2026, 3, 2, 5, 0))
        self.assertEqual(
            parse_cell_date("03/02/2026 10:30 AM", "%m/%d/%Y %I:%M %p"), lima_1030_utc
        )
        for bad in ("02-03-2026", "31/02/2026 10:30", "10:30", -5):
            with self.subTest(value=bad):
                with self.assertRaises(ValueError):
                    parse_cell_date(bad)


@tagged("post_install", "-at_install")
class TestFileShapes(TransactionCase):
    """Pure parsing too, but its messages are read as the user reads them,
    in the user's language: that needs an environment."""

    def test_header_found_below_a_title_without_accents_and_semicolons(self):
        content = (
            "Reporte de CIPs pagados;;;;\r\n"
            "Servicio 1234;;;;\r\n"
            "CIP;NRO ORD COMERCIO;Monto;ESTADO;FEC CANCELACION\r\n"
            "10092759;S00042-1;1.234,50;Cancelado;31/12/2026 23:30:00\r\n"
            "10092760;S00043-1;10,00;Expirado;\r\n"
        ).encode("cp1252")
        parsed = parse(content, "r.csv")
        self.assertEqual(parsed.skipped_rows, 1)
        (row,) = parsed.rows
        self.assertEqual(
            (row.row, row.cip, row.gross), (4, "10092759", Decimal("1234.50"))
        )
        self.assertEqual(row.currency, "")  # the file does not say; Odoo fills it
        self.assertEqual(str(row.date), "2027-01-01 04:30:00")

    def test_semicolon_csv_whose_title_lines_have_no_semicolon(self):
        content = (
            "Reporte de CIPs pagados\r\n"
            "Del 01/03/2026 al 31/03/2026, generado el 01/04/2026 08:00\r\n"
            "CIP;Nro.Ord.Comercio;Monto;Estado;Fec.Cancelación\r\n"
            "10092759;S00042-1;1.234,50;Cancelado;02/03/2026 10:15:00\r\n"
            "10092761;S00044-1;99,90;Cancelado;02/03/2026 11:00:00\r\n"
        ).encode()
        parsed = parse(content, "pagados.csv")
        self.assertEqual(
            [(row.row, row.cip, row.gross) for row in parsed.rows],
            [(4, "10092759", Decimal("1234.50")), (5, "10092761", Decimal("99.90"))],
        )

    def test_title_block_totals_and_record_count_are_left_out(self):
        content = (
            "PagoEfectivo - CIPs\r\n"
            "Servicio: Tienda (1234)\r\n"
            "\r\n"
            "CIP;Nro.Ord.Comercio;Monto;Estado;Fec.Cancelación\r\n"
            "10092759;S00042-1;1.234,50;Cancelado;02/03/2026 10:15:00\r\n"
            "10092760;S00043-1;10,00;Expirado;\r\n"
            "10092761;S00044-1;99,90;Cancelado;02/03/2026 11:00:00\r\n"
            "\r\n"
            "Total;;1.344,40;;\r\n"
            "Total de registros: 3;;;;\r\n"
        ).encode()
        parsed = parse(content, "pagados.csv")
        self.assertEqual([row.cip for row in parsed.rows], ["10092759", "10092761"])
        self.assertEqual(parsed.skipped_rows, 1, "only the unpaid CIP is ignored")

        settlement = (
            "Liquidación PagoEfectivo\r\n"
            "Tipo,Fecha Operación,CIP,Moneda,Monto Bruto,Comisión,IGV Comisión,"
            "Monto Neto\r\n"
            "PAGO,02/03/2026 10:15:00,10092759,PEN,100.00,2.50,0.45,97.05\r\n"
            "DEVOLUCION,02/03/2026 12:00,10092759,PEN,(10.00),,,10.00-\r\n"
            "DEPOSITO,03/03/2026 00:00:00,,PEN,100.00,2.50,0.45,87.05\r\n"
            "TOTAL GENERAL,,,,100.00,2.50,0.45,87.05\r\n"
            "Cantidad de operaciones: 3\r\n"
        ).encode()
        parsed = parse(settlement, "liquidacion.csv", SETTLEMENT_SPEC)
        self.assertEqual(
            [(row.kind, row.gross, row.net) for row in parsed.rows],
            [
                (PAYMENT, Decimal("100.00"), Decimal("97.05")),
                (REFUND, Decimal("-10.00"), Decimal("-10.00")),
                (DEPOSIT, Decimal("100.00"), Decimal("87.05")),
            ],
        )

    def test_negative_payment_is_refused_in_every_notation(self):
        for amount in ("-10.00", "10.00-", "(10.00)"):
            with self.subTest(amount=amount):
                content = (
                    "CIP,Monto,Estado,Fec.Cancelación\r\n"
                    "1,2.00,Cancelado,02/03/2026 10:00:00\r\n"
                    '2,"%s",Cancelado,02/03/2026 10:00:00\r\n' % amount
                ).encode()
                error = rejection(content, "pagados.csv")
                self.assertEqual((error.row, error.column), (3, "Monto"))
                self.assertEqual(
                    str(error.problem), "A payment must be positive, not -10.00."
                )

    def test_more_than_two_decimals_is_refused(self):
        content = (
            b"CIP,Monto,Estado,Fec.Cancelacion\r\n"
            b"1,2.0051,Cancelado,01/02/2026 10:00:00\r\n"
        )
        error = rejection(content, "r.csv")
        self.assertEqual((error.row, error.column), (2, "Monto"))
        self.assertEqual(str(error.problem), "2.0051 has more than 2 decimals.")

    def test_spreadsheet_float_noise_is_rounded_a_third_decimal_refused(self):
        rows = [
            PAID_HEADER,
            [10092759, "S00042-1", 10.1, "Cancelado", "02/03/2026 10:15:00"],
            [10092760, "S00043-1", 3.3, "Cancelado", "02/03/2026 10:16:00"],
        ]
        content = xlsx(("CIPs", rows), stored=STORED_AS_EXCEL_DOES)
        parsed = parse(content, "pagados.xlsx")
        self.assertEqual(
            [(row.cip, row.gross) for row in parsed.rows],
            [("10092759", Decimal("10.10")), ("10092760", Decimal("3.30"))],
        )

        rows.append([10092761, "S00044-1", 10.005, "Cancelado", "02/03/2026 11:00"])
        error = rejection(xlsx(("CIPs", rows)), "pagados.xlsx")
        self.assertEqual((error.sheet, error.row, error.column), (None, 4, "Monto"))
        self.assertEqual(str(error.problem), "10.005 has more than 2 decimals.")

    def test_dates_with_or_without_seconds_iso_and_serial(self):
        content = (
            "CIP,Monto,Estado,Fec.Cancelación\r\n"
            "1,10.00,Cancelado,02/03/2026 10:30:00\r\n"
            "2,10.00,Cancelado,02/03/2026 10:30\r\n"
            "3,10.00,Cancelado,2026-03-02 10:30:00\r\n"
            "4,10.00,Cancelado,46083.4375\r\n"
        ).encode()
        parsed = parse(content, "pagados.csv")
        self.assertEqual(
            {str(row.date) for row in parsed.rows}, {"2026-03-02 15:30:00"}
        )

        book = xlsx(
            (
                "CIPs",
                [
                    PAID_HEADER,
                    [5, "S5", 10.0, "Cancelado", SERIAL_2026_03_02_1030],
                    [6, "S6", 10.0, "Cancelado", datetime(2026, 3, 2, 10, 30)],
                ],
            )
        )
        parsed = parse(book, "pagados.xlsx")
        self.assertEqual(
            {str(row.date) for row in parsed.rows}, {"2026-03-02 15:30:00"}
        )

        content = b"CIP,Monto,Estado,Fec.Cancelacion\r\n7,1.00,Cancelado,2/3/26\r\n"
        error = rejection(content, "pagados.csv")
        self.assertEqual((error.row, error.column), (2, "Fec.Cancelacion"))
        self.assertIn("'2/3/26' is not a date", str(error.problem))
        self.assertIn("date format on the mapping profile", str(error.problem))

    def test_profile_date_format(self):
        spec = replace(PAID_SPEC, date_format="%m/%d/%Y %I:%M %p")
        content = (
            "CIP,Monto,Estado,Fec.Cancelación\r\n"
            "1,10.00,Cancelado,03/02/2026 10:30 PM\r\n"
        ).encode()
        (row,) = parse(content, "us.csv", spec).rows
        self.assertEqual(str(row.date), "2026-03-03 03:30:00")

        content += b"2,10.00,Cancelado,02/03/2026 22:30:00\r\n"
        error = rejection(content, "us.csv", spec)
        self.assertEqual((error.row, error.column), (3, "Fec.Cancelación"))
        self.assertEqual(
            str(error.problem),
            "'02/03/2026 22:30:00' is not a date in the profile's date format "
            "%m/%d/%Y %I:%M %p.",
        )

    def test_the_sheet_whose_header_matches_is_read(self):
        summary = [["Resumen del periodo"], ["Total pagado", 20.1]]
        detail = [
            ["Detalle de CIPs pagados"],
            PAID_HEADER,
            [10092759, "S00042-1", 10.1, "Cancelado", "02/03/2026 10:15:00"],
            [10092760, "S00043-1", 10.0, "Cancelado", "02/03/2026 10:16:00"],
        ]
        content = xlsx(("Resumen", summary), ("Detalle", detail))
        parsed = parse(content, "pagados.xlsx")
        self.assertEqual([row.row for row in parsed.rows], [3, 4])
        self.assertEqual(
            [row.gross for row in parsed.rows], [Decimal("10.10"), Decimal("10.00")]
        )

        detail[3][2] = "diez"
        error = rejection(xlsx(("Resumen", summary), ("Detalle", detail)), "p.xlsx")
        self.assertEqual(
            (error.sheet, error.row, error.column), ("Detalle", 4, "Monto")
        )
        self.assertEqual(str(error.problem), "'diez' is not an amount.")

        error = rejection(xlsx(("Resumen", summary), ("Otra", summary)), "p.xlsx")
        self.assertIn("of any sheet (“Resumen”, “Otra”)", str(error.problem))

    def test_xls_is_refused_with_what_to_do(self):
        ole2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504
        for content, filename in ((ole2, "reporte.xls"), (b"CIP\tMonto\r\n", "r.XLS")):
            with self.subTest(filename=filename):
                error = rejection(content, filename)
                self.assertEqual(str(error.problem), XLS_MESSAGE)
        # An XLSX workbook saved under a .xls name is read as what it is.
        book = xlsx(
            ("CIPs", [PAID_HEADER, [1, "S1", 5.0, "Cancelado", "02/03/2026 10:00"]])
        )
        self.assertEqual(len(parse(book, "pagados.xls").rows), 1)


@tagged("post_install", "-at_install")
class TestProfileOptions(TransactionCase):
    def test_date_format_must_be_strftime_codes(self):
        profile = self.env.ref("pagoefectivo_reconcile.profile_paid_report")
        profile.date_format = "%m/%d/%Y %H:%M"
        self.assertEqual(profile._spec().date_format, "%m/%d/%Y %H:%M")
        for bad in ("dd/mm/yyyy", "%H:%M"):
            with self.subTest(date_format=bad):
                with self.assertRaises(ValidationError) as caught:
                    profile.date_format = bad
                self.assertIn("is not a date format", str(caught.exception))

    def test_file_errors_name_the_file_sheet_row_column_and_value(self):
        Import = self.env["pagoefectivo.import"]
        with self.assertRaises(UserError) as caught:
            Import._import_file(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "reporte.xls")
        self.assertEqual(str(caught.exception), "reporte.xls: " + XLS_MESSAGE)

        detail = [
            PAID_HEADER,
            [10092759, "S00042-1", 10.1, "Cancelado", "02/03/2026 10:15:00"],
            [10092760, "S00043-1", 10.005, "Cancelado", "02/03/2026 10:16:00"],
        ]
        content = xlsx(("Resumen", [["Resumen"]]), ("Detalle", detail))
        with self.assertRaises(UserError) as caught:
            Import._import_file(content, "pagados.xlsx")
        self.assertEqual(
            str(caught.exception),
            "pagados.xlsx, sheet “Detalle”, row 3, column “Monto”: "
            "10.005 has more than 2 decimals.",
        )


@tagged("post_install", "-at_install")
class TestPortalShapesImport(PagoEfectivoReconcileCommon):
    def _ops(self, record):
        return {op.cip: op for op in record.operation_ids}

    def test_semicolon_csv_with_title_and_footer_is_imported(self):
        first, second = self._transaction(1234.50), self._transaction(99.90)
        content = (
            "Reporte de CIPs pagados\r\n"
            "Del 01/03/2026 al 31/03/2026, generado el 01/04/2026 08:00\r\n"
            "\r\n"
            "CIP;Nro.Ord.Comercio;Monto;Estado;Fec.Cancelación\r\n"
            f"{first.provider_reference};{first.reference};1.234,50;Cancelado;"
            "02/03/2026 10:15\r\n"
            "99999998;S-OTHER;10,00;Expirado;\r\n"
            f"{second.provider_reference};{second.reference};99,90;Cancelado;"
            "2026-03-02 11:00:00\r\n"
            "\r\n"
            "Total;;1.344,40;;\r\n"
            "Total de registros: 3;;;;\r\n"
        ).encode()
        record = self._import(content, "pagados.csv")
        self.assertEqual(record.file_kind, "paid")
        self.assertEqual(
            (record.created_count, record.ignored_count, record.exception_count),
            (2, 1, 0),
        )
        self.assertTrue(self._outstanding(first).reconciled)
        self.assertTrue(self._outstanding(second).reconciled)
        ops = self._ops(record)
        self.assertEqual(str(ops[first.provider_reference].date), "2026-03-02 15:15:00")
        self.assertEqual(ops[second.provider_reference].file_row, 7)

    def test_workbook_with_noisy_amounts_on_its_second_sheet_is_reconciled(self):
        first, second = self._transaction(10.10), self._transaction(3.30)
        detail = [
            ["CIPs pagados"],
            PAID_HEADER,
            [
                int(first.provider_reference),
                first.reference,
                10.1,
                "Cancelado",
                datetime(2026, 3, 2, 10, 30),
            ],
            [
                int(second.provider_reference),
                second.reference,
                3.3,
                "Cancelado",
                SERIAL_2026_03_02_1030,
            ],
        ]
        content = xlsx(
            ("Resumen", [["Resumen"], ["Total", 13.4]]),
            ("Detalle", detail),
            stored=STORED_AS_EXCEL_DOES,
        )
        record = self._import(content, "pagados.xlsx")
        self.assertEqual((record.created_count, record.exception_count), (2, 0))
        ops = self._ops(record)
        self.assertEqual(
            [
                (ops[tx.provider_reference].gross, str(ops[tx.provider_reference].date))
                for tx in (first, second)
            ],
            [(10.10, "2026-03-02 15:30:00"), (3.30, "2026-03-02 15:30:00")],
        )
        self.assertTrue(self._outstanding(first).reconciled)
        self.assertTrue(self._outstanding(second).reconciled)

    def test_profile_date_format_reads_month_first_dates(self):
        profile = self.env.ref("pagoefectivo_reconcile.profile_paid_report")
        profile.date_format = "%m/%d/%Y %I:%M %p"
        tx = self._transaction(25.0)
        content = (
            "CIP,Nro.Ord.Comercio,Monto,Estado,Fec.Cancelación\r\n"
            f"{tx.provider_reference},{tx.reference},25.00,Cancelado,"
            "03/02/2026 10:30 PM\r\n"
        ).encode()
        record = self._import(content, "us.csv", profile)
        (op,) = record.operation_ids
        self.assertEqual(str(op.date), "2026-03-03 03:30:00")
        self.assertEqual(str(op.local_date), "2026-03-02")
        self.assertTrue(self._outstanding(tx).reconciled)
