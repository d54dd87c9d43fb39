import sys
from pathlib import Path

# The emulator is a plain package at the repository root, beside the addons.
sys.path.insert(0, str(Path(__file__).parent))
