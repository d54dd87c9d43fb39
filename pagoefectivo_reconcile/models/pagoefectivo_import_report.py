import base64
import io
from collections import defaultdict

from markupsafe import Markup, escape
from openpyxl import Workbook

from odoo import fields, models
from odoo.fields import Domain

from ..tools.report_rows import DEPOSIT, PAYMENT, REFUND


def _append_as_text(sheet, values):
    """Append a row whose texts stay texts: a CIP or note from a file that
    starts like a formula ("=HYPERLINK(...)") must not run in Excel."""
    sheet.append(values)
    for cell in sheet[sheet.max_row]:
        if cell.data_type == "f":
            cell.data_type = "s"


class PagoEfectivoImport(models.Model):
    """The settlement report: what PagoEfectivo collected, kept and deposited."""

    _inherit = "pagoefectivo.import"

    summary_html = fields.Html(
        string="Summary", compute="_compute_summary_html", sanitize=False
    )

    def _summary(self):
        """One dict per currency of the operations this settlement reported."""
        self.ensure_one()
        totals = defaultdict(lambda: defaultdict(float))
        for op in self.settled_operation_ids:
            total = totals[op.currency_id]
            if op.kind == PAYMENT:
                total["gross"] += op.gross
                total["commission"] += op.commission
                total["igv"] += op.igv
            elif op.kind == REFUND:
                total["refunds"] -= op.amount
            elif op.kind == DEPOSIT:
                total["deposit_received"] -= op.amount
            total["matched" if op.state == "reconciled" else "exceptions"] += 1
        for refund in self._refund_requests():
            total = totals[refund.currency_id]
            total["refunds_%s" % refund.state] += 1
            total["refunds_overdue"] += refund.pagoefectivo_refund_overdue
        rows = []
        for currency, total in totals.items():
            expected = (
                total["gross"] - total["commission"] - total["igv"] - total["refunds"]
            )
            rows.append(
                {
                    "currency": currency,
                    "gross": currency.round(total["gross"]),
                    "commission": currency.round(total["commission"]),
                    "igv": currency.round(total["igv"]),
                    "refunds": currency.round(total["refunds"]),
                    "deposit_expected": currency.round(expected),
                    "deposit_received": currency.round(total["deposit_received"]),
                    "refunds_requested": int(total["refunds_pending"]),
                    "refunds_overdue": int(total["refunds_overdue"]),
                    "refunds_confirmed": int(total["refunds_done"]),
                    "matched": int(total["matched"]),
                    "exceptions": int(total["exceptions"]),
                }
            )
        return rows

    def _refund_requests(self):
        """The refunds asked or confirmed of the payments this settlement
        reported (counts only: read as superuser)."""
        payments = self.settled_operation_ids.transaction_id
        return (
            self.env["payment.transaction"]
            .sudo()
            .search(
                Domain("source_transaction_id", "in", payments.ids)
                & Domain("operation", "=", "refund")
                & Domain("state", "in", ["pending", "done"])
            )
        )

    def _summary_labels(self):
        """(key of a `_summary` row, its label), in display order.

        A dict, not a list of tuples: Odoo's term extractor takes a string
        right after a `_()` call inside parentheses for a term.
        """
        return {
            "gross": self.env._("Gross collected"),
            "commission": self.env._("Commissions"),
            "igv": self.env._("Commission IGV"),
            "refunds": self.env._("Refunds"),
            "deposit_expected": self.env._("Deposit expected"),
            "deposit_received": self.env._("Deposit received"),
            "refunds_requested": self.env._("Refunds requested, awaiting PagoEfectivo"),
            "refunds_overdue": self.env._("Refunds overdue"),
            "refunds_confirmed": self.env._("Refunds confirmed"),
            "matched": self.env._("Reconciled lines"),
            "exceptions": self.env._("Exceptions"),
        }.items()

    def _compute_summary_html(self):
        for record in self:
            summary = record._summary() if record.id else []
            body = Markup("").join(
                Markup("<tr><th>%s</th>%s</tr>")
                % (
                    label,
                    Markup("").join(
                        Markup('<td class="text-end">%s</td>') % escape(row[key])
                        for row in summary
                    ),
                )
                for key, label in record._summary_labels()
            )
            head = Markup("").join(
                Markup('<th class="text-end">%s</th>') % row["currency"].name
                for row in summary
            )
            record.summary_html = (
                Markup('<table class="table table-sm"><tr><th></th>%s</tr>%s</table>')
                % (head, body)
                if summary
                else False
            )

    def action_export_xlsx(self):
        """The settlement report and its operations as an XLSX download."""
        self.ensure_one()
        self.check_access("read")
        # Attached as superuser: an attachment needs write access to its file,
        # which users only read.
        attachment = (
            self.env["ir.attachment"]
            .sudo()
            .create(
                {
                    "name": "%s - %s.xlsx"
                    % (self.env._("Settlement report"), self.name),
                    "datas": base64.b64encode(self._xlsx()),
                    "res_model": self._name,
                    "res_id": self.id,
                }
            )
        )
        return {
            "type": "ir.actions.act_url",
            "url": "/web/content/%s?download=true" % attachment.id,
            "target": "self",
        }

    def _xlsx(self):
        book = Workbook()
        sheet = book.active
        sheet.title = self.env._("Summary")
        summary = self._summary()
        sheet.append([""] + [row["currency"].name for row in summary])
        for key, label in self._summary_labels():
            sheet.append([label] + [row[key] for row in summary])
        sheet = book.create_sheet(self.env._("Operations"))
        fields_ = ["local_date", "kind", "cip", "transaction_code", "currency_id",
                   "gross", "commission", "igv", "amount", "state", "reason",
                   "note"]  # fmt: skip
        sheet.append(
            [self.env["pagoefectivo.operation"]._fields[f].string for f in fields_]
        )
        for op in self._operations().sorted(lambda o: (o.date, o.id)):
            _append_as_text(
                sheet,
                [
                    op.local_date,
                    dict(op._fields["kind"]._description_selection(self.env))[op.kind],
                    op.cip or "",
                    op.transaction_code or "",
                    op.currency_id.name,
                    op.gross,
                    op.commission,
                    op.igv,
                    op.amount,
                    dict(op._fields["state"]._description_selection(self.env))[
                        op.state
                    ],
                    op.reason or "",
                    op.note or "",
                ],
            )
        out = io.BytesIO()
        book.save(out)
        return out.getvalue()
