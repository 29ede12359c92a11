"""What the two ekonomiskt bistånd e-services share: the month applied for, the household, incomes and costs,
and the preliminary calculation against the riksnorm.

The step forms here are used by both ``forms.ekonomiskt_bistand`` (nyansökan) and ``forms.manadsansokan``
(fortsatt ansökan) under the same step ids, so a månadsansökan can start from the answers of the previous
application. ``email_address`` is used by the other social-services e-services too.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping
from typing import Any
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from wtforms import Field, StringField
from wtforms.validators import Email, Optional

from forms.base import Answers, Repeat, Step, StepForm
from forms.fields import (
    AmountField,
    PersonnummerField,
    Radios,
    WholeNumberField,
    YesNoField,
    at_most,
    chosen,
    ensure,
    required,
)
from portal.accounts.personnummer import InvalidPersonnummer, Personnummer, parse
from portal.applications.riksnorm.calculation import ChildInput, preliminary_calculation
from portal.applications.riksnorm.overrides import active_tables, available_years
from portal.applications.riksnorm.tables import NormTable, NormYearMissing, UnsupportedHousehold

# --- shared helpers ---------------------------------------------------------------------------------------


def email_address() -> Email:
    """Syntax only (email-validator without DNS lookups), as in the hemtjänst e-service."""
    return Email(message=_l("Enter an e-mail address like namn@example.se"))


def radios(label: Any, message: Any, choices: list[tuple[str, Any]], **kwargs: Any) -> Radios:
    """Required radios whose message also covers a value that is not one of the choices."""
    return Radios(label, [chosen(message)], choices=choices, invalid_choice_message=message, **kwargs)


def yes_no(label: Any, message: Any, **kwargs: Any) -> YesNoField:
    return YesNoField(label, [chosen(message)], invalid_choice_message=message, **kwargs)


# --- the month applied for --------------------------------------------------------------------------------

MONTHS = [
    ("01", _l("January")),
    ("02", _l("February")),
    ("03", _l("March")),
    ("04", _l("April")),
    ("05", _l("May")),
    ("06", _l("June")),
    ("07", _l("July")),
    ("08", _l("August")),
    ("09", _l("September")),
    ("10", _l("October")),
    ("11", _l("November")),
    ("12", _l("December")),
]

STOCKHOLM = ZoneInfo("Europe/Stockholm")

# One applies for this month or one of the next ones; bistånd for time already past is not given.
MONTHS_AHEAD = 2


def month_index(year: int, month: int) -> int:
    return year * 12 + month - 1


def swedish_today() -> dt.date:
    """Today in Sweden: the month turns at midnight Swedish time, not UTC."""
    return dt.datetime.now(STOCKHOLM).date()


def months_open(today: dt.date | None = None) -> list[tuple[int, int]]:
    """The (year, month) pairs one can apply for today."""
    today = today or swedish_today()
    first = month_index(today.year, today.month)
    return [(index // 12, index % 12 + 1) for index in range(first, first + MONTHS_AHEAD + 1)]


def first_open_month(today: dt.date | None = None) -> tuple[int, int]:
    return months_open(today)[0]


def next_month(year: int, month: int) -> tuple[int, int]:
    index = month_index(year, month) + 1
    return index // 12, index % 12 + 1


class PeriodForm(StepForm):
    # Year and month as two fields (not one choice among the next few months) so the published JSON Schema
    # of the payload does not change from one month to the next.
    month = radios(_l("Which month do you apply for?"), _l("Choose the month you apply for"), MONTHS)
    year = WholeNumberField(
        _l("Year"),
        [required(_l("Enter the year of the month you apply for"))],
        message=_l("Enter the year with four digits, like 2026"),
        maximum=9999,
        render_kw={"inputmode": "numeric", "autocomplete": "off"},
    )

    def validate_year(self, field: Field) -> None:
        if field.errors or self.month.errors or self.month.data not in dict(MONTHS):
            return
        wanted = (field.number or 0, int(self.month.data))
        ensure(
            wanted in months_open(),
            _l("You can apply for this month or one of the next two months"),
        )


def period_first_day(data: Mapping[str, Any]) -> dt.date | None:
    period = data.get("period") or {}
    try:
        return dt.date(int(period["year"]), int(period["month"]), 1)
    except (KeyError, TypeError, ValueError):
        return None


# --- contact ----------------------------------------------------------------------------------------------


class ContactForm(StepForm):
    phone = StringField(
        _l("Phone number"),
        [required(_l("Enter a phone number we can reach you on")), at_most(40)],
        description=_l("The case officer may call you if something in the application is unclear."),
        render_kw={"autocomplete": "tel", "inputmode": "tel"},
    )
    email = StringField(
        _l("E-mail address (optional)"),
        [Optional(), email_address(), at_most(200)],
        description=_l("We send a receipt without any details of your application."),
        render_kw={"autocomplete": "email", "inputmode": "email", "spellcheck": "false"},
    )


# --- household --------------------------------------------------------------------------------------------

OCCUPATIONS = [
    ("employed", _l("Working")),
    ("unemployed", _l("Unemployed and registered at the Public Employment Service (Arbetsförmedlingen)")),
    ("sick", _l("Ill or on sick leave")),
    ("parental_leave", _l("On parental leave")),
    ("studying", _l("Studying")),
    ("retired", _l("Retired")),
    ("other", _l("Other")),
]


class HouseholdForm(StepForm):
    lives_with_partner = yes_no(
        _l("Do you live with a spouse or cohabiting partner (sambo)?"),
        _l("Choose whether you live with a spouse or cohabiting partner (sambo)"),
        description=_l("If you do, you apply together and your spouse or partner signs the application too."),
    )
    has_children = yes_no(
        _l("Do you have children under 21 who live with you all or part of the time?"),
        _l("Choose whether children live with you"),
    )


class CoApplicantForm(StepForm):
    personal_number = PersonnummerField(
        _l("Their personal identity number"),
        [required(_l("Enter your spouse's or partner's personal identity number"))],
        description=_l("12 digits, like 19121212-1212"),
    )
    name = StringField(
        _l("Their full name"),
        [required(_l("Enter your spouse's or partner's full name")), at_most(200)],
        render_kw={"autocomplete": "off", "spellcheck": "false"},
    )
    occupation = radios(
        _l("What does your spouse or partner do?"), _l("Choose what your spouse or partner does"), OCCUPATIONS
    )


class ChildForm(StepForm):
    name = StringField(
        _l("The child's name"),
        [required(_l("Enter the child's name")), at_most(200)],
        render_kw={"autocomplete": "off", "spellcheck": "false"},
    )
    personal_number = PersonnummerField(
        _l("The child's personal identity number"),
        [required(_l("Enter the child's personal identity number"))],
        description=_l("12 digits, like 20150312-1234"),
    )
    lives_full_time = yes_no(
        _l("Does the child live with you all the time?"),
        _l("Choose whether the child lives with you all the time"),
    )
    days_per_month = WholeNumberField(
        _l("How many days a month does the child live with you? (if not all the time)"),
        message=_l("Enter the number of days as a whole number from 1 to 31"),
        maximum=31,
        render_kw={"inputmode": "numeric"},
    )

    def validate_days_per_month(self, field: Field) -> None:
        if field.errors:
            return
        ensure(field.number != 0, _l("Enter the number of days as a whole number from 1 to 31"))
        if self.lives_full_time.data == "no":
            ensure(field.number is not None, _l("Enter how many days a month the child lives with you"))


def lives_with_partner(answers: Answers) -> bool:
    return answers.get("household", "lives_with_partner") == "yes"


def has_children(answers: Answers) -> bool:
    return answers.get("household", "has_children") == "yes"


def co_applicant_number(answers: Answers) -> str | None:
    """The medsökande's personnummer as typed in the co-applicant step, when that step applies."""
    if not lives_with_partner(answers):
        return None
    value = answers.get("co_applicant", "personal_number")
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        return parse(value).digits12
    except InvalidPersonnummer:
        return None


def household_steps() -> tuple[Step, ...]:
    return (
        Step("household", _l("Your household"), HouseholdForm),
        Step(
            "co_applicant",
            _l("Your spouse or partner"),
            CoApplicantForm,
            description=_l(
                "You apply together. After you have signed, your spouse or partner signs with BankID."
            ),
            condition=lives_with_partner,
        ),
        Step(
            "children",
            _l("Children"),
            ChildForm,
            description=_l("Add every child under 21 who lives with you all or part of the time."),
            condition=has_children,
            repeat=Repeat(
                _l("Child %(number)s"), _l("Add another child"), _l("Remove this child"), min_items=1
            ),
        ),
    )


# --- incomes and costs ------------------------------------------------------------------------------------

INCOME_TYPES = [
    ("salary", _l("Salary")),
    ("unemployment_benefit", _l("Unemployment benefit (a-kassa)")),
    ("sickness_benefit", _l("Sickness benefit (sjukpenning)")),
    ("parental_benefit", _l("Parental benefit (föräldrapenning)")),
    ("housing_allowance", _l("Housing allowance (bostadsbidrag)")),
    ("child_allowance", _l("Child allowance (barnbidrag)")),
    ("maintenance_support", _l("Maintenance support (underhållsstöd)")),
    ("pension", _l("Pension")),
    ("student_aid", _l("Student aid from CSN")),
    ("other", _l("Other income")),
]

WHOSE = [("applicant", _l("Mine")), ("co_applicant", _l("My spouse's or partner's"))]


class IncomeForm(StepForm):
    type = radios(_l("What kind of income is it?"), _l("Choose what kind of income it is"), INCOME_TYPES)
    description = StringField(
        _l("What is the income? (if you chose other income)"),
        [at_most(200)],
    )
    whose = radios(_l("Whose income is it?"), _l("Choose whose income it is"), WHOSE)
    amount = AmountField(
        _l("How much, in kronor, for the month?"),
        [required(_l("Enter how much you receive"))],
        message=_l("Enter the income in whole kronor, like 4500"),
        description=_l("The amount paid out, after tax."),
        render_kw={"inputmode": "numeric"},
    )

    def validate_description(self, field: Field) -> None:
        if self.type.data == "other" and not field.errors:
            ensure(bool((field.data or "").strip()), _l("Describe what the income is"))


COST_TYPES = [
    ("housing", _l("Rent or other housing cost")),
    ("electricity", _l("Household electricity (hushållsel)")),
    ("home_insurance", _l("Home insurance (hemförsäkring)")),
    ("work_travel", _l("Travel to and from work")),
    ("union_fees", _l("Trade union and unemployment fund fees (fackavgift och a-kassa)")),
    ("childcare", _l("Childcare fee (barnomsorg)")),
    ("medical", _l("Medicine and medical care")),
    ("other", _l("Other cost")),
]


class CostForm(StepForm):
    type = radios(_l("What kind of cost is it?"), _l("Choose what kind of cost it is"), COST_TYPES)
    description = StringField(_l("What is the cost? (if you chose other cost)"), [at_most(200)])
    amount = AmountField(
        _l("How much, in kronor, for the month?"),
        [required(_l("Enter how much the cost is"))],
        message=_l("Enter the cost in whole kronor, like 850"),
        render_kw={"inputmode": "numeric"},
    )

    def validate_description(self, field: Field) -> None:
        if self.type.data == "other" and not field.errors:
            ensure(bool((field.data or "").strip()), _l("Describe what the cost is"))


def income_step(attachments: tuple[Any, ...], description: Any) -> Step:
    return Step(
        "incomes",
        _l("Incomes"),
        IncomeForm,
        description=description,
        repeat=Repeat(
            _l("Income %(number)s"), _l("Add another income"), _l("Remove this income"), max_items=30
        ),
        attachments=attachments,
    )


def cost_step(description: Any) -> Step:
    return Step(
        "costs",
        _l("Costs"),
        CostForm,
        description=description,
        repeat=Repeat(_l("Cost %(number)s"), _l("Add another cost"), _l("Remove this cost"), max_items=30),
    )


# --- the preliminary calculation --------------------------------------------------------------------------

# Our cost types and the cost keys of portal.applications.riksnorm (its COST_KEYS). Childcare, medical and
# other costs count as the applicant states them; the calculation marks them as assessed case by case.
RIKSNORM_COSTS = {
    "housing": "housing",
    "electricity": "electricity",
    "home_insurance": "home_insurance",
    "work_travel": "work_travel",
    "union_fees": "union_and_unemployment_fund",
    "childcare": "childcare",
    "medical": "medical",
    "other": "other",
}


def child_age(personal_number: str, first_day: dt.date) -> int:
    try:
        return Personnummer(personal_number).age_on(first_day)
    except ValueError:  # born later in the month applied for
        return 0


def calculate(
    data: Mapping[str, Any], *, rent: int | None = None, tables: Mapping[int, NormTable] | None = None
) -> dict[str, Any] | None:
    """A preliminary calculation from the typed answers, or None when it cannot be made: no norm table for the
    year, a household the calculation does not model (e.g. a child of 21), or the month is not answered.
    ``rent`` is the housing cost asked outside the costs group; ``tables`` the norm tables (default: the
    built-in ones)."""

    first_day = period_first_day(data)
    if first_day is None:
        return None
    household = data.get("household") or {}
    cohabiting = household.get("lives_with_partner") == "yes"
    children = []
    if household.get("has_children") == "yes":
        for child in data.get("children") or []:
            if not child.get("personal_number"):
                continue
            days = None if child.get("lives_full_time") == "yes" else child.get("days_per_month")
            children.append(
                ChildInput(age=child_age(child["personal_number"], first_day), days_per_month=days)
            )

    costs: dict[str, int] = defaultdict(int)
    if rent:
        costs[RIKSNORM_COSTS["housing"]] += rent
    for cost in data.get("costs") or []:
        key = RIKSNORM_COSTS.get(cost.get("type") or "")
        if key and cost.get("amount"):
            costs[key] += cost["amount"]
    incomes: dict[str, int] = defaultdict(int)
    for income in data.get("incomes") or []:
        if income.get("type") and income.get("amount"):
            incomes[income["type"]] += income["amount"]

    tables = active_tables() if tables is None else tables
    # The norm of the month applied for; when that year's table is not entered yet, the latest earlier one,
    # said plainly in the result (``norm_year`` differs from ``year``) rather than no estimate at all.
    earlier = [year for year in available_years(tables) if year <= first_day.year]
    if not earlier:
        return None
    try:
        calculation = preliminary_calculation(
            year=earlier[-1],
            month=first_day.month,
            adults=2 if cohabiting else 1,
            cohabiting=cohabiting,
            children=children,
            costs=dict(costs),
            incomes=dict(incomes),
            tables=tables,
        )
    except (NormYearMissing, UnsupportedHousehold, ValueError):
        return None
    result = calculation.to_dict()
    result["norm_year"] = earlier[-1]
    result["year"] = first_day.year
    return result
