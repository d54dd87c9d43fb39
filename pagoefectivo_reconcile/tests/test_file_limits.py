import io
import zipfile
from decimal import Decimal
from unittest.mock import patch

from odoo.exceptions import UserError
from odoo.tests import TransactionCase, tagged
from odoo.tools import mute_logger

from ..tools import table_reader
from .common import PagoEfectivoReconcileCommon
from .test_file_parsing import PAID_HEADER, parse, rejection, xlsx

CRON_LOGGER = "odoo.addons.pagoefectivo_reconcile.models.pagoefectivo_import_cron"
HEADER = "CIP,Monto,Estado,Fec.Cancelación\r\n"
ROW = '%s,"%s",Cancelado,02/03/2026 10:00:00\r\n'


def paid_csv(*amounts):
    return (HEADER + "".join(ROW % (i + 1, a) for i, a in enumerate(amounts))).encode()


def damaged_xlsx():
    """A workbook whose worksheet's compressed data is garbled: reading it
    raises zlib.error inside openpyxl."""
    content = xlsx(("CIPs", [PAID_HEADER] + [[1, "S1", 5.0, "Cancelado", "x"]] * 50))
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        sheet = archive.getinfo("xl/worksheets/sheet1.xml")
    start = sheet.header_offset + 30 + len(sheet.filename) + 10
    garbled = bytearray(content)
    for index in range(start, start + 40):
        garbled[index] ^= 0x55
    return bytes(garbled)


def inflating_xlsx(size):
    """A small workbook with a part of `size` bytes once uncompressed."""
    out = io.BytesIO(xlsx(("CIPs", [PAID_HEADER])))
    with zipfile.ZipFile(out, "a", zipfile.ZIP_DEFLATED) as archive:
        with archive.open("xl/media/padding.bin", "w", force_zip64=True) as part:
            chunk = b"\0" * (1024 * 1024)
            for _ in range(size // len(chunk) + 1):
                part.write(chunk)
    return out.getvalue()


@tagged("post_install", "-at_install")
class TestAmbiguousAmounts(TransactionCase):
    """'1,234' or '10.005': one separator before three digits is read as the
    column's other amounts show it, else refused; never guessed."""

    def test_the_column_decides(self):
        rows = parse(paid_csv("1,234", "10.50", "7"), "pagados.csv").rows
        self.assertEqual(
            [row.gross for row in rows], [Decimal("1234"), Decimal("10.50"), 7]
        )
        rows = parse(paid_csv("1.234", "12,50"), "pagados.csv").rows
        self.assertEqual(
            [row.gross for row in rows], [Decimal("1234"), Decimal("12.50")]
        )
        # A decimal point elsewhere: 10.005 has three decimals, not 10005.
        error = rejection(paid_csv("10.50", "10.005"), "pagados.csv")
        self.assertEqual((error.row, error.column), (3, "Monto"))
        self.assertEqual(str(error.problem), "10.005 has more than 2 decimals.")
        # Thousands commas elsewhere say the same.
        error = rejection(paid_csv("1,234,567.00", "10.005"), "pagados.csv")
        self.assertEqual(str(error.problem), "10.005 has more than 2 decimals.")

    def test_a_column_that_does_not_say_is_refused_naming_the_cell(self):
        Import = self.env["pagoefectivo.import"]
        cases = {
            # Nothing else in the column has a separator.
            ("10.005", "7"): "'10.005' may be 10005 or 10.005, and no other amount "
            "of this column shows whether “.” separates",
            # The others disagree.
            ("1,234", "12,50", "10.50"): "'1,234' may be 1234 or 1.234, and no "
            "other amount of this column shows whether “,” separates",
        }
        for amounts, problem in cases.items():
            with self.subTest(amounts=amounts), self.assertRaises(UserError) as caught:
                Import._import_file(paid_csv(*amounts), "pagados.csv")
            self.assertEqual(
                str(caught.exception),
                "pagados.csv, row 2, column “Monto”: %s thousands or decimals: "
                "set the Decimal Separator of the mapping profile." % problem,
            )
        profile = self.env.ref("pagoefectivo_reconcile.profile_paid_report")
        profile.decimal_separator = "point"
        (row,) = parse(paid_csv("1,234"), "p.csv", profile._spec()).rows
        self.assertEqual(row.gross, Decimal("1234"))


@tagged("post_install", "-at_install")
class TestDamagedFiles(TransactionCase):
    """A damaged, binary or oversized file is refused naming the file and what
    is wrong, never with an error the user cannot read."""

    def assertRefused(self, content, filename, *phrases):
        with self.assertRaises(UserError) as caught:
            self.env["pagoefectivo.import"]._import_file(content, filename)
        message = str(caught.exception)
        self.assertTrue(message.startswith(filename), message)
        for phrase in phrases:
            self.assertIn(phrase, message)

    def test_damaged_workbooks(self):
        good = xlsx(("CIPs", [PAID_HEADER, [1, "S1", 5.0, "Cancelado", "x"]]))
        self.assertRefused(
            damaged_xlsx(), "danado.xlsx", "Not a readable XLSX workbook", "Error -3"
        )
        self.assertRefused(good[: len(good) // 2], "cortado.xlsx", "File is not a zip")
        self.assertRefused(b"PK\x03\x04" + b"\0" * 200, "vacio.xlsx", "Not a readable")

    def test_binary_and_undecodable_text(self):
        content = paid_csv("10.00") + b"2,\0\0\0,Cancelado\r\n"
        self.assertRefused(content, "binario.csv", "binario.csv, row 3:", "NUL")
        self.assertRefused(
            b"CIP,Monto\r\n\x81\x8d,1\r\n", "raro.csv", "neither UTF-8 nor Windows-1252"
        )

    def test_size_and_row_limits(self):
        limit = table_reader.MAX_FILE_BYTES
        self.assertRefused(
            b"CIP" + b" " * limit, "enorme.csv", "more than the 64.0 MB an import reads"
        )
        self.assertRefused(
            inflating_xlsx(table_reader.MAX_XLSX_BYTES),
            "bomba.xlsx",
            "holds 513.0 MB once uncompressed, more than the 512.0 MB",
        )
        rows = table_reader.MAX_ROWS
        self.assertRefused(
            paid_csv(*["1.00"] * rows), "largo.csv", "more than %s rows" % rows
        )
        with patch.object(table_reader, "MAX_ROWS", 20):
            content = xlsx(
                ("CIPs", [PAID_HEADER] + [[1, "S", 1.0, "Cancelado", ""]] * 20)
            )
            self.assertRefused(content, "largo.xlsx", "more than 20 rows")


@tagged("post_install", "-at_install")
class TestJournalFilesKeepGoing(PagoEfectivoReconcileCommon):
    """One bad attachment on a clearing journal is kept there with a note; the
    scheduled import goes on with the next files, now and in later runs."""

    def _attach(self, journal, name, content):
        return self.env["ir.attachment"].create(
            {
                "name": name,
                "raw": content,
                "res_model": "account.journal",
                "res_id": journal.id,
            }
        )

    def test_bad_files_are_noted_and_the_next_ones_imported(self):
        journal = self.env["account.journal"]._pagoefectivo_journal(
            self.env.company, self.env.company.currency_id
        )
        tx = self._transaction(21.0)
        damaged = self._attach(journal, "danado.xlsx", damaged_xlsx())
        binary = self._attach(journal, "binario.csv", b"CIP,Monto\r\n\0\0\0\r\n")
        boom = self._attach(journal, "boom.csv", paid_csv("5.00"))
        good = self._attach(
            journal,
            "liq.csv",
            self._settlement([self._cip(tx, self.lima(2026, 5, 4, 10))]),
        )
        Import = type(self.env["pagoefectivo.import"])
        real_import = Import._import_file

        def import_file(records, content, filename, *args, **kwargs):
            if filename == "boom.csv":
                raise RuntimeError("a bug, not the file")
            return real_import(records, content, filename, *args, **kwargs)

        with (
            patch.object(Import, "_import_file", import_file),
            mute_logger(CRON_LOGGER),
        ):
            self.env["pagoefectivo.import"]._cron_import_journal_files()
        self._process_imports()

        record = self.env["pagoefectivo.import"].search(
            [("checksum", "=", good.checksum)]
        )
        self.assertEqual(record.state, "done")
        self.assertTrue(self._outstanding(tx).reconciled)
        notes = "\n".join(journal.message_ids.mapped("body"))
        for attachment, reason in (
            (damaged, "Not a readable XLSX workbook"),
            (binary, "NUL"),
            (boom, "a bug, not the file"),
        ):
            self.assertTrue(attachment.exists())
            self.assertEqual(attachment.description, "PagoEfectivo: rejected")
            self.assertIn("%s was not imported" % attachment.name, notes)
            self.assertIn(reason, notes)

        count = len(journal.message_ids)
        self.env["pagoefectivo.import"]._cron_import_journal_files()
        self.assertEqual(len(journal.message_ids), count, "not retried")
