"""The pieces every BankID flow shares (login, signing an application, later a fullmakt): the waiting
page, its JSON status for bankid.js, and the animated QR image. Each flow supplies its own URLs."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from flask import (
    Response,
    abort,
    current_app,
    flash,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from portal.access import current_actor
from portal.accounts.models import Person
from portal.auth import protection, ratelimit, services
from portal.auth.bankid import qr_data, qr_svg, user_message
from portal.auth.forms import PostForm
from portal.auth.models import BankIDOrder
from portal.db import get_session, utcnow


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


@dataclass(frozen=True)
class BankIDLogin:
    """The BankID login of one area: citizens (blueprint "auth", /logga-in) or staff ("staff",
    /handlaggare/logga-in). The order's handle in the session, the waiting page and its JSON, the QR code,
    cancelling, and the per-identity login limit are the same; ``finish`` logs the person in for the area
    and returns where to go (None: the order could not be used)."""

    blueprint: str
    order_key: str
    purpose_ref: str
    heading: Any
    finish: Callable[[BankIDOrder], str | None]

    def urls(self) -> FlowUrls:
        return FlowUrls(
            wait=url_for(f"{self.blueprint}.bankid_wait"),
            status=url_for(f"{self.blueprint}.bankid_status"),
            qr=url_for(f"{self.blueprint}.bankid_qr"),
            cancel=url_for(f"{self.blueprint}.bankid_cancel"),
            start=url_for(f"{self.blueprint}.bankid_start"),
            other_way=url_for(f"{self.blueprint}.login"),
        )

    def remember(self, handle: str) -> None:
        session[self.order_key] = handle

    def order(self) -> BankIDOrder | None:
        order = services.find_order(session.get(self.order_key), purpose="auth", purpose_ref=self.purpose_ref)
        return order if order is not None and order.municipality_id == g.municipality.id else None

    def _limited(self, order: BankIDOrder) -> ratelimit.Verdict | None:
        """Count a completed login for its person; over the limit, the order is spent."""
        person = get_session().get(Person, order.person_id)
        if person is None:
            return None
        verdict = ratelimit.identity_attempt(person.personal_number)
        if verdict.allowed:
            return None
        order.status = "used"
        session.pop(self.order_key, None)
        protection.record_refusal(g.municipality.id, "identity", current_actor())
        return verdict

    def wait(self) -> ResponseReturnValue:
        login_page = url_for(f"{self.blueprint}.login")
        order = self.order()
        if order is None:
            flash(_("The login was interrupted. Please start again."), "error")
            return redirect(login_page)
        order = services.poll_order(order, current_actor())
        if order.status == "complete":
            limited = self._limited(order)
            if limited is not None:
                return protection.too_many_page(limited)
            target = self.finish(order)
            if target:
                return redirect(target)
        if order.status == "used":
            session.pop(self.order_key, None)
            return redirect(login_page)
        return render_wait(order, self.urls(), heading=self.heading)

    def status(self) -> ResponseReturnValue:
        login_page = url_for(f"{self.blueprint}.login")
        order = self.order()
        if order is None:
            return jsonify(state="gone", redirect=login_page)
        order = services.poll_order(order, current_actor())
        if order.status == "complete":
            limited = self._limited(order)
            if limited is not None:
                flash(protection.refusal_text(limited), "error")
                return jsonify(state="complete", redirect=login_page)
            return jsonify(state="complete", redirect=self.finish(order) or login_page)
        return jsonify(status_payload(order))

    def qr(self) -> Response:
        return qr_image(self.order())

    def cancel(self) -> ResponseReturnValue:
        order = self.order()
        if PostForm().validate_on_submit() and order is not None:
            services.cancel_order(order, current_actor())
        session.pop(self.order_key, None)
        flash(_("The login was cancelled."), "info")
        return redirect(url_for(f"{self.blueprint}.login"))
