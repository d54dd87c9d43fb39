import json
from datetime import timedelta
from unittest.mock import patch

from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import PagoEfectivoReconcileCommon

CRON_LOGGER = "odoo.addons.pagoefectivo_reconcile.models.pagoefectivo_import_cron"
SANDBOX = "https://pre1a.services.pagoefectivo.pe/v1"
ALLOWED = "reportes@pagoefectivo.example"
TREASURY = "tesoreria@example.com"


@tagged("post_install", "-at_install")
class TestCipTrust(PagoEfectivoReconcileCommon):
    """Which transaction and which row a paid CIP is, and what PagoEfectivo
    must vouch for before a file moves money."""

    def _clearing(self):
        return self.env["account.journal"]._pagoefectivo_journal(
            self.env.company, self.env.company.currency_id
        )

    def _op(self, record, cip, kind="payment"):
        return record.operation_ids.filtered(
            lambda op: op.cip == cip and op.kind == kind
        )

    # === WHICH TRANSACTION === #

    def test_a_production_file_never_takes_a_sandbox_transaction(self):
        # Vouchers issued while the provider was in test mode, then one in
        # production whose CIP number a sandbox one already had.
        sandbox_tx = self._transaction(50.0)
        sandbox_only = self._transaction(51.0)
        (sandbox_tx | sandbox_only).write(
            {"pagoefectivo_environment": "test", "pagoefectivo_api_base": SANDBOX}
        )
        self.provider.state = "enabled"
        live_tx = self._transaction(50.0)
        live_tx.write(
            {
                "provider_reference": sandbox_tx.provider_reference,
                "pagoefectivo_environment": "enabled",
                "pagoefectivo_api_base": self.provider._pagoefectivo_api_base(),
            }
        )
        paid_at = self.lima(2026, 8, 10, 10)
        record = self._import(
            self._settlement(
                [self._cip(live_tx, paid_at), self._cip(sandbox_only, paid_at)]
            )
        )
        op = self._op(record, live_tx.provider_reference)
        self.assertEqual((op.state, op.transaction_id), ("reconciled", live_tx))
        self.assertTrue(self._outstanding(live_tx).reconciled)
        self.assertFalse(self._outstanding(sandbox_tx).reconciled)
        # No production transaction has it, and production PagoEfectivo does
        # not vouch for it: unverified, never settled.
        op = self._op(record, sandbox_only.provider_reference)
        self.assertEqual((op.reason, op.transaction_id.id), ("unverified", False))
        self.assertFalse(self._outstanding(sandbox_only).reconciled)

    def test_of_two_transactions_with_one_cip_the_paid_one(self):
        cancelled = self._transaction(30.0, state="pending")
        cancelled._set_canceled()
        paid = self._transaction(30.0)
        paid.provider_reference = cancelled.provider_reference
        record = self._import(
            self._settlement([self._cip(paid, self.lima(2026, 8, 11, 10))])
        )
        op = self._op(record, paid.provider_reference)
        self.assertEqual((op.state, op.transaction_id), ("reconciled", paid))
        self.assertTrue(self._outstanding(paid).reconciled)

    # === WHICH ROW === #

    def test_the_row_for_the_transactions_amount_is_the_genuine_one(self):
        tx = self._transaction(60.0)
        paid_at = self.lima(2026, 8, 12, 10)
        record = self._import(
            self._settlement(
                [
                    self._cip(tx, paid_at, amount=6.0),  # first, and wrong
                    self._cip(tx, paid_at + timedelta(hours=1)),
                ]
            )
        )
        ops = record.operation_ids.filtered(lambda op: op.kind == "payment")
        wrong = ops.filtered(lambda op: op.gross == 6.0)
        right = ops - wrong
        self.assertLess(wrong.file_row, right.file_row)
        self.assertEqual((right.state, right.transaction_id), ("reconciled", tx))
        self.assertTrue(self._outstanding(tx).reconciled)
        self.assertEqual((wrong.state, wrong.reason), ("exception", "duplicate"))

    # === REFUNDS === #

    def test_a_refund_settles_a_credit_note_only_when_pagoefectivo_vouches(self):
        def credit_note(amount):
            return self.init_invoice(
                "out_refund",
                partner=self.partner_a,
                amounts=[amount],
                post=True,
                taxes=self.env["account.tax"],
            )

        vouched = self._paid_at_pagoefectivo(self._transaction(80.0))
        unknown = self._transaction(70.0)  # PagoEfectivo never saw its CIP
        overdrawn = self._paid_at_pagoefectivo(self._transaction(25.0))
        notes = {
            tx: credit_note(amount) for tx, amount in ((vouched, 20.0), (unknown, 15.0))
        }
        vouched.action_refund(amount_to_refund=20.0)
        paid_at = self.lima(2026, 8, 13, 10)
        later = paid_at + timedelta(hours=3)
        record = self._import(
            self._settlement(
                [
                    self._cip(vouched, paid_at, refunds=[(later, 20.0)]),
                    self._cip(unknown, paid_at, refunds=[(later, 15.0)]),
                    self._cip(
                        overdrawn,
                        paid_at,
                        refunds=[(later, 10.0), (later + timedelta(hours=1), 20.0)],
                    ),
                ]
            )
        )
        refund = self._op(record, vouched.provider_reference, "refund")
        self.assertEqual(refund.state, "reconciled")
        self.assertEqual(notes[vouched].payment_state, "paid")

        refund = self._op(record, unknown.provider_reference, "refund")
        self.assertEqual((refund.state, refund.reason), ("exception", "unverified"))
        self.assertIn(
            "does not return CIP %s" % unknown.provider_reference, refund.note
        )
        self.assertEqual(notes[unknown].payment_state, "not_paid")
        self.assertFalse(refund.statement_line_id.is_reconciled)

        refunds = self._op(record, overdrawn.provider_reference, "refund")
        self.assertEqual(len(refunds), 2)
        self.assertEqual(set(refunds.mapped("reason")), {"unverified"})
        self.assertIn("does not cover the", refunds[0].note)
        self.assertIn("30.00", refunds[0].note)

    # === ONE PAYMENT, APPLIED ONCE === #

    def test_a_transaction_someone_else_is_processing_is_left_to_them(self):
        tx = self._issued_transaction(55.0)
        self.emulator.pay(tx.provider_reference)
        Provider = type(self.env["payment.provider"])
        content = self._settlement([self._cip(tx, self.lima(2026, 8, 14, 10))])
        # A webhook (or the recovery job) holds the transaction's row: the
        # shared lock of the recovery search skips it.
        with patch.object(
            Provider, "_pagoefectivo_lock_for_recovery", lambda self, txs: txs.browse()
        ):
            record = self._import(content)
        op = self._op(record, tx.provider_reference)
        self.assertEqual((op.state, op.reason), ("exception", "unverified"))
        self.assertIn("right now", op.note)
        self.assertEqual(tx.state, "pending")
        self.assertFalse(tx.pagoefectivo_notification_ids)

        op.action_reconcile()  # Reconcile Again, once it is released
        self.assertEqual((op.state, tx.state), ("reconciled", "done"))
        self.env["payment.provider"]._cron_pagoefectivo_recover()
        notification = tx.pagoefectivo_notification_ids
        self.assertEqual(len(notification), 1, "applied once")
        self.assertEqual(json.loads(notification.body)["eventType"], "cip.paid")

    # === FILES BY EMAIL === #

    def _email(self, journal, return_path, filename):
        tx = self._transaction(12.0)
        content = self._settlement([self._cip(tx, self.lima(2026, 8, 17, 10))])
        attachment = self._deliver_email(
            journal,
            "PagoEfectivo <%s>" % ALLOWED,
            content,
            filename,
            return_path=return_path,
        )
        return attachment, tx

    def test_an_email_whose_envelope_sender_is_another_address_is_kept(self):
        journal = self._clearing()
        journal.pagoefectivo_allowed_senders = "%s, %s" % (ALLOWED, TREASURY)
        forged, forged_tx = self._email(journal, "intruso@example.com", "a.csv")
        same, same_tx = self._email(journal, ALLOWED, "b.csv")
        forwarded, forwarded_tx = self._email(journal, TREASURY, "c.csv")

        self.assertEqual(forged.description, "PagoEfectivo: sender not allowed")
        note = journal.message_ids.filtered(lambda m: "a.csv was not" in str(m.body))
        self.assertIn("intruso@example.com", str(note.body))
        self.assertIn(ALLOWED, str(note.body))
        with mute_logger(CRON_LOGGER):
            self.env["pagoefectivo.import"]._cron_import_journal_files()
        self._process_imports()
        Import = self.env["pagoefectivo.import"]
        self.assertFalse(Import.search([("checksum", "=", forged.checksum)]))
        self.assertFalse(self._outstanding(forged_tx).reconciled)
        for attachment, tx in ((same, same_tx), (forwarded, forwarded_tx)):
            self.assertEqual(
                Import.search([("checksum", "=", attachment.checksum)]).source, "email"
            )
            self.assertTrue(self._outstanding(tx).reconciled)
