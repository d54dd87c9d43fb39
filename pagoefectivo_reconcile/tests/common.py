import uuid
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from email.message import EmailMessage
from types import SimpleNamespace

from odoo.fields import Command
from odoo.tests import Form, new_test_user

from odoo.addons.account.tests.common import AccountTestInvoicingCommon

from pagoefectivo_emulator import Emulator, reports

LIMA = timezone(timedelta(hours=-5))
SERVICE_ID = "1234"
ACCESS_KEY = "a" * 20
SECRET_KEY = "s" * 40


class PagoEfectivoReconcileCommon(AccountTestInvoicingCommon):
    """A Peruvian company with a PagoEfectivo provider, paid transactions and files.

    The provider talks to the emulator, which sends no notifications: what it
    says is paid there is a payment whose notification was lost.
    """

    @classmethod
    def _create_accountants(cls):
        """cls.accountant (Accountant) and cls.adviser (also Accounting
        Administrator), in the test company."""
        company = cls.env.company
        users = {
            "accountant": "account.group_account_user",
            "adviser": "account.group_account_user,account.group_account_manager",
        }
        for login, groups in users.items():
            user = new_test_user(
                cls.env,
                login=login,
                groups=groups,
                company_id=company.id,
                company_ids=company.ids,
            )
            setattr(cls, login, user)

    @classmethod
    @AccountTestInvoicingCommon.setup_country("pe")
    def setUpClass(cls):
        super().setUpClass()
        # The API audit log is written on a cursor of its own: in a test, a
        # cursor wrapping the test's, which sees this test's users and data.
        cls.registry_enter_test_mode_cls()
        cls.emulator = Emulator(
            service_id=SERVICE_ID,
            access_key=ACCESS_KEY,
            secret_key=SECRET_KEY,
            token_ttl=3600,
        ).start()
        cls.addClassCleanup(cls.emulator.stop)
        cls.usd = cls.setup_other_currency("USD", rates=[("2026-01-01", 0.25)])
        cls.provider = cls._provider_for(cls.company)
        cls.next_cip = 20000000
        cls.commission = reports.Commission()
        cls.pagoefectivo_supplier = cls.env["res.partner"].create(
            {
                "name": "PagoEfectivo S.A.C.",
                "is_company": True,
                "l10n_latam_identification_type_id": cls.env.ref("l10n_pe.it_RUC").id,
                "vat": "20555555556",
            }
        )
        cls._bill_commissions_to_pagoefectivo(cls.company)

    @classmethod
    def setup_other_company(cls, **kwargs):
        data = super().setup_other_company(**kwargs)
        cls._bill_commissions_to_pagoefectivo(data["company"])
        return data

    @classmethod
    def _bill_commissions_to_pagoefectivo(cls, company):
        """The company's clearing journals, as its administrator sets them up:
        PagoEfectivo's commissions are billed to its supplier."""
        Journal = cls.env["account.journal"].sudo().with_company(company)
        for currency in (company.currency_id, cls.usd):
            journal = Journal._pagoefectivo_journal(company, currency)
            journal.pagoefectivo_supplier_id = cls.pagoefectivo_supplier

    @classmethod
    def _provider_for(cls, company):
        template = cls.env.ref("pagoefectivo_payment.payment_provider_pagoefectivo")
        provider = template.sudo().copy(
            {
                "company_id": company.id,
                "state": "test",
                "pagoefectivo_service_id": SERVICE_ID,
                "pagoefectivo_access_key": ACCESS_KEY,
                "pagoefectivo_secret_key": SECRET_KEY,
                "pagoefectivo_base_url": cls.emulator.base_url + "/v1/",
            }
        )
        provider.journal_id = cls.env["account.journal"].search(
            [("company_id", "=", company.id), ("type", "=", "bank")], limit=1
        )
        return provider

    def setUp(self):
        super().setUp()
        self.emulator.reset()  # which forgets its tokens: so do we
        self.provider._pagoefectivo_forget_token()

    # === ODOO SIDE === #

    def _invoice(self, amount, currency=None, partner=None):
        return self.init_invoice(
            "out_invoice",
            partner=partner or self.partner_a,
            amounts=[amount],
            currency=currency or self.env.company.currency_id,
            post=True,
            taxes=self.env["account.tax"],
        )

    def _transaction(self, amount, currency=None, state="done", provider=None):
        """A transaction paying a new invoice; paid ones have their payment."""
        currency = currency or self.env.company.currency_id
        invoice = self._invoice(amount, currency)
        type(self).next_cip += 1
        cip = str(self.next_cip)
        tx = (
            self.env["payment.transaction"]
            .sudo()
            .create(
                {
                    "provider_id": (provider or self.provider).id,
                    "payment_method_id": self.env.ref(
                        "pagoefectivo_payment.payment_method_pagoefectivo"
                    ).id,
                    "amount": amount,
                    "currency_id": currency.id,
                    "partner_id": invoice.partner_id.id,
                    "reference": "TX-%s" % cip,
                    "provider_reference": cip,
                    "invoice_ids": [Command.set(invoice.ids)],
                    "operation": "online_redirect",
                }
            )
        )
        tx._set_pending()
        if state == "done":
            tx._set_done()
            tx._post_process()
        return tx

    def _issued_transaction(self, amount, cip_amount=None, currency=None):
        """A pending transaction whose CIP the emulator issued, for `cip_amount`
        (default: the transaction's amount)."""
        tx = self._transaction(amount, currency, state="pending")
        cip = self.emulator.create_cip(
            {
                "currency": tx.currency_id.name,
                "amount": "%.2f" % (cip_amount if cip_amount is not None else amount),
                "transactionCode": tx.reference,
                "userEmail": "ana@example.com",
            }
        )
        tx.provider_reference = str(cip["cip"])
        return tx

    def _paid_at_pagoefectivo(self, tx):
        """Have PagoEfectivo (the emulator) know `tx`'s CIP, paid: a paid
        transaction's refunds are vouched for by its search."""
        cip = self.emulator.create_cip(
            {
                "currency": tx.currency_id.name,
                "amount": "%.2f" % tx.amount,
                "transactionCode": tx.reference,
                "userEmail": "ana@example.com",
            }
        )
        self.emulator.pay(cip["cip"])
        tx.provider_reference = str(cip["cip"])
        return tx

    def _paid_elsewhere(self, amount, currency=None):
        """A CIP PagoEfectivo issued and saw paid, that no Odoo transaction
        has (issued from another system, or its order deleted): what `_cip`
        needs of a transaction."""
        currency = currency or self.env.company.currency_id
        type(self).next_cip += 1
        cip = self.emulator.create_cip(
            {
                "currency": currency.name,
                "amount": "%.2f" % amount,
                "transactionCode": "ELSEWHERE-%s" % self.next_cip,
                "userEmail": "ana@example.com",
            }
        )
        self.emulator.pay(cip["cip"])
        return SimpleNamespace(
            provider_reference=str(cip["cip"]),
            reference=cip["transactionCode"],
            currency_id=currency,
            amount=amount,
        )

    def _deliver_email(self, journal, sender, content, filename, return_path=None):
        """Deliver an email from `sender` with `content` attached to the
        journal, as its alias would: through the mail gateway. Returns the
        attachment."""
        message = EmailMessage()
        if return_path:
            message["Return-Path"] = "<%s>" % return_path
        message["From"] = sender
        message["To"] = "pagoefectivo@example.com"
        message["Subject"] = "Liquidación PagoEfectivo"
        message["Message-Id"] = "<%s@example.com>" % uuid.uuid4()
        message.set_content("Adjunto la liquidación del día.")
        message.add_attachment(
            content, maintype="text", subtype="csv", filename=filename
        )
        self.env["mail.thread"].message_process(
            "account.journal", message.as_bytes(), thread_id=journal.id
        )
        return self.env["ir.attachment"].search(
            [
                ("res_model", "=", "account.journal"),
                ("res_id", "=", journal.id),
                ("name", "=", filename),
            ],
            order="id desc",
            limit=1,
        )

    def _statement_lines(self, journal):
        return self.env["account.bank.statement.line"].search(
            [("journal_id", "=", journal.id)]
        )

    def _balance(self, journal):
        """What the clearing journal still holds: its statement lines' total."""
        return sum(self._statement_lines(journal).mapped("amount"))

    def _outstanding(self, tx):
        """The payment's item the clearing journal settles."""
        payment = tx.payment_id
        return payment.move_id.line_ids.filtered(
            lambda line: line.account_id == payment.outstanding_account_id
        )

    def _confirm_wizard(self, record, action, **values):
        """Fill the wizard `action` opens on `record` as its user would, and
        confirm it."""
        wizard_model = record.env[action["res_model"]].with_context(**action["context"])
        with Form(wizard_model) as wizard:
            for name, value in values.items():
                setattr(wizard, name, value)
        return wizard.record.action_confirm()

    # === FILES === #

    def _cip(self, tx, paid_at, amount=None, refunds=()):
        """An emulator CIP snapshot of a transaction, paid at `paid_at` (Lima)."""
        created = paid_at - timedelta(hours=2)
        return {
            "cip": int(tx.provider_reference),
            "serviceId": "1234",
            "transactionCode": tx.reference,
            "currency": tx.currency_id.name,
            "amount": "%.2f" % (amount if amount is not None else tx.amount),
            "dateCreation": created.isoformat(),
            "dateExpiry": (created + timedelta(days=2)).isoformat(),
            "datePayment": paid_at.isoformat(),
            "dateRemoval": None,
            "dateUpdate": paid_at.isoformat(),
            "channel": "Agencia",
            "userName": "Ana",
            "userLastName": "Quispe",
            "userEmail": "ana@example.com",
            "userDocumentType": "DNI",
            "userDocumentNumber": "44556677",
            "userId": "",
            "userPhone": "999888777",
            "paymentConcept": "Pedido",
            "additionalData": tx.reference,
            "refunds": [
                {"date": when.isoformat(), "amount": "%.2f" % value}
                for when, value in refunds
            ],
        }

    def _settlement(self, cips):
        return reports.settlement_csv(cips, self.commission).encode()

    def _import(self, content, filename="liquidacion.csv", profile=None):
        """Accept a file, then run the background job that imports it."""
        record = self.env["pagoefectivo.import"]._import_file(
            content, filename, profile
        )
        self._process_imports()
        return record

    def _process_imports(self):
        """What the scheduled action does: process every file waiting, batch by
        batch (`_commit_progress` commits nothing in tests)."""
        self.env["pagoefectivo.import"]._cron_process_imports()

    @staticmethod
    def lima(*args):
        return datetime(*args, tzinfo=LIMA)

    @staticmethod
    def cents(value):
        return Decimal(str(value)).quantize(Decimal("0.01"))
