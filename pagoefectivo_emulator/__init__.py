"""PagoEfectivo API v1 emulator, on loopback, standard library only.

Speaks the contract of shared/docs/pagoefectivo-api-v1.md; `reports` needs
openpyxl only for XLSX.

    from pagoefectivo_emulator import Emulator
    webhook = "http://127.0.0.1:8069/payment/pagoefectivo/webhook"
    with Emulator(notify_url=webhook) as emu:
        emu.base_url  # the API is at emu.base_url + "/v1/..."

Demo credentials (defaults of Emulator and of the CLI): idService `1234`,
accessKey `DEMOACCESSKEY0000001`, secretKey
`DEMOSECRETKEY000000000000000000000000001`.

Choices where the contract is silent (the addons must not rely on more):
- Wrong idService, accessKey or hashString: HTTP 401
  `{"code":"101","message":"Credenciales inválidas.","data":[{"code":"113",
  "field":<the wrong field>,...}]}`. Missing, invalid or expired Bearer
  token on /v1/cips*: HTTP 401 code "101", data field `Authorization`.
- Validation: HTTP 400 code "111", data lists every problem: 112 missing,
  113 invalid, 508 serviceId not the token's, 511 amount above max_amount
  (default PEN 30000, USD 10000). Origin (web|android|ios) is required on
  POST /v1/cips only: missing → 112, other value → 113, field `Origin`.
  A non-object JSON body → 113 on field `body`.
- Codes: "100" as a string in every success reply except the create reply,
  where it is the number 100 as in the contract's example.
- The same transactionCode while its CIP is still pending returns that CIP
  again (201, same cip) instead of creating a second one (assumption).
- dateExpiry absent: 48 hours (default_expiry_hours). Accepted forms:
  `YYYY-MM-DD HH:MM:SS-05:00` and the `T` form, any offset; replies use the
  `T` form in Lima time. Must be in the future (else 113).
- Status codes in search: 22 "Generado" (documented), 23 "Cancelada" (paid),
  21 "Expirada", 25 "Eliminada". Expiry is lazy: a pending CIP past its
  dateExpiry reads as expired. Unknown CIPs are left out of the results.
- PATCH / DELETE of an unknown CIP: HTTP 404 code "111" with 113 on `cip`;
  of a paid or deleted CIP: HTTP 400 code "111" with 113 on `cip`.
- Injected API faults: 429 `{"code":"429",...}` with `Retry-After: 0`;
  500 `{"code":"166",...}`; 503 `{"code":"503",...}`.
- Notifications: POST with `Content-Type: application/json` and
  `PE-Signature`; success is HTTP 200 only; one immediate retry
  (retry_delay) otherwise, then given up. operationNumber is a counter
  starting at 1253; cip.paid reuses the CIP's own operation number.
- CIP numbers count up from 10092759 and are never reused by one emulator,
  not even after reset().
"""

from .config import DEMO_ACCESS_KEY, DEMO_SECRET_KEY, DEMO_SERVICE_ID, Config
from .emulator import Emulator
from .errors import ApiError, CipNotFound, CipStateError, EmulatorError

__all__ = [
    "DEMO_ACCESS_KEY",
    "DEMO_SECRET_KEY",
    "DEMO_SERVICE_ID",
    "ApiError",
    "CipNotFound",
    "CipStateError",
    "Config",
    "Emulator",
    "EmulatorError",
]
