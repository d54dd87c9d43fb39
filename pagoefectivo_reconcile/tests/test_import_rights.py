import base64

from odoo.exceptions import AccessError
from odoo.fields import Command
from odoo.tests import new_test_user, tagged

from .common import PagoEfectivoReconcileCommon


@tagged("post_install", "-at_install")
class TestImportRights(PagoEfectivoReconcileCommon):
    """Who does what, after Odoo's accounting groups: billing users and
    auditors read files and operations; whoever books bank statement lines
    (accountants) imports and reconciles; accounting administrators also
    delete files and edit the mapping profiles. Nobody else writes what a
    file imported or booked."""

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
        cls.accountant = user("pe_accountant", "account.group_account_user")
        cls.manager = user("pe_manager", "account.group_account_manager")

    def _file(self, *txs, hour=10):
        return self._settlement(
            [self._cip(tx, self.lima(2026, 6, 1, hour + i)) for i, tx in enumerate(txs)]
        )

    def _imported(self):
        """A settlement imported and reconciled: one clean CIP, one exception."""
        tx = self._transaction(40.0)
        stranger = self._transaction(41.0)
        row = self._cip(stranger, self.lima(2026, 6, 1, 11))
        row["cip"], row["transactionCode"] = 77777777, "NOT-OURS"
        record = self._import(
            self._settlement([self._cip(tx, self.lima(2026, 6, 1, 10)), row])
        )
        ops = record.operation_ids
        clean = ops.filtered(lambda op: op.cip == tx.provider_reference)
        exception = ops.filtered(lambda op: op.cip == "77777777")
        self.assertEqual((clean.state, exception.state), ("reconciled", "exception"))
        return record, clean, exception, stranger

    def test_accountant_imports_and_reconciles(self):
        tx = self._transaction(42.0)
        wizard = (
            self.env["pagoefectivo.import.wizard"]
            .with_user(self.accountant)
            .create({"file": base64.b64encode(self._file(tx)), "filename": "liq.csv"})
        )
        action = wizard.action_import()
        record = self.env["pagoefectivo.import"].browse(
            action["params"]["next"]["res_id"]
        )
        self.assertEqual(record.imported_by, self.accountant)
        self._process_imports()  # the job works as the accountant
        self.assertEqual((record.state, record.matched_count), ("done", 2))
        self.assertTrue(self._outstanding(tx).reconciled)

        record, clean, exception, stranger = self._imported()
        exception.with_user(self.accountant).action_reconcile()  # Reconcile Again
        record.with_user(self.accountant).action_reconcile()
        self.assertEqual((clean.state, exception.state), ("reconciled", "exception"))

    def test_billing_users_and_auditors_read_only(self):
        record, clean, exception, stranger = self._imported()
        payment_line = self._outstanding(stranger)
        for user in (self.billing, self.auditor):
            with self.subTest(user=user.login):
                ops = self.env["pagoefectivo.operation"].with_user(user)
                self.assertEqual(
                    ops.search([("import_id", "=", record.id)]), record.operation_ids
                )
                self.assertEqual(exception.with_user(user).reason, "unknown_cip")
                self.assertEqual(record.with_user(user).matched_count, 2)
                forbidden = {
                    exception: [
                        {"state": "reconciled"},
                        {"candidate_line_ids": [Command.set(payment_line.ids)]},
                        {"transaction_id": stranger.id},
                        {"statement_line_id": clean.statement_line_id.id},
                        {"note": "fine"},
                    ],
                    record: [
                        {"state": "failed"},
                        {"source": "email"},
                        {"imported_by": user.id},
                        {"source_detail": "reportes@pagoefectivo.pe"},
                        {"created_count": 0},
                        {"matched_count": 0},
                    ],
                }
                for target, writes in forbidden.items():
                    for vals in writes:
                        with self.assertRaises(AccessError, msg=str(vals)):
                            target.with_user(user).write(vals)
                # Savepoints: what an action did before it was refused is undone.
                with self.assertRaises(AccessError), self.env.cr.savepoint():
                    exception.with_user(user).action_reconcile()
                with self.assertRaises(AccessError), self.env.cr.savepoint():
                    record.with_user(user).action_undo()
                with self.assertRaises(AccessError):
                    self.env["pagoefectivo.import.wizard"].with_user(user).create(
                        {"file": base64.b64encode(b"CIP"), "filename": "x.csv"}
                    )
                with self.assertRaises(AccessError):
                    self.env["pagoefectivo.import"].with_user(user).create(
                        {"name": "forged.csv"}
                    )
        self.assertEqual(
            (exception.state, exception.transaction_id.id), ("exception", False)
        )
        self.assertEqual(record.source, "user")

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
