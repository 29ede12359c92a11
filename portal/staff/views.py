"""The staff side of the embedded case system: the staff blueprint, log in and out, and each staff member's
start page. The case workspace on the same blueprint: ``inbox`` (the unit's inbox, a case, its log and
documents) and ``handling`` (taking a case, status, notes, komplettering, the decision).

Staff log in at /handlaggare with BankID mapped to their account (OIDC comes in a later issue). A staff
login is its own session, under its own key; it never opens citizen pages, and a citizen login never
opens these.
"""

from __future__ import annotations

import logging

import sqlalchemy as sa
from flask import (
    Blueprint,
    Flask,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from portal.access import ANY_STAFF, can_open, current_actor, navigation, public, staff_required
from portal.accounts.models import Person
from portal.accounts.services import person_from_eid
from portal.audit import services as audit
from portal.auth import bankid_flow, oidc, oidc_flow, protection
from portal.auth import services as auth_services
from portal.auth.bankid import user_message
from portal.auth.forms import BankIDStartForm, PostForm
from portal.auth.models import BankIDOrder
from portal.auth.views import END_REASONS
from portal.db import decides_on_get, get_session
from portal.staff import services as staff_services
from portal.staff.models import StaffUser

bp = Blueprint("staff", __name__, url_prefix="/handlaggare")

ORDER_KEY = "staff_bankid_order"
SESSION_KEY = "staff_login"
PROVIDER_LOGOUT_KEY = "staff_provider_logout"
log = logging.getLogger(__name__)
# The staff pages whose login page says why a login ended: the staff workspace's own, the staff side of the
# messages and the administrators' (which were the staff blueprint's before they had their own).
ENDED_NOTICE_BLUEPRINTS = frozenset({"staff", "staff_messages", "admin"})


# --- login --------------------------------------------------------------------------------------------------


@bp.get("/logga-in")
@public
def login() -> ResponseReturnValue:
    if g.get("staff") is not None:
        return redirect(_home(g.staff))
    return _login_page()


def _login_page(error: object = None, status: int = 200) -> ResponseReturnValue:
    provider_logout = None
    ended = auth_services.login_for_provider_logout(session.get(PROVIDER_LOGOUT_KEY))
    if ended is not None:
        provider = current_app.extensions["oidc_providers"].get(ended.method.removeprefix("oidc:"))
        if provider is not None:
            provider_logout = oidc.logout_link(provider, url_for(".login", _external=True))
        session.pop(PROVIDER_LOGOUT_KEY, None)
    return (
        render_template(
            "staff/login.html",
            oidc_providers=oidc.providers_for("staff", g.municipality.slug),
            bankid=g.municipality.staff_bankid_login,
            error=error,
            provider_logout=provider_logout,
        ),
        status,
    )


# The staff header's links; each is shown to whoever the route's declared roles let in (can_open).
STAFF_NAVIGATION = (
    ("staff.inbox", _l("Staff inbox")),
    ("utforare.cases", _l("Your clients")),
    ("staff_representation.index", _l("Representatives")),
    ("admin.deliveries", _l("Failed deliveries")),
    ("admin.providers", _l("Care provider catalogue")),
    ("admin.accounts", _l("Staff accounts")),
)

# Where a staff member starts: the first of these their roles open (the routes' own declarations).
START_PAGES = ("staff.inbox", "utforare.cases", "admin.deliveries", "staff_representation.index")


def _home(staff: StaffUser) -> str:
    """The unit's inbox, the provider's cases, the register of representatives or the administrator's
    pages, whichever the staff member's roles open first."""
    for endpoint in START_PAGES:
        if can_open(endpoint, staff):
            return url_for(endpoint)
    return url_for("admin.deliveries")


@bp.get("/start")
@staff_required(ANY_STAFF)
def home() -> ResponseReturnValue:
    """Every staff member's own start page, wherever their roles take them."""
    return redirect(_home(g.staff))


@bp.post("/logga-in/bankid")
@public
def bankid_start() -> ResponseReturnValue:
    form = BankIDStartForm()
    if not form.validate_on_submit() or not g.municipality.staff_bankid_login:
        abort(400)
    refused = protection.check_client(g.municipality.id)
    if refused is not None:
        return refused
    same_device = form.device.data == "same"
    result = auth_services.start_order(
        municipality=g.municipality,
        end_user_ip=request.remote_addr or "127.0.0.1",
        same_device=same_device,
        return_url=url_for(".bankid_wait", _external=True),
        purpose_ref="staff",
    )
    if result.handle is None:
        flash(str(user_message(status=None, error_code=result.error_code, qr=not same_device).text), "error")
        return redirect(url_for(".login"))
    BANKID.remember(result.handle)
    return redirect(url_for(".bankid_wait"))


def _finish(order: BankIDOrder) -> str:
    staff = get_session().scalar(
        sa.select(StaffUser)
        .join(Person, Person.personal_number == StaffUser.personal_number)
        .where(
            Person.id == order.person_id,
            StaffUser.municipality_id == g.municipality.id,
            StaffUser.active.is_(True),
        )
    )
    session.pop(ORDER_KEY, None)
    if staff is None:
        order.status = "used"
        audit.record(
            get_session(),
            "staff_login_refused",
            actor=current_actor("person"),
            actor_type="person",
            actor_id=order.person_id,
        )
        flash(_("You have no staff account in %(municipality)s.", municipality=g.municipality.name), "error")
        return url_for(".login")
    token = auth_services.log_in(order, g.municipality, staff_user_id=staff.id)
    session.pop(SESSION_KEY, None)
    session[SESSION_KEY] = token
    return _home(staff)


BANKID = bankid_flow.BankIDLogin(
    blueprint="staff",
    order_key=ORDER_KEY,
    purpose_ref="staff",
    heading=_l("Staff login with BankID"),
    finish=_finish,
)


@bp.get("/logga-in/bankid")
@decides_on_get
@public
def bankid_wait() -> ResponseReturnValue:
    return BANKID.wait()


@bp.get("/logga-in/bankid/status")
@decides_on_get
@public
def bankid_status() -> ResponseReturnValue:
    return BANKID.status()


@bp.get("/logga-in/bankid/qr.svg")
@public
def bankid_qr() -> ResponseReturnValue:
    return BANKID.qr()


@bp.post("/logga-in/bankid/avbryt")
@public
def bankid_cancel() -> ResponseReturnValue:
    return BANKID.cancel()


# --- OpenID Connect: the municipality's identity provider ----------------------------------------------


@bp.get("/logga-in/oidc/<provider_id>")
@public
def oidc_start(provider_id: str) -> ResponseReturnValue:
    provider = oidc_flow.provider_or_404(provider_id, "staff")
    return oidc_flow.begin(provider, ".oidc_callback", _login_page)


@bp.get("/logga-in/oidc/<provider_id>/callback")
@decides_on_get
@public
def oidc_callback(provider_id: str) -> ResponseReturnValue:
    provider = oidc_flow.provider_or_404(provider_id, "staff")
    method = f"oidc:{provider.id}"
    identity = oidc_flow.finish(provider, _login_page, require_personal_number=False)
    if not isinstance(identity, oidc.Identity):
        return identity
    refused = protection.check_identity(f"{provider.id}:{identity.subject}", g.municipality.id)
    if refused is not None:
        return refused
    staff = staff_services.staff_for_identity(provider, identity, g.municipality)
    if staff is None:
        auth_services.login_failed(g.municipality, method=method, reason="no_staff_account", staff=True)
        return _login_page(
            _(
                "You have no staff account with a role in %(municipality)s. "
                "Ask your administrator for access.",
                municipality=g.municipality.name,
            ),
            403,
        )
    person = None
    if identity.personal_number is not None:
        person = person_from_eid(identity.personal_number, identity.given_name, identity.family_name)
    token = auth_services.start_login(
        person,
        g.municipality,
        method=method,
        loa=identity.loa,
        staff_user_id=staff.id,
        id_token=identity.id_token,
    )
    session.pop(SESSION_KEY, None)
    session[SESSION_KEY] = token
    return redirect(_home(staff))


@bp.post("/logga-ut")
@staff_required(ANY_STAFF)
def logout() -> ResponseReturnValue:
    if PostForm().validate_on_submit():
        login = g.staff_login
        auth_services.end_login(login, "logout")
        token = session.pop(SESSION_KEY, None)
        if login.method.startswith("oidc:"):
            session[PROVIDER_LOGOUT_KEY] = token
        flash(_("You are logged out."), "info")
        return redirect(url_for(".login"))
    return redirect(url_for(".inbox"))


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)

    @app.before_request
    def _load_staff() -> None:
        g.staff_login = g.staff = None
        if request.endpoint in {"static", "health.health"} or g.get("municipality") is None:
            return
        token = session.get(SESSION_KEY)
        if not token:
            return
        loaded = auth_services.load_login(
            token, g.municipality.id, touch=request.headers.get("X-Portal-Background") != "1"
        )
        login = loaded.login
        if loaded.elsewhere:
            return  # a login of another municipality: this one asks for its own
        if login is None or login.staff_user_id is None:
            session.pop(SESSION_KEY, None)
            if loaded.ended_reason and request.blueprint in ENDED_NOTICE_BLUEPRINTS:
                flash(str(END_REASONS[loaded.ended_reason]), "info")
            return
        staff = get_session().get(StaffUser, login.staff_user_id)
        if staff is None or not staff.active or staff.municipality_id != g.municipality.id:
            return
        g.staff_login, g.staff = login, staff

    @app.context_processor
    def _staff_context() -> dict[str, object]:
        return {"staff": g.get("staff"), "staff_navigation": navigation(STAFF_NAVIGATION)}


__all__ = ["bp", "init_app"]
