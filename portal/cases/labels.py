"""Plain-language portal statuses (DESIGN.md), as the citizen reads them."""

from flask_babel import lazy_gettext as _l

STATUS_LABELS = {
    "submitted": _l("Sent"),
    "received": _l("Received by the municipality"),
    "investigating": _l("Being investigated"),
    "supplement_requested": _l("More information requested"),
    "decided": _l("Decision made"),
    "closed": _l("Closed"),
}
