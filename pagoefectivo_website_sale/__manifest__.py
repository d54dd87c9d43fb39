# Copyright 2026 PagoEfectivo for Odoo
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
{
    "name": "PagoEfectivo in the Website Shop",
    "summary": "The PagoEfectivo voucher on the shop's order confirmation",
    "version": "19.0.1.0.0",
    "category": "Website/Website",
    "website": "https://github.com/pagoefectivo-odoo/pagoefectivo-odoo",
    "author": "PagoEfectivo for Odoo",
    "license": "LGPL-3",
    "depends": ["pagoefectivo_payment", "website_sale"],
    "data": ["views/website_sale_templates.xml"],
    "auto_install": True,
}
