from odoo import fields, models
from odoo.fields import Command, Domain
from odoo.tools import date_utils

from ..tools.report_rows import DEPOSIT, PAYMENT


class PagoEfectivoOperation(models.Model):
    """Commissions and IGV that PagoEfectivo keeps from a settlement.

    They are owed to PagoEfectivo as a supplier: each settlement's commissions
    and IGV go from the clearing journal to the supplier's payable, dated the
    settlement's deposit day (its last operation's without a deposit row), and
    onto a draft vendor bill (one per settlement or per month, see
    `_draft_commission_bill`) that the accountant completes from
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
        bill in step with its settlements loses their lines; a posted one, or
        one the accountant is completing, asks for a credit note."""
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
        in_step = bills._pagoefectivo_in_step()
        for bill in bills.filtered(lambda bill: bill.state != "cancel") - in_step:
            bill._pagoefectivo_ask_credit_note(
                ops.filtered(lambda op, b=bill: op.commission_bill_line_id.move_id == b)
            )
        ops.write({"commission_line_id": False, "commission_bill_line_id": False})
        in_step._pagoefectivo_sync_commissions()

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
        ops.journal_id._pagoefectivo_check_commission_setup(
            ops.filtered(lambda op: not op.currency_id.is_zero(op.igv)).journal_id
        )
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
        journal}; without a deposit row, the day of the settlement's last
        operation in that journal: the file's own date, never the day it was
        imported."""
        deposits, last = {}, {}
        for journal, settlement, kind, day in self._read_group(
            Domain("settlement_id", "in", [settlement.id for _j, settlement in groups])
            & Domain("journal_id", "in", [journal.id for journal, _s in groups]),
            ["journal_id", "settlement_id", "kind"],
            ["local_date:max"],
        ):
            key = journal, settlement
            if kind == DEPOSIT:
                deposits[key] = day
            last[key] = max(last.get(key, day), day)
        return {key: deposits.get(key) or last[key] for key in groups}

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
        their settlement, or the one of their month, while it is in step with
        its settlements (see `account.move._pagoefectivo_in_step`).

        Once the accountant posts a bill, or starts keying in PagoEfectivo's
        electronic invoice on it (its reference or document number), it is
        the accountant's: later settlements, or operations PagoEfectivo
        confirms later, of the same settlement or month go on a new bill.
        """
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
        lines = self.env["account.move.line"].union(
            *(line for (line,) in self._read_group(domain, ["commission_bill_line_id"]))
        )
        return lines.move_id._pagoefectivo_in_step().sorted("id")[:1]

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
            "pagoefectivo_commissions": True,
        }
