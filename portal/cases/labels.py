"""Plain-language portal statuses (DESIGN.md) as the citizen reads them, with what happens next."""

from flask_babel import lazy_gettext as _l

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
