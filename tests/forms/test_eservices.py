"""The e-services' declarations: registration, conditional steps, repeating groups, the co-applicant, the
preliminary calculation, and that every text a citizen sees goes through the catalogue."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from flask_babel.speaklater import LazyString
from werkzeug.datastructures import MultiDict
from wtforms import Field, SelectFieldBase
from wtforms.validators import Email, InputRequired, Length

import forms
from forms import engine
from forms.base import Answers, EService
from tests.forms import samples

MINE = ("ekonomiskt_bistand", "manadsansokan", "dodsboanmalan", "personlig_assistans")


@pytest.mark.parametrize(
    ("eservice_id", "case_type", "unit_code"),
    [
        ("ekonomiskt_bistand", "ekonomiskt_bistand", "forsorjningsstod"),
        ("manadsansokan", "ekonomiskt_bistand", "forsorjningsstod"),
        ("dodsboanmalan", "dodsboanmalan", "forsorjningsstod"),
        ("personlig_assistans", "personlig_assistans_lss", "lss"),
    ],
)
def test_registered_with_case_type_and_unit(eservice_id: str, case_type: str, unit_code: str) -> None:
    eservice = forms.get(eservice_id)
    assert eservice.id == eservice_id
    assert (eservice.case_type, eservice.unit_code) == (case_type, unit_code)
    assert len({step.id for step in eservice.steps}) == len(eservice.steps), "step ids are unique"


# --- every text is a lazy string --------------------------------------------------------------------------


def _texts(eservice: EService) -> list[tuple[str, Any]]:
    """(where, text) for every text of the e-service a citizen can see."""
    texts: list[tuple[str, Any]] = [("title", eservice.title), ("summary", eservice.summary)]
    texts += [(f"what_you_need[{i}]", text) for i, text in enumerate(eservice.what_you_need)]
    for step in eservice.steps:
        where = f"{step.id}"
        texts.append((f"{where}.title", step.title))
        if step.description:
            texts.append((f"{where}.description", step.description))
        if step.repeat is not None:
            texts += [
                (f"{where}.repeat", text)
                for text in (step.repeat.item_label, step.repeat.add_label, step.repeat.remove_label)
            ]
        for slot in step.attachments:
            texts.append((f"{where}.{slot.id}", slot.label))
            if slot.hint:
                texts.append((f"{where}.{slot.id}.hint", slot.hint))
        for name, field in step.form()._fields.items():
            texts += [(f"{where}.{name}.{what}", text) for what, text in _field_texts(field)]
    return texts


def _field_texts(field: Field) -> list[tuple[str, Any]]:
    texts: list[tuple[str, Any]] = [("label", field.label.text)]
    if field.description:
        texts.append(("description", field.description))
    if isinstance(field, SelectFieldBase):
        texts += [(f"choice {value}", label) for value, label, *_ in field.iter_choices()]
        invalid = getattr(field, "invalid_choice_message", None)
        if invalid is not None:
            texts.append(("invalid_choice_message", invalid))
    if hasattr(field, "message"):
        texts.append(("message", field.message))
    if hasattr(field, "messages"):
        texts += [(f"messages[{key}]", text) for key, text in field.messages.items()]
    for validator in field.validators:
        if isinstance(validator, (Email, InputRequired, Length)):
            texts.append((f"{type(validator).__name__}.message", validator.message))
    return texts


@pytest.mark.parametrize("eservice_id", MINE)
def test_every_text_is_a_lazy_string(eservice_id: str) -> None:
    plain = [where for where, text in _texts(forms.get(eservice_id)) if not isinstance(text, LazyString)]
    assert not plain, f"not lazy_gettext: {plain}"


@pytest.mark.parametrize("eservice_id", MINE)
def test_every_required_answer_has_its_own_message(eservice_id: str) -> None:
    eservice = forms.get(eservice_id)
    for step in eservice.steps:
        for name, field in step.form()._fields.items():
            for validator in field.validators:
                if isinstance(validator, InputRequired):
                    assert validator.message, f"{step.id}.{name} would show WTForms' own text"


# --- conditional steps ----------------------------------------------------------------------------------


def _visible(eservice_id: str, raw: dict[str, Any]) -> list[str]:
    return [state.step.id for state in engine.states(forms.get(eservice_id), raw)]


@pytest.mark.parametrize("eservice_id", ["ekonomiskt_bistand", "manadsansokan"])
def test_co_applicant_step_only_for_couples(eservice_id: str) -> None:
    raw = samples.raw(eservice_id)
    assert "co_applicant" in _visible(eservice_id, raw)

    raw["household"]["lives_with_partner"] = "no"
    assert "co_applicant" not in _visible(eservice_id, raw)
    # The answers typed before stay in the draft but are not part of the application.
    assert "co_applicant" not in engine.typed_answers(forms.get(eservice_id), raw)
    assert engine.all_complete(forms.get(eservice_id), raw)

    del raw["household"]
    assert "co_applicant" not in _visible(eservice_id, raw)


@pytest.mark.parametrize("eservice_id", ["ekonomiskt_bistand", "manadsansokan"])
def test_children_step_only_when_there_are_children(eservice_id: str) -> None:
    raw = samples.raw(eservice_id)
    raw["household"]["has_children"] = "no"
    assert "children" not in _visible(eservice_id, raw)
    assert engine.all_complete(forms.get(eservice_id), raw)


def test_child_days_required_only_when_not_living_with_you_full_time() -> None:
    eservice = forms.get("ekonomiskt_bistand")
    child = {"name": "Lisa", "personal_number": samples.CHILD, "lives_full_time": "yes", "days_per_month": ""}
    assert samples.messages(eservice, "children", [child]) == []

    child["lives_full_time"] = "no"
    assert samples.messages(eservice, "children", [child]) == [
        ("items-0-days_per_month", "Enter how many days a month the child lives with you")
    ]
    child["days_per_month"] = "14"
    assert samples.messages(eservice, "children", [child]) == []


def test_children_need_at_least_one_child() -> None:
    eservice = forms.get("ekonomiskt_bistand")
    errors = samples.messages(eservice, "children", [])
    assert ("items-0-name", "Enter the child's name") in errors


def test_estate_needs_at_least_one_party() -> None:
    eservice = forms.get("dodsboanmalan")
    errors = samples.messages(eservice, "estate_parties", [])
    assert ("items-0-name", "Enter the full name of the party to the estate") in errors
    raw = samples.raw("dodsboanmalan")
    raw["estate_parties"] = []
    assert not engine.all_complete(eservice, raw)


# --- repeating groups -----------------------------------------------------------------------------------


def test_several_incomes() -> None:
    eservice = forms.get("ekonomiskt_bistand")
    incomes = [
        {"type": "salary", "whose": "applicant", "amount": "10 000"},
        {"type": "housing_allowance", "whose": "applicant", "amount": "1500 kr"},
        {"type": "salary", "whose": "co_applicant", "amount": "8000,00"},
        {"type": "student_aid", "whose": "co_applicant", "amount": "3 200:-"},
    ]
    step = eservice.step("incomes")
    assert step is not None
    ok, form = engine.validate(step, incomes)
    assert ok, engine.render_field_errors(form)
    typed = engine.typed_data(step, form)
    assert [item["amount"] for item in typed] == [10000, 1500, 8000, 3200]
    rows = engine.summary_rows(step, form)
    assert ("Income 4: How much, in kronor, for the month?", "3\u00a0200 kr") in rows


def test_no_income_is_a_valid_answer() -> None:
    eservice = forms.get("ekonomiskt_bistand")
    assert samples.messages(eservice, "incomes", []) == []


def test_incomes_are_capped_at_the_maximum() -> None:
    eservice = forms.get("ekonomiskt_bistand")
    step = eservice.step("incomes")
    assert step is not None and step.repeat is not None
    many = step.repeat.max_items + 5
    post = MultiDict()
    for index in range(many):
        post.add(f"items-{index}-type", "salary")
        post.add(f"items-{index}-whose", "applicant")
        post.add(f"items-{index}-amount", "100")
    kept = engine.raw_from_request(step, post)
    assert len(kept) == step.repeat.max_items
    ok, form = engine.validate(step, kept)
    assert ok
    assert len(engine.typed_data(step, form)) == step.repeat.max_items


def test_an_error_in_one_item_names_that_item() -> None:
    eservice = forms.get("manadsansokan")
    incomes = [
        {"type": "salary", "whose": "applicant", "amount": "100"},
        {"type": "pension", "whose": "applicant", "amount": ""},
    ]
    assert samples.messages(eservice, "incomes", incomes) == [
        ("items-1-amount", "Enter how much you receive")
    ]


def test_optional_amounts_stay_empty() -> None:
    eservice = forms.get("dodsboanmalan")
    typed = engine.typed_answers(eservice, samples.raw("dodsboanmalan"))
    assert typed["assets"]["cash"] is None
    assert typed["debts"]["other_bills"] is None
    assert typed["funeral"]["headstone"] is None
    assert typed["assets"]["bank_balance"] == 3250


# --- the co-applicant -----------------------------------------------------------------------------------


@pytest.mark.parametrize("eservice_id", ["ekonomiskt_bistand", "manadsansokan"])
def test_co_applicant_number(eservice_id: str) -> None:
    eservice = forms.get(eservice_id)
    raw = samples.raw(eservice_id)
    assert eservice.co_applicant_number(Answers(raw)) == samples.PARTNER.replace("-", "")

    raw["co_applicant"]["personal_number"] = samples.PARTNER[2:]  # ten digits, as many type it
    assert eservice.co_applicant_number(Answers(raw)) == samples.PARTNER.replace("-", "")

    raw["co_applicant"]["personal_number"] = "19850304-1232"  # wrong check digit
    assert eservice.co_applicant_number(Answers(raw)) is None

    raw["co_applicant"]["personal_number"] = ""
    assert eservice.co_applicant_number(Answers(raw)) is None

    raw = samples.raw(eservice_id)
    raw["household"]["lives_with_partner"] = "no"  # the typed number no longer applies
    assert eservice.co_applicant_number(Answers(raw)) is None


@pytest.mark.parametrize("eservice_id", ["dodsboanmalan", "personlig_assistans"])
def test_no_co_applicant(eservice_id: str) -> None:
    eservice = forms.get(eservice_id)
    assert eservice.co_applicant_number(Answers(samples.raw(eservice_id))) is None


@pytest.mark.parametrize(
    ("eservice_id", "email"),
    [
        ("ekonomiskt_bistand", "tolvan@example.se"),
        ("manadsansokan", None),
        ("dodsboanmalan", None),
        ("personlig_assistans", "kim@example.se"),
    ],
)
def test_email_for_the_receipt(eservice_id: str, email: str | None) -> None:
    assert forms.get(eservice_id).email(Answers(samples.raw(eservice_id))) == email


# --- the preliminary calculation ------------------------------------------------------------------------


def _typed_for_2024(eservice_id: str) -> dict[str, Any]:
    """Typed answers of a complete application, moved to 2024 (a year with a norm table)."""
    typed = engine.typed_answers(forms.get(eservice_id), samples.raw(eservice_id))
    typed["period"] = {"year": 2024, "month": "03"}
    return typed


def test_calculation_of_a_new_application() -> None:
    eservice = forms.get("ekonomiskt_bistand")
    typed = _typed_for_2024("ekonomiskt_bistand")
    result = eservice.calculation(Answers(samples.raw("ekonomiskt_bistand")), typed)
    assert result is not None
    assert (result["year"], result["month"]) == (2024, 3)
    # Rent from the housing step, the other costs by riksnorm's keys.
    assert result["costs"] == {"housing": 7350, "electricity": 450, "home_insurance": 180, "other": 1200}
    assert result["incomes"] == {"salary": 12400, "child_allowance": 2500, "other": 300}
    # A couple, a child full time and a child 15 days a month: four persons for the common costs.
    assert result["household_size"] == 4
    ages = {item["label_key"] for item in result["norm_items"]}
    child_age = 2024 - samples.CHILD_BORN.year - 1  # born in June, counted on 1 March
    band = "age_7_10" if child_age <= 10 else "age_11_14"
    assert f"norm_child_{band}" in ages
    assert any(key.startswith("norm_child_part_time_") for key in ages)
    assert result["disclaimer_key"] == "preliminary_not_a_decision"


def test_calculation_of_a_single_applicant_without_children() -> None:
    eservice = forms.get("ekonomiskt_bistand")
    typed = _typed_for_2024("ekonomiskt_bistand")
    typed["household"] = {"lives_with_partner": "no", "has_children": "no"}
    typed.pop("co_applicant")
    typed.pop("children")
    typed["incomes"] = []
    typed["costs"] = []
    result = eservice.calculation(Answers({}), typed)
    assert result is not None
    assert result["household_size"] == 1
    assert [item["label_key"] for item in result["norm_items"]] == [
        "norm_single_adult",
        "norm_common_household",
    ]
    assert result["costs"] == {"housing": 7350}
    assert result["incomes"] == {}
    assert result["result"] == result["norm_total"] + 7350


def test_calculation_of_a_monthly_application_takes_rent_from_the_costs() -> None:
    eservice = forms.get("manadsansokan")
    result = eservice.calculation(Answers({}), _typed_for_2024("manadsansokan"))
    assert result is not None
    assert result["costs"] == {"housing": 7500, "electricity": 450}


def test_incomes_are_summed_per_type() -> None:
    eservice = forms.get("manadsansokan")
    typed = _typed_for_2024("manadsansokan")
    typed["incomes"] = [
        {"type": "salary", "whose": "applicant", "description": None, "amount": 5000},
        {"type": "salary", "whose": "co_applicant", "description": None, "amount": 7000},
    ]
    result = eservice.calculation(Answers({}), typed)
    assert result is not None
    assert result["incomes"] == {"salary": 12000}


@pytest.mark.parametrize("eservice_id", ["ekonomiskt_bistand", "manadsansokan"])
def test_a_year_without_its_norm_table_uses_the_latest_earlier_one_and_says_so(eservice_id: str) -> None:
    typed = _typed_for_2024(eservice_id)
    reference = forms.get(eservice_id).calculation(Answers({}), typed)
    typed["period"] = {"year": 2031, "month": "01"}
    later = forms.get(eservice_id).calculation(Answers({}), typed)
    assert later["year"] == 2031
    assert later["norm_year"] == 2024
    assert later["source"] == reference["source"]  # the 2024 table, children seven years older


@pytest.mark.parametrize("eservice_id", ["ekonomiskt_bistand", "manadsansokan"])
def test_no_calculation_before_the_first_norm_table(eservice_id: str) -> None:
    typed = _typed_for_2024(eservice_id)
    typed["period"] = {"year": 2015, "month": "01"}
    assert forms.get(eservice_id).calculation(Answers({}), typed) is None


def test_no_calculation_for_a_household_the_norm_does_not_model() -> None:
    typed = _typed_for_2024("ekonomiskt_bistand")
    # A "child" of 23 in 2024: the norm has no amount for that.
    typed["children"][0]["personal_number"] = samples.personnummer(dt.date(2001, 1, 1)).replace("-", "")
    assert forms.get("ekonomiskt_bistand").calculation(Answers({}), typed) is None


def test_no_calculation_without_a_month() -> None:
    typed = _typed_for_2024("ekonomiskt_bistand")
    typed["period"] = {"year": None, "month": None}
    assert forms.get("ekonomiskt_bistand").calculation(Answers({}), typed) is None


@pytest.mark.parametrize("eservice_id", ["dodsboanmalan", "personlig_assistans"])
def test_no_calculation_for_other_eservices(eservice_id: str) -> None:
    eservice = forms.get(eservice_id)
    raw = samples.raw(eservice_id)
    assert eservice.calculation(Answers(raw), engine.typed_answers(eservice, raw)) is None
