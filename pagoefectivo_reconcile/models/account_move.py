from collections import defaultdict

from odoo import api, fields, models
from odoo.fields import Command, Domain
from odoo.tools.misc import format_amount


class AccountMove(models.Model):
    """PagoEfectivo's vendor bill of the commissions it keeps from settlements.

    Odoo's tax engine computes the purchase IGV of each settlement's line; the
    accountant completes the bill from PagoEfectivo's electronic invoice (its
    date, series and number) and posts it, which reconciles its payable with
    the commission statement lines of the clearing journal.
    """

    _inherit = "account.move"

    pagoefectivo_settlement_ids = fields.Many2many(
        "pagoefectivo.import",
        "pagoefectivo_import_commission_bill_rel",
        "move_id",
        "import_id",
        string="PagoEfectivo Settlements",
        readonly=True,
        copy=False,
        help="The PagoEfectivo settlements whose commissions this bill bills.",
    )

    @api.model
    def _pagoefectivo_new_commission_bill(self, journal):
        """A draft bill of PagoEfectivo's, in the clearing journal's currency;
        without a date: the accountant sets the electronic invoice's."""
        return self.with_company(journal.company_id).create(
            {
                "move_type": "in_invoice",
                "partner_id": journal.pagoefectivo_supplier_id.id,
                "currency_id": journal.pagoefectivo_currency_id.id,
            }
        )

    def _pagoefectivo_sync_commissions(self):
        """Draft bills' lines from the operations they bill: each settlement's
        line priced at its commissions (the purchase tax adds the IGV), and an
        untaxed adjustment when the tax engine's IGV differs from the rows'
        IGV, so that the bill's total is what the clearing entries booked.
        A bill left without operations is deleted (cancelled if it was
        posted before)."""
        Operation = self.env["pagoefectivo.operation"]
        for bill in self:
            lines = bill.invoice_line_ids.filtered(
                lambda line: line.pagoefectivo_bill_line == "commissions"
            )
            adjustment = bill.invoice_line_ids.filtered(
                lambda line: line.pagoefectivo_bill_line == "igv_adjustment"
            )
            groups = Operation._read_group(
                Domain("commission_bill_line_id", "in", lines.ids),
                ["commission_bill_line_id", "settlement_id"],
                ["commission:sum", "igv:sum"],
            )
            if not groups:
                if bill.posted_before:
                    bill.button_cancel()
                else:
                    bill.unlink()
                continue
            currency = bill.currency_id
            prices = defaultdict(float)
            expected = 0.0
            for line, _settlement, commission, igv in groups:
                prices[line] += commission if line.tax_ids else commission + igv
                expected += commission + igv
            billed = self.env["account.move.line"].union(*prices)
            settlements = (
                self.env["pagoefectivo.import"]
                .union(*(settlement for _line, settlement, _c, _i in groups))
                .sorted("id")
            )
            bill.write(
                {
                    "invoice_line_ids": [
                        Command.unlink(line.id) for line in lines - billed
                    ]
                    + [
                        Command.update(line.id, {"price_unit": currency.round(price)})
                        for line, price in prices.items()
                    ],
                    "pagoefectivo_settlement_ids": [Command.set(settlements.ids)],
                    "invoice_origin": ", ".join(settlements.mapped("name")),
                }
            )
            difference = currency.round(
                expected - bill.amount_total + sum(adjustment.mapped("price_subtotal"))
            )
            bill._pagoefectivo_adjust(adjustment, difference, billed[:1].account_id)

    def _pagoefectivo_adjust(self, adjustment, difference, account):
        """Set the bill's untaxed IGV adjustment line to `difference`."""
        if self.currency_id.is_zero(difference):
            command = adjustment and Command.unlink(adjustment.id)
        elif adjustment:
            command = Command.update(adjustment.id, {"price_unit": difference})
        else:
            command = Command.create(
                {
                    "name": self.env._(
                        "IGV rounding: the IGV of PagoEfectivo's rows less the "
                        "IGV computed on this bill"
                    ),
                    "account_id": account.id,
                    "tax_ids": [Command.clear()],
                    "quantity": 1.0,
                    "price_unit": difference,
                    "pagoefectivo_bill_line": "igv_adjustment",
                }
            )
        if command:
            self.write({"invoice_line_ids": [command]})

    def _pagoefectivo_ask_credit_note(self, ops):
        """A posted bill billed these operations, whose commissions were
        reversed: the accountant asks PagoEfectivo for a credit note."""
        self.ensure_one()
        currency = self.currency_id
        total = currency.round(sum(ops.mapped("commission")) + sum(ops.mapped("igv")))
        self.activity_schedule(
            "mail.mail_activity_data_todo",
            summary=self.env._("PagoEfectivo credit note needed"),
            note=self.env._(
                "The reconciliation of %(files)s was undone and its commission "
                "entries reversed, but this bill is posted: record PagoEfectivo's "
                "credit note for %(amount)s.",
                files=", ".join(ops.settlement_id.mapped("name")),
                amount=format_amount(self.env, total, currency),
            ),
        )

    def _post(self, soft=True):
        posted = super()._post(soft)
        posted.filtered(
            lambda move: (
                move.move_type == "in_invoice" and move.pagoefectivo_settlement_ids
            )
        )._pagoefectivo_reconcile_commissions()
        return posted

    def _pagoefectivo_reconcile_commissions(self):
        """Reconcile each bill's payable with the payable items of the
        commission statement lines it bills."""
        ops = self.env["pagoefectivo.operation"].search(
            Domain("commission_bill_line_id", "in", self.invoice_line_ids.ids)
        )
        plan = []
        for bill in self:
            payables = bill.line_ids.filtered(
                lambda line: (
                    line.account_type == "liability_payable" and not line.reconciled
                )
            )
            st_lines = ops.filtered(
                lambda op, b=bill: op.commission_bill_line_id.move_id == b
            ).commission_line_id
            clearing = st_lines.line_ids.filtered(
                lambda line, accounts=payables.account_id, b=bill: (
                    line.account_id in accounts
                    and line.partner_id.commercial_partner_id == b.commercial_partner_id
                    and not line.reconciled
                )
            )
            plan += [
                lines
                for lines in (payables | clearing).grouped("account_id").values()
                if lines & clearing
            ]
        if plan:
            self.env["account.move.line"]._reconcile_plan(plan)


class AccountMoveLine(models.Model):
    _inherit = "account.move.line"

    pagoefectivo_bill_line = fields.Selection(
        [
            ("commissions", "PagoEfectivo commissions"),
            ("igv_adjustment", "PagoEfectivo IGV rounding"),
        ],
        string="PagoEfectivo Bill Line",
        readonly=True,
        copy=False,
        help="A line Odoo keeps in step with PagoEfectivo's settlements while "
        "the bill is a draft.",
    )
