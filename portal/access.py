"""Who may use a route. Every view declares it; a test fails for a route that does not.

``public``: anyone. ``citizen_required``: a logged-in person (later issues add staff roles and API clients).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from flask import g, redirect, request, url_for

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
            from flask import session

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


def staff_required(view: F) -> F:
    """A logged-in staff member (handläggare, utförare or administratör); object checks are the view's."""

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if getattr(g, "staff", None) is None:
            return redirect(url_for("staff.login"))
        return view(*args, **kwargs)

    setattr(wrapper, ACCESS_ATTR, "staff")
    return wrapper  # type: ignore[return-value]
