# Run by tools/demo through `odoo-bin shell`, which provides `env`: turns a fresh
# database with the addons into a small Peruvian shop paying with the emulator.
# Reads DEMO_ODOO_URL and DEMO_EMULATOR_URL from the environment.
import base64
import importlib.util
import os
import shutil
from pathlib import Path

from odoo.fields import Command

import pagoefectivo_emulator
from pagoefectivo_emulator import DEMO_ACCESS_KEY, DEMO_SECRET_KEY, DEMO_SERVICE_ID

ODOO_URL = os.environ["DEMO_ODOO_URL"]
EMULATOR_URL = os.environ["DEMO_EMULATOR_URL"]
LANG = "es_PE"
PRODUCTS = [  # name, price, drawing of tools/demo_images.py
    ("Café de Chanchamayo 500 g", 32.0, "coffee_bag"),
    ("Chocolate de Piura 70 % cacao", 18.5, "chocolate_bar"),
    ("Quinua orgánica 1 kg", 24.9, "quinoa_bowl"),
]


def load_demo_images():
    """tools/demo_images.py, loaded from its path: tools/ is no package, and
    this script has no __file__ (`odoo-bin shell` reads it from stdin), so the
    path comes from the emulator package beside tools/ at the repository's root
    (on PYTHONPATH)."""
    root = Path(pagoefectivo_emulator.__file__).resolve().parent.parent
    spec = importlib.util.spec_from_file_location(
        "demo_images", root / "tools" / "demo_images.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def setup_company(env):
    company = env.ref("base.main_company")
    company.write(
        {
            "name": "Bodega Demo S.A.C.",
            "vat": "20100066603",
            "street": "Av. José Larco 345",
            "city": "Lima",
            "email": "ventas@bodegademo.example.pe",
            "phone": "+51 1 555 0100",
        }
    )
    if company.chart_template != "pe":
        raise SystemExit(f"Expected the Peruvian chart, got {company.chart_template}")
    return company


def setup_website(env, company):
    """The shop speaks Spanish (the database was created in es_PE)."""
    lang = env["res.lang"]._activate_lang(LANG)
    website = env["website"].search([("company_id", "=", company.id)], limit=1)
    website.write(
        {
            "name": company.name,
            "language_ids": [Command.link(lang.id)],
            "default_lang_id": lang.id,
        }
    )


def setup_products(env):
    product_image = load_demo_images().product_image
    for name, price, drawing in PRODUCTS:
        env["product.template"].create(
            {
                "name": name,
                "list_price": price,
                "type": "consu",
                "is_published": True,
                "image_1920": base64.b64encode(product_image(name, drawing)),
            }
        )


def setup_customer(env):
    district = env.ref("l10n_pe.district_pe_150122")  # Miraflores
    partner = env["res.partner"].create(
        {
            "name": "María Quispe Mamani",
            "email": "maria.quispe@example.pe",
            "phone": "+51 987 654 321",
            "street": "Av. Pardo 610",
            "country_id": env.ref("base.pe").id,
            "state_id": district.city_id.state_id.id,
            "city_id": district.city_id.id,
            "l10n_pe_district": district.id,
            "zip": "15074",
            "l10n_latam_identification_type_id": env.ref("l10n_pe.it_DNI").id,
            "vat": "45678912",
            "lang": LANG,
        }
    )
    env["res.users"].with_context(no_reset_password=True).create(
        {
            "partner_id": partner.id,
            "login": "maria",
            "password": "maria",
            "group_ids": [Command.set(env.ref("base.group_portal").ids)],
        }
    )


def setup_provider(env, company):
    provider = env.ref("pagoefectivo_payment.payment_provider_pagoefectivo")
    provider.write(
        {
            "company_id": company.id,
            "state": "test",
            "is_published": True,
            "pagoefectivo_service_id": DEMO_SERVICE_ID,
            "pagoefectivo_access_key": DEMO_ACCESS_KEY,
            "pagoefectivo_secret_key": DEMO_SECRET_KEY,
            "pagoefectivo_base_url": EMULATOR_URL + "/v1/",
        }
    )
    provider.payment_method_ids.active = True


def setup_invoice_codes(env, company):
    """Invoices of the sales journal get their PagoEfectivo code when sent by
    email: post an invoice, send it, and the email and its PDF carry it."""
    env["account.journal"].search(
        [("type", "=", "sale"), ("company_id", "=", company.id)]
    ).pagoefectivo_auto_issue = "send"


def setup_accountant(env):
    """The admin closes the day: importing PagoEfectivo files books bank
    statement lines, which Odoo Community allows only with "Show Full
    Accounting Features" (an Invoicing administrator alone may not)."""
    env.ref("base.user_admin").group_ids = [
        Command.link(env.ref("account.group_account_user").id)
    ]


def setup_clearing_journal(env, company):
    """PagoEfectivo's clearing journal, prepared as the reconciliation addon's
    CONFIGURE says: its defaults, but the commissions in 6391 Gastos bancarios
    (the default, the company's expense account, is 6329 Asesoría y
    consultoría)."""
    journal = env["account.journal"]._pagoefectivo_journal(company, company.currency_id)
    commission_account = (
        env["account.account"]
        .with_company(company)
        .search([("code", "=", "6391000")], limit=1)
    )
    if commission_account:
        journal.pagoefectivo_commission_account_id = commission_account


def skip_pdf_attachments_without_wkhtmltopdf(env):
    """Without wkhtmltopdf, Odoo cannot attach PDFs to the order emails and the
    payment's post-processing fails: send those emails without the PDF."""
    if shutil.which("wkhtmltopdf"):
        return
    templates = env["mail.template"].search([("report_template_ids", "!=", False)])
    templates.report_template_ids = False
    # pylint: disable-next=print-used  # run by odoo-bin shell: reports on stdout
    print("wkhtmltopdf not found: order and invoice emails go without their PDF.")


def setup_base_url(env):
    params = env["ir.config_parameter"]
    params.set_param("web.base.url", ODOO_URL)
    params.set_param("web.base.url.freeze", "True")


def main(env):
    company = setup_company(env)
    setup_website(env, company)
    setup_products(env)
    setup_customer(env)
    setup_provider(env, company)
    setup_invoice_codes(env, company)
    setup_accountant(env)
    setup_clearing_journal(env, company)
    setup_base_url(env)
    skip_pdf_attachments_without_wkhtmltopdf(env)
    env.cr.commit()
    # pylint: disable-next=print-used  # run by odoo-bin shell: reports on stdout
    print("Demo data ready.")


main(env)  # noqa: F821 (odoo-bin shell defines env)
