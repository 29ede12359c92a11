"""A stand-in for BankID's RP API v6.0, for demo mode and tests.

* ``/rp/v6.0/auth|sign|collect|cancel``: the API as the portal's client calls it (POST, JSON, BankID's
  error bodies and HTTP statuses).
* ``/``: the tester's page, playing the BankID app: approve or cancel pending orders as any personnummer.
* ``/app?autostarttoken=...``: "the app on this device", where the portal's autostart link lands.
* ``/sim/...``: a JSON control API for automated tests.

The pages take no CSRF token: this is a local test tool with no sessions or data worth forging requests
for, and it must never run in production (the portal refuses to start with it configured).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Flask,
    Response,
    current_app,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from werkzeug.exceptions import HTTPException

from portal.bankid_simulator.orders import ControlError, RpError, SimOrder
from portal.bankid_simulator.state import SimulatorState
from portal.demo.identities import DEMO_CITIZENS, DemoIdentity

__all__ = ["API_PREFIX", "create_simulator_app"]

API_PREFIX = "/rp/v6.0"
_STATE_KEY = "bankid_simulator"

logger = logging.getLogger(__name__)

rp_api = Blueprint("rp_api", __name__, url_prefix=API_PREFIX)
control_api = Blueprint("control_api", __name__, url_prefix="/sim")
pages = Blueprint("pages", __name__)

# Page feedback after a POST/redirect/GET round trip; the key travels in the query string.
_NOTICES = {
    "godkand": "Beställningen är godkänd.",
    "avbruten": "Beställningen är avbruten.",
    "startad": "QR-koden är avläst: beställningen väntar nu på godkännande.",
    "underhall-pa": "Underhållsläget är på: API:t svarar 503 maintenance.",
    "underhall-av": "Underhållsläget är av.",
}


def create_simulator_app(
    *,
    order_lifetime: float = 180.0,
    identities: Iterable[DemoIdentity] = DEMO_CITIZENS,
    portal_return_url: str | None = None,
    single_collect: bool = True,
) -> Flask:
    """The simulator as a Flask app.

    ``order_lifetime``: seconds until a pending order fails with expiredTransaction (BankID: 3 minutes).
    ``portal_return_url``: where "the app" sends the user back when the order has no returnUrl.
    ``single_collect``: like BankID, answer a finished order's collect once, then invalidParameters.
    """
    app = Flask(__name__, static_folder="static", static_url_path="/static")
    app.config["SIMULATOR_PORTAL_RETURN_URL"] = portal_return_url
    app.json.sort_keys = False  # keep BankID's field order, easier to read in test output
    app.extensions[_STATE_KEY] = SimulatorState(
        order_lifetime=order_lifetime, identities=identities, single_collect=single_collect
    )
    app.register_blueprint(rp_api)
    app.register_blueprint(control_api)
    app.register_blueprint(pages)

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> Any:
        # Routing errors (404, 405) happen before any blueprint is chosen, so the API's JSON errors for
        # them are decided here by path.
        if request.path.startswith(API_PREFIX + "/"):
            code = {404: "notFound", 405: "methodNotAllowed"}.get(error.code or 0, "invalidParameters")
            return _rp_error(RpError(code, error.name, error.code or 400))
        if request.path.startswith("/sim/"):
            return jsonify(error=error.name), error.code
        return error

    return app


def _state() -> SimulatorState:
    return current_app.extensions[_STATE_KEY]


# -- RP API -------------------------------------------------------------------------------------------


def _rp_error(error: RpError) -> Response:
    response = jsonify(errorCode=error.error_code, details=error.details)
    response.status_code = error.http_status
    return response


@rp_api.errorhandler(RpError)
def _rp_api_error(error: RpError) -> Response:
    return _rp_error(error)


@rp_api.before_request
def _rp_preconditions() -> Response | None:
    if _state().maintenance:
        return _rp_error(RpError("maintenance", "Service unavailable", 503))
    # BankID takes exactly "application/json": no charset or other parameter.
    if request.mimetype != "application/json" or request.mimetype_params:
        return _rp_error(RpError("unsupportedMediaType", "Content-Type must be application/json", 415))
    return None


def _json_body() -> Any:
    return request.get_json(silent=True)


@rp_api.post("/auth")
def rp_auth() -> Response:
    return _order_answer(_state().create_order("auth", _json_body()))


@rp_api.post("/sign")
def rp_sign() -> Response:
    return _order_answer(_state().create_order("sign", _json_body()))


def _order_answer(order: SimOrder) -> Response:
    logger.info("simulator: %s order %s created", order.kind, order.order_ref)
    return jsonify(
        orderRef=order.order_ref,
        autoStartToken=order.auto_start_token,
        qrStartToken=order.qr_start_token,
        qrStartSecret=order.qr_start_secret,
    )


@rp_api.post("/collect")
def rp_collect() -> Response:
    return jsonify(_state().collect(_json_body()))


@rp_api.post("/cancel")
def rp_cancel() -> Response:
    _state().cancel(_json_body())
    return jsonify({})


# -- control API for tests -------------------------------------------------------------------------


@control_api.errorhandler(ControlError)
def _control_error(error: ControlError) -> tuple[Response, int]:
    return jsonify(error=error.message), error.http_status


def _control_body() -> dict[str, Any]:
    body = request.get_json(silent=True)
    if body is None and not request.get_data():
        return {}
    if not isinstance(body, dict):
        raise ControlError("Skicka ett JSON-objekt.")
    return body


@control_api.get("/orders")
def sim_orders() -> Response:
    state = _state()
    return jsonify(
        orders=[order.as_json() for order in state.orders()],
        maintenance=state.maintenance,
        orderLifetime=state.order_lifetime,
    )


@control_api.get("/orders/<order_ref>")
def sim_order(order_ref: str) -> Response:
    order = _state().get(order_ref)
    if order is None:
        raise ControlError("Beställningen finns inte.", 404)
    return jsonify(order.as_json())


@control_api.post("/orders/<order_ref>/start")
def sim_start(order_ref: str) -> Response:
    return jsonify(_state().start(order_ref, _control_body().get("hintCode")).as_json())


@control_api.post("/orders/<order_ref>/approve")
def sim_approve(order_ref: str) -> Response:
    body = _control_body()
    personal_number = body.get("personalNumber")
    name = body.get("name")
    if not isinstance(personal_number, str) or (name is not None and not isinstance(name, str)):
        raise ControlError("personalNumber (och ev. name) ska vara text.")
    return jsonify(_state().approve(order_ref, personal_number, name).as_json())


@control_api.post("/orders/<order_ref>/cancel")
def sim_user_cancel(order_ref: str) -> Response:
    return jsonify(_state().user_cancel(order_ref).as_json())


@control_api.post("/orders/<order_ref>/fail")
def sim_fail(order_ref: str) -> Response:
    return jsonify(_state().fail(order_ref, _control_body().get("hintCode", "startFailed")).as_json())


@control_api.post("/scan")
def sim_scan() -> Response:
    return jsonify(_state().scan(_control_body().get("qrData", "")).as_json())


@control_api.post("/maintenance")
def sim_maintenance() -> Response:
    on = _control_body().get("on")
    if not isinstance(on, bool):
        raise ControlError("on ska vara true eller false.")
    _state().set_maintenance(on)
    return jsonify(maintenance=on)


@control_api.post("/settings")
def sim_settings() -> Response:
    body = _control_body()
    if "orderLifetime" in body:
        _state().set_order_lifetime(body["orderLifetime"])
    return jsonify(orderLifetime=_state().order_lifetime)


@control_api.post("/reset")
def sim_reset() -> Response:
    _state().reset()
    return jsonify(reset=True)


# -- pages: the tester and "the app on this device" ------------------------------------------------


def _http_url(value: str | None) -> str | None:
    """Only http(s) links go into a page: a returnUrl of another scheme must not become a script link."""
    if not value:
        return None
    parts = urlsplit(value)
    return value if parts.scheme in ("http", "https") and parts.netloc else None


def _render_tester(error: str | None = None, status: int = 200) -> tuple[str, int]:
    state = _state()
    orders = state.orders()
    return (
        render_template(
            "tester.html",
            pending=[o for o in orders if o.is_pending],
            finished=[o for o in orders if not o.is_pending][:10],
            identities=state.identities,
            maintenance=state.maintenance,
            notice=_NOTICES.get(request.args.get("klart", "")),
            error=error,
        ),
        status,
    )


@pages.get("/")
def tester() -> Any:
    # The app's universal link is https://app.bankid.com/?autostarttoken=...; accept the same shape here
    # so the portal's demo mode only has to swap the host.
    if "autostarttoken" in request.args:
        return app_page()
    return _render_tester()


@pages.post("/orders/<order_ref>/start")
def tester_start(order_ref: str) -> Any:
    try:
        _state().start(order_ref)
    except ControlError as error:
        return _render_tester(error.message, error.http_status)
    return redirect(url_for("pages.tester", klart="startad"), 303)


def _approve_from_form(order_ref: str) -> None:
    typed = request.form.get("personal_number", "").strip()
    chosen = request.form.get("identity", "").strip()
    if not typed and not chosen:
        raise ControlError("Välj en testperson eller skriv ett personnummer.")
    _state().approve(order_ref, typed or chosen, request.form.get("name", "").strip() or None)


@pages.post("/orders/<order_ref>/approve")
def tester_approve(order_ref: str) -> Any:
    try:
        _approve_from_form(order_ref)
    except ControlError as error:
        return _render_tester(error.message, error.http_status)
    return redirect(url_for("pages.tester", klart="godkand"), 303)


@pages.post("/orders/<order_ref>/cancel")
def tester_cancel(order_ref: str) -> Any:
    try:
        _state().user_cancel(order_ref)
    except ControlError as error:
        return _render_tester(error.message, error.http_status)
    return redirect(url_for("pages.tester", klart="avbruten"), 303)


@pages.post("/maintenance")
def tester_maintenance() -> Any:
    on = request.form.get("on") == "1"
    _state().set_maintenance(on)
    return redirect(url_for("pages.tester", klart="underhall-pa" if on else "underhall-av"), 303)


def _return_link(order: SimOrder | None, redirect_param: str | None) -> str | None:
    candidates = [order.return_url if order else None]
    if redirect_param and redirect_param != "null":
        candidates.append(redirect_param)
    candidates.append(current_app.config["SIMULATOR_PORTAL_RETURN_URL"])
    return next((url for url in map(_http_url, candidates) if url), None)


@pages.get("/app")
def app_page() -> Any:
    token = request.args.get("autostarttoken", "")
    redirect_param = request.args.get("redirect")
    order = _state().find_by_autostart_token(token) if token else None
    if order is None or not order.is_pending:
        return (
            render_template(
                "app.html",
                order=None,
                return_url=_return_link(order, redirect_param),
                redirect_param=redirect_param,
            ),
            404,
        )
    if order.hint_code == "outstandingTransaction":
        # Opening the app with the token is what moves a real order on from outstandingTransaction.
        _state().start(order.order_ref)
    return render_template(
        "app.html",
        order=order,
        identities=_state().identities,
        redirect_param=redirect_param,
        error=None,
    )


@pages.post("/app/<order_ref>/<choice>")
def app_choice(order_ref: str, choice: str) -> Any:
    state = _state()
    redirect_param = request.form.get("redirect") or None
    order = state.get(order_ref)
    try:
        if choice == "approve":
            _approve_from_form(order_ref)
        elif choice == "cancel":
            state.user_cancel(order_ref)
        else:
            raise ControlError("Okänt val.", 404)
    except ControlError as error:
        return (
            render_template(
                "app.html",
                order=order if order is not None and order.is_pending else None,
                identities=state.identities,
                redirect_param=redirect_param,
                return_url=_return_link(order, redirect_param),
                error=error.message,
            ),
            error.http_status,
        )
    return render_template(
        "app_done.html",
        approved=choice == "approve",
        order=order,
        return_url=_return_link(order, redirect_param),
    )
