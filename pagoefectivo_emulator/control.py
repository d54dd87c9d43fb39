"""`/_emulator/` control endpoints and the `/` index page.

    GET  /                                  HTML list of CIPs: Pagar, Expirar, Devolver
    POST /_emulator/cips/{cip}/pay          {amount, currency, paymentDate, channel}
    POST /_emulator/cips/{cip}/expire       {notify}
    POST /_emulator/cips/{cip}/refund       {amount, notify}
    POST /_emulator/notify                  {eventType, cip, data, body, rawBody,
                                             signature, operationNumber}
    POST /_emulator/notifications/flush
    GET|POST /_emulator/faults              POST body: Emulator.set_faults kwargs
    POST /_emulator/faults/clear
    GET|POST /_emulator/config              POST body: Config settings
    POST /_emulator/reset
    POST /_emulator/tokens/expire
    GET  /_emulator/cips | deliveries | api-calls
    GET  /_emulator/reports/paid.csv | paid.xlsx | settlement.csv
         ?date_from=dd/mm/yyyy&date_to=dd/mm/yyyy

Replies: {"deliveries": [...]}, {"faults": {...}}, {"config": {...}},
{"cips": [...]}, {"apiCalls": [...]}, {"reset": true}, {"tokensExpired": true}.

POST endpoints take a JSON object, or an HTML form (then they answer with a
303 redirect to the form's `next` path carrying a `msg` to show). JSON
errors: `{"error": message}` with 400 (bad parameters), 404 (unknown CIP) or
409 (the CIP's state forbids the action).
"""

from urllib.parse import parse_qsl

from . import pages, reports
from .errors import EmulatorError
from .server import Response, route

_FORM = "application/x-www-form-urlencoded"
_TRUE = (True, "true", "1", "on", "yes")


def _params(request) -> tuple[dict, str | None]:
    """(parameters, page to return to when the request is a browser form)."""
    if request.headers.get("Content-Type", "").startswith(_FORM):
        params = dict(parse_qsl(request.body.decode("utf-8")))
        back = params.pop("next", "/")
        return params, back if back.startswith("/") and "//" not in back else "/"
    params = request.json()
    if params is None:
        return {}, None
    if not isinstance(params, dict):
        raise ValueError("el cuerpo debe ser un objeto JSON")
    return params, None


def _action(done: str):
    """Turn fn(emulator, params, *path groups) -> dict into a route handler."""

    def wrap(function):
        def handler(emulator, request, *args) -> Response:
            back = None
            try:
                params, back = _params(request)
                result = function(emulator, params, *args)
            except EmulatorError as error:
                status, message = error.status, str(error)
            except (ValueError, TypeError, ArithmeticError) as error:
                status, message = 400, str(error)
            else:
                status, message = 200, done
            if back is not None:
                return Response.redirect(pages.redirect_target(back, message))
            return Response.json(
                status, result if status == 200 else {"error": message}
            )

        return handler

    return wrap


@_action("CIP pagado.")
def pay(emulator, params, cip):
    return {
        "deliveries": emulator.pay(
            cip,
            amount=params.get("amount"),
            currency=params.get("currency"),
            payment_date=params.get("paymentDate"),
            channel=params.get("channel", "agencia"),
        )
    }


@_action("CIP expirado.")
def expire(emulator, params, cip):
    return {"deliveries": emulator.expire(cip, notify=params.get("notify") in _TRUE)}


@_action("Devolución registrada.")
def refund(emulator, params, cip):
    notify = params.get("notify") in _TRUE
    amount = params.get("amount")
    if isinstance(amount, str) and not amount.strip():
        amount = None  # the page's empty field: all that is left
    return {"deliveries": emulator.refund(cip, amount, notify=notify)}


@_action("Notificación enviada.")
def notify(emulator, params):
    signature = params.get("signature")
    if "rawBody" in params:
        raw = str(params["rawBody"]).encode("utf-8")
        return {"deliveries": emulator.send_raw(raw, signature=signature)}
    deliveries = emulator.notify(
        params.get("eventType", "cip.paid"),
        params.get("cip"),
        body=params.get("body"),
        signature=signature,
        operation_number=params.get("operationNumber"),
        **params.get("data", {}),
    )
    return {"deliveries": deliveries}


@_action("Notificaciones enviadas.")
def flush(emulator, params):
    return {"deliveries": emulator.flush_notifications()}


@_action("Fallas configuradas.")
def set_faults(emulator, params):
    return {"faults": emulator.set_faults(**params)}


@_action("Fallas eliminadas.")
def clear_faults(emulator, params):
    emulator.clear_faults()
    return {"faults": emulator.faults.snapshot()}


@_action("Configuración actualizada.")
def configure(emulator, params):
    return {"config": emulator.configure(**params)}


@_action("Emulador reiniciado.")
def reset(emulator, params):
    emulator.reset()
    return {"reset": True}


@_action("Tokens expirados.")
def expire_tokens(emulator, params):
    emulator.expire_tokens()
    return {"tokensExpired": True}


def _listing(key: str, read):
    def handler(emulator, request) -> Response:
        return Response.json(200, {key: read(emulator)})

    return handler


_CSV = "text/csv; charset=utf-8"
_XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_REPORTS = {
    "paid.csv": (
        _CSV,
        lambda e, span: reports.paid_report_csv(e.cips, **span).encode(),
    ),
    "paid.xlsx": (_XLSX, lambda e, span: reports.paid_report_xlsx(e.cips, **span)),
    "settlement.csv": (
        _CSV,
        lambda e, span: reports.settlement_csv(e.cips, e.commission, **span).encode(),
    ),
}


def _report(kind: str):
    """A report download; query date_from / date_to as dd/mm/yyyy."""
    content_type, build = _REPORTS[kind]

    def handler(emulator, request) -> Response:
        span = {k: request.query.get(k) for k in ("date_from", "date_to")}
        try:
            body = build(emulator, span)
        except ValueError as error:
            return Response.json(400, {"error": str(error)})
        except ImportError:
            return Response.json(501, {"error": "openpyxl no está instalado"})
        disposition = {"Content-Disposition": f'attachment; filename="{kind}"'}
        return Response(200, body, content_type, disposition)

    return handler


def index(emulator, request) -> Response:
    cips = sorted(emulator.cips.values(), key=lambda c: c["cip"], reverse=True)
    page = pages.index_page(cips, emulator.config.notify_url, request.query.get("msg"))
    return Response.html(200, page)


_CIP = r"/_emulator/cips/([^/]+)"
ROUTES = [
    route("GET", r"/", index),
    route("POST", _CIP + "/pay", pay),
    route("POST", _CIP + "/expire", expire),
    route("POST", _CIP + "/refund", refund),
    route("POST", r"/_emulator/notify", notify),
    route("POST", r"/_emulator/notifications/flush", flush),
    route("POST", r"/_emulator/faults", set_faults),
    route("POST", r"/_emulator/faults/clear", clear_faults),
    route("POST", r"/_emulator/config", configure),
    route("POST", r"/_emulator/reset", reset),
    route("POST", r"/_emulator/tokens/expire", expire_tokens),
    route("GET", r"/_emulator/cips", _listing("cips", lambda e: list(e.cips.values()))),
    route(
        "GET", r"/_emulator/deliveries", _listing("deliveries", lambda e: e.deliveries)
    ),
    route("GET", r"/_emulator/api-calls", _listing("apiCalls", lambda e: e.api_calls)),
    route(
        "GET", r"/_emulator/faults", _listing("faults", lambda e: e.faults.snapshot())
    ),
    route("GET", r"/_emulator/config", _listing("config", lambda e: e.config.public())),
    *(
        route("GET", rf"/_emulator/reports/{kind.replace('.', '[.]')}", _report(kind))
        for kind in _REPORTS
    ),
]
