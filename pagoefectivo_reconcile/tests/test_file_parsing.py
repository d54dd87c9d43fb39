from decimal import Decimal

from odoo.tests import TransactionCase, tagged

from ..tools.amounts import DECIMAL_COMMA, parse_amount
from ..tools.file_format_error import FileFormatError
from ..tools.report_rows import PAID_REPORT, ProfileSpec, parse_rows
from ..tools.table_reader import read_table

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


@tagged("post_install", "-at_install")
class TestFileParsing(TransactionCase):
    def test_amounts_in_peruvian_and_english_notation(self):
        cases = {
            "S/ 1,234.50": Decimal("1234.50"),
            "1.234,50": Decimal("1234.50"),
            "1.234.567,89": Decimal("1234567.89"),
            "12,5": Decimal("12.5"),
            "1,234": Decimal("1234"),
            "(12.00)": Decimal("-12.00"),
            "US$ 10": Decimal("10"),
            22.05: Decimal("22.05"),
        }
        for text, expected in cases.items():
            self.assertEqual(parse_amount(text), expected, text)
        self.assertEqual(parse_amount("1,234", DECIMAL_COMMA), Decimal("1.234"))
        for bad in ("3O.00", "abc", "1-2"):
            with self.assertRaises(ValueError):
                parse_amount(bad)

    def test_header_found_below_a_title_without_accents_and_semicolons(self):
        content = (
            "Reporte de CIPs pagados;;;;\r\n"
            "Servicio 1234;;;;\r\n"
            "CIP;NRO ORD COMERCIO;Monto;ESTADO;FEC CANCELACION\r\n"
            "10092759;S00042-1;1.234,50;Cancelado;31/12/2026 23:30:00\r\n"
            "10092760;S00043-1;10,00;Expirado;\r\n"
        ).encode("cp1252")
        parsed = parse_rows(read_table(content, "r.csv"), PAID_SPEC, {"PEN"})
        self.assertEqual(parsed.skipped_rows, 1)
        (row,) = parsed.rows
        self.assertEqual(
            (row.row, row.cip, row.gross), (4, "10092759", Decimal("1234.50"))
        )
        self.assertEqual(row.currency, "")  # the file does not say; Odoo fills it
        self.assertEqual(str(row.date), "2027-01-01 04:30:00")

    def test_missing_column_is_named(self):
        content = b"CIP,Monto,Estado\r\n1,2.00,Cancelado\r\n"
        with self.assertRaises(FileFormatError) as caught:
            parse_rows(read_table(content, "r.csv"), PAID_SPEC, {"PEN"})
        self.assertIn("Fec.Cancelación", str(caught.exception.problem))

    def test_more_than_two_decimals_is_refused(self):
        content = (
            b"CIP,Monto,Estado,Fec.Cancelacion\r\n"
            b"1,2.0051,Cancelado,01/02/2026 10:00:00\r\n"
        )
        with self.assertRaises(FileFormatError) as caught:
            parse_rows(read_table(content, "r.csv"), PAID_SPEC, {"PEN"})
        self.assertEqual((caught.exception.row, caught.exception.column), (2, "Monto"))
