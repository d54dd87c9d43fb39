# Copyright 2026 PagoEfectivo for Odoo
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
{
    "name": "Payment Provider: PagoEfectivo",
    "summary": "Cash and QR payment codes (CIP) from PagoEfectivo, Peru",
    "version": "19.0.1.0.0",
    "category": "Accounting/Payment Providers",
    "website": "https://github.com/pagoefectivo-odoo/pagoefectivo-odoo",
    "author": "PagoEfectivo for Odoo",
    "license": "LGPL-3",
    "depends": ["account_payment", "sale", "l10n_pe"],
    "external_dependencies": {"python": ["requests"]},
    "data": [
        "security/ir.model.access.csv",
        "security/pagoefectivo_security.xml",
        "views/payment_pagoefectivo_templates.xml",
        "views/payment_provider_views.xml",
        "views/payment_provider_voucher_views.xml",
        "views/payment_transaction_views.xml",
        "views/pagoefectivo_notification_views.xml",
        "views/pagoefectivo_api_log_views.xml",
        "wizards/pagoefectivo_extend_voucher_views.xml",
        "views/pagoefectivo_menus.xml",
        "data/payment_method_data.xml",
        "data/payment_provider_data.xml",
        "data/payment_provider_messages.xml",
        "data/ir_cron_data.xml",
        "data/ir_cron_reminder.xml",
        "data/mail_template_data.xml",
    ],
    "assets": {
        "web.assets_frontend": [
            "pagoefectivo_payment/static/src/interactions/**/*",
            "pagoefectivo_payment/static/src/scss/**/*",
        ],
        "web.assets_tests": [
            "pagoefectivo_payment/static/tests/tours/**/*",
        ],
    },
    "post_init_hook": "post_init_hook",
    "uninstall_hook": "uninstall_hook",
}
