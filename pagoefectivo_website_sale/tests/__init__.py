from . import test_confirmation
