from . import test_checkout
from . import test_lifecycle
from . import test_tools
from . import test_webhook
