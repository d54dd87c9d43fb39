from odoo import api, models
from odoo.fields import Domain
from odoo.tools.misc import format_amount


class AccountMove(models.Model):
    """An invoice's PagoEfectivo code after issuing: replaced when a payment or
    a credit note changes its amount due, renewed when it expires."""

    _inherit = "account.move"

    def _pagoefectivo_amount_due_changed(self):
        """Mark the codes of these invoices the provider replaces, for the
        follow-up job to replace after this commits: never within the payment
        or credit note that changed them."""
        invoices = self.filtered(lambda move: move.move_type == "out_invoice")
        # Every reconciliation passes here: most companies replace nothing.
        if not invoices or not self.env["payment.provider"].sudo().search_count(
            [
                ("code", "=", "pagoefectivo"),
                ("pagoefectivo_invoice_replace", "=", True),
            ],
            limit=1,
        ):
            return
        replaceable = (
            self.env["payment.transaction"]
            .sudo()
            .search(
                Domain("provider_code", "=", "pagoefectivo")
                & Domain("state", "=", "pending")
                & Domain("pagoefectivo_for_amount_due", "=", True)
                & Domain("pagoefectivo_replace_pending", "=", False)
                & Domain("provider_id.pagoefectivo_invoice_replace", "=", True)
                & Domain("invoice_ids", "in", invoices.ids)
            )
        )
        if replaceable:
            replaceable.pagoefectivo_replace_pending = True
            self.env.ref(
                "pagoefectivo_payment.cron_invoice_voucher_follow_up"
            )._trigger()

    def _pagoefectivo_amount_to_ask(self):
        """What a code issued for this invoice now asks, as issuing computes
        it: its amount due, or less with an early-payment discount."""
        self.ensure_one()
        return self._get_invoice_next_payment_values().get(
            "amount_due", self.amount_residual
        )

    def _pagoefectivo_renewal_count(self):
        """How many times this invoice's expired codes were renewed."""
        self.ensure_one()
        return (
            self.env["payment.transaction"]
            .sudo()
            .search_count(
                [
                    ("invoice_ids", "in", self.ids),
                    ("pagoefectivo_renewal_of_id", "!=", False),
                    ("provider_reference", "!=", False),
                ]
            )
        )

    def _pagoefectivo_expired_voucher_activity(self, tx, renewals, problem):
        """Ask the salesperson (else the provider's responsible, else the
        administrator) to follow up this still due invoice whose code `tx`
        expired unpaid."""
        self.ensure_one()
        provider = tx.provider_id
        note = self.env._(
            "PagoEfectivo code %(cip)s of %(amount)s expired on %(expiry)s (Lima "
            "time) unpaid, and the invoice still asks %(due)s: issue a new code, or "
            "follow up with the customer.",
            cip=tx.provider_reference,
            amount=format_amount(self.env, tx.amount, tx.currency_id),
            expiry=tx._pagoefectivo_expiry_lima(),
            due=format_amount(self.env, self.amount_residual, self.currency_id),
        )
        if problem:
            note += " " + self.env._(
                "No new code could be issued: %(reason)s", reason=problem
            )
        elif provider.pagoefectivo_invoice_renew:
            note += " " + self.env._(
                "Its code was renewed %(count)s times already, the most the "
                "PagoEfectivo provider allows.",
                count=renewals,
            )
        user = (
            self.invoice_user_id
            or provider.pagoefectivo_invoice_user_id
            or self.env.ref("base.user_admin", raise_if_not_found=False)
        )
        self.activity_schedule(
            "mail.mail_activity_data_todo",
            summary=self.env._("PagoEfectivo code expired"),
            note=note,
            user_id=user.id if user else False,
        )


class AccountPartialReconcile(models.Model):
    """Payments and credit notes change an invoice's amount due by reconciling
    with it, or by being unreconciled."""

    _inherit = "account.partial.reconcile"

    @api.model_create_multi
    def create(self, vals_list):
        partials = super().create(vals_list)
        partials._pagoefectivo_invoices()._pagoefectivo_amount_due_changed()
        return partials

    def unlink(self):
        invoices = self._pagoefectivo_invoices()
        res = super().unlink()
        invoices.exists()._pagoefectivo_amount_due_changed()
        return res

    def _pagoefectivo_invoices(self):
        return (self.debit_move_id | self.credit_move_id).move_id.filtered(
            lambda move: move.move_type == "out_invoice"
        )
