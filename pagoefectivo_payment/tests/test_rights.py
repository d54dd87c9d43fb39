from datetime import timedelta
from unittest.mock import patch

from freezegun import freeze_time
from psycopg2 import IntegrityError

from odoo import fields
from odoo.exceptions import AccessError
from odoo.fields import Command
from odoo.tests import JsonRpcException, new_test_user, tagged
from odoo.tools import mute_logger

from .common import SECRET_KEY, PagoEfectivoCommon

NEW_SECRET = "N3wS3cr3tN3wS3cr3tN3wS3cr3tN3wS3cr3t0000"

# Fields of the provider only administrators may read.
CREDENTIAL_FIELDS = (
    "pagoefectivo_access_key",
    "pagoefectivo_secret_key",
    "pagoefectivo_previous_secret_key",
    "pagoefectivo_previous_secret_until",
    "pagoefectivo_base_url",
)


def _new_user(env, login, group):
    """A user of the current company (password: login + "-Pa55word")."""
    return new_test_user(
        env,
        login=login,
        password=f"{login}-Pa55word",
        groups=f"base.group_user,{group}",
        company_id=env.company.id,
        company_ids=[Command.set(env.company.ids)],
    )


@tagged("post_install", "-at_install")
class TestRights(PagoEfectivoCommon):
    """Billing users and accountants run the vouchers; only administrators see
    the credentials the provider uses on their behalf."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.billing_user = cls._new_user("pe_billing", "account.group_account_invoice")
        cls.accountant = cls._new_user("pe_accountant", "account.group_account_manager")
        cls.internal_user = cls._new_user("pe_internal", "base.group_user")
        cls.administrator = cls._new_user("pe_admin", "base.group_system")

    @classmethod
    def _new_user(cls, login, group):
        return _new_user(cls.env, login, group)

    # === HELPERS === #

    def _rpc(self, user, model, method, args, kwargs=None, button=True):
        """Call a model's method as `user` through the web client's routes."""
        self.authenticate(user.login, f"{user.login}-Pa55word")
        route = "call_button" if button else "call_kw"
        # The opener flushes this test's writes and clears its cache first.
        return self.make_jsonrpc_request(
            f"/web/dataset/{route}/{model}/{method}",
            {"model": model, "method": method, "args": args, "kwargs": kwargs or {}},
        )

    def _assert_refused(self, user, model, method, args, kwargs=None, button=True):
        with (
            self.assertRaises(JsonRpcException) as refused,
            mute_logger("odoo.http"),
        ):
            self._rpc(user, model, method, args, kwargs, button=button)
        self.assertEqual(str(refused.exception), "odoo.exceptions.AccessError")

    def _status(self, tx):
        return self.emulator.cips[int(tx.provider_reference)]["statusName"]

    def _expired_voucher(self):
        tx = self._issue_voucher()
        self.emulator.expire(tx.provider_reference)
        self.env["payment.provider"].sudo()._cron_pagoefectivo_recover()
        self.assertEqual(tx.state, "cancel")
        return tx

    def _extend_as(self, user, tx):
        new_expiry = fields.Datetime.now().replace(microsecond=0) + timedelta(days=3)
        context = {"default_transaction_id": tx.id}
        wizard_id = self._rpc(
            user,
            "pagoefectivo.extend.voucher",
            "create",
            [{"new_expiry": fields.Datetime.to_string(new_expiry)}],
            {"context": context},
            button=False,
        )
        if isinstance(wizard_id, list):
            [wizard_id] = wizard_id
        self._rpc(
            user,
            "pagoefectivo.extend.voucher",
            "action_extend",
            [[wizard_id]],
            {"context": context},
        )
        return new_expiry

    def _notification_to_review(self):
        tx = self._issue_voucher()
        with (
            patch.object(type(tx), "_set_done", side_effect=RuntimeError("boom")),
            self._odoo_reachable(),
        ):
            self.emulator.pay(tx.provider_reference)
        [notification] = self._notifications(tx)
        self.assertEqual(notification.review_reason, "error")
        return tx, notification

    # === TESTS === #

    def test_the_users_are_no_settings_administrators(self):
        for user in (self.billing_user, self.accountant, self.internal_user):
            self.assertFalse(user.has_group("base.group_system"), user.login)
            self.assertFalse(user.has_group("base.group_erp_manager"), user.login)
        self.assertFalse(self.billing_user.has_group("account.group_account_manager"))

    def test_billing_users_and_accountants_cancel_vouchers(self):
        for user in (self.billing_user, self.accountant):
            tx = self._issue_voucher()
            self._rpc(
                user, "payment.transaction", "action_pagoefectivo_cancel", [tx.ids]
            )
            self.assertEqual(tx.state, "cancel", user.login)
            # The CIP is deleted at PagoEfectivo right after, by the job.
            self.env["payment.transaction"].sudo()._cron_pagoefectivo_delete_withdrawn()
            self.assertEqual(self._status(tx), "Eliminada", user.login)

    def test_billing_users_and_accountants_extend_vouchers(self):
        for user in (self.billing_user, self.accountant):
            tx = self._expired_voucher()
            new_expiry = self._extend_as(user, tx)
            self.assertEqual(tx.state, "pending", user.login)
            self.assertEqual(tx.pagoefectivo_expiry, new_expiry, user.login)
            self.assertEqual(self._status(tx), "Generado", user.login)

    def test_the_extend_wizard_opens_for_a_billing_user(self):
        tx = self._expired_voucher()
        self.env.invalidate_all()  # the provider is read afresh, as in a request
        wizard = (
            self.env["pagoefectivo.extend.voucher"]
            .with_user(self.billing_user)
            .with_context(default_transaction_id=tx.id)
            .new({})
        )
        self.assertEqual(wizard.transaction_id, tx)
        self.assertGreater(wizard.new_expiry, fields.Datetime.now())

    def test_billing_users_and_accountants_apply_notifications_again(self):
        for user in (self.billing_user, self.accountant):
            tx, notification = self._notification_to_review()
            self._rpc(
                user, "pagoefectivo.notification", "action_retry", [notification.ids]
            )
            self.assertEqual((notification.state, tx.state), ("applied", "done"))

    def test_internal_users_can_do_none_of_it(self):
        user = self.internal_user
        tx = self._issue_voucher()
        self._assert_refused(
            user, "payment.transaction", "action_pagoefectivo_cancel", [tx.ids]
        )
        self._assert_refused(
            user,
            "pagoefectivo.extend.voucher",
            "create",
            [{"new_expiry": "2030-01-01 00:00:00"}],
            {"context": {"default_transaction_id": tx.id}},
            button=False,
        )
        _review_tx, notification = self._notification_to_review()
        self._assert_refused(
            user, "pagoefectivo.notification", "action_retry", [notification.ids]
        )
        # Nor through the ORM, whatever the cache holds.
        for call in (
            lambda: tx.with_user(user).action_pagoefectivo_cancel(),
            lambda: tx.with_user(user)._pagoefectivo_extend(
                fields.Datetime.now() + timedelta(days=1)
            ),
            lambda: notification.with_user(user).action_retry(),
        ):
            with self.assertRaises(AccessError):
                call()
        self.assertEqual(tx.state, "pending")
        self.assertEqual(self._status(tx), "Generado")
        self.assertEqual(notification.state, "review")

    def test_only_administrators_read_the_credentials(self):
        for name in CREDENTIAL_FIELDS:
            field = self.env["payment.provider"]._fields[name]
            self.assertEqual(field.groups, "base.group_system", name)
        for user in (self.billing_user, self.accountant, self.internal_user):
            provider = self.provider.with_user(user)
            self.env.invalidate_all()
            for name in CREDENTIAL_FIELDS:
                with self.assertRaises(AccessError, msg=f"{user.login} {name}"):
                    provider.read([name])
            self._assert_refused(
                user,
                "payment.provider",
                "read",
                [self.provider.ids, ["pagoefectivo_secret_key"]],
                button=False,
            )
        [values] = self.provider.with_user(self.administrator).read(
            ["pagoefectivo_secret_key"]
        )
        self.assertEqual(values["pagoefectivo_secret_key"], SECRET_KEY)

    def test_only_administrators_revoke_the_previous_key(self):
        self.provider.pagoefectivo_secret_key = NEW_SECRET
        for user in (self.billing_user, self.accountant):
            self._assert_refused(
                user,
                "payment.provider",
                "action_pagoefectivo_revoke_previous_secret",
                [self.provider.ids],
            )
        self.assertEqual(self.provider.pagoefectivo_previous_secret_key, SECRET_KEY)


@tagged("post_install", "-at_install")
class TestKeyRotation(PagoEfectivoCommon):
    """After a leak: a short grace period for the replaced key, or none."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.administrator = _new_user(cls.env, "pe_rotation_admin", "base.group_system")

    def _deliver(self, body, secret):
        """The webhook's HTTP status for `body` signed with `secret`."""
        return self._post_webhook(body, secret=secret).status_code

    def test_grace_period_is_at_most_a_week(self):
        for hours in (-1, 169):
            with self.assertRaises(IntegrityError), mute_logger("odoo.sql_db"):
                self.provider.pagoefectivo_secret_grace_hours = hours
                self.provider.flush_recordset()
        for hours in (0, 168):
            self.provider.pagoefectivo_secret_grace_hours = hours
            self.provider.flush_recordset()

    def test_rotation_keeps_the_previous_key_for_the_grace_period(self):
        self.provider.pagoefectivo_secret_grace_hours = 168
        before = fields.Datetime.now()
        self.provider.pagoefectivo_secret_key = NEW_SECRET
        self.assertEqual(self.provider.pagoefectivo_previous_secret_key, SECRET_KEY)
        self.assertLessEqual(
            self.provider.pagoefectivo_previous_secret_until - before,
            timedelta(hours=168, seconds=5),
        )

    def test_no_grace_keeps_no_previous_key(self):
        self.provider.write(
            {
                "pagoefectivo_secret_grace_hours": 0,
                "pagoefectivo_secret_key": NEW_SECRET,
            }
        )
        self.assertFalse(self.provider.pagoefectivo_previous_secret_key)
        tx = self._issue_voucher()
        self.assertEqual(self._deliver(self._paid_body(tx), SECRET_KEY), 403)

    def test_revoked_previous_key_is_refused_at_once(self):
        tx = self._issue_voucher()
        body = self._paid_body(tx)
        self.provider.pagoefectivo_secret_key = NEW_SECRET
        self.assertTrue(self.provider.pagoefectivo_previous_secret_until)
        provider = self.provider.with_user(self.administrator)
        self.assertIs(provider.action_pagoefectivo_revoke_previous_secret(), True)
        self.assertFalse(self.provider.pagoefectivo_previous_secret_key)
        self.assertFalse(self.provider.pagoefectivo_previous_secret_until)
        self.assertEqual(self._deliver(body, SECRET_KEY), 403)
        self.assertEqual(tx.state, "pending")
        self.assertFalse(self._notifications(tx))
        self.assertEqual(self._deliver(body, NEW_SECRET), 200)
        self.assertEqual(tx.state, "done")

    def test_the_purge_job_clears_the_previous_key_after_its_grace(self):
        self.provider.pagoefectivo_secret_grace_hours = 24
        self.provider.pagoefectivo_secret_key = NEW_SECRET
        purge = self.env["payment.provider"].sudo()._cron_pagoefectivo_purge_audit
        purge()
        self.assertEqual(self.provider.pagoefectivo_previous_secret_key, SECRET_KEY)
        with freeze_time(fields.Datetime.now() + timedelta(hours=25)):
            purge()
        self.assertFalse(self.provider.pagoefectivo_previous_secret_key)
        self.assertFalse(self.provider.pagoefectivo_previous_secret_until)

    def test_an_expired_previous_key_is_cleared_when_a_notification_comes(self):
        tx = self._issue_voucher()
        body = self._paid_body(tx)
        self.provider.pagoefectivo_secret_grace_hours = 1
        self.provider.pagoefectivo_secret_key = NEW_SECRET
        with freeze_time(fields.Datetime.now() + timedelta(hours=2)):
            self.assertEqual(self._deliver(body, SECRET_KEY), 403)
            self.assertEqual(self._deliver(body, NEW_SECRET), 200)
        self.assertFalse(self.provider.pagoefectivo_previous_secret_key)
        self.assertFalse(self.provider.pagoefectivo_previous_secret_until)
        self.assertEqual(tx.state, "done")
