"""Strip secrets from what is logged or kept in the audit trail."""

from ..const import MASK, SECRET_KEYS


def mask_secrets(value):
    """A copy of a JSON-like value with every secret replaced by a mask."""
    if isinstance(value, dict):
        return {
            key: MASK if key in SECRET_KEYS and item else mask_secrets(item)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [mask_secrets(item) for item in value]
    return value
