from . import pagoefectivo_api_log
from . import pagoefectivo_notification
from . import payment_provider
from . import payment_provider_api
from . import payment_provider_cron
from . import payment_transaction
from . import sale_order
