from . import pagoefectivo_import_wizard
from . import pagoefectivo_difference_wizard
from . import pagoefectivo_assign_wizard
from . import pagoefectivo_book_deposit_wizard
