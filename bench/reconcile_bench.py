#!/usr/bin/env python3
"""Benchmark: PagoEfectivo days imported and reconciled in the background.

One throwaway database with the addons and a Peruvian company, the emulator
(pagoefectivo_emulator) serving on loopback as PagoEfectivo's API, and, side by
side in the same run:

* baselines: a plain batch `account.payment` create + post, a plain batch
  `account.bank.statement.line` create (one line per CIP, nothing reconciled),
  and those payments reconciled with one entry by Odoo's `_reconcile_plan`;
* set-up of each day: its paid transactions with posted payments, batch
  created and posted in bulk (payments/s against the plain payment baseline);
* a mixed day (--lines, default 10,000 CIPs): 3 % unknown CIPs, 2 % amount
  mismatches, 2 % refunds (asked for in Odoo) with their credit notes, 1 %
  lost notifications (pending in Odoo, paid in the emulator: the import asks
  its /v1/cips/search);
* a clean big day (--big, default 50,000 CIPs; 0 skips it);
* the big day's file imported again (the mixed one's without --big).

Each import is `_import_file` (read, check, accept) plus the background job
`_cron_process_imports` run here until done, committing each batch as the
scheduled action does. Printed: lines/s and SQL queries per line of each, the
ratios to the statement-line baseline, the queries per line of the job's
first and last batches (flat means linear), and the mixed day's floor: what
its own statement lines (exceptions, refunds) and the payments Odoo posts
(refunds, recovered payments) cost at the baselines' rates, and both days'
reconciliation of their payments at the plain reconciliation's. No figure
is asserted.

    python3 bench/reconcile_bench.py --lines 2000 --big 0
    python3 bench/reconcile_bench.py            # mixed 10k, then 50k, then again
"""

# pylint: disable=print-used  # a command-line benchmark: it prints its figures
# pylint: disable=invalid-commit  # it commits as the scheduled action does

import argparse
import cProfile
import logging
import sys
import time
from datetime import datetime, timedelta, timezone

from _odoo import REPO_ROOT, environment, fresh_database, peruvian_company

from odoo import SUPERUSER_ID, api
from odoo.fields import Command

sys.path.insert(0, str(REPO_ROOT))

from pagoefectivo_emulator import Emulator, reports  # noqa: E402

LIMA = timezone(timedelta(hours=-5))
CHUNK = 1000  # transactions set up per committed chunk


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--lines", type=int, default=10000, help="CIPs of the mixed day"
    )
    parser.add_argument(
        "--big", type=int, default=50000, help="CIPs of the clean big day (0: skip)"
    )
    parser.add_argument(
        "--baseline-lines",
        type=int,
        default=1000,
        help="statement lines and payments of the plain baselines (0 to skip)",
    )
    parser.add_argument("--profile", help="write a cProfile of the imports here")
    return parser.parse_args()


class Measure:
    def __init__(self, env, label, count, unit="lines"):
        self.env, self.label, self.count, self.unit = env, label, count, unit

    def __enter__(self):
        self.env.flush_all()
        self.queries = self.env.cr.sql_log_count
        self.start = time.perf_counter()
        return self

    def __exit__(self, *exc):
        if exc[0]:
            return False
        self.env.flush_all()
        self.seconds = time.perf_counter() - self.start
        self.query_count = self.env.cr.sql_log_count - self.queries
        self.rate = self.count / self.seconds
        self.per_line = self.query_count / self.count
        print(
            f"{self.label:<44} {self.count:>7} {self.unit:<8} {self.seconds:>8.1f} s "
            f"{self.rate:>8.1f} {self.unit}/s {self.per_line:>6.2f} "
            f"queries/{self.unit[:-1]}",
            flush=True,
        )
        return False


# === SET-UP === #


class Bench:
    def __init__(self, env, emulator, args):
        self.env, self.emulator, self.args = env, emulator, args
        company = env.company
        self.currency = company.currency_id
        self.partner = env["res.partner"].create({"name": "Bench Customer"})
        # The set-up's payments, named here; the provider's journal gets the
        # payments Odoo creates itself (lost notifications), named by Odoo.
        self.journal = env["account.journal"].create(
            {"name": "Bench set-up", "code": "BNCH", "type": "bank"}
        )
        provider_journal = env["account.journal"].create(
            {"name": "Bench PagoEfectivo", "code": "BPAY", "type": "bank"}
        )
        self.method_line = self.journal.inbound_payment_method_line_ids[:1]
        self.provider = env.ref("pagoefectivo_payment.payment_provider_pagoefectivo")
        config = emulator.config
        self.provider.write(
            {
                "state": "test",
                "pagoefectivo_service_id": config.service_id,
                "pagoefectivo_access_key": config.access_key,
                "pagoefectivo_secret_key": config.secret_key,
                "pagoefectivo_base_url": emulator.base_url + "/v1/",
                "journal_id": provider_journal.id,
            }
        )
        self.method = env.ref("pagoefectivo_payment.payment_method_pagoefectivo")
        # Its commissions are billed to PagoEfectivo, a supplier set by the user.
        clearing = env["account.journal"]._pagoefectivo_journal(company, self.currency)
        clearing.pagoefectivo_supplier_id = env["res.partner"].create(
            {
                "name": "PagoEfectivo S.A.C.",
                "is_company": True,
                "l10n_latam_identification_type_id": env.ref("l10n_pe.it_RUC").id,
                "vat": "20555555556",
            }
        )
        self.serial = 0
        env.cr.commit()

    def issue(self, count, day, tag):
        """`count` CIPs issued and paid in the emulator over `day` (Lima)."""
        emulator = self.emulator
        step = timedelta(hours=14) / max(count, 1)
        start = datetime.combine(day, datetime.min.time(), LIMA) + timedelta(hours=8)
        for index in range(count):
            cip = emulator.create_cip(
                {
                    "currency": self.currency.name,
                    "amount": "%.2f" % (10 + index % 500),
                    "transactionCode": f"{tag}-{index}",
                    "userEmail": "bench@example.com",
                }
            )
            emulator.pay(cip["cip"], payment_date=start + step * index)
        return [
            snapshot
            for snapshot in emulator.cips.values()
            if snapshot["transactionCode"].startswith(tag + "-")
        ]

    def paid_transactions(self, snapshots, amount_delta=None):
        """Done transactions of these CIPs with their posted payments, the fast
        way: draft payments, their entries created with names and posted in
        bulk, then linked to the payments in one update per chunk."""
        env = self.env
        amount_delta = amount_delta or {}
        for start in range(0, len(snapshots), CHUNK):
            chunk = snapshots[start : start + CHUNK]
            amounts = [
                float(s["amount"]) + amount_delta.get(s["cip"], 0.0) for s in chunk
            ]
            day = datetime.fromisoformat(chunk[0]["datePayment"]).date()
            payments = env["account.payment"].create(
                [
                    {
                        "payment_type": "inbound",
                        "partner_type": "customer",
                        "partner_id": self.partner.id,
                        "amount": amount,
                        "currency_id": self.currency.id,
                        "journal_id": self.journal.id,
                        "payment_method_line_id": self.method_line.id,
                        "date": day,
                        "memo": f"{s['transactionCode']} - {s['cip']}",
                    }
                    for s, amount in zip(chunk, amounts, strict=True)
                ]
            )
            outstanding = payments[:1].outstanding_account_id
            receivable = self.partner.property_account_receivable_id
            moves = []
            for payment, amount in zip(payments, amounts, strict=True):
                self.serial += 1
                line = {"partner_id": self.partner.id, "name": payment.memo}
                moves.append(
                    {
                        "move_type": "entry",
                        "journal_id": self.journal.id,
                        "date": day,
                        "name": f"BNCH/{day.year}/{self.serial:06d}",
                        "partner_id": self.partner.id,
                        "currency_id": self.currency.id,
                        "ref": payment.memo,
                        "origin_payment_id": payment.id,
                        "line_ids": [
                            Command.create(
                                {**line, "account_id": outstanding.id, "debit": amount}
                            ),
                            Command.create(
                                {**line, "account_id": receivable.id, "credit": amount}
                            ),
                        ],
                    }
                )
            moves = (
                env["account.move"].with_context(skip_invoice_sync=True).create(moves)
            )
            moves.action_post()
            # One UPDATE for the chunk instead of a write (and its triggers)
            # per payment; what depends on these fields is recomputed at once.
            payments._write_multi(
                [{"move_id": move.id, "state": "in_process"} for move in moves]
            )
            payments.invalidate_recordset(["move_id", "state"])
            payments.modified(["move_id", "state"])
            env["payment.transaction"].create(
                [
                    {
                        "provider_id": self.provider.id,
                        "payment_method_id": self.method.id,
                        "amount": amount,
                        "currency_id": self.currency.id,
                        "partner_id": self.partner.id,
                        "reference": s["transactionCode"],
                        "provider_reference": str(s["cip"]),
                        "operation": "online_redirect",
                        "state": "done",
                        "is_post_processed": True,
                        "payment_id": payment.id,
                    }
                    for s, amount, payment in zip(chunk, amounts, payments, strict=True)
                ]
            )
            env.flush_all()
            env.cr.commit()
            env.invalidate_all()

    def pending_transactions(self, snapshots):
        """Transactions whose paid notification never came (paid in the emulator)."""
        self.env["payment.transaction"].create(
            [
                {
                    "provider_id": self.provider.id,
                    "payment_method_id": self.method.id,
                    "amount": float(s["amount"]),
                    "currency_id": self.currency.id,
                    "partner_id": self.partner.id,
                    "reference": s["transactionCode"],
                    "provider_reference": str(s["cip"]),
                    "operation": "online_redirect",
                    "state": "pending",
                }
                for s in snapshots
            ]
        )

    def refund_requests(self, snapshots):
        """Refunds asked for in Odoo, in full: a file row confirms only those."""
        txs = self.env["payment.transaction"].search(
            [("reference", "in", [s["transactionCode"] for s in snapshots])]
        )
        for tx in txs:
            tx.action_refund(amount_to_refund=tx.amount)

    def credit_notes(self, amounts, day):
        notes = self.env["account.move"].create(
            [
                {
                    "move_type": "out_refund",
                    "partner_id": self.partner.id,
                    "invoice_date": day,
                    "date": day,
                    "invoice_line_ids": [
                        Command.create(
                            {
                                "name": "Bench refund",
                                "quantity": 1,
                                "price_unit": amount,
                                "tax_ids": [Command.clear()],
                            }
                        )
                    ],
                }
                for amount in amounts
            ]
        )
        notes.action_post()


# === IMPORTS === #


class StepStats:
    """Queries per row of each step of the background job."""

    def __init__(self, env):
        self.env, self.steps = env, []
        Import = type(env["pagoefectivo.import"])
        self.original = Import._process_step
        stats = self

        def process_step(record):
            before = record.env.cr.sql_log_count
            processed = stats.original(record)
            if processed > 1:
                stats.steps.append((record.env.cr.sql_log_count - before) / processed)
            return processed

        Import._process_step = process_step

    def summary(self):
        if not self.steps:
            return "no batch"
        steps = self.steps
        return (
            f"{len(steps)} batches, queries/line first {steps[0]:.2f}, "
            f"last {steps[-1]:.2f}, min {min(steps):.2f}, max {max(steps):.2f}"
        )


def import_day(env, label, content, count, profiler=None):
    """Accept the file, then run the background job to the end; measured."""
    stats = StepStats(env)
    Import = env["pagoefectivo.import"]
    try:
        with Measure(env, label, count) as measure:
            if profiler:
                profiler.enable()
            started = time.perf_counter()
            record = Import._import_file(content, f"{label}.csv")
            accepted = time.perf_counter() - started
            env.cr.commit()
            Import._cron_process_imports()
            if profiler:
                profiler.disable()
    finally:
        type(Import)._process_step = stats.original
    record.invalidate_recordset()
    ops = env["pagoefectivo.operation"].search_count(
        ["|", ("import_id", "=", record.id), ("settlement_id", "=", record.id)]
    )
    print(
        f"  accepted in {accepted:.1f} s; {record.state}: {record.created_count} "
        f"rows imported, {record.skipped_count} skipped, {ops} operations, "
        f"{record.matched_count} reconciled, {record.exception_count} exceptions; "
        f"job: {stats.summary()}",
        flush=True,
    )
    return measure, record


def mixed_day(bench, count, day):
    """A day with every exception and recovery path; returns the file."""
    snapshots = bench.issue(count, day, f"MIX{day:%d}")
    # Spread over the day: of every 100 CIPs, 3 unknown, 2 amount mismatches,
    # 2 refunds, 1 lost notification.
    groups = {"unknown": [], "mismatch": [], "refunded": [], "lost": [], "clean": []}
    for index, snapshot in enumerate(snapshots):
        rest = index % 100
        kind = (
            "unknown" if rest < 3
            else "mismatch" if rest < 5
            else "refunded" if rest < 7
            else "lost" if rest < 8
            else "clean"
        )  # fmt: skip
        groups[kind].append(snapshot)
    unknown, mismatch = groups["unknown"], groups["mismatch"]
    refunded, lost, clean = groups["refunded"], groups["lost"], groups["clean"]
    known = mismatch + refunded + clean
    label = "set-up: mixed day, paid transactions"
    with Measure(bench.env, label, len(known), "payments") as setup:
        bench.paid_transactions(known, {s["cip"]: 7.0 for s in mismatch})
        bench.pending_transactions(lost)
        if refunded:
            refund_day = datetime.fromisoformat(refunded[0]["datePayment"]).date()
            bench.credit_notes([float(s["amount"]) for s in refunded], refund_day)
        bench.env.cr.commit()
    bench.refund_requests(refunded)
    bench.env.cr.commit()
    for snapshot in refunded:
        paid = datetime.fromisoformat(snapshot["datePayment"])
        when = (paid + timedelta(hours=1)).isoformat()
        snapshot["refunds"] = [{"date": when, "amount": snapshot["amount"]}]
    print(
        f"  {len(unknown)} unknown CIPs, {len(mismatch)} amount mismatches, "
        f"{len(refunded)} refunds with credit notes, {len(lost)} lost notifications"
    )
    # What this design makes Odoo do record by record: a statement line of
    # its own for each exception (open in the reconciliation screens) and
    # each refund, a payment made by Odoo's post-processing for each refund
    # and recovered payment, and each paid CIP's payment reconciled.
    floor = {
        "lines": len(unknown) + len(mismatch) + len(refunded),
        "payments": len(refunded) + len(lost),
        "reconciled": len(clean) + len(lost) + len(refunded),
    }
    content = reports.settlement_csv(snapshots).encode()
    return content, count + len(refunded) + 1, setup, floor


def clean_day(bench, count, day):
    snapshots = bench.issue(count, day, f"BIG{day:%d}")
    label = "set-up: big day, paid transactions"
    with Measure(bench.env, label, count, "payments") as setup:
        bench.paid_transactions(snapshots)
    return reports.settlement_csv(snapshots).encode(), count + 1, setup


def baselines(env, bench, count):
    """Plain batch creates: statement lines, and payments posted."""
    journal = env["account.journal"].create(
        {"name": "Baseline", "code": "BASE", "type": "bank"}
    )
    vals = [
        {"journal_id": journal.id, "date": "2026-03-02", "amount": 10 + i % 500,
         "payment_ref": f"CIP {i}"}
        for i in range(count)
    ]  # fmt: skip
    with Measure(env, "baseline: plain statement lines", count) as lines:
        env["account.bank.statement.line"].create(vals)
    other = env["account.journal"].search(
        [
            ("type", "=", "bank"),
            ("pagoefectivo_clearing", "=", False),
            (
                "id",
                "not in",
                [journal.id, bench.journal.id, bench.provider.journal_id.id],
            ),
        ],
        limit=1,
    )
    vals = [
        {"payment_type": "inbound", "partner_type": "customer",
         "partner_id": bench.partner.id, "amount": 10 + i % 500,
         "journal_id": other.id, "memo": f"BASE-{i}"}
        for i in range(count)
    ]  # fmt: skip
    with Measure(env, "baseline: plain account.payment", count, "payments") as pays:
        payments = env["account.payment"].create(vals)
        payments.action_post()
    label = "baseline: plain reconciliation, payments"
    with Measure(env, label, count, "payments") as paid:
        settle_payments(env, payments, other)
    env.cr.commit()
    env.invalidate_all()
    return {"lines": lines, "payments": pays, "reconciliation": paid}


def settle_payments(env, payments, journal):
    """What any design does for each paid CIP: its payment's outstanding item
    reconciled, here with one entry for them all (Odoo's own reconciliation)."""
    outstanding = payments.move_id.line_ids.filtered(
        lambda line: line.account_id == line.payment_id.outstanding_account_id
    )
    total = sum(outstanding.mapped("balance"))
    account = outstanding.account_id
    entry = env["account.move"].create(
        {
            "journal_id": journal.id,
            "line_ids": [
                Command.create(
                    {"name": "Baseline", "account_id": account.id, "balance": -total}
                ),
                Command.create(
                    {
                        "name": "Baseline",
                        "account_id": journal.default_account_id.id,
                        "balance": total,
                    }
                ),
            ],
        }
    )
    entry.action_post()
    counterpart = entry.line_ids.filtered(lambda line: line.account_id == account)
    env["account.move.line"]._reconcile_plan([counterpart | outstanding])


def run(env, emulator, args):
    bench = Bench(env, emulator, args)
    base = baselines(env, bench, args.baseline_lines) if args.baseline_lines else {}
    base_lines, base_pays = base.get("lines"), base.get("payments")
    profiler = cProfile.Profile() if args.profile else None
    results, setups = [], []

    content, count, setup, floor = mixed_day(
        bench, args.lines, datetime(2026, 11, 2).date()
    )
    setups.append(setup)
    results.append(import_day(env, "mixed day", content, count, profiler)[0])
    again = (content, count, "mixed day again")
    if args.big:
        content, count, setup = clean_day(bench, args.big, datetime(2026, 11, 3).date())
        setups.append(setup)
        results.append(import_day(env, "big day", content, count, profiler)[0])
        again = (content, count, "big day again")
    results.append(import_day(env, again[2], again[0], again[1], profiler)[0])
    if profiler:
        profiler.dump_stats(args.profile)

    if base_lines:
        print(f"ratios to the plain statement lines ({base_lines.rate:.1f} lines/s):")
        for measure in results:
            print(
                f"  {measure.label:<20} {measure.rate / base_lines.rate:8.1f}x "
                "lines/s, "
                f"queries/line {measure.per_line:.2f} vs {base_lines.per_line:.2f}"
            )
    if base:
        print_floors(base, results, floor, args.big)
    if base_pays:
        print(f"ratios to the plain account.payment ({base_pays.rate:.1f} payments/s):")
        for measure in setups:
            print(
                f"  {measure.label:<44} {measure.rate / base_pays.rate:6.1f}x "
                f"payments/s, queries/payment {measure.per_line:.2f} vs "
                f"{base_pays.per_line:.2f}"
            )


def print_floors(base, results, floor, big):
    """The seconds Odoo's own records of each day cost at the baselines'
    rates, beside the day's: a floor for one process through Odoo's ORM.
    Rough: the plain statement lines also run OCA's partner guess and
    reconciliation models, which the import skips; the baselines leave out
    their commit."""
    reconciled = base["reconciliation"].rate
    mixed = (
        floor["lines"] / base["lines"].rate
        + floor["payments"] / base["payments"].rate
        + floor["reconciled"] / reconciled
    )
    print(
        f"ORM floor of the mixed day ({floor['lines']} statement lines of their own, "
        f"{floor['payments']} payments Odoo posts, {floor['reconciled']} payments "
        f"reconciled): {mixed:.1f} s of its {results[0].seconds:.1f} s"
    )
    if big:
        print(
            f"ORM floor of the big day ({big} payments reconciled): "
            f"{big / reconciled:.1f} s of its {results[1].seconds:.1f} s"
        )


def main():
    args = parse_args()
    # One line per CIP paid, about notifications nobody listens to here.
    logging.getLogger("pagoefectivo_emulator.notifier").setLevel(logging.WARNING)
    with fresh_database("pe_bench_reconcile") as (database, config):
        registry = environment(database, config)
        with Emulator(token_ttl=3600) as emulator, registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            peruvian_company(env)
            cr.commit()
            run(env, emulator, args)
            cr.rollback()


if __name__ == "__main__":
    main()
