from collections import defaultdict

from odoo import api, fields, models
from odoo.fields import Command, Domain
from odoo.tools import split_every

from ..tools.report_rows import PAYMENT
from .reconcile_outcome import Outcome

# Operations matched in one go; bounds memory, keeps queries per line flat.
MATCH_BATCH = 2000


def _merge(counterparts, name):
    """One journal item per account for the items that settle open items.

    The batch's item is reconciled with all the payments it settles at once:
    the per-CIP link is in the partial reconciliations and the operations.
    Receivable items keep one item per partner for the partner ledger.
    Write-offs stay one per operation, with their reason.
    """
    merged, others = {}, []
    for item in counterparts:
        target = item.get("target")
        if not target:
            others.append(item)
            continue
        partner = (
            item.get("partner") if target.account_type == "asset_receivable" else None
        )
        key = (item["account"], partner)
        if key not in merged:
            merged[key] = {**item, "partner": partner, "name": name, "target": target}
        else:
            merged[key]["amount"] += item["amount"]
            merged[key]["target"] |= target
    return list(merged.values()) + others


class PagoEfectivoOperation(models.Model):
    """Journal entries of operations.

    Cleanly matched payments of a day are booked together, up to the
    journal's batch size per statement line (see `_merge`). Refunds,
    deposits and exceptions get a statement line each, so that each exception
    stays open in the reconciliation screens (Enterprise, OCA's
    account_reconcile_oca) until it is resolved.
    """

    _inherit = "pagoefectivo.operation"

    def _reconcile(self, commissions=True):
        """Match and book these operations; `commissions`: book their
        settlements' commissions too (a file imported in batches books them
        once, at its end)."""
        ops = self.filtered(lambda op: op.state != "reconciled")
        ops._follow_statement_lines()
        ops = ops.filtered(lambda op: op.state != "reconciled")
        for journal in ops.journal_id:
            journal._pagoefectivo_check_setup()
            journal_ops = ops.filtered(lambda op, j=journal: op.journal_id == j)
            for ids in split_every(MATCH_BATCH, journal_ops.ids):
                batch = self.browse(ids)
                batch._book(batch._match())
        if commissions:
            self._book_commissions()

    def _follow_statement_lines(self):
        """Exceptions reconciled in another screen (Enterprise's, OCA's
        account_reconcile_oca, a manual entry) are reconciled here too, and
        become exceptions again when that screen undoes it."""
        for op in self:
            done = op.statement_line_id.is_reconciled
            if op.state == "exception" and done:
                op.write({"state": "reconciled", "manual": True})
            elif op.manual and not done:
                op.write({"state": "exception", "manual": False})

    @api.model
    def _follow_reconciliation_of(self, st_lines):
        """Called whenever journal items of `st_lines` are (un)reconciled."""
        if not st_lines:
            return
        self.sudo().search(
            Domain("statement_line_id", "in", st_lines.ids)
            & (Domain("state", "=", "exception") | Domain("manual", "=", True))
        )._follow_statement_lines()

    def _settle_by_hand(self, lines):
        """Book exceptions against `lines` (none: a write-off) in the user's name."""
        reason = self.env._("Settled by %(user)s", user=self.env.user.name)
        self._book(
            {
                op: Outcome(
                    targets=lines,
                    transaction=op.transaction_id,
                    partner=op.partner_id or lines.partner_id[:1],
                    writeoff_reason=reason,
                )
                for op in self
            }
        )

    # === BOOKING === #

    def _book(self, outcomes):
        """Create the statement lines of {operation: Outcome} and reconcile."""
        matched = self.browse(
            [op.id for op, outcome in outcomes.items() if outcome.matched]
        )
        stale = matched.statement_line_id
        stale.line_ids.remove_move_reconcile()
        stale.unlink()
        entries = matched._matched_entries(outcomes)
        exceptions = self.browse(
            [op.id for op, outcome in outcomes.items() if not outcome.matched]
        )
        entries += [
            op._exception_entry(outcomes[op])
            for op in exceptions
            if not op.statement_line_id
        ]
        st_lines = self._create_statement_lines(entries)
        for entry, st_line in zip(entries, st_lines, strict=True):
            entry["ops"].statement_line_id = st_line
        matched.filtered("candidate_line_ids").candidate_line_ids = [Command.clear()]
        matched.write({"state": "reconciled", "reason": False, "note": False})
        for op in matched:
            op._write_outcome(outcomes[op], note=outcomes[op].writeoff_reason)
        for op in exceptions:
            outcome = outcomes[op]
            op.write(
                {
                    "state": "exception",
                    "reason": outcome.reason,
                    "candidate_line_ids": [Command.set(outcome.candidates.ids)]
                    if outcome.candidates
                    else [Command.clear()],
                }
            )
            op._write_outcome(outcome, note=outcome.note)

    def _write_outcome(self, outcome, note):
        """Write what changed only: most matched operations change nothing here."""
        vals = {
            "note": note or False,
            "transaction_id": outcome.transaction.id if outcome.transaction else False,
            "partner_id": outcome.partner.id if outcome.partner else False,
        }
        changed = {
            name: value
            for name, value in vals.items()
            if (self[name].id if name != "note" else self[name]) != value
        }
        if changed:
            self.write(changed)

    def _matched_entries(self, outcomes):
        """Entries of matched operations: payments grouped by day, the rest one each."""
        entries = []
        payments = defaultdict(list)
        for op in self:
            if op.kind == PAYMENT:
                payments[op.local_date].append(op.id)
            else:
                entries.append(op._entry(op._counterparts(outcomes[op])))
        for day, day_ids in sorted(payments.items()):
            size = max(self.journal_id.pagoefectivo_batch_size, 1)
            for ids in split_every(size, day_ids):
                ops = self.browse(ids)
                counterparts = []
                for op in ops:
                    counterparts += op._counterparts(outcomes[op])
                ref = self.env._(
                    "PagoEfectivo: %(count)s paid CIPs of %(day)s",
                    count=len(ops),
                    day=fields.Date.to_string(day),
                )
                entries.append(ops._entry(_merge(counterparts, ref), ref=ref))
        return entries

    def _counterparts(self, outcome):
        """Journal items balancing this operation's amount on the clearing account."""
        self.ensure_one()
        currency = self.currency_id
        name = self._label()
        partner = outcome.partner.commercial_partner_id if outcome.partner else None
        if outcome.account:
            return [{"account": outcome.account, "amount": -self.amount, "name": name}]
        items = [
            {
                "account": line.account_id,
                "amount": -line.amount_residual_currency,
                "partner": line.partner_id,
                "name": name,
                "target": line,
            }
            for line in outcome.targets or []
        ]
        left = currency.round(-self.amount - sum(item["amount"] for item in items))
        if not currency.is_zero(left):
            self.writeoff_amount = -left
            items.append(
                {
                    "account": self.journal_id.pagoefectivo_writeoff_account_id,
                    "amount": left,
                    "partner": partner,
                    "name": outcome.writeoff_reason or name,
                }
            )
        return items

    def _label(self):
        kind = dict(self._fields["kind"]._description_selection(self.env))[self.kind]
        parts = [kind, self.cip, self.transaction_code]
        return " ".join(part for part in parts if part)

    def _entry(self, counterparts, ref=None):
        partners = {item.get("partner") for item in counterparts or []}
        return {
            "ops": self,
            "journal": self.journal_id,
            "date": max(self.mapped("local_date")),
            "ref": ref or self._label(),
            "partner": partners.pop() if len(partners) == 1 else None,
            "amount": self.currency_id.round(sum(self.mapped("amount"))),
            "counterparts": counterparts,
        }

    def _exception_entry(self, outcome):
        entry = self._entry(None)
        entry["partner"] = outcome.partner
        entry["ref"] = "%s: %s" % (self._label(), outcome.note)
        return entry

    def _create_statement_lines(self, entries):
        vals_list = [self._statement_line_vals(entry) for entry in entries]
        st_lines = (
            self.env["account.bank.statement.line"]
            .with_context(skip_invoice_sync=True)
            .create(vals_list)
        )
        plan = []
        for entry, st_line in zip(entries, st_lines, strict=True):
            if not entry["counterparts"]:
                continue
            created = st_line.move_id.line_ids.sorted("id")[1:]
            plan += [
                created[index] | item["target"]
                for index, item in enumerate(entry["counterparts"])
                if item.get("target")
            ]
        if plan:
            self.env["account.move.line"]._reconcile_plan(plan)
        return st_lines

    def _statement_line_vals(self, entry):
        journal = entry["journal"]
        vals = {
            "journal_id": journal.id,
            "date": entry["date"],
            "payment_ref": entry["ref"],
            "amount": entry["amount"],
            "partner_id": entry["partner"].id if entry["partner"] else False,
        }
        if entry["counterparts"] is None:
            return vals
        company = journal.company_id
        currency = journal.pagoefectivo_currency_id
        rate = currency._get_conversion_rate(
            currency, company.currency_id, company, entry["date"]
        )
        lines = []
        for item in entry["counterparts"]:
            amount = currency.round(item["amount"])
            line = {
                "name": item["name"],
                "account_id": item["account"].id,
                "partner_id": item["partner"].id if item.get("partner") else False,
                "currency_id": currency.id,
                "amount_currency": amount,
                "balance": company.currency_id.round(amount * rate),
            }
            line.update(item.get("extra", {}))
            lines.append(line)
        liquidity = {
            "name": entry["ref"],
            "account_id": journal.default_account_id.id,
            "partner_id": vals["partner_id"],
            "currency_id": currency.id,
            "amount_currency": entry["amount"],
            "balance": -sum(line["balance"] for line in lines),
        }
        vals["line_ids"] = [Command.create(line) for line in [liquidity, *lines]]
        return vals
