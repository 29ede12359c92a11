"""The request side of an OpenID login, shared by the citizen (/logga-in) and staff (/handlaggare) logins:
the provider from the URL, the rate limit, the redirect, and a failed callback turned into a page."""

from __future__ import annotations

import logging
from collections.abc import Callable

from flask import abort, g, url_for
from flask.typing import ResponseReturnValue

from portal.access import current_actor
from portal.auth import logins, oidc, protection

log = logging.getLogger(__name__)

# (message, status) -> the login page of the area, with the message.
LoginPage = Callable[[object, int], ResponseReturnValue]


def provider_or_404(provider_id: str, audience: str) -> oidc.Provider:
    provider = oidc.get_provider(provider_id, audience, g.municipality.slug)
    if provider is None:
        abort(404)
    return provider


def begin(provider: oidc.Provider, callback_endpoint: str, login_page: LoginPage) -> ResponseReturnValue:
    """The redirect to the provider, unless the client is over its limit or the provider cannot be reached."""
    refused = protection.check_client(g.municipality.id)
    if refused is not None:
        return refused
    try:
        return oidc.start(provider, url_for(callback_endpoint, provider_id=provider.id, _external=True))
    except oidc.LoginFailed as failure:
        logins.login_failed(
            g.municipality,
            current_actor(),
            method=oidc.method_id(provider),
            reason=failure.reason,
            staff=provider.audience == "staff",
        )
        return login_page(protection.OIDC_FAILURES[failure.reason], 503)


def finish(
    provider: oidc.Provider, login_page: LoginPage, *, require_personal_number: bool
) -> oidc.Identity | ResponseReturnValue:
    """The callback: the verified identity, or the login page saying why there is none (audited)."""
    try:
        return oidc.complete(provider, require_personal_number=require_personal_number)
    except oidc.LoginFailed as failure:
        log.warning("%s OIDC login through %s refused: %s", provider.audience, provider.id, failure.detail)
        logins.login_failed(
            g.municipality,
            current_actor(),
            method=oidc.method_id(provider),
            reason=failure.reason,
            staff=provider.audience == "staff",
        )
        status = 200 if failure.reason == "cancelled" else 400
        return login_page(protection.OIDC_FAILURES[failure.reason], status)
