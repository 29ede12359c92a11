from __future__ import annotations

import datetime as dt

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import StringField

from forms.fields import CheckboxesField, DateInputField, PersonnummerField, Radios, at_most, swedish_today

RIGHT_CHOICES = [
    ("read", _l("Read the status and documents of my cases")),
    ("message", _l("Send and read messages in my cases")),
    ("apply", _l("Apply on my behalf")),
]
SCOPE_CHOICES = [
    ("all", _l("All my matters at the social services")),
    ("cases", _l("Only the cases I choose")),
    ("eservices", _l("Only some kinds of matters, for example home help")),
]
BASIS_CHOICES = [
    ("god_man", _l("Trustee (god man)")),
    ("forvaltare", _l("Administrator (förvaltare)")),
    ("vardnadshavare", _l("Guardian (vårdnadshavare) of a child under 18")),
]
STAFF_SCOPE_CHOICES = [
    ("all", _l("All the person's matters at the social services")),
    ("eservices", _l("Only some kinds of matters")),
]


class FullmaktForm(FlaskForm):
    personal_number = PersonnummerField(
        _l("Personal identity number of the person you give the power of attorney to"),
        description=_l("12 digits, like 19121212-1212"),
    )
    scope = Radios(_l("What does the power of attorney cover?"), choices=SCOPE_CHOICES)
    case_ids = CheckboxesField(_l("Which cases?"), choices=[])
    eservice_ids = CheckboxesField(_l("Which kinds of matters?"), choices=[])
    rights = CheckboxesField(_l("What may the person do?"), choices=RIGHT_CHOICES)
    valid_until = DateInputField(
        _l("Valid until (year-month-day)"),
        message=_l("Enter the last day of the power of attorney as year-month-day, like 2027-05-31"),
        description=_l("At most three years. You can revoke the power of attorney at any time before that."),
        render_kw={"autocomplete": "off", "inputmode": "numeric"},
    )


class StaffRepresentationForm(FlaskForm):
    principal_number = PersonnummerField(
        _l("Personal identity number of the person who is represented"),
        description=_l("12 digits, like 19121212-1212"),
    )
    agent_number = PersonnummerField(
        _l("Personal identity number of the representative"),
        description=_l("12 digits, like 19121212-1212"),
    )
    agent_name = StringField(
        _l("Name of the representative (optional)"),
        [at_most(200)],
        description=_l("Shown until the representative has logged in for the first time."),
        render_kw={"autocomplete": "off", "spellcheck": "false"},
    )
    basis = Radios(_l("Basis"), choices=BASIS_CHOICES)
    scope = Radios(_l("What does the representation cover?"), choices=STAFF_SCOPE_CHOICES)
    eservice_ids = CheckboxesField(_l("Which kinds of matters?"), choices=[])
    rights = CheckboxesField(_l("What may the representative do?"), choices=RIGHT_CHOICES)
    valid_from = DateInputField(
        _l("Valid from (year-month-day)"),
        message=_l("Enter the first day as year-month-day, like 2026-12-01"),
        render_kw={"autocomplete": "off", "inputmode": "numeric"},
    )
    valid_until = DateInputField(
        _l("Valid until (year-month-day)"),
        message=_l("Enter the last day as year-month-day, like 2027-12-01"),
        description=_l("For a guardian leave it empty: it ends the day before the child turns 18."),
        render_kw={"autocomplete": "off", "inputmode": "numeric"},
    )
    document = FileField(_l("The decision or letter of appointment as a PDF"))


def default_until() -> dt.date:
    return swedish_today() + dt.timedelta(days=365)


MAX_YEARS = 3


def check_fullmakt(form: FullmaktForm, own_number: str) -> None:
    """Cross-field checks, written onto the fields so each error shows next to its question."""
    pnr = form.personal_number
    if not pnr.errors:
        if not (pnr.data or "").strip():
            pnr.errors.append(
                _l("Enter the personal identity number of the person you give the power of attorney to")
            )
        elif pnr.digits12 == own_number:
            pnr.errors.append(
                _l("You cannot give a power of attorney to yourself. Enter the number of someone else.")
            )
    if form.scope.data not in {"all", "cases", "eservices"}:
        form.scope.errors = [_l("Choose what the power of attorney covers")]
    elif form.scope.data == "cases" and not form.case_ids.data:
        form.case_ids.errors = [_l("Choose at least one case")]
    elif form.scope.data == "eservices" and not form.eservice_ids.data:
        form.eservice_ids.errors = [_l("Choose at least one kind of matter")]
    rights = form.rights.data or []
    if not rights:
        form.rights.errors = [_l("Choose at least one thing the person may do")]
    elif "message" in rights and "read" not in rights:
        form.rights.errors = [_l("To send and read messages the person must also be able to read your cases")]
    until = form.valid_until
    if not until.errors:
        today = swedish_today()
        if until.date is None:
            until.errors.append(
                _l("Enter the last day of the power of attorney as year-month-day, like 2027-05-31")
            )
        elif until.date <= today:
            until.errors.append(_l("The last day must be after today"))
        elif until.date > today.replace(year=today.year + MAX_YEARS) - dt.timedelta(days=1):
            until.errors.append(
                _l("A power of attorney can be valid for at most three years. Choose an earlier day.")
            )


def check_staff(form: StaffRepresentationForm) -> None:
    for field, message in (
        (form.principal_number, _l("Enter the personal identity number of the person who is represented")),
        (form.agent_number, _l("Enter the personal identity number of the representative")),
    ):
        if not field.errors and not (field.data or "").strip():
            field.errors.append(message)
    if (
        not form.agent_number.errors
        and form.agent_number.digits12
        and form.agent_number.digits12 == form.principal_number.digits12
    ):
        form.agent_number.errors.append(
            _l("The representative must be someone other than the person represented")
        )
    if form.basis.data not in {"god_man", "forvaltare", "vardnadshavare"}:
        form.basis.errors = [_l("Choose the basis")]
    if form.scope.data not in {"all", "eservices"}:
        form.scope.errors = [_l("Choose what the representation covers")]
    elif form.scope.data == "eservices" and not form.eservice_ids.data:
        form.eservice_ids.errors = [_l("Choose at least one kind of matter")]
    rights = form.rights.data or []
    if not rights:
        form.rights.errors = [_l("Choose at least one thing the representative may do")]
    elif "message" in rights and "read" not in rights:
        form.rights.errors = [_l("To send and read messages the representative must also be able to read")]
    if not form.valid_from.errors and form.valid_from.date is None:
        form.valid_from.errors.append(_l("Enter the first day as year-month-day, like 2026-12-01"))
    if form.basis.data != "vardnadshavare" and not form.valid_until.errors:
        if form.valid_until.date is None:
            form.valid_until.errors.append(_l("Enter the last day as year-month-day, like 2027-12-01"))
        elif form.valid_from.date and form.valid_until.date < form.valid_from.date:
            form.valid_until.errors.append(_l("The last day must be on or after the first day"))


def error_list(form: FlaskForm) -> list[tuple[str, str]]:
    return [(field.id, str(field.errors[0])) for field in form if field.errors and field.id != "csrf_token"]
