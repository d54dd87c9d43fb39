from datetime import timedelta

from freezegun import freeze_time

from odoo.fields import Command, Domain
from odoo.tests import tagged
from odoo.tools import mute_logger
from odoo.tools.safe_eval import safe_eval

from .common import PagoEfectivoCommon


@tagged("post_install", "-at_install")
class TestInvoiceVoucherFollowUp(PagoEfectivoCommon):
    """An invoice's PagoEfectivo code after issuing: paid, replaced when the
    amount due changes, reminded and renewed before and at its expiry, and
    listed for billing users."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.billing_user = cls._new_user("pe_follow_billing")
        cls.salesperson = cls._new_user("pe_follow_sales")
        cls.sale_journal = cls.company_data["default_journal_sale"]

    # === HELPERS === #

    def _invoice(self, amount=None, partner=None, payment_term=None):
        """A posted invoice of the salesperson's."""
        invoice = self.init_invoice(
            "out_invoice",
            partner=partner or self.partner,
            amounts=[amount or self.amount],
            taxes=[],
        )
        invoice.write(
            {
                "invoice_user_id": self.salesperson.id,
                "invoice_payment_term_id": payment_term and payment_term.id,
            }
        )
        invoice.action_post()
        return invoice

    def _issue(self, invoice, validity_hours=None):
        """Issue PagoEfectivo Code on the invoice, as a billing user."""
        [result] = invoice.with_user(self.billing_user)._pagoefectivo_issue_vouchers(
            validity_hours
        )
        self.assertEqual(result["status"], "issued", result["reason"])
        return result["transaction"].with_env(self.env)

    def _follow_up(self):
        self.env["payment.transaction"]._cron_pagoefectivo_follow_up_invoice_vouchers()
        self.env.invalidate_all()

    def _delete_withdrawn(self):
        self.env["payment.transaction"]._cron_pagoefectivo_delete_withdrawn()

    def _triggered(self):
        cron = self.env.ref("pagoefectivo_payment.cron_invoice_voucher_follow_up")
        return self.env["ir.cron.trigger"].search_count([("cron_id", "=", cron.id)])

    def _pay_by_hand(self, invoice, amount):
        self.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=invoice.ids
        ).create({"amount": amount})._create_payments()
        self.env.invalidate_all()

    def _credit(self, invoice, amount):
        """A credit note of `amount` for the invoice, reconciled with it."""
        credit_note = self.init_invoice(
            "out_refund", partner=self.partner, amounts=[amount], taxes=[], post=True
        )
        (invoice | credit_note).line_ids.filtered(
            lambda line: line.account_id.account_type == "asset_receivable"
        ).reconcile()
        self.env.invalidate_all()
        return credit_note

    def _cip(self, tx):
        return self.emulator.cips[int(tx.provider_reference)]

    def _vouchers(self, invoice):
        return invoice.transaction_ids.filtered("provider_reference").sorted("id")

    def _cip_posts(self):
        return [
            call
            for call in self.emulator.api_calls
            if call["path"] == "/v1/cips" and call["method"] == "POST"
        ]

    def _mails(self, tx):
        return self.env["mail.mail"].search(
            [("model", "=", "payment.transaction"), ("res_id", "=", tx.id)], order="id"
        )

    def _activities(self, invoice):
        return invoice.activity_ids.filtered(
            lambda act: act.summary == "PagoEfectivo code expired"
        )

    def _notes(self, invoice):
        return " ".join(str(body) for body in invoice.message_ids.mapped("body"))

    def _after_expiry(self, tx):
        return freeze_time(tx.pagoefectivo_expiry + timedelta(minutes=1))

    # === PAID === #

    def test_a_code_paid_at_pagoefectivo_pays_its_invoice(self):
        invoice = self._invoice()
        tx = self._issue(invoice)
        with self._odoo_reachable():
            self.emulator.pay(tx.provider_reference)
        self.assertEqual(tx.state, "done")
        tx._post_process()  # the post-processing job, a minute later
        self.assertIn(invoice.payment_state, ("in_payment", "paid"))
        self.assertTrue(invoice.currency_id.is_zero(invoice.amount_residual))
        self.assertIn(tx.payment_id.state, ("in_process", "paid"), "posted")
        self.assertEqual(tx.payment_id.reconciled_invoice_ids, invoice)
        self.assertEqual(tx.pagoefectivo_voucher_state, "paid")
        self.assertEqual(invoice.pagoefectivo_voucher_status, "paid")

    # === THE AMOUNT DUE CHANGES === #

    def test_a_partial_payment_replaces_the_code_at_once_when_configured(self):
        self.provider.pagoefectivo_invoice_replace = True
        invoice = self._invoice(200)
        old = self._issue(invoice)
        triggered = self._triggered()
        self._pay_by_hand(invoice, 50)
        self.assertEqual(self._triggered(), triggered + 1, "replaced after the commit")
        self.assertEqual(old.state, "pending", "the payment does not wait for it")
        self._follow_up()
        new = invoice.pagoefectivo_voucher_id
        self.assertTrue(new)
        self.assertNotEqual(new, old)
        self.assertEqual(self._cip(new)["amount"], "150.00")
        self.assertEqual(len(self._mails(new)), 1, "the customer gets the new code")
        self.assertEqual(
            (old.state, old.pagoefectivo_voucher_state), ("cancel", "withdrawn")
        )
        self._delete_withdrawn()
        self.assertEqual(self._cip(old)["statusName"], "Eliminada")
        # Nothing changed since: nothing more to do.
        self._follow_up()
        self.assertEqual(invoice.pagoefectivo_voucher_id, new)
        self.assertEqual(len(self._vouchers(invoice)), 2)

    def test_without_the_setting_the_code_is_replaced_when_the_invoice_is_sent(self):
        self.sale_journal.pagoefectivo_auto_issue = "send"
        invoice = self._invoice(200)
        old = self._issue(invoice)
        triggered = self._triggered()
        self._pay_by_hand(invoice, 50)
        self.assertEqual(self._triggered(), triggered)
        self._follow_up()
        self.assertEqual(old.state, "pending")
        self.assertEqual(invoice.pagoefectivo_voucher_status, "outdated")
        self.assertFalse(invoice.pagoefectivo_voucher_id, "its PDF shows no code")
        wizard = (
            self.env["account.move.send.wizard"]
            .with_user(self.billing_user)
            .with_context(active_model="account.move", active_ids=invoice.ids)
            .create({})
        )
        wizard.sending_methods = ["email"]
        wizard.action_send_and_print()
        self.env.invalidate_all()
        self.assertEqual(self._cip(invoice.pagoefectivo_voucher_id)["amount"], "150.00")
        self.assertEqual(old.state, "cancel")

    def test_a_credit_note_replaces_the_code_when_configured(self):
        invoice = self._invoice(200)
        old = self._issue(invoice)
        self._credit(invoice, 80)
        self._follow_up()
        self.assertEqual(old.state, "pending", "not configured")
        self.assertFalse(invoice.pagoefectivo_voucher_id, "its PDF shows no code")
        self.provider.pagoefectivo_invoice_replace = True
        other = self._invoice(300)
        replaced = self._issue(other)
        triggered = self._triggered()
        self._credit(other, 100)
        self.assertEqual(self._triggered(), triggered + 1)
        self._follow_up()
        self.assertEqual(replaced.state, "cancel")
        self.assertEqual(self._cip(other.pagoefectivo_voucher_id)["amount"], "200.00")
        self.assertIn(replaced.provider_reference, self._notes(other))
        self.assertEqual(old.state, "pending", "changed before it was configured")

    def test_a_code_asking_nothing_any_more_is_only_withdrawn(self):
        self.provider.pagoefectivo_invoice_replace = True
        invoice = self._invoice()
        tx = self._issue(invoice)
        self._credit(invoice, self.amount)
        self._follow_up()
        self._delete_withdrawn()
        self.assertTrue(invoice.currency_id.is_zero(invoice.amount_residual))
        self.assertEqual(tx.state, "cancel")
        self.assertEqual(self._cip(tx)["statusName"], "Eliminada")
        self.assertEqual(self._vouchers(invoice), tx, "no new code")
        self.assertEqual(len(self._cip_posts()), 1)

    def test_an_installment_code_is_not_replaced(self):
        """A code the customer chose for part of the amount due is theirs."""
        self.provider.pagoefectivo_invoice_replace = True
        invoice = self._invoice(200)
        tx = self._create_transaction(
            "redirect",
            amount=60,  # what the portal asks for an installment
            reference=self.env["payment.transaction"]._compute_reference(
                "pagoefectivo", invoice_ids=invoice.ids
            ),
            invoice_ids=[Command.set(invoice.ids)],
        )
        tx._get_processing_values()
        self.assertEqual(tx.state, "pending")
        self._pay_by_hand(invoice, 20)
        self._follow_up()
        self.assertEqual(tx.state, "pending")

    # === BEFORE AND AT EXPIRY === #

    def test_the_reminder_of_an_invoice_code_speaks_of_the_invoice(self):
        self.provider.write(
            {"pagoefectivo_reminder": True, "pagoefectivo_reminder_hours": 6}
        )
        invoice = self._invoice()
        tx = self._issue(invoice)
        with freeze_time(tx.pagoefectivo_expiry - timedelta(hours=2)):
            self.env["payment.transaction"]._cron_pagoefectivo_remind()
        first, reminder = self._mails(tx)
        for mail in (first, reminder):
            self.assertIn(f"To pay your invoice <strong>{invoice.name}", mail.body_html)
            self.assertIn("We record your payment", mail.body_html)
            self.assertNotIn("your order", mail.body_html)
        self.assertIn("expires soon", reminder.body_html)
        self.assertIn(tx.provider_reference, reminder.body_html)

    def test_an_expired_code_is_renewed_up_to_the_limit_then_the_salesperson_is_told(
        self,
    ):
        self.provider.write(
            {"pagoefectivo_invoice_renew": True, "pagoefectivo_invoice_renewals_max": 2}
        )
        invoice = self._invoice()
        first = self._issue(invoice)
        with self._after_expiry(first):
            self._follow_up()
            second = invoice.pagoefectivo_voucher_id
            self.assertEqual(second.pagoefectivo_renewal_of_id, first)
            self.assertEqual(first.pagoefectivo_voucher_state, "expired")
        self.assertEqual(self._cip(second)["amount"], "150.50")
        self.assertEqual(len(self._mails(second)), 1, "the customer gets it")
        self.assertIn(second.provider_reference, self._notes(invoice))
        with self._after_expiry(second):
            self._follow_up()
            third = invoice.pagoefectivo_voucher_id
            self.assertEqual(third.pagoefectivo_renewal_of_id, second)
        self.assertFalse(self._activities(invoice))
        with self._after_expiry(third):
            self._follow_up()
            self._follow_up()  # once
            self.assertFalse(invoice.pagoefectivo_voucher_id)
            self.assertEqual(third.pagoefectivo_voucher_state, "expired")
        self.assertEqual(self._vouchers(invoice), first | second | third)
        activity = self._activities(invoice)
        self.assertEqual(len(activity), 1)
        self.assertEqual(activity.user_id, self.salesperson)
        self.assertIn(third.provider_reference, str(activity.note))
        self.assertIn("renewed 2 times", str(activity.note))

    def test_without_renewal_an_expired_code_goes_to_the_responsible(self):
        self.provider.pagoefectivo_invoice_user_id = self.billing_user
        invoice = self._invoice()
        invoice.invoice_user_id = False
        tx = self._issue(invoice)
        paid = self._invoice()
        paid_tx = self._issue(paid)
        self._pay_by_hand(paid, self.amount)
        with self._after_expiry(tx):
            self._follow_up()
        self.assertEqual(self._vouchers(invoice), tx, "not renewed")
        self.assertEqual(self._activities(invoice).user_id, self.billing_user)
        self.assertFalse(self._activities(paid), "it asks nothing")
        self.assertEqual(self._vouchers(paid), paid_tx)

    def test_pagoefectivo_down_hands_only_that_renewal_to_the_salesperson(self):
        """A renewal PagoEfectivo refused is not tried again every run (each try
        would leave a failed payment on the invoice): the salesperson is told
        at once; the other invoice is renewed."""
        self.provider.pagoefectivo_invoice_renew = True
        first, second = self._invoice(100), self._invoice(200)
        first_tx, second_tx = self._issue(first), self._issue(second)
        self.emulator.set_faults(
            api_errors=[
                {"path_prefix": "/v1/cips", "method": "POST", "status": 503, "times": 1}
            ]
        )
        with (
            self._after_expiry(second_tx),
            mute_logger("odoo.addons.pagoefectivo_payment"),
        ):
            self._follow_up()
            self.assertFalse(first.pagoefectivo_voucher_id, "not renewed")
            self.assertEqual(self._activities(first).user_id, self.salesperson)
            self.assertEqual(
                second.pagoefectivo_voucher_id.pagoefectivo_renewal_of_id, second_tx
            )
            failed = first.sudo().transaction_ids.filtered(lambda tx: tx != first_tx)
            self._follow_up()
            self.assertEqual(
                first.sudo().transaction_ids.filtered(lambda tx: tx != first_tx),
                failed,
                "no new try on the next run",
            )
            self.assertEqual(len(self._activities(first)), 1)

    # === THE VOUCHERS LIST === #

    def test_billing_users_list_invoice_codes_by_status(self):
        rosa = self.partner.copy({"name": "Rosa Quispe", "vat": "45678913"})
        thirty_days = self.env.ref("account.account_payment_term_30days")
        live_invoice, paid_invoice = self._invoice(), self._invoice(120)
        expired_invoice = self._invoice(90, partner=rosa, payment_term=thirty_days)
        replaced = self._issue(live_invoice)
        paid = self._issue(paid_invoice)
        expired = self._issue(expired_invoice, validity_hours=1)
        self._pay_by_hand(live_invoice, 50)
        live = self._issue(live_invoice)
        with self._odoo_reachable():
            self.emulator.pay(paid.provider_reference)
        self._issue_order_voucher()
        with self._after_expiry(expired):
            self._follow_up()
        self.assertEqual(self._activities(expired_invoice).user_id, self.salesperson)

        user = self.billing_user
        menu = self.env.ref("pagoefectivo_payment.menu_pagoefectivo_invoice_vouchers")
        self.assertIn(
            menu.id, self.env["ir.ui.menu"].with_user(user)._visible_menu_ids()
        )
        action = (
            self.env["ir.actions.act_window"]
            .with_user(user)
            ._for_xml_id("pagoefectivo_payment.action_pagoefectivo_invoice_vouchers")
        )
        txs = self.env["payment.transaction"].with_user(user)
        views = txs.get_views(
            [(action["view_id"][0], "list"), (action["search_view_id"][0], "search")]
        )
        self.assertIn("invoice_due_date", views["views"]["search"]["arch"])
        domain = Domain(safe_eval(action["domain"]))
        self.assertEqual(txs.search(domain), live | paid | expired | replaced)
        groups = txs.formatted_read_group(
            domain, ["pagoefectivo_voucher_state"], ["__count"]
        )
        self.assertEqual(
            {group["pagoefectivo_voucher_state"]: group["__count"] for group in groups},
            {"live": 1, "paid": 1, "expired": 1, "withdrawn": 1},
        )
        by_customer = domain & Domain("partner_id", "child_of", rosa.id)
        self.assertEqual(txs.search(by_customer), expired)
        due = expired_invoice.invoice_date_due
        self.assertEqual(due, expired_invoice.invoice_date + timedelta(days=30))
        self.assertNotEqual(due, live_invoice.invoice_date_due)
        due_later = (
            domain
            & Domain("pagoefectivo_invoice_due_date", ">=", due - timedelta(days=1))
            & Domain("pagoefectivo_invoice_due_date", "<=", due + timedelta(days=1))
        )
        self.assertEqual(txs.search(due_later), expired)
