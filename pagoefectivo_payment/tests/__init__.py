from . import test_checkout
from . import test_tools
from . import test_webhook
