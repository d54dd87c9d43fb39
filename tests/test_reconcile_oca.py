"""pagoefectivo_reconcile beside OCA's account_reconcile_oca, Community's
reconciliation screen: what our matching leaves open is what that screen lists,
and what an accountant reconciles or undoes there, our exceptions follow."""

import unittest

from lxml import etree

from odoo.tests import Form, tagged
from odoo.tools.safe_eval import safe_eval

from odoo.addons.pagoefectivo_reconcile.tests.common import (
    PagoEfectivoReconcileCommon,
)

RECONCILE_VIEW = "account_reconcile_oca.bank_statement_line_form_reconcile_view"


@tagged("post_install", "-at_install")
class TestReconcileOca(PagoEfectivoReconcileCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        oca = cls.env["ir.module.module"].search(
            [("name", "=", "account_reconcile_oca"), ("state", "=", "installed")]
        )
        if not oca:
            raise unittest.SkipTest(
                "account_reconcile_oca is not installed in this database "
                "(tools/run-tests installs it from requirements-oca.txt)"
            )
        # As in production: OCA's matching runs when statement lines are created.
        cls.env = cls.env(
            context=dict(cls.env.context, _test_account_reconcile_oca=True)
        )

    def _listed_in_reconcile_screen(self, journal):
        """The statement lines the journal's OCA reconcile screen shows."""
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "account_reconcile_oca.action_bank_statement_line_reconcile"
        )
        Line = self.env["account.bank.statement.line"]
        arch = etree.fromstring(Line.get_view(view_type="search")["arch"])
        (default_filter,) = arch.xpath("//filter[@name='not_reconciled']")
        domain = safe_eval(action["domain"], {"active_id": journal.id})
        return Line.search(domain + safe_eval(default_filter.get("domain")))

    def test_exception_reconciled_and_undone_in_the_oca_screen(self):
        self._reconcile_and_undo_in_the_oca_screen()

    def test_same_when_the_screen_keeps_the_suspense_entry(self):
        self._reconcile_and_undo_in_the_oca_screen(mode="keep")

    def _reconcile_and_undo_in_the_oca_screen(self, mode="edit"):
        self.assertTrue(self.env.context.get("_test_account_reconcile_oca"))
        known, elsewhere = self._transaction(81.0), self._transaction(82.0)
        paid_at = self.lima(2026, 6, 8, 10)
        # A CIP PagoEfectivo saw paid that no Odoo transaction has.
        stranger = self._paid_elsewhere(82.0)
        cips = [self._cip(known, paid_at), self._cip(stranger, paid_at)]
        record = self._import(self._settlement(cips))
        op = record.operation_ids.filtered(
            lambda o: o.cip == stranger.provider_reference
        )
        self.assertEqual((op.state, op.reason), ("exception", "unknown_cip"))
        journal = op.journal_id
        journal.reconcile_mode = mode
        if mode == "keep":  # what OCA asks of that mode
            journal.suspense_account_id.reconcile = True
        st_line = op.statement_line_id
        self.assertEqual(self._listed_in_reconcile_screen(journal), st_line)

        target = self._outstanding(elsewhere)
        with Form(st_line, view=RECONCILE_VIEW) as form:
            form.add_account_move_line_id = target
            self.assertTrue(form.can_reconcile)
        st_line.reconcile_bank_line()

        self.assertTrue(elsewhere.payment_id.is_matched)
        self.assertEqual((op.state, op.manual), ("reconciled", True))
        self.assertEqual(record.exception_count, 0)
        self.assertFalse(self._listed_in_reconcile_screen(journal))

        st_line.unreconcile_bank_line()

        self.assertFalse(elsewhere.payment_id.is_matched)
        self.assertEqual((op.state, op.manual), ("exception", False))
        self.assertEqual(self._listed_in_reconcile_screen(journal), st_line)
        self.assertTrue(self._outstanding(known).reconciled)  # untouched

    def test_day_undone_in_the_oca_screen_waits_there_as_exceptions(self):
        txs = [self._transaction(91.0), self._transaction(92.0)]
        paid_at = self.lima(2026, 6, 9, 10)
        record = self._import(self._settlement([self._cip(tx, paid_at) for tx in txs]))
        day_ops = record.operation_ids.filtered(lambda o: o.transaction_id)
        batch = day_ops.statement_line_id
        self.assertEqual(len(batch), 1)
        journal = batch.journal_id
        journal.reconcile_mode = "keep"  # the line was not reconciled by OCA
        journal.suspense_account_id.reconcile = True
        self.assertNotIn(batch, self._listed_in_reconcile_screen(journal))

        batch.unreconcile_bank_line()

        self.assertEqual(set(day_ops.mapped("state")), {"exception"})
        self.assertEqual(set(day_ops.mapped("reason")), {"undone"})
        self.assertFalse(any(tx.payment_id.is_matched for tx in txs))
        self.assertIn(batch, self._listed_in_reconcile_screen(journal))
        self.assertTrue(all(tx.payment_id.move_id.state == "posted" for tx in txs))

        day_ops.action_reconcile()

        self.assertEqual(set(day_ops.mapped("state")), {"reconciled"})
        self.assertTrue(batch.is_reconciled)
        self.assertTrue(all(tx.payment_id.is_matched for tx in txs))
        self.assertNotIn(batch, self._listed_in_reconcile_screen(journal))
