from . import test_checkout
from . import test_customer_fields
from . import test_lifecycle
from . import test_tools
from . import test_webhook
from . import test_voucher_mail
from . import test_voucher_portal
from . import test_provider_health
