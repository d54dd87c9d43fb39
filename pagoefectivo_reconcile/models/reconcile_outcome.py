from dataclasses import dataclass


@dataclass
class Outcome:
    """What matching decided for one operation.

    A match books the operation against `targets` (open journal items it
    settles, each for its whole residual) or `account` (for its whole
    amount); whatever the targets leave over is the write-off. An exception
    has a `reason`, a `note` and the `candidates` the accountant can accept.
    """

    targets: object = None  # account.move.line
    account: object = None  # account.account
    transaction: object = None
    partner: object = None
    reason: str = ""
    note: str = ""
    candidates: object = None
    writeoff_reason: str = ""
    partial: bool = False  # settle `targets` for the operation's amount only

    @property
    def matched(self):
        return not self.reason
