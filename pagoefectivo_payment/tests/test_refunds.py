import ast
from datetime import timedelta

from freezegun import freeze_time

from odoo import fields
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.fields import Command
from odoo.tests import new_test_user, tagged
from odoo.tools.misc import format_amount

from .. import const
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
        cls.company_b = cls.setup_other_company(name="PE Refund Company B")["company"]

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

    def _wizard(self, tx, amount=None, user=None):
        """The payment's Refund wizard, as `user` (a billing user by default)."""
        self.env.invalidate_all()  # what the button reads, as a new request would
        user = user or self.billing_user
        values = {"amount_to_refund": amount} if amount is not None else {}
        return (
            self.env["payment.refund.wizard"]
            .with_user(user)
            .with_context(active_id=tx.payment_id.id, active_model="account.payment")
            .create(values)
        )

    def _request(self, tx, amount=None, user=None):
        """The payment's Refund button: the request it made."""
        wizard = self._wizard(tx, amount, user)
        wizard.action_refund()
        return wizard.pagoefectivo_refund_transaction_id.with_env(self.env)

    def _refund_webhook(self, tx, operation="R-1", **data):
        """A signed cip.refunded notification of `tx`'s CIP; its notification."""
        body = self._paid_body(tx, **data)
        body.update(eventType=const.EVENT_REFUNDED, operationNumber=operation)
        self.env.flush_all()
        self.assertEqual(self._post_webhook(body).status_code, 200)
        self.env.invalidate_all()
        return self.env["pagoefectivo.notification"].search(
            [("event_type", "=", const.EVENT_REFUNDED)], order="id desc", limit=1
        )

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

    def test_a_double_submit_makes_one_request_two_requests_make_two(self):
        tx = self._paid()
        wizard = self._wizard(tx, 30.0)
        wizard.action_refund()
        wizard.action_refund()  # the same wizard submitted twice
        first = wizard.pagoefectivo_refund_transaction_id
        self.assertEqual(self._refunds(tx), first)
        # Another S/30 refund is another request.
        second = self._request(tx, 30.0)
        self.assertNotEqual(second, first)
        self.assertEqual(self._refunds(tx), first | second)
        self.assertEqual(self._available(tx), 90.5)
        # One confirmation of S/30 confirms the oldest only.
        Tx = self.env["payment.transaction"]
        outcome = Tx._pagoefectivo_confirm_refund(tx, 30.0, "DEV-1")
        self.assertEqual(outcome, ("confirmed", first))
        self.assertEqual((first.state, second.state), ("done", "pending"))

    def test_locking_the_refunds_writes_the_payment_row(self):
        """An UPDATE (a new row version), not a SELECT FOR UPDATE: a concurrent
        request that waited for it then fails to serialize and is retried with
        a fresh view, instead of missing what the first one did."""
        tx = self._paid()
        self.env.flush_all()

        def row_version():
            self.env.cr.execute(
                "SELECT ctid FROM payment_transaction WHERE id = %s", [tx.id]
            )
            return self.env.cr.fetchone()[0]

        before = row_version()
        tx._pagoefectivo_lock_refunds()
        self.assertNotEqual(row_version(), before)

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
        with self.assertRaisesRegex(UserError, "Only a pending PagoEfectivo refund"):
            tx.with_user(self.billing_user).action_pagoefectivo_withdraw_refund()

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
        self.assertEqual(refund.pagoefectivo_refund_escalation_id, overdue)
        self._refund_in_portal(tx, "30.00")
        self.assertEqual(refund.state, "done")
        self.assertFalse(overdue.active, "the escalation is done with the refund")

    def test_escalation_goes_to_the_requester_without_a_refund_user(self):
        self.provider.pagoefectivo_refund_user_id = False
        tx = self._paid()
        refund = self._request(tx, 30.0)
        with freeze_time(fields.Datetime.now() + timedelta(days=8, hours=1)):
            self.env["payment.transaction"]._cron_pagoefectivo_refund_deadlines()
        escalation = refund.pagoefectivo_refund_escalation_id
        self.assertEqual(escalation.user_id, self.billing_user)
        refund.with_user(self.billing_user).action_pagoefectivo_withdraw_refund()
        self.assertFalse(escalation.active)

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
        self.provider.pagoefectivo_refund_notify_customer = True
        tx = self._paid()
        self._refund_in_portal(tx, "30.00")
        refund = self._refunds(tx)
        self.assertEqual((refund.state, refund.amount), ("done", -30.0))
        self.assertEqual(refund.payment_id.source_payment_id, tx.payment_id)
        notification = self._refund_notifications(tx)
        self.assertEqual(
            (notification.state, notification.review_reason),
            ("review", "refund_unrequested"),
        )
        self.assertIn(
            "PagoEfectivo refund not requested in Odoo",
            tx.payment_id.activity_ids.mapped("summary"),
        )
        self.assertFalse(
            self.env["mail.mail"].search(
                [("model", "=", "payment.transaction"), ("res_id", "=", refund.id)]
            ),
            "no email about a refund under review",
        )
        # Applied already: Apply again does nothing more.
        notification.action_retry()
        self.assertEqual(self._refunds(tx), refund)

    def test_a_confirmation_beyond_the_payment_books_nothing(self):
        tx = self._paid()
        self._request(tx, 100.0)
        # More than any pending request and than the 50.5 left.
        outcome, refund = self.env["payment.transaction"]._pagoefectivo_confirm_refund(
            tx, 120.0, "DEV-9", None, source="settlement"
        )
        self.assertEqual(outcome, "exceeds")
        self.assertFalse(refund)
        self.assertEqual(len(self._refunds(tx)), 1)
        self.assertFalse(self._refund_payments(tx))
        self.assertIn(
            "PagoEfectivo refund exceeds the payment",
            tx.payment_id.activity_ids.mapped("summary"),
        )

    def test_a_zero_refund_confirms_no_request(self):
        tx = self._paid()
        self._request(tx, 100.0)
        with self.assertRaisesRegex(UserError, "nothing was refunded"):
            self.env["payment.transaction"]._pagoefectivo_confirm_refund(
                tx, 0.0, "DEV-0", None, source="settlement"
            )
        self.assertEqual(self._refunds(tx).state, "pending")

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

    def test_a_smaller_refund_confirms_the_request_for_what_was_refunded(self):
        tx = self._paid()
        asked = self._request(tx, 100.0)
        self._refund_in_portal(tx, "99.00")
        self.assertEqual((asked.state, asked.amount), ("done", -99.0))
        self.assertEqual(asked.payment_id.amount, 99.0)
        self.assertIn(self._money(100.0), asked.state_message)
        self.assertIn(self._money(99.0), asked.state_message)
        self.assertEqual(self._refund_notifications(tx).state, "applied")
        self.assertEqual(self._available(tx), 51.5)

    def test_a_confirmation_picks_the_same_amount_first_else_the_oldest_larger(self):
        tx = self._paid()
        large = self._request(tx, 60.0)
        exact = self._request(tx, 40.0)
        Tx = self.env["payment.transaction"]
        self.assertEqual(
            Tx._pagoefectivo_confirm_refund(tx, 40.0, "A"), ("confirmed", exact)
        )
        self.assertEqual(
            Tx._pagoefectivo_confirm_refund(tx, 35.0, "B"), ("confirmed", large)
        )
        self.assertEqual(large.amount, -35.0)

    def test_the_same_reference_with_another_amount_is_not_a_duplicate(self):
        tx = self._paid()
        refund = self._request(tx, 40.0)
        Tx = self.env["payment.transaction"]
        Tx._pagoefectivo_confirm_refund(tx, 40.0, "DEV-7", source="settlement")
        self.assertEqual(refund.provider_reference, "settlement:DEV-7")
        self.assertIn("DEV-7", refund.payment_id.memo)
        with self.assertRaisesRegex(UserError, "DEV-7"):
            Tx._pagoefectivo_confirm_refund(tx, 45.0, "DEV-7", source="settlement")
        first = self._refund_webhook(tx, "OP-9", amount="40.00")
        self.assertEqual(first.state, "duplicate")
        other = self._refund_webhook(tx, "OP-9", amount="41.00")
        self.assertEqual(
            (other.state, other.review_reason), ("review", "refund_conflict")
        )
        self.assertIn("OP-9", other.outcome)
        self.assertEqual(len(self._refund_payments(tx)), 1)

    def test_mark_as_refunded_checks_amount_date_and_request(self):
        tx = self._paid()
        refund = self._request(tx, 20.0)
        Confirm = self.env["pagoefectivo.refund.confirm"].with_user(self.accountant)
        values = {"transaction_id": refund.id, "reference": "PORTAL-1"}
        for amount, error in ((0.0, "nothing was refunded"), (20.01, "at most")):
            with self.assertRaisesRegex(UserError, error):
                Confirm.create({**values, "amount": amount}).action_confirm()
        tomorrow = self._today() + timedelta(days=1)
        with self.assertRaisesRegex(UserError, "later than today"):
            Confirm.create({**values, "refunded_on": tomorrow}).action_confirm()
        with self.assertRaisesRegex(UserError, "Only a pending PagoEfectivo refund"):
            Confirm.create({**values, "transaction_id": tx.id}).action_confirm()
        self.assertEqual(refund.state, "pending")

        Confirm.create({**values, "amount": 19.5}).action_confirm()
        self.assertEqual((refund.state, refund.amount), ("done", -19.5))
        # The same portal reference for another request is refused, loudly.
        other = self._request(tx, 10.0)
        with self.assertRaisesRegex(UserError, "PORTAL-1"):
            Confirm.create({**values, "transaction_id": other.id}).action_confirm()
        self.assertEqual(other.state, "pending")

    def test_mark_as_refunded_only_in_the_users_companies(self):
        tx = self._paid()
        refund = self._request(tx, 20.0)
        company_b = self.company_b
        self.accountant.company_ids |= company_b
        wizard = self.env["pagoefectivo.refund.confirm"].with_user(self.accountant)
        wizard = wizard.create({"transaction_id": refund.id, "reference": "P-2"})
        with self.assertRaises(AccessError):
            wizard.with_context(allowed_company_ids=company_b.ids).action_confirm()
        self.assertEqual(refund.state, "pending")

    def test_confirmations_are_seen_in_their_company_only(self):
        tx = self._paid()
        self._request(tx, 20.0)
        self._refund_in_portal(tx, "20.00")
        company_b = self.company_b
        outsider = new_test_user(
            self.env,
            login="pe_refund_outsider",
            groups="base.group_user,account.group_account_invoice",
            company_id=company_b.id,
            company_ids=[Command.set(company_b.ids)],
        )
        Confirmation = self.env["pagoefectivo.refund.confirmation"]
        [confirmation] = Confirmation.search([("source_transaction_id", "=", tx.id)])
        self.assertEqual(confirmation.company_id, tx.company_id)
        self.assertFalse(Confirmation.with_user(outsider).search([]))
        self.assertEqual(
            Confirmation.with_user(self.billing_user).search(
                [("source_transaction_id", "=", tx.id)]
            ),
            confirmation,
        )

    # === THE NOTIFICATION === #

    def test_a_refund_notification_is_dated_by_its_payload(self):
        tx = self._paid()
        refund = self._request(tx, 30.0)
        notification = self._refund_webhook(
            tx, amount="30.00", paymentDate="2026-11-20T22:15:00-05:00"
        )
        self.assertEqual(notification.state, "applied")
        self.assertEqual(refund.payment_id.date, fields.Date.to_date("2026-11-20"))

    def test_unreadable_refund_amounts_book_nothing(self):
        tx = self._paid()
        self._request(tx, 30.0)
        for number, amount in enumerate(
            ("NaN", "Infinity", "3_0", "3e1", "-30", "0", "30,00", "")
        ):
            notification = self._refund_webhook(tx, f"R-{number}", amount=amount)
            self.assertEqual(
                (notification.state, notification.review_reason),
                ("review", "refund_amount"),
                amount,
            )
            self.assertIn("unreadable", notification.outcome)
        self.assertEqual(self._refunds(tx).state, "pending")
        self.assertFalse(self._refund_payments(tx))

    def test_a_refund_before_the_payment_is_confirmed_waits_for_it(self):
        tx = self._issue_voucher()
        notification = self._refund_webhook(tx, amount="30.00")
        self.assertEqual(
            (notification.state, notification.review_reason),
            ("review", "refund_unpaid"),
        )
        self.assertIn("not confirmed yet", notification.outcome)
        # As an old "Refund to track" notification would be after the upgrade.
        notification.review_reason = "refund"
        with self._odoo_reachable():
            self.emulator.pay(tx.provider_reference)
        tx._post_process()
        notification.with_user(self.accountant).action_retry()
        self.assertEqual(
            (notification.state, notification.review_reason),
            ("review", "refund_unrequested"),
        )
        self.assertEqual(self._refunds(tx).state, "done")

    def test_a_refund_notification_must_be_about_its_transactions_cip(self):
        tx = self._paid()
        self._request(tx, 30.0)
        notification = self._refund_webhook(tx, amount="30.00", cip="99999999")
        self.assertEqual(notification.review_reason, "unknown_cip")
        # A billing user points it at a transaction: it still books nothing.
        notification.with_user(self.billing_user).transaction_id = tx
        with self.assertRaises(AccessError):
            notification.with_user(self.billing_user).action_retry()
        notification.with_user(self.accountant).action_retry()
        self.assertEqual(
            (notification.state, notification.review_reason),
            ("review", "cip_mismatch"),
        )
        self.assertEqual(self._refunds(tx).state, "pending")

    # === WHERE PEOPLE LOOK === #

    def test_the_order_and_its_portal_page_show_the_refund(self):
        self.provider.pagoefectivo_refund_notify_customer = True
        self.env.company.email = "refunds@example.com"
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
        self.assertEqual(mail.email_from, self.env.company.email_formatted)
        self.assertTrue(
            order.message_ids.filtered(
                lambda m: "customer was emailed" in (m.body or "")
            )
            or tx.payment_id.message_ids.filtered(
                lambda m: "customer was emailed" in (m.body or "")
            )
        )
        refund.pagoefectivo_paid_at = False
        [note] = order._pagoefectivo_refund_notes()
        self.assertIn("Refunded on", note)

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
