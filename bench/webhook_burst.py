"""A burst of signed PagoEfectivo notifications against Odoo with workers.

Sends every paid notification of N pending CIPs, plus duplicates (a fifth of
all requests), from several parallel senders, and the same number of requests
to Odoo's trivial /web/health route as the baseline, on the same server in the
same run. Prints throughput and p50/p99 latencies of both, their ratio, and
the payments created, which must equal the distinct CIPs.

    python3 bench/webhook_burst.py [--cips 500] [--senders 8] [--workers 2]
"""

# pylint: disable=print-used  # a command-line benchmark: it prints its figures

import argparse
import json
import random
import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import requests
from _odoo import (
    REPO_ROOT,
    environment,
    fresh_database,
    odoo_server,
    peruvian_company,
)

import odoo

sys.path.insert(0, str(REPO_ROOT))

from pagoefectivo_emulator.signing import sign  # noqa: E402

SECRET = "B3nchS3cr3tB3nchS3cr3tB3nchS3cr3tB3nch0"
FIRST_CIP = 30000000


def prepare(registry, count):
    """A Peruvian company, the provider, and `count` pending transactions."""
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        peruvian_company(env)
        provider = env.ref("pagoefectivo_payment.payment_provider_pagoefectivo")
        provider.write(
            {
                "state": "test",
                "pagoefectivo_service_id": "10051",
                "pagoefectivo_access_key": "B3nchAcc3ssK3y000000",
                "pagoefectivo_secret_key": SECRET,
            }
        )
        partner = env["res.partner"].create({"name": "Bench Customer"})
        method = env.ref("pagoefectivo_payment.payment_method_pagoefectivo")
        txs = env["payment.transaction"].create(
            [
                {
                    "provider_id": provider.id,
                    "payment_method_id": method.id,
                    "partner_id": partner.id,
                    "amount": 10 + (index % 90),
                    "currency_id": env.ref("base.PEN").id,
                    "reference": f"BENCH-{index}",
                    "operation": "online_redirect",
                    "state": "pending",
                    "provider_reference": str(FIRST_CIP + index),
                }
                for index in range(count)
            ]
        )
        return [(tx.provider_reference, tx.reference, tx.amount) for tx in txs]


def notification(cip, reference, amount):
    body = json.dumps(
        {
            "eventType": "cip.paid",
            "operationNumber": cip[-6:],
            "data": {
                "cip": cip,
                "currency": "PEN",
                "amount": amount,
                "transactionCode": reference,
                "paymentDate": "2026-11-20T10:15:00-05:00",
            },
        },
        separators=(",", ":"),
    ).encode()
    return body, sign(body, SECRET)


def timed(send, items, senders):
    """Send every item in parallel; returns (wall seconds, latencies, statuses)."""

    def one(item):
        started = time.perf_counter()
        status = send(item)
        return time.perf_counter() - started, status

    started = time.perf_counter()
    with ThreadPoolExecutor(senders) as pool:
        results = list(pool.map(one, items))
    wall = time.perf_counter() - started
    return wall, [r[0] for r in results], [r[1] for r in results]


def report(label, wall, latencies, statuses):
    ordered = sorted(latencies)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    codes = {code: statuses.count(code) for code in sorted(set(statuses))}
    print(
        f"{label:<14} {len(latencies):>5} requests  "
        f"{len(latencies) / wall:7.1f} req/s  "
        f"p50 {statistics.median(ordered) * 1000:7.1f} ms  p99 {p99 * 1000:7.1f} ms  "
        f"HTTP {codes}"
    )
    return len(latencies) / wall, statistics.median(ordered), p99


def count_payments(registry, cips):
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        txs = env["payment.transaction"].search([("provider_reference", "in", cips)])
        txs.filtered(
            lambda tx: tx.state == "done" and not tx.is_post_processed
        )._post_process()
        done = len(txs.filtered(lambda tx: tx.state == "done"))
        payments = env["account.payment"].search_count(
            [("payment_transaction_id", "in", txs.ids)]
        )
        states = env["pagoefectivo.notification"]._read_group(
            [("cip", "in", cips)], ["state"], ["__count"]
        )
        return done, payments, dict(states)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cips", type=int, default=500)
    parser.add_argument("--senders", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()

    with fresh_database("pe_bench_webhook") as (database, config):
        registry = environment(database, config)
        vouchers = prepare(registry, args.cips)
        bodies = [notification(*voucher) for voucher in vouchers]
        duplicates = random.Random(7).choices(bodies, k=len(bodies) // 4)
        burst = bodies + duplicates
        random.Random(11).shuffle(burst)

        with odoo_server(database, config, args.workers) as url:

            def health(_index):
                return requests.get(url + "/web/health", timeout=60).status_code

            webhook = url + "/payment/pagoefectivo/webhook"

            def post(item):
                body, signature = item
                return requests.post(
                    webhook,
                    data=body,
                    headers={
                        "Content-Type": "application/json",
                        "PE-Signature": signature,
                    },
                    timeout=120,
                ).status_code

            print(
                f"{len(burst)} notifications ({len(duplicates)} duplicates) for "
                f"{len(bodies)} CIPs, {args.senders} senders, {args.workers} workers"
            )
            base = report(
                "/web/health", *timed(health, range(len(burst)), args.senders)
            )
            hook = report("webhook", *timed(post, burst, args.senders))
        print(
            f"ratio webhook/baseline: throughput {hook[0] / base[0]:.3f}, "
            f"p50 {hook[1] / base[1]:.1f}x, p99 {hook[2] / base[2]:.1f}x"
        )
        done, payments, states = count_payments(registry, [v[0] for v in vouchers])
        print(
            f"transactions done: {done}/{len(vouchers)}; payments created: {payments}"
        )
        print(f"notifications by state: {states}")
        ok = done == payments == len(vouchers)
        print(
            "payments == distinct CIPs" if ok else "MISMATCH: payments != distinct CIPs"
        )
        return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
