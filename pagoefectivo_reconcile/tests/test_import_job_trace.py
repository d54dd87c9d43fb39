from unittest.mock import patch

from odoo.fields import Command
from odoo.tests import new_test_user, tagged
from odoo.tools import mute_logger

from .common import PagoEfectivoReconcileCommon

JOB_LOGGER = "odoo.addons.pagoefectivo_reconcile.models.pagoefectivo_import_job"
MATCHING_LOGGERS = (
    "odoo.addons.pagoefectivo_reconcile.models.pagoefectivo_operation_verification",
    "odoo.addons.pagoefectivo_payment.models.payment_provider_api",
)
SENDER = "reportes@pagoefectivo.example"


@tagged("post_install", "-at_install")
class TestImportJobTrace(PagoEfectivoReconcileCommon):
    """The background job writes in the language of whoever brought the file
    (the company's for an emailed one), and a file it stops stays in sight:
    a note on the file and an activity for whoever must resume it."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.lang"]._activate_lang("es_PE")
        cls.contadora = new_test_user(
            cls.env,
            login="pe_contadora",
            groups="account.group_account_user",
            company_id=cls.env.company.id,
            company_ids=[Command.set(cls.env.company.ids)],
            lang="es_PE",
        )

    def _clearing(self):
        return self.env["account.journal"]._pagoefectivo_journal(
            self.env.company, self.env.company.currency_id
        )

    def _unknown_and_clean(self, day):
        """A settlement with a CIP PagoEfectivo does not know and a clean one."""
        unknown = self._transaction(44.0, state="pending")
        clean = self._transaction(45.0)
        content = self._settlement(
            [
                self._cip(unknown, self.lima(2026, 7, day, 10)),
                self._cip(clean, self.lima(2026, 7, day, 11)),
            ]
        )
        return unknown, content

    def _email(self, journal, content, filename):
        self._deliver_email(journal, SENDER, content, filename)

    def _stop_at_the_next_step(self, journal):
        """The clearing journal loses its transfer account after the file was
        accepted: the job's next step fails."""
        journal.pagoefectivo_transfer_account_id = False
        with mute_logger(JOB_LOGGER, *MATCHING_LOGGERS):
            self._process_imports()

    def assertStoppedTrace(self, record, responsible):
        self.assertEqual(record.state, "failed")
        self.assertIn("Configure primero el diario", record.job_error)
        notes = record.message_ids.filtered(lambda m: "se detuvo tras" in str(m.body))
        self.assertEqual(len(notes), 1)
        self.assertIn("Configure primero el diario", str(notes.body))
        activity = record.activity_ids
        self.assertEqual(len(activity), 1)
        self.assertEqual(activity.user_id, responsible)
        self.assertIn("se detuvo tras", str(activity.note))

    def test_a_users_file_in_their_language_and_stopped_for_them(self):
        unknown, content = self._unknown_and_clean(6)
        Import = self.env["pagoefectivo.import"].with_user(self.contadora)
        record = Import._import_file(content, "liquidacion.csv")
        with mute_logger(*MATCHING_LOGGERS):
            self._process_imports()
        op = record.operation_ids.filtered(
            lambda o: o.cip == unknown.provider_reference
        )
        self.assertEqual(op.reason, "unverified")
        self.assertIn("No confirmado por PagoEfectivo", op.note)

        unknown, content = self._unknown_and_clean(7)
        record = Import._import_file(content, "liquidacion2.csv")
        with patch.object(type(self.env["res.users"]), "_bus_send") as sent:
            self._stop_at_the_next_step(self._clearing())
        self.assertStoppedTrace(record, self.contadora)
        (notification,) = [  # and the notification, as before
            call.args[1]
            for call in sent.call_args_list
            if call.args[0] == "simple_notification"
        ]
        self.assertEqual(notification["type"], "danger")

    def test_an_emailed_file_in_the_companys_language_stopped_for_the_journal(self):
        self.env.company.partner_id.lang = "es_PE"
        journal = self._clearing()
        journal.pagoefectivo_allowed_senders = SENDER
        journal.message_unsubscribe(partner_ids=journal.message_partner_ids.ids)
        journal.message_subscribe(partner_ids=self.contadora.partner_id.ids)
        unknown, content = self._unknown_and_clean(8)
        self._email(journal, content, "liquidacion.csv")
        self.env["pagoefectivo.import"]._cron_import_journal_files()
        record = self.env["pagoefectivo.import"].search(
            [("source_journal_id", "=", journal.id)]
        )
        self.assertEqual((record.source, record.imported_by.id), ("email", False))
        with mute_logger(*MATCHING_LOGGERS):
            self._process_imports()
        op = record.operation_ids.filtered(
            lambda o: o.cip == unknown.provider_reference
        )
        self.assertIn("No confirmado por PagoEfectivo", op.note)

        unknown, content = self._unknown_and_clean(9)
        self._email(journal, content, "liquidacion2.csv")
        self.env["pagoefectivo.import"]._cron_import_journal_files()
        record = self.env["pagoefectivo.import"].search(
            [("name", "=", "liquidacion2.csv")]
        )
        self._stop_at_the_next_step(journal)
        self.assertStoppedTrace(record, self.contadora)
