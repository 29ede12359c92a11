"""The OpenAPI 3.1 description of ``/api/v1``, generated from the routes themselves.

Each view declares its operation next to itself with ``@operation(...)``: summary, path parameter, request
and response JSON Schemas. ``build`` walks ``app.url_map``, so a path, method or parameter exists in the
document exactly when it exists in the app; ``undeclared`` names API routes without a declaration (a test
fails on them). The request schemas are also what the views validate bodies against (``validate``, with
jsonschema's Draft 2020-12 validator), so the description cannot drift from what the API accepts.
"""

from __future__ import annotations

import copy
import datetime as dt
import functools
import itertools
import json
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, TypeVar

from flask import Flask
from jsonschema import Draft202012Validator, FormatChecker, ValidationError, validators

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


# --- validating a body against a declared schema --------------------------------------------------------
# jsonschema (Draft 2020-12, every keyword) checks the body; what is wrong is said in the portal's own short
# words, at a JSON Pointer, so the problem+json answer names the field and never echoes what was sent.

# The formats the API checks: "date" (YYYY-MM-DD, a real day). Others stay annotations, as they always were.
FORMAT_CHECKER = FormatChecker(formats=("date",))
FORMAT_DETAILS = {"date": "must be a date, YYYY-MM-DD"}
# More than the answer shows (20), fewer than a huge body could give.
MAX_ERRORS = 200


def _required(
    validator: Any, required: list[str], instance: object, schema: Schema
) -> Iterator[ValidationError]:
    """As jsonschema's, but the error sits at the missing property's own pointer."""
    if validator.is_type(instance, "object"):
        for name in required:
            if name not in instance:  # type: ignore[operator]
                yield ValidationError("is required", path=(name,))


def _additional_properties(
    validator: Any, allowed: object, instance: object, schema: Schema
) -> Iterator[ValidationError]:
    """``false``: each property the schema does not name is an error at its own pointer (in the body's
    order); a schema for them is jsonschema's own keyword."""
    if allowed is not False:
        yield from Draft202012Validator.VALIDATORS["additionalProperties"](
            validator, allowed, instance, schema
        )
        return
    if not validator.is_type(instance, "object"):
        return
    named = schema.get("properties", {})
    patterns = [_pattern(pattern) for pattern in schema.get("patternProperties", {})]
    for name in instance:  # type: ignore[attr-defined]
        if name not in named and not any(pattern.search(name) for pattern in patterns):
            yield ValidationError("is not allowed here", path=(name,))


def _pattern_keyword(
    validator: Any, pattern: str, instance: object, schema: Schema
) -> Iterator[ValidationError]:
    """As jsonschema's, with ``$`` read as ECMA-262 reads it (see ``_pattern``)."""
    if validator.is_type(instance, "string") and not _pattern(pattern).search(instance):  # type: ignore[arg-type]
        yield ValidationError(f"must match {pattern}")


BodyValidator = validators.extend(
    Draft202012Validator,
    {"required": _required, "additionalProperties": _additional_properties, "pattern": _pattern_keyword},
)


@functools.lru_cache(maxsize=64)
def _validator(schema_json: str) -> Any:
    schema = json.loads(schema_json)
    Draft202012Validator.check_schema(schema)  # a declaration that is no JSON Schema fails loudly, once
    return BodyValidator(schema, format_checker=FORMAT_CHECKER)


def validate(schema: Schema, value: object) -> list[tuple[str, str]]:
    """(JSON Pointer, what is wrong) for each place ``value`` breaks ``schema``, in the body's order (at
    each level what is missing first); empty when it is valid. Where a value has the wrong type (or is
    none of an enum) only that is said of it."""
    found = sorted(
        itertools.islice(_validator(json.dumps(schema, default=str)).iter_errors(value), MAX_ERRORS),
        key=lambda error: _position(value, error),
    )
    decisive: dict[str, str] = {}
    for error in found:
        if error.validator in ("type", "enum"):
            pointer = _pointer(error.absolute_path)
            decisive[pointer] = "type" if decisive.get(pointer) == "type" else str(error.validator)
    errors: list[tuple[str, str]] = []
    for error in found:
        pointer, detail = _pointer(error.absolute_path), _detail(error)
        if decisive.get(pointer, error.validator) == error.validator and (pointer, detail) not in errors:
            errors.append((pointer, detail))
    return errors


def _position(value: object, error: ValidationError) -> tuple[int, ...]:
    """Where in ``value`` an error sits, as indexes in the body's own order; a missing property (-1)
    before what is there."""
    position = []
    node = value
    for part in error.absolute_path:
        if isinstance(node, dict) and part in node:
            position.append(list(node).index(part))
            node = node[part]
        elif isinstance(node, list) and isinstance(part, int):
            position.append(part)
            node = node[part]
        else:
            position.append(-1)
    return tuple(position)


def _detail(error: ValidationError) -> str:
    """What is wrong, in words that do not repeat the value (it may be long, or personal)."""
    keyword, expected = error.validator, error.validator_value
    if keyword in ("required", "additionalProperties", "pattern"):
        return error.message  # the portal's own words (the keywords above)
    if keyword == "type":
        names = [expected] if isinstance(expected, str) else list(expected)  # type: ignore[arg-type]
        return f"must be of type {' or '.join(names)}"
    if keyword == "enum":
        return "must be one of " + ", ".join(map(str, expected))  # type: ignore[call-overload]
    if keyword == "const":
        return f"must be {json.dumps(expected)}"
    if keyword == "format":
        return FORMAT_DETAILS.get(str(expected), f"must be in the format {expected}")
    words = {
        "minLength": "must be at least {} characters",
        "maxLength": "must be at most {} characters",
        "minItems": "must have at least {} items",
        "maxItems": "must have at most {} items",
        "uniqueItems": "must not repeat an item",
        "minProperties": "must have at least {} properties",
        "maxProperties": "must have at most {} properties",
        "minimum": "must be at least {}",
        "maximum": "must be at most {}",
        "exclusiveMinimum": "must be more than {}",
        "exclusiveMaximum": "must be less than {}",
        "multipleOf": "must be a multiple of {}",
    }
    if keyword in words:
        return words[str(keyword)].format(expected)
    return f"does not match the schema ({keyword})"


def _pointer(path: Iterable[object]) -> str:
    return "".join(f"/{_escape(str(part))}" for part in path)


@functools.cache
def _pattern(pattern: str) -> re.Pattern[str]:
    """A schema's pattern as JSON Schema (ECMA-262) reads it: a final ``$`` is the end of the text, where
    Python's would also match before a final line break ("QUFB\\n" is no base64)."""
    if pattern.endswith("$") and not pattern.endswith("\\$"):
        pattern = pattern[:-1] + r"\Z"
    return re.compile(pattern)


def parse_date(text: str) -> dt.date | None:
    """The day a validated ``"format": "date"`` value names (None for one that is not a date)."""
    if not FORMAT_CHECKER.conforms(text, "date"):
        return None
    return dt.date.fromisoformat(text)


def _escape(name: str) -> str:
    return name.replace("~", "~0").replace("/", "~1")
