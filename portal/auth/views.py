"""Citizen login with BankID (RP API v6.0), logout and the logged-out page.

Without JavaScript the waiting page reloads itself every two seconds; with it, static/js/bankid.js polls
``bankid_status`` and swaps the QR code every second. Both end in the same server-side checks.
"""

from __future__ import annotations

from flask import (
    Blueprint,
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
from flask_babel import lazy_gettext as _l

from portal.access import citizen_required, public
from portal.auth import bankid_flow, services
from portal.auth.bankid import user_message
from portal.auth.bankid_flow import FlowUrls
from portal.auth.forms import BankIDStartForm, PostForm
from portal.auth.models import BankIDOrder
from portal.i18n import safe_next

bp = Blueprint("auth", __name__)

ORDER_KEY = "bankid_order"
END_REASONS = {
    "idle": _l(
        "You were logged out because you had not done anything for a while. Log in again to continue."
    ),
    "absolute": _l(
        "You were logged out because you had been logged in for a long time. Log in again to continue."
    ),
}


@bp.get("/logga-in")
@public
def login() -> ResponseReturnValue:
    if g.get("person") is not None:
        return redirect(url_for("home.my_pages"))
    return render_template("auth/login.html", mobile_first=bankid_flow.is_mobile())


@bp.post("/logga-in/bankid")
@public
def bankid_start() -> ResponseReturnValue:
    form = BankIDStartForm()
    if not form.validate_on_submit():
        flash(_("Choose how you want to use BankID."), "error")
        return redirect(url_for(".login"))
    same_device = form.device.data == "same"
    result = services.start_order(
        municipality=g.municipality,
        end_user_ip=request.remote_addr or "127.0.0.1",
        same_device=same_device,
        return_url=url_for(".bankid_wait", _external=True) if same_device else None,
    )
    if result.handle is None:
        message = user_message(status=None, error_code=result.error_code, qr=not same_device)
        return (
            render_template("auth/login.html", mobile_first=bankid_flow.is_mobile(), start_error=message),
            503 if result.error_code in {"maintenance", "unavailable", "internalError"} else 200,
        )
    session[ORDER_KEY] = result.handle
    return redirect(url_for(".bankid_wait"))


def _current_order() -> BankIDOrder | None:
    order = services.find_order(session.get(ORDER_KEY))
    if order is None or order.municipality_id != g.municipality.id:
        return None
    return order


def _finish_login(order: BankIDOrder) -> str | None:
    """Log the person in; the new session replaces everything the anonymous one held."""
    token = services.log_in(order, g.municipality)
    if token is None:
        return None
    target = safe_next(session.get("next"), url_for("home.my_pages"))
    session.clear()
    session["login"] = token
    return target


def _urls() -> FlowUrls:
    return FlowUrls(
        wait=url_for(".bankid_wait"),
        status=url_for(".bankid_status"),
        qr=url_for(".bankid_qr"),
        cancel=url_for(".bankid_cancel"),
        start=url_for(".bankid_start"),
        other_way=url_for(".login"),
    )


@bp.get("/logga-in/bankid")
@public
def bankid_wait() -> ResponseReturnValue:
    order = _current_order()
    if order is None:
        flash(_("The login was interrupted. Please start again."), "error")
        return redirect(url_for(".login"))
    order = services.poll_order(order)
    if order.status == "complete":
        target = _finish_login(order)
        if target:
            return redirect(target)
    if order.status == "used":
        session.pop(ORDER_KEY, None)
        return redirect(url_for(".login"))
    return bankid_flow.render_wait(order, _urls(), heading=_("Log in with BankID"))


@bp.get("/logga-in/bankid/status")
@public
def bankid_status() -> ResponseReturnValue:
    order = _current_order()
    if order is None:
        return jsonify(state="gone", redirect=url_for(".login"))
    order = services.poll_order(order)
    if order.status == "complete":
        target = _finish_login(order)
        return jsonify(state="complete", redirect=target or url_for(".login"))
    return jsonify(bankid_flow.status_payload(order))


@bp.get("/logga-in/bankid/qr.svg")
@public
def bankid_qr() -> ResponseReturnValue:
    return bankid_flow.qr_image(_current_order())


@bp.post("/logga-in/bankid/avbryt")
@public
def bankid_cancel() -> ResponseReturnValue:
    form = PostForm()
    order = _current_order()
    if form.validate_on_submit() and order is not None:
        services.cancel_order(order)
    session.pop(ORDER_KEY, None)
    flash(_("The login was cancelled."), "info")
    return redirect(url_for(".login"))


@bp.post("/logga-ut")
@citizen_required
def logout() -> ResponseReturnValue:
    form = PostForm()
    if form.validate_on_submit():
        services.end_login(g.login, "logout")
        session.clear()
        return redirect(url_for(".logged_out"))
    return redirect(url_for("home.my_pages"))


@bp.get("/utloggad")
@public
def logged_out() -> ResponseReturnValue:
    return render_template("auth/logged_out.html")


def init_app(app) -> None:  # type: ignore[no-untyped-def]
    app.register_blueprint(bp)

    @app.before_request
    def _load_login() -> None:
        g.login = g.person = None
        if request.endpoint in {"static", "health.health"} or g.get("municipality") is None:
            return
        token = session.get("login")
        if not token:
            return
        loaded = services.load_login(token)
        if loaded.login is not None and loaded.login.staff_user_id is not None:
            loaded = services.LoadedLogin(None)  # a staff login never opens citizen pages
        if loaded.login is None:
            session.pop("login", None)
            if loaded.ended_reason:
                flash(str(END_REASONS[loaded.ended_reason]), "info")
            return
        g.login, g.person = loaded.login, loaded.login.person

    @app.context_processor
    def _login_context() -> dict[str, object]:
        return {"person": g.get("person")}
