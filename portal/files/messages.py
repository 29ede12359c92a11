"""What a person is told when an upload is refused, one sentence per reason, the same on every page.

Pages add their own where the context says more (a decision must be a PDF; a size in MB); the API has its
own plain-English details for case systems (``API_DETAILS``).
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

UPLOAD_MESSAGES = {
    "empty": _l("The file is empty. Choose another file."),
    "too_large": _l("The file is too large. Choose a smaller file."),
    "type": _l("The file must be a PDF, JPG, PNG or a photo from a phone (HEIC)."),
    "corrupt": _l("The file could not be read. It may be damaged. Save it again or choose another file."),
    "encrypted": _l("The PDF is protected with a password. Save it without a password and try again."),
    "active": _l(
        "The PDF contains scripts, actions or attached files, which we do not accept for safety reasons. "
        "Print it to a new PDF or scan it, and try again."
    ),
    "quota_message": _l(
        "Too many or too large files for one message. Send fewer files, or send them in several messages."
    ),
    "quota_case": _l(
        "This case has received as many files as it can take. "
        "Contact the social services if you need to send more."
    ),
    "quota_day": _l("You have sent as many files as you can today. Try again tomorrow."),
}

# For case systems over the API: English, stable, no translation.
API_DETAILS = {
    "empty": "The file is empty.",
    "too_large": "The file is larger than the portal accepts.",
    "type": "The file must be a PDF, JPEG, PNG or HEIC/HEIF image (judged by its content).",
    "corrupt": "The file could not be read: it is damaged or not what its first bytes say.",
    "encrypted": "The PDF needs a password to open.",
    "active": "The PDF contains JavaScript, actions, embedded files, rich media or XFA; it is refused.",
    "quota_case": "The case holds as many files from the municipality as the portal accepts.",
    "quota_day": "This client has sent as many files today as the portal accepts in one day.",
    "quota_message": "Too many or too large files in one request.",
}


def pdf_upload_message(reason: str, must_be_pdf: object) -> str:
    """For an upload that must be a PDF: ``must_be_pdf`` for any other type, else the reason's own."""
    if reason in ("type", "not_pdf") or reason not in UPLOAD_MESSAGES:
        return str(must_be_pdf)
    return str(UPLOAD_MESSAGES[reason])
