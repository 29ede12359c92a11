"""Every validation message path of every e-service: a complete application with one answer made wrong shows
that answer's own message (GOV.UK style), on that field, and nothing else."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from wtforms.validators import Email, InputRequired

import forms
from tests.forms import samples

NEXT_YEAR_OUT = str(samples.TODAY.year + 5)
TOMORROW = (samples.TODAY + dt.timedelta(days=1)).isoformat()
PAST_MONTH_YEAR, PAST_MONTH = samples.months_from_now(-1)
FAR_MONTH_YEAR, FAR_MONTH = samples.months_from_now(3)
TOO_LONG_41 = "1" * 41
LONG_EMAIL = "a" * 64 + "@" + "b" * 60 + "." + "c" * 60 + ".www.example.se"  # valid, but 201 characters

FORMAT = "Enter the personal identity number with 12 digits, like 19121212-1212"
DATE = "The personal identity number has a date that does not exist"
CHECKSUM = "Check the personal identity number: the last digit does not match"

# (e-service, step, {field: bad value, None to leave it out}, field in error, message).
# For a repeating step the changes apply to its first item, whose fields are "items-0-<name>".
BISTAND_CASES: list[tuple[str, dict[str, Any], str, str]] = [
    ("period", {"month": None}, "month", "Choose the month you apply for"),
    ("period", {"month": "13"}, "month", "Choose the month you apply for"),
    ("period", {"year": ""}, "year", "Enter the year of the month you apply for"),
    ("period", {"year": "20x6"}, "year", "Enter the year with four digits, like 2026"),
    ("period", {"year": "12345"}, "year", "Enter the year with four digits, like 2026"),
    ("period", {"year": NEXT_YEAR_OUT}, "year", "You can apply for this month or one of the next two months"),
    (
        "period",
        {"year": str(PAST_MONTH_YEAR), "month": f"{PAST_MONTH:02d}"},
        "year",
        "You can apply for this month or one of the next two months",
    ),
    (
        "period",
        {"year": str(FAR_MONTH_YEAR), "month": f"{FAR_MONTH:02d}"},
        "year",
        "You can apply for this month or one of the next two months",
    ),
    ("contact", {"phone": ""}, "phone", "Enter a phone number we can reach you on"),
    ("contact", {"phone": TOO_LONG_41}, "phone", "Write at most 40 characters"),
    ("contact", {"email": "tolvan.example.se"}, "email", "Enter an e-mail address like namn@example.se"),
    ("contact", {"email": LONG_EMAIL}, "email", "Write at most 200 characters"),
    (
        "household",
        {"lives_with_partner": None},
        "lives_with_partner",
        "Choose whether you live with a spouse or cohabiting partner (sambo)",
    ),
    (
        "household",
        {"lives_with_partner": "maybe"},
        "lives_with_partner",
        "Choose whether you live with a spouse or cohabiting partner (sambo)",
    ),
    ("household", {"has_children": None}, "has_children", "Choose whether children live with you"),
    (
        "co_applicant",
        {"personal_number": ""},
        "personal_number",
        "Enter your spouse's or partner's personal identity number",
    ),
    ("co_applicant", {"personal_number": "12345"}, "personal_number", FORMAT),
    ("co_applicant", {"personal_number": "19851304-1234"}, "personal_number", DATE),
    ("co_applicant", {"personal_number": "19850304-1232"}, "personal_number", CHECKSUM),
    ("co_applicant", {"name": ""}, "name", "Enter your spouse's or partner's full name"),
    ("co_applicant", {"name": "a" * 201}, "name", "Write at most 200 characters"),
    ("co_applicant", {"occupation": None}, "occupation", "Choose what your spouse or partner does"),
    ("children", {"name": ""}, "items-0-name", "Enter the child's name"),
    (
        "children",
        {"personal_number": ""},
        "items-0-personal_number",
        "Enter the child's personal identity number",
    ),
    ("children", {"personal_number": "2016-06-15"}, "items-0-personal_number", FORMAT),
    (
        "children",
        {"lives_full_time": None},
        "items-0-lives_full_time",
        "Choose whether the child lives with you all the time",
    ),
    (
        "children",
        {"lives_full_time": "no", "days_per_month": ""},
        "items-0-days_per_month",
        "Enter how many days a month the child lives with you",
    ),
    (
        "children",
        {"lives_full_time": "no", "days_per_month": "32"},
        "items-0-days_per_month",
        "Enter the number of days as a whole number from 1 to 31",
    ),
    (
        "children",
        {"lives_full_time": "no", "days_per_month": "0"},
        "items-0-days_per_month",
        "Enter the number of days as a whole number from 1 to 31",
    ),
    (
        "children",
        {"lives_full_time": "no", "days_per_month": "halva"},
        "items-0-days_per_month",
        "Enter the number of days as a whole number from 1 to 31",
    ),
    ("incomes", {"type": None}, "items-0-type", "Choose what kind of income it is"),
    ("incomes", {"type": "lottery"}, "items-0-type", "Choose what kind of income it is"),
    ("incomes", {"type": "other", "description": ""}, "items-0-description", "Describe what the income is"),
    ("incomes", {"description": "a" * 201}, "items-0-description", "Write at most 200 characters"),
    ("incomes", {"whose": None}, "items-0-whose", "Choose whose income it is"),
    ("incomes", {"amount": ""}, "items-0-amount", "Enter how much you receive"),
    ("incomes", {"amount": "12,5"}, "items-0-amount", "Enter the income in whole kronor, like 4500"),
    ("incomes", {"amount": "-100"}, "items-0-amount", "Enter the income in whole kronor, like 4500"),
    ("costs", {"type": None}, "items-0-type", "Choose what kind of cost it is"),
    ("costs", {"type": "other", "description": ""}, "items-0-description", "Describe what the cost is"),
    ("costs", {"description": "a" * 201}, "items-0-description", "Write at most 200 characters"),
    ("costs", {"amount": ""}, "items-0-amount", "Enter how much the cost is"),
    ("costs", {"amount": "åttahundra"}, "items-0-amount", "Enter the cost in whole kronor, like 850"),
]

NYANSOKAN_CASES: list[tuple[str, dict[str, Any], str, str]] = [
    ("housing", {"housing_type": None}, "housing_type", "Choose how you live"),
    ("housing", {"rent": ""}, "rent", "Enter how much you pay for your housing each month"),
    ("housing", {"rent": "sju tusen"}, "rent", "Enter the housing cost in whole kronor, like 6500"),
    ("housing", {"rooms": "2,5"}, "rooms", "Enter the number of rooms as a whole number, like 2"),
    ("housing", {"rooms": "21"}, "rooms", "Enter the number of rooms as a whole number, like 2"),
    ("employment", {"occupation": None}, "occupation", "Choose what you do"),
    ("employment", {"occupation": "other", "description": " "}, "description", "Describe what you do"),
    ("employment", {"description": "a" * 2001}, "description", "Write at most 2000 characters"),
    (
        "assets",
        {"has_savings": None},
        "has_savings",
        "Choose whether you have money in bank accounts or savings",
    ),
    (
        "assets",
        {"has_savings": "yes", "savings_amount": ""},
        "savings_amount",
        "Enter how much money you have in bank accounts and savings",
    ),
    (
        "assets",
        {"savings_amount": "mycket"},
        "savings_amount",
        "Enter the savings in whole kronor, like 2300",
    ),
    ("assets", {"has_car": None}, "has_car", "Choose whether you own a car or other vehicle"),
    ("assets", {"car_description": "a" * 201}, "car_description", "Write at most 200 characters"),
    (
        "assets",
        {"owns_property": None},
        "owns_property",
        "Choose whether you own a house, a holiday home, a tenant-owned apartment or land",
    ),
    ("assets", {"other_assets": "a" * 2001}, "other_assets", "Write at most 2000 characters"),
]

MANADSANSOKAN_CASES: list[tuple[str, dict[str, Any], str, str]] = [
    (
        "changes",
        {"household_changed": None},
        "household_changed",
        "Choose whether your household has changed",
    ),
    ("changes", {"housing_changed": None}, "housing_changed", "Choose whether your housing has changed"),
    (
        "changes",
        {"employment_changed": None},
        "employment_changed",
        "Choose whether your work or other occupation has changed",
    ),
    ("changes", {"what_changed": ""}, "what_changed", "Describe what has changed"),
    ("changes", {"what_changed": "a" * 4001}, "what_changed", "Write at most 4000 characters"),
]

DODSBO_CASES: list[tuple[str, dict[str, Any], str, str]] = [
    ("applicant", {"relation": None}, "relation", "Choose your relation to the person who has died"),
    (
        "applicant",
        {"relation": "other", "relation_other": ""},
        "relation_other",
        "Describe your relation to the person who has died",
    ),
    ("applicant", {"relation_other": "a" * 201}, "relation_other", "Write at most 200 characters"),
    ("applicant", {"phone": ""}, "phone", "Enter a phone number we can reach you on"),
    ("applicant", {"email": "karin@"}, "email", "Enter an e-mail address like namn@example.se"),
    (
        "deceased",
        {"personal_number": ""},
        "personal_number",
        "Enter the personal identity number of the person who has died",
    ),
    ("deceased", {"personal_number": "19400202-111"}, "personal_number", FORMAT),
    ("deceased", {"name": ""}, "name", "Enter the full name of the person who has died"),
    ("deceased", {"date_of_death": ""}, "date_of_death", "Enter the date of death"),
    (
        "deceased",
        {"date_of_death": "3/11/2026"},
        "date_of_death",
        "Enter the date of death as year-month-day, like 2026-03-15",
    ),
    ("deceased", {"date_of_death": TOMORROW}, "date_of_death", "The date cannot be in the future"),
    ("deceased", {"last_address": ""}, "last_address", "Enter the last address of the person who has died"),
    ("deceased", {"last_address": "a" * 501}, "last_address", "Write at most 500 characters"),
    ("estate_parties", {"name": ""}, "items-0-name", "Enter the full name of the party to the estate"),
    ("estate_parties", {"personal_number": "19121212-1213"}, "items-0-personal_number", CHECKSUM),
    (
        "estate_parties",
        {"relation": ""},
        "items-0-relation",
        "Enter the party's relation to the person who has died",
    ),
    ("estate_parties", {"contact": "a" * 501}, "items-0-contact", "Write at most 500 characters"),
    (
        "assets",
        {"bank_balance": ""},
        "bank_balance",
        "Enter how much money was in the bank accounts on the date of death",
    ),
    (
        "assets",
        {"bank_balance": "3 250,50"},
        "bank_balance",
        "Enter the bank balance in whole kronor, like 12500",
    ),
    ("assets", {"cash": "ett par hundra"}, "cash", "Enter the cash in whole kronor, like 500"),
    ("assets", {"valuables_value": ""}, "valuables_value", "Enter what the car or valuables are worth"),
    ("assets", {"valuables_value": "5k"}, "valuables_value", "Enter the value in whole kronor, like 8000"),
    (
        "assets",
        {"owned_real_property": None},
        "owned_real_property",
        "Choose whether the person who has died owned a house, land or a site leasehold",
    ),
    ("debts", {"unpaid_rent": "x"}, "unpaid_rent", "Enter the unpaid rent in whole kronor, like 7200"),
    ("debts", {"other_bills": "x"}, "other_bills", "Enter the unpaid bills in whole kronor, like 1500"),
    (
        "funeral",
        {"funeral_invoice": ""},
        "funeral_invoice",
        "Enter the amount on the funeral director's invoice",
    ),
    (
        "funeral",
        {"funeral_invoice": "x"},
        "funeral_invoice",
        "Enter the invoice amount in whole kronor, like 25000",
    ),
    (
        "funeral",
        {"headstone": "x"},
        "headstone",
        "Enter the cost of the headstone in whole kronor, like 9000",
    ),
    ("funeral", {"other_costs": "x"}, "other_costs", "Enter the other costs in whole kronor, like 1200"),
    ("funeral", {"paid_by": "a" * 201}, "paid_by", "Write at most 200 characters"),
]

ASSISTANS_CASES: list[tuple[str, dict[str, Any], str, str]] = [
    ("contact", {"phone": ""}, "phone", "Enter a phone number we can reach you on"),
    ("contact", {"email": "kim at example.se"}, "email", "Enter an e-mail address like namn@example.se"),
    ("personkrets", {"group": None}, "group", "Choose what describes you best"),
    ("personkrets", {"group": "lss_1_4"}, "group", "Choose what describes you best"),
    ("personkrets", {"diagnosis": "a" * 2001}, "diagnosis", "Write at most 2000 characters"),
    ("needs", {"needs": None}, "needs", "Choose at least one thing you need help with"),
    ("needs", {"needs": ["hygiene", "flying"]}, "needs", "Choose at least one thing you need help with"),
    ("needs", {"description": ""}, "description", "Describe what you need help with and how often"),
    ("needs", {"other_needs": "a" * 4001}, "other_needs", "Write at most 4000 characters"),
    (
        "hours",
        {"hours_per_week": ""},
        "hours_per_week",
        "Enter how many hours a week you need personal assistance",
    ),
    ("hours", {"hours_per_week": "169"}, "hours_per_week", "Enter the hours as a whole number from 1 to 168"),
    ("hours", {"hours_per_week": "0"}, "hours_per_week", "Enter the hours as a whole number from 1 to 168"),
    (
        "hours",
        {"hours_per_week": "40,5"},
        "hours_per_week",
        "Enter the hours as a whole number from 1 to 168",
    ),
    (
        "hours",
        {"has_assistance_allowance": None},
        "has_assistance_allowance",
        "Choose whether you get assistance benefit (assistansersättning) from the Social Insurance Agency "
        "(Försäkringskassan)",
    ),
]

CASES = (
    [("ekonomiskt_bistand", *case) for case in BISTAND_CASES + NYANSOKAN_CASES]
    + [("manadsansokan", *case) for case in BISTAND_CASES + MANADSANSOKAN_CASES]
    + [("dodsboanmalan", *case) for case in DODSBO_CASES]
    + [("personlig_assistans", *case) for case in ASSISTANS_CASES]
)


def _case_id(case: tuple[str, str, dict[str, Any], str, str]) -> str:
    eservice_id, step_id, changes, _field, _message = case
    return f"{eservice_id}-{step_id}-{'+'.join(f'{k}={str(v)[:10]}' for k, v in changes.items())}"


def _changed(raw_step: Any, changes: dict[str, Any]) -> Any:
    target = raw_step[0] if isinstance(raw_step, list) else raw_step
    for name, value in changes.items():
        if value is None:
            target.pop(name, None)
        else:
            target[name] = value
    return raw_step


@pytest.mark.parametrize("case", CASES, ids=[_case_id(case) for case in CASES])
def test_a_wrong_answer_gets_its_own_message(case: tuple[str, str, dict[str, Any], str, str]) -> None:
    eservice_id, step_id, changes, field_id, message = case
    eservice = forms.get(eservice_id)
    raw = samples.raw(eservice_id)
    assert samples.messages(eservice, step_id, raw[step_id]) == [], "the sample itself is valid"
    assert samples.messages(eservice, step_id, _changed(raw[step_id], changes)) == [(field_id, message)]


@pytest.mark.parametrize(
    "eservice_id", ["ekonomiskt_bistand", "manadsansokan", "dodsboanmalan", "personlig_assistans"]
)
def test_every_field_message_is_in_the_table(eservice_id: str) -> None:
    """Each message a field or validator declares shows up in the table above, so none goes untested."""
    tested = {message for case_eservice, _s, _c, _f, message in CASES if case_eservice == eservice_id}
    declared = set()
    for step in forms.get(eservice_id).steps:
        for field in step.form()._fields.values():
            for validator in field.validators:
                if isinstance(validator, (InputRequired, Email)):
                    declared.add(str(validator.message))
            if hasattr(field, "message"):
                declared.add(str(field.message))
    assert declared - tested == set()
