"""The pieces every BankID flow shares (login, signing an application, later a fullmakt): the waiting
page, its JSON status for bankid.js, and the animated QR image. Each flow supplies its own URLs."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from flask import Response, abort, current_app, render_template, request

from portal.auth.bankid import qr_data, qr_svg, user_message
from portal.auth.models import BankIDOrder
from portal.db import utcnow


@dataclass(frozen=True)
class FlowUrls:
    wait: str  # the waiting page itself (the no-JS refresh target)
    status: str  # JSON status
    qr: str  # the QR image
    cancel: str  # POST: cancel the order
    start: str  # POST: start a new order (retry)
    other_way: str  # a way back, e.g. the login page or the check-answers page


def is_mobile() -> bool:
    """A phone or tablet: "BankID på den här enheten" is offered first there, the QR code first elsewhere."""
    agent = request.user_agent.string
    return any(marker in agent for marker in ("Mobi", "Android", "iPhone", "iPad"))


def message(order: BankIDOrder) -> Any:
    return user_message(
        status=order.status,
        hint_code=order.hint_code or None,
        error_code=order.error_code or None,
        qr=not order.same_device,
    )


def autostart_url(order: BankIDOrder) -> str:
    base = current_app.config["PORTAL"].bankid_autostart_base
    # returnUrl went with the order to BankID, so the app needs no redirect in the link.
    return f"{base}?{urlencode({'autostarttoken': order.auto_start_token, 'redirect': 'null'})}"


def render_wait(order: BankIDOrder, urls: FlowUrls, *, heading: Any, intro: Any = None, **extra: Any) -> str:
    return render_template(
        "auth/bankid_wait.html",
        order=order,
        message=message(order),
        autostart_url=autostart_url(order) if order.same_device else None,
        urls=urls,
        heading=heading,
        intro=intro,
        poll_interval=max(1, int(current_app.config["PORTAL"].bankid_collect_interval)),
        **extra,
    )


def status_payload(order: BankIDOrder) -> dict[str, str]:
    msg = message(order)
    return {"state": order.status, "rfa": msg.rfa, "message": str(msg.text)}


def qr_image(order: BankIDOrder | None) -> Response:
    if order is None or order.status != "pending" or order.same_device or not order.qr_start_secret:
        abort(404)
    data = qr_data(order.qr_start_token, order.qr_start_secret, order.seconds_since_start(utcnow()))
    return Response(qr_svg(data), mimetype="image/svg+xml")
