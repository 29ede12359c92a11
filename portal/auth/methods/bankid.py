"""BankID (RP API v6.0) as a login method: the start form, the waiting page and its JSON, the QR code and
cancelling, for either audience (``bankid_flow.BankIDLogin`` does the shared part).

The RP API's own settings (``PORTAL_BANKID_*``: URL, certificates, the simulator) are read by the BankID
client, which signing uses too; the method reads none of its own. Staff may log in with BankID only where
the municipality allows it (``Municipality.staff_bankid_login``, the staff audience's rule).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from flask import Blueprint, abort, g, redirect, request, url_for
from flask.typing import ResponseReturnValue

from portal.access import public
from portal.auth import bankid_flow, protection, services
from portal.auth.forms import BankIDStartForm
from portal.auth.methods import registry
from portal.auth.methods.base import Audience, LoginMethod
from portal.db import decides_on_get

if TYPE_CHECKING:
    from portal.config import Config
    from portal.municipalities.models import Municipality


@registry.register("bankid")
class BankIDMethod(LoginMethod):
    id = "bankid"
    label = "BankID"  # a name, not translated

    @classmethod
    def from_settings(cls, config: Config) -> BankIDMethod:
        return cls()

    def page_context(self, audience: Audience, municipality: Municipality) -> dict[str, Any]:
        return {"bankid": audience.bankid_offered(municipality), "mobile_first": bankid_flow.is_mobile()}

    @classmethod
    def add_routes(cls, bp: Blueprint, audience: Audience) -> None:
        flow = bankid_flow.BankIDLogin(
            blueprint=bp.name,
            order_key=audience.bankid_order_key,
            purpose_ref=audience.bankid_purpose_ref,
            heading=audience.bankid_heading,
            finish=audience.finish_bankid,
        )

        @public
        def bankid_start() -> ResponseReturnValue:
            form = BankIDStartForm()
            if not audience.bankid_offered(g.municipality):
                abort(400)
            if not form.validate_on_submit():
                return audience.bankid_form_invalid()
            refused = protection.check_client(g.municipality.id)
            if refused is not None:
                return refused
            same_device = form.device.data == "same"
            wait_url = url_for(".bankid_wait", _external=True)
            result = services.start_order(
                municipality=g.municipality,
                end_user_ip=request.remote_addr or "127.0.0.1",
                same_device=same_device,
                return_url=wait_url if same_device or audience.bankid_return_url_always else None,
                purpose_ref=audience.bankid_purpose_ref,
            )
            if result.handle is None:
                return audience.bankid_start_failed(result.error_code, same_device)
            flow.remember(result.handle)
            return redirect(url_for(".bankid_wait"))

        @decides_on_get
        @public
        def bankid_wait() -> ResponseReturnValue:
            return flow.wait()

        @decides_on_get
        @public
        def bankid_status() -> ResponseReturnValue:
            return flow.status()

        @public
        def bankid_qr() -> ResponseReturnValue:
            return flow.qr()

        @public
        def bankid_cancel() -> ResponseReturnValue:
            return flow.cancel()

        bp.add_url_rule("/logga-in/bankid", "bankid_start", bankid_start, methods=["POST"])
        bp.add_url_rule("/logga-in/bankid", "bankid_wait", bankid_wait, methods=["GET"])
        bp.add_url_rule("/logga-in/bankid/status", "bankid_status", bankid_status, methods=["GET"])
        bp.add_url_rule("/logga-in/bankid/qr.svg", "bankid_qr", bankid_qr, methods=["GET"])
        bp.add_url_rule("/logga-in/bankid/avbryt", "bankid_cancel", bankid_cancel, methods=["POST"])
