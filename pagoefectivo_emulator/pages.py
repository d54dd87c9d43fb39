"""HTML pages for people: the CIP list with pay/expire buttons, and the voucher."""

import hashlib
from decimal import Decimal
from html import escape
from urllib.parse import quote

from . import dates
from .state import PAID, PENDING

_STYLE = """
body{font-family:sans-serif;margin:2em;color:#222}
table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.3em .6em}
form{display:inline}.msg{background:#ffd;padding:.5em;border:1px solid #cc9}
.voucher{max-width:28em;border:2px solid #f5a800;border-radius:8px;padding:1.5em}
.cip{font-size:2em;font-weight:bold;letter-spacing:.1em}
"""


def _page(title: str, body: str, message: str | None) -> str:
    notice = f'<p class="msg">{escape(message)}</p>' if message else ""
    return (
        f'<!DOCTYPE html><html lang="es"><head><meta charset="utf-8">'
        f"<title>{escape(title)}</title><style>{_STYLE}</style></head>"
        f"<body>{notice}{body}</body></html>"
    )


def _button(cip: int, action: str, label: str, back: str) -> str:
    return (
        f'<form method="post" action="/_emulator/cips/{cip}/{action}">'
        f'<input type="hidden" name="next" value="{escape(back)}">'
        f"<button>{escape(label)}</button></form>"
    )


def _refunded_total(cip: dict) -> Decimal:
    return sum((Decimal(r["amount"]) for r in cip["refunds"]), Decimal("0"))


def _refund_form(cip: dict, back: str) -> str:
    """The merchant portal's refund of a paid CIP: an amount (empty: all that
    is left) and whether PagoEfectivo notifies `cip.refunded`."""
    left = Decimal(cip["amount"]) - _refunded_total(cip)
    if left <= 0:
        return "Devuelto"
    return (
        f'<form method="post" action="/_emulator/cips/{cip["cip"]}/refund">'
        f'<input type="hidden" name="next" value="{escape(back)}">'
        f'<input name="amount" size="8" placeholder="{left}" '
        f'aria-label="Monto a devolver"> '
        '<label><input type="checkbox" name="notify" value="1" checked> '
        "Notificar</label> <button>Devolver</button></form>"
    )


def _refunded(cip: dict) -> str:
    if not cip["refunds"]:
        return ""
    return f"<br><small>Devuelto: {cip['currency']} {_refunded_total(cip)}</small>"


def _actions(cip: dict) -> str:
    if cip["status"] == PENDING[0]:
        return _button(cip["cip"], "pay", "Pagar", "/") + _button(
            cip["cip"], "expire", "Expirar", "/"
        )
    if cip["status"] == PAID[0]:
        return _refund_form(cip, "/")
    return ""


def _expiry(cip: dict) -> str:
    return dates.to_report(dates.parse_iso(cip["dateExpiry"]))


# The merchant portal's downloads; each takes ?date_from=dd/mm/yyyy&date_to=...
REPORT_LINKS = (
    "<p>Reportes: "
    '<a href="/_emulator/reports/paid.xlsx">CIPs pagados (XLSX)</a> · '
    '<a href="/_emulator/reports/paid.csv">CIPs pagados (CSV)</a> · '
    '<a href="/_emulator/reports/settlement.csv">Liquidación (CSV)</a></p>'
)


def index_page(cips: list[dict], notify_url: str | None, message=None) -> str:
    rows = "".join(
        "<tr>"
        f'<td><a href="/voucher/{c["cip"]}">{c["cip"]}</a></td>'
        f"<td>{escape(c['transactionCode'])}</td>"
        f"<td>{c['currency']} {c['amount']}{_refunded(c)}</td>"
        f"<td>{escape(c['statusName'])}</td><td>{_expiry(c)}</td>"
        f"<td>{_actions(c)}</td></tr>"
        for c in cips
    )
    body = (
        "<h1>Emulador PagoEfectivo</h1>"
        f"<p>URL de notificación: <code>{escape(notify_url or '(sin configurar)')}"
        "</code></p><table><tr><th>CIP</th><th>Nro. pedido</th><th>Monto</th>"
        f"<th>Estado</th><th>Expira</th><th>Acciones</th></tr>{rows}</table>"
        + REPORT_LINKS
        if cips
        else "<h1>Emulador PagoEfectivo</h1><p>Aún no hay CIPs.</p>"
    )
    return _page("Emulador PagoEfectivo", body, message)


def qr_placeholder(text: str, size: int = 21, scale: int = 8) -> str:
    """An SVG that looks like a QR code (finder squares plus hash bits).

    It is not scannable: the emulator has no payment network to scan into.
    """
    bits = int.from_bytes(hashlib.sha512(text.encode()).digest(), "big")
    cells = []
    for y in range(size):
        for x in range(size):
            corner = next(
                ((cx, cy) for cx, cy in ((0, 0), (size - 7, 0), (0, size - 7))
                 if cx <= x < cx + 7 and cy <= y < cy + 7),
                None,
            )  # fmt: skip
            if corner:
                dx, dy = x - corner[0], y - corner[1]
                on = max(abs(dx - 3), abs(dy - 3)) in (0, 1, 3)
            else:
                on = bits >> ((y * size + x) % 512) & 1
            if on:
                cells.append(f'<rect x="{x}" y="{y}" width="1" height="1"/>')
    pixels = size * scale
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{pixels}" height="{pixels}"'
        f' viewBox="-1 -1 {size + 2} {size + 2}" role="img" aria-label="QR">'
        f'<rect x="-1" y="-1" width="{size + 2}" height="{size + 2}" fill="#fff"/>'
        f'<g fill="#000" shape-rendering="crispEdges">{"".join(cells)}</g></svg>'
    )


def voucher_page(cip: dict, message=None) -> str:
    back = f"/voucher/{cip['cip']}"
    pay = _button(cip["cip"], "pay", "Simular pago", back)
    body = (
        '<div class="voucher"><h1>PagoEfectivo</h1><p>Código de pago (CIP)</p>'
        f'<p class="cip">{cip["cip"]}</p>'
        f"<p>Monto a pagar: <strong>{cip['currency']} {cip['amount']}</strong></p>"
        f"<p>Pedido: {escape(cip['transactionCode'])}</p>"
        f"<p>Paga antes del: <strong>{_expiry(cip)}</strong></p>"
        f"<p>Estado: <strong>{escape(cip['statusName'])}</strong></p>"
        f"{qr_placeholder(str(cip['cip']))}"
        "<p>Paga en agentes, bodegas o agencias con el CIP, o escanea el QR "
        "desde tu banca móvil, Yape o Plin.</p>"
        f"{pay if cip['status'] == PENDING[0] else ''}</div>"
    )
    return _page(f"CIP {cip['cip']}", body, message)


def redirect_target(path: str, message: str) -> str:
    """`path` with the message for the page to show."""
    return f"{path}?msg={quote(message)}"


def not_found_page(number: str) -> str:
    return _page(
        "CIP no encontrado", f"<h1>CIP {escape(number)} no encontrado</h1>", None
    )
