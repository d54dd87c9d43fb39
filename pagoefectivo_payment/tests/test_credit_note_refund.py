from odoo.exceptions import UserError
from odoo.tests import Form, tagged

from .common import PagoEfectivoCommon
from .test_rights import _new_user


@tagged("post_install", "-at_install")
class TestCreditNoteRefund(PagoEfectivoCommon):
    """A credit note of an invoice paid through PagoEfectivo is paid back
    through that payment: its refund payment settles the credit note."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.billing_user = _new_user(
            cls.env, "pe_credit_note_billing", "account.group_account_invoice"
        )

    def _paid_invoice(self):
        invoice = self._create_invoice()
        tx = self._issue_voucher(invoice=invoice)
        with self._odoo_reachable():
            self.emulator.pay(tx.provider_reference)
        tx._post_process()
        self.assertEqual(tx.state, "done")
        return invoice, tx

    def _credit_note(self, invoice, amount=None):
        # Peru's credit notes have their own document type (07).
        values = {"l10n_latam_document_type_id": False}
        if invoice.l10n_latam_document_type_id:
            values["l10n_latam_document_type_id"] = self.env.ref(
                "l10n_pe.document_type07"
            ).id
        reversal = invoice._reverse_moves([values])
        if amount is not None:
            with Form(reversal) as form, form.invoice_line_ids.edit(0) as line:
                line.price_unit = amount
        reversal.action_post()
        return reversal

    def _ask(self, credit_note, **values):
        """The credit note's button, then the wizard's Refund, as a billing user."""
        self.env.invalidate_all()
        action = credit_note.with_user(self.billing_user).action_pagoefectivo_refund()
        wizard = (
            self.env[action["res_model"]]
            .with_user(self.billing_user)
            .with_context(**action["context"])
            .create(values)
        )
        wizard.action_refund()
        return wizard

    def _refunds(self, tx):
        return self.env["payment.transaction"].search(
            [("source_transaction_id", "=", tx.id), ("operation", "=", "refund")]
        )

    def test_credit_note_refunded_through_pagoefectivo_ends_paid(self):
        invoice, tx = self._paid_invoice()
        credit_note = self._credit_note(invoice, amount=40.0)
        self.assertEqual(credit_note.pagoefectivo_refundable_payment_id, tx.payment_id)

        wizard = self._ask(credit_note)
        self.assertEqual(wizard.amount_to_refund, 40.0)
        wizard.action_refund()  # a double submit
        refund = self._refunds(tx)
        self.assertEqual((refund.state, refund.amount), ("pending", -40.0))
        self.assertEqual(refund.invoice_ids, credit_note)
        self.assertEqual(refund.create_uid, self.billing_user)

        with self._odoo_reachable():
            self.emulator.refund(tx.provider_reference, "40.00", notify=True)
        self.assertEqual(refund.state, "done")
        refund_payment = refund.payment_id
        self.assertEqual(refund_payment.source_payment_id, tx.payment_id)
        self.assertIn(credit_note, refund_payment.reconciled_invoice_ids)
        self.assertIn(credit_note.payment_state, ("paid", "in_payment"))
        self.assertFalse(credit_note.pagoefectivo_refundable_payment_id)

    def test_only_a_credit_note_of_a_pagoefectivo_payment_is_refunded_there(self):
        invoice, tx = self._paid_invoice()
        credit_note = self._credit_note(invoice, amount=30.0)
        with self.assertRaisesRegex(UserError, "refund at most that"):
            self._ask(credit_note, amount_to_refund=50.0)
        self.assertFalse(self._refunds(tx))

        other = self._credit_note(self._create_invoice(20.0))  # not paid at all
        self.assertFalse(other.pagoefectivo_refundable_payment_id)
        with self.assertRaisesRegex(UserError, "cannot be refunded through"):
            other.with_user(self.billing_user).action_pagoefectivo_refund()

    def test_a_credit_note_is_asked_back_once(self):
        invoice, tx = self._paid_invoice()
        credit_note = self._credit_note(invoice, amount=40.0)
        self._ask(credit_note)
        with self.assertRaisesRegex(UserError, "not yet asked back"):
            self._ask(credit_note)  # a second wizard for the same credit note
        refunds = self._refunds(tx)
        self.assertEqual(len(refunds), 1)
