from . import pagoefectivo_extend_voucher
from . import pagoefectivo_refund_confirm
from . import pagoefectivo_invoice_issue
from . import payment_refund_wizard
