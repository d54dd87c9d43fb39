from collections import defaultdict

from odoo import api, fields, models
from odoo.fields import Command, Domain
from odoo.tools.misc import format_amount

# What posting a bill books on its own as a rounding difference when the
# clearing journal's tolerance is zero, in the bill's currency: a few cents of
# IGV rounded per row by PagoEfectivo and on the total by Odoo's tax engine.
ROUNDING_BOUND = 1.0


class AccountMove(models.Model):
    """PagoEfectivo's vendor bill of the commissions it keeps from settlements.

    It mirrors PagoEfectivo's electronic invoice for the purchase register:
    each settlement's commission, with the purchase IGV of Odoo's tax engine,
    and nothing else. The accountant completes it from that invoice (its date,
    series and number) and posts it, which reconciles its payable with the
    commission statement lines of the clearing journal; the cents by which
    PagoEfectivo's per-row IGV differs from the bill's go to a separate entry.
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

    def _pagoefectivo_in_step(self):
        """The bills Odoo keeps in step with their settlements: drafts whose
        electronic invoice the accountant has not started keying in (no
        reference, no document number). Those are the accountant's."""
        return self.filtered(
            lambda bill: (
                bill.state == "draft"
                and not bill.ref
                and not bill.l10n_latam_document_number
            )
        )

    def _pagoefectivo_sync_commissions(self):
        """Price the lines Odoo created on bills in step with their
        settlements at their operations' commissions (the purchase tax adds
        the IGV); lines whose operations are gone go. A bill left without
        operations is deleted (cancelled if it was posted before)."""
        Operation = self.env["pagoefectivo.operation"]
        for bill in self._pagoefectivo_in_step():
            lines = bill.invoice_line_ids.filtered("pagoefectivo_commissions")
            groups = Operation._read_group(
                Domain("commission_bill_line_id", "in", lines.ids),
                ["commission_bill_line_id", "settlement_id"],
                ["commission:sum"],
            )
            if not groups:
                if bill.posted_before:
                    bill.button_cancel()
                else:
                    bill.unlink()
                continue
            prices = defaultdict(float)
            for line, _settlement, commission in groups:
                prices[line] += commission
            billed = self.env["account.move.line"].union(*prices)
            settlements = (
                self.env["pagoefectivo.import"]
                .union(*(settlement for _line, settlement, _c in groups))
                .sorted("id")
            )
            bill.write(
                {
                    "invoice_line_ids": [
                        Command.unlink(line.id) for line in lines - billed
                    ]
                    + [
                        Command.update(
                            line.id, {"price_unit": bill.currency_id.round(price)}
                        )
                        for line, price in prices.items()
                    ],
                    "pagoefectivo_settlement_ids": [Command.set(settlements.ids)],
                    "invoice_origin": ", ".join(settlements.mapped("name")),
                }
            )

    def _pagoefectivo_ask_credit_note(self, ops):
        """This bill, posted or being completed from PagoEfectivo's invoice,
        billed these operations, whose commissions were reversed: the
        accountant asks PagoEfectivo for a credit note."""
        self.ensure_one()
        currency = self.currency_id
        total = currency.round(sum(ops.mapped("commission")) + sum(ops.mapped("igv")))
        self.activity_schedule(
            "mail.mail_activity_data_todo",
            summary=self.env._("PagoEfectivo credit note needed"),
            note=self.env._(
                "The reconciliation of %(files)s was undone and its commission "
                "entries reversed, but this bill follows PagoEfectivo's "
                "electronic invoice: record PagoEfectivo's credit note for "
                "%(amount)s.",
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
        commission statement lines it bills, then settle what that leaves
        open (see `_pagoefectivo_settle_difference`)."""
        ops = self.env["pagoefectivo.operation"].search(
            Domain("commission_bill_line_id", "in", self.invoice_line_ids.ids)
        )
        plan, reconciled = [], {}
        for bill in self:
            bill_ops = ops.filtered(
                lambda op, b=bill: op.commission_bill_line_id.move_id == b
            )
            payables = bill.line_ids.filtered(
                lambda line: (
                    line.account_type == "liability_payable" and not line.reconciled
                )
            )
            clearing = bill_ops.commission_line_id.line_ids.filtered(
                lambda line, accounts=payables.account_id, b=bill: (
                    line.account_id in accounts
                    and line.partner_id.commercial_partner_id == b.commercial_partner_id
                    and not line.reconciled
                )
            )
            groups = [
                lines
                for lines in (payables | clearing).grouped("account_id").values()
                if lines & clearing
            ]
            plan += groups
            if groups:
                reconciled[bill] = (bill_ops, groups)
        if plan:
            self.env["account.move.line"]._reconcile_plan(plan)
        for bill, (bill_ops, groups) in reconciled.items():
            for lines in groups:
                bill._pagoefectivo_settle_difference(bill_ops, lines)

    def _pagoefectivo_settle_difference(self, ops, lines):
        """Close what the reconciled payable `lines` of this bill and of its
        operations' commission entries leave open: the bill's IGV, computed
        on its total, and PagoEfectivo's, rounded per row, differ by cents.

        Up to the clearing journal's tolerance (`ROUNDING_BOUND` when it is
        zero) an entry of the bill's accounting date books the difference
        between the payable and the journal's gain or loss account. More, or
        a line of the bill whose settlement was undone, stays open for the
        accountant, with an activity.
        """
        self.ensure_one()
        currency = self.currency_id
        open_lines = lines.filtered(lambda line: not line.reconciled)
        difference = currency.round(sum(open_lines.mapped("amount_residual_currency")))
        if currency.is_zero(difference):
            return
        journal = ops.journal_id[:1]
        tolerance = journal.pagoefectivo_tolerance
        bound = ROUNDING_BOUND if currency.is_zero(tolerance) else tolerance
        undone = (
            self.invoice_line_ids.filtered("pagoefectivo_commissions")
            - ops.commission_bill_line_id
        )
        if undone or currency.compare_amounts(abs(difference), bound) > 0:
            self._pagoefectivo_report_difference(difference, bound)
            return
        entry = self._pagoefectivo_difference_entry(journal, open_lines, difference)
        (
            open_lines
            | entry.line_ids.filtered(
                lambda line: line.account_id == open_lines.account_id
            )
        ).reconcile()

    def _pagoefectivo_difference_entry(self, journal, open_lines, difference):
        """A posted entry that takes `difference` (the bill's currency; a
        debit left on the payable is positive) off the payable, to the
        journal's loss account (positive) or gain account (negative)."""
        currency = self.currency_id
        company = self.company_id
        field = (
            "pagoefectivo_loss_account_id"
            if currency.compare_amounts(difference, 0.0) > 0
            else "pagoefectivo_gain_account_id"
        )
        label = self.env._(
            "Rounding difference of %(bill)s with PagoEfectivo's settlements",
            bill=self.display_name,
        )
        balance = currency._convert(difference, company.currency_id, company, self.date)

        def item(account, partner, sign):
            return Command.create(
                {
                    "name": label,
                    "account_id": account.id,
                    "partner_id": partner.id,
                    "currency_id": currency.id,
                    "amount_currency": sign * difference,
                    "balance": sign * balance,
                }
            )

        entry = (
            self.env["account.move"]
            .with_company(company)
            .create(
                {
                    "move_type": "entry",
                    "date": self.date,
                    "ref": label,
                    "line_ids": [
                        item(open_lines.account_id, self.commercial_partner_id, -1),
                        item(
                            journal._pagoefectivo_account(field),
                            self.commercial_partner_id,
                            1,
                        ),
                    ],
                }
            )
        )
        entry.action_post()
        return entry

    def _pagoefectivo_report_difference(self, difference, bound):
        self.activity_schedule(
            "mail.mail_activity_data_todo",
            summary=self.env._("PagoEfectivo bill differs from its settlements"),
            note=self.env._(
                "Once reconciled with the commission entries of %(files)s, "
                "PagoEfectivo's payable is left with %(difference)s open, more "
                "than the %(bound)s booked on their own as IGV rounding, or for "
                "a settlement whose reconciliation was undone. Check this bill "
                "against PagoEfectivo's electronic invoice.",
                files=", ".join(self.pagoefectivo_settlement_ids.mapped("name")),
                difference=format_amount(self.env, abs(difference), self.currency_id),
                bound=format_amount(self.env, bound, self.currency_id),
            ),
        )
