#!/usr/bin/env python3
"""Benchmark: import and reconcile a PagoEfectivo settlement of N paid CIPs.

Creates a throwaway database with the addons and a Peruvian company, creates
N paid PagoEfectivo transactions with their posted payments, then in the same
run measures:

* ours: `pagoefectivo.import._import_file` on the emulator's settlement CSV
  (parse, store operations, match, book statement lines, reconcile);
* baseline: a plain batch `account.bank.statement.line.create` of the same
  kind of lines (one per CIP, suspense counterpart, nothing reconciled).

It prints lines per second and SQL queries per line for both, and the ratio.
No figure is asserted: this is a measurement, not a test.

    python3 bench/reconcile_bench.py --lines 10000 --baseline-lines 1000
"""

# pylint: disable=print-used  # a command-line benchmark: it prints its figures

import argparse
import cProfile
import sys
import time
from datetime import datetime, timedelta, timezone

from _odoo import REPO_ROOT, environment, fresh_database, peruvian_company

from odoo import SUPERUSER_ID, api

sys.path.insert(0, str(REPO_ROOT))

LIMA = timezone(timedelta(hours=-5))


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lines", type=int, default=10000, help="paid CIPs to import")
    parser.add_argument(
        "--baseline-lines",
        type=int,
        default=1000,
        help="statement lines of the plain-create baseline (0 to skip)",
    )
    parser.add_argument("--profile", help="write a cProfile of our import to this file")
    return parser.parse_args()


class Measure:
    def __init__(self, env, label, lines):
        self.env, self.label, self.lines = env, label, lines

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
        self.rate = self.lines / self.seconds
        self.per_line = self.query_count / self.lines
        print(
            f"{self.label:<34} {self.lines:>7} lines {self.seconds:>9.1f} s "
            f"{self.rate:>9.1f} lines/s {self.per_line:>7.2f} queries/line",
            flush=True,
        )
        return False


def paid_transactions(env, provider, count):
    """`count` done transactions with posted payments, created in batches."""
    method = env.ref("pagoefectivo_payment.payment_method_pagoefectivo")
    partner = env["res.partner"].create({"name": "Bench Customer"})
    currency = env.company.currency_id
    journal = provider.journal_id
    method_line = journal.inbound_payment_method_line_ids[:1]
    txs = env["payment.transaction"]
    for start in range(0, count, 1000):
        size = min(1000, count - start)
        payments = env["account.payment"].create(
            [
                {
                    "payment_type": "inbound",
                    "partner_type": "customer",
                    "partner_id": partner.id,
                    "amount": 10 + (start + i) % 500,
                    "currency_id": currency.id,
                    "journal_id": journal.id,
                    "payment_method_line_id": method_line.id,
                    "memo": f"BENCH-{start + i} - {30000000 + start + i}",
                }
                for i in range(size)
            ]
        )
        payments.action_post()
        txs |= env["payment.transaction"].create(
            [
                {
                    "provider_id": provider.id,
                    "payment_method_id": method.id,
                    "amount": payment.amount,
                    "currency_id": currency.id,
                    "partner_id": partner.id,
                    "reference": f"BENCH-{start + i}",
                    "provider_reference": str(30000000 + start + i),
                    "operation": "online_redirect",
                    "state": "done",
                    "is_post_processed": True,
                    "payment_id": payment.id,
                }
                for i, payment in enumerate(payments)
            ]
        )
        env.flush_all()
        print(f"  set up {start + size} paid transactions", flush=True)
    return txs


def snapshots(txs):
    day = datetime(2026, 3, 2, 8, tzinfo=LIMA)
    rows = []
    for i, tx in enumerate(txs):
        paid = day + timedelta(seconds=3 * i)
        rows.append(
            {
                "cip": int(tx.provider_reference), "transactionCode": tx.reference,
                "currency": tx.currency_id.name, "amount": "%.2f" % tx.amount,
                "datePayment": paid.isoformat(), "refunds": [],
            }
        )  # fmt: skip
    return rows


def run(env, args):
    # The emulator sits at the repository root, put on sys.path above.
    from pagoefectivo_emulator import reports  # noqa: PLC0415

    company = env.company
    provider = env.ref("pagoefectivo_payment.payment_provider_pagoefectivo").copy(
        {
            "company_id": company.id,
            "state": "test",
            "pagoefectivo_service_id": "1234",
            "pagoefectivo_access_key": "a" * 20,
            "pagoefectivo_secret_key": "s" * 40,
        }
    )
    provider.journal_id = env["account.journal"].search(
        [("company_id", "=", company.id), ("type", "=", "bank")], limit=1
    )
    txs = paid_transactions(env, provider, args.lines)
    content = reports.settlement_csv(snapshots(txs)).encode()

    baseline = None
    if args.baseline_lines:
        journal = env["account.journal"].create(
            {
                "name": "Baseline",
                "code": "BASE",
                "type": "bank",
                "company_id": company.id,
            }
        )
        vals = [
            {"journal_id": journal.id, "date": "2026-03-02", "amount": tx.amount,
             "payment_ref": f"CIP {tx.provider_reference}"}
            for tx in txs[: args.baseline_lines]
        ]  # fmt: skip
        with Measure(env, "baseline: plain statement lines", len(vals)) as baseline:
            env["account.bank.statement.line"].create(vals)

    profiler = cProfile.Profile() if args.profile else None
    with Measure(env, "ours: import + reconcile", args.lines + 1) as ours:
        if profiler:
            profiler.enable()
        record = env["pagoefectivo.import"]._import_file(content, "bench.csv")
        if profiler:
            profiler.disable()
            profiler.dump_stats(args.profile)
    print(
        f"  {record.matched_count} reconciled, {record.exception_count} exceptions, "
        f"{len(record._operations().statement_line_id)}"
        " statement lines"
    )
    if baseline:
        print(f"ratio ours/baseline (lines/s): {ours.rate / baseline.rate:.1f}x")
        print(
            "queries per line ours/baseline: "
            f"{ours.per_line:.2f} / {baseline.per_line:.2f}"
        )


def main():
    args = parse_args()
    with fresh_database("pe_bench_reconcile") as (database, config):
        registry = environment(database, config)
        with registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            peruvian_company(env)
            run(env, args)
            cr.rollback()


if __name__ == "__main__":
    main()
