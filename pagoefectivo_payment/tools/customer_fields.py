"""The customer fields of a CIP, filled from an Odoo partner."""

import re
import unicodedata

from ..const import DEFAULT_DOCUMENT_TYPE, DOCUMENT_TYPES, FIELD_LIMITS

PERU_PHONE_CODE = "51"


def _fit(field, value):
    return (value or "").strip()[: FIELD_LIMITS[field]]


def split_name(full_name):
    """First names and last names of a Peruvian-style full name.

    Peruvians carry two surnames: "Juan Carlos Pérez García" is
    ("Juan Carlos", "Pérez García"); three words keep one first name.
    """
    words = (full_name or "").split()
    if len(words) < 2:
        return " ".join(words), ""
    surname_count = 2 if len(words) >= 3 else 1
    return " ".join(words[:-surname_count]), " ".join(words[-surname_count:])


def document_type(partner):
    """The API's document type for the partner's identification type."""
    vat_code = partner.l10n_latam_identification_type_id.l10n_pe_vat_code
    return DOCUMENT_TYPES.get(vat_code, DEFAULT_DOCUMENT_TYPE)


def phone_fields(partner):
    """`userCodeCountry` and `userPhone`: the dialling code apart from the number."""
    digits = re.sub(r"\D", "", partner.phone or "")
    if not digits:
        return {}
    country_code = str(partner.country_id.phone_code or PERU_PHONE_CODE)
    if (partner.phone or "").strip().startswith("+") and digits.startswith(
        country_code
    ):
        digits = digits[len(country_code) :]
    return {
        "userCodeCountry": f"+{country_code}",
        "userPhone": _fit("userPhone", digits),
    }


def country_name(partner):
    """Upper-case ASCII country name, as `PERU`."""
    name = partner.country_id.with_context(lang="en_US").name or ""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore")
    return _fit("userCountry", ascii_name.decode().upper())


def customer_fields(partner, email):
    """Customer fields of POST /v1/cips; empty values are left out."""
    if partner.is_company:
        first, last = partner.name or "", ""
    else:
        first, last = split_name(partner.name)
    values = {
        "userEmail": _fit("userEmail", email),
        "userName": _fit("userName", first),
        "userLastName": _fit("userLastName", last),
        "userDocumentType": document_type(partner) if partner.vat else "",
        "userDocumentNumber": _fit("userDocumentNumber", partner.vat),
        "userUbigeo": partner.l10n_pe_district.code or "",
        "userCountry": country_name(partner),
        **phone_fields(partner),
    }
    return {key: value for key, value in values.items() if value}
