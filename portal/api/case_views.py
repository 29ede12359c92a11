"""The API's case routes: read a case, report its status, add a document, publish a decision, write a
message, request a komplettering."""

from __future__ import annotations

from flask import Response, g

from portal.access import current_actor
from portal.api import body_schema, changes, openapi
from portal.api import services as api
from portal.api.openapi import operation
from portal.api.schemas import (
    CASE_NUMBER,
    DATE,
    DEFAULT_UPLOAD_MAX_BYTES,
    DOCUMENT,
    LINE,
    STATUS,
    TEXT,
    TIMESTAMP,
    file_properties,
)
from portal.api.views import _body, _case_or_404, _decoded, _json, _once, api_client_required, bp
from portal.db import get_session

# --- cases ----------------------------------------------------------------------------------------------

CASE: openapi.Schema = {
    "title": "Case",
    "type": "object",
    "required": [
        "case_number",
        "status",
        "external_ref",
        "eservice",
        "eservice_version",
        "case_type",
        "created_at",
        "received_at",
        "payload",
    ],
    "properties": {
        "case_number": {"type": "string"},
        "status": STATUS,
        "external_ref": {"type": "string", "description": "The case system's reference, once known."},
        "eservice": {"type": "string", "description": "The e-service applied through, e.g. hemtjanst."},
        "eservice_version": {"type": "integer"},
        "case_type": {"type": "string"},
        "created_at": TIMESTAMP,
        "received_at": {"type": ["string", "null"], "format": "date-time"},
        "payload": {"type": "object", "description": "The application as submitted (schema per e-service)."},
    },
}


@bp.get("/cases/<case_number>")
@operation(
    "Read a case and the application as submitted",
    path_params={"case_number": CASE_NUMBER},
    responses={200: ("The case.", CASE)},
    errors=(404,),
)
@api_client_required("cases:read")
def get_case(case_number: str) -> Response:
    case = _case_or_404(case_number)
    return _json(api.read_case(get_session(), g.api_client, current_actor("api"), case))


STATUS_REPORT: openapi.Schema = {
    "title": "StatusReport",
    "type": "object",
    "required": ["code"],
    "additionalProperties": False,
    "properties": {
        "code": {
            "type": "string",
            "minLength": 1,
            "maxLength": 100,
            "pattern": LINE,
            "description": "The case system's own status code, mapped by the client's status map.",
        },
        "reference": {
            "type": "string",
            "maxLength": 100,
            "pattern": LINE,
            "description": "The case system's reference for the case, shown to the citizen.",
        },
    },
}
STATUS_RESULT: openapi.Schema = {
    "title": "StatusResult",
    "type": "object",
    "required": ["case_number", "status", "previous_status", "changed", "external_ref"],
    "properties": {
        "case_number": {"type": "string"},
        "status": STATUS,
        "previous_status": STATUS,
        "changed": {"type": "boolean"},
        "external_ref": {"type": "string"},
    },
}


@bp.post("/cases/<case_number>/status")
@operation(
    "Report the case's status in the case system",
    description="The code is mapped through the client's status map to a portal status (an unknown code "
    "is refused with 422). A change shows on the citizen's timeline.",
    path_params={"case_number": CASE_NUMBER},
    request=STATUS_REPORT,
    responses={200: ("The case's status now.", STATUS_RESULT)},
    errors=(404,),
)
@api_client_required("cases:write")
def report_status(case_number: str) -> Response:
    data = _body(STATUS_REPORT)
    case = _case_or_404(case_number, to_change=True)
    return _once(
        data,
        lambda: changes.report_status(
            get_session(), g.api_client, current_actor("api"), case, data["code"], data.get("reference")
        ),
    )


NEW_DOCUMENT: openapi.Schema = {
    "title": "NewDocument",
    "type": "object",
    "required": ["kind", "title", "filename", "content_base64"],
    "additionalProperties": False,
    "properties": {
        "kind": {"type": "string", "enum": list(changes.DOCUMENT_KINDS)},
        "title": {"type": "string", "minLength": 1, "maxLength": 200, "pattern": LINE},
        **file_properties(DEFAULT_UPLOAD_MAX_BYTES),
    },
}


@bp.post("/cases/<case_number>/documents")
@operation(
    "Publish a document to the citizen",
    description="The file is checked by its content; a refused file gets 422 with the reason: type, "
    "corrupt, encrypted, active (a PDF with JavaScript, actions, embedded files or XFA), quota-case (the "
    "case holds as many files from the municipality as it takes). Text has its direction controls removed.",
    path_params={"case_number": CASE_NUMBER},
    request=NEW_DOCUMENT,
    responses={201: ("The document as stored.", DOCUMENT)},
    errors=(404,),
)
@api_client_required("cases:write")
def add_document(case_number: str) -> Response:
    data = _body(NEW_DOCUMENT)
    content = _decoded(data["content_base64"])
    case = _case_or_404(case_number, to_change=True)
    return _once(
        data,
        lambda: changes.add_document(
            get_session(),
            g.api_client,
            current_actor("api"),
            case,
            kind=data["kind"],
            title=data["title"],
            filename=data["filename"],
            content=content,
        ),
    )


NEW_DECISION: openapi.Schema = {
    "title": "NewDecision",
    "type": "object",
    "required": ["outcome", "motivation", "decided_at", "filename", "content_base64"],
    "additionalProperties": False,
    "properties": {
        "outcome": {"type": "string", "enum": list(changes.OUTCOMES)},
        "motivation": {
            "type": "string",
            "minLength": 1,
            "maxLength": 8000,
            "pattern": TEXT,
            "description": "Why, in plain language: shown to the citizen with the decision.",
        },
        "decided_at": DATE,
        **file_properties(changes.DECISION_MAX_BYTES),
    },
}
DECISION: openapi.Schema = {
    "title": "Decision",
    "type": "object",
    "required": [
        "id",
        "case_number",
        "outcome",
        "decided_at",
        "appeal_deadline",
        "published_at",
        "document",
    ],
    "properties": {
        "id": {"type": "string", "format": "uuid"},
        "case_number": {"type": "string"},
        "outcome": {"type": "string", "enum": list(changes.OUTCOMES)},
        "decided_at": DATE,
        "appeal_deadline": {
            **DATE,
            "description": "Three weeks from publication in the portal, as the citizen is told.",
        },
        "published_at": TIMESTAMP,
        "document": DOCUMENT,
    },
}


@bp.post("/cases/<case_number>/decisions")
@operation(
    "Publish a decision to the citizen",
    description="The decision as a PDF, with its outcome and motivation. The citizen is notified, reads "
    "it with how to appeal, and the case's status becomes decided. The same decision sent again (same "
    "outcome, motivation, date and PDF), with or without an Idempotency-Key, is not published twice: the "
    "answer describes the one already published.",
    path_params={"case_number": CASE_NUMBER},
    request=NEW_DECISION,
    responses={201: ("The decision as published.", DECISION)},
    errors=(404,),
)
@api_client_required("cases:write")
def publish_decision(case_number: str) -> Response:
    data = _body(NEW_DECISION)
    decided_at = body_schema.parse_date(data["decided_at"])
    content = _decoded(data["content_base64"])
    case = _case_or_404(case_number, to_change=True)
    return _once(
        data,
        lambda: changes.publish_decision(
            get_session(),
            g.api_client,
            current_actor("api"),
            case,
            outcome=data["outcome"],
            motivation=data["motivation"],
            decided_at=decided_at,  # type: ignore[arg-type]  # validated as a date
            filename=data["filename"],
            content=content,
        ),
    )


NEW_MESSAGE: openapi.Schema = {
    "title": "NewMessage",
    "type": "object",
    "required": ["body"],
    "additionalProperties": False,
    "properties": {"body": {"type": "string", "minLength": 1, "maxLength": 8000, "pattern": TEXT}},
}
MESSAGE: openapi.Schema = {
    "title": "Message",
    "type": "object",
    "required": ["id", "case_number", "created_at"],
    "properties": {
        "id": {"type": "string", "format": "uuid"},
        "case_number": {"type": "string"},
        "created_at": TIMESTAMP,
    },
}


@bp.post("/cases/<case_number>/messages")
@operation(
    "Write to the citizen as the case officer",
    description="The message appears in the case's conversation with the case officer; the citizen "
    "gets a notice (without the content) by e-mail or SMS as they chose.",
    path_params={"case_number": CASE_NUMBER},
    request=NEW_MESSAGE,
    responses={201: ("The message.", MESSAGE)},
    errors=(404,),
)
@api_client_required("cases:write")
def post_message(case_number: str) -> Response:
    data = _body(NEW_MESSAGE)
    case = _case_or_404(case_number, to_change=True)
    return _once(
        data,
        lambda: changes.post_message(get_session(), g.api_client, current_actor("api"), case, data["body"]),
    )


NEW_SUPPLEMENT_REQUEST: openapi.Schema = {
    "title": "NewSupplementRequest",
    "type": "object",
    "required": ["text", "due_date"],
    "additionalProperties": False,
    "properties": {
        "text": {"type": "string", "minLength": 1, "maxLength": changes.MAX_SUPPLEMENT_TEXT, "pattern": TEXT},
        "due_date": DATE,
    },
}
SUPPLEMENT_REQUEST: openapi.Schema = {
    "title": "SupplementRequest",
    "type": "object",
    "required": ["id", "case_number", "text", "due_date", "status"],
    "properties": {
        "id": {"type": "string", "format": "uuid"},
        "case_number": {"type": "string"},
        "text": {"type": "string"},
        "due_date": DATE,
        "status": {"type": "string", "enum": ["open", "answered"]},
    },
}


@bp.post("/cases/<case_number>/supplement-requests")
@operation(
    "Ask the citizen for more information (komplettering)",
    description="The citizen answers in the portal by the due date; the case's status becomes "
    "supplement_requested until then.",
    path_params={"case_number": CASE_NUMBER},
    request=NEW_SUPPLEMENT_REQUEST,
    responses={201: ("The request.", SUPPLEMENT_REQUEST)},
    errors=(404,),
)
@api_client_required("cases:write")
def request_supplement(case_number: str) -> Response:
    data = _body(NEW_SUPPLEMENT_REQUEST)
    due_date = body_schema.parse_date(data["due_date"])
    case = _case_or_404(case_number, to_change=True)
    return _once(
        data,
        lambda: changes.request_supplement(
            get_session(), g.api_client, current_actor("api"), case, data["text"], due_date
        ),  # type: ignore[arg-type]
    )
