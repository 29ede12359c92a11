"""The canonical payload of a complete application is valid against the e-service's published JSON Schema."""

from __future__ import annotations

from typing import Any

import pytest
from jsonschema import Draft202012Validator

import forms
from forms import engine
from forms.base import Answers
from tests.forms import samples

ALL = ("ekonomiskt_bistand", "manadsansokan", "dodsboanmalan", "hemtjanst", "personlig_assistans")


def _validator(eservice_id: str) -> Draft202012Validator:
    schema = engine.schema(forms.get(eservice_id))
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


def _errors(eservice_id: str, document: dict[str, Any]) -> list[str]:
    return [f"{list(e.absolute_path)}: {e.message}" for e in _validator(eservice_id).iter_errors(document)]


@pytest.mark.parametrize("eservice_id", ALL)
def test_a_complete_application_matches_the_schema(eservice_id: str) -> None:
    eservice = forms.get(eservice_id)
    raw = samples.raw(eservice_id)
    assert engine.all_complete(eservice, raw)
    typed = engine.typed_answers(eservice, raw)
    calculation = eservice.calculation(Answers(raw), typed)
    assert _errors(eservice_id, samples.payload(eservice, typed, calculation)) == []


@pytest.mark.parametrize("eservice_id", ["ekonomiskt_bistand", "manadsansokan"])
def test_with_a_calculation_and_without_the_conditional_steps(eservice_id: str) -> None:
    eservice = forms.get(eservice_id)
    raw = samples.raw(eservice_id)
    raw["household"] = {"lives_with_partner": "no", "has_children": "no"}
    raw["incomes"] = []
    typed = engine.typed_answers(eservice, raw)
    assert "co_applicant" not in typed and "children" not in typed
    typed_2024 = {**typed, "period": {"year": 2024, "month": "05"}}
    calculation = eservice.calculation(Answers(raw), typed_2024)
    assert calculation is not None
    assert _errors(eservice_id, samples.payload(eservice, typed, calculation)) == []


@pytest.mark.parametrize("eservice_id", ALL)
def test_the_schema_refuses_a_missing_required_answer(eservice_id: str) -> None:
    eservice = forms.get(eservice_id)
    typed = engine.typed_answers(eservice, samples.raw(eservice_id))
    first = eservice.steps[0].id
    step = typed[first]
    step_schema = engine.schema(eservice)["properties"]["answers"]["properties"][first]
    required_field = step_schema["required"][0]
    step[required_field] = None
    assert _errors(eservice_id, samples.payload(eservice, typed))


def test_amounts_are_whole_kronor_in_the_payload() -> None:
    eservice = forms.get("dodsboanmalan")
    typed = engine.typed_answers(eservice, samples.raw("dodsboanmalan"))
    typed["funeral"]["funeral_invoice"] = "24 500"
    assert _errors("dodsboanmalan", samples.payload(eservice, typed))
