"""OpenID Connect as a login method: the providers of ``PORTAL_OIDC_PROVIDERS`` (e-ID brokers for
citizens, identity providers for staff) and, with ``PORTAL_OIDC_DEMO``, the local demo providers.

The method reads and checks its own settings (``from_settings``): malformed provider settings stop the
start, and production refuses a provider whose discovery is not over https. Its routes are the start
(a link, not a form: it changes nothing here, and a form's redirect to another site would be stopped by
the Content-Security-Policy's form-action; the state authlib keeps stops login CSRF) and the callback.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from authlib.integrations.flask_client import OAuth
from flask import Blueprint, Flask
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext as _l

from portal.access import public
from portal.auth import oidc, oidc_flow
from portal.auth.methods import registry
from portal.auth.methods.base import Audience, LoginMethod
from portal.auth.oidc import DEMO_CLIENT_SECRET, LOA2_ACR, LOA3_ACR, PNR_SCOPE, Provider
from portal.config import Config, ConfigError
from portal.db import decides_on_get

if TYPE_CHECKING:
    from portal.municipalities.models import Municipality

_FIELDS = set(Provider.__dataclass_fields__)


def parse_providers(raw: str) -> list[Provider]:
    """``PORTAL_OIDC_PROVIDERS``: a JSON list of providers, or the path of a file holding one."""
    raw = raw.strip()
    if not raw:
        return []
    text = raw if raw.startswith("[") else Path(raw).read_text(encoding="utf-8")
    try:
        items = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ConfigError(f"PORTAL_OIDC_PROVIDERS is not valid JSON: {exc}") from exc
    providers = []
    for item in items:
        unknown = set(item) - _FIELDS
        if unknown:
            raise ConfigError(f"unknown OIDC provider settings: {', '.join(sorted(unknown))}")
        for key in ("personal_number_claims", "municipalities"):
            if key in item:
                item[key] = tuple(item[key])
        provider = Provider(**item)
        if provider.audience not in {"citizen", "staff"}:
            raise ConfigError(f"OIDC provider {provider.id}: audience must be citizen or staff")
        providers.append(provider)
    if len({p.id for p in providers}) != len(providers):
        raise ConfigError("OIDC provider ids must be unique")
    return providers


def demo_providers(config: Config) -> list[Provider]:
    """The local demo provider that ``portal serve`` starts (portal/demo/oidc/provider.mjs)."""
    base = config.oidc_demo_url.rstrip("/")
    discovery = f"{base}/.well-known/openid-configuration"
    return [
        Provider(
            id="demo",
            name="Demo-e-legitimation (OIDC)",
            discovery_url=discovery,
            client_id="medborgarvy-demo",
            client_secret=DEMO_CLIENT_SECRET,
            # Asking for the levels makes the provider state the one used (acr) in the ID token.
            acr_values=f"{LOA3_ACR} {LOA2_ACR}",
        ),
        Provider(
            id="demo-staff",
            name="Kommunens inloggning (demo, OIDC)",
            discovery_url=discovery,
            client_id="medborgarvy-demo-staff",
            client_secret=DEMO_CLIENT_SECRET,
            audience="staff",
            scope="openid profile staff " + PNR_SCOPE,
            default_loa="loa3",
            provision=True,
        ),
    ]


@registry.register("oidc")
class OIDCMethod(LoginMethod):
    id = "oidc"
    label = _l("Other e-IDs")

    def __init__(self, configured: list[Provider], demo: list[Provider]) -> None:
        self.configured = configured  # PORTAL_OIDC_PROVIDERS
        self.providers = [*demo, *configured]

    @classmethod
    def from_settings(cls, config: Config) -> OIDCMethod:
        return cls(parse_providers(config.oidc_providers), demo_providers(config) if config.oidc_demo else [])

    def production_problems(self, config: Config) -> list[str]:
        if any(not p.discovery_url.startswith("https://") for p in self.configured):
            return ["PORTAL_OIDC_PROVIDERS: set an https:// discovery_url for every provider"]
        return []

    def init_app(self, app: Flask) -> None:
        oauth = OAuth(app)
        for provider in self.providers:
            oauth.register(
                provider.id,
                client_id=provider.client_id,
                client_secret=provider.client_secret,
                server_metadata_url=provider.discovery_url,
                client_kwargs={
                    "scope": provider.scope,
                    "code_challenge_method": "S256",
                    "timeout": 10,
                },
            )
        app.extensions["oidc_providers"] = {p.id: p for p in self.providers}
        app.extensions["oidc_oauth"] = oauth

    def page_context(self, audience: Audience, municipality: Municipality) -> dict[str, Any]:
        return {"oidc_providers": oidc.providers_for(audience.name, municipality.slug)}

    @classmethod
    def add_routes(cls, bp: Blueprint, audience: Audience) -> None:
        @public
        def oidc_start(provider_id: str) -> ResponseReturnValue:
            provider = oidc_flow.provider_or_404(provider_id, audience.name)
            return oidc_flow.begin(provider, ".oidc_callback", audience.login_page)

        @decides_on_get
        @public
        def oidc_callback(provider_id: str) -> ResponseReturnValue:
            provider = oidc_flow.provider_or_404(provider_id, audience.name)
            identity = oidc_flow.finish(
                provider, audience.login_page, require_personal_number=audience.requires_personal_number
            )
            if not isinstance(identity, oidc.Identity):
                return identity
            return audience.finish_oidc(provider, identity)

        bp.add_url_rule("/logga-in/oidc/<provider_id>", "oidc_start", oidc_start, methods=["GET"])
        bp.add_url_rule(
            "/logga-in/oidc/<provider_id>/callback", "oidc_callback", oidc_callback, methods=["GET"]
        )
