from collections import defaultdict

from odoo import models
from odoo.fields import Command, Domain

from ..tools.report_rows import PAYMENT


class PagoEfectivoOperation(models.Model):
    """Commissions and IGV that PagoEfectivo keeps from a settlement."""

    _inherit = "pagoefectivo.operation"

    def _undo_commissions(self):
        lines = self.commission_line_id
        self.search(Domain("commission_line_id", "in", lines.ids)).write(
            {"commission_line_id": False}
        )
        lines.unlink()

    def _book_commissions(self):
        """One statement line per settlement and journal for its commissions and IGV."""
        ops = self.search(
            Domain("id", "in", self.ids)
            & Domain("kind", "=", PAYMENT)
            & Domain("settlement_id", "!=", False)
            & Domain("commission_line_id", "=", False)
        ).filtered(lambda op: not op.currency_id.is_zero(op.commission + op.igv))
        groups = defaultdict(list)
        for op in ops:
            groups[op.journal_id, op.settlement_id].append(op.id)
        entries = [
            self.browse(ids)._commission_entry(settlement)
            for (_journal, settlement), ids in groups.items()
        ]
        st_lines = self._create_statement_lines(entries)
        for entry, st_line in zip(entries, st_lines, strict=True):
            entry["ops"].commission_line_id = st_line

    def _commission_entry(self, settlement):
        journal = self.journal_id
        currency = self.currency_id
        commission = currency.round(sum(self.mapped("commission")))
        igv = currency.round(sum(self.mapped("igv")))
        total = currency.round(commission + igv)
        name = self.env._("PagoEfectivo commissions, %(file)s", file=settlement.name)
        account = journal.pagoefectivo_commission_account_id
        tax = journal.pagoefectivo_commission_tax_id
        if not tax:
            counterparts = [{"account": account, "amount": total, "name": name}]
        else:
            base_rep = tax.invoice_repartition_line_ids.filtered(
                lambda r: r.repartition_type == "base"
            )
            tax_rep = tax.invoice_repartition_line_ids.filtered(
                lambda r: r.repartition_type == "tax"
            )[:1]
            counterparts = [
                {
                    "account": account,
                    "amount": commission,
                    "name": name,
                    "extra": {
                        "tax_ids": [Command.set(tax.ids)],
                        "tax_tag_ids": [Command.set(base_rep.tag_ids.ids)],
                    },
                },
                {
                    "account": tax_rep.account_id or account,
                    "amount": igv,
                    "name": tax.name,
                    "extra": {
                        "tax_repartition_line_id": tax_rep.id,
                        "tax_tag_ids": [Command.set(tax_rep.tag_ids.ids)],
                        "tax_base_amount": commission,
                    },
                },
            ]
        return {
            "ops": self,
            "journal": journal,
            "date": max(self.mapped("local_date")),
            "ref": name,
            "partner": None,
            "amount": -total,
            "counterparts": counterparts,
        }
