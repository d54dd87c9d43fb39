SUPPORTED_CURRENCIES = ("PEN", "USD")

DEFAULT_PAYMENT_METHOD_CODES = {"pagoefectivo"}

# PagoEfectivo's API hosts by provider state; the base URL field overrides both.
API_BASE_URLS = {
    "enabled": "https://services.pagoefectivo.pe/v1/",
    "test": "https://pre1a.services.pagoefectivo.pe/v1/",
}

WEBHOOK_ROUTE = "/payment/pagoefectivo/webhook"
SIGNATURE_HEADER = "PE-Signature"

# Peruvian identification types (l10n_pe_vat_code) to the document types the
# API accepts. The API has no code for RUC or the foreign ID (carnet de
# extranjeria): those travel as NAN with their number.
DOCUMENT_TYPES = {"1": "DNI", "7": "PAS"}
DEFAULT_DOCUMENT_TYPE = "NAN"

# Field lengths of POST /v1/cips.
FIELD_LIMITS = {
    "paymentConcept": 50,
    "additionalData": 200,
    "userEmail": 100,
    "userName": 30,
    "userLastName": 30,
    "userCountry": 20,
    "userDocumentNumber": 14,
    "userPhone": 15,
}

VOUCHER_HOURS_MIN = 1
VOUCHER_HOURS_MAX = 720

# Retries of throttled or unavailable API calls: attempts and backoff seconds.
MAX_ATTEMPTS = 4
BACKOFF_SECONDS = (0.5, 1.0, 2.0)
RETRY_STATUSES = {429, 502, 503, 504}
REQUEST_TIMEOUT = 15

SEARCH_BATCH_SIZE = 50

# Keys whose values never reach a log or the audit trail.
SECRET_KEYS = {"accessKey", "secretKey", "hashString", "token", "Authorization"}
MASK = "********"

# Events PagoEfectivo may notify; only cip.paid is documented.
EVENT_PAID = "cip.paid"
EVENT_EXPIRED = "cip.expired"
EVENT_DELETED = "cip.deleted"
EVENT_REFUNDED = "cip.refunded"
KNOWN_EVENTS = {EVENT_PAID, EVENT_EXPIRED, EVENT_DELETED, EVENT_REFUNDED}
