from unittest.mock import patch

from odoo.exceptions import UserError
from odoo.fields import Command
from odoo.tests import tagged
from odoo.tools import mute_logger

from ..models import pagoefectivo_import_job
from .common import PagoEfectivoReconcileCommon

ROWS = 5000
BATCH = 1000
JOB_LOGGER = "odoo.addons.pagoefectivo_reconcile.models.pagoefectivo_import_job"


@tagged("post_install", "-at_install")
class TestBackgroundImport(PagoEfectivoReconcileCommon):
    """A 5,000-row settlement: accepted at once, imported by the background job
    in batches, stopped and resumed without a duplicate or a half batch."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.txs = cls._paid_transactions(ROWS)

    @classmethod
    def _paid_transactions(cls, count):
        """Done transactions with posted payments, created in bulk (the per-record
        way would take minutes): draft payments, their entries posted at once,
        then linked in one update."""
        env = cls.env
        journal = cls.provider.journal_id
        partner = cls.partner_a
        currency = env.company.currency_id
        amounts = [10.0 + index % 90 for index in range(count)]
        payments = env["account.payment"].create(
            [
                {
                    "payment_type": "inbound",
                    "partner_type": "customer",
                    "partner_id": partner.id,
                    "amount": amount,
                    "journal_id": journal.id,
                    "date": "2026-08-03",
                    "memo": "BG-%s" % index,
                }
                for index, amount in enumerate(amounts)
            ]
        )
        outstanding = payments[:1].outstanding_account_id
        receivable = partner.with_company(env.company).property_account_receivable_id
        moves = env["account.move"].create(
            [
                {
                    "move_type": "entry",
                    "journal_id": journal.id,
                    "date": "2026-08-03",
                    "name": "%s/2026/%06d" % (journal.code, index + 1),
                    "partner_id": partner.id,
                    "origin_payment_id": payment.id,
                    "line_ids": [
                        Command.create(
                            {
                                "account_id": outstanding.id,
                                "debit": amount,
                                "partner_id": partner.id,
                            }
                        ),
                        Command.create(
                            {
                                "account_id": receivable.id,
                                "credit": amount,
                                "partner_id": partner.id,
                            }
                        ),
                    ],
                }
                for index, (payment, amount) in enumerate(
                    zip(payments, amounts, strict=True)
                )
            ]
        )
        moves.action_post()
        payments._write_multi(
            [{"move_id": move.id, "state": "in_process"} for move in moves]
        )
        payments.invalidate_recordset(["move_id", "state"])
        payments.modified(["move_id", "state"])
        method = env.ref("pagoefectivo_payment.payment_method_pagoefectivo")
        return (
            env["payment.transaction"]
            .sudo()
            .create(
                [
                    {
                        "provider_id": cls.provider.id,
                        "payment_method_id": method.id,
                        "amount": amount,
                        "currency_id": currency.id,
                        "partner_id": partner.id,
                        "reference": "BG-%s" % index,
                        "provider_reference": str(30000000 + index),
                        "operation": "online_redirect",
                        "state": "done",
                        "is_post_processed": True,
                        "payment_id": payment.id,
                    }
                    for index, (payment, amount) in enumerate(
                        zip(payments, amounts, strict=True)
                    )
                ]
            )
            .sudo(False)
        )

    def _operations(self):
        return self.env["pagoefectivo.operation"].search(
            [("cip", "in", self.txs.mapped("provider_reference"))]
        )

    def _run_batches(self, batches):
        """Run the job until the run's time is up after `batches` batches: the
        budget `_commit_progress` returns, not the clock."""
        budget = [float("inf")] * batches + [0.0]  # the first call reports the work
        Import = type(self.env["pagoefectivo.import"])
        with patch.object(Import, "_commit_import_progress", side_effect=budget):
            self._process_imports()

    def _assert_whole_batches(self, record, rows):
        """`rows` rows stored and booked, not one more: no half batch."""
        ops = self._operations()
        self.assertEqual(record.rows_done, rows)
        self.assertEqual(len(ops), rows)
        self.assertEqual(len(set(ops.mapped("unique_key"))), rows)
        self.assertTrue(all(op.state == "reconciled" for op in ops))
        self.assertEqual(set(ops.mapped("file_row")), set(range(2, rows + 2)))
        booked = sum(ops.statement_line_id.mapped("amount"))
        self.assertAlmostEqual(booked, sum(self.txs[:rows].mapped("amount")))

    @patch.object(pagoefectivo_import_job, "IMPORT_BATCH", BATCH)
    def test_big_file_in_batches_stopped_and_resumed(self):
        Import = self.env["pagoefectivo.import"]
        paid_at = self.lima(2026, 8, 3, 8)
        content = self._settlement([self._cip(tx, paid_at) for tx in self.txs])
        record = Import._import_file(content, "liquidacion_grande.csv")

        # Accepted at once: nothing imported yet, the job is triggered.
        self.assertEqual((record.state, record.row_count), ("queued", ROWS + 1))
        self.assertFalse(self._operations())
        self.assertEqual(record.progress, 0.0)
        self.assertIn("in the background", Import._message_for(record))
        cron = self.env.ref("pagoefectivo_reconcile.cron_process_imports")
        self.assertTrue(self.env["ir.cron.trigger"].search([("cron_id", "=", cron.id)]))

        # Called again once the run's time is up (ir.cron calls a job ten
        # times at least), the job does no step.
        self._run_batches(0)
        self.assertEqual((record.state, record.rows_done), ("queued", 0))

        # The run's time is up after two batches: they are done, whole.
        self._run_batches(2)
        self.assertEqual(record.state, "running")
        self._assert_whole_batches(record, 2 * BATCH)
        self.assertAlmostEqual(record.progress, 100.0 * 2 * BATCH / (ROWS + 1))
        self.assertEqual(
            (record.created_count, record.matched_count), (2 * BATCH, 2 * BATCH)
        )

        # The third batch fails: the clearing journal lost its transfer account.
        journal = self._operations().journal_id
        transfer = journal.pagoefectivo_transfer_account_id
        journal.pagoefectivo_transfer_account_id = False
        with mute_logger(JOB_LOGGER):
            self._process_imports()
        self.assertEqual(record.state, "failed")
        self.assertIn("Configure the journal", record.job_error)
        self.assertIn("Configure the journal", Import._message_for(record))
        self._assert_whole_batches(record, 2 * BATCH)  # the third left nothing
        # Nothing of a stopped file is booked until it is resumed: its
        # deposit and commissions wait for all its rows.
        for action in (record.action_reconcile, self._operations()[0].action_reconcile):
            with self.assertRaisesRegex(UserError, "Resume it in Imported Files"):
                action()
        self._assert_whole_batches(record, 2 * BATCH)

        # Fixed and resumed: it goes on from the third batch to the end.
        journal.pagoefectivo_transfer_account_id = transfer
        record.action_resume()
        self.assertEqual(record.state, "queued")
        self._process_imports()
        self.assertEqual(record.state, "done")
        self.assertEqual(record.progress, 100.0)
        self.assertFalse(record.rows_attachment_id)
        ops = self._operations()
        self.assertEqual(len(ops), ROWS)
        self.assertEqual(len(set(ops.mapped("unique_key"))), ROWS)
        self.assertEqual(record.created_count, ROWS + 1)  # and the deposit
        self.assertTrue(all(self._outstanding(tx).reconciled for tx in self.txs[:50]))
        self.assertAlmostEqual(self._balance(journal), 0.0)
        commissions = ops.commission_line_id
        self.assertEqual(len(commissions), 1)  # one line for the whole file

        # The counts on the list are stored, and right.
        listed = Import.search_read([("id", "=", record.id)], ["matched_count"])
        self.assertEqual(listed[0]["matched_count"], ROWS + 1)
        self.env.flush_all()
        self.env.cr.execute(
            "SELECT matched_count, exception_count FROM pagoefectivo_import "
            "WHERE id = %s",
            [record.id],
        )
        self.assertEqual(self.env.cr.fetchone(), (ROWS + 1, 0))
        op = ops[0]
        op.action_undo()  # kept up to date when an operation changes
        self.assertEqual(record.matched_count, ROWS)
        op.action_reconcile()
        self.assertEqual(record.matched_count, ROWS + 1)

        # The same file again: every row skipped at once, no job.
        again = Import._import_file(content, "liquidacion_grande.csv")
        self.assertEqual(again.state, "done")
        self.assertEqual((again.created_count, again.skipped_count), (0, ROWS + 1))
        self.assertFalse(again.rows_attachment_id)
        self.assertEqual(len(self._operations()), ROWS)
        self.assertIn(
            "already imported, skipped: %s;" % (ROWS + 1), Import._message_for(again)
        )

    def test_notification_says_how_it_ended(self):
        tx = self.txs[0]
        content = self._settlement([self._cip(tx, self.lima(2026, 8, 4, 9))])
        self.env["pagoefectivo.import"]._import_file(content, "uno.csv")
        with patch.object(type(self.env["res.users"]), "_bus_send") as sent:
            self._process_imports()
        sent.assert_called_once()
        kind, payload = sent.call_args.args
        self.assertEqual(kind, "simple_notification")
        self.assertEqual(payload["type"], "success")
        self.assertIn("Rows imported: 2;", payload["message"])
