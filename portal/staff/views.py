"""The staff side of the embedded case system: the staff blueprint, log in and out, and each staff member's
start page. The case workspace on the same blueprint: ``inbox`` (the unit's inbox, a case, its log and
documents) and ``handling`` (taking a case, status, notes, komplettering, the decision).

Staff log in at /handlaggare with the login methods of the staff audience (portal/staff/login.py). A staff
login is its own session, under its own key; it never opens citizen pages, and a citizen login never
opens these.
"""

from __future__ import annotations

import logging

from flask import (
    Blueprint,
    Flask,
    flash,
    g,
    redirect,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from portal.access import ANY_STAFF, can_open, current_actor, navigation, staff_required
from portal.auth import logins, oidc
from portal.auth import methods as login_methods
from portal.auth.forms import PostForm
from portal.auth.views import END_REASONS
from portal.db import get_session
from portal.staff.login import PROVIDER_LOGOUT_KEY, SESSION_KEY, StaffLogin
from portal.staff.models import StaffUser

bp = Blueprint("staff", __name__, url_prefix="/handlaggare")

log = logging.getLogger(__name__)
# The staff pages whose login page says why a login ended: the staff workspace's own, the staff side of the
# messages and the administrators' (which were the staff blueprint's before they had their own).
ENDED_NOTICE_BLUEPRINTS = frozenset({"staff", "staff_messages", "admin"})


# --- login --------------------------------------------------------------------------------------------------


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


# The staff login (/handlaggare/logga-in, BankID, the identity providers' OpenID routes): the login
# methods' routes, generated for the staff audience (portal/staff/login.py).
login_methods.add_login_routes(bp, StaffLogin(home=lambda staff: _home(staff)))


@bp.post("/logga-ut")
@staff_required(ANY_STAFF)
def logout() -> ResponseReturnValue:
    if PostForm().validate_on_submit():
        login = g.staff_login
        logins.end_login(login, "logout", current_actor("staff"))
        token = session.pop(SESSION_KEY, None)
        if oidc.login_provider(login.method) is not None:
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
        loaded = logins.load_login(
            token, g.municipality.id, current_actor(), touch=request.headers.get("X-Portal-Background") != "1"
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
