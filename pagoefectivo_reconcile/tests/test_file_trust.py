import base64
import json

from odoo.exceptions import ValidationError
from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import PagoEfectivoReconcileCommon

SEARCH_PATH = "/v1/cips/search"
MATCHING_LOGGER = (
    "odoo.addons.pagoefectivo_reconcile.models.pagoefectivo_operation_matching"
)
CRON_LOGGER = "odoo.addons.pagoefectivo_reconcile.models.pagoefectivo_import_cron"
API_LOGGER = "odoo.addons.pagoefectivo_payment.models.payment_provider_api"
ALLOWED = "reportes@pagoefectivo.example"


@tagged("post_install", "-at_install")
class TestFileTrust(PagoEfectivoReconcileCommon):
    """A file row never confirms a transaction by itself: PagoEfectivo's API
    does. And files by email come only from the journal's allowed senders."""

    def _clearing(self):
        return self.env["account.journal"]._pagoefectivo_journal(
            self.env.company, self.env.company.currency_id
        )

    def _paid_op(self, record, tx):
        return record.operation_ids.filtered(
            lambda op: op.kind == "payment" and op.cip == tx.provider_reference
        )

    def _notifications(self, cip):
        return self.env["pagoefectivo.notification"].search([("cip", "=", cip)])

    def _searches(self):
        return [call for call in self.emulator.api_calls if call["path"] == SEARCH_PATH]

    def assertNotConfirmed(self, tx, op, *phrases):
        self.assertEqual(tx.state, "pending")
        self.assertFalse(tx.payment_id)
        self.assertNotIn(tx.invoice_ids.payment_state, ("paid", "in_payment"))
        self.assertEqual((op.state, op.reason), ("exception", "unverified"))
        self.assertEqual(op.transaction_id, tx)
        self.assertIn("Not confirmed by PagoEfectivo", op.note)
        for phrase in phrases:
            self.assertIn(phrase, op.note)
        self.assertFalse(op.statement_line_id.is_reconciled)

    # === CONFIRMATION BY THE API === #

    def test_unpaid_or_unknown_cip_confirms_nothing(self):
        unpaid = self._issued_transaction(40.0)  # issued, never paid
        unknown = self._transaction(41.0, state="pending")  # PagoEfectivo never saw it
        paid_at = self.lima(2026, 4, 6, 10)
        record = self._import(
            self._settlement([self._cip(unpaid, paid_at), self._cip(unknown, paid_at)])
        )

        self.assertNotConfirmed(unpaid, self._paid_op(record, unpaid), "Generado")
        self.assertNotConfirmed(
            unknown, self._paid_op(record, unknown), "does not return"
        )
        for tx in unpaid | unknown:
            self.assertFalse(self._notifications(tx.provider_reference))
        # Both asked in one search.
        searches = self._searches()
        self.assertEqual(len(searches), 1)
        self.assertEqual(
            sorted(str(item["cip"]) for item in searches[0]["body"]["data"]),
            sorted((unpaid | unknown).mapped("provider_reference")),
        )

    def test_paid_for_another_amount_or_currency_is_not_confirmed(self):
        cheaper = self._issued_transaction(100.0, cip_amount=10.0)
        self.emulator.pay(cheaper.provider_reference)
        in_dollars = self._transaction(30.0, state="pending")
        cip = self.emulator.create_cip(
            {
                "currency": "USD",
                "amount": "30.00",
                "transactionCode": in_dollars.reference,
                "userEmail": "ana@example.com",
            }
        )
        in_dollars.provider_reference = str(cip["cip"])
        self.emulator.pay(cip["cip"])
        paid_at = self.lima(2026, 4, 7, 10)
        record = self._import(
            self._settlement(
                [self._cip(cheaper, paid_at), self._cip(in_dollars, paid_at)]
            )
        )

        self.assertNotConfirmed(
            cheaper, self._paid_op(record, cheaper), "paid 10.0 PEN there"
        )
        self.assertNotConfirmed(
            in_dollars, self._paid_op(record, in_dollars), "paid 30.0 USD there"
        )
        self.assertFalse(self._notifications(cheaper.provider_reference))

    def test_paid_cip_whose_notification_was_lost_is_confirmed(self):
        tx = self._issued_transaction(75.0)
        self.emulator.pay(tx.provider_reference, payment_date=self.lima(2026, 4, 8, 9))
        record = self._import(
            self._settlement([self._cip(tx, self.lima(2026, 4, 8, 15))])
        )

        self.assertEqual(tx.state, "done")
        self.assertTrue(tx.payment_id)
        self.assertTrue(self._outstanding(tx).reconciled)
        self.assertIn(tx.invoice_ids.payment_state, ("paid", "in_payment"))
        self.assertEqual(self._paid_op(record, tx).state, "reconciled")
        self.assertEqual(record.exception_count, 0)
        notification = self._notifications(tx.provider_reference)
        self.assertEqual(
            (notification.source, notification.state), ("recovery", "applied")
        )
        # What PagoEfectivo answered, not what the file said.
        answer = self.emulator.cips[int(tx.provider_reference)]
        data = json.loads(notification.body)["data"]
        self.assertEqual(data["paymentDate"], answer["datePayment"])
        self.assertEqual(str(notification.payment_date), "2026-04-08 14:00:00")

    def test_a_paid_cip_of_another_order_does_not_confirm_mine(self):
        """A file pairing my transaction code with a CIP someone else paid."""
        mine = self._transaction(50.0, state="pending")
        mine.provider_reference = False
        theirs = self.emulator.create_cip(
            {
                "currency": "PEN",
                "amount": "50.00",
                "transactionCode": "SOMEONE-ELSE",
                "userEmail": "otra@example.com",
            }
        )
        self.emulator.pay(theirs["cip"])
        row = self._cip(mine, self.lima(2026, 4, 9, 10))
        row["cip"] = theirs["cip"]
        record = self._import(self._settlement([row]))
        op = record.operation_ids.filtered(lambda o: o.kind == "payment")
        self.assertEqual(op.transaction_id, mine)
        self.assertEqual((op.state, op.reason), ("exception", "unverified"))
        self.assertIn("SOMEONE-ELSE", op.note)
        self.assertEqual(mine.state, "pending")
        self.assertFalse(mine.provider_reference)

    def test_pagoefectivo_down_then_reconcile_again(self):
        tx = self._issued_transaction(60.0)
        self.emulator.pay(tx.provider_reference)
        self.emulator.set_faults(
            api_errors=[{"path_prefix": "/v1/", "status": 503, "times": 100}]
        )
        with mute_logger(MATCHING_LOGGER, API_LOGGER):
            record = self._import(
                self._settlement([self._cip(tx, self.lima(2026, 4, 10, 10))])
            )
        op = self._paid_op(record, tx)
        self.assertNotConfirmed(tx, op, "could not be asked", "503")

        self.emulator.clear_faults()
        op.action_reconcile()  # Reconcile Again
        self.assertEqual((op.state, op.reason), ("reconciled", False))
        self.assertEqual(tx.state, "done")
        self.assertTrue(tx.payment_id)
        self.assertTrue(self._outstanding(tx).reconciled)
        self.assertTrue(op.statement_line_id.is_reconciled)
        self.assertAlmostEqual(self._balance(self._clearing()), 0.0)

    # === FILES BY EMAIL === #

    def _email(self, journal, sender, content, filename="liquidacion.csv"):
        return self._deliver_email(journal, sender, content, filename)

    def _imports_of(self, attachment):
        return self.env["pagoefectivo.import"].search(
            [("checksum", "=", attachment.checksum)]
        )

    def test_email_from_an_unknown_sender_is_kept_not_imported(self):
        journal = self._clearing()
        journal.pagoefectivo_allowed_senders = ALLOWED
        tx = self._issued_transaction(33.0)
        content = self._settlement([self._cip(tx, self.lima(2026, 4, 13, 10))])
        attachment = self._email(journal, "Intruso <intruso@example.com>", content)
        self.assertTrue(attachment)

        with mute_logger(CRON_LOGGER):
            self.env["pagoefectivo.import"]._cron_import_journal_files()
        self.assertFalse(self._imports_of(attachment))
        self.assertFalse(
            self.env["pagoefectivo.operation"].search(
                [("cip", "=", tx.provider_reference)]
            )
        )
        self.assertEqual(tx.state, "pending")
        self.assertFalse(self._searches())  # nothing was even asked
        self.assertTrue(attachment.exists())
        self.assertEqual(attachment.description, "PagoEfectivo: sender not allowed")
        note = journal.message_ids[0]
        self.assertIn("intruso@example.com", note.body)
        self.assertIn("liquidacion.csv", note.body)
        self.assertIn("not imported", note.body)

        notes = len(journal.message_ids)
        self.env["pagoefectivo.import"]._cron_import_journal_files()
        self.assertEqual(len(journal.message_ids), notes)  # said once
        self.assertFalse(self._imports_of(attachment))

    def test_email_without_allowed_senders_is_not_imported(self):
        journal = self._clearing()
        tx = self._transaction(34.0)
        content = self._settlement([self._cip(tx, self.lima(2026, 4, 14, 10))])
        attachment = self._email(journal, ALLOWED, content)
        with mute_logger(CRON_LOGGER):
            self.env["pagoefectivo.import"]._cron_import_journal_files()
        self.assertFalse(self._imports_of(attachment))
        self.assertFalse(self._outstanding(tx).reconciled)

    def test_email_from_an_allowed_sender_is_imported_with_its_sender(self):
        journal = self._clearing()
        journal.pagoefectivo_allowed_senders = "tesoreria@example.com, " + ALLOWED
        tx = self._transaction(35.0)
        content = self._settlement([self._cip(tx, self.lima(2026, 4, 15, 10))])
        attachment = self._email(
            journal, "PagoEfectivo <Reportes@PagoEfectivo.example>", content
        )

        self.env["pagoefectivo.import"]._cron_import_journal_files()
        self._process_imports()
        record = self._imports_of(attachment)
        self.assertEqual(len(record), 1)
        self.assertEqual(record.source, "email")
        self.assertIn("Reportes@PagoEfectivo.example", record.source_detail)
        self.assertFalse(record.imported_by)
        self.assertEqual(record.matched_count, 2)
        self.assertTrue(self._outstanding(tx).reconciled)

        # Undone and deleted by the accountant: the file is never taken again.
        record.action_undo()
        record.unlink()
        self.env["pagoefectivo.import"]._cron_import_journal_files()
        self.assertFalse(self._imports_of(attachment))
        self.assertEqual(attachment.description, "PagoEfectivo: imported")

    def test_imports_record_who_brought_the_file(self):
        journal = self._clearing()
        by_hand, attached = self._transaction(36.0), self._transaction(37.0)
        wizard = self.env["pagoefectivo.import.wizard"].create(
            {
                "file": base64.b64encode(
                    self._settlement([self._cip(by_hand, self.lima(2026, 4, 16, 10))])
                ),
                "filename": "liq.csv",
            }
        )
        action = wizard.action_import()
        record = self.env["pagoefectivo.import"].browse(
            action["params"]["next"]["res_id"]
        )
        self.assertEqual(
            (record.source, record.imported_by, record.source_detail),
            ("user", self.env.user, False),
        )

        attachment = self.env["ir.attachment"].create(
            {
                "name": "liq2.csv",
                "raw": self._settlement(
                    [self._cip(attached, self.lima(2026, 4, 16, 11))]
                ),
                "res_model": "account.journal",
                "res_id": journal.id,
            }
        )
        self.env["pagoefectivo.import"]._cron_import_journal_files()
        record = self._imports_of(attachment)
        self.assertEqual(
            (record.source, record.imported_by), ("upload", attachment.create_uid)
        )

    def test_allowed_senders_must_be_email_addresses(self):
        journal = self._clearing()
        journal.pagoefectivo_allowed_senders = " %s ,tesoreria@example.com" % ALLOWED
        self.assertTrue(journal._pagoefectivo_sender_allowed("Tesoreria@Example.com"))
        self.assertFalse(journal._pagoefectivo_sender_allowed("otro@example.com"))
        self.assertFalse(
            journal._pagoefectivo_sender_allowed(
                "tesoreria@example.com, otro@example.com"
            )
        )
        with self.assertRaises(ValidationError):
            journal.pagoefectivo_allowed_senders = "tesoreria, %s" % ALLOWED

    def test_a_cip_pagoefectivo_never_saw_settles_no_invoice(self):
        tx = self._transaction(46.0, state="pending")  # an open invoice of 46.00
        row = self._cip(tx, self.lima(2026, 3, 6, 15))
        row["cip"], row["transactionCode"] = 99999999, "FORGED"
        record = self._import(self._settlement([row]))
        op = record.operation_ids.filtered(lambda o: o.cip == "99999999")
        self.assertEqual((op.state, op.reason), ("exception", "unverified"))
        self.assertIn("does not return CIP 99999999", op.note)
        self.assertFalse(op.candidate_line_ids)
        self.assertFalse(op.statement_line_id)
        self.assertNotEqual(tx.invoice_ids.payment_state, "paid")
