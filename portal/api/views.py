"""The case-system API, ``/api/v1``: bearer tokens, JSON in and out, RFC 9457 problems for every error.

Each view declares its OpenAPI operation beside it (``portal.api.openapi``); the request schemas declared
there are the ones the bodies are validated against.

This module: the blueprint, problems, authentication and the request helpers, the OpenAPI document and
unknown paths. The routes are ``case_views`` and ``delivery_views``; shared schema pieces ``schemas``.
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
from portal.access import ACCESS_ATTR, current_actor, public
from portal.api import body_schema, openapi
from portal.api import services as api
from portal.api.models import ApiClient
from portal.api.openapi import PROBLEM_MEDIA_TYPE, SCOPE_ATTR, hidden, operation
from portal.cases.models import Case
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
    errors = body_schema.validate(schema, data)
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
        api.record_denied(session, g.api_client, current_actor("api"), "case", case_number)
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
