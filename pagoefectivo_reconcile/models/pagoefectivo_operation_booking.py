from collections import defaultdict
from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.fields import Command, Domain
from odoo.tools import split_every
from odoo.tools.misc import format_amount

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
    merged, targets, others = {}, defaultdict(list), []
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
            merged[key] = {**item, "partner": partner, "name": name}
        else:
            merged[key]["amount"] += item["amount"]
        targets[key] += target.ids  # one browse at the end: `|=` copies each time
    for key, item in merged.items():
        item["target"] = item["target"].browse(list(dict.fromkeys(targets[key])))
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

    reason = fields.Selection(
        selection_add=[("undone", "Reconciliation undone")],
        ondelete={"undone": "set null"},
    )
    booked_date = fields.Date(
        related="statement_line_id.date",
        string="Booked On",
        help="The date of its entry: the Lima date, or the first open day when "
        "that date was locked.",
    )

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

    def _follow_statement_lines(self, undone=False):
        """Exceptions reconciled in another screen (Enterprise's, OCA's
        account_reconcile_oca, a manual entry) are reconciled here too, and
        become exceptions again when that screen undoes it. `undone`: the
        screen's *Undo* put the whole line back on the suspense account, so
        what this addon booked on it is undone too: those operations wait on
        the line as exceptions, which *Reconcile Again* fills in place."""
        for op in self:
            done = op.statement_line_id.is_reconciled
            if op.state == "exception" and done:
                op.write({"state": "reconciled", "manual": True})
            elif op.state == "reconciled" and not done and op.manual:
                op.write({"state": "exception", "manual": False})
            elif op.state == "reconciled" and not done and undone:
                op.write(
                    {
                        "state": "exception",
                        "reason": "undone",
                        "note": self.env._(
                            "Reconciliation undone in the reconciliation screen "
                            "by %(user)s.",
                            user=self.env.user.name,
                        ),
                        "writeoff_amount": 0.0,
                        "writeoff_by_id": False,
                        "writeoff_note": False,
                    }
                )

    @api.model
    def _follow_reconciliation_of(self, st_lines, undone=False):
        """Called whenever journal items of `st_lines` are (un)reconciled;
        `undone`: by an *Undo* of the lines in a reconciliation screen. Not
        while this addon unreconciles items itself to reverse them."""
        if not st_lines or self.env.context.get("pagoefectivo_reversing"):
            return
        states = ["exception", "reconciled"] if undone else ["exception"]
        self.sudo().search(
            Domain("statement_line_id", "in", st_lines.ids)
            & (Domain("state", "in", states) | Domain("manual", "=", True))
        )._follow_statement_lines(undone=undone)

    def _settle_by_hand(self, lines, reason="", partial=False, label=""):
        """Book exceptions against `lines` (none: a write-off) in the user's
        name, with the user's `reason`; `partial`: settle `lines` for the
        operations' amounts only, leaving the rest of them open. `label`: of
        what `lines` leave over, when it is not a write-off."""
        label = label or (
            self.env._(
                "Written off by %(user)s: %(reason)s",
                user=self.env.user.name,
                reason=reason,
            )
            if reason
            else self.env._("Settled by %(user)s", user=self.env.user.name)
        )
        self._book(
            {
                op: Outcome(
                    targets=lines,
                    transaction=op.transaction_id,
                    partner=op.partner_id or lines.partner_id[:1],
                    writeoff_reason=label,
                    partial=partial,
                )
                for op in self
            }
        )

    # === BOOKING === #

    def _book(self, outcomes):
        """Create the statement lines of {operation: Outcome} and reconcile.

        An exception waits on a statement line of its own (suspense account);
        when it matches, that line is reconciled in place, as the
        reconciliation screens do, never deleted. A row PagoEfectivo did not
        confirm gets no statement line: nothing says its money exists.
        """
        matched = self.browse(
            [op.id for op, outcome in outcomes.items() if outcome.matched]
        )
        entries = matched._matched_entries(outcomes)
        exceptions = self.browse(
            [op.id for op, outcome in outcomes.items() if not outcome.matched]
        )
        entries += [
            op._exception_entry(outcomes[op])
            for op in exceptions
            if not op.statement_line_id and outcomes[op].reason != "unverified"
        ]
        self._create_statement_lines(entries)
        for entry in entries:
            if entry["ops"].statement_line_id != entry["st_line"]:
                entry["ops"].statement_line_id = entry["st_line"]
        matched.filtered("candidate_line_ids").candidate_line_ids = [Command.clear()]
        matched.write(
            {"state": "reconciled", "reason": False, "note": False, "manual": False}
        )
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
        """Entries of matched operations: payments grouped by day, the rest one
        each, and one per line exceptions were waiting on."""
        entries = []
        waiting = defaultdict(list)
        payments = defaultdict(list)
        for op in self:
            if op.statement_line_id:
                waiting[op.statement_line_id].append(op.id)
            elif op.kind == PAYMENT:
                payments[op.local_date].append(op.id)
            else:
                entries.append(op._entry(op._own_counterparts(outcomes[op])))
        still_waiting = self.search(
            Domain("statement_line_id", "in", list({line.id for line in waiting}))
            & Domain("state", "=", "exception")
            & Domain("id", "not in", self.ids)
        )
        for st_line, ids in waiting.items():
            rest = still_waiting.filtered(
                lambda op, line=st_line: op.statement_line_id == line
            )
            entries.append(
                self.browse(ids)._waiting_line_entry(st_line, outcomes, rest)
            )
        for day, day_ids in sorted(payments.items()):
            size = max(self.journal_id.pagoefectivo_batch_size, 1)
            for ids in split_every(size, day_ids):
                ops = self.browse(ids)
                counterparts = []
                for op in ops:
                    counterparts += op._own_counterparts(outcomes[op])
                ref = self.env._(
                    "PagoEfectivo: %(count)s paid CIPs of %(day)s",
                    count=len(ops),
                    day=fields.Date.to_string(day),
                )
                entries.append(ops._entry(_merge(counterparts, ref), ref=ref))
        return entries

    def _waiting_line_entry(self, st_line, outcomes, rest):
        """Entry of these operations on the line they wait on. Several wait
        on one line when a reconciliation screen undid it: what the `rest`,
        still waiting there, make up stays on the suspense account."""
        if len(self) == 1:
            entry = self._entry(self._own_counterparts(outcomes[self]))
        else:
            counterparts = []
            for op in self:
                counterparts += op._own_counterparts(outcomes[op])
            ref = st_line.payment_ref
            entry = self._entry(_merge(counterparts, ref), ref=ref)
        if rest:
            entry["counterparts"].append(
                {
                    "account": st_line.journal_id.suspense_account_id,
                    "amount": -rest.currency_id.round(sum(rest.mapped("amount"))),
                    "name": st_line.payment_ref,
                }
            )
        entry["st_line"] = st_line
        entry["date"] = st_line.date  # converted at the line's rate, as its suspense
        return entry

    def _own_counterparts(self, outcome):
        """`_counterparts`, the items that settle nothing marked as this
        operation's: an undo of it alone reverses them with its share."""
        items = self._counterparts(outcome)
        for item in items:
            if not item.get("target"):
                item["extra"] = {
                    **item.get("extra", {}),
                    "pagoefectivo_operation_id": self.id,
                }
        return items

    def _counterparts(self, outcome):
        """Journal items balancing this operation's amount on the clearing account."""
        self.ensure_one()
        currency = self.currency_id
        name = self._label()
        partner = outcome.partner.commercial_partner_id if outcome.partner else None
        amount = self._amount_to_book()
        if outcome.account:
            return [{"account": outcome.account, "amount": -amount, "name": name}]
        items = [
            {
                "account": line.account_id,
                "amount": -amount
                if outcome.partial
                else -line.amount_residual_currency,
                "partner": line.partner_id,
                "name": name,
                "target": line,
            }
            for line in outcome.targets or []
        ]
        left = currency.round(-amount - sum(item["amount"] for item in items))
        if not currency.is_zero(left):
            self.writeoff_amount = -left
            account = self._customer_credit_account(
                left, outcome.targets, partner
            ) or self.journal_id._pagoefectivo_account(
                self._difference_field(left, outcome.targets)
            )
            items.append(
                {
                    "account": account,
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
        entry = self._entry(self._held_split())
        entry["partner"] = outcome.partner
        entry["ref"] = "%s: %s" % (self._label(), outcome.note)
        return entry

    def _create_statement_lines(self, entries):
        """Statement lines of `entries`, in order, their items reconciled with
        their targets. An entry with a "st_line" (a line waiting on the
        suspense account) gets its counterparts on that line instead; new
        lines dated in a locked period go to the first open day.

        :return: account.bank.statement.line, one per entry; also set as
            entry["st_line"]
        """
        StatementLine = self.env["account.bank.statement.line"]
        waiting = [entry for entry in entries if entry.get("st_line")]
        new = [entry for entry in entries if not entry.get("st_line")]
        open_dates = {}
        for entry in new:
            key = (entry["journal"], entry["date"])
            if key not in open_dates:
                open_dates[key] = self._open_date(*key)
            entry["date"] = open_dates[key]
        # The import reconciles its lines itself, and their exceptions wait for
        # a person: none of OCA's account_reconcile_oca partner guess nor
        # reconciliation models (an ILIKE join over every journal item).
        created = (
            StatementLine.with_context(
                skip_invoice_sync=True,
                skip_retrieve_partner=True,
                pagoefectivo_booking=True,
            )
            .create([self._statement_line_vals(entry) for entry in new])
            .with_env(StatementLine.env)
        )
        plan = []
        for entry, st_line in zip(new, created, strict=True):
            entry["st_line"] = st_line
            if entry["counterparts"]:
                plan += self._reconcile_pairs(
                    entry, st_line.move_id.line_ids.sorted("id")[1:]
                )
        for entry in waiting:
            plan += self._reconcile_pairs(entry, self._fill_waiting_line(entry))
        if plan:
            self.env["account.move.line"]._reconcile_plan(plan)
        return StatementLine.browse([entry["st_line"].id for entry in entries])

    @staticmethod
    def _reconcile_pairs(entry, lines):
        return [
            lines[index] | item["target"]
            for index, item in enumerate(entry["counterparts"])
            if item.get("target")
        ]

    def _fill_waiting_line(self, entry):
        """Put the counterparts of `entry` on the statement line it was
        waiting on, in place of its suspense item, as Odoo's reconciliation
        of a statement line does (the entry and its number stay; the
        suspense item was a placeholder); return the new items."""
        st_line = entry["st_line"]
        self._check_open(st_line)
        _liquidity, suspense, _others = st_line._seek_for_lines()
        lines = self._counterpart_line_vals(entry)
        # The new items replace the suspense one exactly: the last takes the
        # cents each item's conversion rounded, never more.
        currency = st_line.company_currency_id
        booked = currency.round(sum(line["balance"] for line in lines))
        waiting = currency.round(sum(suspense.mapped("balance")))
        gap = currency.round(booked - waiting)
        if currency.compare_amounts(abs(gap), currency.rounding * len(lines)) > 0:
            raise UserError(
                self.env._(
                    "The operations waiting on the statement line %(line)s make "
                    "up %(booked)s, but %(waiting)s of it waits on the suspense "
                    "account: they cannot fill it. Undo that line's "
                    "reconciliation in the reconciliation screen and reconcile "
                    "them again, or reconcile the line by hand.",
                    line=st_line.payment_ref,
                    booked=format_amount(self.env, -booked, currency),
                    waiting=format_amount(self.env, -waiting, currency),
                )
            )
        lines[-1]["balance"] -= gap
        before = max(st_line.move_id.line_ids.ids)
        st_line.move_id.with_context(
            force_delete=True, skip_readonly_check=True, skip_invoice_sync=True
        ).write(
            {
                "line_ids": [Command.unlink(line.id) for line in suspense]
                + [Command.create(line) for line in lines]
            }
        )
        return st_line.move_id.line_ids.filtered(lambda ln: ln.id > before).sorted("id")

    def _check_open(self, st_line):
        locks = st_line.company_id._get_violated_lock_dates(
            st_line.date, False, st_line.journal_id
        )
        if locks:
            raise UserError(
                self.env._(
                    "The statement line %(line)s of %(date)s is in a locked period "
                    "(%(locks)s): reconcile it by hand with an entry in an open "
                    "period.",
                    line=st_line.payment_ref,
                    date=fields.Date.to_string(st_line.date),
                    locks=self.env["res.company"]._format_lock_dates(locks),
                )
            )

    @api.model
    def _open_date(self, journal, day, reversal=False):
        """`day`, when no lock date closes it; else the first open day, or
        for a reversal today (Odoo's Reverse), if later."""
        locks = journal.company_id._get_violated_lock_dates(day, False, journal)
        if not locks:
            return day
        first_open = locks[-1][0] + timedelta(days=1)
        if reversal:
            return max(fields.Date.context_today(self), first_open)
        return first_open

    def _statement_line_vals(self, entry):
        journal = entry["journal"]
        vals = {
            "journal_id": journal.id,
            "date": entry["date"],
            "payment_ref": entry["ref"],
            "amount": entry["amount"],
            "partner_id": entry["partner"].id if entry["partner"] else False,
            **entry.get("extra", {}),
        }
        if entry["counterparts"] is None:
            return vals
        lines = self._counterpart_line_vals(entry)
        liquidity = {
            "name": entry["ref"],
            "account_id": journal.default_account_id.id,
            "partner_id": vals["partner_id"],
            "currency_id": journal.pagoefectivo_currency_id.id,
            "amount_currency": entry["amount"],
            "balance": -sum(line["balance"] for line in lines),
        }
        vals["line_ids"] = [Command.create(line) for line in [liquidity, *lines]]
        return vals

    def _counterpart_line_vals(self, entry):
        """Journal items of entry["counterparts"]: an item's "balance", when
        given, is kept (a reversal), else converted at the entry's date."""
        journal = entry["journal"]
        company = journal.company_id
        currency = journal.pagoefectivo_currency_id
        rate = currency._get_conversion_rate(
            currency, company.currency_id, company, entry["date"]
        )
        lines = []
        for item in entry["counterparts"]:
            amount = currency.round(item["amount"])
            balance = item.get("balance")
            line = {
                "name": item["name"],
                "account_id": item["account"].id,
                "partner_id": item["partner"].id if item.get("partner") else False,
                "currency_id": currency.id,
                "amount_currency": amount,
                "balance": company.currency_id.round(
                    amount * rate if balance is None else balance
                ),
            }
            line.update(item.get("extra", {}))
            lines.append(line)
        return lines
