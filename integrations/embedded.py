"""The embedded adapter: the portal's own staff workspace is the case system.

Delivery needs no network: the application is already in the portal's database, so accepting it is
confirming it, with the portal's case number as the reference.
"""

from __future__ import annotations

from integrations import registry
from integrations.base import Adapter, Delivery, DeliveryResult, PermanentError


@registry.register("embedded")
class EmbeddedAdapter(Adapter):
    id = "embedded"
    label = "The portal's own staff workspace"

    def deliver(self, delivery: Delivery) -> DeliveryResult:
        # An application, or the citizen's choice of utförare (kundval) for a granted insats.
        if delivery.topic not in ("application.submitted", "provider.chosen"):
            raise PermanentError(f"the embedded case system does not take {delivery.topic}")
        case_number = delivery.payload.get("case_number")
        if not isinstance(case_number, str):
            raise PermanentError(f"{delivery.topic} without a case number")
        return DeliveryResult(external_ref=case_number)
