"""OpenID Connect login through e-ID brokers (Freja, Sweden Connect, Idura, Signicat) and staff identity
providers (Entra ID, a SITHS broker), with authlib.

authlib does the protocol: discovery, the authorization code flow with PKCE (S256), state and nonce kept
in the signed session, the code exchange, and the ID token's signature, issuer, audience, expiry and nonce.
This module adds what a Swedish public-sector portal needs on top: which providers a municipality offers,
the personnummer from a configurable claim (from userinfo when the ID token lacks it), the level of
assurance from ``acr``, and failures sorted into a few reasons a citizen can be told about. The login
method (its settings, the configured providers, the routes) is ``portal.auth.methods.oidc``.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from authlib.common.errors import AuthlibBaseError
from authlib.integrations.base_client.errors import MismatchingStateError, OAuthError
from flask import current_app
from flask_babel import get_locale
from joserfc.errors import JoseError

from portal.accounts.personnummer import InvalidPersonnummer, Personnummer, parse

log = logging.getLogger(__name__)

PNR_CLAIM = "https://id.oidc.se/claim/personalIdentityNumber"
COORDINATION_CLAIM = "https://id.oidc.se/claim/coordinationNumber"
PNR_SCOPE = "https://id.oidc.se/scope/naturalPersonNumber"

# acr values of the Swedish trust framework (DIGG, "Tillitsramverket för Svensk e-legitimation") and
# of eIDAS, mapped to the portal's levels. BankID and Freja eID+ are LoA3.
LOA_BY_ACR = {
    "http://id.elegnamnden.se/loa/1.0/loa2": "loa2",
    "http://id.elegnamnden.se/loa/1.0/loa3": "loa3",
    "http://id.elegnamnden.se/loa/1.0/loa4": "loa4",
    "http://id.elegnamnden.se/loa/1.0/eidas-low": "loa2",
    "http://id.elegnamnden.se/loa/1.0/eidas-sub": "loa3",
    "http://id.elegnamnden.se/loa/1.0/eidas-high": "loa4",
    "http://eidas.europa.eu/LoA/low": "loa2",
    "http://eidas.europa.eu/LoA/substantial": "loa3",
    "http://eidas.europa.eu/LoA/high": "loa4",
}
LOA2_ACR = "http://id.elegnamnden.se/loa/1.0/loa2"
LOA3_ACR = "http://id.elegnamnden.se/loa/1.0/loa3"
LOA_RANK = {"loa1": 1, "loa2": 2, "loa3": 3, "loa4": 4}

DEMO_CLIENT_SECRET = "demo-only-oidc-secret"  # noqa: S105 - the local demo provider's, refused in production


def loa_at_least(loa: str, required: str) -> bool:
    return LOA_RANK.get(loa, 0) >= LOA_RANK.get(required, 99)


@dataclass(frozen=True)
class Provider:
    """One configured OpenID provider. ``audience`` is "citizen" or "staff": a provider serves one."""

    id: str
    name: str
    discovery_url: str
    client_id: str
    client_secret: str
    audience: str = "citizen"
    scope: str = f"openid profile {PNR_SCOPE}"
    personal_number_claims: tuple[str, ...] = (PNR_CLAIM, COORDINATION_CLAIM)
    # The level when the provider sends no acr the portal knows; an unknown acr never raises the level.
    default_loa: str = "loa2"
    acr_values: str = ""  # asked for in the authorization request, e.g. the loa3 URI
    municipalities: tuple[str, ...] = ()  # slugs; empty: every municipality of the installation
    # Staff: where roles, unit and provider are found, and how the provider's role names map to ours.
    roles_claim: str = "roles"
    unit_claim: str = "unit"
    provider_claim: str = "provider"
    role_map: Mapping[str, str] = field(default_factory=dict)
    # Staff: create or update the staff account from the claims at login (else only existing accounts).
    provision: bool = False

    def offered_in(self, slug: str) -> bool:
        return not self.municipalities or slug in self.municipalities


# A login's method is "oidc:<provider id>" (LoginSession.method).
METHOD_PREFIX = "oidc:"


def method_id(provider: Provider) -> str:
    return f"{METHOD_PREFIX}{provider.id}"


def login_provider(method: str) -> Provider | None:
    """The configured provider a login with ``method`` went through; None for other logins."""
    if not method.startswith(METHOD_PREFIX):
        return None
    providers: dict[str, Provider] = current_app.extensions["oidc_providers"]
    return providers.get(method.removeprefix(METHOD_PREFIX))


def providers_for(audience: str, slug: str) -> list[Provider]:
    return [
        p
        for p in current_app.extensions["oidc_providers"].values()
        if p.audience == audience and p.offered_in(slug)
    ]


def get_provider(provider_id: str, audience: str, slug: str) -> Provider | None:
    provider = current_app.extensions["oidc_providers"].get(provider_id)
    if provider is None or provider.audience != audience or not provider.offered_in(slug):
        return None
    return provider


def client(provider: Provider) -> Any:
    return current_app.extensions["oidc_oauth"].create_client(provider.id)


# --- completing a login ------------------------------------------------------------------------------------


class LoginFailed(Exception):
    """A login that must not give a session. ``reason`` is one of REASONS (said to the user in words)."""

    REASONS = ("cancelled", "state", "provider", "token", "personal_number", "userinfo")

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


@dataclass
class Identity:
    subject: str
    claims: dict[str, Any]
    loa: str
    id_token: str
    personal_number: Personnummer | None

    @property
    def given_name(self) -> str:
        return str(self.claims.get("given_name") or "")

    @property
    def family_name(self) -> str:
        return str(self.claims.get("family_name") or "")

    @property
    def name(self) -> str:
        return str(self.claims.get("name") or f"{self.given_name} {self.family_name}".strip())


def complete(provider: Provider, *, require_personal_number: bool) -> Identity:
    """Finish the authorization code flow on the callback request, or raise LoginFailed."""
    oauth_client = client(provider)
    try:
        token = oauth_client.authorize_access_token()
    except MismatchingStateError as exc:
        raise LoginFailed("state", "state missing, reused or from another browser") from exc
    except OAuthError as exc:
        if exc.error in {"access_denied", "login_required", "interaction_required"}:
            raise LoginFailed("cancelled", exc.error) from exc
        raise LoginFailed("provider", f"{exc.error}: {exc.description}") from exc
    except (JoseError, AuthlibBaseError, ValueError) as exc:
        # Bad signature, wrong issuer or audience, expired, or a nonce that is not ours.
        raise LoginFailed("token", f"{type(exc).__name__}: {exc}") from exc
    except Exception as exc:  # httpx errors and the like: the provider could not be reached
        log.exception("OIDC provider %s failed during the code exchange", provider.id)
        raise LoginFailed("provider", type(exc).__name__) from exc
    userinfo = token.get("userinfo")
    if "id_token" not in token or userinfo is None:
        # authlib validates the ID token only with a nonce; a response without one is not accepted.
        raise LoginFailed("token", "no validated ID token")
    claims = dict(userinfo)
    numbers = [claims.get(name) for name in provider.personal_number_claims]
    if not any(numbers):
        try:
            extra = dict(oauth_client.userinfo(token=token))
        except Exception as exc:
            raise LoginFailed("userinfo", type(exc).__name__) from exc
        if extra.get("sub") != claims.get("sub"):
            # OpenID Connect Core 5.3.2: userinfo for another subject must not be used.
            raise LoginFailed("userinfo", "userinfo sub differs from the ID token's")
        claims = {**extra, **claims}
        numbers = [claims.get(name) for name in provider.personal_number_claims]
    personal_number = None
    raw_number = next((str(n) for n in numbers if n), "")
    if raw_number:
        try:
            personal_number = parse(raw_number)
        except InvalidPersonnummer as exc:
            raise LoginFailed("personal_number", "not a valid personnummer") from exc
    if personal_number is None and require_personal_number:
        raise LoginFailed("personal_number", "no personnummer claim")
    acr = str(claims.get("acr") or "")
    return Identity(
        subject=str(claims["sub"]),
        claims=claims,
        loa=LOA_BY_ACR.get(acr, provider.default_loa),
        id_token=str(token["id_token"]),
        personal_number=personal_number,
    )


def start(provider: Provider, redirect_uri: str, **params: Any) -> Any:
    """The redirect to the provider's authorization endpoint (state, nonce and PKCE kept in the session);
    ``params`` go into the request (e.g. a nonce of one's own, prompt, max_age)."""
    extra: dict[str, Any] = {"ui_locales": str(get_locale() or "sv")}
    if provider.acr_values:
        extra["acr_values"] = provider.acr_values
    extra.update(params)
    try:
        return client(provider).authorize_redirect(redirect_uri, **extra)
    except Exception as exc:  # discovery failed: the provider is down or misconfigured
        log.exception("OIDC provider %s: could not start a login", provider.id)
        raise LoginFailed("provider", type(exc).__name__) from exc


@dataclass
class ProviderLogout:
    """RP-initiated logout: a link to the provider's end-session endpoint. It names the client, not the
    ID token, so no token goes into a URL; a link (not a form post) so the provider's own SameSite
    cookie comes along and its session can be found."""

    provider_name: str
    url: str


def logout_link(provider: Provider, post_logout_redirect_uri: str) -> ProviderLogout | None:
    """The provider's end-session link, or None when it has no end-session endpoint."""
    try:
        metadata = client(provider).load_server_metadata()
    except Exception:
        log.warning("OIDC provider %s: discovery failed at logout", provider.id)
        return None
    endpoint = metadata.get("end_session_endpoint")
    if not endpoint:
        return None
    query = urlencode(
        {
            "client_id": provider.client_id,
            "post_logout_redirect_uri": post_logout_redirect_uri,
            "ui_locales": str(get_locale() or "sv"),
        }
    )
    return ProviderLogout(provider.name, f"{endpoint}{'&' if '?' in endpoint else '?'}{query}")
