"""Incomes and costs of an ekonomiskt bistånd application, and the preliminary calculation against the
riksnorm made from the answers (never a decision)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping
from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import Field, StringField

from forms._bistand_common import period_first_day
from forms.base import Repeat, Step, StepForm
from forms.fields import (
    AmountField,
    at_most,
    ensure,
    radios,
    required,
)
from portal.accounts.personnummer import Personnummer
from portal.applications.riksnorm.calculation import ChildInput, preliminary_calculation
from portal.applications.riksnorm.overrides import active_tables, available_years
from portal.applications.riksnorm.tables import NormTable, NormYearMissing, UnsupportedHousehold

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
