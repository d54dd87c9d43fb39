from . import test_file_parsing
from . import test_reconcile
from . import test_settlement_delay
from . import test_undo
from . import test_overlapping_settlements
from . import test_report_currency
from . import test_file_trust
from . import test_background_import
