import base64
import io
from datetime import timedelta
from urllib.parse import urlsplit

import zxingcpp
from freezegun import freeze_time
from lxml import html
from PIL import Image

from odoo.fields import Command
from odoo.tests import tagged

from .common import PagoEfectivoCommon

# What the voucher block says besides the code, amount and expiry.
WAYS_TO_PAY = ("Banking app or wallet", "Agents and bodegas", "Bank branches")


@tagged("post_install", "-at_install")
class TestInvoiceVoucherDocuments(PagoEfectivoCommon):
    """The invoice's PDF, email and portal page carry its live voucher, and
    never one that can no longer be paid for what the invoice asks."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # The least privileged who print invoices (auditors read no payments)
        # and who send them.
        cls.auditor = cls._new_user("pe_auditor", "account.group_account_readonly")
        cls.billing_user = cls._new_user("pe_billing", "account.group_account_invoice")

    # === HELPERS === #

    def _voucher_for(self, invoice):
        """A voucher for what the invoice asks now, as the back office issues it."""
        tx = self._create_transaction(
            "redirect",
            amount=invoice.amount_residual,
            reference=self.env["payment.transaction"]._compute_reference(
                "pagoefectivo", invoice_ids=invoice.ids
            ),
            invoice_ids=[Command.set(invoice.ids)],
        )
        tx._pagoefectivo_issue_or_reuse()
        self.assertEqual(tx.state, "pending")
        return tx

    def _pdf(self, invoice):
        """The invoice PDF as its HTML (tests render no PDF), printed by an auditor."""
        content, _type = (
            self.env["ir.actions.report"]
            .with_user(self.auditor)
            ._pre_render_qweb_pdf("account.account_invoices", invoice.ids)
        )
        return content.decode()

    def _voucher_block(self, document):
        blocks = html.fromstring(document).xpath(
            "//div[contains(@class, 'o_pagoefectivo_invoice_voucher')]"
        )
        self.assertEqual(len(blocks), 1, "one voucher block")
        return blocks[0]

    def _text(self, element):
        return " ".join(element.text_content().split())

    def _qr_src(self, block):
        [src] = block.xpath(".//img[contains(@class, 'o_pagoefectivo_qr')]/@src")
        return src

    def _decode_qr(self, image):
        return [
            result.text
            for result in zxingcpp.read_barcodes(Image.open(io.BytesIO(image)))
        ]

    def _assert_shows_voucher(self, document, tx):
        block = self._voucher_block(document)
        text = self._text(block)
        for shown in (
            tx.provider_reference,
            "150.50",
            f"Pay before {tx._pagoefectivo_expiry_lima()} (Lima time)",
            *WAYS_TO_PAY,
        ):
            self.assertIn(shown, text)
        self.assertEqual(
            block.xpath(".//a[img]/@href"), [tx.pagoefectivo_cip_url], "the QR links it"
        )
        return block

    def _partial_payment(self, invoice, amount):
        self.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=invoice.ids
        ).create({"amount": amount})._create_payments()

    def _send_wizard(self, invoice):
        """The billing user opens the invoice's Send wizard."""
        return (
            self.env["account.move.send.wizard"]
            .with_user(self.billing_user)
            .with_context(active_model="account.move", active_ids=invoice.ids)
            .create({})
        )

    def _send(self, invoice, wizard=None):
        """The billing user sends the invoice from its Send wizard."""
        (wizard or self._send_wizard(invoice)).action_send_and_print()
        mails = self.env["mail.mail"].search(
            [("model", "=", "account.move"), ("res_id", "=", invoice.id)]
        )
        return mails.filtered(lambda mail: self.partner in mail.recipient_ids)

    # === THE PDF === #

    def test_the_invoice_pdf_shows_the_voucher_and_a_qr_code_that_opens_it(self):
        invoice = self._create_invoice()
        tx = self._voucher_for(invoice)
        block = self._assert_shows_voucher(self._pdf(invoice), tx)

        src = self._qr_src(block)
        self.assertTrue(
            src.startswith("data:image/png;base64,"), "drawn by Odoo, inline"
        )
        image = base64.b64decode(src.partition(",")[2])
        self.assertEqual(self._decode_qr(image), [tx.pagoefectivo_cip_url])

    def test_a_voucher_without_a_page_at_pagoefectivo_prints_without_qr_code(self):
        invoice = self._create_invoice()
        tx = self._voucher_for(invoice)
        tx.pagoefectivo_cip_url = False  # PagoEfectivo gave no cipUrl
        block = self._voucher_block(self._pdf(invoice))
        self.assertIn(tx.provider_reference, self._text(block))
        self.assertFalse(block.xpath(".//img"))

    def test_an_invoice_without_a_voucher_prints_as_before(self):
        invoice = self._create_invoice()
        self.assertNotIn("o_pagoefectivo_invoice_voucher", self._pdf(invoice))

    def test_an_expired_cip_is_not_printed_even_before_pagoefectivo_says_so(self):
        invoice = self._create_invoice()
        tx = self._voucher_for(invoice)
        with freeze_time(tx.pagoefectivo_expiry + timedelta(minutes=1)):
            pdf = self._pdf(invoice)
        self.assertEqual(tx.state, "pending", "no expiry notice yet")
        self.assertNotIn(tx.provider_reference, pdf)
        self.assertNotIn("o_pagoefectivo_invoice_voucher", pdf)

    def test_a_withdrawn_cip_is_not_printed(self):
        invoice = self._create_invoice()
        tx = self._voucher_for(invoice)
        invoice.button_draft()  # withdraws its voucher
        invoice.action_post()
        self.assertEqual(tx.state, "cancel")
        self.assertNotIn(tx.provider_reference, self._pdf(invoice))

    def test_a_cip_for_more_than_the_amount_due_is_not_printed_reissuing_replaces_it(
        self,
    ):
        invoice = self._create_invoice()
        old = self._voucher_for(invoice)
        self._partial_payment(invoice, 50)
        self.assertNotIn(old.provider_reference, self._pdf(invoice))
        self.env["payment.transaction"]._cron_pagoefectivo_delete_withdrawn()
        self.assertEqual(old.state, "cancel", "withdrawn by the job")
        self.assertEqual(
            self.emulator.cips[int(old.provider_reference)]["statusName"], "Eliminada"
        )

        new = self._voucher_for(invoice)
        pdf = self._pdf(invoice)
        self.assertNotIn(old.provider_reference, pdf)
        self.assertIn(new.provider_reference, self._text(self._voucher_block(pdf)))
        self.assertIn("100.50", self._text(self._voucher_block(pdf)))

    # === THE EMAIL === #

    def test_the_customer_gets_the_voucher_in_the_invoice_email_and_its_pdf(self):
        invoice = self._create_invoice()
        tx = self._voucher_for(invoice)
        mail = self._send(invoice)

        self.assertEqual(mail.recipient_ids, self.partner)
        block = self._assert_shows_voucher(mail.body_html, tx)
        # Mail clients show no inline image: this Odoo serves the QR code.
        qr_url = urlsplit(self._qr_src(block))
        response = self.url_open(f"{qr_url.path}?{qr_url.query}")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(self._decode_qr(response.content), [tx.pagoefectivo_cip_url])

        [pdf] = mail.attachment_ids.filtered(
            lambda attachment: attachment.name == invoice._get_invoice_report_filename()
        )
        pdf_block = self._assert_shows_voucher(pdf.raw.decode(), tx)
        image = base64.b64decode(self._qr_src(pdf_block).partition(",")[2])
        self.assertEqual(self._decode_qr(image), [tx.pagoefectivo_cip_url])

    def test_a_cip_issued_as_the_invoice_is_sent_is_in_its_email(self):
        invoice = self._create_invoice()
        wizard = self._send_wizard(invoice)
        tx = self._voucher_for(invoice)  # as a journal issuing codes on sending does
        mail = self._send(invoice, wizard)
        self._assert_shows_voucher(mail.body_html, tx)

    def test_the_invoice_email_carries_no_outdated_cip(self):
        invoice = self._create_invoice()
        tx = self._voucher_for(invoice)
        self._partial_payment(invoice, 50)
        mail = self._send(invoice)
        self.assertTrue(mail)
        self.assertNotIn(tx.provider_reference, mail.body_html)
        self.assertNotIn("o_pagoefectivo_invoice_voucher", mail.body_html)

    # === THE PORTAL === #

    def _portal_page(self, invoice):
        response = self.url_open(invoice.get_portal_url())
        self.assertEqual(response.status_code, 200)
        return response.text

    def test_the_portal_invoice_page_shows_the_voucher_with_its_countdown(self):
        invoice = self._create_invoice()
        tx = self._voucher_for(invoice)
        page = html.fromstring(self._portal_page(invoice))
        [voucher] = page.xpath(
            "//section[contains(@class, 'o_pagoefectivo_voucher_pending')]"
        )
        self.assertEqual(
            voucher.get("data-expiry"), tx.pagoefectivo_expiry.isoformat() + "Z"
        )
        self.assertTrue(
            voucher.xpath(".//*[contains(@class, 'o_pagoefectivo_countdown')]")
        )
        text = self._text(voucher)
        for shown in (tx.provider_reference, "150.50", *WAYS_TO_PAY):
            self.assertIn(shown, text)

    def test_the_portal_invoice_page_shows_no_outdated_cip(self):
        invoice = self._create_invoice()
        tx = self._voucher_for(invoice)
        self._partial_payment(invoice, 50)
        page = self._portal_page(invoice)
        self.assertNotIn(tx.provider_reference, page)
        self.assertNotIn("o_pagoefectivo_voucher_pending", page)
