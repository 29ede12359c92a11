"""The household of an ekonomiskt bistånd application: who lives with the applicant, children and their
days at home, and the steps that ask for them."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import Field, StringField

from forms.base import Answers, Repeat, Step, StepForm
from forms.fields import (
    PersonnummerField,
    WholeNumberField,
    at_most,
    ensure,
    radios,
    required,
    yes_no,
)
from portal.accounts.personnummer import InvalidPersonnummer, parse

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
