from . import pagoefectivo_extend_voucher
