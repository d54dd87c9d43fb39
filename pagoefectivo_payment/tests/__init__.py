from . import test_checkout
from . import test_tools
