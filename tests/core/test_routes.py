"""Every route declares who may use it (GOV.UK Notify's habit): a new view without a decision fails here.
Every staff route names its roles in its decorator, and the decorator, not the view, refuses the rest."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import sqlalchemy as sa

from portal.access import ACCESS_ATTR, ANY_STAFF, STAFF_OTHERS_TO_ATTR, STAFF_ROLES_ATTR, staff_required
from portal.audit.models import AuditEvent
from portal.db import all_municipalities, get_session
from portal.municipalities.models import Unit
from portal.outbox.models import OutboxItem
from portal.providers.models import Provider
from portal.representation.models import Representation
from portal.staff.models import ROLES, StaffUser
from tests.forms.samples import personnummer
from tests.helpers import csrf_from
from tests.representation.helpers import arrange, exempelstad

# The only staff pages open to every staff member whatever their roles.
ANY_STAFF_ENDPOINTS = {"staff.logout", "staff.home"}


def _staff_rules(app):  # type: ignore[no-untyped-def]
    return [
        rule
        for rule in app.url_map.iter_rules()
        if getattr(app.view_functions[rule.endpoint], ACCESS_ATTR, None) == "staff"
    ]


def test_every_route_declares_its_access(app):
    undeclared = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        view = app.view_functions[rule.endpoint]
        if getattr(view, ACCESS_ATTR, None) not in {"public", "citizen", "staff", "api"}:
            undeclared.append(rule.rule)
    assert not undeclared, f"routes without an access decorator: {undeclared}"


def test_every_staff_route_declares_its_roles(app):
    rules = _staff_rules(app)
    assert len(rules) > 30
    for rule in rules:
        roles = getattr(app.view_functions[rule.endpoint], STAFF_ROLES_ATTR, None)
        assert roles, f"{rule.rule} declares no staff roles"
        assert roles <= {*ROLES, ANY_STAFF}, rule.rule
        if ANY_STAFF in roles:
            assert rule.endpoint in ANY_STAFF_ENDPOINTS, f"{rule.rule} is open to any staff member"


def test_a_staff_route_cannot_be_declared_without_roles():
    with pytest.raises(TypeError):

        @staff_required  # type: ignore[arg-type]
        def view() -> str:
            return ""

    with pytest.raises(TypeError):
        staff_required()
    with pytest.raises(ValueError, match="unknown"):
        staff_required("admin")


def test_citizen_pages_need_a_login(app):
    client = app.test_client()
    citizen_routes = [
        rule
        for rule in app.url_map.iter_rules()
        if getattr(app.view_functions[rule.endpoint], ACCESS_ATTR, None) == "citizen"
    ]
    assert citizen_routes
    for rule in citizen_routes:
        if "GET" in rule.methods and not rule.arguments:
            response = client.get(rule.rule)
            assert response.status_code == 302, rule.rule
            assert response.headers["Location"].endswith("/logga-in"), rule.rule


def _one_role_staff(app, bankid_simulator):  # type: ignore[no-untyped-def]
    """A logged-in client for a staff member of each single role (an utförare with a provider, a
    handläggare with a unit), and their account ids."""
    from tests.staff.test_staff_admin import logged_in

    numbers = {
        role: personnummer(dt.date(1960, 1, 1 + i), "271").replace("-", "") for i, role in enumerate(ROLES)
    }
    with app.app_context(), all_municipalities():
        session = get_session()
        municipality = exempelstad()
        unit = session.scalar(sa.select(Unit.id).where(Unit.code == "aldreomsorg"))
        provider = session.scalar(sa.select(Provider.id).where(Provider.municipality_id == municipality.id))
        ids = {}
        for role, number in numbers.items():
            account = StaffUser(
                municipality_id=municipality.id,
                personal_number=number,
                name=f"Endast {role}",
                roles=[role],
                unit_id=unit if role == "handlaggare" else None,
                provider_id=provider if role == "utforare" else None,
            )
            session.add(account)
            session.flush()
            ids[role] = account.id
        session.commit()
    return {role: logged_in(app, bankid_simulator, number) for role, number in numbers.items()}, ids


def _real_ids(app) -> dict[str, str]:  # type: ignore[no-untyped-def]
    arranged = arrange(app)
    with app.app_context(), all_municipalities():
        session = get_session()
        return {
            "case_id": str(arranged.case_id),
            "document_id": str(arranged.document_id),
            "attachment_id": str(arranged.attachment_id),
            "rep_id": str(
                session.scalar(sa.select(Representation.id).where(Representation.basis == "god_man"))
            ),
            "account_id": str(session.scalar(sa.select(StaffUser.id).order_by(StaffUser.id))),
            "provider_id": str(session.scalar(sa.select(Provider.id).order_by(Provider.id))),
            "item_id": str(session.scalar(sa.select(sa.func.coalesce(sa.func.max(OutboxItem.id), 1)))),
            "action": "inaktivera",
        }


def test_every_staff_route_refuses_a_staff_member_without_its_roles(app, bankid_simulator):
    """Each staff route, with real ids in its address, asked for by a staff member holding none of its
    roles: the 403 page and an audit event naming the route; nothing is done."""
    clients, staff_ids = _one_role_staff(app, bankid_simulator)
    tokens = {
        role: csrf_from(client.get("/handlaggare/start", follow_redirects=True).text)
        for role, client in clients.items()
    }
    values = _real_ids(app)
    tried = 0
    for rule in _staff_rules(app):
        view = app.view_functions[rule.endpoint]
        roles = getattr(view, STAFF_ROLES_ATTR)
        if ANY_STAFF in roles:
            continue
        missing = set(rule.arguments) - set(values)
        assert not missing, f"add a real id for {sorted(missing)} ({rule.rule})"
        path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", lambda m: values[m.group(1)], rule.rule)
        outsider = next(role for role in ROLES if role not in roles)
        client = clients[outsider]
        for method in sorted(rule.methods & {"GET", "POST"}):
            with app.app_context(), all_municipalities():
                before = get_session().scalar(sa.select(sa.func.max(AuditEvent.id)))
            if method == "GET":
                response = client.get(path)
            else:
                response = client.post(path, data={"csrf_token": tokens[outsider]})
            tried += 1
            if method == "GET" and getattr(view, STAFF_OTHERS_TO_ATTR, None) is not None:
                # The workspace's address sends them to their own start page instead.
                assert response.status_code == 302, path
                assert response.headers["Location"] != path
                continue
            assert response.status_code == 403, f"{method} {path} as {outsider}: {response.status_code}"
            with app.app_context(), all_municipalities():
                event = get_session().scalar(
                    sa.select(AuditEvent).where(AuditEvent.id > (before or 0)).order_by(AuditEvent.id)
                )
            assert event is not None, f"{method} {path}: no audit event"
            assert (event.action, event.actor_id, event.object_id) == (
                "access_denied",
                staff_ids[outsider],
                rule.endpoint,
            )
    assert tried > 30


def test_the_staff_navigation_shows_what_the_roles_open(app, bankid_simulator):
    from portal.staff.views import STAFF_NAVIGATION

    clients, _ids = _one_role_staff(app, bankid_simulator)
    with app.test_request_context():
        from flask import url_for

        links = {endpoint: url_for(endpoint) for endpoint, _label in STAFF_NAVIGATION}
    for role, client in clients.items():
        page = client.get("/handlaggare/start", follow_redirects=True)
        assert page.status_code == 200, role
        header = page.text.split("</header>")[0]
        shown = {endpoint for endpoint, url in links.items() if f'href="{url}"' in header}
        expected = {
            endpoint
            for endpoint, _label in STAFF_NAVIGATION
            if role in getattr(app.view_functions[endpoint], STAFF_ROLES_ATTR)
        }
        assert shown == expected, role
        for endpoint in expected:
            assert client.get(links[endpoint]).status_code == 200, (role, endpoint)
