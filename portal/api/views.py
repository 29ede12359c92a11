"""The case-system API, ``/api/v1``: bearer tokens, JSON in and out, RFC 9457 problems for every error.

Each view declares its OpenAPI operation beside it (``portal.api.openapi``); the request schemas declared
there are the ones the bodies are validated against.
"""

from __future__ import annotations

import base64
import binascii
import functools
import json
import logging
from collections.abc import Callable
from typing import Any, TypeVar

from flask import Blueprint, Response, current_app, g, request
from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound
from werkzeug.http import HTTP_STATUS_CODES
from werkzeug.routing import Map, Rule

from portal import errors
from portal.access import ACCESS_ATTR, public
from portal.api import openapi
from portal.api import services as api
from portal.api.models import ApiClient
from portal.api.openapi import PROBLEM_MEDIA_TYPE, SCOPE_ATTR, hidden, operation
from portal.cases.models import Case
from portal.config import Config
from portal.db import fail_request, get_session, locked, set_scope
from portal.domain_errors import DomainError
from portal.extensions import csrf
from portal.text import strip_bidi_deep

log = logging.getLogger(__name__)

F = TypeVar("F", bound=Callable[..., Any])

bp = Blueprint("api", __name__, url_prefix=openapi.API_PREFIX)
# Machines authenticate with a bearer token, never a cookie: there is no session for CSRF to protect.
csrf.exempt(bp)

REALM = 'Bearer realm="medborgarvy"'
MAX_TOKEN_LENGTH = 200


# --- problems -----------------------------------------------------------------------------------------


class ApiProblem(Exception):
    """An error answered as RFC 9457 problem details."""

    def __init__(
        self,
        status: int,
        detail: str,
        *,
        reason: str = "",
        errors: list[tuple[str, str]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.reason = reason
        self.errors = errors or []
        self.headers = headers or {}


def problem_response(problem: ApiProblem) -> Response:
    body: dict[str, Any] = {
        # Plain HTTP errors are "about:blank" (RFC 9457 §4.2); the portal's own kinds have a tag URI.
        "type": f"tag:medborgarvy,2025:problem:{problem.reason}" if problem.reason else "about:blank",
        "title": HTTP_STATUS_CODES.get(problem.status, "Error"),
        "status": problem.status,
        "detail": problem.detail,
    }
    if problem.reason:
        body["reason"] = problem.reason
    if problem.errors:
        body["errors"] = [{"pointer": pointer, "detail": text} for pointer, text in problem.errors]
    response = _json(body, problem.status, mimetype=PROBLEM_MEDIA_TYPE)
    response.headers.update(problem.headers)
    return response


@bp.errorhandler(ApiProblem)
def _problem(exc: ApiProblem) -> Response:
    _rollback()
    return problem_response(exc)


@bp.errorhandler(HTTPException)
def _http_error(exc: HTTPException) -> Response:
    _rollback()
    status = exc.code or 500
    headers = {}
    if isinstance(exc, MethodNotAllowed) and exc.valid_methods:
        headers["Allow"] = ", ".join(exc.valid_methods)
    detail = {
        404: "There is no such resource here.",
        413: "The request is larger than the portal accepts.",
    }.get(status, HTTP_STATUS_CODES.get(status, "Error"))
    return problem_response(ApiProblem(status, detail, headers=headers))


@bp.errorhandler(Exception)
def unexpected_problem(exc: Exception) -> Response:
    if isinstance(exc, HTTPException):
        return _http_error(exc)
    if errors.database_unavailable(exc):
        errors.log_database_unavailable(exc)
        _rollback()
        return problem_response(
            ApiProblem(
                503,
                "The portal's database cannot be reached just now. Try again later; a request with an "
                "Idempotency-Key can be sent again safely.",
                reason="database-unavailable",
                headers={"Retry-After": str(errors.RETRY_AFTER_SECONDS)},
            )
        )
    log.exception("unhandled error on %s", request.path)
    _rollback()
    return problem_response(ApiProblem(500, "Something went wrong in the portal. Try again later."))


def _rollback() -> None:
    # A problem commits nothing the request did (portal.db, the unit of work).
    fail_request()


def domain_problem(exc: DomainError) -> Response:
    """A service's domain error (portal.domain_errors) on an API route, as problem details."""
    _rollback()
    detail = {404: "There is no such resource here."}.get(
        exc.status, HTTP_STATUS_CODES.get(exc.status, "Error")
    )
    return problem_response(ApiProblem(exc.status, detail))


# --- authentication -------------------------------------------------------------------------------------


def api_client_required(scope: str) -> Callable[[F], F]:
    """A case system's bearer token with ``scope``; the client is ``g.api_client``."""

    def decorator(view: F) -> F:
        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            client = _authenticated_client()
            if scope not in (client.scopes or []):
                raise ApiProblem(
                    403,
                    f"This client lacks the scope {scope!r}.",
                    reason="insufficient-scope",
                    headers={"WWW-Authenticate": f'{REALM}, error="insufficient_scope", scope="{scope}"'},
                )
            g.api_client = client
            # Tenancy (portal.db): the request sees the client's municipality, whichever host it came to;
            # the scope the request started with comes back at its end.
            token = set_scope(client.municipality_id)
            g.setdefault("municipality_scope_token", token)
            return view(*args, **kwargs)

        setattr(wrapper, ACCESS_ATTR, "api")
        setattr(wrapper, SCOPE_ATTR, scope)
        return wrapper  # type: ignore[return-value]

    return decorator


def _authenticated_client() -> ApiClient:
    scheme, _, token = request.headers.get("Authorization", "").strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise ApiProblem(
            401,
            "Send the client's token: 'Authorization: Bearer <token>'.",
            reason="unauthenticated",
            headers={"WWW-Authenticate": REALM},
        )
    client = api.authenticate(get_session(), token) if len(token) <= MAX_TOKEN_LENGTH else None
    if client is None:
        log.info("API request with an unknown or revoked token from %s", request.remote_addr)
        raise ApiProblem(
            401,
            "The token is unknown or revoked.",
            reason="invalid-token",
            headers={"WWW-Authenticate": f'{REALM}, error="invalid_token"'},
        )
    return client


# --- request helpers --------------------------------------------------------------------------------


def _json(body: object, status: int = 200, *, mimetype: str = "application/json") -> Response:
    return current_app.response_class(
        json.dumps(body, ensure_ascii=False, separators=(",", ":")), status=status, mimetype=mimetype
    )


def _body(schema: openapi.Schema) -> dict[str, Any]:
    """The JSON body, checked against the operation's declared request schema."""
    if not request.is_json:
        raise ApiProblem(415, "Send the body as application/json.", reason="unsupported-media-type")
    try:
        data = json.loads(request.get_data(cache=True) or b"null")
        # "\ud800" is a valid JSON escape but no character: it could be neither stored nor answered.
        json.dumps(data, ensure_ascii=False).encode()
    except (ValueError, RecursionError) as exc:  # UnicodeError is a ValueError
        raise ApiProblem(400, "The body is not valid JSON text.", reason="malformed-json") from exc
    # No direction controls in what citizens will read (a title that shows reversed): removed here, once.
    data = strip_bidi_deep(data)
    errors = openapi.validate(schema, data)
    if errors:
        raise ApiProblem(
            422, "The body does not match the schema.", reason="invalid-body", errors=errors[:20]
        )
    return data  # type: ignore[no-any-return]


def _idempotency_key() -> str | None:
    if "Idempotency-Key" not in request.headers:
        return None
    key = request.headers["Idempotency-Key"].strip()
    if not key or len(key) > 200 or not key.isascii() or not key.isprintable() or " " in key:
        raise ApiProblem(
            400,
            "An Idempotency-Key is 1 to 200 visible ASCII characters.",
            reason="invalid-idempotency-key",
        )
    return key


def _plain(text: str) -> bool:
    """Printable text only: what is not can be no case number or key (and PostgreSQL refuses NUL)."""
    return text.isprintable()


def _case_or_404(case_number: str, *, to_change: bool = False) -> Case:
    """The client's case; ``to_change``: locked until the change commits, so changes to one case arrive
    one after the other, each seeing the one before (two at once, one effect)."""
    session = get_session()
    if not _plain(case_number):
        raise ApiProblem(404, "There is no case with this number in the client's municipality.")
    case = api.find_case(session, g.api_client, case_number)
    if case is None:
        api.record_denied(session, g.api_client, "case", case_number)
        raise ApiProblem(404, "There is no case with this number in the client's municipality.")
    return (locked(session, Case, case.id) or case) if to_change else case


def _decoded(text: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ApiProblem(
            422,
            "content_base64 is not valid base64.",
            reason="invalid-base64",
            errors=[("/content_base64", "must be base64 (RFC 4648, with padding)")],
        ) from exc


def _once(data: dict[str, Any], action: Callable[[], tuple[int, dict[str, Any]]]) -> Response:
    """Run a change once per Idempotency-Key (``api.run_once``) and answer with its JSON."""
    key = _idempotency_key()
    request_hash = api.fingerprint(request.method, request.path, data)
    try:
        status, body, replayed = api.run_once(get_session(), g.api_client, key, request_hash, action)
    except api.KeyReused as exc:
        raise ApiProblem(
            422,
            "This Idempotency-Key was used before for another request. Use a new key for a new request.",
            reason="idempotency-key-reused",
        ) from exc
    except api.Rejected as exc:
        raise ApiProblem(422, exc.detail, reason=exc.reason.replace("_", "-")) from exc
    response = _json(body, status)
    if replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return response


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
    return _json(api.read_case(get_session(), g.api_client, case))


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
        lambda: api.report_status(get_session(), g.api_client, case, data["code"], data.get("reference")),
    )


NEW_DOCUMENT: openapi.Schema = {
    "title": "NewDocument",
    "type": "object",
    "required": ["kind", "title", "filename", "content_base64"],
    "additionalProperties": False,
    "properties": {
        "kind": {"type": "string", "enum": list(api.DOCUMENT_KINDS)},
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
        lambda: api.add_document(
            get_session(),
            g.api_client,
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
        "outcome": {"type": "string", "enum": list(api.OUTCOMES)},
        "motivation": {
            "type": "string",
            "minLength": 1,
            "maxLength": 8000,
            "pattern": TEXT,
            "description": "Why, in plain language: shown to the citizen with the decision.",
        },
        "decided_at": DATE,
        **file_properties(api.DECISION_MAX_BYTES),
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
        "outcome": {"type": "string", "enum": list(api.OUTCOMES)},
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
    decided_at = openapi.parse_date(data["decided_at"])
    content = _decoded(data["content_base64"])
    case = _case_or_404(case_number, to_change=True)
    return _once(
        data,
        lambda: api.publish_decision(
            get_session(),
            g.api_client,
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
    return _once(data, lambda: api.post_message(get_session(), g.api_client, case, data["body"]))


NEW_SUPPLEMENT_REQUEST: openapi.Schema = {
    "title": "NewSupplementRequest",
    "type": "object",
    "required": ["text", "due_date"],
    "additionalProperties": False,
    "properties": {
        "text": {"type": "string", "minLength": 1, "maxLength": api.MAX_SUPPLEMENT_TEXT, "pattern": TEXT},
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
    due_date = openapi.parse_date(data["due_date"])
    case = _case_or_404(case_number, to_change=True)
    return _once(
        data,
        lambda: api.request_supplement(get_session(), g.api_client, case, data["text"], due_date),  # type: ignore[arg-type]
    )


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
        result = api.acknowledge_delivery(session, g.api_client, idempotency_key, data["reference"])
        if result is None:
            raise _NoSuchDelivery
        return result

    try:
        return _once(data, action)
    except _NoSuchDelivery:
        api.record_denied(session, g.api_client, "outbox_item", idempotency_key)
        raise ApiProblem(404, "There is no delivery with this key for the client's municipality.") from None


class _NoSuchDelivery(Exception):
    pass


# --- this description, and unknown paths --------------------------------------------------------------


@bp.get("/openapi.json")
@operation(
    "This description (OpenAPI 3.1)",
    tag="meta",
    responses={200: ("The OpenAPI document.", {"type": "object"})},
)
@public
def openapi_document() -> Response:
    document = current_app.extensions.get("api_openapi")
    if document is None:
        document = current_app.extensions["api_openapi"] = openapi.build(current_app)
    return _json(document)


@bp.route(
    "/<path:unknown>", methods=["GET", "POST", "PUT", "PATCH", "DELETE"], provide_automatic_options=False
)
@hidden
@public
def unknown_path(unknown: str) -> Response:
    """Answers what no API route takes as a problem too, not the portal's HTML error page."""
    return unrouted_problem()


def unrouted_problem() -> Response:
    """A request no API route takes (an unknown path, or a method such as TRACE that no route has): 405
    with Allow when the path exists for other methods, else 404; problem details either way. Also what the
    portal's error handler answers under /api/ when routing itself failed (portal.errors)."""
    routes = current_app.extensions.get("api_routes")
    if routes is None:
        routes = current_app.extensions["api_routes"] = Map(
            [
                Rule(rule.rule, methods=rule.methods, endpoint=rule.endpoint)
                for rule in openapi.api_rules(current_app)
                if rule.endpoint != "api.unknown_path"
            ]
        )
    try:
        routes.bind("api").match(request.path, method=request.method)
    except MethodNotAllowed as exc:
        return problem_response(
            ApiProblem(
                405,
                "This method is not allowed here.",
                headers={"Allow": ", ".join(sorted(exc.valid_methods or []))},
            )
        )
    except NotFound:
        pass
    return problem_response(ApiProblem(404, "There is no such resource here."))


def is_api_request() -> bool:
    return request.path == openapi.API_PREFIX or request.path.startswith(openapi.API_PREFIX + "/")
