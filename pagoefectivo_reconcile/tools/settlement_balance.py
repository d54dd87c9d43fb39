"""The balance check of a settlement: gross − commissions − refunds = deposit."""

from collections import defaultdict
from decimal import Decimal

from odoo.tools.translate import LazyTranslate

from .file_format_error import FileFormatError
from .report_rows import PAYMENT, REFUND

_lt = LazyTranslate(__name__)


def check_balance(rows):
    """Raise FileFormatError when a currency's deposit is not its operations' net.

    A currency without a deposit row is not checked: its deposit comes in a
    later file.
    """
    totals = defaultdict(lambda: defaultdict(Decimal))
    for row in rows:
        total = totals[row.currency]
        if row.kind == PAYMENT:
            total["gross"] += row.gross
            total["fees"] += row.commission + row.igv
        elif row.kind == REFUND:
            total["refunds"] += -row.net
        else:
            total["deposit"] += row.net
            total["deposits"] += 1
    problems = []
    for currency, total in sorted(totals.items()):
        if not total["deposits"]:
            continue
        expected = total["gross"] - total["fees"] - total["refunds"]
        if expected != total["deposit"]:
            problems.append(
                _lt(
                    "%(currency)s: gross %(gross)s − commissions %(fees)s − refunds "
                    "%(refunds)s = %(expected)s, but the deposit is %(deposit)s "
                    "(off by %(difference)s).",
                    currency=currency,
                    gross=total["gross"],
                    fees=total["fees"],
                    refunds=total["refunds"],
                    expected=expected,
                    deposit=total["deposit"],
                    difference=total["deposit"] - expected,
                )
            )
    if problems:
        raise FileFormatError(
            _lt(
                "The settlement does not balance. %(problems)s",
                problems=" ".join(str(p) for p in problems),
            )
        )
