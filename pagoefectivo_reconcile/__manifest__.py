# Copyright 2026 PagoEfectivo for Odoo
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
{
    "name": "PagoEfectivo Reconciliation",
    "summary": "Import PagoEfectivo reports and settlements, reconcile them",
    "version": "19.0.1.1.0",
    "category": "Accounting/Accounting",
    "website": "https://github.com/pagoefectivo-odoo/pagoefectivo-odoo",
    "author": "PagoEfectivo for Odoo",
    "license": "LGPL-3",
    "depends": ["pagoefectivo_payment"],
    "external_dependencies": {"python": ["openpyxl", "holidays"]},
    "data": [
        "security/ir.model.access.csv",
        "security/pagoefectivo_reconcile_security.xml",
        "security/pagoefectivo_clearing_day_security.xml",
        "data/pagoefectivo_import_profile_data.xml",
        "data/ir_cron_data.xml",
        "views/account_journal_views.xml",
        "views/pagoefectivo_import_profile_views.xml",
        "views/pagoefectivo_operation_views.xml",
        "views/pagoefectivo_import_views.xml",
        "views/pagoefectivo_clearing_day_views.xml",
        "views/pagoefectivo_difference_wizard_views.xml",
        "views/pagoefectivo_book_deposit_wizard_views.xml",
        "views/pagoefectivo_reconcile_menus.xml",
        "views/payment_transaction_views.xml",
    ],
}
