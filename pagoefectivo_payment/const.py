SUPPORTED_CURRENCIES = ("PEN", "USD")

DEFAULT_PAYMENT_METHOD_CODES = {"pagoefectivo"}

# PagoEfectivo's API hosts by provider state; the base URL field overrides both.
API_BASE_URLS = {
    "enabled": "https://services.pagoefectivo.pe/v1/",
    "test": "https://pre1a.services.pagoefectivo.pe/v1/",
}

WEBHOOK_ROUTE = "/payment/pagoefectivo/webhook"
SIGNATURE_HEADER = "PE-Signature"
MAX_NOTIFICATION_BYTES = 64 * 1024

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

# How long a replaced secret key still verifies notifications: at most a week.
SECRET_GRACE_HOURS_MAX = 168

# API calls never sleep (a database transaction is open) and end within
# REQUEST_DEADLINE seconds, token included. Requests that cannot act twice are
# sent again at once after a network error or an unavailable gateway, up to
# MAX_ATTEMPTS; a 429 is not retried: the next run or the customer tries again.
REQUEST_DEADLINE = 20
REQUEST_TIMEOUT = 15
MIN_ATTEMPT_SECONDS = 1
MAX_ATTEMPTS = 3
UNAVAILABLE_STATUSES = {500, 502, 503, 504}
# POSTs that cannot create anything twice; POST /cips can.
REPEATABLE_POSTS = {"authorizations", "cips/search"}

SEARCH_BATCH_SIZE = 50
# A pending CIP past its expiry that the search no longer returns is cancelled
# this many days after its expiry.
RECOVERY_GRACE_DAYS = 3
# Cancelled CIPs are still searched for this many days after their expiry or
# cancellation: a payment made at the last minute whose notification was lost.
RECOVERY_LATE_PAYMENT_DAYS = 7

# Keys whose values never reach a log or the audit trail.
SECRET_KEYS = {"accessKey", "secretKey", "hashString", "token", "Authorization"}
MASK = "********"

# Events PagoEfectivo may notify; only cip.paid is documented.
EVENT_PAID = "cip.paid"
EVENT_EXPIRED = "cip.expired"
EVENT_DELETED = "cip.deleted"
EVENT_REFUNDED = "cip.refunded"
KNOWN_EVENTS = {EVENT_PAID, EVENT_EXPIRED, EVENT_DELETED, EVENT_REFUNDED}

# PagoEfectivo's transactionCode holds at most 36 characters.
CODE_MAX_LENGTH = 36

# Answers to DELETE /cips/{cip} that trying again will not change (the CIP was
# paid, or is gone): the withdrawn voucher stops asking.
DELETE_REFUSALS = {400, 403, 404, 409, 410, 422}

# A live CIP is shown again to a new checkout only with this much time left.
REUSE_MIN_HOURS = 1

# CIPs of withdrawn vouchers deleted at PagoEfectivo per run of the job.
DELETE_BATCH_SIZE = 100

# Who may book a refund on their word (the manager group does not imply the
# user group).
ACCOUNTANT_GROUPS = "account.group_account_user,account.group_account_manager"
