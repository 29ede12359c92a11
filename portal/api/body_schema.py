"""Validating an API request body against the JSON Schema its operation declares (``portal.api.openapi``).

jsonschema (Draft 2020-12, every keyword) checks the body; what is wrong is said in the portal's own short
words, at a JSON Pointer, so the problem+json answer names the field and never echoes what was sent.
"""

from __future__ import annotations

import datetime as dt
import functools
import itertools
import json
import re
from collections.abc import Iterable, Iterator
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker, ValidationError, validators

from portal.api.openapi import Schema

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
