"""What a login method is, and what differs between the two audiences that log in (citizens, staff).

A login method (BankID, OpenID Connect) is a ``LoginMethod`` subclass in its own module, registered by id
in ``portal.auth.methods.registry``. It reads its own settings (``from_settings``), says what the login
page offers (``page_context``) and adds its routes to an audience's blueprint (``add_routes``): the
citizen login (/logga-in) and the staff login (/handlaggare/logga-in) are the same routes, generated once
per audience. An ``Audience`` supplies what differs: session keys, the login page, where to go after
login, and how an identity becomes a session (a person, or a staff account with its roles and unit).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from flask import Blueprint, Flask
from flask.typing import ResponseReturnValue

if TYPE_CHECKING:
    from portal.auth.models import BankIDOrder
    from portal.auth.oidc import Identity, Provider
    from portal.config import Config
    from portal.municipalities.models import Municipality


class Audience:
    """Who logs in through the generated routes: "citizen" or "staff" (an OpenID provider's audience)."""

    name: ClassVar[str]
    # The session key holding the login's token.
    session_key: ClassVar[str]
    # BankID: the session key of the order under way, the order's purpose_ref, the waiting page's heading,
    # and whether the returnUrl goes with a QR-code order too (not only with "BankID on this device").
    bankid_order_key: ClassVar[str]
    bankid_purpose_ref: ClassVar[str]
    bankid_heading: ClassVar[Any]
    bankid_return_url_always: ClassVar[bool]
    # OpenID: whether the identity must carry a personnummer.
    requires_personal_number: ClassVar[bool]

    def already_logged_in(self) -> str | None:
        """Where the login page sends someone already logged in for this audience, or None."""
        raise NotImplementedError

    def login_page(self, error: object = None, status: int = 200) -> ResponseReturnValue:
        raise NotImplementedError

    def bankid_offered(self, municipality: Municipality) -> bool:
        return True

    def bankid_form_invalid(self) -> ResponseReturnValue:
        raise NotImplementedError

    def bankid_start_failed(self, error_code: str | None, same_device: bool) -> ResponseReturnValue:
        raise NotImplementedError

    def finish_bankid(self, order: BankIDOrder) -> str | None:
        """Log in with a completed order; where to go, or None when the order cannot be used."""
        raise NotImplementedError

    def finish_oidc(self, provider: Provider, identity: Identity) -> ResponseReturnValue:
        raise NotImplementedError


class LoginMethod:
    """A way of logging in. ``from_settings`` builds the method from the installation's settings at
    start-up (malformed settings raise ``ConfigError``); the built methods are in
    ``app.extensions["login_methods"]`` by id."""

    id: ClassVar[str]
    label: ClassVar[Any]

    @classmethod
    def from_settings(cls, config: Config) -> LoginMethod:
        raise NotImplementedError

    def production_problems(self, config: Config) -> list[str]:
        """Settings production refuses, one line each naming the setting and what to set it to."""
        return []

    def init_app(self, app: Flask) -> None:
        """What the method needs of the app (e.g. OpenID clients)."""

    def page_context(self, audience: Audience, municipality: Municipality) -> dict[str, Any]:
        """What the audience's login page shows of this method."""
        return {}

    @classmethod
    def add_routes(cls, bp: Blueprint, audience: Audience) -> None:
        """Add the method's routes to the audience's blueprint (at import, before settings are read)."""
