"""BankID's animated QR code.

The QR code changes every second: its data is ``bankid.<qrStartToken>.<time>.<qrAuthCode>``, where
``time`` is the whole number of seconds since the /auth or /sign answer arrived and ``qrAuthCode`` is
HMAC-SHA256 keyed with qrStartSecret over the ASCII digits of ``time``, as lowercase hex. The app rejects
a code whose time does not match the order's age, so a photographed code cannot be replayed later.
qrStartSecret never leaves the server; the browser only gets the finished data or image.
"""

from __future__ import annotations

import hashlib
import hmac
import io

import segno

__all__ = ["qr_data", "qr_svg"]

# Pixels per module. The data (~115 characters) needs a version 6 symbol: 41 modules plus the quiet zone
# is 49, so about 300 px, which phone cameras pick up comfortably from a laptop screen.
_SCALE = 6
# The QR standard's minimum quiet zone; less makes scanners struggle next to dark page content.
_QUIET_ZONE = 4


def qr_data(qr_start_token: str, qr_start_secret: str, seconds: int) -> str:
    """The text to encode in the QR code ``seconds`` whole seconds after the order was started."""
    if isinstance(seconds, bool) or not isinstance(seconds, int) or seconds < 0:
        raise ValueError("seconds must be a whole number of seconds, zero or more")
    auth_code = hmac.new(
        qr_start_secret.encode("ascii"), str(seconds).encode("ascii"), hashlib.sha256
    ).hexdigest()
    return f"bankid.{qr_start_token}.{seconds}.{auth_code}"


def qr_svg(data: str, *, title: str = "BankID QR code") -> str:
    """SVG markup for ``data``: no XML declaration, with the SVG namespace so it works both inline in
    HTML and as an ``<img>`` (data: URI or separate response with image/svg+xml).

    A white background covers the quiet zone so the code scans on dark themes too; the viewBox lets CSS
    resize it while width/height give it a sensible size without CSS. ``title`` is the accessible name
    when the SVG is inlined; pass a translated one.
    """
    code = segno.make(data, error="l")
    buffer = io.BytesIO()
    code.save(
        buffer,
        kind="svg",
        scale=1,
        border=_QUIET_ZONE,
        omitsize=True,
        xmldecl=False,
        svgns=True,
        nl=False,
        title=str(title),  # segno escapes it
        dark="#000",
        light="#fff",
        svgclass="bankid-qr",
    )
    svg = buffer.getvalue().decode("utf-8")
    size = code.symbol_size(scale=_SCALE, border=_QUIET_ZONE)[0]
    return svg.replace("<svg ", f'<svg width="{size}" height="{size}" role="img" ', 1)
