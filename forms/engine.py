"""The form engine: from an e-service's declaration to bound forms, step status, the check-answers
summary, the canonical JSON payload and its JSON Schema."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import MultiDict
from wtforms import (
    BooleanField,
    Field,
    FieldList,
    Form,
    FormField,
    RadioField,
    SelectFieldBase,
    SelectMultipleField,
)
from wtforms.validators import InputRequired

from forms.base import Answers, EService, Step, StepForm
from forms.fields import (
    AmountField,
    DateInputField,
    PersonnummerField,
    WholeNumberField,
    typed_value,
)

SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"


def _multidict(raw: Mapping[str, Any], prefix: str = "") -> MultiDict[str, str]:
    pairs: list[tuple[str, str]] = []
    for key, value in raw.items():
        for item in value if isinstance(value, list) else [value]:
            if item is not None:
                pairs.append((prefix + key, str(item)))
    return MultiDict(pairs)


def group_form(step: Step) -> type[Form]:
    """A form holding the repeating step's items as a list: items-0-name, items-1-name, …"""
    assert step.repeat is not None  # noqa: S101 - only called for repeating steps

    class GroupForm(StepForm):
        items = FieldList(FormField(step.form), min_entries=0, max_entries=step.repeat.max_items)

    return GroupForm


def bind(step: Step, raw: Any) -> Form:
    """The step's form filled with what the citizen typed (valid or not)."""
    if step.repeat is None:
        data = raw if isinstance(raw, Mapping) else {}
        return step.form(formdata=_multidict(data) if data else None)
    items = raw if isinstance(raw, list) else []
    pairs: list[tuple[str, str]] = []
    for index, item in enumerate(items):
        pairs.extend(_multidict(item, f"items-{index}-").items(multi=True))
    form = group_form(step)(formdata=MultiDict(pairs) if pairs else None)
    # Items the citizen added but has not filled in yet (an empty {}) bring no form data: add them here.
    while len(form.items) < max(len(items), step.repeat.min_items, 0):
        form.items.append_entry()
    return form


def raw_from_request(step: Step, formdata: MultiDict[str, str]) -> Any:
    """What to keep of a POST for this step: exactly the step's own fields, as typed."""
    if step.repeat is None:
        names = [name for name, _ in step.form()._fields.items()]
        return {name: _value(formdata, name) for name in names if name in formdata}
    items: list[dict[str, Any]] = []
    names = list(step.form()._fields)
    index = 0
    while index < step.repeat.max_items:
        prefix = f"items-{index}-"
        if not any(key.startswith(prefix) for key in formdata):
            break
        items.append({name: _value(formdata, prefix + name) for name in names if prefix + name in formdata})
        index += 1
    return items


def _value(formdata: MultiDict[str, str], key: str) -> Any:
    values = formdata.getlist(key)
    return values if len(values) > 1 else (values[0] if values else "")


def step_forms(step: Step, form: Form) -> list[Form]:
    """The item forms of a repeating step, or the step form itself."""
    if step.repeat is None:
        return [form]
    return [entry.form for entry in form.items]


def validate(step: Step, raw: Any) -> tuple[bool, Form]:
    form = bind(step, raw)
    ok = form.validate()
    # bind() shows empty items up to the minimum; only items the citizen has actually filled in count.
    if step.repeat is not None and len(raw if isinstance(raw, list) else []) < step.repeat.min_items:
        ok = False
    return ok, form


def typed_data(step: Step, form: Form) -> Any:
    def one(item: Form) -> dict[str, Any]:
        return {name: typed_value(field) for name, field in item._fields.items()}

    if step.repeat is None:
        return one(form)
    return [one(item) for item in step_forms(step, form)]


@dataclass
class StepState:
    step: Step
    status: str  # not_started, in_progress, completed
    form: Form


def states(eservice: EService, raw: Mapping[str, Any]) -> list[StepState]:
    answers = Answers(raw)
    result = []
    for step in eservice.visible_steps(answers):
        if step.id not in raw:
            result.append(StepState(step, "not_started", bind(step, None)))
            continue
        ok, form = validate(step, raw[step.id])
        result.append(StepState(step, "completed" if ok else "in_progress", form))
    return result


def all_complete(eservice: EService, raw: Mapping[str, Any]) -> bool:
    return all(state.status == "completed" for state in states(eservice, raw))


def typed_answers(eservice: EService, raw: Mapping[str, Any]) -> dict[str, Any]:
    return {state.step.id: typed_data(state.step, state.form) for state in states(eservice, raw)}


def display_value(field: Field) -> str:
    """A field's answer as the check-answers page and the receipt show it."""
    value = typed_value(field)
    if value in (None, "", []):
        return ""
    if isinstance(field, AmountField):
        return f"{value:,} kr".replace(",", "\u00a0")
    if isinstance(field, SelectFieldBase):
        chosen = value if isinstance(value, list) else [value]
        labels = [str(label) for key, label in _choices(field) if key in chosen]
        return ", ".join(labels)
    if isinstance(field, BooleanField):
        return str(_yes_no(bool(value)))
    if isinstance(field, PersonnummerField):
        return f"{value[:8]}-{value[8:]}"
    return str(value)


def _yes_no(value: bool) -> Any:
    return _l("Yes") if value else _l("No")


def _choices(field: SelectFieldBase) -> list[tuple[str, Any]]:
    return [(choice[0], choice[1]) for choice in field.iter_choices()]  # type: ignore[misc]


def summary_rows(step: Step, form: Form) -> list[tuple[str, str]]:
    """(question, answer) pairs of a step, for "Granska dina svar", the receipt and BankID's visible text."""
    rows: list[tuple[str, str]] = []
    forms = step_forms(step, form)
    for index, item in enumerate(forms, start=1):
        for field in item:
            answer = display_value(field)
            if not answer:
                continue
            label = str(field.label.text)
            if step.repeat is not None:
                label = f"{step.repeat.item_label % {'number': index}}: {label}"
            rows.append((label, answer))
    return rows


# --- JSON Schema --------------------------------------------------------------------------------------


def _field_schema(field: Field) -> dict[str, Any]:
    if isinstance(field, AmountField):
        return {"type": ["integer", "null"], "minimum": 0, "description": "whole kronor"}
    if isinstance(field, WholeNumberField):
        return {"type": ["integer", "null"], "minimum": 0, "maximum": field.maximum}
    if isinstance(field, PersonnummerField):
        return {"type": ["string", "null"], "pattern": "^[0-9]{12}$"}
    if isinstance(field, DateInputField):
        return {"type": ["string", "null"], "format": "date"}
    if isinstance(field, SelectMultipleField):
        return {"type": ["array", "null"], "items": {"enum": [key for key, _ in _choices(field)]}}
    if isinstance(field, (RadioField, SelectFieldBase)):
        return {"enum": [key for key, _ in _choices(field)] + [None]}
    if isinstance(field, BooleanField):
        return {"type": "boolean"}
    return {"type": ["string", "null"]}


def _form_schema(form: Form) -> dict[str, Any]:
    properties = {}
    required = []
    for name, field in form._fields.items():
        schema = _field_schema(field)
        schema["title"] = str(field.label.text)
        if any(isinstance(v, InputRequired) for v in field.validators):
            required.append(name)
            # A required answer is never null.
            if isinstance(schema.get("type"), list):
                schema["type"] = [t for t in schema["type"] if t != "null"]
            if "enum" in schema:
                schema["enum"] = [e for e in schema["enum"] if e is not None]
        properties[name] = schema
    return {"type": "object", "properties": properties, "required": required, "additionalProperties": False}


def schema(eservice: EService) -> dict[str, Any]:
    """The JSON Schema of the e-service's payload, for this version."""
    steps: dict[str, Any] = {}
    for step in eservice.steps:
        item = _form_schema(step.form())
        item["title"] = str(step.title)
        if step.repeat is not None:
            steps[step.id] = {
                "type": "array",
                "title": str(step.title),
                "items": item,
                "minItems": step.repeat.min_items,
                "maxItems": step.repeat.max_items,
            }
        else:
            steps[step.id] = item
    return {
        "$schema": SCHEMA_DIALECT,
        "$id": f"urn:medborgarvy:eservice:{eservice.id}:v{eservice.version}",
        "title": str(eservice.title),
        "type": "object",
        "required": ["eservice", "version", "submitted_at", "applicant", "answers", "attachments"],
        "properties": {
            "eservice": {"const": eservice.id},
            "version": {"const": eservice.version},
            "submitted_at": {"type": "string", "format": "date-time"},
            "applicant": {
                "type": "object",
                "required": ["personal_number", "name"],
                "properties": {
                    "personal_number": {"type": "string", "pattern": "^[0-9]{12}$"},
                    "name": {"type": "string"},
                },
            },
            "co_applicant": {
                "type": ["object", "null"],
                "properties": {
                    "personal_number": {"type": "string", "pattern": "^[0-9]{12}$"},
                    "name": {"type": "string"},
                    "signed_at": {"type": "string"},
                },
            },
            # Present when an ombud (fullmakt, god man, förvaltare, vårdnadshavare) applied for the applicant.
            "representative": {
                "type": "object",
                "required": ["personal_number", "name"],
                "properties": {
                    "personal_number": {"type": "string", "pattern": "^[0-9]{12}$"},
                    "name": {"type": "string"},
                },
            },
            # Steps that did not apply (their condition was false) are absent.
            "answers": {"type": "object", "properties": steps, "additionalProperties": False},
            "attachments": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["id", "step", "slot", "filename", "media_type", "size", "sha256"],
                    "properties": {
                        "id": {"type": "string"},
                        "step": {"type": "string"},
                        "slot": {"type": "string"},
                        "filename": {"type": "string"},
                        "size": {"type": "integer"},
                        "media_type": {"enum": ["application/pdf", "image/jpeg", "image/png", "image/heic"]},
                        "sha256": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
                    },
                },
            },
            "calculation": {"type": ["object", "null"]},
        },
    }


def render_field_errors(form: Form) -> list[tuple[str, str]]:
    """(field id, message) for the error summary, in page order."""
    errors: list[tuple[str, str]] = []
    for field in form:
        if isinstance(field, FieldList):
            for entry in field:
                errors.extend(render_field_errors(entry.form))
        elif isinstance(field, FormField):
            errors.extend(render_field_errors(field.form))
        else:
            errors.extend((field.id, str(message)) for message in field.errors)
    return errors


__all__ = [
    "StepState",
    "all_complete",
    "bind",
    "raw_from_request",
    "render_field_errors",
    "schema",
    "states",
    "summary_rows",
    "typed_answers",
    "typed_data",
    "validate",
]
