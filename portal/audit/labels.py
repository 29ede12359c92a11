"""What audit actions mean, in words staff read on a case's log."""

from flask_babel import lazy_gettext as _l

ACTION_LABELS = {
    "draft_created": _l("Started an application"),
    "application_signed": _l("Signed the application"),
    "application_submitted": _l("Sent the application"),
    "application_read": _l("Read the application"),
    "case_received": _l("Delivered to the case system"),
    "case_read": _l("Read the case"),
    "case_assigned": _l("Assigned the case"),
    "case_status_changed": _l("Changed the status"),
    "case_note_added": _l("Wrote a note"),
    "supplement_requested": _l("Asked for more information"),
    "supplement_answered": _l("Answered the request for more information"),
    "decision_published": _l("Published a decision"),
    "decision_read": _l("Read the decision"),
    "document_read": _l("Opened a document"),
    "document_added": _l("Added a document"),
    "message_sent": _l("Sent a message"),
    "message_attachment_read": _l("Opened an attachment to a message"),
    "audit_log_read": _l("Read the log of the case"),
    "access_denied": _l("Was refused access"),
    "provider_chosen": _l("Chose a care provider (kundval)"),
}
