import base64
from unittest.mock import patch

from odoo.exceptions import AccessError, UserError
from odoo.fields import Command
from odoo.tests import new_test_user, tagged

from ..models import pagoefectivo_import_job
from .common import PagoEfectivoReconcileCommon


@tagged("post_install", "-at_install")
class TestImportRights(PagoEfectivoReconcileCommon):
    """Who does what, after Odoo's accounting groups: billing users and
    auditors read files and operations; whoever books bank statement lines
    (the Basic accounting group, accountants included) imports, reconciles,
    undoes, accepts candidates and writes off within the tolerance;
    accounting administrators also write off beyond it, delete files and
    edit the mapping profiles. Nobody writes a file or an operation
    directly: only these actions do, once they checked who asks."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        company = cls.env.company

        def user(login, groups):
            return new_test_user(
                cls.env,
                login=login,
                groups=groups,
                company_id=company.id,
                company_ids=[Command.set(company.ids)],
            )

        cls.internal = user("pe_internal", "base.group_user")
        cls.billing = user("pe_billing", "account.group_account_invoice")
        cls.auditor = user("pe_auditor", "account.group_account_readonly")
        cls.basic = user("pe_basic", "account.group_account_basic")
        cls.accountant = user("pe_accountant", "account.group_account_user")
        cls.manager = user("pe_manager", "account.group_account_manager")
        cls.adviser = user(
            "pe_adviser", "account.group_account_user,account.group_account_manager"
        )
        cls.env["account.journal"]._pagoefectivo_journal(
            company, company.currency_id
        ).pagoefectivo_tolerance = 1.0

    def _file(self, *txs, hour=10):
        return self._settlement(
            [self._cip(tx, self.lima(2026, 6, 1, hour + i)) for i, tx in enumerate(txs)]
        )

    def _imported(self):
        """A settlement imported and reconciled: one clean CIP, one exception."""
        tx = self._transaction(40.0)
        stranger = self._transaction(41.0)
        row = self._cip(self._paid_elsewhere(41.0), self.lima(2026, 6, 1, 11))
        record = self._import(
            self._settlement([self._cip(tx, self.lima(2026, 6, 1, 10)), row])
        )
        ops = record.operation_ids
        clean = ops.filtered(lambda op: op.cip == tx.provider_reference)
        exception = ops.filtered(lambda op: op.cip == str(row["cip"]))
        self.assertEqual((clean.state, exception.state), ("reconciled", "exception"))
        return record, clean, exception, stranger

    def _unknown_cip(self, amount, hour):
        """An exception: a paid CIP of `amount` no transaction of Odoo has."""
        elsewhere = self._paid_elsewhere(amount)
        record = self._import(self._file(elsewhere, hour=hour))
        return record.operation_ids.filtered(
            lambda op: op.cip == elsewhere.provider_reference
        )

    def test_basic_user_imports_reconciles_and_undoes(self):
        tx = self._transaction(42.0)
        wizard = (
            self.env["pagoefectivo.import.wizard"]
            .with_user(self.basic)
            .create({"file": base64.b64encode(self._file(tx)), "filename": "liq.csv"})
        )
        action = wizard.action_import()
        record = self.env["pagoefectivo.import"].browse(
            action["params"]["next"]["res_id"]
        )
        self.assertEqual((record.imported_by, record.create_uid), (self.basic,) * 2)
        self._process_imports()  # the job works as the user who imported
        self.assertEqual((record.state, record.matched_count), ("done", 2))
        self.assertTrue(self._outstanding(tx).reconciled)
        op = record.operation_ids.filtered(lambda o: o.transaction_id == tx)
        self.assertEqual(op.statement_line_id.create_uid, self.basic)

        op.with_user(self.basic).action_undo()
        self.assertEqual(op.state, "to_match")
        self.assertFalse(self._outstanding(tx).reconciled)
        self.assertEqual(op.reversal_line_ids.create_uid, self.basic)
        op.with_user(self.basic).action_reconcile()  # Reconcile Again
        self.assertEqual(op.state, "reconciled")
        self.assertTrue(self._outstanding(tx).reconciled)

        record.with_user(self.basic).action_undo()
        self.assertEqual(set(record.operation_ids.mapped("state")), {"to_match"})
        self.assertFalse(self._outstanding(tx).reconciled)
        record.with_user(self.basic).action_reconcile()
        self.assertEqual(record.matched_count, 2)
        self.assertTrue(self._outstanding(tx).reconciled)

    def test_basic_user_accepts_a_candidate(self):
        tx = self._transaction(77.0, state="pending")  # its invoice is open
        op = self._unknown_cip(77.0, hour=9)
        self.assertEqual(op.candidate_line_ids.move_id, tx.invoice_ids)
        op.candidate_line_ids.with_user(self.basic).with_context(
            pagoefectivo_operation_id=op.id
        ).action_pagoefectivo_accept()
        self.assertEqual(op.state, "reconciled")
        self.assertEqual(tx.invoice_ids.payment_state, "paid")

    def test_write_offs_within_the_tolerance_by_basic_beyond_by_administrators(self):
        small = self._unknown_cip(0.80, hour=9).with_user(self.basic)
        self._confirm_wizard(small, small.action_write_off())
        self.assertEqual(small.state, "reconciled")
        self.assertEqual(small.writeoff_by_id, self.basic)

        large = self._unknown_cip(45.0, hour=10)
        with self.assertRaisesRegex(AccessError, "only an accounting administrator"):
            large.with_user(self.basic).action_write_off()
        wizard = (  # nor by its wizard, filled over RPC
            self.env["pagoefectivo.difference.wizard"]
            .with_user(self.basic)
            .create({"operation_id": large.id, "reason": "Unclaimed"})
        )
        with self.assertRaisesRegex(AccessError, "only an accounting administrator"):
            wizard.action_confirm()
        self.assertEqual(large.state, "exception")
        large = large.with_user(self.adviser)
        self._confirm_wizard(large, large.action_write_off(), reason="Unclaimed")
        self.assertEqual(large.state, "reconciled")
        self.assertEqual(
            (large.writeoff_by_id, large.writeoff_note), (self.adviser, "Unclaimed")
        )

    def test_nobody_writes_files_or_operations(self):
        """Not even an administrator: a file's job fields would let the
        background job delete any attachment or book made-up rows, an
        operation's would let Accept pay any invoice or rewrite any entry."""
        record, clean, exception, stranger = self._imported()
        payment_line = self._outstanding(stranger)
        attachment = self.env["ir.attachment"].create(
            {"name": "contract.pdf", "raw": b"%PDF-1.4"}
        )
        for user in (self.billing, self.auditor, self.basic, self.manager):
            with self.subTest(user=user.login):
                forbidden = {
                    exception: [
                        {"state": "reconciled"},
                        {"reason": False, "amount": 0.5},
                        {"candidate_line_ids": [Command.set(payment_line.ids)]},
                        {"transaction_id": stranger.id},
                        {"statement_line_id": clean.statement_line_id.id},
                        {"note": "fine"},
                        {"writeoff_by_id": user.id, "writeoff_note": "approved"},
                    ],
                    record: [
                        {
                            "state": "queued",
                            "rows_attachment_id": attachment.id,
                            "row_count": 1,
                            "rows_done": 0,
                        },
                        {"source": "email"},
                        {"imported_by": user.id},
                        {"created_count": 0},
                    ],
                }
                for target, writes in forbidden.items():
                    for vals in writes:
                        with self.assertRaises(AccessError, msg=str(vals)):
                            target.with_user(user).write(vals)
                with self.assertRaises(AccessError):
                    self.env["pagoefectivo.import"].with_user(user).create(
                        {"name": "forged.csv"}
                    )
                with self.assertRaises(AccessError):
                    self.env["pagoefectivo.operation"].with_user(user).create(
                        {"import_id": record.id, "unique_key": "forged"}
                    )
        self._process_imports()  # nothing queued: the job touches nothing
        self.assertTrue(attachment.exists())
        self.assertEqual(
            (exception.state, exception.reason, exception.transaction_id.id),
            ("exception", "unknown_cip", False),
        )
        self.assertEqual((record.state, record.source), ("done", "user"))

    def test_billing_users_and_auditors_read_but_cannot_act(self):
        record, clean, exception, _stranger = self._imported()
        api_calls = len(self.emulator.api_calls)
        for user in (self.billing, self.auditor):
            with self.subTest(user=user.login):
                ops = self.env["pagoefectivo.operation"].with_user(user)
                self.assertEqual(
                    ops.search([("import_id", "=", record.id)]), record.operation_ids
                )
                self.assertEqual(exception.with_user(user).reason, "unknown_cip")
                self.assertEqual(record.with_user(user).matched_count, 2)
                op, file = exception.with_user(user), record.with_user(user)
                refused = [
                    op.action_reconcile,
                    op.action_accept_candidate,
                    op.action_write_off,
                    op.action_book_deposit,
                    op.action_assign_customer,
                    clean.with_user(user).action_undo,
                    file.action_reconcile,
                    file.action_undo,
                    file.action_resume,
                    lambda file=file: file._import_file(b"CIP", "x.csv"),
                ]
                for action in refused:
                    with self.assertRaises(AccessError, msg=str(action)):
                        action()
                with self.assertRaises(AccessError):
                    self.env["pagoefectivo.import.wizard"].with_user(user).create(
                        {"file": base64.b64encode(b"CIP"), "filename": "x.csv"}
                    )
        self.assertEqual(len(self.emulator.api_calls), api_calls)  # nothing asked
        self.assertEqual((clean.state, exception.state), ("reconciled", "exception"))
        self.assertTrue(clean.statement_line_id)
        self.assertFalse(clean.reversal_line_ids)

    @patch.object(pagoefectivo_import_job, "IMPORT_BATCH", 1)
    def test_nothing_is_done_to_a_file_still_being_imported(self):
        txs = [self._transaction(amount) for amount in (51.0, 52.0)]
        record = (
            self.env["pagoefectivo.import"]
            .with_user(self.basic)
            ._import_file(self._file(*txs), "liq.csv")
        )
        record.sudo()._process_step()  # the job's first batch: one paid CIP
        op = record.operation_ids
        self.assertEqual((record.state, op.state), ("running", "reconciled"))
        for action in (
            op.with_user(self.basic).action_undo,
            record.with_user(self.basic).action_undo,
            record.with_user(self.basic).action_reconcile,
            record.with_user(self.manager).unlink,
        ):
            with self.assertRaisesRegex(UserError, "still being imported"):
                action()
        self.assertEqual(op.state, "reconciled")

        self._process_imports()
        op.with_user(self.basic).action_undo()
        self.assertEqual(op.state, "to_match")

    def test_internal_users_see_nothing(self):
        record, clean, _exception, _stranger = self._imported()
        for target in (record, clean):
            with self.assertRaises(AccessError):
                target.with_user(self.internal).read(["state"])
            with self.assertRaises(AccessError):
                target.with_user(self.internal).write({"state": "done"})

    def test_administrators_delete_files_and_edit_profiles(self):
        tx = self._transaction(43.0)
        content = self._file(tx)
        self._import(content)
        again = self._import(content)  # every row known: nothing booked
        profile = self.env.ref("pagoefectivo_reconcile.profile_settlement")
        for user in (self.billing, self.accountant):
            with self.assertRaises(AccessError):
                again.with_user(user).unlink()
            with self.assertRaises(AccessError):
                profile.with_user(user).write({"decimal_separator": "comma"})
        profile.with_user(self.manager).write({"decimal_separator": "comma"})
        again.with_user(self.manager).unlink()
        self.assertFalse(again.exists())
