from odoo.exceptions import UserError


class PagoEfectivoError(UserError):
    """A PagoEfectivo call that failed, with what the API said about it.

    `status` is the HTTP status (None when PagoEfectivo could not be reached)
    and `codes` the API's error codes, sub-codes included.
    """

    def __init__(self, message, status=None, codes=()):
        super().__init__(message)
        self.status = status
        self.codes = list(codes)


class PagoEfectivoUnknownOutcome(PagoEfectivoError):
    """A request that may have been processed although no answer came back:
    it must not be sent again blindly."""
