"""The JSON Schema pieces the API's routes share: text without control characters, dates, times, the
portal's statuses and a file in base64."""

from __future__ import annotations

from portal.api import openapi
from portal.config import Config

# --- schemas ------------------------------------------------------------------------------------------

# No control characters (PostgreSQL refuses NUL in text; the rest have no place in what a citizen reads).
# Multi-line text may have tabs and line breaks.
LINE = r"^[^\x00-\x1f\x7f]*$"
TEXT = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$"
# What an installation accepts per file may be less (PORTAL_UPLOAD_MAX_BYTES): refused then with 422 too.
DEFAULT_UPLOAD_MAX_BYTES = Config.upload_max_bytes
# Base64 with padding (RFC 4648 §4), as b64decode(validate=True) takes it: whole groups of four. The end
# is "nothing follows" rather than "$", which Python's re (and so some schema tools) also lets match
# before a final line break.
BASE64 = r"^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?(?![\s\S])"


def base64_length(max_bytes: int) -> int:
    """The length of the base64 text of ``max_bytes`` bytes."""
    return 4 * -(-max_bytes // 3)


CASE_NUMBER: openapi.Schema = {
    "type": "string",
    "description": "The portal's case number, e.g. K7MR-4TXA.",
    "pattern": "^[A-Za-z0-9-]{1,20}$",
}
TIMESTAMP = {"type": "string", "format": "date-time"}
DATE = {"type": "string", "format": "date"}
STATUS = {
    "type": "string",
    "enum": ["submitted", "received", "investigating", "supplement_requested", "decided", "closed"],
}


def file_properties(max_bytes: int) -> openapi.Schema:
    """A file sent as JSON: its name and its bytes in base64, at most ``max_bytes`` of them (more is
    refused by the schema, before decoding)."""
    return {
        "filename": {"type": "string", "minLength": 1, "maxLength": 255, "pattern": LINE},
        "content_base64": {
            "type": "string",
            "minLength": 4,
            "maxLength": base64_length(max_bytes),
            "pattern": BASE64,
            "contentEncoding": "base64",
            "description": f"The bytes (at most {max_bytes // (1024 * 1024)} MB), base64 with padding. "
            "Checked by content: PDF, JPEG, PNG, HEIC/HEIF.",
        },
    }


DOCUMENT: openapi.Schema = {
    "title": "Document",
    "type": "object",
    "required": ["id", "kind", "title", "filename", "media_type", "size", "sha256", "created_at"],
    "properties": {
        "id": {"type": "string", "format": "uuid"},
        "kind": {"type": "string"},
        "title": {"type": "string"},
        "filename": {"type": "string"},
        "media_type": {"type": "string"},
        "size": {"type": "integer"},
        "sha256": {"type": "string"},
        "created_at": TIMESTAMP,
    },
}
