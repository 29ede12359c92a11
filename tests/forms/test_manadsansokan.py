"""Månadsansökan: starting from the previous application (prefill) and showing what changed."""

from __future__ import annotations

import copy
from typing import Any

import pytest

import forms
from forms import engine
from forms.manadsansokan import Manadsansokan, changes
from tests.forms import samples

CHANGES_ANSWER = {
    "household_changed": "no",
    "housing_changed": "no",
    "employment_changed": "no",
    "what_changed": "",
}


def _previous(eservice_id: str, raw: dict[str, Any] | None = None) -> dict[str, Any]:
    eservice = forms.get(eservice_id)
    raw = raw if raw is not None else samples.raw(eservice_id)
    assert engine.all_complete(eservice, raw)
    return samples.payload(eservice, engine.typed_answers(eservice, raw))


def _strings_only(value: Any) -> bool:
    if isinstance(value, dict):
        return all(_strings_only(v) for v in value.values())
    if isinstance(value, list):
        return all(_strings_only(v) for v in value)
    return isinstance(value, str)


def test_prefill_from_a_new_application() -> None:
    previous = _previous("ekonomiskt_bistand")
    raw = Manadsansokan.prefill(previous)

    year, month = samples.months_from_now(1)
    assert raw["period"] == {"year": str(year), "month": f"{month:02d}"}
    assert "changes" not in raw, "what changed is asked every month"
    assert raw["contact"] == {"phone": "070-123 45 67", "email": "tolvan@example.se"}
    assert raw["household"] == {"lives_with_partner": "yes", "has_children": "yes"}
    assert raw["co_applicant"] == {
        "personal_number": samples.PARTNER.replace("-", ""),
        "name": "Anna Andersson",
        "occupation": "employed",
    }
    assert raw["children"][0] == {
        "name": "Lisa",
        "personal_number": samples.CHILD.replace("-", ""),
        "lives_full_time": "yes",
    }
    assert raw["children"][1]["days_per_month"] == "15"
    assert raw["incomes"][0] == {"type": "salary", "whose": "co_applicant", "amount": "12400"}
    # The rent asked in the new application's housing step is the first housing cost.
    assert raw["costs"][0] == {"type": "housing", "amount": "7350"}
    assert raw["costs"][1:] == [
        {"type": "electricity", "amount": "450"},
        {"type": "home_insurance", "amount": "180"},
        {"type": "other", "description": "Glasögon", "amount": "1200"},
    ]
    assert set(raw) <= {step.id for step in Manadsansokan.steps}
    assert _strings_only(raw), "raw answers are what a citizen types: strings"

    eservice = forms.get("manadsansokan")
    assert not engine.all_complete(eservice, raw), "the changes are still to answer"
    raw["changes"] = dict(CHANGES_ANSWER)
    assert engine.all_complete(eservice, raw)
    assert changes(previous, engine.typed_answers(eservice, raw)) == []


def test_prefill_from_a_monthly_application() -> None:
    previous = _previous("manadsansokan")
    raw = Manadsansokan.prefill(previous)
    assert raw["costs"] == [{"type": "housing", "amount": "7500"}, {"type": "electricity", "amount": "450"}]
    assert raw["contact"] == {"phone": "070-123 45 67"}
    raw["changes"] = dict(CHANGES_ANSWER)
    eservice = forms.get("manadsansokan")
    assert engine.all_complete(eservice, raw)
    assert changes(previous, engine.typed_answers(eservice, raw)) == []


def test_prefill_of_a_single_applicant_without_children() -> None:
    raw = samples.raw("ekonomiskt_bistand")
    raw["household"] = {"lives_with_partner": "no", "has_children": "no"}
    prefilled = Manadsansokan.prefill(_previous("ekonomiskt_bistand", raw))
    assert "co_applicant" not in prefilled
    assert "children" not in prefilled


def test_prefill_after_december_is_january() -> None:
    answers = {"period": {"year": samples.TODAY.year, "month": "12"}}
    previous = {"eservice": "manadsansokan", "version": 1, "answers": answers}
    assert Manadsansokan.prefill(previous) == {"period": {"year": str(samples.TODAY.year + 1), "month": "01"}}


def test_prefill_after_a_pause_is_this_month() -> None:
    answers = {"period": {"year": samples.TODAY.year - 1, "month": "03"}}
    previous = {"eservice": "manadsansokan", "version": 1, "answers": answers}
    assert Manadsansokan.prefill(previous) == {"period": samples.this_month()}


def test_prefill_tolerates_what_it_does_not_know() -> None:
    previous = {
        "eservice": "ekonomiskt_bistand",
        "version": 1,
        "answers": {"contact": {"phone": "070", "fax": "08-123"}, "incomes": [{"type": "salary"}, "junk"]},
    }
    assert Manadsansokan.prefill(previous) == {"contact": {"phone": "070"}, "incomes": [{"type": "salary"}]}
    assert Manadsansokan.prefill({}) == {}


def test_prefill_for_the_draft() -> None:
    eservice = forms.get("manadsansokan")
    assert eservice.prefill_for(None) == {}
    previous = _previous("ekonomiskt_bistand")
    assert eservice.prefill_for(previous) == Manadsansokan.prefill(previous)


@pytest.fixture
def month_after() -> tuple[dict[str, Any], dict[str, Any]]:
    """The previous (new) application and the raw answers of the next month's, prefilled from it."""
    previous = _previous("ekonomiskt_bistand")
    raw = Manadsansokan.prefill(previous)
    raw["changes"] = dict(CHANGES_ANSWER)
    return previous, raw


def _changes(previous: dict[str, Any], raw: dict[str, Any]) -> list[tuple[str, str | int, Any, Any]]:
    eservice = forms.get("manadsansokan")
    assert engine.all_complete(eservice, raw), engine.states(eservice, raw)
    return changes(previous, engine.typed_answers(eservice, raw))


def test_a_changed_answer(month_after: tuple[dict[str, Any], dict[str, Any]]) -> None:
    previous, raw = month_after
    raw["contact"]["phone"] = "073-000 00 00"
    assert _changes(previous, raw) == [("contact", "phone", "070-123 45 67", "073-000 00 00")]


def test_a_changed_amount_is_matched_to_the_same_income(
    month_after: tuple[dict[str, Any], dict[str, Any]],
) -> None:
    previous, raw = month_after
    raw["incomes"].insert(0, {"type": "pension", "whose": "applicant", "amount": "900"})  # a new one first
    raw["incomes"][1]["amount"] = "13 100"  # the salary
    result = _changes(previous, raw)
    salary_before = {"type": "salary", "description": None, "whose": "co_applicant", "amount": 12400}
    assert result == [
        ("incomes", 0, None, {"type": "pension", "description": None, "whose": "applicant", "amount": 900}),
        ("incomes", 1, salary_before, {**salary_before, "amount": 13100}),
    ]


def test_a_removed_cost(month_after: tuple[dict[str, Any], dict[str, Any]]) -> None:
    previous, raw = month_after
    del raw["costs"][2]  # home insurance
    assert _changes(previous, raw) == [
        ("costs", 2, {"type": "home_insurance", "description": None, "amount": 180}, None),
    ]


def test_rent_changed(month_after: tuple[dict[str, Any], dict[str, Any]]) -> None:
    previous, raw = month_after
    raw["costs"][0]["amount"] = "7 600"
    raw["changes"].update(housing_changed="yes", what_changed="Hyran höjdes.")
    assert _changes(previous, raw) == [
        (
            "costs",
            0,
            {"type": "housing", "description": None, "amount": 7350},
            {"type": "housing", "description": None, "amount": 7600},
        ),
    ]


def test_the_partner_moved_out(month_after: tuple[dict[str, Any], dict[str, Any]]) -> None:
    previous, raw = month_after
    raw["household"]["lives_with_partner"] = "no"
    raw["changes"].update(household_changed="yes", what_changed="Anna har flyttat.")
    raw["incomes"] = [item for item in raw["incomes"] if item["whose"] == "applicant"]
    result = _changes(previous, raw)
    assert ("household", "lives_with_partner", "yes", "no") in result
    assert ("co_applicant", "personal_number", samples.PARTNER.replace("-", ""), None) in result
    assert ("co_applicant", "name", "Anna Andersson", None) in result
    removed = [change for change in result if change[0] == "incomes"]
    assert [(old["type"], new) for _step, _index, old, new in removed] == [("salary", None)]


def test_changes_do_not_touch_their_arguments(month_after: tuple[dict[str, Any], dict[str, Any]]) -> None:
    previous, raw = month_after
    before = copy.deepcopy(previous)
    _changes(previous, raw)
    assert previous == before
