"""The two hashes of the contract: the token request hash and PE-Signature."""

import hashlib
import hmac

BAD_SIGNATURE = "bad"


def auth_hash(service_id: object, access_key: str, secret_key: str, date: str) -> str:
    """Lowercase hex SHA-256 of `idService.accessKey.secretKey.dateRequest`."""
    text = f"{service_id}.{access_key}.{secret_key}.{date}"
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def sign(body: bytes, secret_key: str) -> str:
    """PE-Signature: lowercase hex HMAC-SHA256 of the raw body, key = secretKey."""
    return hmac.new(secret_key.encode("utf-8"), body, hashlib.sha256).hexdigest()


def signature_header(body: bytes, secret_key: str, mode: str | None) -> str | None:
    """The PE-Signature to send.

    mode None: the correct signature; "bad": an HMAC made with a wrong key;
    "": no header at all (returns None); anything else: sent verbatim.
    """
    if mode is None:
        return sign(body, secret_key)
    if mode == BAD_SIGNATURE:
        return sign(body, "wrong-" + secret_key)
    return mode or None
