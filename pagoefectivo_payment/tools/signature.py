"""Hashes and signatures of the PagoEfectivo v1 contract."""

import hashlib
import hmac
import re

# A `PE-Signature` is the lowercase hex of a SHA-256 HMAC (case forgiven).
_SIGNATURE = re.compile(r"[0-9a-fA-F]{64}")


def authorization_hash(service_id, access_key, secret_key, date_request):
    """`hashString` of POST /v1/authorizations: SHA-256 hex of the dotted values."""
    raw = f"{service_id}.{access_key}.{secret_key}.{date_request}"
    return hashlib.sha256(raw.encode()).hexdigest()


def sign_body(secret_key, body):
    """`PE-Signature`: HMAC-SHA256 hex of the raw body, keyed by the secret key."""
    return hmac.new(secret_key.encode(), body, hashlib.sha256).hexdigest()


def is_well_formed(received):
    """Whether a received signature can be one at all: 64 hex digits.

    Anything else (non-ASCII, bytes, another length) is refused before any
    comparison: hmac.compare_digest raises TypeError on non-ASCII text.
    """
    return isinstance(received, str) and bool(_SIGNATURE.fullmatch(received.strip()))


def signature_matches(secret_key, body, received):
    """Constant-time check of a received signature against one secret.

    False, never an exception, for a missing or malformed signature.
    """
    if not (secret_key and is_well_formed(received)):
        return False
    expected = sign_body(secret_key, body)
    return hmac.compare_digest(expected, received.strip().lower())
