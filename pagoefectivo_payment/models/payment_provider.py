from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import ValidationError

from odoo.addons.payment.logging import get_payment_logger

from .. import const
from ..exceptions import PagoEfectivoError
from ..tools.signature import signature_matches

_logger = get_payment_logger(__name__)


class PaymentProvider(models.Model):
    _inherit = "payment.provider"

    code = fields.Selection(
        selection_add=[("pagoefectivo", "PagoEfectivo")],
        ondelete={"pagoefectivo": "set default"},
    )
    pagoefectivo_service_id = fields.Char(
        string="Service ID",
        help="The idService PagoEfectivo gave you (4 to 5 digits).",
        required_if_provider="pagoefectivo",
        copy=False,
    )
    pagoefectivo_access_key = fields.Char(
        string="Access Key",
        required_if_provider="pagoefectivo",
        copy=False,
        groups="base.group_system",
    )
    pagoefectivo_secret_key = fields.Char(
        string="Secret Key",
        help="Signs API requests and the notifications PagoEfectivo sends.",
        required_if_provider="pagoefectivo",
        copy=False,
        groups="base.group_system",
    )
    pagoefectivo_previous_secret_key = fields.Char(
        string="Previous Secret Key",
        copy=False,
        groups="base.group_system",
    )
    pagoefectivo_previous_secret_until = fields.Datetime(
        string="Previous Secret Accepted Until",
        help="Notifications signed with the previous secret key are accepted "
        "until then. Set when the secret key changes.",
        copy=False,
        groups="base.group_system",
    )
    pagoefectivo_secret_grace_hours = fields.Integer(
        string="Key Rotation Grace (hours)",
        help="How long notifications signed with a replaced secret key are "
        "still accepted: 0 to 168 hours (7 days). After a leak, revoke the "
        "previous key at once instead.",
        default=72,
    )
    pagoefectivo_base_url = fields.Char(
        string="API Base URL",
        help="Leave empty to use PagoEfectivo's sandbox in test mode and its "
        "production host when enabled. Set it for an aggregator or the local "
        "emulator, e.g. http://127.0.0.1:9077/v1/",
        groups="base.group_system",
    )
    pagoefectivo_voucher_hours = fields.Integer(
        string="Voucher Validity (hours)",
        help="How long a customer has to pay a CIP.",
        default=48,
    )
    pagoefectivo_payment_concept = fields.Char(
        string="Payment Concept",
        help="Shown to the customer when paying; at most 50 characters. "
        "Defaults to the company name.",
        size=50,
        translate=True,
    )
    pagoefectivo_log_retention_days = fields.Integer(
        string="Audit Log Retention (days)",
        help="API calls and notifications older than this are purged.",
        default=730,
    )
    pagoefectivo_notification_url = fields.Char(
        string="Notification URL",
        compute="_compute_pagoefectivo_notification_url",
        help="Register this URL in PagoEfectivo's merchant portal.",
    )

    _pagoefectivo_voucher_hours_range = models.Constraint(
        f"CHECK(pagoefectivo_voucher_hours IS NULL OR pagoefectivo_voucher_hours "
        f"BETWEEN {const.VOUCHER_HOURS_MIN} AND {const.VOUCHER_HOURS_MAX})",
        "The voucher validity must be between 1 and 720 hours.",
    )
    _pagoefectivo_secret_grace_hours_range = models.Constraint(
        f"CHECK(pagoefectivo_secret_grace_hours IS NULL OR "
        f"pagoefectivo_secret_grace_hours BETWEEN 0 AND "
        f"{const.SECRET_GRACE_HOURS_MAX})",
        "The key rotation grace must be between 0 and 168 hours (7 days).",
    )

    # === COMPUTE METHODS === #

    def _compute_pagoefectivo_notification_url(self):
        for provider in self:
            provider.pagoefectivo_notification_url = (
                provider.get_base_url().rstrip("/") + const.WEBHOOK_ROUTE
            )

    def _get_supported_currencies(self):
        supported = super()._get_supported_currencies()
        if self.code == "pagoefectivo":
            supported = supported.filtered(
                lambda c: c.name in const.SUPPORTED_CURRENCIES
            )
        return supported

    def _get_default_payment_method_codes(self):
        self.ensure_one()
        if self.code != "pagoefectivo":
            return super()._get_default_payment_method_codes()
        return const.DEFAULT_PAYMENT_METHOD_CODES

    # === CONSTRAINTS AND CRUD === #

    @api.constrains("pagoefectivo_service_id")
    def _check_pagoefectivo_service_id(self):
        for provider in self.filtered("pagoefectivo_service_id"):
            if not provider.pagoefectivo_service_id.isdigit():
                raise ValidationError(
                    self.env._("The PagoEfectivo service ID is a number.")
                )

    def write(self, vals):
        if vals.get("pagoefectivo_secret_key"):
            self._pagoefectivo_keep_previous_secret(
                vals["pagoefectivo_secret_key"],
                vals.get("pagoefectivo_secret_grace_hours"),
            )
        return super().write(vals)

    def _pagoefectivo_keep_previous_secret(self, new_secret, grace_hours=None):
        """Keep accepting notifications signed with a replaced secret for a while:
        the grace period, never more than a week; none at all when it is 0."""
        for provider in self.sudo():
            old_secret = provider.pagoefectivo_secret_key
            if not old_secret or old_secret == new_secret:
                continue
            hours = (
                provider.pagoefectivo_secret_grace_hours
                if grace_hours is None
                else grace_hours
            )
            hours = min(max(hours or 0, 0), const.SECRET_GRACE_HOURS_MAX)
            provider.update(
                {
                    "pagoefectivo_previous_secret_key": old_secret if hours else False,
                    "pagoefectivo_previous_secret_until": (
                        fields.Datetime.now() + timedelta(hours=hours)
                        if hours
                        else False
                    ),
                }
            )

    def action_pagoefectivo_revoke_previous_secret(self):
        """Stop accepting the replaced secret key now (it leaked, for instance).

        Runs with the user's rights: only administrators can write the key.
        """
        self.write(
            {
                "pagoefectivo_previous_secret_key": False,
                "pagoefectivo_previous_secret_until": False,
            }
        )
        _logger.info(
            "Previous PagoEfectivo secret key of providers %s revoked by user %s.",
            self.ids,
            self.env.uid,
        )
        return True

    def _pagoefectivo_drop_expired_previous_secret(self):
        """Forget previous secret keys whose grace period is over."""
        now = fields.Datetime.now()
        for provider in self.sudo():
            until = provider.pagoefectivo_previous_secret_until
            expired = not until or until <= now
            if provider.pagoefectivo_previous_secret_key and expired:
                provider.write(
                    {
                        "pagoefectivo_previous_secret_key": False,
                        "pagoefectivo_previous_secret_until": False,
                    }
                )

    # === BUSINESS METHODS === #

    def _pagoefectivo_signing_key(self, body, signature):
        """Which secret signed the body: "current", "previous" (within its grace
        period) or None."""
        self.ensure_one()
        provider = self.sudo()
        until = provider.pagoefectivo_previous_secret_until
        previous = provider.pagoefectivo_previous_secret_key
        if previous and (not until or until <= fields.Datetime.now()):
            # Its grace period is over: forget it now rather than at the next
            # purge. A refused request rolls this back: the key stays unused.
            provider._pagoefectivo_drop_expired_previous_secret()
            previous = False
        if signature_matches(provider.pagoefectivo_secret_key, body, signature):
            return "current"
        if previous and signature_matches(previous, body, signature):
            return "previous"
        return None

    def action_pagoefectivo_test_credentials(self):
        """Ask PagoEfectivo for a token and say plainly how it went."""
        self.ensure_one()
        try:
            self._pagoefectivo_get_token(force=True)
        except PagoEfectivoError as error:
            message, kind = self._pagoefectivo_credentials_problem(error), "danger"
        else:
            message = self.env._(
                "PagoEfectivo accepted the credentials of service %(service)s "
                "at %(url)s.",
                service=self.pagoefectivo_service_id,
                url=self._pagoefectivo_api_base(),
            )
            kind = "success"
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": self.env._("PagoEfectivo credentials"),
                "message": message,
                "type": kind,
                "sticky": kind == "danger",
            },
        }

    def _pagoefectivo_credentials_problem(self, error):
        if error.status is None:
            return self.env._(
                "PagoEfectivo could not be reached at %(url)s. Check the API base "
                "URL and that this server can open outgoing HTTPS connections.",
                url=self._pagoefectivo_api_base(),
            )
        if error.status in (400, 401, 403):
            return self.env._(
                "PagoEfectivo rejected the service ID, access key or secret key "
                "(%(detail)s). Sandbox and production credentials differ: check "
                "that they match the provider's state.",
                detail=str(error.args[0]),
            )
        return str(error.args[0])

    def _pagoefectivo_voucher_expiry(self, hours=None):
        """When a voucher issued now expires: after `hours` (a validity chosen
        when issuing it), else after the provider's validity."""
        hours = hours or self.pagoefectivo_voucher_hours
        return fields.Datetime.now() + timedelta(hours=hours)
