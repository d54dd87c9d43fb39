from odoo import fields, models
from odoo.fields import Command, Domain
from odoo.tools import date_utils

from odoo.addons.pagoefectivo_payment.tools.lima_time import lima_date

from ..tools.report_rows import DEPOSIT, PAYMENT


class PagoEfectivoOperation(models.Model):
    """Commissions and IGV that PagoEfectivo keeps from a settlement.

    They are owed to PagoEfectivo as a supplier: each settlement's commissions
    and IGV go from the clearing journal to the supplier's payable, dated the
    settlement's deposit day, and onto a draft vendor bill (one per settlement
    or per month, see account_move.py) that the accountant completes from
    PagoEfectivo's electronic invoice and posts; the payable then reconciles.
    """

    _inherit = "pagoefectivo.operation"

    commission_bill_line_id = fields.Many2one(
        "account.move.line",
        readonly=True,
        index="btree_not_null",
        ondelete="set null",
        help="The line of PagoEfectivo's vendor bill that bills this "
        "operation's commission.",
    )

    def _undo_commissions(self):
        """Reverse the commission statement lines of these operations (posted
        entries: never unlinked) and take them off PagoEfectivo's bills: a
        draft bill loses their lines, a posted bill asks for a credit note."""
        st_lines = self.commission_line_id
        if not st_lines:
            return
        ops = self.search(Domain("commission_line_id", "in", st_lines.ids))
        reversals = st_lines._pagoefectivo_reverse()
        for st_line, reversal in zip(st_lines, reversals, strict=True):
            ops.filtered(
                lambda op, line=st_line: op.commission_line_id == line
            ).reversal_line_ids = [Command.link(reversal.id)]
        bills = ops.commission_bill_line_id.move_id
        for bill in bills.filtered(lambda bill: bill.state == "posted"):
            bill._pagoefectivo_ask_credit_note(
                ops.filtered(lambda op, b=bill: op.commission_bill_line_id.move_id == b)
            )
        ops.write({"commission_line_id": False, "commission_bill_line_id": False})
        bills.filtered(
            lambda bill: bill.state == "draft"
        )._pagoefectivo_sync_commissions()

    def _book_commissions(self):
        """One statement line per settlement and journal for its commissions
        and IGV, billed on PagoEfectivo's draft vendor bill. Paid CIPs that
        PagoEfectivo did not confirm wait until it does."""
        ops = self.search(
            Domain("id", "in", self.ids)
            & Domain("kind", "=", PAYMENT)
            & Domain("settlement_id", "!=", False)
            & Domain("commission_line_id", "=", False)
            & ~(Domain("state", "=", "exception") & Domain("reason", "=", "unverified"))
        ).filtered(lambda op: not op.currency_id.is_zero(op.commission + op.igv))
        if not ops:
            return
        ops.journal_id._pagoefectivo_check_commission_setup()
        groups = ops.grouped(lambda op: (op.journal_id, op.settlement_id))
        days = self._settlement_days(groups)
        entries = [
            group._commission_entry(settlement, days[journal, settlement])
            for (journal, settlement), group in groups.items()
        ]
        st_lines = self._create_statement_lines(entries)
        for entry, st_line in zip(entries, st_lines, strict=True):
            entry["ops"].commission_line_id = st_line
            entry["ops"]._bill_commissions(entry["date"])

    def _settlement_days(self, groups):
        """{(journal, settlement): the day of the settlement's deposit in that
        journal}; without a deposit, the day the file was imported."""
        deposits = self.search(
            Domain("import_id", "in", [settlement.id for _j, settlement in groups])
            & Domain("kind", "=", DEPOSIT)
        )
        days = {}
        for deposit in deposits:
            key = deposit.journal_id, deposit.import_id
            days[key] = max(days.get(key, deposit.local_date), deposit.local_date)
        for journal, settlement in groups:
            if (journal, settlement) not in days:
                days[journal, settlement] = lima_date(settlement.create_date)
        return days

    def _commission_entry(self, settlement, day):
        journal = self.journal_id
        currency = self.currency_id
        supplier = journal.pagoefectivo_supplier_id
        total = currency.round(
            currency.round(sum(self.mapped("commission")))
            + currency.round(sum(self.mapped("igv")))
        )
        name = self.env._(
            "PagoEfectivo commissions and IGV, %(file)s", file=settlement.name
        )
        payable = supplier.with_company(journal.company_id).property_account_payable_id
        return {
            "ops": self,
            "journal": journal,
            "date": day,
            "ref": name,
            "partner": supplier,
            "amount": -total,
            "counterparts": [
                {"account": payable, "amount": total, "partner": supplier, "name": name}
            ],
        }

    def _bill_commissions(self, day):
        """Put these operations (one journal, one settlement, booked on `day`)
        on PagoEfectivo's draft bill: on their settlement's line of it, or on
        a new line."""
        bill = self._draft_commission_bill(day)
        line = self.env["account.move.line"]
        if bill:
            line = self.search(
                Domain("settlement_id", "=", self.settlement_id.id)
                & Domain("commission_bill_line_id.move_id", "=", bill.id),
                limit=1,
            ).commission_bill_line_id
        else:
            bill = self.env["account.move"]._pagoefectivo_new_commission_bill(
                self.journal_id
            )
        if not line:
            before = bill.invoice_line_ids
            bill.write(
                {
                    "invoice_line_ids": [
                        Command.create(self._commission_bill_line_vals(day))
                    ]
                }
            )
            line = bill.invoice_line_ids - before
        self.commission_bill_line_id = line
        bill._pagoefectivo_sync_commissions()

    def _draft_commission_bill(self, day):
        """The supplier's draft bill that takes these operations: the one of
        their settlement, or the one of their month."""
        journal = self.journal_id
        domain = (
            Domain("journal_id", "=", journal.id)
            & Domain("commission_bill_line_id.move_id.state", "=", "draft")
            & Domain(
                "commission_bill_line_id.move_id.partner_id",
                "=",
                journal.pagoefectivo_supplier_id.id,
            )
            & Domain(
                "commission_bill_line_id.move_id.currency_id",
                "=",
                journal.pagoefectivo_currency_id.id,
            )
        )
        if journal.pagoefectivo_commission_bill == "month":
            first, last = date_utils.get_month(day)
            domain &= Domain("commission_line_id.date", ">=", first) & Domain(
                "commission_line_id.date", "<=", last
            )
        else:
            domain &= Domain("settlement_id", "=", self.settlement_id.id)
        return self.search(domain, limit=1).commission_bill_line_id.move_id

    def _commission_bill_line_vals(self, day):
        journal = self.journal_id
        return {
            "name": self.env._(
                "PagoEfectivo commissions, settlement %(file)s of %(day)s",
                file=self.settlement_id.name,
                day=fields.Date.to_string(day),
            ),
            "product_id": journal.pagoefectivo_commission_product_id.id,
            "account_id": journal.pagoefectivo_commission_account_id.id,
            "tax_ids": [Command.set(journal.pagoefectivo_commission_tax_id.ids)],
            "quantity": 1.0,
            "price_unit": 0.0,
            "pagoefectivo_bill_line": "commissions",
        }
