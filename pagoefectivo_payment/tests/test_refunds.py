import ast
from datetime import timedelta

from freezegun import freeze_time

from odoo import fields
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import tagged
from odoo.tools.misc import format_amount

from ..tools.lima_time import lima_date
from .common import PagoEfectivoCommon
from .test_rights import _new_user


@tagged("post_install", "-at_install")
class TestRefunds(PagoEfectivoCommon):
    """A refund is requested in Odoo, made in PagoEfectivo's portal, and
    confirmed once by whichever source tells first."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.billing_user = _new_user(
            cls.env, "pe_refund_billing", "account.group_account_invoice"
        )
        cls.accountant = _new_user(
            cls.env, "pe_refund_accountant", "account.group_account_manager"
        )

    # === HELPERS === #

    def _paid(self, invoice=None):
        """A voucher paid at PagoEfectivo, its payment posted."""
        currency = invoice.currency_id if invoice else self.currency
        tx = self._issue_voucher(invoice=invoice, currency_id=currency.id)
        with self._odoo_reachable():
            self.emulator.pay(tx.provider_reference)
        tx._post_process()
        self.assertEqual(tx.state, "done")
        self.assertTrue(tx.payment_id)
        return tx

    def _request(self, tx, amount=None, user=None):
        """The payment's Refund button, as `user` (a billing user by default)."""
        self.env.invalidate_all()  # what the button reads, as a new request would
        payment = tx.payment_id.with_user(user or self.billing_user)
        values = {"amount_to_refund": amount} if amount is not None else {}
        wizard = (
            self.env["payment.refund.wizard"]
            .with_user(user or self.billing_user)
            .with_context(active_id=payment.id, active_model="account.payment")
            .create(values)
        )
        wizard.action_refund()
        return self._refunds(tx)[-1:]

    def _available(self, tx):
        tx.payment_id.invalidate_recordset(["amount_available_for_refund"])
        return tx.payment_id.amount_available_for_refund

    def _refunds(self, tx):
        return self.env["payment.transaction"].search(
            [("source_transaction_id", "=", tx.id), ("operation", "=", "refund")],
            order="id",
        )

    def _refund_payments(self, tx):
        return self.env["account.payment"].search(
            [("source_payment_id", "=", tx.payment_id.id)]
        )

    def _refund_in_portal(self, tx, amount=None, notify=True):
        with self._odoo_reachable():
            return self.emulator.refund(tx.provider_reference, amount, notify=notify)

    def _refund_notifications(self, tx):
        return self._notifications(tx).filtered(
            lambda n: n.event_type == "cip.refunded"
        )

    def _money(self, amount, currency=None):
        return format_amount(self.env, amount, currency or self.currency)

    def _today(self):
        return lima_date(fields.Datetime.now())

    # === REQUESTS === #

    def test_partial_then_full_refund_confirmed_by_pagoefectivo(self):
        tx = self._paid()
        payment = tx.payment_id
        self.assertEqual(self._available(tx), 150.5)

        first = self._request(tx, 50.0)
        self.assertEqual((first.state, first.amount), ("pending", -50.0))
        for shown in (tx.provider_reference, self._money(50.0), self.partner.name):
            self.assertIn(shown, first.state_message)
        self.assertEqual(first.create_uid, self.billing_user)
        deadline = self._today() + timedelta(days=7)
        self.assertEqual(first.pagoefectivo_refund_deadline, deadline)
        self.assertEqual(first.pagoefectivo_refund_owner_id, self.billing_user)
        activity = first.pagoefectivo_refund_activity_id
        self.assertEqual(activity.res_id, payment.id)
        self.assertEqual(activity.user_id, self.billing_user)
        self.assertEqual(activity.date_deadline, first.pagoefectivo_refund_deadline)
        self.assertEqual(payment.pagoefectivo_refund_ids, first)
        self.assertEqual(self._available(tx), 100.5)
        self.assertFalse(self._refund_payments(tx), "nothing is booked yet")

        [delivery] = self._refund_in_portal(tx, "50.00")
        self.assertEqual(delivery["status"], 200)
        self.assertEqual(first.state, "done")
        self.assertEqual(self._refund_notifications(tx).state, "applied")
        refund_payment = first.payment_id
        self.assertEqual(refund_payment.payment_type, "outbound")
        self.assertEqual(refund_payment.amount, 50.0)
        self.assertEqual(refund_payment.source_payment_id, payment)
        self.assertIn(refund_payment.state, ("in_process", "paid"))
        self.assertFalse(activity.active, "the activity is done")

        rest = self._request(tx)  # the wizard proposes what is left
        self.assertEqual(rest.amount, -100.5)
        self._refund_in_portal(tx)
        self.assertEqual(rest.state, "done")
        self.assertEqual(len(self._refund_payments(tx)), 2)
        self.assertEqual(self._available(tx), 0)
        self.assertEqual(tx.pagoefectivo_refunded_amount, 150.5)

    def test_a_request_beyond_what_is_left_says_how_much_is_left(self):
        tx = self._paid()
        self._request(tx, 100.0)
        left = self._money(50.5)
        with self.assertRaises(ValidationError) as refused:
            self._request(tx, 60.0)
        self.assertIn(left, str(refused.exception))
        with self.assertRaises(ValidationError) as refused:
            tx.with_user(self.billing_user).action_refund(amount_to_refund=60.0)
        self.assertIn(left, str(refused.exception))
        self.assertEqual(len(self._refunds(tx)), 1)

    def test_a_double_submit_makes_one_request(self):
        tx = self._paid()
        self._request(tx, 30.0)
        self._request(tx, 30.0)
        tx.with_user(self.billing_user).action_refund(amount_to_refund=30.0)
        self.assertEqual(len(self._refunds(tx)), 1)
        self.assertEqual(self._available(tx), 120.5)

    def test_a_billing_user_withdraws_a_pending_request(self):
        tx = self._paid()
        refund = self._request(tx, 30.0)
        activity = refund.pagoefectivo_refund_activity_id
        refund.with_user(self.billing_user).action_pagoefectivo_withdraw_refund()
        self.assertEqual(refund.state, "cancel")
        self.assertFalse(activity.active)
        self.assertTrue(
            tx.payment_id.message_ids.filtered(lambda m: "withdrawn by" in m.body)
        )
        self.assertEqual(self._available(tx), 150.5)
        with self.assertRaises(UserError):
            refund.with_user(self.billing_user).action_pagoefectivo_withdraw_refund()

    # === DEADLINES === #

    def test_reminder_before_the_deadline_and_escalation_after_once_each(self):
        self.provider.pagoefectivo_refund_user_id = self.accountant
        tx = self._paid()
        payment = tx.payment_id
        refund = self._request(tx, 30.0)
        self.assertEqual(refund.pagoefectivo_refund_owner_id, self.accountant)
        activity = refund.pagoefectivo_refund_activity_id
        self.assertEqual(activity.user_id, self.accountant)
        cron = self.env["payment.transaction"]._cron_pagoefectivo_refund_deadlines
        Refunds = self.env["payment.transaction"]

        def messages(word):
            return payment.message_ids.filtered(lambda m: word in (m.body or ""))

        now = fields.Datetime.now()
        with freeze_time(now + timedelta(days=3)):
            cron()
        self.assertFalse(refund.pagoefectivo_refund_reminded_at)
        with freeze_time(now + timedelta(days=5, hours=1)):
            cron()
            cron()
        self.assertTrue(refund.pagoefectivo_refund_reminded_at)
        self.assertEqual(len(messages("Reminder")), 1)
        self.assertIn(self.accountant.partner_id, messages("Reminder").partner_ids)
        self.assertFalse(refund.pagoefectivo_refund_escalated_at)
        with freeze_time(now + timedelta(days=8, hours=1)):
            cron()
            cron()
            self.assertTrue(refund.pagoefectivo_refund_overdue)
            self.assertEqual(
                Refunds.search([("pagoefectivo_refund_overdue", "=", True)]), refund
            )
        self.assertTrue(refund.pagoefectivo_refund_escalated_at)
        self.assertEqual(len(messages("Overdue")), 1)
        overdue = payment.activity_ids.filtered(lambda a: "overdue" in a.summary)
        self.assertEqual(len(overdue), 1)
        self.assertEqual(overdue.user_id, self.accountant)

    # === CONFIRMATIONS === #

    def test_a_refund_notified_twice_books_one_payment(self):
        tx = self._paid()
        refund = self._request(tx)
        self.emulator.set_faults(duplicate=1)
        deliveries = self._refund_in_portal(tx)
        self.assertEqual([d["status"] for d in deliveries], [200, 200])
        self.assertEqual(refund.state, "done")
        self.assertEqual(len(self._refund_payments(tx)), 1)
        self.assertEqual(
            self._refund_notifications(tx).mapped("state"), ["applied", "duplicate"]
        )

    def test_a_settlement_row_then_the_notification_book_one_payment(self):
        tx = self._paid()
        refund = self._request(tx, 40.0)
        Tx = self.env["payment.transaction"]
        refunded_on = self._today()
        outcome = Tx._pagoefectivo_confirm_refund(
            tx, 40.0, "DEV-0001", refunded_on, source="settlement"
        )
        self.assertEqual(outcome, ("confirmed", refund))
        self.assertEqual(refund.state, "done")
        self.assertEqual(refund.payment_id.date, refunded_on)
        again = Tx._pagoefectivo_confirm_refund(
            tx, 40.0, "DEV-0001", refunded_on, source="settlement"
        )
        self.assertEqual(again, ("duplicate", refund))
        self._refund_in_portal(tx, "40.00")
        self.assertEqual(self._refund_notifications(tx).state, "duplicate")
        self.assertEqual(len(self._refund_payments(tx)), 1)
        self.assertEqual(
            refund.pagoefectivo_refund_confirmation_ids.mapped("source"),
            ["settlement", "webhook"],
        )

    def test_a_refund_made_only_in_the_portal_is_booked_and_flagged(self):
        tx = self._paid()
        self._refund_in_portal(tx, "30.00")
        refund = self._refunds(tx)
        self.assertEqual((refund.state, refund.amount), ("done", -30.0))
        self.assertEqual(refund.payment_id.source_payment_id, tx.payment_id)
        notification = self._refund_notifications(tx)
        self.assertEqual(
            (notification.state, notification.review_reason), ("review", "refund")
        )
        self.assertIn(
            "PagoEfectivo refund not requested in Odoo",
            tx.payment_id.activity_ids.mapped("summary"),
        )

    def test_a_confirmation_beyond_the_payment_books_nothing(self):
        tx = self._paid()
        self._request(tx, 100.0)
        outcome, refund = self.env["payment.transaction"]._pagoefectivo_confirm_refund(
            tx, 80.0, "DEV-9", None, source="settlement"
        )
        self.assertEqual(outcome, "exceeds")
        self.assertFalse(refund)
        self.assertEqual(len(self._refunds(tx)), 1)
        self.assertFalse(self._refund_payments(tx))
        self.assertIn(
            "PagoEfectivo refund exceeds the payment",
            tx.payment_id.activity_ids.mapped("summary"),
        )

    def test_refund_in_dollars(self):
        usd = self.setup_other_currency("USD")
        invoice = self.init_invoice(
            "out_invoice",
            partner=self.partner,
            amounts=[80.0],
            taxes=[],
            currency=usd,
            post=True,
        )
        tx = self._paid(invoice=invoice)
        self.assertEqual(tx.currency_id, usd)
        with self.assertRaises(ValidationError) as refused:
            self._request(tx, 90.0)
        self.assertIn(self._money(80.0, usd), str(refused.exception))
        refund = self._request(tx, 25.0)
        self.assertIn(self._money(25.0, usd), refund.state_message)
        self._refund_in_portal(tx, "25.00")
        self.assertEqual(refund.state, "done")
        self.assertEqual(refund.payment_id.currency_id, usd)
        self.assertEqual(refund.payment_id.amount, 25.0)
        self.assertEqual(self._available(tx), 55.0)

    # === RIGHTS === #

    def test_only_accountants_mark_a_refund_refunded_by_hand(self):
        tx = self._paid()
        refund = self._request(tx, 20.0, user=self.billing_user)
        Confirm = self.env["pagoefectivo.refund.confirm"]
        values = {"transaction_id": refund.id, "reference": "PORTAL-77"}
        with self.assertRaises(AccessError):
            Confirm.with_user(self.billing_user).create(values)
        wizard = Confirm.create(values)
        with self.assertRaises(AccessError):
            wizard.with_user(self.billing_user).action_confirm()
        self.assertEqual(refund.state, "pending")

        wizard = Confirm.with_user(self.accountant).create(values)
        self.assertEqual(wizard.amount, 20.0)
        wizard.action_confirm()
        self.assertEqual(refund.state, "done")
        [confirmation] = refund.pagoefectivo_refund_confirmation_ids
        self.assertEqual(
            (confirmation.source, confirmation.reference, confirmation.create_uid),
            ("manual", "PORTAL-77", self.accountant),
        )
        # PagoEfectivo's notification of the same refund changes nothing.
        self._refund_in_portal(tx, "20.00")
        self.assertEqual(self._refund_notifications(tx).state, "duplicate")
        self.assertEqual(len(self._refund_payments(tx)), 1)

    # === WHERE PEOPLE LOOK === #

    def test_the_order_and_its_portal_page_show_the_refund(self):
        self.provider.pagoefectivo_refund_notify_customer = True
        tx = self._issue_order_voucher()
        order = tx.sale_order_ids
        with self._odoo_reachable():
            self.emulator.pay(tx.provider_reference)
        tx._post_process()
        refund = self._request(tx, 30.0)
        self.assertEqual(order.pagoefectivo_refund_ids, refund)
        [note] = order._pagoefectivo_refund_notes()
        self.assertIn(self._money(30.0), note)
        self.assertIn("Refund requested on", note)
        order.require_signature = False
        response = self.url_open(order.get_portal_url())
        self.assertEqual(response.status_code, 200)
        self.assertIn("Refund requested on", response.text)
        self.assertIn(self._money(30.0), response.text)

        self._refund_in_portal(tx, "30.00")
        [note] = order._pagoefectivo_refund_notes()
        self.assertIn("Refunded on", note)
        mail = self.env["mail.mail"].search(
            [("model", "=", "payment.transaction"), ("res_id", "=", refund.id)]
        )
        self.assertEqual(len(mail), 1)
        self.assertIn(self._money(30.0), mail.subject)

    def test_the_refunds_menu_lists_pending_overdue_and_done(self):
        action = self.env.ref("pagoefectivo_payment.action_pagoefectivo_refunds")
        tx = self._paid()
        done = self._request(tx, 10.0)
        self._refund_in_portal(tx, "10.00")
        pending = self._request(tx, 20.0)
        Refunds = self.env["payment.transaction"].with_user(self.billing_user)
        domain = ast.literal_eval(action.domain)
        self.assertEqual(Refunds.search(domain), done | pending)
        self.assertEqual(Refunds.search([*domain, ("state", "=", "pending")]), pending)
        self.assertEqual(Refunds.search([*domain, ("state", "=", "done")]), done)
        self.assertEqual(
            self.env.ref("pagoefectivo_payment.menu_pagoefectivo_refunds").action,
            action,
        )
