"""The API's delivery routes: the case system acknowledges a delivery it has taken."""

from __future__ import annotations

from typing import Any

from flask import Response, g

from portal.access import current_actor
from portal.api import changes, openapi
from portal.api import services as api
from portal.api.openapi import operation
from portal.api.schemas import LINE
from portal.api.views import ApiProblem, _body, _once, _plain, api_client_required, bp
from portal.db import get_session

# --- deliveries -----------------------------------------------------------------------------------------

ACK: openapi.Schema = {
    "title": "DeliveryAck",
    "type": "object",
    "required": ["reference"],
    "additionalProperties": False,
    "properties": {
        "reference": {
            "type": "string",
            "minLength": 1,
            "maxLength": 100,
            "pattern": LINE,
            "description": "The case system's reference for what it took (for an application: the case).",
        }
    },
}
DELIVERY: openapi.Schema = {
    "title": "Delivery",
    "type": "object",
    "required": ["idempotency_key", "topic", "status", "delivered_at", "case_number", "reference"],
    "properties": {
        "idempotency_key": {"type": "string"},
        "topic": {"type": "string"},
        "status": {"type": "string"},
        "delivered_at": {"type": ["string", "null"], "format": "date-time"},
        "case_number": {"type": ["string", "null"]},
        "reference": {"type": "string"},
    },
}


@bp.post("/deliveries/<idempotency_key>/ack")
@operation(
    "Acknowledge a delivery",
    description="The case system has taken the outbox item with this idempotency key (as sent in the "
    "webhook's Idempotency-Key header or the filedrop document). The item counts as delivered; for an "
    "application the case becomes received, with the reference shown to the citizen.",
    tag="deliveries",
    path_params={
        "idempotency_key": {
            "type": "string",
            "minLength": 1,
            "maxLength": 100,
            "pattern": r"^[^/\x00-\x1f\x7f]+$",
            "description": "The delivered item's idempotency key, e.g. application:<uuid>.",
        }
    },
    request=ACK,
    responses={200: ("The delivery.", DELIVERY)},
    errors=(404,),
)
@api_client_required("deliveries:ack")
def acknowledge_delivery(idempotency_key: str) -> Response:
    data = _body(ACK)
    session = get_session()
    if not _plain(idempotency_key):
        raise ApiProblem(404, "There is no delivery with this key for the client's municipality.")

    def action() -> tuple[int, dict[str, Any]]:
        result = changes.acknowledge_delivery(
            session, g.api_client, current_actor("api"), idempotency_key, data["reference"]
        )
        if result is None:
            raise _NoSuchDelivery
        return result

    try:
        return _once(data, action)
    except _NoSuchDelivery:
        api.record_denied(session, g.api_client, current_actor("api"), "outbox_item", idempotency_key)
        raise ApiProblem(404, "There is no delivery with this key for the client's municipality.") from None


class _NoSuchDelivery(Exception):
    pass
