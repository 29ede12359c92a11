"""The OpenAPI 3.1 description of ``/api/v1``, generated from the routes themselves.

Each view declares its operation next to itself with ``@operation(...)``: summary, path parameter, request
and response JSON Schemas. ``build`` walks ``app.url_map``, so a path, method or parameter exists in the
document exactly when it exists in the app; ``undeclared`` names API routes without a declaration (a test
fails on them). The request schemas are also what the views validate bodies against (``validate``, with
jsonschema's Draft 2020-12 validator, ``portal.api.body_schema``), so the description cannot drift from
what the API accepts.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from flask import Flask

API_PREFIX = "/api/v1"
OPERATION_ATTR = "_api_operation"
SCOPE_ATTR = "_api_scope"
PROBLEM_MEDIA_TYPE = "application/problem+json"

F = TypeVar("F", bound=Callable[..., Any])
Schema = dict[str, Any]

PROBLEM: Schema = {
    "title": "Problem",
    "description": "An error, as RFC 9457 problem details. `type` identifies the kind of problem.",
    "type": "object",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string", "format": "uri-reference"},
        "title": {"type": "string"},
        "status": {"type": "integer", "minimum": 400, "maximum": 599},
        "detail": {"type": "string"},
        "reason": {"type": "string", "description": "Why a request was refused, as a stable code."},
        "errors": {
            "type": "array",
            "description": "Where the body breaks its schema: a JSON Pointer and what is wrong there.",
            "items": {
                "type": "object",
                "required": ["pointer", "detail"],
                "properties": {"pointer": {"type": "string"}, "detail": {"type": "string"}},
            },
        },
    },
}

ERROR_DESCRIPTIONS = {
    400: "The request is malformed: not JSON, or a bad Idempotency-Key header.",
    401: "No token, or a token that is unknown or revoked.",
    403: "The client lacks the scope this operation needs.",
    404: "No such object in the client's municipality.",
    413: "The request is larger than the portal accepts.",
    415: "The body must be `application/json`.",
    422: "The body breaks the schema, names something unknown, carries a file the portal refuses, "
    "or reuses an Idempotency-Key for another request.",
    503: "The portal's database cannot be reached just now: try again after the `Retry-After` seconds.",
}

IDEMPOTENCY_KEY: Schema = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "description": "Send the same key again (with the same body) to retry safely: the first response is "
    "returned and nothing is done twice. The same key with another body is refused (422). Keys are "
    "kept per client for at least 7 days.",
    "schema": {"type": "string", "minLength": 1, "maxLength": 200, "pattern": "^[!-~]+$"},
}


@dataclass(frozen=True)
class Operation:
    summary: str
    description: str = ""
    tag: str = "cases"
    path_params: dict[str, Schema] = field(default_factory=dict)
    request: Schema | None = None
    # status → (description, JSON Schema of the JSON body)
    responses: dict[int, tuple[str, Schema]] = field(default_factory=dict)
    errors: tuple[int, ...] = ()
    hidden: bool = False


def operation(
    summary: str,
    *,
    description: str = "",
    tag: str = "cases",
    path_params: dict[str, Schema] | None = None,
    request: Schema | None = None,
    responses: dict[int, tuple[str, Schema]] | None = None,
    errors: tuple[int, ...] = (),
) -> Callable[[F], F]:
    """Declare a view's operation for the OpenAPI document (see module docstring)."""
    declared = Operation(
        summary=summary,
        description=description,
        tag=tag,
        path_params=path_params or {},
        request=request,
        responses=responses or {},
        errors=errors,
    )

    def decorator(view: F) -> F:
        setattr(view, OPERATION_ATTR, declared)
        return view

    return decorator


def hidden(view: F) -> F:
    """A route deliberately left out of the document (the catch-all that answers unknown API paths)."""
    setattr(view, OPERATION_ATTR, Operation(summary="", hidden=True))
    return view


# --- the document ---------------------------------------------------------------------------------------


def api_rules(app: Flask) -> list[Any]:
    return sorted(
        (rule for rule in app.url_map.iter_rules() if rule.rule.startswith(API_PREFIX + "/")),
        key=lambda rule: rule.rule,
    )


def undeclared(app: Flask) -> list[str]:
    """API routes whose view has no ``@operation`` (or ``@hidden``), or whose path parameters disagree."""
    found = []
    for rule in api_rules(app):
        declared = getattr(app.view_functions[rule.endpoint], OPERATION_ATTR, None)
        if declared is None:
            found.append(f"{rule.rule}: no @operation")
        elif not declared.hidden and set(declared.path_params) != set(rule.arguments):
            found.append(f"{rule.rule}: path parameters {sorted(declared.path_params)}")
    return found


def openapi_path(rule: str) -> str:
    """``/cases/<case_number>`` or ``/x/<int:id>`` → ``/cases/{case_number}``, ``/x/{id}``."""
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule)


def build(app: Flask) -> dict[str, Any]:
    schemas: dict[str, Schema] = {"Problem": _public(PROBLEM)}
    paths: dict[str, dict[str, Any]] = {}
    for rule in api_rules(app):
        view = app.view_functions[rule.endpoint]
        declared: Operation | None = getattr(view, OPERATION_ATTR, None)
        if declared is None or declared.hidden:
            continue
        scope: str | None = getattr(view, SCOPE_ATTR, None)
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            paths.setdefault(openapi_path(rule.rule), {})[method.lower()] = _operation(
                declared, rule, method, scope, schemas
            )
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Medborgarvy case-system API",
            "version": "1",
            "description": (
                "For case systems (Viva, Combine, Treserva, Lifecare, …) to push status, documents, "
                "decisions, messages and requests for komplettering into the citizen portal, and to "
                "acknowledge the deliveries they have taken. A client belongs to one municipality and "
                "sees only its cases. Authenticate with `Authorization: Bearer <token>`; each operation "
                "names the scope it needs. Errors are RFC 9457 problem details (`application/problem+json`)."
            ),
        },
        "servers": [{"url": "/"}],
        "tags": [
            {"name": "cases", "description": "Cases of the client's municipality."},
            {"name": "deliveries", "description": "What the portal handed to the case system."},
            {"name": "meta", "description": "This description."},
        ],
        "paths": paths,
        "components": {
            "securitySchemes": {
                "bearerAuth": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "A client's token (random, shown once when the client is created).",
                }
            },
            "schemas": schemas,
        },
    }


def _operation(
    declared: Operation, rule: Any, method: str, scope: str | None, schemas: dict[str, Schema]
) -> dict[str, Any]:
    parameters: list[Schema] = [
        {"name": name, "in": "path", "required": True, "schema": copy.deepcopy(schema)}
        for name, schema in declared.path_params.items()
    ]
    if method in {"POST", "PUT", "PATCH", "DELETE"}:
        parameters.append(copy.deepcopy(IDEMPOTENCY_KEY))
    description = declared.description
    if scope:
        description = (description + "\n\n" if description else "") + f"Scope: `{scope}`."
    result: dict[str, Any] = {
        "operationId": rule.endpoint.rsplit(".", 1)[-1],
        "summary": declared.summary,
        "tags": [declared.tag],
        "security": [{"bearerAuth": []}] if scope else [],
    }
    if description:
        result["description"] = description
    if parameters:
        result["parameters"] = parameters
    if declared.request is not None:
        result["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": _ref(declared.request, schemas)}},
        }
    responses: dict[str, Any] = {}
    for status, (text, schema) in sorted(declared.responses.items()):
        responses[str(status)] = {
            "description": text,
            "content": {"application/json": {"schema": _ref(schema, schemas)}},
        }
    errors = set(declared.errors)
    if scope:
        errors |= {401, 403, 503}
    if declared.request is not None:
        errors |= {400, 413, 415, 422}
    if method != "GET":
        errors.add(400)  # a malformed Idempotency-Key
    for status in sorted(errors):
        responses[str(status)] = {
            "description": ERROR_DESCRIPTIONS[status],
            "content": {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
        }
    result["responses"] = responses
    return result


def _ref(schema: Schema, schemas: dict[str, Schema]) -> Schema:
    """A titled schema goes to components and is referenced (nested ones too); others stay inline."""
    public = _public(schema, schemas)
    name = schema.get("title")
    if not isinstance(name, str):
        return public
    if name in schemas and schemas[name] != public:
        raise ValueError(f"two different schemas are both called {name!r}")
    schemas[name] = public
    return {"$ref": f"#/components/schemas/{name}"}


def _public(schema: Schema, schemas: dict[str, Schema] | None = None) -> Schema:
    """A copy of ``schema`` whose titled subschemas are references to components."""
    result = copy.deepcopy(schema)
    if schemas is None:
        return result
    for keyword in ("properties",):
        for name, sub in result.get(keyword, {}).items():
            result[keyword][name] = _ref(sub, schemas)
    if isinstance(result.get("items"), dict):
        result["items"] = _ref(result["items"], schemas)
    return result
