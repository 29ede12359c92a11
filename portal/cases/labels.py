"""Plain-language portal statuses (DESIGN.md) as the citizen reads them, with what happens next; what the case
pages show of a case and its timeline (the templates display what these give)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import escape

from portal.i18n import format_day
from portal.text import as_written

if TYPE_CHECKING:
    from portal.cases.models import Case, CaseEvent

STATUS_LABELS = {
    "submitted": _l("Sent"),
    "received": _l("Received by the municipality"),
    "investigating": _l("Being investigated"),
    "supplement_requested": _l("More information requested"),
    "decided": _l("Decision made"),
    "closed": _l("Closed"),
}

NEXT_STEPS = {
    "submitted": _l("Your application is on its way to the social services. You do not need to do anything."),
    "received": _l(
        "The social services have received your application. A case officer will look at it and contact you "
        "if anything is missing."
    ),
    "investigating": _l(
        "A case officer is investigating your application. "
        "They may call you or ask for more information here."
    ),
    "supplement_requested": _l(
        "The case officer needs more information from you. Answer the request so that your case can go on."
    ),
    "decided": _l("A decision has been made. Read it, and how to appeal if you do not agree."),
    "closed": _l("The case is closed. You can still read its documents here."),
}

# Usual processing times per case type, shown as a guide (the municipality's own figures in a later issue).
PROCESSING_TIMES = {
    "ekonomiskt_bistand": _l("Usually within 2 weeks"),
    "hemtjanst_sol": _l("Usually within 3 weeks"),
    "personlig_assistans_lss": _l("Usually within 3 months"),
    "dodsboanmalan": _l("Usually within 4 weeks"),
}
# While a case is in one of these statuses the citizen sees its type's usual processing time.
PROCESSING_STATUSES = ("submitted", "received", "investigating")

OUTCOME_LABELS = {
    "granted": _l("Granted"),
    "partly_granted": _l("Partly granted"),
    "rejected": _l("Rejected"),
}

EVENT_LABELS = {
    "decision": _l("A decision was made"),
    "supplement_requested": _l("The case officer asked for more information"),
    "supplement_answered": _l("You answered the request for more information"),
    "submitted": _l("You sent the application"),
    "received": _l("The municipality received the application"),
    "status_changed": _l("The status changed"),
    "document_added": _l("A document was added"),
    "provider_chosen": _l("A care provider was chosen"),
}


def processing_time(case: Case) -> str | None:
    """The usual processing time of the case's type while it is being processed (PROCESSING_STATUSES);
    None after that, or for a type without one."""
    if case.status not in PROCESSING_STATUSES:
        return None
    time = PROCESSING_TIMES.get(case.case_type)
    return str(time) if time is not None else None


def _day(value: object) -> str:
    try:
        return format_day(dt.date.fromisoformat(str(value)))
    except ValueError:
        return str(value or "")


def timeline_title(event: CaseEvent, *, citizen: bool = True) -> str:
    """What a timeline entry is called: the new status by name, the care provider the citizen chose (on
    the citizen's own timeline), else the kind of event."""
    detail = event.detail or {}
    new_status = detail.get("new")
    if event.kind == "status_changed" and isinstance(new_status, str) and new_status in STATUS_LABELS:
        return _("New status: %(status)s", status=STATUS_LABELS[new_status])
    if citizen and event.kind == "provider_chosen" and detail.get("provider"):
        # The provider's name as written (marked Swedish on a page in another language), the day the one
        # way of the page's language.
        text = escape(_("You chose %(name)s as care provider from %(date)s"))
        return text % {"name": as_written(detail["provider"]), "date": _day(detail.get("effective_date"))}
    return str(EVENT_LABELS.get(event.kind, event.kind))
