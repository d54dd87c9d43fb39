"""Hashes and signatures of the PagoEfectivo v1 contract."""

import hashlib
import hmac


def authorization_hash(service_id, access_key, secret_key, date_request):
    """`hashString` of POST /v1/authorizations: SHA-256 hex of the dotted values."""
    raw = f"{service_id}.{access_key}.{secret_key}.{date_request}"
    return hashlib.sha256(raw.encode()).hexdigest()


def sign_body(secret_key, body):
    """`PE-Signature`: HMAC-SHA256 hex of the raw body, keyed by the secret key."""
    return hmac.new(secret_key.encode(), body, hashlib.sha256).hexdigest()


def signature_matches(secret_key, body, received):
    """Constant-time check of a received signature against one secret."""
    if not (secret_key and received):
        return False
    expected = sign_body(secret_key, body)
    return hmac.compare_digest(expected, received.strip().lower())
