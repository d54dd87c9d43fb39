# Copyright 2026 PagoEfectivo for Odoo
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
{
    "name": "PagoEfectivo Reconciliation",
    "summary": "Import PagoEfectivo reports and settlements, reconcile them automatically",
    "version": "19.0.1.0.0",
    "category": "Accounting/Accounting",
    "website": "https://github.com/pagoefectivo-odoo/pagoefectivo-odoo",
    "author": "PagoEfectivo for Odoo",
    "license": "LGPL-3",
    "depends": ["pagoefectivo_payment"],
    "data": [],
    "installable": True,
}
