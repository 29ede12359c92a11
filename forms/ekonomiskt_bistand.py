"""Ansökan om ekonomiskt bistånd (försörjningsstöd), nyansökan: the month, the household, housing, occupation,
incomes, assets and costs, with a preliminary calculation against the riksnorm that is never a decision."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import Field, StringField, TextAreaField
from wtforms.validators import Optional

from forms._bistand_common import ContactForm, PeriodForm
from forms._bistand_household import OCCUPATIONS, co_applicant_number, household_steps
from forms._bistand_money import calculate, cost_step, income_step
from forms.base import Answers, AttachmentSlot, EService, Step, StepForm, register
from forms.fields import AmountField, WholeNumberField, at_most, ensure, radios, yes_no

HOUSING_TYPES = [
    ("rental", _l("Rented apartment (hyresrätt)")),
    ("cooperative", _l("Tenant-owned apartment (bostadsrätt)")),
    ("house", _l("House that I own (villa)")),
    ("sublet", _l("Sublet from someone who has the contract (andrahand)")),
    ("lodger", _l("Renting a room in someone else's home (inneboende)")),
    ("homeless", _l("I have no home of my own (utan bostad)")),
]


class HousingForm(StepForm):
    housing_type = radios(_l("How do you live?"), _l("Choose how you live"), HOUSING_TYPES)
    rent = AmountField(
        _l("How much do you pay for your housing each month?"),
        message=_l("Enter the housing cost in whole kronor, like 6500"),
        description=_l(
            "Rent, the fee to the housing cooperative or, for a house, what it costs to live there."
        ),
        render_kw={"inputmode": "numeric"},
    )
    rooms = WholeNumberField(
        _l("How many rooms does the home have? (optional)"),
        [Optional()],
        message=_l("Enter the number of rooms as a whole number, like 2"),
        maximum=20,
        description=_l("Not counting the kitchen."),
        render_kw={"inputmode": "numeric"},
    )

    def validate_rent(self, field: Field) -> None:
        if field.errors or self.housing_type.data in (None, "", "homeless"):
            return
        ensure(field.amount is not None, _l("Enter how much you pay for your housing each month"))


class EmploymentForm(StepForm):
    occupation = radios(_l("What do you do?"), _l("Choose what you do"), OCCUPATIONS)
    description = TextAreaField(
        _l("Tell us more (required if you chose other)"),
        [at_most(2000)],
        description=_l("For example your employer, how many hours you work, or since when you are ill."),
    )

    def validate_description(self, field: Field) -> None:
        if self.occupation.data == "other" and not field.errors:
            ensure(bool((field.data or "").strip()), _l("Describe what you do"))


class AssetsForm(StepForm):
    has_savings = yes_no(
        _l("Do you or anyone in your household have money in bank accounts or savings?"),
        _l("Choose whether you have money in bank accounts or savings"),
    )
    savings_amount = AmountField(
        _l("How much in total? (if you have savings)"),
        message=_l("Enter the savings in whole kronor, like 2300"),
        render_kw={"inputmode": "numeric"},
    )
    has_car = yes_no(
        _l("Do you or anyone in your household own a car or other vehicle?"),
        _l("Choose whether you own a car or other vehicle"),
    )
    car_description = StringField(_l("Which vehicle? Make, model and year (if you own one)"), [at_most(200)])
    owns_property = yes_no(
        _l(
            "Do you or anyone in your household own a house, a holiday home, a tenant-owned apartment "
            "or land?"
        ),
        _l("Choose whether you own a house, a holiday home, a tenant-owned apartment or land"),
    )
    other_assets = TextAreaField(
        _l("Other assets (optional)"),
        [Optional(), at_most(2000)],
        description=_l("For example shares, funds, valuables or money someone owes you."),
    )

    def validate_savings_amount(self, field: Field) -> None:
        if self.has_savings.data == "yes" and not field.errors:
            ensure(field.amount is not None, _l("Enter how much money you have in bank accounts and savings"))


@register
class EkonomisktBistand(EService):
    id = "ekonomiskt_bistand"
    version = 1
    title = _l("Apply for financial assistance (ekonomiskt bistånd)")
    summary = _l("Apply for financial assistance (försörjningsstöd) when you cannot support yourself.")
    what_you_need = (
        _l("Your spouse's or partner's personal identity number, if you live together"),
        _l("Your incomes and costs for the month"),
        _l("Bank statements (kontoutdrag) for the last three months, as PDF or photos"),
        _l("Your rental contract and rent notice, if you rent"),
    )
    minutes = 30
    case_type = "ekonomiskt_bistand"
    unit_code = "forsorjningsstod"
    steps = (
        Step("period", _l("The month you apply for"), PeriodForm),
        Step(
            "contact",
            _l("Contact details"),
            ContactForm,
            attachments=(
                AttachmentSlot(
                    "identity_document",
                    _l("A copy of your identity document (optional)"),
                    hint=_l("Passport, national identity card or driving licence."),
                ),
            ),
        ),
        *household_steps(),
        Step(
            "housing",
            _l("Housing"),
            HousingForm,
            attachments=(
                AttachmentSlot(
                    "rental_contract", _l("Rental contract (hyresavtal)"), hint=_l("If you rent.")
                ),
                AttachmentSlot("rent_notice", _l("Latest rent notice (hyresavi)"), hint=_l("If you rent.")),
            ),
        ),
        Step("employment", _l("Occupation"), EmploymentForm),
        income_step(
            attachments=(
                AttachmentSlot(
                    "bank_statements",
                    _l("Bank statements (kontoutdrag)"),
                    hint=_l("For every account in the household, the last three months."),
                    required=True,
                ),
            ),
            description=_l(
                "Add every income you and your household receive in the month you apply for. "
                "If you have no income, continue without adding any."
            ),
        ),
        Step("assets", _l("Assets"), AssetsForm),
        cost_step(
            _l(
                "Add costs you have in the month you apply for. Do not add the rent you gave under Housing. "
                "If you have no other costs, continue without adding any."
            )
        ),
    )

    def email(self, answers: Answers) -> str | None:
        return answers.get("contact", "email") or None

    def co_applicant_number(self, answers: Answers) -> str | None:
        return co_applicant_number(answers)

    def calculation(self, answers: Answers, data: Mapping[str, Any]) -> dict[str, Any] | None:
        housing = data.get("housing") or {}
        return calculate(data, rent=housing.get("rent"))
