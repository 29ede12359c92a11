"""Who may use a route. Every view declares it; a test fails for a route that does not.

``public``: anyone. ``citizen_required``: a logged-in person. ``staff_required(*roles)``: a logged-in staff
member holding one of the roles the route declares; the staff navigation reads the same declaration
(``can_open``, ``navigation``). The API declares its own (``portal.api``).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, NoReturn, TypeVar

from flask import current_app, g, has_request_context, redirect, request, session, url_for

from portal.actor import SYSTEM, Actor, ActorKind
from portal.domain_errors import Forbidden
from portal.staff.models import ROLES

F = TypeVar("F", bound=Callable[..., Any])

ACCESS_ATTR = "_portal_access"


def public(view: F) -> F:
    setattr(view, ACCESS_ATTR, "public")
    return view


def citizen_required(view: F) -> F:
    """A logged-in person. A view may name ``save_after_expiry(person, **kwargs)``: a form posted from a
    page whose login the idle limit has just ended is saved through it before the login page, so what
    was typed is never lost (the warning on the page needs JavaScript; this does not)."""

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if getattr(g, "person", None) is None:
            # Remember where the citizen was going; only a path on this site, never a full URL.
            if request.method == "GET":
                session["next"] = request.script_root + request.full_path.rstrip("?")
            expired = g.get("expired_login")
            saver = getattr(wrapper, "save_after_expiry", None)
            if (
                request.method == "POST"
                and expired is not None
                and saver is not None
                and saver(expired.person, *args, **kwargs)
            ):
                session["next"] = request.script_root + request.path
            return redirect(url_for("auth.login"))
        return view(*args, **kwargs)

    setattr(wrapper, ACCESS_ATTR, "citizen")
    return wrapper  # type: ignore[return-value]


# The any-staff marker: pages every staff member uses whatever their roles (log out, the start page).
ANY_STAFF = "any staff"
STAFF_ROLES_ATTR = "_portal_staff_roles"
STAFF_OTHERS_TO_ATTR = "_portal_staff_others_to"


def holds(staff: Any, role: str) -> bool:
    """Whether a staff member holds ``role`` now. An utförare needs the provider they work for: without
    one there is nothing of theirs to see."""
    if role == ANY_STAFF:
        return True
    if role == "utforare":
        return staff.has_role("utforare") and staff.provider_id is not None
    return bool(staff.has_role(role))


def staff_roles(endpoint: str) -> frozenset[str]:
    """The roles a staff route declares (empty for a route that is no staff route)."""
    view = current_app.view_functions.get(endpoint)
    return getattr(view, STAFF_ROLES_ATTR, frozenset())


def can_open(endpoint: str, staff: Any = None) -> bool:
    """Whether the staff member (by default the one of this request) may open the route: what the
    navigation shows reads the same declaration as the decorator that enforces it."""
    staff = staff if staff is not None else g.get("staff")
    return staff is not None and any(holds(staff, role) for role in staff_roles(endpoint))


@dataclass(frozen=True)
class NavLink:
    url: str
    label: str


def navigation(entries: Iterable[tuple[str, Any]], staff: Any = None) -> list[NavLink]:
    """The links of ``entries`` ((endpoint, label) pairs) the staff member (by default the one of this
    request) may open, in their order: none for someone who is no staff member."""
    staff = staff if staff is not None else g.get("staff")
    if staff is None:
        return []
    return [NavLink(url_for(endpoint), label) for endpoint, label in entries if can_open(endpoint, staff)]


def staff_required(*roles: str, others_to: Callable[[Any], str] | None = None) -> Callable[[F], F]:
    """A logged-in staff member holding one of ``roles`` (or ``ANY_STAFF``); object checks are the view's.

    Someone not logged in as staff goes to the staff login; a staff member without the role gets the 403
    page and an ``access_denied`` audit event naming the route. ``others_to`` is for an entry page only
    (the staff workspace's address): a staff member without the role who opens it is sent to the address
    ``others_to(staff)`` gives (their own start page) instead.
    """
    if not roles or any(not isinstance(role, str) for role in roles):
        raise TypeError("staff_required needs the roles: @staff_required('handlaggare') or ANY_STAFF")
    unknown = set(roles) - {*ROLES, ANY_STAFF}
    if unknown:
        raise ValueError(f"unknown staff roles: {sorted(unknown)}")
    declared = frozenset(roles)

    def decorate(view: F) -> F:
        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            staff = getattr(g, "staff", None)
            if staff is None:
                return redirect(url_for("staff.login"))
            if not any(holds(staff, role) for role in declared):
                if others_to is not None and request.method == "GET":
                    return redirect(others_to(staff))
                _refuse(staff, declared)
            return view(*args, **kwargs)

        setattr(wrapper, ACCESS_ATTR, "staff")
        setattr(wrapper, STAFF_ROLES_ATTR, declared)
        setattr(wrapper, STAFF_OTHERS_TO_ATTR, others_to)
        return wrapper  # type: ignore[return-value]

    return decorate


def _refuse(staff: Any, roles: frozenset[str]) -> NoReturn:
    # 403 and an access_denied event, recorded after the request is rolled back (portal.errors).
    raise Forbidden(
        audit_action="access_denied",
        actor_kind="staff",
        object_type="route",
        object_id=request.endpoint or "",
        required_roles=sorted(roles),
        roles=list(staff.roles or []),
        # Which object the route was asked for (ids, never a personnummer: none are in staff URLs).
        target={key: str(value) for key, value in (request.view_args or {}).items()},
    )


def current_actor(kind: ActorKind = "person") -> Actor:
    """The actor of this request, for services and audit events: the logged-in person (and whom they act
    for), the staff member, the API client, or no one (``anonymous``); with the municipality of the request
    and the client's address. Built here, on the view side, so that services never read ``g`` or
    ``request``."""
    if not has_request_context():
        return SYSTEM
    municipality = g.get("municipality")
    municipality_id = municipality.id if municipality is not None else None
    ip = request.remote_addr or ""
    if kind == "staff":
        staff = g.get("staff")
        return Actor("staff", staff.id if staff is not None else None, None, municipality_id, ip)
    if kind == "api":
        client = g.get("api_client")
        if client is not None:
            return Actor("api", client.id, None, client.municipality_id, ip)
        return Actor("api", None, None, municipality_id, ip)
    if kind == "person":
        person = g.get("person")
        if person is not None:
            acting_for = g.get("acting_for")
            return Actor(
                "person", person.id, acting_for.id if acting_for is not None else None, municipality_id, ip
            )
    return Actor("anonymous", None, None, municipality_id, ip)
